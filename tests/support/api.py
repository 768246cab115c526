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


def signup(api, email=None, org="Acme", password="correct horse battery", invitation=None):
    email = email or f"{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": password, "organization": org}
    if invitation:
        body["invitation"] = invitation
    status, answer = api.call("POST", "/auth/signup", {k: v for k, v in body.items() if v is not None})
    assert status == 201, answer
    return answer


def signup_invited(api, email, org=None, password="correct horse battery"):
    """Sign up as the invited person does: through the link of the invitation e-mailed to `email`
    (read from the queue, tests/support/mailbox.py), which proves the address. With `org`, they also
    create that organization; without, they join only the ones that invited them."""
    from tests.support.mailbox import invitation_token

    return signup(api, email, org=org, password=password, invitation=invitation_token(email))


def confirm_address(api, email):
    """Follow the newest confirmation link e-mailed to `email` (read from the queue), as its owner would."""
    from tests.support.mailbox import outbox, token_of

    sent = outbox(email, "Confirm your e-mail")
    assert sent, f"no confirmation e-mail queued to {email}"
    status, answer = api.call("POST", "/auth/verify-email", {"token": token_of(sent[-1], "/verify-email")})
    assert status == 200, answer
    return answer
