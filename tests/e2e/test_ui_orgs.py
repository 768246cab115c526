"""Organizations and sessions in the web UI, in chromium against the whole stack.

A person signs up (organization Acme), creates a second organization from "New organization" beside the
switcher and is switched to it, renames it in its settings (the Members page's end), and deletes it with
its name typed again: the switcher no longer lists it, Acme's page says it was deleted. Then, signed in a
second time elsewhere, the account page's "Where you're signed in" lists both sessions, this device
marked; signing the other one out ends it at once (its token is refused).

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re
import uuid

from tests.e2e.ui_a11y import assert_accessible
from tests.e2e.ui_browser import BROWSER_MARKS, expect, shot, watch_errors

pytestmark = BROWSER_MARKS

PASSWORD = "a long password"


def _fetch(page, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    """A call from the page, with the given token (none: no Authorization header)."""
    return page.evaluate(
        """async ([method, path, body, token]) => {
            const headers = {'Content-Type': 'application/json'};
            if (token) headers.Authorization = 'Bearer ' + token;
            const r = await fetch(path, {method, headers, body: body ? JSON.stringify(body) : undefined});
            return {status: r.status, body: r.status === 204 ? null : await r.json()};
        }""", [method, path, body, token])


def test_create_rename_delete_an_organization_and_sign_out_another_session(page, base):
    email = f"orgs-{uuid.uuid4().hex[:6]}@example.com"
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Organization").fill("Acme")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Acme", level=1)).to_be_visible()
    acme = re.search(r"/orgs/([^/]+)", page.url).group(1)
    switcher = page.get_by_role("combobox", name="Organization")

    # a second organization, from beside the switcher: one of the same name is refused at the field
    page.get_by_role("button", name="New organization").click()
    dialog = page.get_by_role("dialog", name="New organization")
    dialog.get_by_label("Organization name").fill("acme")
    dialog.get_by_role("button", name="Create organization").click()
    expect(dialog.locator(".field-error")).to_contain_text("already")
    assert_accessible(page, "new organization, its name refused")
    check = watch_errors(page)   # from here on, no request fails
    dialog.get_by_label("Organization name").fill("Side project")
    dialog.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("heading", name="Side project", level=1)).to_be_visible()
    expect(page.locator(".org-notice")).to_have_text("The organization Side project was created: you are its owner.")
    side = re.search(r"/orgs/([^/]+)", page.url).group(1)
    assert side != acme
    expect(switcher).to_have_value(side)

    # renamed in its settings
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    settings = page.get_by_role("region", name="Organization settings")
    expect(settings.get_by_label("Organization name")).to_have_value("Side project")
    settings.get_by_label("Organization name").fill("Side gig")
    settings.get_by_role("button", name="Rename").click()
    expect(settings.get_by_role("status")).to_have_text("Renamed to Side gig.")
    expect(switcher.locator("option", has_text="Side gig")).to_have_count(1)
    assert_accessible(page, "organization settings")
    shot(page, "org-settings")

    # deleted with its name typed again: gone from the switcher, Acme's page says so
    zone = page.get_by_role("region", name="Delete this organization")
    zone.get_by_role("button", name="Delete Side gig…").click()
    zone.get_by_label("Type Side gig to confirm").fill("Side gig")
    zone.get_by_role("button", name="Delete Side gig").click()
    expect(page.get_by_role("heading", name="Acme", level=1)).to_be_visible()
    expect(page.locator(".org-notice")).to_have_text("The organization Side gig was deleted.")
    expect(switcher.locator("option")).to_have_count(1)
    assert page.url.endswith(f"/orgs/{acme}")
    me = _fetch(page, "GET", "/v1/me", token=page.evaluate("localStorage.getItem('launchbay.token')"))
    assert [o["name"] for o in me["body"]["organizations"]] == ["Acme"], me
    check()

    # signed in a second time elsewhere: both sessions listed; the other one signed out from here
    other = _fetch(page, "POST", "/v1/auth/login", {"email": email, "password": PASSWORD})
    assert other["status"] == 200, other
    other_token = other["body"]["token"]
    page.get_by_role("navigation", name="User").get_by_role("link", name=email).click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    sessions = page.get_by_role("table", name="Sessions")
    expect(sessions.locator("tbody tr")).to_have_count(2)
    expect(sessions.locator("tr[data-current=true]")).to_contain_text("this device")
    expect(sessions.locator("tr[data-current=true]")).to_contain_text("Chrome on Linux")
    assert_accessible(page, "account, where you're signed in")
    check = watch_errors(page)
    sessions.locator("tr[data-current=false]").get_by_role("button", name=re.compile(r"^Sign out ")).click()
    expect(sessions.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("button", name="Sign out everywhere else")).to_have_count(0)
    check()
    assert _fetch(page, "GET", "/v1/me", token=other_token)["status"] == 401
    # this device's session still works
    page.reload()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
