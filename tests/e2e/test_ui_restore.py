"""A database restored to a point in time in the web UI, in chromium against the whole stack
(gunicorn, Celery workers and beat, Redis, the moto sandbox).

A PostgreSQL database is added on the project's Resources page, becomes available and is linked to
a web service that is deployed live. The database's page says its restore window on the person's
clock and in UTC; "Restore to a point in time" opens a dialog (a name the API would refuse is
refused at its field before asking), restores at the latest restorable time with "Switch links",
and opens the copy's page: creating, then available (moto restores it from the source), saying
where it was restored from. The service's Resources tab then links the copy, not the source, and
the service was redeployed onto it (a second deployment goes live); the Resources page's row says
"restored from db at the latest time". The database's page and the dialog pass ui_a11y's checks at
1280 and 375 px and fit a phone, with no failing request or console error.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re

from tests.e2e.ui_a11y import assert_accessible
from tests.e2e.ui_browser import (
    BROWSER_MARKS,
    create_web_service,
    deploy_and_wait,
    expect,
    fits_375,
    shot,
    sign_up_with_project,
    watch_errors,
)

pytestmark = BROWSER_MARKS


def test_a_database_restored_at_the_latest_time_takes_over_its_links(page, base):
    project_url = sign_up_with_project(page, "restore")
    svc_url = create_web_service(page)
    check_errors = watch_errors(page)

    # a postgres database, available, linked to the web service, which goes live with it
    page.goto(project_url + "/resources")
    page.get_by_role("button", name="Add a resource").click()
    form = page.get_by_role("form", name="Add a resource")
    form.get_by_label("Name").fill("db")
    form.get_by_role("button", name="Add PostgreSQL").click()
    expect(form).to_have_count(0)
    table = page.get_by_role("table", name="Resources in production")
    row = table.locator("tr[data-resource=db]")
    expect(row.locator(".badge")).to_have_attribute("data-status", "available", timeout=60_000)
    page.goto(svc_url + "/resources")
    page.get_by_role("form", name="Link a resource").get_by_role("button", name="Link").click()
    expect(page.get_by_role("status").filter(has_text="Linked db")).to_contain_text("the next deploy gives web DATABASE_URL")
    page.goto(svc_url)
    deploy_and_wait(page, "live")

    # its page: the window on both clocks, and the action
    page.goto(project_url + "/resources")
    row.get_by_role("link", name="db").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("^db"))).to_be_visible()
    db_page = page.url
    section = page.get_by_role("region", name="Point-in-time restore")
    expect(section.get_by_test_id("restore-window")).to_have_text(re.compile(
        r"^Restorable to any second from \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? your time \(.*UTC\) to .* your time \(.*UTC\): "
        r"backups are kept 7 days\.$"))
    assert_accessible(page, "a database's page")
    page.set_viewport_size({"width": 375, "height": 740})
    assert_accessible(page, "a database's page, at 375 px")
    shot(page, "mobile-database-restore")
    fits_375(page, "a database's page")   # (back to 1280 px after)

    # the dialog: the copy's name checked before asking, the latest time, Switch links
    section.get_by_role("button", name="Restore to a point in time").click()
    dialog = page.get_by_role("dialog", name="Restore db to a point in time")
    name = dialog.get_by_label("Name of the copy")
    expect(name).to_be_focused()
    expect(name).to_have_value("db-restored")
    expect(dialog.get_by_role("radio", name="Latest restorable time")).to_be_checked()
    expect(dialog.get_by_label("Instance class")).to_have_value("db.t4g.micro")
    switch = dialog.get_by_role("checkbox", name="Switch links")
    expect(switch).to_have_accessible_description(re.compile(
        r"^Once the copy is available, the services that link db link the copy instead and are redeployed; db stays until you delete it\."))
    # a chosen time: the input is bounded by the window, and said in UTC
    dialog.get_by_role("radio", name="A chosen date and time").check()
    when = dialog.get_by_label(re.compile(r"^Date and time \(your time"))
    expect(when).to_have_attribute("type", "datetime-local")
    expect(when).to_have_accessible_description(re.compile(r"^That is \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC\. Within the window from "))
    assert_accessible(page, "the restore dialog with a chosen time")
    page.set_viewport_size({"width": 375, "height": 740})
    assert_accessible(page, "the restore dialog, at 375 px")
    shot(page, "mobile-restore-dialog")
    fits_375(page, "the restore dialog")
    dialog.get_by_role("radio", name="Latest restorable time").check()
    expect(when).to_have_count(0)
    name.fill("DB copy")
    dialog.get_by_role("button", name="Restore").click()
    expect(name).to_have_accessible_description(re.compile(r"lower-case letters, digits and hyphens, starting with a letter"))
    expect(name).to_be_focused()
    name.fill("db-restored")
    switch.check()
    shot(page, "restore-dialog")
    dialog.get_by_role("button", name="Restore").click()

    # the copy's page: creating, then available; where from
    expect(dialog).to_have_count(0)
    expect(page).not_to_have_url(db_page)
    heading = page.get_by_role("heading", level=1, name=re.compile("^db-restored"))
    expect(heading).to_be_visible()
    expect(heading.locator(".badge")).to_have_attribute("data-status", "available", timeout=60_000)
    origin = page.get_by_test_id("restored-from")
    expect(origin).to_have_text("db at the latest restorable time when asked; db's links were moved here once it was available")
    expect(page.get_by_test_id("resource-address")).to_contain_text(":5432")
    shot(page, "restored-database")

    # the service links the copy now, and was redeployed onto it
    page.goto(svc_url + "/resources")
    links = page.get_by_role("table", name="Linked resources")
    expect(links.locator("tr[data-link=db-restored]")).to_contain_text("DATABASE_URL")
    expect(links.locator("tr[data-link=db]")).to_have_count(0)
    page.goto(svc_url)
    deployments = page.locator(".deploy-list > li")
    expect(deployments).to_have_count(2)
    expect(deployments.first.locator(".badge")).to_have_attribute("data-status", "live", timeout=90_000)

    # the list says where the copy came from; the source stays
    page.goto(project_url + "/resources")
    expect(table.locator("tr[data-resource=db-restored] .restored-from")).to_have_text("restored from db at the latest time")
    expect(row.locator(".badge")).to_have_attribute("data-status", "available")
    origin_link = table.locator("tr[data-resource=db-restored]").get_by_role("link", name="db-restored")
    origin_link.click()
    page.get_by_test_id("restored-from").get_by_role("link", name="db").click()
    expect(page).to_have_url(db_page)
    page.wait_for_load_state("networkidle")
    check_errors()
