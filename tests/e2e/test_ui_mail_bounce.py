"""E-mail that bounced or was marked as spam, in the web UI, in chromium against the whole stack plus
the notify worker, which sends the e-mails and reads SES's feedback (in the sandbox: the mailbox
simulator's addresses, through a real SNS topic and SQS queue in moto). The beat asks for the feedback
every minute; the tests ask at once (`RECEIVE_MAIL_FEEDBACK` on the stack's queue, as the beat does).

- An owner invites bounce@simulator.amazonses.com from the Members page; the invitation e-mail goes
  out and bounces: the Invitations table says "bounced" with the receiving server's words. Sent
  again, it is not sent at all (the address is held back): "not sent" and why.
- A person signs up with complaint+…@simulator.amazonses.com: the confirmation e-mail is marked as
  spam, so mail to the address is held back: a banner says so above the unconfirmed-address banner
  (the account page says it in its e-mail section instead); *My mailbox works again* lifts it from the
  browser and the banner says mail goes there again.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re
import time
import uuid

from chalicelib import tasks
from chalicelib.core.ids import iso_from_epoch
from chalicelib.mail import feedback
from tests.e2e.ui_a11y import assert_accessible
from tests.e2e.ui_browser import BROWSER_MARKS, expect, fits_375, shot, sign_up, watch_errors
from tests.support import mailbox
from tests.support.processes import wait_for

pytestmark = BROWSER_MARKS

PASSWORD = "a long password"
BOUNCE = "bounce@simulator.amazonses.com"
WORDS = "smtp; 550 5.1.1 user unknown"


def _feedback_now(ports, done, what: str):
    """The beat's minute, now: the notify worker reads the feedback queue; asked again every 5 s until
    `done()` (SNS may hand the event to the queue a moment after the send)."""
    deadline = time.time() + 60
    while time.time() < deadline:
        ports.queue.publish(tasks.RECEIVE_MAIL_FEEDBACK)
        for _ in range(25):
            found = done()
            if found:
                return found
            time.sleep(0.2)
    raise AssertionError(f"timed out after 60 s waiting for {what}")


def test_an_invitation_that_bounces_shows_bounced_with_the_servers_words(page, base, tmp_path, ports, notify_worker):
    data_dir = tmp_path / "data"   # the `base` fixture's stack keeps its data (and its mailbox) there
    sign_up(page, f"owner-{uuid.uuid4().hex[:6]}@example.com", PASSWORD, "Bounce Co")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    page.get_by_label("Invite by email").fill(BOUNCE)
    page.get_by_role("button", name="Invite").click()
    expect(page.locator(".notice")).to_contain_text(f"{BOUNCE} (developer) is pending")

    mailbox.wait_mail(data_dir, BOUNCE, "invited you")   # the worker sent it (SES took it)
    emails = ports.store.collection("emails")
    _feedback_now(ports, lambda: emails.find_one({"to": BOUNCE, "status": "bounced"}), "the invitation's e-mail bounced")
    assert feedback.suppression(ports, BOUNCE)["detail"] == WORDS

    check = watch_errors(page)
    page.reload()
    row = page.get_by_role("table", name="Invitations").get_by_role("row").filter(has_text=BOUNCE)
    expect(row.locator("[data-email-status]")).to_have_text("bounced")
    expect(row).to_contain_text(f"bounced: {WORDS}")
    assert_accessible(page, "members with a bounced invitation")
    # the whole row in the page's column (Resend and Revoke too); on a phone the table scrolls in itself
    assert page.evaluate("(t => t.parentElement.scrollWidth <= t.parentElement.clientWidth)(document.querySelector('table.invitations'))")
    shot(page, "invitation-bounced")
    fits_375(page, "members with a bounced invitation")
    check()

    # sent again, a minute later: the held-back address gets nothing, and the row says why
    inv = ports.store.collection("invitations").find_one({"email": BOUNCE})
    ports.store.collection("invitations").update(inv["id"], {"last_sent": iso_from_epoch(time.time() - 120)})
    page.reload()
    row.get_by_role("button", name=f"Resend the invitation for {BOUNCE}").click()
    expect(row.get_by_role("status")).to_have_text("Sent.")
    wait_for(lambda: emails.find_one({"to": BOUNCE, "status": "failed"}), 30, what="the second e-mail refused")
    page.reload()
    expect(row.locator("[data-email-status]")).to_have_text("not sent")
    expect(row.locator("small")).to_have_text(re.compile(
        r"^the address bounced on \d{4}-\d\d-\d\d \(smtp; 550 5\.1\.1 user unknown\); nothing more goes there"))


def test_a_complaint_holds_the_address_back_until_lifted_from_the_banner(page, base, tmp_path, ports, notify_worker):
    data_dir = tmp_path / "data"
    email = f"complaint+{uuid.uuid4().hex[:6]}@simulator.amazonses.com"
    sign_up(page, email, PASSWORD, "Spam Co")
    mailbox.wait_mail(data_dir, email, "Confirm your e-mail address")   # the confirmation e-mail went out
    _feedback_now(ports, lambda: feedback.suppression(ports, email), "the complaint recorded")

    check = watch_errors(page)
    page.reload()
    banner = page.locator(".delivery-banner")
    expect(banner).to_have_attribute("role", "status")
    expect(banner).to_contain_text(re.compile(
        rf"^E-mail to {re.escape(email)} is held back: you marked a Launchbay e-mail as spam on .+ \(abuse\)\. "
        r"Nothing is e-mailed to it, a new confirmation link included, until you say your mailbox works again\."))
    expect(page.locator(".verify-banner")).to_contain_text("Confirm your e-mail address")   # both, the cause first
    assert page.evaluate("document.querySelector('.delivery-banner').nextElementSibling.classList.contains('verify-banner')")
    assert_accessible(page, "projects with both banners")
    shot(page, "mail-held-back-banner")
    fits_375(page, "projects with both banners")

    # the account page says it in its e-mail section, with the same button (and no banner)
    page.get_by_role("navigation", name="User").get_by_role("link", name=email).click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    held = page.locator(".delivery-held")
    expect(held).to_contain_text(f"held back E-mail to {email} is held back: you marked a Launchbay e-mail as spam on")
    expect(held.get_by_role("button", name="My mailbox works again")).to_be_visible()
    expect(banner).to_have_count(0)
    assert_accessible(page, "account with mail held back")

    # lifted from the banner: it says mail goes there again; the next page has no banner
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    expect(page.get_by_role("heading", name="Spam Co", level=1)).to_be_visible()
    banner.get_by_role("button", name="My mailbox works again").click()
    expect(banner).to_have_text(f"E-mail goes to {email} again.")
    assert feedback.suppression(ports, email) is None
    expect(page.locator(".verify-banner")).to_be_visible()   # still unconfirmed
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    expect(banner).to_have_count(0)
    check()
