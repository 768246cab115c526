"""Search through the API: changes reach the index through the outbox relay, every
query stays inside the caller's organization, bad syntax is a 400."""
from __future__ import annotations

from chalicelib.search.indexer import relay_outbox
from tests.api.conftest import Api, signup
from tests.support.deploying import run_to_end


def org_with_service(api, org_name, service_name, image):
    body = signup(api, org=org_name)
    a = Api(api.client, body["token"])
    org = body["organization"]["id"]
    _, prj = a.call("POST", f"/orgs/{org}/projects", {"name": "p"})
    _, svc = a.call("POST", f"/orgs/{org}/projects/{prj['id']}/services",
                    {"name": service_name, "image": image, "port": 80})
    return a, org, prj, svc


def relay(ports):
    while relay_outbox(ports.store, ports.search, batch_size=500):
        pass


def test_search_finds_services_deployments_logs_and_audit(api, ports):
    a, org, prj, svc = org_with_service(api, "A", "checkout", "registry.example.com/checkout:2.1")
    _, dep = a.call("POST", f"/orgs/{org}/services/{svc['id']}/deployments", {})
    run_to_end(ports, dep["id"])
    relay(ports)
    assert ports.store.collection("outbox").count({}) == 0
    status, out = a.call("GET", f"/orgs/{org}/search?q=checkout")
    assert status == 200, out
    types = {r["type"] for r in out["results"]}
    assert {"service", "deployment"} <= types, out
    assert out["facets"]["type"]["service"] >= 1
    _, typo = a.call("GET", f"/orgs/{org}/search?q=chekout&type=service")
    assert [r["id"] for r in typo["results"]] == [svc["id"]]
    _, prefix = a.call("GET", f"/orgs/{org}/search?q=check&type=service")
    assert [r["id"] for r in prefix["results"]] == [svc["id"]]
    _, live = a.call("GET", f"/orgs/{org}/search?type=deployment&status=live")
    assert [r["id"] for r in live["results"]] == [dep["id"]]
    _, logs = a.call("GET", f"/orgs/{org}/search?q=task_definition&type=log")
    assert logs["results"] and all(r["type"] == "log" for r in logs["results"])
    _, audit = a.call("GET", f"/orgs/{org}/search?q=service.create&type=audit")
    assert audit["results"], audit
    for result in audit["results"][:2] + out["results"][:3]:   # every link leads somewhere
        assert result["link"].startswith("/v1/")
        assert a.call("GET", result["link"][3:])[0] == 200, result["link"]


def test_search_never_crosses_organizations(api, ports):
    a, org_a, _, _ = org_with_service(api, "A", "secret-billing", "billing:1")
    b, org_b, _, _ = org_with_service(api, "B", "frontend", "frontend:1")
    relay(ports)
    for q in ("secret-billing", "billing", f"org_id:{org_a}", "*", "billing OR frontend", '"secret-billing"'):
        status, out = b.call("GET", f"/orgs/{org_b}/search?q={q}")
        assert status in (200, 400), out
        if status == 200:
            assert all("billing" not in (r["title"] + r["snippet"]) for r in out["results"]), (q, out)
    assert b.call("GET", f"/orgs/{org_a}/search?q=billing")[0] == 404


def test_bad_search_input_is_400(api, ports):
    a, org, _, _ = org_with_service(api, "A", "web", "nginx")
    for query, field in (('q="unclosed', "q"), ("q=nosuchfield:x", "q"), ("type=bogus", "type"),
                         ("from=yesterday", "from"), ("limit=500", "limit")):
        status, out = a.call("GET", f"/orgs/{org}/search?{query}")
        assert status == 400, (query, out)
        assert out["error"]["field"] == field


def test_times_in_any_iso_form_and_the_shared_query_limit(api, ports):
    from chalicelib.search import query as Q

    a, org, _, svc = org_with_service(api, "A", "web", "nginx")
    relay(ports)
    for when in ("2020-01-31", "2020-01-31T12:00Z", "2020-01-31T12:00:00%2B02:00", "2020-01-31T12:00:00.5Z",
                 "2020-01-31T12:00:00.123456789Z"):
        status, out = a.call("GET", f"/orgs/{org}/search?q=web&type=service&from={when}")
        assert status == 200 and [r["id"] for r in out["results"]] == [svc["id"]], (when, out)
    status, out = a.call("GET", f"/orgs/{org}/search?q=web&type=service&to=2020-01-31")
    assert status == 200 and out["results"] == []
    status, out = a.call("GET", f"/orgs/{org}/search?to=2026-02-30")
    assert status == 400 and out["error"]["field"] == "to" and "2026-01-31T12:00Z" in out["error"]["message"]
    # the same limit as the search layer's, not a second one
    assert a.call("GET", f"/orgs/{org}/search?q={'w' * 30 + '%20' * (Q.MAX_QUERY_CHARS - 30)}")[0] == 200
    status, out = a.call("GET", f"/orgs/{org}/search?q={'w' * (Q.MAX_QUERY_CHARS + 1)}")
    assert status == 400 and out["error"]["field"] == "q" and str(Q.MAX_QUERY_CHARS) in out["error"]["message"]
    for cursor in ("garbage", "W1sxXV0", "eyJvIjogWzFdfQ", "eyJvIjogMWUzMDB9"):  # [[1]], {"o": [1]}, {"o": 1e300}
        status, out = a.call("GET", f"/orgs/{org}/search?q=web&cursor={cursor}")
        assert status == 400 and out["error"]["field"] == "cursor", (cursor, out)


def test_a_short_word_with_a_typo_is_found(api, ports):
    a, org, _, svc = org_with_service(api, "A", "web", "nginx")
    relay(ports)
    _, out = a.call("GET", f"/orgs/{org}/search?q=wbe&type=service")
    assert [r["id"] for r in out["results"]] == [svc["id"]]
