"""Proving an e-mail address in the web UI, in chromium against the whole stack plus the notify worker,
which sends the e-mails (to the sandbox mailbox, <data dir>/mail/*.eml; ui_stack runs deploys, default
and search only).

- A person signs up with an organization of their own: the banner under the top bar asks to confirm
  the address (a new link asked for at once is refused with the wait); the confirmation e-mail
  arrives; its link, opened, says "Address confirmed" and leads back to the app, where the banner is
  gone and the account page says the address is confirmed. The same link opened again does not work.
- An owner invites an address from the Members page; the invitation e-mail's sign-up link opens the
  sign-up form with the address filled in and the organization optional; signed up without one, the
  person lands in the inviting organization, with no banner (the link proved the address), and the
  owner's Members page lists them.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re
import uuid

from tests.e2e.ui_a11y import assert_accessible
from tests.e2e.ui_browser import BROWSER_MARKS, expect, fits_375, shot, sign_up, watch_errors
from tests.support import mailbox

pytestmark = BROWSER_MARKS

PASSWORD = "a long password"
CONFIRM_SUBJECT = "Confirm your e-mail address for Launchbay"


def _banner(page):
    return page.locator(".verify-banner")


def test_sign_up_confirm_the_address_and_the_banner_goes(page, base, tmp_path, notify_worker):
    data_dir = tmp_path / "data"   # the `base` fixture's stack keeps its data (and its mailbox) there
    email = f"proof-{uuid.uuid4().hex[:6]}@example.com"

    sign_up(page, email, PASSWORD)
    banner = _banner(page)
    expect(banner).to_have_attribute("role", "status")
    expect(banner).to_contain_text(
        f"Confirm your e-mail address: we sent a link to {email}. Invitations to this address, and e-mails about deploys, wait until you do.")
    assert_accessible(page, "projects with the address banner")
    shot(page, "verify-banner")
    # the sign-up's link went out less than a minute ago: a new one is refused, with the wait
    banner.get_by_role("button", name="Send a new link").click()
    expect(banner.get_by_role("alert")).to_have_text(
        re.compile(r"^a link was e-mailed less than 60 s ago: wait a moment\. You can try again in \d+ (second|minute)"))
    fits_375(page, "projects with the address banner")
    page.set_viewport_size({"width": 1280, "height": 860})

    # the worker writes the e-mail; its link confirms the address
    mail = mailbox.wait_mail(data_dir, email, CONFIRM_SUBJECT)[-1]
    link = mail.link("/verify-email")
    assert link.startswith(base + "/verify-email?token="), link
    check = watch_errors(page)
    page.goto(link)
    expect(page.get_by_role("heading", name="Address confirmed", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"{email} is confirmed. No invitation waited for it.")
    assert_accessible(page, "address confirmed")
    page.get_by_role("link", name="Go to Launchbay").click()
    expect(page.get_by_role("heading", name="Acme", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(_banner(page)).to_have_count(0)
    page.get_by_role("navigation", name="User").get_by_role("link", name=email).click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Signed in as "))).to_contain_text(f"{email} confirmed")
    check()

    # the link worked once: opened again, it says so and how to get a new one
    page.goto(link)
    expect(page.get_by_role("heading", name="This link does not work", level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("was used already or has expired")
    expect(page.get_by_text(re.compile("Send a new link"))).to_be_visible()


def test_an_invitation_link_signs_up_into_the_inviting_organization(page, base, tmp_path, notify_worker):
    data_dir = tmp_path / "data"
    owner = f"owner-{uuid.uuid4().hex[:6]}@example.com"
    guest = f"guest-{uuid.uuid4().hex[:6]}@example.com"

    page.goto("/signup")
    page.get_by_label("Email").fill(owner)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Organization").fill("Inviting Co")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Inviting Co", level=1)).to_be_visible()
    org = re.search(r"/orgs/([^/]+)", page.url).group(1)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    page.get_by_label("Invite by email").fill(guest)
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Invite").click()
    expect(page.locator(".notice")).to_contain_text(f"{guest} (viewer) is pending")
    page.get_by_role("navigation", name="User").get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    # the invitation e-mail's sign-up link: the address filled in, the organization optional
    mail = mailbox.wait_mail(data_dir, guest, "invited you")[-1]
    link = mail.link("/signup")
    assert link.startswith(base + "/signup?") and "invitation=" in link, link
    check = watch_errors(page)
    page.goto(link)
    expect(page.get_by_role("heading", name="Create your Launchbay account", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile("^You were invited to an organization on Launchbay"))).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(guest)
    expect(page.get_by_text("Optional: you join the organization that invited you; name one only to also create your own.")).to_be_visible()
    assert_accessible(page, "sign-up from an invitation")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(rf"/orgs/{org}$"))
    expect(page.get_by_role("heading", name="Inviting Co", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="User").get_by_role("link", name=guest)).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(_banner(page)).to_have_count(0)   # the invitation's link proved the address
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    members = page.get_by_role("table", name="Members")
    expect(members.get_by_role("row").filter(has_text=guest)).to_contain_text("viewer")
    expect(members.get_by_role("row").filter(has_text=guest)).not_to_contain_text("not confirmed")
    check()
