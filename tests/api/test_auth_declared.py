"""Authentication is enforced by the endpoint declaration: every operation the OpenAPI
document marks as needing a bearer token answers 401 without one (or with a bad one),
whatever its path parameters, body or query."""
from __future__ import annotations

import re

import pytest


def _operations(client):
    import json

    doc = json.loads(client.http.get("/v1/openapi.json").body)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method.upper(), op


def test_every_authenticated_operation_answers_401_without_a_token(api):
    checked = 0
    public = []
    for path, method, op in _operations(api.client):
        url = re.sub(r"\{[^}]+\}", "xyz_123", path)
        if not op.get("security"):
            public.append(f"{method} {path}")
            continue
        for token in (None, "not-a-token", "lb_" + "0" * 40):
            status, body = api.call(method, url.removeprefix("/v1"), body={}, token=token or "")
            assert status == 401, (method, path, token, status, body)
            assert body["error"]["code"] and body["error"]["message"], body
        checked += 1
    assert checked >= 35, checked
    # only these may be called without a token
    assert sorted(public) == ["GET /v1/aws/policy.json", "GET /v1/aws/template.json",  # for security review
                              "GET /v1/health", "GET /v1/openapi.json", "GET /v1/schema/launchbay.json",
                              "POST /v1/auth/email-change/confirm",    # the e-mailed link's token instead
                              "POST /v1/auth/login", "POST /v1/auth/login/mfa",   # its MFA challenge instead
                              "POST /v1/auth/password-reset",          # says nothing about who has an account
                              "POST /v1/auth/password-reset/confirm",  # the e-mailed link's token instead
                              "POST /v1/auth/signup",
                              "POST /v1/auth/verify-email",            # the e-mailed link's token instead
                              "POST /v1/deploy-hooks/{hook}",      # its key instead (deploys that service only)
                              "POST /v1/hooks/github/{project}"], public   # HMAC-signed by GitHub instead


@pytest.mark.parametrize("hidden", ["PUT", "DELETE"])
def test_a_forgotten_actor_call_still_needs_a_token(hidden, api):
    """A view that never calls actor() is protected all the same: the wrapper authenticates."""
    from chalice import Blueprint

    from chalicelib.api import http

    bp = Blueprint(__name__)

    @http.endpoint(bp, "/zz-test/forgot", hidden, "a careless view", tag="test")
    def careless():
        return {"secret": "data"}

    try:
        http._ACTOR.set(None)
        # call the wrapped handler the way Chalice would, without credentials
        class Req:
            headers: dict = {}
            context: dict = {}
        bp._current_request = Req()  # type: ignore[attr-defined]
        bp._current_app = type("A", (), {"current_request": Req()})()  # type: ignore[attr-defined]
        resp = careless()
        assert resp.status_code == 401 and "secret" not in str(resp.body)
    finally:
        http.ROUTES[:] = [r for r in http.ROUTES if r.path != "/zz-test/forgot"]
