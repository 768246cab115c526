"""Issue #9, hole 3 (second half): a password change revokes every session and API token;
log-out ends the session (or API token) it is called with."""
from tests.api.conftest import Api, signup

PW = "correct horse battery"


def login(api, email, password=PW):
    status, body = api.call("POST", "/auth/login", {"email": email, "password": password})
    assert status == 200, body
    return body["token"]


def test_password_change_revokes_sessions_and_api_tokens(api):
    user = signup(api)
    email = user["user"]["email"]
    s1, s2 = user["token"], login(api, email)
    _, tok = Api(api.client, s1).call("POST", "/tokens", {"name": "ci"})
    for t in (s1, s2, tok["token"]):
        assert api.call("GET", "/me", token=t)[0] == 200
    status, out = Api(api.client, s1).call("POST", "/auth/password",
                                           {"current_password": PW, "new_password": "a brand new password"})
    assert status == 200 and out["revoked_api_tokens"] == 1 and out["token"]
    for t in (s1, s2, tok["token"]):                                   # issued before the change
        status, body = api.call("GET", "/me", token=t)
        assert status == 401 and body["error"]["code"] == "unauthorized"
    assert api.call("GET", "/me", token=out["token"])[0] == 200        # the fresh session works
    assert api.call("POST", "/auth/login", {"email": email, "password": PW})[0] == 401
    assert login(api, email, "a brand new password")


def test_password_change_checks_the_current_password_and_the_new_one(api):
    user = signup(api)
    me = Api(api.client, user["token"])
    status, out = me.call("POST", "/auth/password", {"current_password": "wrong one", "new_password": "x" * 12})
    assert status == 403 and out["error"]["field"] == "current_password"
    status, out = me.call("POST", "/auth/password", {"current_password": PW, "new_password": "short"})
    assert status == 422 and out["error"]["field"] == "new_password"
    assert me.call("GET", "/me")[0] == 200                              # nothing was revoked
    assert api.call("POST", "/auth/password", {"current_password": PW, "new_password": "x" * 12})[0] == 401


def test_logout_ends_only_the_presented_session(api):
    user = signup(api)
    email = user["user"]["email"]
    s1, s2 = user["token"], login(api, email)
    assert api.call("POST", "/auth/logout", token=s1)[0] == 204
    assert api.call("GET", "/me", token=s1)[0] == 401
    assert api.call("POST", "/auth/logout", token=s1)[0] == 401
    assert api.call("GET", "/me", token=s2)[0] == 200


def test_logout_with_an_api_token_revokes_it(api):
    user = signup(api)
    _, tok = Api(api.client, user["token"]).call("POST", "/tokens", {"name": "ci"})
    assert api.call("POST", "/auth/logout", token=tok["token"])[0] == 204
    assert api.call("GET", "/me", token=tok["token"])[0] == 401
    assert api.call("GET", "/me", token=user["token"])[0] == 200


def test_a_session_ended_by_another_process_is_refused_on_the_next_request(api):
    """No worker remembers a live session: one ended elsewhere (here straight in the store, as
    another worker or container would) is refused on this process's very next request."""
    from chalicelib import wiring

    user = signup(api)
    me = Api(api.client, user["token"])
    for _ in range(3):
        assert me.call("GET", "/me")[0] == 200
    store = wiring.get_ports().store
    sid = store.collection("sessions").find_one({"user_id": user["user"]["id"]})["id"]
    assert store.collection("sessions").delete(sid)
    status, body = me.call("GET", "/me")
    assert status == 401 and body["error"]["code"] == "unauthorized"
