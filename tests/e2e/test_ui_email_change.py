"""Changing the account's e-mail address in the web UI, in chromium against the whole stack plus the
notify worker, which sends the e-mails (to the sandbox mailbox, <data dir>/mail/*.eml; ui_stack runs
deploys, default and search only).

A person signs up, opens the account page and asks to change the address (the password asked): the
answer says where the link went and that the address stays the old one meanwhile, with the Sandbox
note, and the section says the change waits for its link. The old address gets a notice, the new one
the link; opened in the same browser, it says the address changed and every session was signed out,
and this browser's session is forgotten. "Log in with NEW" opens the log-in with the new address
filled in, which signs in; the account page shows the new address and no change waiting. The same
link opened again does not work.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re
import uuid

from tests.e2e.ui_a11y import assert_accessible
from tests.e2e.ui_browser import BROWSER_MARKS, expect, shot, sign_up, watch_errors
from tests.support import mailbox

pytestmark = BROWSER_MARKS

PASSWORD = "a long password"
LINK_SUBJECT = "Confirm your new e-mail address for Launchbay"
NOTICE_SUBJECT = "A change of your Launchbay e-mail address was asked for"


def test_change_the_address_follow_the_link_and_log_in_with_it(page, base, tmp_path, notify_worker):
    data_dir = tmp_path / "data"   # the `base` fixture's stack keeps its data (and its mailbox) there
    tag = uuid.uuid4().hex[:6]
    old, new = f"old-{tag}@example.com", f"new-{tag}@example.com"

    sign_up(page, old, PASSWORD)
    page.get_by_role("navigation", name="User").get_by_role("link", name=old).click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()

    # ask for the change: the password is asked (two-factor is off: no code field)
    check = watch_errors(page)
    page.get_by_role("button", name="Change address").click()
    form = page.get_by_role("form", name="Change your e-mail address")
    expect(form.get_by_label("Code from your app")).to_have_count(0)
    form.get_by_label("New e-mail address").fill(new)
    form.get_by_label("Your password").fill(PASSWORD)
    assert_accessible(page, "account, the address change form")
    form.get_by_role("button", name="Send a link").click()
    expect(page.get_by_text(re.compile(r"^Check "))).to_have_text(
        f"Check {new} for a link; your address stays {old} until then.")
    note = page.locator(".email-change .sandbox-note")
    expect(note).to_contain_text("Sandbox")
    expect(note).to_contain_text(str((data_dir / "mail").resolve()))
    expect(page.get_by_text(re.compile(r"^Change to "))).to_contain_text(f"Change to {new} waits for its link (until ")
    expect(page.get_by_role("button", name="Send again")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel", exact=True)).to_be_visible()
    check()
    assert_accessible(page, "account, a change of address waiting")
    shot(page, "email-change-waiting")

    # the old address is told; the new one gets the link
    mailbox.wait_mail(data_dir, old, NOTICE_SUBJECT)
    mail = mailbox.wait_mail(data_dir, new, LINK_SUBJECT)[-1]
    link = mail.link("/confirm-email-change")
    assert link.startswith(base + "/confirm-email-change?token="), link

    # opened in this (signed-in) browser: the address moves, every session ends, this one is forgotten
    check = watch_errors(page)
    page.goto(link)
    expect(page.get_by_role("heading", name="Address changed", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(
        f"Your address is now {new}. Every session was signed out: log in with the new address.")
    assert page.evaluate("localStorage.getItem('launchbay.token')") is None
    assert_accessible(page, "address changed")
    check()

    # onward: the log-in with the new address filled in
    page.get_by_role("link", name=f"Log in with {new}").click()
    expect(page.get_by_role("heading", name="Sign in to Launchbay", level=1)).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(new)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Acme", level=1)).to_be_visible()
    page.get_by_role("navigation", name="User").get_by_role("link", name=new).click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Signed in as "))).to_contain_text(f"{new} confirmed")
    expect(page.get_by_role("button", name="Change address")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Change to "))).to_have_count(0)

    # the link worked once: opened again, it says so
    page.goto(link)
    expect(page.get_by_role("heading", name="This link does not work", level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("was used or cancelled already, or has expired")
