"""Issue #9, holes 1 and 6: an organization-limited API token cannot mint a wider token or
touch the user's other tokens; API tokens record when they were last used, cheaply."""
from chalicelib.core.ids import epoch_from_iso, iso_from_epoch
from tests.api.conftest import Api, signup
from tests.support.api import confirm_address


def two_orgs(api):
    """A user who owns org A and is a developer in org B (invited by B's owner)."""
    a = signup(api, org="A")
    b = signup(api, org="B")
    b_api = Api(api.client, b["token"])
    assert b_api.call("POST", f"/orgs/{b['organization']['id']}/members", {"email": a["user"]["email"]})[0] == 201
    confirm_address(api, a["user"]["email"])   # the invitation is accepted with it
    status, login = api.call("POST", "/auth/login", {"email": a["user"]["email"], "password": "correct horse battery"})
    assert status == 200
    return Api(api.client, login["token"]), a["organization"]["id"], b["organization"]["id"]


def test_a_limited_token_cannot_create_a_wider_token(api):
    user, org_a, org_b = two_orgs(api)
    assert user.call("GET", f"/orgs/{org_b}/projects")[0] == 200
    _, limited = user.call("POST", "/tokens", {"name": "ci-a", "organization_id": org_a})
    lim = Api(api.client, limited["token"])
    assert lim.call("GET", f"/orgs/{org_b}/projects")[0] == 404
    # The attack: no organization_id -> used to be an unlimited token that reached org B.
    status, child = lim.call("POST", "/tokens", {"name": "escalate"})
    assert status == 201 and child["org_id"] == org_a              # the caller's limit is inherited
    assert api.call("GET", f"/orgs/{org_b}/projects", token=child["token"])[0] == 404
    assert api.call("GET", f"/orgs/{org_a}/projects", token=child["token"])[0] == 200
    status, out = lim.call("POST", "/tokens", {"name": "escalate", "organization_id": org_b})
    assert status == 403 and out["error"]["field"] == "organization_id"
    # nor through a password change, which would hand out a full session
    status, out = lim.call("POST", "/auth/password", {"current_password": "correct horse battery",
                                                      "new_password": "another long password"})
    assert status == 403 and out["error"]["field"] == "authorization"


def test_a_limited_token_sees_and_deletes_only_tokens_of_its_organization(api):
    user, org_a, org_b = two_orgs(api)
    _, full = user.call("POST", "/tokens", {"name": "full"})
    _, in_b = user.call("POST", "/tokens", {"name": "b", "organization_id": org_b})
    _, in_a = user.call("POST", "/tokens", {"name": "a", "organization_id": org_a})
    _, limited = user.call("POST", "/tokens", {"name": "a2", "organization_id": org_a})
    lim = Api(api.client, limited["token"])
    _, listing = lim.call("GET", "/tokens")
    assert sorted(t["name"] for t in listing["items"]) == ["a", "a2"]
    for other in (full, in_b):
        status, out = lim.call("DELETE", f"/tokens/{other['id']}")
        assert status == 404 and out["error"]["field"] == "token"
        assert api.call("GET", "/me", token=other["token"])[0] == 200   # still works
    assert lim.call("DELETE", f"/tokens/{in_a['id']}")[0] == 204
    _, everything = user.call("GET", "/tokens")                        # a session sees them all
    assert sorted(t["name"] for t in everything["items"]) == ["a2", "b", "full"]


def test_api_tokens_record_last_used_at_most_once_a_minute(api, ports):
    owner = signup(api)
    _, tok = Api(api.client, owner["token"]).call("POST", "/tokens", {"name": "ci"})
    tokens = ports.store.collection("tokens")
    assert tokens.get(tok["id"])["last_used"] is None
    assert api.call("GET", "/me", token=tok["token"])[0] == 200
    first = tokens.get(tok["id"])["last_used"]
    assert first is not None
    for _ in range(5):
        assert api.call("GET", "/me", token=tok["token"])[0] == 200
    assert tokens.get(tok["id"])["last_used"] == first                 # no write per request
    import time

    tokens.update(tok["id"], {"last_used": iso_from_epoch(time.time() - 61)})
    assert api.call("GET", "/me", token=tok["token"])[0] == 200
    later = tokens.get(tok["id"])["last_used"]
    assert later > first
    _, listing = Api(api.client, owner["token"]).call("GET", "/tokens")
    assert listing["items"][0]["last_used"] == later


def test_an_api_token_with_expires_days_stops_working_when_it_ends(api, ports):
    import time

    owner = signup(api)
    me = Api(api.client, owner["token"])
    status, tok = me.call("POST", "/tokens", {"name": "ci", "expires_days": 30})
    assert status == 201
    left = epoch_from_iso(tok["expires"]) - time.time()
    assert 30 * 86400 - 60 < left <= 30 * 86400
    assert api.call("GET", "/me", token=tok["token"])[0] == 200
    _, listing = me.call("GET", "/tokens")
    assert [t["expires"] for t in listing["items"]] == [tok["expires"]]
    status, forever = me.call("POST", "/tokens", {"name": "forever"})
    assert status == 201 and forever["expires"] is None

    # its end comes (moved into the past, as 30 days passing would): 401 saying why
    ports.store.collection("tokens").update(tok["id"], {"expires": iso_from_epoch(time.time() - 1)})
    status, out = api.call("GET", "/me", token=tok["token"])
    assert status == 401 and out["error"]["message"] == "the API token has expired"
    assert api.call("GET", "/me", token=forever["token"])[0] == 200

    for bad in (0, 3651, "soon"):
        status, out = me.call("POST", "/tokens", {"name": "x", "expires_days": bad})
        assert status in (400, 422) and out["error"]["field"] == "expires_days", (bad, out)


