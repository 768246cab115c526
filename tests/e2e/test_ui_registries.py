"""Private container registries in the web UI, in chromium against the whole stack (gunicorn, Celery
workers and beat, Redis, the moto sandbox) and a real registry on loopback (tests/support/registry.py:
the registry API v2 with a token service, as GHCR answers; the sandbox API signs in to loopback
registries for real).

A new owner opens Registries from the top bar: the page says what credentials are for. A wrong
password is refused by the registry and the API's words show at the password field (focused), with
nothing saved; the right one signs in: the page says so, the password field is empty again and the
list shows the registry signed in, the user name and the password's last four characters only. A
web service whose image is in that registry says on its page that it pulls with those credentials;
its deploy plan's image step signs in to the registry, and the deploy goes live. Removing the
credentials (asked first) empties the list and the service page's note goes. The page passes
ui_a11y's checks and fits a phone, with no failing request or console error once the refused
password is behind.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re

from tests.e2e.ui_a11y import assert_accessible
from tests.e2e.ui_browser import (
    BROWSER_MARKS,
    create_web_service,
    deployment_badge,
    expect,
    fits_375,
    shot,
    sign_up_with_project,
    watch_errors,
)

pytestmark = BROWSER_MARKS

PASSWORD = "s3cret-pull-pass"   # tests/conftest.py's `registry`: user bot, image acme/api:1.0


def test_registry_credentials_set_in_the_ui_sign_in_and_a_private_image_deploys_with_them(page, base, registry):
    host = registry.host   # 127.0.0.1:PORT
    project_url = sign_up_with_project(page, "registry")

    # the page, from the top bar
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Registries").click()
    expect(page.get_by_role("heading", level=1, name="Container registries")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Deploys of images in these registries pull with these credentials")
    expect(page.locator("main")).to_contain_text("Amazon ECR needs none")
    expect(page.get_by_text("No registry credentials")).to_be_visible()
    registries_url = page.url
    form = page.get_by_role("form", name="Registry credentials")
    password = form.get_by_label("Password or access token")
    expect(password).to_have_attribute("type", "password")

    # a wrong password: the registry refuses it, the API's words at the password field
    form.get_by_label("Registry host").fill(host)
    form.get_by_label("User name").fill("bot")
    password.fill("wrong-password")
    form.get_by_role("button", name="Save credentials").click()
    expect(password).to_have_accessible_description(re.compile(r"refused the credentials of bot.*nothing was saved"))
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_be_focused()
    expect(page.get_by_text("No registry credentials")).to_be_visible()

    # the right one signs in; the password leaves the page
    check_errors = watch_errors(page)
    password.fill(PASSWORD)
    form.get_by_role("button", name="Save credentials").click()
    said = page.get_by_test_id("registry-said")
    expect(said).to_have_text(re.compile(rf"^Signed in to {re.escape(host)} as bot\. Deploys of images in {re.escape(host)} pull "
                                         "with these credentials from their next start\\.$"))
    expect(password).to_have_value("")
    expect(password).not_to_have_attribute("aria-invalid", "true")
    row = page.get_by_role("table", name="Container registries").locator(f'tr[data-registry="{host}"]')
    expect(row.get_by_test_id("registry-check").locator(".badge")).to_have_text("signed in")
    expect(row.get_by_test_id("registry-check").locator(".badge")).to_have_attribute("data-ok", "true")
    expect(row).to_contain_text("bot")
    expect(row).to_contain_text("set …pass")
    expect(page.locator("main")).not_to_contain_text(PASSWORD)
    assert any(user == "bot" for _, _, user in registry.requests), registry.requests   # it really signed in
    assert_accessible(page, "the registries page with credentials")
    shot(page, "registries")
    fits_375(page, "the registries page")

    # a web service with an image in that registry: its page says it pulls with the credentials
    page.goto(project_url)
    svc_url = create_web_service(page, image=f"{host}/acme/api:1.0")
    note = page.get_by_test_id("pull-credentials")
    expect(note).to_have_text(f"pulls with credentials for {host} (bot)")
    expect(note.get_by_role("link", name=host)).to_have_attribute("href", re.compile(r"/orgs/[^/]+/registries$"))

    # its deploy signs in to the registry (the plan says so) and goes live
    page.get_by_role("button", name="Deploy", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("^Deploy "))
    plan = dialog.get_by_role("list", name="What this deploy does")
    expect(plan).to_be_visible(timeout=30_000)
    expect(plan.locator("[data-step=image]")).to_contain_text(f"signs in to {host} as bot")
    expect(plan.locator("[data-step=image]")).to_contain_text("registry credentials")
    expect(dialog).not_to_contain_text(PASSWORD)
    dialog.get_by_role("button", name="Deploy now").click()
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    expect(deployment_badge(page)).to_have_attribute("data-status", "live", timeout=90_000)
    expect(page.locator("main")).not_to_contain_text(PASSWORD)

    # removed (asked first): the list is empty, and the service page's note goes
    page.goto(registries_url)
    remove = page.get_by_role("button", name=f"Remove the credentials for {host}")
    remove.click()
    question = page.get_by_role("group", name=f"Remove the credentials for {host}?")
    question.get_by_role("button", name="Keep").click()
    expect(question).to_have_count(0)
    expect(remove).to_be_focused()
    remove.click()
    question.get_by_role("button", name="Yes, remove").click()
    expect(said).to_have_text(re.compile(rf"^Removed the credentials for {re.escape(host)}"))
    expect(page.get_by_text("No registry credentials")).to_be_visible()
    page.goto(svc_url)
    expect(page.get_by_role("heading", level=1, name=re.compile("^web"))).to_be_visible()
    expect(page.get_by_text(f"{host}/acme/api:1.0", exact=True).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("pull-credentials")).to_have_count(0)
    check_errors()
