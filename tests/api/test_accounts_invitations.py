"""Issue #9, hole 4: adding a member by e-mail no longer says whether the address has an
account. It creates an invitation, the same answer either way, accepted by whoever proves they
read the address: through the invitation e-mail's link, or by confirming their account's address
(tests/api/test_email_verification.py)."""
from datetime import datetime, timedelta, timezone

from tests.api.conftest import Api, signup
from tests.support.api import signup_invited
from tests.support.mailbox import invitation_token, outbox, token_of

PW = "correct horse battery"


def login(api, email, password=PW):
    status, body = api.call("POST", "/auth/login", {"email": email, "password": password})
    assert status == 200, body
    return Api(api.client, body["token"])


def owner(api, org="A"):
    body = signup(api, org=org)
    return Api(api.client, body["token"]), body["organization"]["id"], body


def test_the_answer_does_not_reveal_who_has_an_account(api):
    o, org, _ = owner(api)
    signup(api, "has-account@x.io", org="Mine")
    answers = [o.call("POST", f"/orgs/{org}/members", {"email": e, "role": "viewer"})
               for e in ("has-account@x.io", "no-account@x.io")]
    assert [s for s, _ in answers] == [201, 201]
    shape = [{k: v for k, v in body.items() if k not in ("id", "email", "created", "expires", "last_sent",
                                                          "email_status")} for _, body in answers]
    assert shape[0] == shape[1] == {"role": "viewer", "status": "pending", "sends": 1}
    assert sorted(answers[0][1]) == sorted(answers[1][1])
    _, listing = o.call("GET", f"/orgs/{org}/members")                  # neither is a member yet
    assert len(listing["items"]) == 1


def test_invitations_are_accepted_once_the_address_is_proven(api):
    o, org, _ = owner(api)
    signup(api, "existing@x.io", org="Mine")
    o.call("POST", f"/orgs/{org}/members", {"email": "existing@x.io", "role": "admin"})
    o.call("POST", f"/orgs/{org}/members", {"email": "New@x.io", "role": "viewer"})
    _, pending = o.call("GET", f"/orgs/{org}/invitations")
    assert sorted(i["email"] for i in pending["items"]) == ["existing@x.io", "new@x.io"]
    existing = login(api, "existing@x.io")      # the address is only claimed: the invitation waits
    assert existing.call("GET", "/me")[1]["user"]["email_verified"] is False
    assert existing.call("POST", f"/orgs/{org}/projects", {"name": "p"})[0] == 404
    confirm = token_of(outbox("existing@x.io", "Confirm your e-mail")[-1], "/verify-email")
    status, out = api.call("POST", "/auth/verify-email", {"token": confirm})
    assert status == 200 and out["joined"] == [{"id": org, "name": "A", "role": "admin"}], out
    assert existing.call("POST", f"/orgs/{org}/projects", {"name": "p"})[0] == 201   # an admin
    new = Api(api.client, signup_invited(api, "new@x.io", org="NewHome")["token"])
    assert new.call("GET", "/me")[1]["user"]["email_verified"] is True
    assert new.call("GET", f"/orgs/{org}/projects")[0] == 200
    assert new.call("POST", f"/orgs/{org}/projects", {"name": "q"})[0] == 403          # a viewer
    _, members = o.call("GET", f"/orgs/{org}/members")
    assert sorted(m["role"] for m in members["items"]) == ["admin", "owner", "viewer"]
    assert o.call("GET", f"/orgs/{org}/invitations")[1]["items"] == []


def test_admins_list_and_revoke_invitations_others_cannot(api, ports):
    o, org, _ = owner(api)
    _, inv = o.call("POST", f"/orgs/{org}/members", {"email": "later@x.io", "role": "developer"})
    outsider, other_org, _ = owner(api, "B")
    assert outsider.call("GET", f"/orgs/{org}/invitations")[0] == 404
    assert outsider.call("DELETE", f"/orgs/{org}/invitations/{inv['id']}")[0] == 404
    _, other_inv = outsider.call("POST", f"/orgs/{other_org}/members", {"email": "z@x.io"})
    assert o.call("DELETE", f"/orgs/{org}/invitations/{other_inv['id']}")[1]["error"]["field"] == "invitation"
    o.call("POST", f"/orgs/{org}/members", {"email": "dev@x.io", "role": "developer"})
    dev = Api(api.client, signup_invited(api, "dev@x.io", org="DevHome")["token"])
    assert dev.call("GET", f"/orgs/{org}/invitations")[0] == 403
    assert dev.call("POST", f"/orgs/{org}/members", {"email": "friend@x.io"})[0] == 403
    revoked = invitation_token("later@x.io")
    assert o.call("DELETE", f"/orgs/{org}/invitations/{inv['id']}")[0] == 204
    assert o.call("DELETE", f"/orgs/{org}/invitations/{inv['id']}")[0] == 404
    status, out = api.call("POST", "/auth/signup", {"email": "later@x.io", "password": PW, "organization": "L",
                                                   "invitation": revoked})
    assert status == 422 and out["error"]["field"] == "invitation"     # revoked: its link is dead


