"""A JSON helper over chalice.test.Client, and signing up a user with an organisation."""
from __future__ import annotations

import json
import uuid


class Api:
    """Calls /v1 routes in-process; `token` (or a per-call token) is sent as a Bearer token."""

    def __init__(self, client, token=None):
        self.client = client
        self.token = token

    def call(self, method, path, body=None, token=None, headers=None, raw=None):
        h = {"Content-Type": "application/json", **(headers or {})}
        tok = token if token is not None else self.token
        if tok:
            h["Authorization"] = f"Bearer {tok}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        r = getattr(self.client.http, method.lower())("/v1" + path, headers=h, body=data)
        try:
            payload = json.loads(r.body) if r.body else None
        except ValueError:
            payload = r.body
        return r.status_code, payload


def signup(api, email=None, org="Acme", password="correct horse battery"):
    email = email or f"{uuid.uuid4().hex[:8]}@example.com"
    status, body = api.call("POST", "/auth/signup", {"email": email, "password": password, "organization": org})
    assert status == 201, body
    return body
