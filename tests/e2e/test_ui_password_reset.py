"""A forgotten password in the web UI, in chromium against the whole stack (gunicorn, Celery workers
and beat, Redis, the moto sandbox) plus the notify worker, which looks the account up and sends the
e-mail (ui_stack runs deploys, default and search only).

A new user signs up and logs out; "Forgot your password?" under the sign-in form carries the
address typed there; the answer's message and the Sandbox note (where the .eml files go) show; the
reset link is read from the newest .eml file in <data dir>/mail/ and opened; the browser refuses two
different passwords before sending (the page fits a phone); the new one is set ("Password changed"), the link's "Sign in"
has the address filled in, the old password is refused and the new one signs in. The same link
opened again says it does not work and offers a new one.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

from tests.e2e.ui_a11y import assert_accessible
from tests.e2e.ui_browser import BROWSER_MARKS, expect, fits_375, shot, sign_up, watch_errors
from tests.support import mailbox

pytestmark = BROWSER_MARKS

OLD = "a long password"
NEW = "a brand new passphrase"


def _newest_eml(folder: Path) -> mailbox.Mail:
    files = sorted(folder.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    assert files, f"no .eml file in {folder}"
    return mailbox.read(files[-1])


def test_forgot_password_reset_link_and_sign_in(page, base, tmp_path, notify_worker):
    data_dir = tmp_path / "data"   # the `base` fixture's stack keeps its data (and its mailbox) there
    email = f"reset-{uuid.uuid4().hex[:6]}@example.com"

    sign_up(page, email, OLD)
    page.get_by_role("navigation", name="User").get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    # forgot password, from the sign-in form: the address typed there comes along
    page.get_by_label("Email").fill(email)
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?", level=1)).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(email)
    assert_accessible(page, "forgot password")
    check = watch_errors(page)
    page.get_by_role("button", name="Send me a link").click()
    sent = page.get_by_role("status")
    expect(sent).to_contain_text(f"if an account uses {email}, a link to choose a new password is on its way")
    note = page.locator(".sandbox-note")
    expect(note).to_contain_text("Sandbox")
    expect(note).to_contain_text(str((data_dir / "mail").resolve()))
    check()
    shot(page, "forgot-password-sandbox")
    fits_375(page, "forgot password, answered")   # the mailbox's long path breaks inside its note

    # the worker looks the account up and writes the e-mail: the link is in the newest .eml file
    mailbox.wait_mail(data_dir, email, "Reset your Launchbay password")
    mail = _newest_eml(data_dir / "mail")
    assert mail.to == email and mail.subject == "Reset your Launchbay password", (mail.to, mail.subject)
    link = mail.link("/reset-password")
    assert link.startswith(base + "/reset-password?token="), link

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password", level=1)).to_be_visible()
    assert_accessible(page, "reset password")
    check = watch_errors(page)
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("Confirm new password").fill(NEW + "!")
    page.get_by_role("button", name="Change password").click()   # refused in the browser: nothing sent
    confirm = page.locator(".field").filter(has=page.get_by_label("Confirm new password"))
    expect(confirm.get_by_role("alert")).to_have_text("The two passwords differ: type the same one twice.")
    expect(page.get_by_label("Confirm new password")).to_be_focused()
    page.get_by_label("Confirm new password").fill(NEW)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Password changed", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(rf"The password of {re.escape(email)} is changed\. 0 sessions signed out and 0 API tokens revoked"))
    check()
    # the account is told as well
    mailbox.wait_mail(data_dir, email, "Your Launchbay password was changed")

    # "Sign in": the address filled in; the old password is refused, the new one signs in
    page.get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login\?email="))
    expect(page.get_by_role("heading", name="Sign in to Launchbay")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(email)
    page.get_by_label("Password").fill(OLD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".field-error, .form-error").first).to_be_visible()
    page.get_by_label("Password").fill(NEW)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Acme")).to_be_visible()

    # the link worked once: opened again, it says so and offers a new one
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("yet another passphrase")
    page.get_by_label("Confirm new password").fill("yet another passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="This link does not work", level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("was used already or has expired")
    page.get_by_role("link", name="Ask for a new link").click()
    expect(page.get_by_role("heading", name="Forgot your password?", level=1)).to_be_visible()
