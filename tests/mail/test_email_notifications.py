"""Notifications by e-mail: to members of the organization only, through the mail queue."""
from __future__ import annotations

import pytest

from tests.support.api import Api, confirm_address, signup
from tests.support.mailbox import invitation_token, wait_mail
from tests.support.processes import CeleryWorker, wait_for

pytestmark = pytest.mark.services
PW = "correct horse battery"


def test_email_subscriptions_reach_members_and_only_members(api, launchbay_env):
    data = launchbay_env["LAUNCHBAY_DATA_DIR"]
    owner = signup(api, "lead@example.com", org="Acme")
    confirm_address(api, "lead@example.com")   # news goes to confirmed addresses only
    boss = Api(api.client, owner["token"])
    org = owner["organization"]["id"]
    _, prj = boss.call("POST", f"/orgs/{org}/projects", {"name": "shop"})
    subs = f"/orgs/{org}/projects/{prj['id']}/notifications"
    boss.call("POST", f"/orgs/{org}/members", {"email": "oncall@example.com", "role": "viewer"})
    assert api.call("POST", "/auth/signup", {"email": "oncall@example.com", "password": PW,
                                            "invitation": invitation_token("oncall@example.com")})[0] == 201   # joins Acme
    for body, field in (({"kind": "email", "emails": ["outsider@example.com"]}, "emails"),
                        ({"kind": "email", "emails": ["lead@example.com"], "url": "https://example.com/x"}, "url"),
                        ({"kind": "email"}, "emails"),
                        ({"kind": "webhook", "url": "https://example.com/x", "emails": ["lead@example.com"]}, "emails"),
                        ({"kind": "webhook"}, "url")):
        status, err = boss.call("POST", subs, body)
        assert status == 422 and err["error"]["field"] == field, (body, err)
    status, sub = boss.call("POST", subs, {"kind": "email", "name": "team",
                                           "emails": ["Lead@example.com", "oncall@example.com", "lead@example.com"]})
    assert status == 201, sub
    assert sub["emails"] == ["lead@example.com", "oncall@example.com"] and sub["url_hint"] is None
    assert "secret" not in sub and sub["signed"] is False
    status, err = boss.call("PATCH", f"{subs}/{sub['id']}", {"url": "https://example.com/x"})
    assert status == 422 and err["error"]["field"] == "url"

    worker = CeleryWorker(launchbay_env, ["notify"], name="mail").start()
    try:
        assert boss.call("POST", f"{subs}/{sub['id']}/test")[0] == 202
        for to in ("lead@example.com", "oncall@example.com"):
            [mail] = wait_mail(data, to, "Test notification")
            assert mail.subject == "Test notification from Launchbay: this subscription works."
        # the on-call engineer leaves: the subscription no longer reaches them
        _, members = boss.call("GET", f"/orgs/{org}/members")
        gone = next(m["user"]["id"] for m in members["items"] if m["user"]["email"] == "oncall@example.com")
        assert boss.call("DELETE", f"/orgs/{org}/members/{gone}")[0] == 204
        status, patched = boss.call("PATCH", f"{subs}/{sub['id']}", {"emails": ["oncall@example.com"]})
        assert status == 422 and patched["error"]["field"] == "emails"
        boss.call("POST", f"{subs}/{sub['id']}/test")
        wait_mail(data, "lead@example.com", "Test notification", count=2)

        def settled():
            _, page = boss.call("GET", f"{subs}/{sub['id']}/deliveries")
            items = page["items"]
            return len(items) == 2 and all(d["status"] == "delivered" for d in items) and items
        wait_for(settled, 30, what="two delivered e-mail deliveries")
    finally:
        worker.stop()
    assert len(wait_mail(data, "oncall@example.com", "Test notification")) == 1
