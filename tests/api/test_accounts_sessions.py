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


def test_the_membership_is_read_with_the_session_and_taken_once(api):
    """An organization's route reads the caller's session and membership in one statement
    (store.first_of_each): a session ended or a membership removed elsewhere still holds on the
    very next request; the membership so read serves the request's first check only, so a later
    check in the same request reads the store again."""
    from chalicelib import wiring
    from chalicelib.accounts import service

    user = signup(api)
    org, uid, token = user["organization"]["id"], user["user"]["id"], user["token"]
    me = Api(api.client, token)
    assert me.call("GET", f"/orgs/{org}/projects")[0] == 200
    ports = wiring.get_ports()
    members = ports.store.collection("memberships")
    mem = members.find_one({"org_id": org, "user_id": uid})

    actor = service.authenticate(ports, f"Bearer {token}", "10.0.0.1", org_id=org)
    assert actor.user_id == uid and actor.source_ip == "10.0.0.1"
    members.update(mem["id"], {"role": "viewer"})             # changed after the read, in this request
    assert service.membership_in(ports, actor, org)["role"] == "owner"    # the one read with the session
    assert service.membership_in(ports, actor, org)["role"] == "viewer"   # then the store, as before
    assert service.membership_in(ports, actor, "org_other") is None
    other = service.authenticate(ports, f"Bearer {token}", org_id="org_other")   # another org's path
    assert service.membership_in(ports, other, org)["role"] == "viewer"

    assert members.delete(mem["id"])                          # removed elsewhere: the next request
    status, body = me.call("GET", f"/orgs/{org}/projects")
    assert status == 404 and body["error"]["field"] == "org"
    sid = ports.store.collection("sessions").find_one({"user_id": uid})["id"]
    assert ports.store.collection("sessions").delete(sid)     # ended elsewhere: 401 on an org's route too
    assert me.call("GET", f"/orgs/{org}/projects")[0] == 401


def test_access_tokens_carry_no_address_yet_the_audit_log_names_it(api, launchbay_env):
    """The address rides in the session, not in the token sent on every request; a token issued
    before that (with the address in it, its session without) still works and still names it."""
    import time

    import jwt

    from chalicelib import wiring
    from chalicelib.core.ids import iso_from_epoch, new_id, now_iso

    user = signup(api)
    org, uid, email = user["organization"]["id"], user["user"]["id"], user["user"]["email"]
    assert "email" not in jwt.decode(user["token"], options={"verify_signature": False})
    me = Api(api.client, user["token"])
    assert me.call("POST", f"/orgs/{org}/projects", {"name": "new-style"})[0] == 201
    sid = new_id("ses")   # a session and token as issued before: the address in the token only
    wiring.get_ports().store.collection("sessions").insert(
        {"id": sid, "user_id": uid, "created": now_iso(), "expires": iso_from_epoch(time.time() + 600)})
    old = jwt.encode({"sub": uid, "email": email, "iat": int(time.time()), "exp": int(time.time() + 600),
                      "typ": "access", "sid": sid}, launchbay_env["LAUNCHBAY_JWT_SECRET"], algorithm="HS256")
    assert Api(api.client, old).call("POST", f"/orgs/{org}/projects", {"name": "old-style"})[0] == 201
    _, audit = me.call("GET", f"/orgs/{org}/audit")
    creators = {e["details"].get("name"): e["actor"] for e in audit["items"] if e["action"] == "project.create"}
    assert creators == {"new-style": email, "old-style": email}
