"""Deploy hooks and static egress in the web UI, in chromium against the whole stack (gunicorn, Celery
workers and beat, Redis, the moto sandbox).

A web service's Settings say what a deploy hook is for and offer "Make a deploy hook": the key shows
once, in a marked box with the URL (the API's origin and the hook's path), a curl line and Docker
Hub's URL. Called from here as a CI job would (a POST with the key in X-Launchbay-Hook-Key, no
token) it answers 202 with a deployment; read again, the page has forgotten the key and says the
hook was used once, by whom it acts as and the key's last four characters. "Rotate key…" asks
first; the old key is then refused (401) and the new one deploys. "Remove…" asks first; the key is
refused afterwards and the section offers to make one again. The page passes ui_a11y's checks and
fits a phone with the key shown.

An owner turns static egress on for production on the project page: the row said each task leaves
from its own public IP; the question says what it costs and when it applies; the row then says the
next deploy makes the address. After a deploy the row shows "Outbound: <the Elastic IP> (static)",
the address the API reports, with a copy button.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

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
from tests.e2e.ui_stack import call

pytestmark = BROWSER_MARKS

HEADER = "X-Launchbay-Hook-Key"


def call_hook(url: str, key: str) -> tuple[int, dict]:
    """The hook's URL as a CI job calls it: a POST, the key in the header, no token."""
    req = urllib.request.Request(url, data=b"", method="POST", headers={HEADER: key})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def test_a_deploy_hook_made_in_the_ui_deploys_its_service_then_rotates_and_goes(page, base):
    sign_up_with_project(page, "hook")
    email = page.get_by_title("Your account and password").inner_text()
    svc_url = create_web_service(page)
    page.goto(svc_url + "/settings")
    section = page.locator("section.deploy-hook")
    expect(section.get_by_role("heading", name="Deploy hook")).to_be_visible()
    expect(section).to_contain_text("for a CI job that has just pushed an image or Docker Hub's webhook")
    check_errors = watch_errors(page)

    # made: the key once, with the URL and a ready curl line
    section.get_by_role("button", name="Make a deploy hook").click()
    panel = page.get_by_role("region", name="Deploy hook key")
    expect(panel).to_contain_text("Deploy hook made. Copy the key now: it will not be shown again.")
    key = panel.get_by_test_id("hook-key").inner_text()
    url = panel.get_by_label("URL", exact=True).inner_text()
    assert key.startswith("lbdh_"), key
    assert re.fullmatch(re.escape(base) + r"/v1/deploy-hooks/dh_\w+", url), (url, base)
    expect(panel.get_by_test_id("hook-curl")).to_have_text(f"curl -X POST -H '{HEADER}: {key}' {url}")
    expect(panel.get_by_label("Docker Hub webhook")).to_have_text(f"{url}?key={key}")
    expect(section.get_by_test_id("hook-url")).to_have_text(url)
    expect(section.get_by_test_id("hook-hint")).to_have_text("…" + key[-4:])
    expect(section.get_by_test_id("hook-uses")).to_have_text("0")
    expect(section.get_by_test_id("hook-acts-as")).to_have_text(email)
    assert_accessible(page, "a service's settings with its deploy hook's key shown")
    shot(page, "service-deploy-hook")
    fits_375(page, "a service's settings with its deploy hook's key shown")

    # a CI job calls it: a deployment; read again, the page has forgotten the key and counts the use
    status, dep = call_hook(url, key)
    assert status == 202 and dep["status"] == "queued" and dep["service_name"] == "web", (status, dep)
    page.reload()
    expect(section.get_by_test_id("hook-uses")).to_have_text("1")
    expect(section.get_by_test_id("hook-last-used")).not_to_have_text("never")
    expect(panel).to_have_count(0)
    assert key not in page.content()
    page.wait_for_load_state("networkidle")
    check_errors()

    # rotated (asked first): the old key is refused, the new one deploys
    section.get_by_role("button", name="Rotate key…").click()
    dialog = page.get_by_role("dialog", name="Rotate the deploy hook's key?")
    expect(dialog).to_contain_text("The current key stops working at once")
    dialog.get_by_role("button", name="Rotate key", exact=True).click()
    expect(panel).to_contain_text("New key made: the old one no longer works.")
    new_key = panel.get_by_test_id("hook-key").inner_text()
    assert new_key != key and new_key.startswith("lbdh_")
    expect(panel.get_by_label("URL", exact=True)).to_have_text(url)   # the URL stays
    status, body = call_hook(url, key)
    assert status == 401 and body["error"]["field"] == "key", (status, body)
    status, dep = call_hook(url, new_key)
    assert status == 202, (status, dep)
    expect(section.get_by_test_id("hook-hint")).to_have_text("…" + new_key[-4:])
    panel.get_by_role("button", name="I have copied it").click()
    expect(panel).to_have_count(0)
    page.reload()
    expect(section.get_by_test_id("hook-uses")).to_have_text("2")
    expect(section.get_by_test_id("hook-acts-as")).to_contain_text(f"{email} (key rotated")

    # removed (asked first): any key is refused, and the section offers a new hook
    section.get_by_role("button", name="Remove…").click()
    dialog = page.get_by_role("dialog", name="Remove the deploy hook?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    dialog.get_by_role("button", name="Remove deploy hook").click()
    expect(section.get_by_role("button", name="Make a deploy hook")).to_be_visible()
    expect(section.get_by_test_id("hook-url")).to_have_count(0)
    assert call_hook(url, new_key)[0] == 401


def test_static_egress_turned_on_in_the_ui_gives_production_one_outbound_address(page, base):
    project_url = sign_up_with_project(page, "egress")
    org, prj = re.search(r"/orgs/([^/]+)/projects/([^/?#]+)", project_url).groups()
    svc_url = create_web_service(page)
    page.goto(project_url)
    row = page.get_by_role("table", name="Environments").locator('tr[data-environment="production"]')
    note = row.locator(".egress-note")
    expect(note).to_have_text("Outbound: each task leaves from its own public IP, which changes at every deploy")
    check_errors = watch_errors(page)

    # asked first: what it costs and when it applies
    opener = row.get_by_role("button", name="Static outbound IP for production…")
    opener.click()
    dialog = page.get_by_role("dialog", name="Give production a static outbound IP?")
    expect(dialog).to_contain_text("about 33 USD a month for the NAT gateway")
    expect(dialog).to_contain_text("The next deploy of each service applies it")
    assert_accessible(page, "the question before static egress")
    dialog.get_by_role("button", name="Turn on static IP").click()
    expect(dialog).to_have_count(0)
    expect(note).to_have_text("Outbound (static): the next deploy makes the NAT gateway and its Elastic IP; "
                              "the address is shown here then")
    expect(note).to_have_attribute("data-egress", "pending")
    page.wait_for_load_state("networkidle")
    check_errors()

    # the next deploy makes the NAT gateway: the row shows its address, the one the API reports
    page.goto(svc_url)
    deploy_and_wait(page, "live")
    token = page.evaluate("localStorage.getItem('launchbay.token')")
    status, env = call(base, "GET", f"/orgs/{org}/projects/{prj}/environments/production", token=token)
    assert status == 200 and env["static_egress"] is True and len(env["egress_ips"]) == 1, (status, env)
    [ip] = env["egress_ips"]
    page.goto(project_url)
    expect(note).to_have_attribute("data-egress", "static")
    expect(note).to_have_text(re.compile(r"^Outbound: " + re.escape(ip) + r" \(static\)"))
    expect(note.locator("code")).to_have_text(ip)
    expect(note.get_by_role("button", name="Copy outbound address of production")).to_be_visible()
    assert_accessible(page, "the project page with production's static address")
    shot(page, "environments-static-egress")
    fits_375(page, "the project page with production's static address")
