"""An account's address is a claim until a link mailed to it is followed; invitations wait for
that. The hole this closes: whoever signed up first with an invited address joined the inviting
organization."""
from datetime import datetime, timedelta, timezone

from chalicelib.core import security
from tests.api.conftest import Api, signup
from tests.support.api import signup_invited
from tests.support.mailbox import invitation_token, outbox, token_of

PW = "correct horse battery"


def _confirm_token(email: str) -> str:
    return token_of(outbox(email, "Confirm your e-mail")[-1], "/verify-email")


def _login(api, email, password=PW):
    status, body = api.call("POST", "/auth/login", {"email": email, "password": password})
    assert status == 200, body
    return Api(api.client, body["token"])


def test_signing_up_first_with_an_invited_address_joins_nothing(api, ports):
    owner = signup(api, org="Victim Co")
    boss = Api(api.client, owner["token"])
    org = owner["organization"]["id"]
    assert boss.call("POST", f"/orgs/{org}/members", {"email": "cfo@victim.io", "role": "admin"})[0] == 201
    # someone who does not read cfo@victim.io signs up with it, before its owner does
    status, body = api.call("POST", "/auth/signup", {"email": "cfo@victim.io", "password": "the squatter's pw"})
    assert status == 422 and body["error"]["field"] == "organization"          # cannot skip to the org
    squatter = Api(api.client, signup(api, "cfo@victim.io", org="Squat", password="the squatter's pw")["token"])
    assert squatter.call("GET", "/me")[1]["user"]["email_verified"] is False
    assert squatter.call("GET", f"/orgs/{org}/projects")[0] == 404
    squatter = _login(api, "cfo@victim.io", "the squatter's pw")                 # a log-in does not join either
    assert squatter.call("GET", f"/orgs/{org}/projects")[0] == 404
    assert [i["email"] for i in boss.call("GET", f"/orgs/{org}/invitations")[1]["items"]] == ["cfo@victim.io"]
    # the real owner of the address: their link's sign-up is told the address has an account ...
    status, body = api.call("POST", "/auth/signup", {"email": "cfo@victim.io", "password": PW,
                                                    "invitation": invitation_token("cfo@victim.io")})
    assert status == 409 and body["error"]["field"] == "email"
    # ... so they take it back with a reset link (which reaches them), and that proves the address
    assert api.call("POST", "/auth/password-reset", {"email": "cfo@victim.io"})[0] == 202
    from chalicelib.accounts import resets
    resets.issue(ports, "cfo@victim.io", "", "http://ui")   # what the worker does with the request
    reset = token_of(outbox("cfo@victim.io", "Reset your")[-1], "/reset-password")
    assert api.call("POST", "/auth/password-reset/confirm", {"token": reset, "password": PW})[0] == 200
    assert squatter.call("GET", "/me")[0] == 401                                 # the squatter is signed out
    cfo = _login(api, "cfo@victim.io")
    assert cfo.call("GET", "/me")[1]["user"]["email_verified"] is True
    assert cfo.call("POST", f"/orgs/{org}/projects", {"name": "p"})[0] == 201    # joined, as admin


def test_a_sign_up_is_confirmed_by_its_link_once(api, ports):
    body = signup(api, "new@x.io", org="N")
    assert body["user"]["email_verified"] is False
    mails = outbox("new@x.io", "Confirm your e-mail")
    assert len(mails) == 1 and "within 3 days" in mails[0].text
    token = _confirm_token("new@x.io")
    links = ports.store.collection("email_verifications")
    assert links.find_one({"token_hash": token}) is None                        # kept hashed, never as sent
    assert links.find_one({"token_hash": security.hash_api_token(token)})["email"] == "new@x.io"
    status, out = api.call("POST", "/auth/verify-email", {"token": token})
    assert status == 200 and out == {"status": "verified", "email": "new@x.io", "joined": []}
    me = Api(api.client, body["token"]).call("GET", "/me")[1]
    assert me["user"]["email_verified"] is True
    status, out = api.call("POST", "/auth/verify-email", {"token": token})      # used
    assert status == 422 and out["error"]["field"] == "token"
    status, out = api.call("POST", "/auth/verify-email", {"token": "x" * 43})
    assert status == 422 and out["error"]["field"] == "token"
    status, out = api.call("POST", "/auth/verify-email", {})
    assert status == 422 and out["error"]["field"] == "token"


