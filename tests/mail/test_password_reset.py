"""Forgotten passwords and invitations by e-mail, end to end: the API in-process, a real Celery
worker on the notify queue, SES in the moto sandbox, and the sandbox mailbox on disk."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest

from chalicelib.core.ids import iso_from_epoch
from tests.support.api import Api, signup
from tests.support.mailbox import messages, wait_mail
from tests.support.processes import wait_for

PW = "correct horse battery"
NEW_PW = "a brand new passphrase"
pytestmark = pytest.mark.services


def _token(mail) -> str:
    return parse_qs(urlparse(mail.link("/reset-password")).query)["token"][0]


def test_a_forgotten_password_is_reset_by_the_emailed_link(api, ports, launchbay_env, notify_worker):
    data = launchbay_env["LAUNCHBAY_DATA_DIR"]
    owner = signup(api, "forgetful@example.com", org="Acme")
    me = Api(api.client, owner["token"])
    status, tok = me.call("POST", "/tokens", {"name": "ci"})
    assert status == 201, tok
    shapes = []
    for address in ("forgetful@example.com", "nobody-here@example.com"):
        status, answer = api.call("POST", "/auth/password-reset", {"email": address})
        assert status == 202, answer
        assert address in answer["message"] and "sandbox" in answer and answer["expires_in"] == 1800
        shapes.append(sorted(answer))
    assert shapes[0] == shapes[1]   # the answer says nothing about who has an account

    [mail] = wait_mail(data, "forgetful@example.com", "Reset your Launchbay password")
    assert mail.html and "Choose a new password" in mail.html
    token = _token(mail)
    assert mail.link("/reset-password") in mail.path.read_text()   # the file reads as written: `cat` shows the link
    doc = ports.store.collection("emails").get(mail.reference)
    assert doc["status"] == "sent" and doc["message_id"] and doc.get("body_cipher") is None
    time.sleep(1)   # the unknown address got nothing
    assert {m.to for m in messages(data)} == {"forgetful@example.com"}   # its reset link and its sign-up's confirmation
    db = (ports.settings.data_dir / "launchbay.db").read_bytes()
    assert token.encode() not in db   # the store keeps the token's hash only

    status, err = api.call("POST", "/auth/password-reset/confirm", {"token": token, "password": "short"})
    assert status == 422 and err["error"]["field"] == "password"
    status, done = api.call("POST", "/auth/password-reset/confirm", {"token": token, "password": NEW_PW})
    assert status == 200, done
    assert done == {"status": "changed", "email": "forgetful@example.com", "signed_out_sessions": 1,
                    "revoked_api_tokens": 1}
    assert me.call("GET", "/me")[0] == 401                                   # the old session ended
    assert api.call("GET", "/me", token=tok["token"])[0] == 401             # and the API token
    assert api.call("POST", "/auth/login", {"email": "forgetful@example.com", "password": PW})[0] == 401
    status, session = api.call("POST", "/auth/login", {"email": "forgetful@example.com", "password": NEW_PW})
    assert status == 200, session
    assert api.call("GET", "/me", token=session["token"])[1]["user"]["email_verified"] is True   # the link proved it
    status, again = api.call("POST", "/auth/password-reset/confirm", {"token": token, "password": "another one!!"})
    assert status == 422 and again["error"]["field"] == "token"              # a link works once

    [notice] = wait_mail(data, "forgetful@example.com", "password was changed")
    assert "with a reset link" in notice.text and "/forgot-password" in notice.text
    fresh = Api(api.client, session["token"])
    _, audit = fresh.call("GET", f"/orgs/{owner['organization']['id']}/audit")
    assert "user.password_reset" in [e["action"] for e in audit["items"]]


def test_links_expire_a_new_one_replaces_the_old_and_requests_are_throttled(api, ports, launchbay_env,
                                                                            notify_worker, monkeypatch):
    from chalicelib import settings as settings_module

    monkeypatch.setenv("LAUNCHBAY_RESETS_PER_EMAIL", "2")
    settings_module.reset()
    data = launchbay_env["LAUNCHBAY_DATA_DIR"]
    signup(api, "twice@example.com", org="Acme")
    for _ in range(2):
        assert api.call("POST", "/auth/password-reset", {"email": "twice@example.com"})[0] == 202
    status, err = api.call("POST", "/auth/password-reset", {"email": "twice@example.com"})
    assert status == 429 and err["error"]["field"] == "email"
    first, second = wait_mail(data, "twice@example.com", "Reset", count=2)
    live = ports.store.collection("password_resets").find({}, limit=10)[0]
    assert len(live) == 1   # the newest link only
    tokens = [_token(first), _token(second)]
    answers = [api.call("POST", "/auth/password-reset/confirm", {"token": t, "password": NEW_PW}) for t in tokens]
    assert sorted(s for s, _ in answers) == [200, 422]   # whichever came second is the live one
    # an expired link
    signup(api, "late@example.com", org="Late")
    monkeypatch.setenv("LAUNCHBAY_RESETS_PER_EMAIL", "5")
    settings_module.reset()
    assert api.call("POST", "/auth/password-reset", {"email": "late@example.com"})[0] == 202
    [late] = wait_mail(data, "late@example.com", "Reset")
    for doc in ports.store.collection("password_resets").find({}, limit=10)[0]:
        ports.store.collection("password_resets").update(doc["id"], {"expires": iso_from_epoch(time.time() - 1)})
    status, err = api.call("POST", "/auth/password-reset/confirm", {"token": _token(late), "password": NEW_PW})
    assert status == 422 and "expired" in err["error"]["message"]
    assert api.call("POST", "/auth/login", {"email": "late@example.com", "password": PW})[0] == 200


def test_invitations_are_emailed_and_can_be_sent_again(api, ports, launchbay_env, notify_worker):
    data = launchbay_env["LAUNCHBAY_DATA_DIR"]
    owner = signup(api, "boss@example.com", org="Acme")
    boss = Api(api.client, owner["token"])
    org = owner["organization"]["id"]
    status, inv = boss.call("POST", f"/orgs/{org}/members", {"email": "newbie@example.com", "role": "developer"})
    assert status == 201 and inv["sends"] == 1 and inv["last_sent"], inv
    assert inv["email_status"]["status"] == "pending"
    status, err = boss.call("POST", f"/orgs/{org}/members", {"email": "newbie@example.com", "role": "viewer"})
    assert status == 409 and ports.store.collection("emails").count({"to": "newbie@example.com"}) == 1   # no 2nd e-mail
    [mail] = wait_mail(data, "newbie@example.com", "invited you to Acme")
    listed = wait_for(lambda: [i for i in boss.call("GET", f"/orgs/{org}/invitations")[1]["items"]
                               if i["email_status"]["status"] == "sent"], 10, what="the invitation e-mail sent")
    assert listed[0]["email_status"]["sent"] and listed[0]["email_status"]["error"] is None
    assert "as developer" in mail.text
    signup_link = urlparse(mail.link("/signup"))
    first_token = parse_qs(signup_link.query)["invitation"][0]
    assert parse_qs(signup_link.query) == {"email": ["newbie@example.com"], "invitation": [first_token]}
    assert parse_qs(urlparse(mail.link("/login")).query)["invitation"] == [first_token]
    status, err = boss.call("POST", f"/orgs/{org}/invitations/{inv['id']}/resend")
    assert status == 429 and err["error"]["field"] == "invitation"
    ports.store.collection("invitations").update(inv["id"], {"last_sent": iso_from_epoch(time.time() - 120),
                                                             "expires": iso_from_epoch(time.time() - 1)})
    _, listing = boss.call("GET", f"/orgs/{org}/invitations")
    assert listing["items"][0]["status"] == "expired"
    status, again = boss.call("POST", f"/orgs/{org}/invitations/{inv['id']}/resend")
    assert status == 202 and again["sends"] == 2 and again["status"] == "pending", again
    newest = wait_mail(data, "newbie@example.com", "invited you", count=2)[-1]
    token = parse_qs(urlparse(newest.link("/signup")).query)["invitation"][0]
    assert token != first_token   # the earlier e-mail's links ended with the resend
    status, err = api.call("POST", "/auth/signup", {"email": "newbie@example.com", "password": PW, "invitation": first_token})
    assert status == 422 and err["error"]["field"] == "invitation"
    # a developer may not resend; another organization sees nothing
    status, joined = api.call("POST", "/auth/signup", {"email": "newbie@example.com", "password": PW, "invitation": token})
    assert status == 201 and joined["organization"]["id"] == org
    dev = Api(api.client, joined["token"])
    status, other = boss.call("POST", f"/orgs/{org}/members", {"email": "second@example.com", "role": "viewer"})
    assert dev.call("POST", f"/orgs/{org}/invitations/{other['id']}/resend")[0] == 403
    stranger = signup(api, "stranger@example.com", org="Else")
    assert api.call("POST", f"/orgs/{org}/invitations/{other['id']}/resend", token=stranger["token"])[0] == 404


def test_a_password_change_is_told_by_email(api, launchbay_env, notify_worker):
    signup(api, "careful@example.com", org="Acme")
    status, session = api.call("POST", "/auth/login", {"email": "careful@example.com", "password": PW})
    status, changed = api.call("POST", "/auth/password", {"current_password": PW, "new_password": NEW_PW},
                               token=session["token"])
    assert status == 200, changed
    [notice] = wait_mail(launchbay_env["LAUNCHBAY_DATA_DIR"], "careful@example.com", "password was changed")
    assert "from the account's settings" in notice.text
