"""Promote in the web UI, in chromium against the whole stack (gunicorn, Celery workers and beat,
Redis, the moto sandbox): web goes live in staging, then *Promote staging…* on the environments
table shows the plan (production by default), Promote starts a deployment of the same release in
production, its link opens the deployment page, which goes live and says where its release came
from. The environments table with the action, and the dialog, fit a 375 px phone and pass
ui_a11y's checks.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re

from tests.e2e.ui_a11y import assert_accessible
from tests.e2e.ui_browser import (
    BROWSER_MARKS,
    create_web_service,
    deploy_and_wait,
    deployment_badge,
    expect,
    fits_375,
    shot,
    sign_up_with_project,
)

pytestmark = BROWSER_MARKS


def _service_in(page, project_url: str, env: str) -> str:
    """web, created in `env` from the project page's New service (?env=) -> its page's URL."""
    page.goto(f"{project_url}?env={env}")
    expect(page.get_by_role("button", name=env, exact=True)).to_have_attribute("aria-pressed", "true")
    return create_web_service(page)


def test_promote_staging_to_production(page, base):
    project_url = sign_up_with_project(page, "promote")
    form = page.get_by_role("form", name="New environment")
    form.get_by_label("Environment name").fill("staging")
    form.get_by_role("button", name="Create environment").click()
    envs = page.get_by_role("table", name="Environments")
    expect(envs.locator("tr[data-environment=staging]")).to_be_visible()

    _service_in(page, project_url, "staging")
    deploy_and_wait(page, "live")
    staging_release = page.url
    _service_in(page, project_url, "production")   # its namesake, never deployed

    page.goto(project_url)
    promote = envs.get_by_role("button", name="Promote staging…")
    expect(promote).to_be_visible()
    fits_375(page, "environments with Promote…")
    promote.click()
    dialog = page.get_by_role("dialog", name="Promote staging")
    expect(dialog.get_by_label("Promote to")).to_have_value("production")
    plan = dialog.get_by_role("table", name="Promotion plan: staging to production")
    row = plan.locator("tr[data-service=web]")
    expect(row).to_have_attribute("data-action", "deploy")
    expect(row).to_contain_text("release #1")
    expect(row).to_contain_text("deploys staging's release #1 to production")
    expect(dialog).to_contain_text("1 will deploy, 0 skipped")
    assert_accessible(page, "the promote dialog's plan")
    shot(page, "promote-plan")
    fits_375(page, "the promote dialog")
    page.set_viewport_size({"width": 375, "height": 740})
    shot(page, "mobile-promote-plan")
    page.set_viewport_size({"width": 1280, "height": 860})

    dialog.get_by_role("button", name="Promote", exact=True).click()
    started = dialog.get_by_role("list", name="Deployments started")
    expect(started).to_contain_text(re.compile(r"web: deployment #1 (queued|provisioning|deploying|live)"))
    assert_accessible(page, "the promote dialog's result")
    started.get_by_role("link", name="deployment #1").click()
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    expect(deployment_badge(page)).to_have_attribute("data-status", "live", timeout=90_000)
    source = page.get_by_role("link", name="staging release #1")
    expect(page.locator(".deploy-meta")).to_contain_text("promoted from staging release #1")
    source.click()
    expect(page).to_have_url(staging_release)
