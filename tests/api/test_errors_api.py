"""One error contract everywhere: framework errors (405, 415, unknown routes, 500) and bad input
answer {"error": {"code", "message", "field"}} both through chalice.test.Client (what Lambda runs)
and through the WSGI adapter (what gunicorn runs)."""
import io
import json

import pytest

from tests.api.conftest import Api, signup

DEEP = b"[" * 10_000 + b"]" * 10_000


@pytest.fixture
def wsgi(launchbay_env):
    import app as app_module
    from chalicelib.api.wsgi import make_wsgi_app

    adapter = make_wsgi_app(app_module.app)

    def call(method, path, body=b"", headers=None, query=""):
        env = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "test",
               "SERVER_PORT": "80", "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
               "CONTENT_LENGTH": str(len(body)) if body else "", "REMOTE_ADDR": "127.0.0.1"}
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            env[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
        seen = {}

        def start_response(status, hdrs, exc_info=None):
            seen["status"], seen["headers"] = int(status.split()[0]), dict(hdrs)

        data = b"".join(adapter(env, start_response))
        return seen["status"], (json.loads(data) if data else None), seen["headers"]

    return call


def shaped(body, code):
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code and body["error"]["message"] and "field" in body["error"], body
    return body["error"]


def owner(api):
    body = signup(api)
    return Api(api.client, body["token"]), body["organization"]["id"], body["token"]


def test_wrong_method_is_405_in_the_error_shape_on_both_paths(api, wsgi):
    a, org, token = owner(api)
    status, body = a.call("PUT", f"/orgs/{org}/projects", {"name": "x"})
    assert status == 405
    assert shaped(body, "method_not_allowed")["message"] == "Unsupported method: PUT"
    status, body, headers = wsgi("PUT", f"/v1/orgs/{org}/projects", b'{"name": "x"}',
                                 {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert status == 405 and shaped(body, "method_not_allowed") and "GET" in headers.get("Allow", "")


def test_unsupported_media_type_is_415_in_the_error_shape_on_both_paths(api, wsgi):
    a, org, token = owner(api)
    status, body = a.call("POST", f"/orgs/{org}/projects", raw=b"name=x",
                          headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert status == 415 and shaped(body, "unsupported_media_type")
    status, body, _ = wsgi("POST", f"/v1/orgs/{org}/projects", b"name=x",
                           {"Authorization": f"Bearer {token}", "Content-Type": "image/png"})
    assert status == 415 and shaped(body, "unsupported_media_type")


def test_unknown_route_is_404_in_the_error_shape(api, wsgi):
    # one path segment reaches the app's catch-all under the local gateway too (API Gateway's
    # greedy {proxy+} matches any depth; Chalice's local route matcher one segment)
    r = api.client.http.get("/nope")
    assert r.status_code == 404 and shaped(json.loads(r.body), "not_found")
    for path in ("/nope", "/v1/nope/deeper/still", "/v1/orgs/o/unknown-thing"):
        status, body, _ = wsgi("GET", path)
        assert status == 404 and shaped(body, "not_found"), path
        status, body, _ = wsgi("DELETE", path, headers={"Authorization": "Bearer x"})
        assert status == 404 and shaped(body, "not_found"), path


def test_a_500_has_one_code_on_both_paths(wsgi, monkeypatch, api):
    from chalicelib.api import platform

    def boom():
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(platform, "ports", boom)
    r = api.client.http.get("/v1/health")
    assert r.status_code == 500 and shaped(json.loads(r.body), "internal_error")
    assert b"secret-internal-detail" not in r.body
    status, body, _ = wsgi("GET", "/v1/health")
    assert status == 500 and shaped(body, "internal_error")


@pytest.mark.parametrize("path", ["/auth/login", "/auth/signup"])
def test_deeply_nested_json_is_400_without_a_token(api, wsgi, path):
    status, body = api.call("POST", path, raw=DEEP)
    assert status == 400 and shaped(body, "bad_request")["field"] == "body"
    status, body = api.call("POST", path, raw=b'{"email": ' + DEEP + b"}")
    assert status == 400 and shaped(body, "bad_request")["field"] == "body"
    status, body, _ = wsgi("POST", "/v1" + path, DEEP, {"Content-Type": "application/json"})
    assert status == 400 and shaped(body, "bad_request")["field"] == "body"


def test_deeply_nested_json_is_400_on_authenticated_routes(api):
    a, org, _ = owner(api)
    status, body = a.call("POST", f"/orgs/{org}/projects", raw=b'{"name": ' + DEEP + b"}")
    assert status == 400 and shaped(body, "bad_request")["field"] == "body"


@pytest.mark.services   # it queues a deployment (Redis) and reads the sandbox's logs (moto)
def test_log_cursors_and_times_that_are_not_ours_are_400(api):
    a, org, _ = owner(api)
    _, prj = a.call("POST", f"/orgs/{org}/projects", {"name": "p"})
    _, svc = a.call("POST", f"/orgs/{org}/projects/{prj['id']}/services", {"name": "web", "image": "nginx", "port": 80})
    status, dep = a.call("POST", f"/orgs/{org}/services/{svc['id']}/deployments", {})
    assert status == 202, dep
    for after in ("1" * 23, "-1", "+1", "1_0", "١٢", "x"):
        status, out = a.call("GET", f"/orgs/{org}/deployments/{dep['id']}/logs?after={after}")
        assert status == 400 and shaped(out, "bad_request")["field"] == "after", (after, out)
    status, out = a.call("GET", f"/orgs/{org}/deployments/{dep['id']}/logs?after=0")
    assert status == 200, out
    for since in ("2026-01-31", "2026-01-31T12:00Z", "2026-01-31T12:00:00%2B02:00", "2026-01-31T12:00:00.5Z",
                  "1900-01-01"):
        status, out = a.call("GET", f"/orgs/{org}/services/{svc['id']}/logs?since={since}")
        assert status == 200 and out["lines"] == [], (since, out)
    status, out = a.call("GET", f"/orgs/{org}/services/{svc['id']}/logs?since=last-week")
    assert status == 400 and shaped(out, "bad_request")["field"] == "since"


def test_health_says_what_is_down_with_a_503(api):
    """The fast tier's Redis and AWS addresses refuse connections: health answers 503 naming them
    (a view's own 5xx is kept; only Chalice's own 500s are reshaped)."""
    status, body = api.call("GET", "/health")
    assert status == 503, body
    assert body["ok"] is False and body["checks"]["store"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False and body["checks"]["aws"]["ok"] is False


def test_a_format_error_says_in_words_what_is_allowed(make_org):
    """"name has the wrong format" left people guessing: every pattern a request body can fail
    on has its words, and the answer gives them instead of a regular expression."""
    from chalicelib.core.types import PATTERN_WORDS

    org = make_org()
    status, doc = org.api.call("GET", "/openapi.json")
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.add(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert found and not found - set(PATTERN_WORDS), found - set(PATTERN_WORDS)

    prj = org.project()["id"]
    status, err = org.call("POST", f"/projects/{prj}/resources", {"name": "Db", "kind": "postgres"})
    assert status == 422 and err["error"]["field"] == "name"
    assert err["error"]["message"] == "name has the wrong format: " + PATTERN_WORDS[r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"]
    svc = org.service()
    status, err = org.call("POST", f"/services/{svc['id']}/deployments", {"commit": {"sha": "zzz"}})
    assert status == 422 and err["error"]["field"] == "commit.sha" and "hexadecimal digits" in err["error"]["message"]
    # launchbay.yaml says it in words too, with the file and the line
    yaml_text = "version: 1\nenvironments:\n  staging:\n    region: Mars\n"
    status, err = org.call("POST", f"/projects/{prj}/plan", {"files": {"launchbay.yaml": yaml_text}})
    assert status == 422 and err["error"]["message"] == (
        "launchbay.yaml:4: environments.staging.region: region has the wrong format: an AWS region such as eu-west-1")
