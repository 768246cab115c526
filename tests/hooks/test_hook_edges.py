"""The edges of git webhooks: tracked branches in the API and launchbay.yaml, deliveries through
the WSGI adapter the API container serves (the signature is over the exact bytes), size limit,
and a hook whose admin has left."""
from __future__ import annotations

import io
import json
import uuid
import wsgiref.util

import yaml

from chalicelib.hooks.github import signature
from tests.hooks.conftest import deployments_of, payload, process
from tests.support.api import Api, signup_invited


def test_tracked_branch_in_the_api_and_in_launchbay_yaml(hooked, ports):
    org, prj = hooked.org, hooked.project["id"]
    for bad in ("-x", "a..b", "has space", "x.lock", "trailing/"):
        status, out = org.call("PATCH", f"/projects/{prj}/environments/production", {"branch": bad})
        assert status == 422 and out["error"]["field"] == "branch", (bad, out)
    status, env = org.call("POST", f"/projects/{prj}/environments", {"name": "staging", "branch": "release/2.0"})
    assert status == 201 and env["branch"] == "release/2.0"
    # a preview exists: the export leaves it out, and a plan of the export changes nothing (deletes nothing)
    status, out = hooked.deliver("pull_request", payload("pull_request.opened"))
    done = process(out["id"])
    assert done.get("preview") == "pr-2", done
    status, exported = org.call("GET", f"/projects/{prj}/export")
    doc = exported["document"]["environments"]
    assert set(doc) == {"production", "staging"} and doc["production"]["branch"] == "master"
    assert doc["staging"]["branch"] == "release/2.0"
    status, plan = org.call("POST", f"/projects/{prj}/plan", {"files": {"launchbay.yaml": exported["yaml"]}})
    assert status == 200 and plan["changes"] == [], plan["changes"]
    edited = yaml.safe_load(exported["yaml"])
    edited["environments"]["staging"]["branch"] = "main"
    edited["environments"]["qa"] = {"branch": "qa", "services": {}}
    text = yaml.safe_dump(edited)
    plan = org.call("POST", f"/projects/{prj}/plan", {"files": {"launchbay.yaml": text}})[1]
    changes = {(c["action"], c["name"]): c["fields"] for c in plan["changes"]}
    assert changes[("update", "staging")] == {"branch": ["release/2.0", "main"]}
    assert changes[("create", "qa")]["branch"] == "qa"
    status, out = org.call("POST", f"/projects/{prj}/apply", {"files": {"launchbay.yaml": text}})
    assert status == 200, out
    assert org.call("GET", f"/projects/{prj}/environments/qa")[1]["branch"] == "qa"
    assert org.call("GET", f"/projects/{prj}/environments/staging")[1]["branch"] == "main"
    bad = text.replace("branch: qa", "branch: '..'")
    status, out = org.call("POST", f"/projects/{prj}/plan", {"files": {"launchbay.yaml": bad}})
    assert status == 422 and "branch" in out["error"]["message"], out


def _wsgi_post(app, path: str, raw: bytes, headers: dict[str, str]) -> tuple[str, dict]:
    environ: dict = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "CONTENT_LENGTH": str(len(raw)),
                     "CONTENT_TYPE": headers.pop("Content-Type"), "wsgi.input": io.BytesIO(raw)}
    wsgiref.util.setup_testing_defaults(environ)
    environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    seen: dict = {}
    body = b"".join(app(environ, lambda status, hdrs, exc=None: seen.update(status=status)))
    return seen["status"], json.loads(body)


def test_a_delivery_through_the_wsgi_adapter_keeps_the_exact_bytes(hooked, ports):
    import app as app_module
    from chalicelib.api.wsgi import make_wsgi_app

    wsgi_app = make_wsgi_app(app_module.app)
    body = payload("push")
    body["head_commit"]["message"] = "Héllo — naïve ünïcode ✓\n\nsecond line"
    raw = json.dumps(body, indent=2, ensure_ascii=False).encode()     # GitHub sends UTF-8, not \u escapes
    headers = {"Content-Type": "application/json", "X-GitHub-Event": "push", "X-GitHub-Delivery": str(uuid.uuid4()),
               "X-Hub-Signature-256": signature(hooked.secret, raw)}
    status, out = _wsgi_post(wsgi_app, f"/v1/hooks/github/{hooked.project['id']}", raw, dict(headers))
    assert status.startswith("202"), out
    process(out["id"])
    assert deployments_of(ports, hooked.web["id"])[0]["commit"]["message"] == "Héllo — naïve ünïcode ✓"
    # one byte changed after signing: refused
    headers["X-GitHub-Delivery"] = str(uuid.uuid4())
    status, out = _wsgi_post(wsgi_app, f"/v1/hooks/github/{hooked.project['id']}", raw.replace(b"H", b"h", 1),
                             dict(headers))
    assert status.startswith("401"), out


def test_form_encoded_deliveries_are_understood(hooked, ports):
    from urllib.parse import urlencode

    raw = urlencode({"payload": json.dumps(payload("push"))}).encode()
    r = hooked.client.http.post(f"/v1/hooks/github/{hooked.project['id']}", body=raw, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-GitHub-Event": "push",
        "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": signature(hooked.secret, raw)})
    assert r.status_code == 202, r.body
    assert process(json.loads(r.body)["id"])["deployments"]


def test_an_oversized_delivery_is_413(hooked, ports, monkeypatch):
    from chalicelib import wiring

    monkeypatch.setenv("LAUNCHBAY_MAX_BODY_BYTES", "4096")
    wiring.reset()
    status, out = hooked.deliver("push", payload("push"))     # about 9 KB
    assert status == 413 and out["error"]["code"], out
    assert wiring.get_ports().store.collection("hook_deliveries").count({"project_id": hooked.project["id"]}) == 0


def test_a_hook_stops_acting_when_its_admin_leaves(hooked, ports):
    org, prj = hooked.org, hooked.project["id"]
    email = f"admin-{uuid.uuid4().hex[:6]}@x.test"
    assert org.call("POST", "/members", {"email": email, "role": "admin"})[0] in (200, 201)
    admin = signup_invited(Api(hooked.client), email, org="adminhome")
    status, hook = org.api.call("POST", f"/orgs/{org.id}/projects/{prj}/hooks/github", token=admin["token"])
    assert status == 201   # rotated by the admin: deliveries act as them now
    assert org.call("DELETE", f"/members/{admin['user']['id']}")[0] == 204
    status, out = hooked.deliver("push", payload("push"), secret=hook["secret"])
    assert status == 202
    result = process(out["id"])
    assert "error" in result and deployments_of(ports, hooked.web["id"]) == []
    assert ports.store.collection("hook_deliveries").get(out["id"])["status"] == "failed"
