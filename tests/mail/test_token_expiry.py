"""A week's notice before an API token expires: once per token, only for tokens meant to live
longer than a week, and not for someone who turned it off."""
from __future__ import annotations

import time

import pytest

from chalicelib.accounts import expiry
from chalicelib.core.ids import iso_from_epoch
from chalicelib.mail import service as mail
from tests.support.api import Api, signup
from tests.support.mailbox import messages

pytestmark = pytest.mark.services
DAY = 86400


def _send_queued(ports) -> None:
    """What the notify worker does with each queued e-mail, here in-process."""
    for doc in ports.store.collection("emails").find({"status": "pending"}, limit=50)[0]:
        assert mail.attempt(ports, ports.mailer, doc["id"], 1).state == "sent"


def test_owners_hear_a_week_before_their_token_expires(api, ports, launchbay_env):
    data = launchbay_env["LAUNCHBAY_DATA_DIR"]
    me = Api(api.client, signup(api, "ci-owner@example.com", org="Acme")["token"])
    quiet = Api(api.client, signup(api, "quiet@example.com", org="Quiet")["token"])
    assert quiet.call("PATCH", "/me/notifications", {"token_expiry": False})[1]["token_expiry"] is False
    _, ci = me.call("POST", "/tokens", {"name": "ci", "expires_days": 90})
    _, short = me.call("POST", "/tokens", {"name": "one-off", "expires_days": 3})     # its end is no surprise
    _, forever = me.call("POST", "/tokens", {"name": "forever"})                       # no end
    _, theirs = quiet.call("POST", "/tokens", {"name": "ci", "expires_days": 90})
    tokens = ports.store.collection("tokens")
    now = time.time()
    assert expiry.warn_expiring(ports, now) == 0            # nothing ends within a week yet
    for tok in (ci, theirs):                                 # 85 days later, as it were
        tokens.update(tok["id"], {"created": iso_from_epoch(now - 85 * DAY), "expires": iso_from_epoch(now + 5 * DAY)})

    assert expiry.warn_expiring(ports, now) == 1
    assert expiry.warn_expiring(ports, now) == 0             # told once
    _send_queued(ports)
    [notice] = [m for m in messages(data) if "API token" in m.subject]   # beside the sign-ups' confirmations
    assert notice.to == "ci-owner@example.com" and notice.subject == "Your Launchbay API token 'ci' expires in 5 days"
    assert f"({ci['prefix']}…)" in notice.text and "launchbay tokens create --name ci-new" in notice.text
    assert tokens.get(short["id"])["expiry_warned"] is True and tokens.get(theirs["id"])["expiry_warned"] is True
    assert not tokens.get(forever["id"]).get("expiry_warned")
