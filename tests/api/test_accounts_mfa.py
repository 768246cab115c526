"""Two-factor authentication (TOTP): setup and confirm, the log-in challenge, replays, recovery
codes, throttling, disable, the organization policy and API tokens, and secrets kept out of
answers, logs and the data files. Codes are computed with pyotp from the secret setup returns."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pyotp
import pytest

from tests.api.conftest import Api, signup
from tests.conftest import settings_module
from tests.support.api import confirm_address, signup_invited
from tests.support.totp import Authenticator

pytestmark = pytest.mark.services   # the code throttles live in the real Redis

PW = "correct horse battery"


def enable(api, token):
    """Setup + confirm -> (authenticator, recovery codes, secret)."""
    me = Api(api.client, token)
    status, setup = me.call("POST", "/auth/mfa/setup", {"password": PW})
    assert status == 201, setup
    app = Authenticator(setup["secret"])
    status, done = me.call("POST", "/auth/mfa/confirm", {"code": app.code()})
    assert status == 200, done
    return app, done["recovery_codes"], setup["secret"]


def login(api, email, password=PW):
    return api.call("POST", "/auth/login", {"email": email, "password": password})


def login_mfa(api, email, **second):
    status, challenge = login(api, email)
    assert status == 200 and challenge["mfa_required"] is True and "token" not in challenge, challenge
    return api.call("POST", "/auth/login/mfa", {"mfa_token": challenge["mfa_token"], **second})


def set_env(monkeypatch, **values):
    for key, value in values.items():
        monkeypatch.setenv(key, str(value))
    settings_module.reset()


def audit_actions(api, token, org):
    status, body = Api(api.client, token).call("GET", f"/orgs/{org}/audit?limit=100")
    assert status == 200, body
    return [e["action"] for e in body["items"]], body["items"]


def test_setup_gives_a_secret_and_nothing_changes_until_a_code_confirms_it(api):
    user = signup(api)
    email, me = user["user"]["email"], Api(api.client, user["token"])
    assert me.call("GET", "/me")[1]["mfa"] == {"enabled": False, "recovery_codes_left": 0}
    status, body = me.call("POST", "/auth/mfa/setup", {"password": "not my password"})   # a stolen session
    assert status == 403 and body["error"]["field"] == "password"
    status, setup = me.call("POST", "/auth/mfa/setup", {"password": PW})
    assert status == 201
    assert len(setup["secret"]) >= 32 and pyotp.TOTP(setup["secret"]).now().isdigit()
    assert setup["otpauth_uri"].startswith("otpauth://totp/Launchbay:") and "issuer=Launchbay" in setup["otpauth_uri"]
    assert pyotp.parse_uri(setup["otpauth_uri"]).name == email
    assert me.call("GET", "/me")[1]["mfa"]["enabled"] is False        # pending only
    status, body = login(api, email)
    assert status == 200 and body["token"]                             # no challenge yet

    app = Authenticator(setup["secret"])
    status, body = me.call("POST", "/auth/mfa/confirm", {"code": app.wrong()})
    assert status == 403 and body["error"]["field"] == "code"
    status, done = me.call("POST", "/auth/mfa/confirm", {"code": app.code()})
    assert status == 200 and done["mfa"] == {"enabled": True, "recovery_codes_left": 10}
    codes = done["recovery_codes"]
    assert len(codes) == 10 == len(set(codes)) and all(len(c.replace("-", "")) == 16 for c in codes)
    assert me.call("GET", "/me")[1]["mfa"] == {"enabled": True, "recovery_codes_left": 10}
    status, body = me.call("POST", "/auth/mfa/setup", {"password": PW})   # a second authenticator: disable first
    assert status == 409 and body["error"]["field"] == "mfa"
    status, body = me.call("POST", "/auth/mfa/confirm", {"code": app.code()})
    assert status == 409


def test_a_new_setup_replaces_the_pending_secret(api):
    me = Api(api.client, signup(api)["token"])
    first = me.call("POST", "/auth/mfa/setup", {"password": PW})[1]["secret"]
    second = me.call("POST", "/auth/mfa/setup", {"password": PW})[1]["secret"]
    assert first != second
    status, body = me.call("POST", "/auth/mfa/confirm", {"code": Authenticator(first).code()})
    assert status == 403 and body["error"]["field"] == "code"
    assert me.call("POST", "/auth/mfa/confirm", {"code": Authenticator(second).code()})[0] == 200


def test_api_tokens_cannot_manage_two_factor_and_other_sessions_end(api):
    user = signup(api)
    email, current = user["user"]["email"], user["token"]
    other = login(api, email)[1]["token"]
    _, tok = Api(api.client, current).call("POST", "/tokens", {"name": "ci"})
    with_token = Api(api.client, tok["token"])
    for path, body in (("/auth/mfa/setup", {"password": PW}), ("/auth/mfa/confirm", {"code": "123456"}),
                       ("/auth/mfa/recovery-codes", {"code": "123456"}),
                       ("/auth/mfa/disable", {"password": PW, "code": "123456"})):
        status, out = with_token.call("POST", path, body)
        assert status == 403 and out["error"]["field"] == "authorization", (path, out)
        assert "log-in session" in out["error"]["message"]
    app, codes, _ = enable(api, current)
    assert api.call("GET", "/me", token=current)[0] == 200             # the session that turned it on
    assert api.call("GET", "/me", token=other)[0] == 401               # every other one ended
    assert api.call("GET", "/me", token=tok["token"])[0] == 200        # API tokens stay (CI)
    status, out = with_token.call("POST", "/auth/password", {"current_password": PW, "new_password": "x" * 12})
    assert status == 403 and out["error"]["field"] == "authorization"  # would mint a session without the code


def test_login_answers_a_challenge_and_the_code_gives_the_session(api):
    user = signup(api)
    email = user["user"]["email"]
    app, codes, _ = enable(api, user["token"])
    status, challenge = login(api, email)
    assert status == 200 and challenge["mfa_required"] and challenge["expires_in"] == 300 and "token" not in challenge
    # the challenge is no access token
    status, body = api.call("GET", "/me", token=challenge["mfa_token"])
    assert status == 401
    status, body = login(api, email, "a wrong password")
    assert status == 401 and "mfa_token" not in body.get("error", {})
    code = app.code()
    status, session = api.call("POST", "/auth/login/mfa", {"mfa_token": challenge["mfa_token"], "code": code})
    assert status == 200 and session["token"] and session["expires_in"] > 0
    assert api.call("GET", "/me", token=session["token"])[0] == 200
    # the challenge works once
    status, body = api.call("POST", "/auth/login/mfa", {"mfa_token": challenge["mfa_token"], "code": app.code()})
    assert status == 401 and body["error"]["field"] == "mfa_token"
    # the same code again, on a new challenge: a replay
    status, body = login_mfa(api, email, code=code)
    assert status == 401 and body["error"]["field"] == "code" and "used already" in body["error"]["message"]
    # neither both nor none
    status, challenge = login(api, email)
    status, body = api.call("POST", "/auth/login/mfa", {"mfa_token": challenge["mfa_token"]})
    assert status == 422 and body["error"]["field"] == "code"
    status, body = api.call("POST", "/auth/login/mfa", {"mfa_token": "not.a.token", "code": "123456"})
    assert status == 401 and body["error"]["field"] == "mfa_token"


def test_a_recovery_code_works_once(api):
    user = signup(api)
    email = user["user"]["email"]
    _, codes, _ = enable(api, user["token"])
    status, session = login_mfa(api, email, recovery_code=codes[3].upper().replace("-", " "))  # as typed
    assert status == 200 and session["token"]
    assert api.call("GET", "/me", token=session["token"])[1]["mfa"]["recovery_codes_left"] == 9
    status, body = login_mfa(api, email, recovery_code=codes[3])
    assert status == 401 and body["error"]["field"] == "recovery_code"
    assert login_mfa(api, email, recovery_code=codes[4])[0] == 200


def test_wrong_codes_are_throttled_per_account(api, monkeypatch):
    set_env(monkeypatch, LAUNCHBAY_LOGIN_FAILURES_PER_ACCOUNT=3)
    user = signup(api)
    email = user["user"]["email"]
    app, _, _ = enable(api, user["token"])
    wrong = app.wrong()
    statuses = []
    for _ in range(4):
        status, body = login_mfa(api, email, code=wrong)
        statuses.append(status)
    assert statuses == [401, 401, 401, 429]
    r = api.client.http.post("/v1/auth/login", headers={"Content-Type": "application/json"},
                             body=json.dumps({"email": email, "password": PW}))
    challenge = json.loads(r.body)
    r = api.client.http.post("/v1/auth/login/mfa", headers={"Content-Type": "application/json"},
                             body=json.dumps({"mfa_token": challenge["mfa_token"], "code": app.code()}))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0   # the right code waits too
    assert json.loads(r.body)["error"]["code"] == "too_many_requests"


def test_disable_needs_the_password_and_a_code(api):
    user = signup(api)
    email, token = user["user"]["email"], user["token"]
    app, codes, _ = enable(api, token)
    other = login_mfa(api, email, code=app.code())[1]["token"]
    me = Api(api.client, token)
    status, body = me.call("POST", "/auth/mfa/disable", {"password": "wrong password", "code": "000000"})
    assert status == 403 and body["error"]["field"] == "password"
    status, body = me.call("POST", "/auth/mfa/disable", {"password": PW})
    assert status == 422 and body["error"]["field"] == "code"
    status, body = me.call("POST", "/auth/mfa/disable", {"password": PW, "recovery_code": "aaaa-bbbb-cccc-dddd"})
    assert status == 403 and body["error"]["field"] == "recovery_code"
    status, body = me.call("POST", "/auth/mfa/disable", {"password": PW, "code": app.code()})
    assert status == 200 and body["mfa"] == {"enabled": False, "recovery_codes_left": 0}
    assert api.call("GET", "/me", token=other)[0] == 401               # other sessions ended, this one stays
    assert me.call("GET", "/me")[1]["mfa"]["enabled"] is False
    status, body = login(api, email)
    assert status == 200 and body["token"]                             # a plain log-in again
    assert me.call("POST", "/auth/mfa/disable", {"password": PW, "code": "123456"})[0] == 409


def test_regenerating_recovery_codes_needs_a_code_and_retires_the_old_ones(api):
    user = signup(api)
    email, me = user["user"]["email"], Api(api.client, user["token"])
    app, old, _ = enable(api, user["token"])
    status, body = me.call("POST", "/auth/mfa/recovery-codes", {"code": "12345"})
    assert status == 422 and body["error"]["field"] == "code"
    status, body = me.call("POST", "/auth/mfa/recovery-codes", {"recovery_code": old[0]})
    assert status == 422
    status, body = me.call("POST", "/auth/mfa/recovery-codes", {"code": app.code()})
    assert status == 200 and len(body["recovery_codes"]) == 10 and not set(body["recovery_codes"]) & set(old)
    assert login_mfa(api, email, recovery_code=old[1])[0] == 401
    assert login_mfa(api, email, recovery_code=body["recovery_codes"][0])[0] == 200


def test_a_password_change_keeps_two_factor_on(api):
    user = signup(api)
    email = user["user"]["email"]
    app, _, _ = enable(api, user["token"])
    status, out = Api(api.client, user["token"]).call("POST", "/auth/password",
                                                      {"current_password": PW, "new_password": "a brand new password"})
    assert status == 200 and api.call("GET", "/me", token=out["token"])[1]["mfa"]["enabled"] is True
    status, challenge = login(api, email, "a brand new password")
    assert status == 200 and challenge["mfa_required"] and "token" not in challenge


def test_an_invitation_is_accepted_after_the_second_step(api):
    owner = signup(api, org="Inviting")
    org = owner["organization"]["id"]
    user = signup(api, org="Home")
    email = user["user"]["email"]
    confirm_address(api, email)   # a confirmed address: its log-ins accept invitations
    app, _, _ = enable(api, user["token"])
    boss = Api(api.client, owner["token"])
    assert boss.call("POST", f"/orgs/{org}/members", {"email": email, "role": "developer"})[0] == 201
    status, challenge = login(api, email)
    assert challenge["mfa_required"]
    assert [i["email"] for i in boss.call("GET", f"/orgs/{org}/invitations")[1]["items"]] == [email]  # not yet
    status, session = api.call("POST", "/auth/login/mfa", {"mfa_token": challenge["mfa_token"], "code": app.code()})
    assert status == 200
    orgs = {o["id"]: o["role"] for o in api.call("GET", "/me", token=session["token"])[1]["organizations"]}
    assert orgs[org] == "developer"
    assert boss.call("GET", f"/orgs/{org}/invitations")[1]["items"] == []


def test_the_organization_policy_refuses_members_without_two_factor(api):
    owner = signup(api, org="Strict")
    org, boss = owner["organization"]["id"], Api(api.client, owner["token"])
    dev_email = "dev-" + owner["user"]["email"]
    boss.call("POST", f"/orgs/{org}/members", {"email": dev_email, "role": "developer"})
    dev = signup_invited(api, dev_email, org="DevHome")
    dev_api = Api(api.client, dev["token"])
    _, dev_tok = dev_api.call("POST", "/tokens", {"name": "ci", "organization_id": org})

    status, body = dev_api.call("PATCH", f"/orgs/{org}", {"require_mfa": True})   # admins only
    assert status == 403 and body["error"]["field"] == "role"
    status, body = boss.call("PATCH", f"/orgs/{org}", {"require_mfa": True})      # would lock the owner out
    assert status == 409 and body["error"]["field"] == "require_mfa"
    enable(api, owner["token"])
    status, body = boss.call("PATCH", f"/orgs/{org}", {"require_mfa": True})
    assert status == 200 and body["require_mfa"] is True and body["role"] == "owner"
    assert boss.call("GET", f"/orgs/{org}/projects")[0] == 200

    # the developer: refused on the organization's routes, by session and by API token
    for who in (dev_api, Api(api.client, dev_tok["token"])):
        status, body = who.call("GET", f"/orgs/{org}/projects")
        assert status == 403 and body["error"]["field"] == "mfa", body
        assert "requires two-factor authentication" in body["error"]["message"]
        assert "launchbay mfa enable" in body["error"]["message"]
    # not on another organization's routes, nor on /me and what sets 2FA up
    dev_home = dev["organization"]["id"]
    assert dev_api.call("GET", f"/orgs/{dev_home}/projects")[0] == 200
    status, me = dev_api.call("GET", "/me")
    assert status == 200 and {o["id"]: o["require_mfa"] for o in me["organizations"]} == {org: True, dev_home: False}
    enable(api, dev["token"])
    assert dev_api.call("GET", f"/orgs/{org}/projects")[0] == 200
    assert api.call("GET", f"/orgs/{org}/projects", token=dev_tok["token"])[0] == 200  # the token works again

    status, body = boss.call("PATCH", f"/orgs/{org}", {"require_mfa": False})
    assert status == 200 and body["require_mfa"] is False
    actions, events = audit_actions(api, owner["token"], org)
    policy = [e["details"] for e in events if e["action"] == "org.mfa_policy"]
    assert policy == [{"require_mfa": False}, {"require_mfa": True}]   # newest first
    assert actions.count("user.mfa.enable") == 2                       # the owner's and the developer's


def test_a_policy_change_takes_a_session(api):
    owner = signup(api)
    org = owner["organization"]["id"]
    enable(api, owner["token"])
    _, tok = Api(api.client, owner["token"]).call("POST", "/tokens", {"name": "ci"})
    status, body = api.call("PATCH", f"/orgs/{org}", {"require_mfa": True}, token=tok["token"])
    assert status == 403 and body["error"]["field"] == "authorization"


def test_audit_events_name_what_happened_and_never_a_secret_or_code(api, caplog, app_env):
    caplog.set_level(logging.DEBUG)
    answers = []
    user = signup(api)
    email, org, me = user["user"]["email"], user["organization"]["id"], Api(api.client, user["token"])

    def call(method, path, body=None, token=None):
        status, out = me.call(method, path, body, token=token)
        answers.append(json.dumps(out))
        return status, out

    _, setup = call("POST", "/auth/mfa/setup", {"password": PW})
    secret = setup["secret"]
    app = Authenticator(secret)
    _, done = call("POST", "/auth/mfa/confirm", {"code": app.code()})
    codes = done["recovery_codes"]
    status, challenge = call("POST", "/auth/login", {"email": email, "password": PW}, token="")
    status, session = call("POST", "/auth/login/mfa", {"mfa_token": challenge["mfa_token"], "recovery_code": codes[0]},
                           token="")
    assert status == 200
    _, again = call("POST", "/auth/mfa/recovery-codes", {"code": app.code()})
    codes += again["recovery_codes"]
    for path in ("/me", f"/orgs/{org}/audit?limit=50", f"/orgs/{org}/members"):
        assert call("GET", path)[0] == 200
    assert call("POST", "/auth/mfa/disable", {"password": PW, "code": app.code()})[0] == 200

    actions, events = audit_actions(api, user["token"], org)
    for action in ("user.mfa.enable", "user.mfa.recovery_code_used", "user.mfa.recovery_codes_regenerated",
                   "user.mfa.disable"):
        assert action in actions, actions
    used = next(e for e in events if e["action"] == "user.mfa.recovery_code_used")
    assert used["details"] == {"remaining": 9} and used["actor"] == email

    # the secret only ever in the setup answer; the codes only in the answers that made them
    assert sum(secret in a for a in answers) == 1 and secret in answers[0]
    for code in codes:
        assert sum(code in a for a in answers) == 1
    logs = "\n".join(r.getMessage() for r in caplog.records)
    data = b"".join(p.read_bytes() for p in Path(app_env["LAUNCHBAY_DATA_DIR"]).rglob("*") if p.is_file())
    for value in (secret, *codes, *(c.replace("-", "") for c in codes)):
        assert value not in logs
        assert value.encode() not in data and value.lower().encode() not in data


def test_the_policy_reaches_members_who_join_later_and_memberships_from_before_it(api):
    """The membership carries the organization's policy (authorizing reads no organization): one
    made after the policy is on gets it, and one from before memberships carried it falls back to
    the organization."""
    owner = signup(api, org="Strict2")
    org, boss = owner["organization"]["id"], Api(api.client, owner["token"])
    enable(api, owner["token"])
    assert boss.call("PATCH", f"/orgs/{org}", {"require_mfa": True})[0] == 200
    store = settings_module.get_ports().store
    mine = store.collection("memberships").find_one({"org_id": org, "user_id": owner["user"]["id"]})
    assert mine["require_mfa"] is True

    late_email = "late-" + owner["user"]["email"]
    boss.call("POST", f"/orgs/{org}/members", {"email": late_email, "role": "viewer"})
    late = signup_invited(api, late_email, org="LateHome")          # joins now, with the policy on
    m = store.collection("memberships").find_one({"org_id": org, "user_id": late["user"]["id"]})
    assert m["require_mfa"] is True
    status, body = api.call("GET", f"/orgs/{org}/projects", token=late["token"])
    assert status == 403 and body["error"]["field"] == "mfa"

    store.collection("memberships").update(m["id"], {"require_mfa": None})   # as if from before the field
    status, body = api.call("GET", f"/orgs/{org}/projects", token=late["token"])
    assert status == 403 and body["error"]["field"] == "mfa"                 # the organization still says so
    assert boss.call("PATCH", f"/orgs/{org}", {"require_mfa": False})[0] == 200
    assert store.collection("memberships").get(m["id"])["require_mfa"] is False
    assert api.call("GET", f"/orgs/{org}/projects", token=late["token"])[0] == 200