def test_expired_invitations_are_not_accepted_and_can_be_renewed(api, ports):
    o, org, _ = owner(api)
    _, inv = o.call("POST", f"/orgs/{org}/members", {"email": "slow@x.io"})
    stale = invitation_token("slow@x.io")
    past = (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ports.store.collection("invitations").update(inv["id"], {"expires": past})
    assert o.call("GET", f"/orgs/{org}/invitations")[1]["items"][0]["status"] == "expired"
    status, out = api.call("POST", "/auth/signup", {"email": "slow@x.io", "password": PW, "invitation": stale})
    assert status == 422 and out["error"]["field"] == "invitation"
    slow = Api(api.client, signup(api, "slow@x.io", org="S")["token"])
    assert slow.call("GET", f"/orgs/{org}/projects")[0] == 404
    o.call("POST", f"/orgs/{org}/members", {"email": "slow@x.io"})     # invited again: a new link
    status, out = slow.call("POST", "/invitations/accept", {"token": stale})
    assert status == 422 and out["error"]["field"] == "token"
    status, out = slow.call("POST", "/invitations/accept", {"token": invitation_token("slow@x.io")})
    assert status == 200 and out["joined"] == [{"id": org, "name": "A", "role": "developer"}], out
    assert login(api, "slow@x.io").call("GET", f"/orgs/{org}/projects")[0] == 200


def test_only_owners_invite_owners_and_an_accepted_owner_counts(api):
    o, org, body = owner(api)
    o.call("POST", f"/orgs/{org}/members", {"email": "adm@x.io", "role": "admin"})
    adm = Api(api.client, signup_invited(api, "adm@x.io", org="AdmHome")["token"])
    status, out = adm.call("POST", f"/orgs/{org}/members", {"email": "boss@x.io", "role": "owner"})
    assert status == 403 and out["error"]["field"] == "role"
    assert o.call("POST", f"/orgs/{org}/members", {"email": "boss@x.io", "role": "owner"})[0] == 201
    boss = Api(api.client, signup_invited(api, "boss@x.io", org="BossHome")["token"])
    # two owners now, so the first may step down
    assert boss.call("PATCH", f"/orgs/{org}/members/{body['user']['id']}", {"role": "viewer"})[0] == 200
    me = boss.call("GET", "/me")[1]["user"]["id"]
    assert boss.call("DELETE", f"/orgs/{org}/members/{me}")[0] == 409   # the last owner stays


def test_an_invited_person_signs_up_without_naming_an_organization(api):
    o, org, _ = owner(api, "Inviting")
    o.call("POST", f"/orgs/{org}/members", {"email": "joiner@x.io", "role": "admin"})
    status, body = api.call("POST", "/auth/signup", {"email": "joiner@x.io", "password": PW,
                                                    "invitation": invitation_token("joiner@x.io")})
    assert status == 201, body
    assert body["organization"] == {"id": org, "name": "Inviting", "created": body["organization"]["created"],
                                    "role": "admin", "require_mfa": False, "project_roles": {}}
    joiner = Api(api.client, body["token"])
    me = joiner.call("GET", "/me")[1]
    assert [(m["id"], m["role"]) for m in me["organizations"]] == [(org, "admin")]   # nothing else created
    assert joiner.call("POST", f"/orgs/{org}/projects", {"name": "p"})[0] == 201        # an admin there
    assert o.call("GET", f"/orgs/{org}/invitations")[1]["items"] == []
    actions = [e["action"] for e in o.call("GET", f"/orgs/{org}/audit?limit=20")[1]["items"]]
    assert "member.join" in actions and "user.signup" in actions


def test_no_organization_and_no_invitation_is_refused_and_leaves_no_account(api, ports):
    status, body = api.call("POST", "/auth/signup", {"email": "alone@x.io", "password": PW})
    assert status == 422 and body["error"]["field"] == "organization", body
    assert "organization" in body["error"]["message"]
    assert ports.store.collection("users").find_one({"email": "alone@x.io"}) is None
    # an expired invitation's link does not count, and is not used up by the refused attempt
    o, org, _ = owner(api)
    _, inv = o.call("POST", f"/orgs/{org}/members", {"email": "late@x.io"})
    past = (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ports.store.collection("invitations").update(inv["id"], {"expires": past})
    status, body = api.call("POST", "/auth/signup", {"email": "late@x.io", "password": PW,
                                                    "invitation": invitation_token("late@x.io")})
    assert status == 422 and body["error"]["field"] == "invitation"
    assert ports.store.collection("users").find_one({"email": "late@x.io"}) is None
    assert ports.store.collection("invitations").get(inv["id"]) is not None
    # a live invitation without its link: the address is not proven, so it is not left out either
    o.call("POST", f"/orgs/{org}/members", {"email": "nolink@x.io"})
    status, body = api.call("POST", "/auth/signup", {"email": "nolink@x.io", "password": PW})
    assert status == 422 and body["error"]["field"] == "organization"
    # an empty name is not "left out"
    status, body = api.call("POST", "/auth/signup", {"email": "blank@x.io", "password": PW, "organization": "  "})
    assert status == 422 and body["error"]["field"] == "organization"
    # the invited address already has an account: that is what its link's sign-up is told (log in instead)
    signup(api, "taken@x.io", org="Mine")
    o.call("POST", f"/orgs/{org}/members", {"email": "taken@x.io"})
    status, body = api.call("POST", "/auth/signup", {"email": "taken@x.io", "password": PW,
                                                    "invitation": invitation_token("taken@x.io")})
    assert status == 409 and body["error"]["field"] == "email"
