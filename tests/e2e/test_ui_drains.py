"""Log drains in the web UI, in chromium against the whole stack (gunicorn, Celery workers and beat,
Redis, the moto sandbox, which delivers a drain's stream as Firehose does).

A drain is added on the project's Resources page (its own fields: destination, the receiver's URL,
a key in a password input, every service or some; checked before sending, no size, version or
protection) to a real receiver here (tests/support/drains.py, speaking Firehose's protocol) and
becomes available; its row says where it sends and what it takes. The web service's first deploy
plan says its logs go to the drain ("log drains: none → mine"), and once it is live the receiver
holds that service's log lines, sent with the drain's key; the service's Resources tab says where
its logs also go. The drain's page shows the key as set (never the key) and what it takes; "Send a
test line" puts one line through the stream, which the receiver gets, and the page says what was
sent where. The add form and the drain's page pass ui_a11y's checks and the page fits a phone,
with no failing request or console error.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re
import time

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
from tests.support.drains import Receiver

pytestmark = BROWSER_MARKS

KEY = "k-e2e-s3cret"


def wait_for_lines(receiver: Receiver, group: str, timeout: float = 30.0) -> list[str]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        lines = receiver.lines(group)
        if lines:
            return lines
        time.sleep(0.2)
    raise AssertionError(f"no line of {group} reached the receiver: {receiver.requests}")


def test_a_drain_added_in_the_ui_sends_a_service_s_logs_and_a_test_line_to_a_receiver(page, base, receiver):
    project_url = sign_up_with_project(page, "drain")
    svc_url = create_web_service(page)
    org = re.search(r"/orgs/([^/]+)/services/", svc_url).group(1)
    group = f"/launchbay/{org}/web"   # chalicelib/cloud/naming.py for_service
    check_errors = watch_errors(page)

    # a drain on the project's Resources page: its own fields, checked before asking
    page.goto(project_url + "/resources")
    page.get_by_role("button", name="Add a resource").click()
    form = page.get_by_role("form", name="Add a resource")
    form.get_by_label("Kind").select_option("log_drain")
    expect(form.get_by_label("Version")).to_have_count(0)
    expect(form.get_by_role("checkbox", name=re.compile("Deletion protection"))).to_have_count(0)
    expect(form.get_by_label("Datadog site")).to_contain_text("EU (datadoghq.eu)")
    expect(form.get_by_label("Datadog API key")).to_have_attribute("type", "password")
    form.get_by_label("Destination").select_option("http")
    url = form.get_by_label("Receiver URL")
    form.get_by_label("Name").fill("mine")
    url.fill("http://logs.example.com/in")   # refused here: https only (but to this machine)
    form.get_by_role("button", name="Add Log drain").click()
    expect(url).to_have_accessible_description(re.compile(r"an https:// URL: Firehose delivers over HTTPS only$"))
    expect(url).to_be_focused()
    url.fill(receiver.url)
    form.get_by_label("Access key (optional)").fill(KEY)
    expect(form.get_by_role("radio", name=re.compile("^Every service of the environment"))).to_be_checked()
    assert_accessible(page, "the add form for a log drain")
    form.get_by_role("button", name="Add Log drain").click()
    expect(form).to_have_count(0)
    row = page.get_by_role("table", name="Resources in production").locator("tr[data-resource=mine]")
    expect(row.locator(".badge")).to_have_attribute("data-status", "available", timeout=60_000)
    expect(row).to_contain_text("HTTPS endpoint · every service")
    expect(row).to_contain_text("takes the logs of every service, those deployed later too")
    expect(row).not_to_contain_text(KEY)

    # the service's first deploy: its plan says where its logs go; once live, the receiver has them
    page.goto(svc_url)
    page.get_by_role("button", name="Deploy", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("^Deploy "))
    plan = dialog.get_by_role("list", name="What this deploy does")
    expect(plan).to_be_visible(timeout=30_000)
    expect(plan.locator("[data-step=log_group]")).to_contain_text("log drains: none → mine")
    dialog.get_by_role("button", name="Deploy now").click()
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    expect(deployment_badge(page)).to_have_attribute("data-status", "live", timeout=90_000)
    lines = wait_for_lines(receiver, group)
    assert lines and all(isinstance(x, str) for x in lines), lines
    sent = [r for r in receiver.requests if any(rec.get("logGroup") == group for rec in r["records"])]
    assert all(r["headers"].get("X-Amz-Firehose-Access-Key") == KEY for r in sent), [r["headers"] for r in sent]

    # the service says where its logs also go
    page.goto(svc_url + "/resources")
    expect(page.get_by_test_id("log-drains")).to_have_text("Logs also go to: mine (HTTPS endpoint).")
    expect(page.get_by_role("form", name="Link a resource")).to_have_count(0)   # nothing else to link: a drain is not offered

    # the drain's page: the key set (never shown), what it takes; a test line reaches the receiver
    page.get_by_test_id("log-drains").get_by_role("link", name="mine").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("^mine"))).to_be_visible()
    expect(page.get_by_test_id("drain-key")).to_have_text("set (never shown)")
    expect(page.get_by_test_id("resource-address")).to_have_text(receiver.url)
    # what it takes now: the service deployed since the drain was made, too
    expect(page.get_by_test_id("drain-taking")).to_have_text(re.compile(r"^web\s*deployed services only"))
    expect(page.get_by_test_id("failed-deliveries")).to_have_text(re.compile(r"\S"))
    expect(page.locator("main")).not_to_contain_text(KEY)
    before = len(receiver.requests)
    test = page.get_by_role("region", name="Test")
    test.get_by_role("button", name="Send a test line").click()
    said = test.get_by_test_id("test-line")
    expect(said).to_contain_text(f"Sent to {receiver.url}: delivered within a minute")
    expect(said).to_contain_text("launchbay: a test line from log drain mine (production), sent by drain-")
    end = time.monotonic() + 30
    while time.monotonic() < end and not any("a test line from log drain mine" in x for x in receiver.lines()):
        time.sleep(0.2)
    got = [x for x in receiver.lines() if "a test line from log drain mine" in x]
    assert got and len(receiver.requests) > before, receiver.requests[before:]
    assert receiver.requests[-1]["headers"].get("X-Amz-Firehose-Access-Key") == KEY
    assert said.locator("pre").inner_text() == got[-1]
    assert_accessible(page, "a log drain's page after a test line")
    shot(page, "log-drain")
    fits_375(page, "a log drain's page")
    page.wait_for_load_state("networkidle")
    check_errors()