def test_a_token_never_makes_a_token_that_outlives_it(api):
    owner = signup(api)
    me = Api(api.client, owner["token"])
    _, short = me.call("POST", "/tokens", {"name": "short", "expires_days": 2})
    by_token = Api(api.client, short["token"])
    _, inherits = by_token.call("POST", "/tokens", {"name": "unasked"})
    _, capped = by_token.call("POST", "/tokens", {"name": "longer", "expires_days": 300})
    _, shorter = by_token.call("POST", "/tokens", {"name": "shorter", "expires_days": 1})
    assert inherits["expires"] == short["expires"] and capped["expires"] == short["expires"]
    assert shorter["expires"] < short["expires"]


def test_revoking_a_token_revokes_the_tokens_it_made(api):
    """A leaked token that minted another must not leave that one working once it is revoked:
    the tokens it made (and theirs) go with it; the user's other tokens stay."""
    owner = signup(api)
    me = Api(api.client, owner["token"])
    _, ci = me.call("POST", "/tokens", {"name": "ci"})
    _, other = me.call("POST", "/tokens", {"name": "other"})
    by_ci = Api(api.client, ci["token"])
    _, child = by_ci.call("POST", "/tokens", {"name": "child"})
    _, grandchild = Api(api.client, child["token"]).call("POST", "/tokens", {"name": "grandchild"})
    assert Api(api.client, grandchild["token"]).call("GET", "/me")[0] == 200
    assert me.call("DELETE", f"/tokens/{ci['id']}")[0] == 204
    for gone in (ci, child, grandchild):
        assert Api(api.client, gone["token"]).call("GET", "/me")[0] == 401, gone["name"]
    assert Api(api.client, other["token"]).call("GET", "/me")[0] == 200
    assert [t["name"] for t in me.call("GET", "/tokens")[1]["items"]] == ["other"]


def test_a_second_working_token_of_the_same_name_is_refused_naming_name(api, ports):
    """`launchbay tokens revoke ci` finds a token by its name: two working ones named alike made
    the name useless. Another user, or the name of an expired or revoked token, is free."""
    import time

    me = Api(api.client, signup(api)["token"])
    other = Api(api.client, signup(api, org="Other")["token"])
    status, ci = me.call("POST", "/tokens", {"name": "ci"})
    assert status == 201
    status, out = me.call("POST", "/tokens", {"name": "ci", "expires_days": 5})
    assert status == 409 and out["error"]["field"] == "name", out
    assert "already have an API token named 'ci'" in out["error"]["message"] and ci["id"] in out["error"]["message"]
    assert ci["token"] not in out["error"]["message"]
    assert [t["name"] for t in me.call("GET", "/tokens")[1]["items"]] == ["ci"]
    assert other.call("POST", "/tokens", {"name": "ci"})[0] == 201          # names are per user
    ports.store.collection("tokens").update(ci["id"], {"expires": iso_from_epoch(time.time() - 1)})
    status, again = me.call("POST", "/tokens", {"name": "ci"})               # the old one has ended
    assert status == 201
    assert me.call("DELETE", f"/tokens/{again['id']}")[0] == 204
    assert me.call("POST", "/tokens", {"name": "ci"})[0] == 201              # revoked: free again


def test_two_tokens_of_one_name_made_at_the_same_moment_are_one(ports):
    """The unique live_name, not only the check before the write, keeps a user's working token
    names distinct: raced with threads, each round makes exactly one."""
    import threading

    from chalicelib.accounts import service as accounts
    from chalicelib.core.context import Actor
    from chalicelib.core.errors import AlreadyExists
    from chalicelib.core.ids import new_id, now_iso

    for _ in range(15):
        uid = new_id("usr")
        ports.store.collection("users").insert({"id": uid, "email": f"{uid}@x.io", "name": uid, "created": now_iso()})
        actor = Actor(user_id=uid, email=f"{uid}@x.io")
        barrier, made, refused = threading.Barrier(2), [], []

        def create(barrier=barrier, actor=actor, made=made, refused=refused) -> None:
            barrier.wait()
            try:
                made.append(accounts.create_token(ports, actor, "ci", None))
            except AlreadyExists as exc:
                refused.append(exc)

        threads = [threading.Thread(target=create) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(made) == 1 and len(refused) == 1, (made, refused)
        assert refused[0].field == "name" and "you already have an API token named 'ci'" in refused[0].message
        assert len(ports.store.collection("tokens").find({"user_id": uid})[0]) == 1


def test_working_tokens_from_before_get_their_live_name(tmp_path):
    from chalicelib.store.migrations import token_names
    from chalicelib.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "old.db")
    tokens = store.collection("tokens")
    rows = [("tok_1", "2026-11-01", None), ("tok_2", "2026-11-02", None), ("tok_3", "2026-11-03", "2020-01-01T00:00:00Z")]
    for tid, created, expires in rows:
        tokens.insert({"id": tid, "user_id": "usr_1", "name": "ci", "token_hash": tid, "created": created, "expires": expires})
    assert token_names(store) == 1          # the older working one; a duplicate from before the rule is left; expired too
    assert [tokens.get(t).get("live_name") for t in ("tok_1", "tok_2", "tok_3")] == ["usr_1:ci", None, None]
