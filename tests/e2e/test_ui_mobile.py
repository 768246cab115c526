"""The web UI at 375 px wide (a small phone) in chromium against the whole stack: every main
screen (sign in, sign up, projects, a project's services, new service, each service tab, the
Deploy dialog with its plan, the deployment page, the search palette) has no horizontal page
scroll and its navigation stays on screen. On the way, the run-time Logs tab follows a line
written to CloudWatch (moto) after it opened, and does not while paused.

Needs `make ui` and chromium, like test_ui_e2e.py.
"""
from __future__ import annotations

import re
import time
import uuid

import boto3

# the `page` (and `base`) fixtures come from tests/e2e/conftest.py, out of ui_browser.py
from tests.e2e.ui_browser import BROWSER_MARKS, deploy_and_wait, expect, shot

pytestmark = BROWSER_MARKS
WIDTH = 375

# What sticks out on the right, to say why a screen scrolls sideways.
_WIDE = """w => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > w + 0.5 && getComputedStyle(e).position !== 'fixed')
  .slice(0, 8).map(e => `${e.tagName.toLowerCase()}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`)"""


def fits(page, screen: str) -> None:
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= WIDTH, f"{screen}: page is {width} px wide at {WIDTH} px: {page.evaluate(_WIDE, WIDTH)}"


def on_screen(page, locator) -> None:
    """Visible and inside the viewport's width (usable without scrolling sideways)."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 0.5, box


def test_main_screens_fit_375px_with_logs_tab_and_plan_dialog(page, launchbay_env):
    page.set_viewport_size({"width": WIDTH, "height": 740})
    page.goto("/login")
    expect(page.get_by_role("heading", name="Sign in to Launchbay")).to_be_visible()
    fits(page, "sign in")
    page.get_by_role("link", name="Create an account").click()
    fits(page, "sign up")
    page.get_by_label("Email").fill(f"m-{uuid.uuid4().hex[:6]}@example.com")
    page.get_by_label("Password").fill("a long password")
    page.get_by_label("Organization").fill("Acme Mobile")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Acme Mobile")).to_be_visible()
    fits(page, "projects")
    shot(page, "mobile-projects")
    for link in ("Projects", "Members", "AWS accounts", "Registries", "Audit log", "API tokens"):
        on_screen(page, page.get_by_role("navigation", name="Main").get_by_role("link", name=link))
    on_screen(page, page.get_by_role("button", name=re.compile("^Search")))

    page.get_by_label("New project").fill("shop")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_text("No services yet")).to_be_visible()
    fits(page, "project services (empty)")
    page.get_by_role("link", name="New service").first.click()
    expect(page.get_by_role("button", name="Create service")).to_be_visible()
    fits(page, "new service")
    page.get_by_label("Name", exact=True).fill("web")
    page.get_by_label("Image").fill("nginx:1.27")
    page.get_by_role("button", name="Create service").click()
    expect(page.get_by_role("heading", name=re.compile("^web"))).to_be_visible()
    svc_url = page.url
    org = re.search(r"/orgs/([^/]+)/", svc_url).group(1)
    fits(page, "service: deployments")

    # Deploy shows the plan first, in words; Cancel leaves everything as it was
    page.get_by_role("button", name="Deploy", exact=True).click()
    dialog = page.get_by_role("dialog", name="Deploy web?")
    expect(dialog.locator("[data-step=service][data-action=create]")).to_contain_text("Create ECS service", timeout=30_000)
    expect(dialog.locator("[data-step=rollout]")).to_contain_text("wait until it is healthy")
    expect(dialog).to_contain_text(re.compile(r"\d+ to create"))
    on_screen(page, dialog.get_by_role("button", name="Deploy now"))
    fits(page, "deploy dialog")
    shot(page, "mobile-deploy-plan")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert "/deployments/" not in page.url

    deploy_and_wait(page, "live")
    expect(page.get_by_role("log")).to_contain_text("is live")
    fits(page, "deployment page")
    shot(page, "mobile-deployment")

    # the run-time log: the sandbox task's lines, then a line written while the tab is open
    page.goto(svc_url + "/logs")
    log = page.get_by_role("log", name="Run-time log of web")
    expect(log).to_contain_text("[sandbox] web started from", timeout=30_000)
    fits(page, "service: logs")
    cw = boto3.client("logs", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    group, stream = f"/launchbay/{org}/web", "web/web/e2e0mobile"
    cw.create_log_stream(logGroupName=group, logStreamName=stream)
    cw.put_log_events(logGroupName=group, logStreamName=stream,
                      logEvents=[{"timestamp": int(time.time() * 1000), "message": "GET /cart 200 followed"}])
    expect(log).to_contain_text("GET /cart 200 followed", timeout=15_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("Paused: new lines are not fetched")).to_be_visible()
    cw.put_log_events(logGroupName=group, logStreamName=stream,
                      logEvents=[{"timestamp": int(time.time() * 1000), "message": "GET /pay 500 while paused"}])
    page.wait_for_timeout(3_000)   # more than one polling interval
    expect(log).not_to_contain_text("GET /pay 500 while paused")
    page.get_by_role("button", name="Follow").click()
    expect(log).to_contain_text("GET /pay 500 while paused", timeout=15_000)
    page.get_by_placeholder("Search the log").fill("/cart")
    expect(page.get_by_text(re.compile(r"^1 of \d+ lines"))).to_be_visible()
    expect(log).not_to_contain_text("GET /pay")
    shot(page, "mobile-logs")

    for tab, ready in (("Variables & secrets", "Secret name"), ("Settings", None), ("Domain", None), ("Metrics", None)):
        link = page.get_by_role("navigation", name="Service sections").get_by_role("link", name=tab)
        link.click()
        expect(link).to_have_class(re.compile("active"))
        if ready:
            expect(page.get_by_label(ready)).to_be_visible()
        fits(page, f"service: {tab}")

    page.get_by_role("link", name="shop").click()
    expect(page.get_by_role("table", name="Services").locator("[data-status=live]")).to_be_visible()
    fits(page, "project services")
    shot(page, "mobile-services")

    page.get_by_role("button", name=re.compile("^Search")).click()
    box = page.get_by_role("combobox", name="Search")
    box.fill("web")
    expect(page.get_by_role("listbox", name="Results").get_by_role("option").first).to_be_visible(timeout=30_000)
    fits(page, "search palette")
    page.keyboard.press("Escape")
