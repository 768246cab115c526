"""Suspend and resume in the web UI, in chromium against the whole stack (gunicorn, Celery workers
and beat, Redis, the moto sandbox): a live web service is suspended after its confirmation (the
worker scales it to 0), shows suspended on its page and in the project's list, and is resumed by
a deployment that goes live.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re

from tests.e2e.ui_browser import (
    BROWSER_MARKS,
    create_web_service,
    deploy_and_wait,
    deployment_badge,
    expect,
    shot,
    sign_up_with_project,
)

pytestmark = BROWSER_MARKS


def test_suspend_then_resume_a_web_service(page, base):
    project_url = sign_up_with_project(page, "pause")
    svc_url = create_web_service(page)
    deploy_and_wait(page, "live")
    page.goto(svc_url)

    page.get_by_role("button", name="Suspend", exact=True).click()
    dialog = page.get_by_role("dialog", name="Suspend web?")
    expect(dialog).to_contain_text("503 service suspended")
    dialog.get_by_role("button", name="Suspend", exact=True).click()
    heading = page.get_by_role("heading", name=re.compile("^web"))
    expect(heading.locator(".badge")).to_have_attribute("data-status", "suspended", timeout=30_000)
    expect(page.get_by_test_id("suspended")).to_contain_text("No tasks run.")
    expect(page.get_by_role("button", name="Deploy", exact=True)).to_be_disabled()
    shot(page, "service-suspended")

    page.goto(project_url)
    expect(page.get_by_role("table", name="Services").locator("[data-status=suspended]")).to_be_visible()

    page.goto(svc_url)
    page.get_by_role("button", name="Resume", exact=True).click()
    page.get_by_role("dialog", name="Resume web?").get_by_role("button", name="Resume now").click()
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    expect(page.get_by_text("· resume of release #1")).to_be_visible()
    expect(deployment_badge(page)).to_have_attribute("data-status", "live", timeout=90_000)
    page.goto(svc_url)
    expect(heading.locator(".badge")).to_have_attribute("data-status", "live")
    expect(page.get_by_role("button", name="Suspend", exact=True)).to_be_visible()
