"""Promote in the web UI, in chromium against the whole stack (gunicorn, Celery workers and beat,
Redis, the moto sandbox): web and api go live in staging, then *Promote staging…* on the environments
table shows the plan (production by default, both services ticked); api unticked, *Promote 1 service*
starts a deployment of web's release alone in production, its link opens the deployment page, which goes live and says where its release came
from and what it changes against production's release before it (the image). Then *Auto-promote*
sets staging to promote its new live releases to production by itself, which the table shows; then
production is frozen (Freeze…: the row says "frozen", why and until when; production's web says so by
its Deploy button, which is disabled while Restart is not) and Unfreeze lifts it. The environments
table with the actions, the dialog and the frozen service page fit a 375 px phone and pass ui_a11y's
checks.
Freeze windows… edits production's recurring freezes in a dialog (a preset fills the fields, a bad
cron is refused at its field, Remove drops a window): the row says them in words, and when one is open
"frozen by a freeze window", whose Unfreeze lifts it this time only.
Sleep schedule… edits production's sleep windows in the same dialog (the weeknights preset says it
covers the weekend; the reason is optional): the row says "sleeps weeknights · next: …"; with a
window open now, beat puts production's live web to sleep, the row says "asleep until …" and the
service's page says until when it sleeps and that Resume wakes it now.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re
import time

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


def _service_in(page, project_url: str, env: str, image: str, name: str = "web") -> str:
    """A web service, created in `env` from the project page's New service (?env=) -> its page's URL."""
    page.goto(f"{project_url}?env={env}")
    expect(page.get_by_role("button", name=env, exact=True)).to_have_attribute("aria-pressed", "true")
    return create_web_service(page, name=name, image=image)


def test_promote_staging_to_production(page, base):
    project_url = sign_up_with_project(page, "promote")
    form = page.get_by_role("form", name="New environment")
    form.get_by_label("Environment name").fill("staging")
    form.get_by_role("button", name="Create environment").click()
    envs = page.get_by_role("table", name="Environments")
    expect(envs.locator("tr[data-environment=staging]")).to_be_visible()

    _service_in(page, project_url, "staging", "nginx:1.28")
    deploy_and_wait(page, "live")
    staging_release = page.url
    production_web = _service_in(page, project_url, "production", "nginx:1.27")   # its namesake, live with an older image
    deploy_and_wait(page, "live")
    production_release = page.url
    # api: live in staging, its namesake in production never deployed; left out of the promotion below
    _service_in(page, project_url, "staging", "busybox:1.36", name="api")
    deploy_and_wait(page, "live")
    _service_in(page, project_url, "production", "busybox:1.36", name="api")

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
    expect(plan.locator("tr[data-service=api]")).to_have_attribute("data-action", "deploy")
    expect(dialog).to_contain_text("2 will deploy, 0 skipped")
    expect(plan.get_by_role("checkbox", name="web")).to_be_checked()
    plan.get_by_role("checkbox", name="api").uncheck()
    expect(plan.locator("tr[data-service=api] td").first).to_have_text("Left out")
    expect(dialog).to_contain_text("1 will deploy, 1 left out, 0 skipped")
    assert_accessible(page, "the promote dialog's plan")
    shot(page, "promote-plan")
    fits_375(page, "the promote dialog")
    page.set_viewport_size({"width": 375, "height": 740})
    shot(page, "mobile-promote-plan")
    page.set_viewport_size({"width": 1280, "height": 860})

    dialog.get_by_role("button", name="Promote 1 service", exact=True).click()
    started = dialog.get_by_role("list", name="Deployments started")
    expect(started).to_contain_text(re.compile(r"web: deployment #2 (queued|provisioning|deploying|live)"))
    expect(dialog.locator("li[data-service=api]")).to_have_count(0)   # not asked for: neither started nor skipped
    assert_accessible(page, "the promote dialog's result")
    started.get_by_role("link", name="deployment #2").click()
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    expect(deployment_badge(page)).to_have_attribute("data-status", "live", timeout=90_000)
    source = page.get_by_role("link", name="staging release #1")
    expect(page.locator(".deploy-meta")).to_contain_text("promoted from staging release #1")
    # what it changes: production's release #1 ran nginx:1.27
    changes = page.get_by_role("region", name="Changes since release #1")
    expect(changes.get_by_role("listitem").first).to_have_text("Image nginx:1.27 → to nginx:1.28")
    expect(changes.get_by_role("link", name="release #1")).to_have_attribute("href", re.compile(re.escape(production_release.split("/orgs/")[1]) + "$"))
    assert_accessible(page, "the promoted deployment with its changes")
    shot(page, "promoted-deployment-changes")
    fits_375(page, "the promoted deployment with its changes")
    source.click()
    expect(page).to_have_url(staging_release)
    expect(page.get_by_role("region", name="Changes")).to_contain_text("The service's first release")

    # staging promotes by itself from now on
    page.goto(project_url)
    envs.get_by_role("button", name="Auto-promote staging").click()
    form = page.get_by_role("form", name="Auto-promote staging")
    form.get_by_label("Promote new live releases to").select_option("production")
    expect(form).to_contain_text("deployed to the same-named services in production")
    assert_accessible(page, "the auto-promote form")
    form.get_by_role("button", name="Save").click()
    expect(form).to_have_count(0)
    expect(envs.locator("tr[data-environment=staging]")).to_contain_text("production")
    page.reload()
    expect(envs.locator("tr[data-environment=staging] td").nth(4)).to_have_text("production")
    fits_375(page, "environments with Promotes to")
    page.set_viewport_size({"width": 375, "height": 740})
    expect(envs.locator("tr[data-environment=staging] small.narrow-only")).to_be_visible()
    envs.locator("tr[data-environment=staging]").scroll_into_view_if_needed()
    shot(page, "mobile-environments-promotes-to")
    page.set_viewport_size({"width": 1280, "height": 860})

    # a deploy freeze on production: the row says so in words (and still fits a phone); Unfreeze lifts it
    envs.get_by_role("button", name="Freeze production…").click()
    form = page.get_by_role("form", name="Freeze production")
    form.get_by_label("Reason").fill("Black Friday")
    form.get_by_label("Until (optional)").fill("2099-11-30T08:00")
    expect(form).to_contain_text("rollbacks and restarts still run")
    assert_accessible(page, "the freeze form")
    form.get_by_role("button", name="Freeze", exact=True).click()
    expect(form).to_have_count(0)
    frozen = envs.locator("tr[data-environment=production] .freeze-note")
    expect(frozen).to_contain_text(re.compile(r"frozen Black Friday · until .*2099"))
    page.reload()
    expect(frozen).to_contain_text("Black Friday")
    fits_375(page, "environments with a frozen one")

    # production's web says so by its Deploy button, disabled; Restart still runs
    page.goto(production_web)
    notice = page.get_by_test_id("frozen")
    expect(notice).to_contain_text(re.compile(r"The production environment is frozen until .*2099.*: Black Friday\."))
    expect(notice).to_contain_text("New deploys are refused; rollbacks and restarts still run.")
    deploy = page.get_by_role("button", name="Deploy", exact=True)
    expect(deploy).to_be_disabled()
    expect(deploy).to_have_accessible_description(re.compile(r"^frozen The production environment is frozen"))
    expect(page.get_by_role("button", name="Restart")).to_be_enabled()
    assert_accessible(page, "a service in a frozen environment")
    shot(page, "service-frozen")
    fits_375(page, "a service in a frozen environment")

    page.goto(project_url)
    envs.get_by_role("button", name="Unfreeze production").click()
    page.get_by_role("group", name="Unfreeze production?").get_by_role("button", name="Yes, unfreeze").click()
    expect(frozen).to_have_count(0)
    expect(envs.get_by_role("button", name="Freeze production…")).to_be_visible()
    page.goto(production_web)
    expect(page.get_by_role("button", name="Deploy", exact=True)).to_be_enabled()
    expect(page.get_by_test_id("frozen")).to_have_count(0)


def test_freeze_windows_of_an_environment(page, base):
    sign_up_with_project(page, "windows")   # a new project has its production environment
    envs = page.get_by_role("table", name="Environments")
    row = envs.locator("tr[data-environment=production]")
    expect(row).to_be_visible()
    hour = time.gmtime().tm_hour
    later = (f"0 {(hour + 2) % 24} * * *", f"0 {(hour + 3) % 24} * * *")   # not open during the test
    open_now = (f"0 {(hour - 1) % 24} * * *", f"0 {(hour + 1) % 24} * * *")

    envs.get_by_role("button", name="Freeze windows for production…").click()
    dialog = page.get_by_role("dialog", name="Freeze windows for production")
    first = dialog.get_by_role("group", name="Window 1", exact=True)
    expect(first.get_by_label("Starts (cron)")).to_be_focused()
    first.get_by_role("button", name="Weekends: Fri 18:00 – Mon 08:00").click()
    expect(first.get_by_label("Starts (cron)")).to_have_value("0 18 * * 5")
    expect(first.get_by_label("Ends (cron)")).to_have_value("0 8 * * 1")
    expect(first.get_by_label("Reason")).to_have_value("weekend")
    expect(first).to_contain_text("= Fridays 18:00")
    first.get_by_label("Time zone").fill("Europe/Berlin")
    dialog.get_by_role("button", name="Add a freeze window").click()
    second = dialog.get_by_role("group", name="Window 2", exact=True)
    second.get_by_label("Starts (cron)").fill("0 18 * *")          # four fields: the API refuses it
    second.get_by_label("Ends (cron)").fill("0 8 * * 1")
    second.get_by_label("Reason").fill("typo")
    dialog.get_by_role("button", name="Save").click()
    bad = second.get_by_label("Starts (cron)")
    expect(bad).to_have_attribute("aria-invalid", "true")
    expect(bad).to_be_focused()
    expect(second).to_contain_text("is not five cron fields")
    assert_accessible(page, "the freeze windows dialog with an error")
    shot(page, "freeze-windows")
    fits_375(page, "the freeze windows dialog")
    page.set_viewport_size({"width": 375, "height": 740})
    assert dialog.evaluate("d => d.scrollWidth <= d.clientWidth"), "the freeze windows dialog scrolls sideways at 375 px"
    shot(page, "mobile-freeze-windows")
    page.set_viewport_size({"width": 1280, "height": 860})
    second.get_by_role("button", name="Remove window 2 (typo)").click()
    expect(dialog.get_by_role("group", name="Window 2", exact=True)).to_have_count(0)
    # the weekend could be open now: a window later today instead, to know what the row says
    first.get_by_label("Starts (cron)").fill(later[0])
    first.get_by_label("Ends (cron)").fill(later[1])
    first.get_by_label("Reason").fill("batch")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    expect(envs.get_by_role("button", name="Freeze windows for production…")).to_be_focused()
    note = row.locator(".windows-note")
    expect(note).to_contain_text(re.compile(r"^1 freeze window · next: .+ – .+, batch$"))
    fits_375(page, "environments with freeze windows")

    # a window open now: frozen by it, until its end; Unfreeze lifts it this time only
    envs.get_by_role("button", name="Freeze windows for production…").click()
    expect(dialog.get_by_role("group", name="Window 1", exact=True).get_by_label("Starts (cron)")).to_have_value(later[0])
    dialog.get_by_role("button", name="Add a freeze window").click()
    second.get_by_label("Starts (cron)").fill(open_now[0])
    second.get_by_label("Ends (cron)").fill(open_now[1])
    second.get_by_label("Time zone").fill("UTC")
    second.get_by_label("Reason").fill("month-end close")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    frozen = row.locator(".freeze-note")
    expect(frozen).to_contain_text(re.compile(r"frozen by a freeze window until .+: month-end close"))
    expect(note).to_have_text("2 freeze windows")
    assert_accessible(page, "environments frozen by a freeze window")
    fits_375(page, "environments frozen by a freeze window")
    page.set_viewport_size({"width": 375, "height": 740})
    row.scroll_into_view_if_needed()
    shot(page, "mobile-environments-freeze-window")
    page.set_viewport_size({"width": 1280, "height": 860})
    envs.get_by_role("button", name="Unfreeze production").click()
    ask = page.get_by_role("group", name="Unfreeze production?")
    expect(ask).to_contain_text("Unfreeze production this time only?")
    ask.get_by_role("button", name="Yes, unfreeze").click()
    expect(frozen).to_have_count(0)
    expect(note).to_contain_text(re.compile(r"^2 freeze windows · next: "))


def test_sleep_schedule_of_an_environment(page, base):
    project_url = sign_up_with_project(page, "sleep")   # a new project has its production environment
    svc_url = create_web_service(page)
    deploy_and_wait(page, "live")
    page.goto(project_url)
    envs = page.get_by_role("table", name="Environments")
    row = envs.locator("tr[data-environment=production]")
    hour = time.gmtime().tm_hour
    open_now = (f"0 {(hour - 1) % 24} * * *", f"0 {(hour + 2) % 24} * * *")

    envs.get_by_role("button", name="Sleep schedule for production…").click()
    dialog = page.get_by_role("dialog", name="Sleep schedule for production")
    first = dialog.get_by_role("group", name="Window 1", exact=True)
    expect(first.get_by_label("Starts (cron)")).to_be_focused()
    preset = first.get_by_role("button", name="Weeknights: 20:00 – 07:00")
    expect(preset).to_have_accessible_description(re.compile(r"covers the weekend too: Friday 20:00 to Monday 07:00"))
    preset.click()
    expect(first.get_by_label("Starts (cron)")).to_have_value("0 20 * * 1-5")
    expect(first.get_by_label("Ends (cron)")).to_have_value("0 7 * * 1-5")
    expect(first.get_by_label("Reason (optional)")).to_have_value("")
    expect(first.get_by_label("Reason (optional)")).to_have_attribute("placeholder", "outside working hours")
    first.get_by_label("Time zone").fill("UTC")
    dialog.get_by_role("button", name="Add a sleep window").click()
    second = dialog.get_by_role("group", name="Window 2", exact=True)
    second.get_by_label("Starts (cron)").fill("0 20 * *")          # four fields: the API refuses it
    second.get_by_label("Ends (cron)").fill("0 7 * * 1")
    dialog.get_by_role("button", name="Save").click()
    bad = second.get_by_label("Starts (cron)")
    expect(bad).to_have_attribute("aria-invalid", "true")
    expect(bad).to_be_focused()
    expect(second).to_contain_text("is not five cron fields")
    assert_accessible(page, "the sleep schedule dialog with an error")
    shot(page, "sleep-schedule")
    fits_375(page, "the sleep schedule dialog")
    page.set_viewport_size({"width": 375, "height": 740})
    assert dialog.evaluate("d => d.scrollWidth <= d.clientWidth"), "the sleep schedule dialog scrolls sideways at 375 px"
    shot(page, "mobile-sleep-schedule")
    page.set_viewport_size({"width": 1280, "height": 860})
    second.get_by_role("button", name="Remove window 2").click()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    expect(envs.get_by_role("button", name="Sleep schedule for production…")).to_be_focused()
    note = row.locator(".sleep-windows-note")
    expect(note).to_contain_text(re.compile(r"^sleeps weeknights( · next: .+ – .+)?$"))
    fits_375(page, "environments with a sleep schedule")

    # a window open now: beat (every minute) puts production's live web to sleep until the window's end
    envs.get_by_role("button", name="Sleep schedule for production…").click()
    expect(first.get_by_label("Reason (optional)")).to_have_value("outside working hours")   # the API's default, saved
    first.get_by_label("Starts (cron)").fill(open_now[0])
    first.get_by_label("Ends (cron)").fill(open_now[1])
    first.get_by_label("Reason (optional)").fill("")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    page.goto(svc_url)
    asleep = page.get_by_test_id("suspended")
    expect(asleep).to_contain_text(re.compile(r"It sleeps by the production environment's sleep schedule until .+ "
                                              r"\(outside working hours\) and wakes by itself then\. Resume wakes it now\."),
                                   timeout=150_000)   # the service page is read every 15 s
    expect(page.get_by_role("button", name="Deploy", exact=True)).to_be_disabled()
    expect(page.get_by_role("button", name="Resume", exact=True)).to_be_visible()
    assert_accessible(page, "a service asleep by its environment's sleep schedule")
    fits_375(page, "a service asleep")
    shot(page, "service-asleep")
    page.goto(project_url)
    expect(row.locator(".sleep-note")).to_contain_text(re.compile(r"^asleep until .+$"))
    expect(note).to_have_text(re.compile(r"^\d sleep window|^sleeps "))
    assert_accessible(page, "environments asleep")
    fits_375(page, "environments asleep")
