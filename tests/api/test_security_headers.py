"""Issue #9, hygiene: every answer carries the security headers, and CORS answers the web
UI's origins only, on the Chalice path (chalice.test.Client) and through the WSGI adapter
(gunicorn), the adapter's own errors (404, 413) included."""
from __future__ import annotations

import json
import re

import pytest

from chalicelib import wiring
from tests.api.conftest import signup
from tests.unit.test_wsgi_adapter import call, environ, header

SECURITY = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer",
            "cache-control": "no-store", "content-security-policy": "default-src 'none'; frame-ancestors 'none'"}
HSTS = "max-age=31536000; includeSubDomains"
UI = "https://ui.example.com"


def _lower(headers) -> dict[str, str]:
    items = headers.items() if hasattr(headers, "items") else headers
    return {k.lower(): v for k, v in items}


def assert_secure(headers, hsts: bool) -> None:
    h = _lower(headers)
    for name, value in SECURITY.items():
        assert h.get(name) == value, (name, h)
    assert h.get("strict-transport-security") == (HSTS if hsts else None), h


def _use(monkeypatch, **env) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    wiring.reset()  # settings are cached


def _stage_has_hsts() -> bool:
    from chalicelib.settings import get_settings

    return get_settings().stage not in ("local", "test")


# --- the Chalice app -----------------------------------------------------------------

def test_every_operation_answers_with_the_security_headers(api):
    doc = json.loads(api.client.http.get("/v1/openapi.json").body)
    hsts = _stage_has_hsts()  # chalice.test.Client runs as the "dev" stage of .chalice/config.json
    seen = set()
    for path, item in doc["paths"].items():
        for method in item:
            url = re.sub(r"\{[^}]+\}", "x_1", path)
            r = getattr(api.client.http, method)(url, headers={"Content-Type": "application/json"}, body="{}")
            assert_secure(r.headers, hsts)
            seen.add(r.status_code)
    owner = signup(api)  # and successful, authenticated answers
    r = api.client.http.get("/v1/me", headers={"Authorization": f"Bearer {owner['token']}"})
    assert r.status_code == 200
    assert_secure(r.headers, hsts)
    r = api.client.http.put("/v1/me")  # Chalice's own 405
    assert r.status_code == 405
    assert_secure(r.headers, hsts)
    assert {401, 422} <= seen, seen


def test_cors_preflight_and_answers_for_the_ui_origin_only(api, monkeypatch):
    _use(monkeypatch, LAUNCHBAY_UI_ORIGINS=f"{UI}, http://localhost:5173")
    http = api.client.http
    pre = {"Origin": UI, "Access-Control-Request-Method": "PATCH",
           "Access-Control-Request-Headers": "authorization,content-type"}
    r = http.options("/v1/orgs/o_1/services/s_1", headers=pre)
    h = _lower(r.headers)
    assert r.status_code == 204 and h["access-control-allow-origin"] == UI
    assert h["access-control-allow-methods"] == "DELETE, GET, PATCH, OPTIONS"
    assert h["access-control-allow-headers"] == "Authorization, Content-Type, Idempotency-Key"
    assert int(h["access-control-max-age"]) > 0 and h["vary"] == "Origin"
    assert "access-control-allow-credentials" not in h
    assert_secure(r.headers, _stage_has_hsts())
    # another origin: the preflight is answered, but grants nothing
    r = http.options("/v1/orgs/o_1/services/s_1", headers={**pre, "Origin": "https://evil.example"})
    h = _lower(r.headers)
    assert r.status_code == 204 and not any(k.startswith("access-control-") for k in h), h
    # the answers themselves: the exact origin, errors included
    r = http.get("/v1/me", headers={"Origin": UI})
    h = _lower(r.headers)
    assert r.status_code == 401 and h["access-control-allow-origin"] == UI
    assert "WWW-Authenticate" in h["access-control-expose-headers"]
    r = http.get("/v1/me", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in _lower(r.headers)


def test_a_wildcard_is_never_an_allowed_origin(api, monkeypatch):
    _use(monkeypatch, LAUNCHBAY_UI_ORIGINS="*,null")
    for origin in ("*", "null", "https://evil.example"):
        r = api.client.http.options("/v1/me", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in _lower(r.headers), origin


@pytest.mark.parametrize("stage,configured,allowed", [
    ("local", None, ["http://127.0.0.1:5173", "http://localhost:5173"]),
    ("test", None, []), ("prod", None, []),
    ("prod", "https://app.launchbay.io/", ["https://app.launchbay.io"]),
    ("local", "", []),
])
def test_ui_origins_default_to_the_dev_server_on_local_only(stage, configured, allowed, monkeypatch, launchbay_env):
    from chalicelib.api.http import allowed_origin
    from chalicelib.settings import get_settings

    monkeypatch.delenv("LAUNCHBAY_UI_ORIGINS", raising=False)
    env = {"LAUNCHBAY_STAGE": stage} if configured is None else {"LAUNCHBAY_STAGE": stage,
                                                                  "LAUNCHBAY_UI_ORIGINS": configured}
    _use(monkeypatch, **env)
    s = get_settings()
    candidates = ["http://127.0.0.1:5173", "http://localhost:5173", "https://app.launchbay.io", "https://evil.example"]
    assert [o for o in candidates if allowed_origin(s, o)] == allowed


# --- the WSGI adapter around the real app --------------------------------------------

@pytest.fixture
def wsgi_app(launchbay_env):
    from wsgiref.validate import validator

    import app as app_module
    from chalicelib.api.wsgi import make_wsgi_app

    return validator(make_wsgi_app(app_module.app, max_body_bytes=64))


@pytest.mark.parametrize("stage", ["test", "prod"])
def test_the_wsgi_path_adds_them_to_every_answer(stage, wsgi_app, monkeypatch):
    _use(monkeypatch, LAUNCHBAY_STAGE=stage, LAUNCHBAY_UI_ORIGINS=UI)
    hsts = stage == "prod"
    cases = [  # (environ, status): app answers and the adapter's own errors
        (environ("/v1/health"), (200, 503)),
        (environ("/v1/me"), (401,)),
        (environ("/v1/me", method="PUT"), (405,)),
        (environ("/v1/nowhere/at/all", headers={"Authorization": "Bearer x"}), (404,)),   # adapter: unknown route
        (environ("/v1/auth/login", method="POST", body=b"x" * 65, content_type="application/json"), (413,)),
        (environ("/v1/auth/login", method="POST", body=b"{}", content_type="application/json"), (422,)),
    ]
    for env, statuses in cases:
        env["HTTP_ORIGIN"] = UI
        status, headers, _ = call(wsgi_app, env)
        assert status in statuses, (env["PATH_INFO"], status)
        assert_secure(headers, hsts)
        assert header(headers, "access-control-allow-origin") == UI
        assert header(headers, "vary") == "Origin"  # once: the app's and the adapter's are not both sent
    status, headers, body = call(wsgi_app, environ("/v1/tokens", method="OPTIONS", headers={
        "Origin": UI, "Access-Control-Request-Method": "POST"}))
    assert status == 204 and body == b""
    assert header(headers, "access-control-allow-methods") == "GET, POST, OPTIONS"
    assert header(headers, "access-control-allow-origin") == UI
    status, headers, _ = call(wsgi_app, environ("/v1/tokens", method="OPTIONS", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}))
    assert status == 204 and header(headers, "access-control-allow-origin") is None
    assert header(headers, "access-control-allow-methods") is None
    assert_secure(headers, hsts)
