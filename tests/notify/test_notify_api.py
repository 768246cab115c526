"""The notifications API without a worker: subscriptions, the secret shown once, the SSRF
guard, roles and organization isolation."""
from __future__ import annotations

from chalicelib import wiring
from tests.support.api import signup_invited

HOOK = "https://hooks.example.com/launchbay/T000/SECRETPATH"


def _subs(org, project_id):
    return f"/projects/{project_id}/notifications"


def test_create_shows_the_secret_once_and_never_again(make_org):
    org = make_org()
    prj = org.project()
    status, sub = org.call("POST", _subs(org, prj["id"]), {"kind": "webhook", "url": HOOK, "name": "ci"})
    assert status == 201, sub
    secret = sub["secret"]
    assert secret.startswith("whsec_") and sub["events"] == ["*"] and sub["enabled"] is True
    assert sub["url_hint"] == "https://hooks.example.com/…"   # the path may hold a token: never shown
    answers = [org.call("GET", _subs(org, prj["id"])), org.call("GET", f"{_subs(org, prj['id'])}/{sub['id']}"),
               org.call("PATCH", f"{_subs(org, prj['id'])}/{sub['id']}", {"enabled": False, "events": ["deployment.live"]}),
               org.call("GET", f"{_subs(org, prj['id'])}/{sub['id']}/deliveries"), org.call("GET", "/audit")]
    for status, body in answers:
        assert status == 200, body
        assert secret not in str(body) and "SECRETPATH" not in str(body)
    assert answers[2][1]["enabled"] is False and answers[2][1]["events"] == ["deployment.live"]
    # at rest: encrypted, URL included
    stored = wiring.get_store().collection("notify_subscriptions").get(sub["id"])
    assert secret not in str(stored) and "SECRETPATH" not in str(stored)
    # rotation gives a new one, once
    status, rotated = org.call("POST", f"{_subs(org, prj['id'])}/{sub['id']}/rotate-secret")
    assert status == 200 and rotated["secret"].startswith("whsec_") and rotated["secret"] != secret
    status, again = org.call("GET", f"{_subs(org, prj['id'])}/{sub['id']}")
    assert "secret" not in again and rotated["secret"] not in str(again)


def test_slack_subscriptions_have_no_secret(make_org):
    org = make_org()
    prj = org.project()
    status, sub = org.call("POST", _subs(org, prj["id"]), {"kind": "slack", "url": "https://hooks.slack.com/services/T/B/X"})
    assert status == 201 and "secret" not in sub and sub["signed"] is False
    status, body = org.call("POST", f"{_subs(org, prj['id'])}/{sub['id']}/rotate-secret")
    assert status == 422 and body["error"]["field"] == "sub"


def test_ssrf_and_bad_input_are_4xx_naming_the_field(make_org):
    org = make_org()
    path = _subs(org, org.project()["id"])
    for url in ("http://hooks.example.com/x", "https://169.254.169.254/latest/meta-data/", "https://10.1.2.3/",
                "https://[::ffff:192.168.0.1]/", "https://user:pw@hooks.example.com/", "gopher://x"):
        status, body = org.call("POST", path, {"kind": "webhook", "url": url})
        assert status == 422 and body["error"]["field"] == "url", (url, body)
    status, body = org.call("POST", path, {"kind": "pager", "url": HOOK})
    assert status == 422 and body["error"]["field"] == "kind"
    status, body = org.call("POST", path, {"kind": "webhook", "url": HOOK, "events": ["deployment.exploded"]})
    assert status == 422 and body["error"]["field"] == "events"
    status, body = org.call("POST", path, raw="{nope")
    assert status == 400
    status, sub = org.call("POST", path, {"kind": "webhook", "url": HOOK})
    status, body = org.call("PATCH", f"{path}/{sub['id']}", {"url": "https://127.0.0.1.nip.io.internal@10.0.0.1/"})
    assert status == 422 and body["error"]["field"] == "url"
    # loopback receivers are for local mode (the sandbox, as here)
    status, _ = org.call("POST", path, {"kind": "webhook", "url": "http://127.0.0.1:9/hook"})
    assert status == 201


def test_other_organizations_and_low_roles(make_org, api):
    a, b = make_org("A"), make_org("B")
    prj = a.project()
    status, sub = a.call("POST", _subs(a, prj["id"]), {"kind": "webhook", "url": HOOK})
    assert status == 201
    one = f"/projects/{prj['id']}/notifications/{sub['id']}"
    for method, suffix in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("GET", "/deliveries"),
                           ("POST", "/rotate-secret"), ("POST", "/test")):
        # B's owner, with A's ids under A's org and under B's: not found either way
        for status, body in (b.api.call(method, f"/orgs/{a.id}{one}{suffix}", {"enabled": True}),
                             b.call(method, f"{one}{suffix}", {"enabled": True})):
            assert status == 404, (method, suffix, status, body)
            assert sub["id"] not in str(body)
    # a subscription is found only under its own project
    other = a.project("other")
    status, _ = a.call("GET", f"/projects/{other['id']}/notifications/{sub['id']}")
    assert status == 404
    # a viewer reads, but does not manage
    from tests.support.api import Api
    email = "viewer-notify@example.com"
    assert a.call("POST", "/members", {"email": email, "role": "viewer"})[0] in (200, 201)
    viewer = Api(api.client, signup_invited(api, email, org="Home")["token"])
    assert viewer.call("GET", f"/orgs/{a.id}{one}")[0] == 200
    status, body = viewer.call("POST", f"/orgs/{a.id}/projects/{prj['id']}/notifications", {"kind": "webhook", "url": HOOK})
    assert status == 403
    assert viewer.call("DELETE", f"/orgs/{a.id}{one}")[0] == 403


def test_delete_and_paging(make_org):
    org = make_org()
    path = _subs(org, org.project()["id"])
    ids = [org.call("POST", path, {"kind": "slack", "url": f"https://hooks.example.com/{i}"})[1]["id"] for i in range(3)]
    status, first = org.call("GET", path + "?limit=2")
    assert status == 200 and len(first["items"]) == 2 and first["next"]
    status, rest = org.call("GET", path + f"?limit=2&cursor={first['next']}")
    assert [s["id"] for s in first["items"] + rest["items"]] == ids
    assert org.call("GET", path + "?cursor=garbage")[0] == 400
    assert org.call("DELETE", f"{path}/{ids[0]}")[0] == 204
    assert org.call("GET", f"{path}/{ids[0]}")[0] == 404
