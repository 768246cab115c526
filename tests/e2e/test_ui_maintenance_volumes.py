"""Maintenance mode and volumes in the web UI, in chromium against the whole stack (gunicorn, Celery
workers and beat, Redis, the moto sandbox).

A live web service is put in maintenance from its page: the dialog explains the 503 page and the
default message, the message typed is sent, and a banner at the top of the page says since when, by
whom and what visitors read; the load balancer's rule for the service's host answers a 503 fixed
response at once (read from moto). The message is changed from the banner, then maintenance is ended
after its question: the banner goes and the rule forwards to the service again. The page with its
banner passes ui_a11y's checks at 1280 and 375 px and fits a phone, with no failing request or
console error.

A volume is added on the project's Resources page and becomes available (the worker makes the EFS
file system in moto); its row says it is not measured yet. It is linked to the service at
/app/uploads, read-only, and the service's Resources tab lists it with that path.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re

import boto3

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

MESSAGE = "Moving to a bigger database; back at 14:00"


def rule_answer(moto_url: str, host: str) -> str | None:
    """What the load balancer answers for `host` (its rule's first action: forward, fixed-response)."""
    elb = boto3.client("elbv2", endpoint_url=moto_url, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    for lb in elb.describe_load_balancers()["LoadBalancers"]:
        for listener in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
            for rule in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
                hosts = [v for c in rule.get("Conditions", []) for v in (c.get("HostHeaderConfig") or {}).get("Values", [])]
                if host in hosts:
                    action = rule["Actions"][0]
                    if action["Type"] == "fixed-response":
                        return f"fixed-response {action['FixedResponseConfig']['StatusCode']}"
                    return action["Type"]
    return None


def wait_for_answer(moto_url: str, host: str, wanted: str, timeout: float = 15.0) -> None:
    import time

    end, seen = time.monotonic() + timeout, None
    while time.monotonic() < end:
        seen = rule_answer(moto_url, host)
        if seen == wanted:
            return
        time.sleep(0.3)
    raise AssertionError(f"the rule for {host} answers {seen!r}, not {wanted!r}")


def test_maintenance_on_changed_and_off_then_a_volume_linked_read_only(page, base, launchbay_env):
    moto = launchbay_env["AWS_ENDPOINT_URL"]
    project_url = sign_up_with_project(page, "maint")
    email = page.get_by_title("Your account and password").inner_text()
    svc_url = create_web_service(page)
    deploy_and_wait(page, "live")
    page.goto(svc_url)
    address = page.locator(".summary").get_by_text(re.compile(r"^curl -H 'Host: "))
    host = re.search(r"Host: ([^']+)'", address.inner_text()).group(1)
    assert rule_answer(moto, host) == "forward"

    check_errors = watch_errors(page)

    # on, with a message: the dialog says what happens and what an empty message would say
    page.get_by_role("button", name="Maintenance", exact=True).click()
    dialog = page.get_by_role("dialog", name="Turn on maintenance for web?")
    expect(dialog).to_contain_text("503 page")
    expect(dialog).to_contain_text("Its tasks keep running")
    message = dialog.get_by_label("Message (optional)")
    expect(message).to_be_focused()
    expect(message).to_have_accessible_description(
        "Shown as text, not HTML; at most 500 characters. Empty: “We are working on it and will be back shortly.”")
    assert_accessible(page, "the maintenance dialog")
    message.fill(MESSAGE)
    dialog.get_by_role("button", name="Turn on maintenance").click()
    expect(dialog).to_have_count(0)
    banner = page.get_by_test_id("maintenance")
    expect(banner).to_contain_text(re.compile(r"In maintenance since .+ by " + re.escape(email) +
                                              r": visitors get a 503 page saying “" + re.escape(MESSAGE) + "”\\."))
    expect(banner).to_contain_text("Its tasks keep running; deploys made meanwhile roll out behind the page")
    expect(page.locator(".summary")).to_contain_text("in maintenance: every address answers the 503 maintenance page")
    wait_for_answer(moto, host, "fixed-response 503")     # the load balancer, at once: no deploy
    expect(page.get_by_role("heading", name=re.compile("^web")).locator(".badge")).to_have_attribute("data-status", "live")

    page.reload()                                          # the API's state, not the page's memory
    expect(banner).to_contain_text(MESSAGE)
    assert_accessible(page, "a service in maintenance")
    shot(page, "service-maintenance")
    page.set_viewport_size({"width": 375, "height": 740})
    assert_accessible(page, "a service in maintenance at 375 px")
    expect(banner).to_be_in_viewport()
    shot(page, "mobile-service-maintenance")
    fits_375(page, "a service in maintenance")             # (back to 1280 px after)

    # a new message, from the banner; since and by stay
    since = re.search(r"since (.+?) by ", banner.inner_text()).group(1)
    banner.get_by_role("button", name="Change the message").click()
    dialog = page.get_by_role("dialog", name="Change the maintenance message of web")
    expect(dialog.get_by_label("Message (optional)")).to_have_value(MESSAGE)
    dialog.get_by_label("Message (optional)").fill("Back at 15:00 instead")
    dialog.get_by_role("button", name="Change the message").click()
    expect(dialog).to_have_count(0)
    expect(banner).to_contain_text(f"since {since} by {email}: visitors get a 503 page saying “Back at 15:00 instead”.")

    # off: asked first; the banner goes and the host forwards again
    page.get_by_role("button", name="End maintenance").click()
    ask = page.get_by_role("dialog", name="End maintenance for web?")
    expect(ask).to_contain_text("visitors get the live release instead of the 503 page")
    ask.get_by_role("button", name="End maintenance").click()
    expect(ask).to_have_count(0)
    expect(banner).to_have_count(0)
    expect(page.get_by_role("button", name="Maintenance", exact=True)).to_be_enabled()
    wait_for_answer(moto, host, "forward")

    page.wait_for_load_state("networkidle")
    check_errors()

    # a volume on the project's Resources page, available once the worker made it in moto
    page.goto(project_url + "/resources")
    page.get_by_role("button", name="Add a resource").click()
    form = page.get_by_role("form", name="Add a resource")
    form.get_by_label("Kind").select_option("volume")
    expect(form).to_contain_text("It has no size to choose: it grows with its files, and what it holds is measured every hour.")
    form.get_by_label("Name").fill("uploads")
    form.get_by_role("button", name="Add Volume (EFS)").click()
    expect(form).to_have_count(0)
    row = page.get_by_role("table", name="Resources in production").locator("tr[data-resource=uploads]")
    expect(row.locator(".badge")).to_have_attribute("data-status", "available", timeout=60_000)
    expect(row).to_contain_text("not measured yet · EFS · backed up daily, kept 35 days")
    expect(row).to_contain_text("UPLOADS_PATH holds that path")
    fits_375(page, "resources with a volume")

    # linked to the service at /app/uploads, read-only: the links say where and how
    page.goto(svc_url + "/resources")
    link = page.get_by_role("form", name="Link a resource")
    expect(link.get_by_label("Resource to link")).to_contain_text("uploads")
    link.get_by_label("Mount path").fill("/app/uploads")
    link.get_by_role("checkbox", name="Read-only").check()
    link.get_by_role("button", name="Link").click()
    expect(page.get_by_role("status").filter(has_text="Linked uploads")).to_have_text(
        "Linked uploads: the next deploy mounts it at /app/uploads (read-only) and gives web UPLOADS_PATH.")
    links = page.get_by_role("table", name="Linked resources")
    linked = links.locator("tr[data-link=uploads]")
    expect(linked).to_contain_text("UPLOADS_PATH")
    expect(linked.locator(".link-access")).to_have_text("mounted at /app/uploads, read-only")
    page.reload()
    expect(linked.locator(".link-access")).to_have_text("mounted at /app/uploads, read-only")
    assert_accessible(page, "a service's resources with a volume linked")
    page.set_viewport_size({"width": 375, "height": 740})
    assert_accessible(page, "a service's resources with a volume linked, at 375 px")
    links.scroll_into_view_if_needed()
    shot(page, "mobile-service-volume-linked")
    fits_375(page, "a service's resources with a volume linked")
