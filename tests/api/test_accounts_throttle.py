"""Issue #9, hole 3: log-in, sign-up and token creation are throttled (Redis counters),
answering 429 with Retry-After; with Redis unreachable they fail open and log it."""
import json
import logging

import pytest

from tests.api.conftest import Api, signup
from tests.conftest import settings_module  # the module whose reset() forgets settings and adapters

pytestmark = pytest.mark.services   # the counters live in the real Redis

PW = "correct horse battery"


def raw_login(api, email, password):
    r = api.client.http.post("/v1/auth/login", headers={"Content-Type": "application/json"},
                             body=json.dumps({"email": email, "password": password}))
    return r.status_code, json.loads(r.body), r.headers


def set_env(monkeypatch, **values):
    for key, value in values.items():
        monkeypatch.setenv(key, str(value))
    settings_module.reset()


def test_password_guessing_is_stopped_and_the_right_password_waits(api):
    email = signup(api)["user"]["email"]
    statuses = [raw_login(api, email, f"guess number {i}")[0] for i in range(50)]
    assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}  # the default: 10 per account
    status, body, headers = raw_login(api, email, PW)                   # the attacker found it: too late
    assert status == 429 and body["error"]["code"] == "too_many_requests" and body["error"]["field"] == "email"
    assert 0 < int(headers["Retry-After"]) <= 900


def test_unknown_accounts_are_throttled_alike(api):
    statuses = [raw_login(api, "nobody@example.com", "guess")[0] for _ in range(12)]
    assert statuses == [401] * 10 + [429] * 2


def test_successes_do_not_count_and_other_accounts_are_unaffected(api, monkeypatch):
    set_env(monkeypatch, LAUNCHBAY_LOGIN_FAILURES_PER_ACCOUNT=3)
    a, b = signup(api)["user"]["email"], signup(api)["user"]["email"]
    for _ in range(5):
        assert raw_login(api, a, PW)[0] == 200
    assert [raw_login(api, a, "wrong")[0] for _ in range(4)] == [401, 401, 401, 429]
    assert raw_login(api, b, PW)[0] == 200


def test_failures_are_limited_per_client_address(api, monkeypatch):
    set_env(monkeypatch, LAUNCHBAY_LOGIN_FAILURES_PER_ADDRESS=5)
    email = signup(api)["user"]["email"]
    statuses = [raw_login(api, f"user{i}@example.com", "spray")[0] for i in range(7)]  # one guess per account
    assert statuses == [401] * 5 + [429] * 2
    status, body, headers = raw_login(api, email, PW)
    assert status == 429 and body["error"]["field"] is None and int(headers["Retry-After"]) > 0


def test_signups_are_limited_per_address(api, monkeypatch):
    set_env(monkeypatch, LAUNCHBAY_SIGNUPS_PER_ADDRESS=3)
    for _ in range(3):
        signup(api)
    r = api.client.http.post("/v1/auth/signup", headers={"Content-Type": "application/json"},
                             body=json.dumps({"email": "late@example.com", "password": PW, "organization": "X"}))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert json.loads(r.body)["error"]["code"] == "too_many_requests"


def test_token_creation_is_limited_per_user(api, monkeypatch):
    set_env(monkeypatch, LAUNCHBAY_TOKENS_PER_USER=2)
    me = Api(api.client, signup(api)["token"])
    other = Api(api.client, signup(api)["token"])
    assert [me.call("POST", "/tokens", {"name": f"t{i}"})[0] for i in range(3)] == [201, 201, 429]
    assert other.call("POST", "/tokens", {"name": "t"})[0] == 201


def test_redis_unreachable_fails_open_and_logs(api, monkeypatch, caplog):
    email = signup(api)["user"]["email"]
    set_env(monkeypatch, REDIS_URL="redis://127.0.0.1:1/0")             # nothing listens there
    with caplog.at_level(logging.WARNING, logger="launchbay.throttle"):
        assert [raw_login(api, email, "wrong")[0] for _ in range(12)] == [401] * 12
        assert raw_login(api, email, PW)[0] == 200
    assert any("Redis unreachable" in r.getMessage() for r in caplog.records)