def test_an_invitation_link_proves_the_address_at_sign_up(api):
    owner = signup(api, org="Inviter")
    org = owner["organization"]["id"]
    boss = Api(api.client, owner["token"])
    boss.call("POST", f"/orgs/{org}/members", {"email": "dev@x.io", "role": "developer"})
    boss.call("POST", f"/orgs/{org}/members", {"email": "other@x.io", "role": "viewer"})
    # another address's link does not prove this one
    status, body = api.call("POST", "/auth/signup", {"email": "dev@x.io", "password": PW, "organization": "D",
                                                    "invitation": invitation_token("other@x.io")})
    assert status == 422 and body["error"]["field"] == "invitation"
    body = signup_invited(api, "dev@x.io", org="Own")
    assert body["user"]["email_verified"] is True and body["organization"]["name"] == "Own"
    assert outbox("dev@x.io", "Confirm your e-mail") == []                        # nothing left to confirm
    dev = Api(api.client, body["token"])
    assert sorted(o["name"] for o in dev.call("GET", "/me")[1]["organizations"]) == ["Inviter", "Own"]
    status, out = dev.call("POST", "/me/verify-email")
    assert status == 409 and out["error"]["field"] == "email"


def test_a_confirmed_address_joins_at_the_confirmation_and_log_in_joins_later_invitations(api):
    owner = signup(api, org="First")
    org = owner["organization"]["id"]
    boss = Api(api.client, owner["token"])
    body = signup(api, "pat@x.io", org="Pat")
    boss.call("POST", f"/orgs/{org}/members", {"email": "pat@x.io", "role": "viewer"})
    status, out = api.call("POST", "/auth/verify-email", {"token": _confirm_token("pat@x.io")})
    assert out["joined"] == [{"id": org, "name": "First", "role": "viewer"}], out
    second = signup(api, org="Second")
    Api(api.client, second["token"]).call("POST", f"/orgs/{second['organization']['id']}/members",
                                          {"email": "pat@x.io", "role": "developer"})
    status, session = api.call("POST", "/auth/login", {"email": "pat@x.io", "password": PW})
    assert session["joined"] == [{"id": second["organization"]["id"], "name": "Second", "role": "developer"}]
    pat = Api(api.client, session["token"])                                      # confirmed: a log-in joins
    assert _login(api, "pat@x.io").call("GET", "/me")[0] == 200
    assert api.call("POST", "/auth/login", {"email": "pat@x.io", "password": PW})[1]["joined"] == []
    roles = {o["name"]: o["role"] for o in pat.call("GET", "/me")[1]["organizations"]}
    assert roles == {"Pat": "owner", "First": "viewer", "Second": "developer"}
    assert body["user"]["id"] == pat.call("GET", "/me")[1]["user"]["id"]


