import time

from chalicelib.core import security
from tests.api.conftest import Api, signup


def test_signup_login_me(api):
    body = signup(api, "Ada@Example.com", org="Acme")
    assert body["user"]["email"] == "ada@example.com"
    assert body["organization"]["role"] == "owner"
    assert "password_hash" not in body["user"]
    status, login = api.call("POST", "/auth/login", {"email": "ada@example.com", "password": "correct horse battery"})
    assert status == 200 and login["token"]
    status, me = api.call("GET", "/me", token=login["token"])
    assert status == 200
    assert me["user"]["email"] == "ada@example.com"
    assert [o["name"] for o in me["organizations"]] == ["Acme"]


def test_duplicate_signup_is_409_naming_email(api):
    signup(api, "dup@example.com")
    status, body = api.call("POST", "/auth/signup", {"email": "dup@example.com", "password": "x" * 12, "organization": "B"})
    assert status == 409 and body["error"]["field"] == "email"


def test_wrong_password_and_unknown_user_are_401(api):
    signup(api, "who@example.com")
    for email, pw in (("who@example.com", "wrong password!"), ("nobody@example.com", "whatever123")):
        status, body = api.call("POST", "/auth/login", {"email": email, "password": pw})
        assert status == 401 and body["error"]["code"] == "unauthorized"


def test_missing_bad_and_expired_tokens_are_401(api, launchbay_env):
    signup(api)
    assert api.call("GET", "/me")[0] == 401
    assert api.call("GET", "/me", token="garbage")[0] == 401
    assert api.call("GET", "/me", token="lb_notarealtoken")[0] == 401
    expired = security.issue_jwt("usr_x", launchbay_env["LAUNCHBAY_JWT_SECRET"], 60, now=time.time() - 3600)
    status, body = api.call("GET", "/me", token=expired)
    assert status == 401 and "expired" in body["error"]["message"]
    forged = security.issue_jwt("usr_x", "another-secret-of-some-length-0123456789", 60)
    assert api.call("GET", "/me", token=forged)[0] == 401


def test_api_tokens_are_shown_once_hashed_and_revocable(api, ports):
    owner = signup(api)
    jwt_api = Api(api.client, owner["token"])
    status, created = jwt_api.call("POST", "/tokens", {"name": "ci"})
    assert status == 201 and created["token"].startswith("lb_")
    stored = ports.store.collection("tokens").get(created["id"])
    assert stored["token_hash"] == security.hash_api_token(created["token"])
    assert created["token"] not in str(stored)
    status, listing = jwt_api.call("GET", "/tokens")
    assert status == 200 and "token" not in listing["items"][0] and "token_hash" not in listing["items"][0]
    assert api.call("GET", "/me", token=created["token"])[0] == 200
    assert jwt_api.call("DELETE", f"/tokens/{created['id']}")[0] == 204
    assert api.call("GET", "/me", token=created["token"])[0] == 401


def test_org_scoped_token_cannot_reach_other_orgs(api):
    a = signup(api, org="A")
    a_api = Api(api.client, a["token"])
    _, other = a_api.call("POST", "/tokens", {"name": "x", "organization_id": "org_not_mine"})
    assert other["error"]["field"] == "organization_id"
    _, tok = a_api.call("POST", "/tokens", {"name": "scoped", "organization_id": a["organization"]["id"]})
    assert api.call("GET", f"/orgs/{a['organization']['id']}/projects", token=tok["token"])[0] == 200


def test_bad_signup_input_names_the_field(api):
    cases = [({"email": "not-an-email", "password": "x" * 12, "organization": "A"}, "email"),
             ({"email": "a@b.io", "password": "short", "organization": "A"}, "password"),
             ({"email": "a@b.io", "password": "x" * 12, "organization": "A", "admin": True}, "admin"),
             ({"email": "a@b.io", "password": 12345678901, "organization": "A"}, "password"),
             ({"email": "a@b.io", "password": "x" * 12}, "organization")]
    for body, field in cases:
        status, out = api.call("POST", "/auth/signup", body)
        assert status == 422, (body, out)
        assert out["error"]["field"] == field


def test_malformed_and_non_object_json_are_400(api):
    for raw in ("{not json", "[1,2]", "", "null"):
        status, out = api.call("POST", "/auth/signup", raw=raw)
        assert status == 400, raw
        assert out["error"]["field"] == "body"
