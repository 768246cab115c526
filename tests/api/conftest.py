import pytest


@pytest.fixture
def client(launchbay_env):
    from chalice.test import Client

    import app as app_module

    with Client(app_module.app) as c:
        yield c


class Api:
    """A tiny JSON helper over chalice.test.Client."""

    def __init__(self, client, token=None):
        self.client = client
        self.token = token

    def call(self, method, path, body=None, token=None, headers=None, raw=None):
        import json

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


@pytest.fixture
def api(client):
    return Api(client)


def signup(api, email=None, org="Acme", password="correct horse battery"):
    import uuid

    email = email or f"{uuid.uuid4().hex[:8]}@example.com"
    status, body = api.call("POST", "/auth/signup", {"email": email, "password": password, "organization": org})
    assert status == 201, body
    return body
