"""Managed resources in the web UI, in chromium against the whole stack (gunicorn, Celery workers
and beat, Redis, the moto sandbox): a new user adds a PostgreSQL database from the project's
Resources page and watches it become available (the worker creates it in moto's RDS), links it to
a web service, deploys it live, is refused deleting it (protection, then the link: the API's reason
is shown), unlinks it, turns protection off and deletes it by typing its name.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re

from tests.e2e.ui_browser import (
    BROWSER_MARKS,
    create_web_service,
    deploy_and_wait,
    expect,
    fits_375,
    shot,
    sign_up_with_project,
)

pytestmark = BROWSER_MARKS


def test_add_link_deploy_refuse_unlink_and_delete_a_database(page, base):
    project_url = sign_up_with_project(page, "res")

    svc_url = create_web_service(page)

    # the project's Resources page: add a postgres database (the API's field error first)
    page.goto(project_url)
    page.get_by_role("link", name="Resources", exact=True).click()
    expect(page).to_have_url(re.compile(r"/projects/[^/]+/resources$"))
    expect(page.get_by_text("No resources yet")).to_be_visible()
    page.get_by_role("button", name="Add a resource").click()
    form = page.get_by_role("form", name="Add a resource")
    form.get_by_label("Kind").select_option("redis")
    expect(form.get_by_label("Node type")).to_be_visible()
    expect(form.get_by_label("Storage (GB)")).to_have_count(0)
    form.get_by_label("Kind").select_option("postgres")
    assert form.get_by_label("Version").locator("option").all_inner_texts() == ["17", "16", "15", "14"]
    expect(form.get_by_role("checkbox", name=re.compile("Deletion protection"))).to_be_checked()   # production
    form.get_by_label("Name").fill("Main DB")
    form.get_by_role("button", name="Add PostgreSQL").click()
    expect(form.locator(".field-error").filter(has=page.get_by_label("Name"))).to_contain_text("wrong format")
    form.get_by_label("Name").fill("main")
    form.get_by_role("button", name="Add PostgreSQL").click()
    expect(form).to_have_count(0)

    # it is polled while creating, then shows available with its endpoint
    row = page.get_by_role("table", name="Resources in production").locator("tr[data-resource=main]")
    expect(row.locator(".badge")).to_have_attribute("data-status", "available", timeout=60_000)
    expect(row).to_contain_text(re.compile(r":5432"))
    expect(row).to_contain_text("db.t4g.micro · v16 · 20 GB · backups 7 days")
    expect(row).to_contain_text("protected")
    shot(page, "resources")
    fits_375(page, "resources page")
    page.get_by_role("button", name="Add a resource").click()
    fits_375(page, "add a resource")
    form.get_by_role("button", name="Cancel").click()

    # link it to the service (default variable), see the note about the next deploy
    page.goto(svc_url + "/resources")
    expect(page.get_by_text("No linked resources")).to_be_visible()
    link_form = page.get_by_role("form", name="Link a resource")
    expect(link_form.get_by_label("Resource to link")).to_contain_text("main")
    link_form.get_by_role("button", name="Link").click()
    expect(page.get_by_role("status").filter(has_text="Linked main")).to_contain_text("the next deploy gives web DATABASE_URL")
    links = page.get_by_role("table", name="Linked resources")
    expect(links).to_contain_text("DATABASE_URL")
    expect(links.locator(".badge")).to_have_attribute("data-status", "available")
    assert "postgresql://" not in page.content()
    fits_375(page, "service resources tab")

    # deploy: the plan names the secret, the deploy goes live
    page.goto(svc_url)
    deploy_and_wait(page, "live")
    assert "postgresql://" not in page.content()

    # delete is refused while protected, then while linked: the API's reason in the dialog
    page.goto(project_url + "/resources")
    row = page.get_by_role("table", name="Resources in production").locator("tr[data-resource=main]")
    row.get_by_role("button", name="Delete main").click()
    dialog = page.get_by_role("dialog", name="Delete main?")
    expect(dialog).to_contain_text("final snapshot")
    delete = dialog.get_by_role("button", name="Delete main")
    expect(delete).to_be_disabled()
    dialog.get_by_label("Type main to confirm").fill("main")
    delete.click()
    expect(dialog.get_by_role("alert")).to_contain_text("has deletion protection: turn it off first")
    shot(page, "resource-delete-refused")
    dialog.get_by_role("button", name="Cancel").click()

    row.get_by_role("button", name="Change main").click()
    change = page.get_by_role("dialog", name="Change main")
    change.get_by_role("checkbox", name="Deletion protection").uncheck()
    change.get_by_role("button", name="Save changes").click()
    expect(change).to_have_count(0)
    expect(row.locator(".badge")).to_have_attribute("data-status", "available", timeout=60_000)
    expect(row).not_to_contain_text("protected")

    row.get_by_role("button", name="Delete main").click()
    dialog.get_by_label("Type main to confirm").fill("main")
    dialog.get_by_role("button", name="Delete main").click()
    expect(dialog.get_by_role("alert")).to_contain_text("main is linked by web (production): unlink it first")
    dialog.get_by_role("button", name="Cancel").click()

    # unlink on the service, then the delete goes through and the row goes
    page.goto(svc_url + "/resources")
    page.get_by_role("button", name="Unlink main").click()
    expect(page.get_by_role("status").filter(has_text="Unlinked main")).to_contain_text("the next deploy drops DATABASE_URL")
    expect(page.get_by_text("No linked resources")).to_be_visible()

    page.goto(project_url + "/resources")
    row.get_by_role("button", name="Delete main").click()
    dialog.get_by_label("Type main to confirm").fill("main")
    dialog.get_by_role("button", name="Delete main").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_text("No resources yet")).to_be_visible(timeout=60_000)