def test_a_new_link_replaces_the_last_and_is_throttled(api, ports):
    body = signup(api, "re@x.io", org="R")
    me = Api(api.client, body["token"])
    first = _confirm_token("re@x.io")
    status, out = me.call("POST", "/me/verify-email")                            # within a minute of the first
    assert status == 429 and out["error"]["field"] == "email"
    link = ports.store.collection("email_verifications").find_one({"user_id": body["user"]["id"]})
    earlier = (datetime.now(timezone.utc) - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ports.store.collection("email_verifications").update(link["id"], {"created": earlier})
    status, out = me.call("POST", "/me/verify-email")
    assert status == 202 and out["status"] == "sent" and out["email"] == "re@x.io", out
    assert out["expires_in"] == 3 * 86400 and "sandbox" in out
    second = _confirm_token("re@x.io")
    assert second != first
    assert api.call("POST", "/auth/verify-email", {"token": first})[0] == 422    # replaced
    # five links an hour at most: the address may be a stranger's
    links = ports.store.collection("email_verifications")
    for n in range(5):
        links.update(links.find_one({"user_id": body["user"]["id"]})["id"], {"created": earlier})
        status, out = me.call("POST", "/me/verify-email")
        assert status == (202 if n < 4 else 429), (n, out)
    assert "too many" in out["error"]["message"] and out["error"]["field"] == "email"
    assert api.call("POST", "/auth/verify-email", {"token": _confirm_token("re@x.io")})[0] == 200


def test_an_expired_link_does_not_confirm(api, ports):
    body = signup(api, "late@x.io", org="L")
    token = _confirm_token("late@x.io")
    link = ports.store.collection("email_verifications").find_one({"user_id": body["user"]["id"]})
    ports.store.collection("email_verifications").update(link["id"], {"expires": "2020-01-01T00:00:00.000000Z"})
    status, out = api.call("POST", "/auth/verify-email", {"token": token})
    assert status == 422 and out["error"]["field"] == "token"
    from chalicelib.accounts import verification
    assert verification.forget_expired(ports) == 1


def test_accepting_an_invitation_when_signed_in(api):
    owner = signup(api, org="Host")
    org = owner["organization"]["id"]
    boss = Api(api.client, owner["token"])
    sam = Api(api.client, signup(api, "sam@x.io", org="Sam")["token"])
    boss.call("POST", f"/orgs/{org}/members", {"email": "sam@x.io", "role": "developer"})
    boss.call("POST", f"/orgs/{org}/members", {"email": "kim@x.io", "role": "viewer"})
    status, out = sam.call("POST", "/invitations/accept", {"token": invitation_token("kim@x.io")})
    assert status == 403 and out["error"]["field"] == "token"                    # someone else's invitation
    assert "another e-mail address" in out["error"]["message"]
    status, out = sam.call("POST", "/invitations/accept", {"token": "nope"})
    assert status == 422 and out["error"]["field"] == "token"
    # an API token limited to one organization cannot join others
    _, tok = sam.call("POST", "/tokens", {"name": "ci", "organization_id": sam.call("GET", "/me")[1]["organizations"][0]["id"]})
    status, out = Api(api.client, tok["token"]).call("POST", "/invitations/accept",
                                                     {"token": invitation_token("sam@x.io")})
    assert status == 403 and out["error"]["field"] == "authorization"
    token = invitation_token("sam@x.io")
    status, out = sam.call("POST", "/invitations/accept", {"token": token})
    assert status == 200 and out == {"email_verified": True, "joined": [{"id": org, "name": "Host", "role": "developer"}]}
    assert sam.call("GET", "/me")[1]["user"]["email_verified"] is True
    status, out = sam.call("POST", "/invitations/accept", {"token": token})      # used up with the invitation
    assert status == 422
    assert api.call("POST", "/invitations/accept", {"token": token})[0] == 401   # signed in only


def test_resending_an_invitation_ends_the_earlier_links(api):
    owner = signup(api, org="Host")
    org = owner["organization"]["id"]
    boss = Api(api.client, owner["token"])
    _, inv = boss.call("POST", f"/orgs/{org}/members", {"email": "ann@x.io", "role": "viewer"})
    first = invitation_token("ann@x.io")
    from chalicelib.wiring import get_ports
    get_ports().store.collection("invitations").update(inv["id"], {"last_sent": "2020-01-01T00:00:00.000000Z"})
    assert boss.call("POST", f"/orgs/{org}/invitations/{inv['id']}/resend")[0] == 202
    second = invitation_token("ann@x.io")
    assert second != first
    status, body = api.call("POST", "/auth/signup", {"email": "ann@x.io", "password": PW, "invitation": first})
    assert status == 422 and body["error"]["field"] == "invitation"
    status, body = api.call("POST", "/auth/signup", {"email": "ann@x.io", "password": PW, "invitation": second})
    assert status == 201 and body["organization"]["id"] == org
