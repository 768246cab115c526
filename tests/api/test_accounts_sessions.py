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


def test_a_session_ended_elsewhere_stops_working_within_the_recheck_interval(api, monkeypatch):
    """Authentication remembers a live session for SESSION_RECHECK seconds (chalicelib/accounts/
    service.py). A session deleted by another process (another worker: here, straight from the
    store, which this process's memory does not hear about) is refused once that time has passed."""
    from chalicelib import wiring
    from chalicelib.accounts import service

    clock = [1000.0]
    monkeypatch.setattr(service, "_clock", lambda: clock[0])
    user = signup(api)
    me = Api(api.client, user["token"])
    assert me.call("GET", "/me")[0] == 200                              # read, and remembered
    store = wiring.get_ports().store
    sid = store.collection("sessions").find_one({"user_id": user["user"]["id"]})["id"]
    assert store.collection("sessions").delete(sid)                     # as another process would
    clock[0] += service.SESSION_RECHECK * 0.9
    assert me.call("GET", "/me")[0] == 200                              # still remembered here
    clock[0] += service.SESSION_RECHECK * 0.2
    status, body = me.call("GET", "/me")
    assert status == 401 and body["error"]["code"] == "unauthorized"
    assert service.SESSION_RECHECK <= 1.0                               # "promptly": within a second


def test_log_out_in_this_process_is_refused_at_once_although_remembered(api, monkeypatch):
    from chalicelib.accounts import service

    monkeypatch.setattr(service, "SESSION_RECHECK", 3600.0)              # remembered for an hour
    user = signup(api)
    email = user["user"]["email"]
    s1, s2 = user["token"], login(api, email)
    for t in (s1, s2):
        assert api.call("GET", "/me", token=t)[0] == 200
    assert api.call("POST", "/auth/logout", token=s1)[0] == 204
    assert api.call("GET", "/me", token=s1)[0] == 401
    assert api.call("GET", "/me", token=s2)[0] == 200
    status, out = Api(api.client, s2).call("POST", "/auth/password",
                                           {"current_password": PW, "new_password": "a brand new password"})
    assert status == 200
    assert api.call("GET", "/me", token=s2)[0] == 401
