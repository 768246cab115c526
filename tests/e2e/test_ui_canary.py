"""Canary releases in the web UI, in chromium against the whole stack (gunicorn, Celery workers and
beat, Redis, the moto sandbox): a web service's first release goes live with all the traffic; its
settings then tick *Canary releases* (20 % for 30 min), which the service page's summary says in
words. A new image's deploy plan has the canary's watch, and the deployment runs as a canary: its
page's Canary section says the share and tasks and that it is watching, with *Proceed now* (the
page fits a 375 px phone and passes ui_a11y's checks, with no failing request or console error).
Proceed now ends the watch: the release rolls out to every task, the deployment goes live, and the
section says it was ended early by the signed-up user and that the canary is gone; the service's
history says "canary ended early".

The failure path (a release answering too many 5xx is rolled back) takes whole minutes of simulated
metrics: the Python tests cover it, not this one.

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
    watch_errors,
)

pytestmark = BROWSER_MARKS


def test_canary_release_proceeded_early(page, base):
    sign_up_with_project(page, "canary")
    account = page.get_by_title("Your account and password")
    expect(account).to_have_text(re.compile(r"^canary-\w+@example\.com$"))
    email = account.inner_text()
    svc_url = create_web_service(page, image="nginx:1.27")
    deploy_and_wait(page, "live")   # the first release takes all the traffic: no canary
    expect(page.get_by_role("region", name="Canary", exact=True)).to_have_count(0)

    # the setting: ticked, 20 % for 30 min (the 5xx limit left at its 2 %)
    page.goto(svc_url + "/settings")
    box = page.get_by_label("Send a share of the traffic to each new release first")
    expect(box).not_to_be_checked()
    expect(page.get_by_label("Share of traffic (%)")).to_have_count(0)
    box.check()
    page.get_by_label("Share of traffic (%)").fill("20")
    page.get_by_label("Watch for (minutes)").fill("30")
    expect(page.get_by_label("Roll back above (% 5xx)")).to_have_value("2")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    page.goto(svc_url)
    expect(page.get_by_test_id("canary-setting")).to_have_text("20 % for 30 min, rolls back above 2 % 5xx")
    page.goto(svc_url + "/settings")
    expect(page.get_by_label("Send a share of the traffic to each new release first")).to_be_checked()
    expect(page.get_by_label("Watch for (minutes)")).to_have_value("30")

    # a new image: its plan has the canary's watch; the deployment runs as a canary
    page.get_by_label("Image", exact=True).fill("nginx:1.28")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    page.goto(svc_url)
    page.get_by_role("button", name="Deploy", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("^Deploy "))
    steps = dialog.get_by_role("list", name="What this deploy does")
    expect(steps).to_be_visible(timeout=30_000)
    expect(steps.locator("li[data-step='canary.analysis']")).to_contain_text(
        "send 20 % of the requests to the new release for 30 min; more than 2 % 5xx answers roll the deploy back")
    dialog.get_by_role("button", name="Deploy now").click()
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    dep_url = page.url

    check_errors = watch_errors(page)

    canary = page.get_by_role("region", name="Canary", exact=True)
    expect(canary).to_contain_text(
        "20 % of the traffic on 1 task of the new release, watched for 30 min; more than 2 % 5xx answers roll it back.")
    state = canary.locator(".canary-state")
    expect(state).to_have_attribute("data-state", "watching", timeout=60_000)   # its target group, task, traffic share first
    expect(state).to_have_text(re.compile(r"^Watching: [\d.]+ of 30 min, (no requests yet|[\d,]+ requests?, [\d.]+ % 5xx) "
                                          r"\(rolls back above 2 %\)\.$"))
    expect(deployment_badge(page)).to_have_attribute("data-status", "deploying")
    proceed = canary.get_by_role("button", name="Proceed now")
    expect(proceed).to_be_enabled()
    expect(proceed).to_have_accessible_description(re.compile(r"^Ends the watch now: the release rolls out to every task\."))
    shot(page, "deployment-canary-watching")
    assert_accessible(page, "a deployment with its canary watching")
    fits_375(page, "a deployment with its canary watching")
    page.set_viewport_size({"width": 375, "height": 740})
    canary.scroll_into_view_if_needed()
    shot(page, "mobile-deployment-canary-watching")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(svc_url)
    expect(page.locator(".deploy-list > li").first).to_contain_text("canary watching")
    page.goto(dep_url)

    # Proceed now: the watch ends at the engine's next look, the release rolls out to every task
    proceed.click()
    expect(proceed).to_have_count(0)
    expect(deployment_badge(page)).to_have_attribute("data-status", "live", timeout=90_000)
    expect(state).to_have_attribute("data-state", "proceeded")
    expect(state).to_have_text(re.compile(r"^Ended early by " + re.escape(email) + r" at .+ after [\d.]+ of 30 min: "
                                          r"(no requests reached it|[\d,]+ of [\d,]+ requests? answered 5xx)\.$"))
    expect(canary).to_contain_text("The canary is gone: the load balancer sends all the traffic to the service's own tasks.",
                                   timeout=30_000)
    assert_accessible(page, "a deployment whose canary was ended early")
    fits_375(page, "a deployment whose canary was ended early")
    page.wait_for_load_state("networkidle")
    check_errors()

    page.goto(svc_url)
    expect(page.locator(".deploy-list > li").first).to_contain_text("canary ended early")
    expect(page.get_by_role("heading", name=re.compile("^web")).locator(".badge")).to_have_attribute("data-status", "live")
    expect(page.locator(".summary")).to_contain_text("nginx:1.28")
