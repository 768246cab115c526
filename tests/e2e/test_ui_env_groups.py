"""Environment groups in the web UI, in chromium against the whole stack (gunicorn, Celery workers and
beat, Redis, the moto sandbox).

A new owner with a web service deployed live opens Env groups from the top bar and creates group
datadog; on its page a variable (DD_SITE, the key/value table saved whole) and a secret (DD_API_KEY,
a password field emptied once saved, never shown again). In the service's Settings the group is added
to its Environment groups and saved (the PATCH sends env_groups): the service has changes to deploy,
and its Variables tab says DD_API_KEY comes from group datadog and lists DD_SITE from it. Deleting the
group while the service links it is refused with the API's 409 naming the service. "Deploy linked
services" on the group's page deploys the service (the result links its deployment), which goes live
with nothing pending. A viewer invited to the organization (signed up with the invitation e-mail's
token, which the notify worker wrote to the sandbox mailbox), signed in in a second browser context,
reads the group (the variable's value, the secret's name) with no control to change it, and sees the
service's Environment groups disabled. The pages pass ui_a11y's checks and fit a phone, with no
failing request or console error but the 409 asked for.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import json
import re
import uuid

from tests.e2e.ui_a11y import assert_accessible
from tests.e2e.ui_browser import (
    BROWSER_MARKS,
    create_web_service,
    deploy_and_wait,
    deployment_badge,
    expect,
    fits_375,
    invitation_token,
    shot,
    sign_up_with_project,
    watch_errors,
)
from tests.e2e.ui_stack import call

pytestmark = BROWSER_MARKS

SECRET = "dd-api-key-e2e-0123456789"


def test_env_group_created_linked_in_settings_and_its_services_deployed(page, base, tmp_path, notify_worker):
    sign_up_with_project(page, "envgroups")
    svc_url = create_web_service(page)
    svc_id = svc_url.rstrip("/").rsplit("/", 1)[-1]
    org = re.search(r"/orgs/([^/]+)/", svc_url).group(1)
    deploy_and_wait(page, "live")
    token = page.evaluate("localStorage.getItem('launchbay.token')")
    check_errors = watch_errors(page)

    # the page, from the top bar; a group created
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Env groups").click()
    expect(page.get_by_role("heading", level=1, name="Environment groups")).to_be_visible()
    expect(page.get_by_text("No environment groups")).to_be_visible()
    form = page.get_by_role("form", name="New environment group")
    form.get_by_label("Group name").fill("datadog")
    form.get_by_label("Description").fill("APM settings")
    form.get_by_role("button", name="Create group").click()
    expect(page.get_by_role("heading", level=1, name="datadog")).to_be_visible()
    group_url = page.url
    assert group_url.endswith(f"/orgs/{org}/env-groups/datadog"), group_url

    # a variable, saved as the whole map
    variables = page.get_by_role("form", name="Variables")
    variables.get_by_role("button", name="Add a variable").click()
    expect(variables.get_by_label("Name 1")).to_be_focused()
    variables.get_by_label("Name 1").fill("DD_SITE")
    variables.get_by_label("Value 1 (DD_SITE)").fill("datadoghq.eu")
    with page.expect_request(lambda r: r.method == "PATCH" and r.url.endswith("/env-groups/datadog")) as sent:
        variables.get_by_role("button", name="Save variables").click()
    assert json.loads(sent.value.post_data or "{}") == {"env": {"DD_SITE": "datadoghq.eu"}}, sent.value.post_data
    expect(page.get_by_test_id("group-said")).to_have_text("Saved the variables.")

    # a secret: a password field, emptied once saved, never shown
    secret_form = page.get_by_role("form", name="Set a secret")
    value = secret_form.get_by_label("Secret value")
    expect(value).to_have_attribute("type", "password")
    secret_form.get_by_label("Secret name").fill("DD_API_KEY")
    value.fill(SECRET)
    secret_form.get_by_role("button", name="Set secret").click()
    expect(page.get_by_test_id("group-said")).to_have_text("Saved DD_API_KEY as v1.")
    expect(value).to_have_value("")
    expect(page.get_by_role("table", name="Secrets").locator('tr[data-secret="DD_API_KEY"]')).to_contain_text("v1")
    expect(page.locator("main")).not_to_contain_text(SECRET)
    assert_accessible(page, "an environment group's page")
    shot(page, "env-group")
    fits_375(page, "an environment group's page")

    # linked in the service's Settings
    page.goto(svc_url + "/settings")
    field = page.get_by_role("group", name="Environment groups")
    field.get_by_role("combobox", name="Group to add").select_option("datadog")
    field.get_by_role("button", name="Add group").click()
    expect(field.get_by_role("list", name="Linked environment groups")).to_have_text(re.compile("datadog"))
    with page.expect_request(lambda r: r.method == "PATCH" and r.url.endswith(f"/services/{svc_id}")) as sent:
        page.get_by_role("button", name="Save changes").click()
    assert json.loads(sent.value.post_data or "{}") == {"env_groups": ["datadog"]}, sent.value.post_data
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(page.locator(".summary .pending")).to_contain_text("take effect with the next deploy")
    status, svc = call(base, "GET", f"/orgs/{org}/services/{svc_id}", token=token)
    assert status == 200 and svc["env_groups"] == ["datadog"] and svc["needs_deploy"], svc
    assert_accessible(page, "a service's settings linking an environment group")

    # its Variables tab: the secret and the variable from the group
    page.goto(svc_url + "/variables")
    row = page.get_by_role("table", name="Secrets").get_by_role("row").filter(has_text="DD_API_KEY")
    expect(row).to_contain_text("from group datadog")
    expect(row.get_by_role("link", name="datadog")).to_have_attribute("href", f"/orgs/{org}/env-groups/datadog")
    expect(page.get_by_role("table", name="Variables from environment groups")).to_contain_text("DD_SITEdatadoghq.eugroup datadog")
    check_errors()

    # deleting it while the service links it: the API's 409 names the service
    page.goto(group_url)
    page.get_by_role("button", name="Delete datadog…").click()
    page.get_by_label("Type datadog to confirm").fill("datadog")
    page.get_by_role("button", name="Delete datadog", exact=True).click()
    zone = page.get_by_role("region", name="Delete this environment group")
    expect(zone.get_by_role("alert")).to_contain_text("is linked to 1 service: web (production)")
    zone.get_by_role("button", name="Keep it").click()

    # Deploy linked services: the service deployed, live, nothing pending
    check_errors = watch_errors(page)
    linked = page.get_by_role("list", name="Linked services")
    expect(linked.get_by_role("link", name="web")).to_have_attribute("href", f"/orgs/{org}/services/{svc_id}")
    page.get_by_role("button", name="Deploy linked services").click()
    result = page.get_by_test_id("group-deploy")
    expect(result).to_contain_text("Started 1 deploy.")
    result.get_by_role("list", name="Deployed").get_by_role("link", name="web").click()
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    expect(deployment_badge(page)).to_have_attribute("data-status", "live", timeout=90_000)
    page.goto(svc_url)
    expect(page.get_by_role("heading", level=1, name=re.compile("^web"))).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".summary .pending")).to_have_count(0)
    status, svc = call(base, "GET", f"/orgs/{org}/services/{svc_id}", token=token)
    assert status == 200 and svc["status"] == "live" and not svc["needs_deploy"], svc
    status, deps = call(base, "GET", f"/orgs/{org}/services/{svc_id}/deployments", token=token)
    assert status == 200 and deps["items"][0]["status"] == "live" and len(deps["items"]) == 2, deps
    check_errors()

    # a viewer, signed in in a second browser context: reads it, changes nothing
    email = f"viewer-{uuid.uuid4().hex[:6]}@example.com"
    status, _ = call(base, "POST", f"/orgs/{org}/members", {"email": email, "role": "viewer"}, token=token)
    assert status == 201, status
    invitation = invitation_token(tmp_path / "data", email)   # the `base` stack's mailbox
    status, body = call(base, "POST", "/auth/signup", {"email": email, "password": "a long password", "invitation": invitation})
    assert status == 201, body
    browser = page.context.browser
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 860})
    try:
        viewer = context.new_page()
        viewer.set_default_timeout(20_000)
        viewer.goto("/login")
        viewer.get_by_label("Email").fill(email)
        viewer.get_by_label("Password").fill("a long password")
        viewer.get_by_role("button", name="Sign in").click()
        expect(viewer.get_by_role("navigation", name="Main").get_by_role("link", name="Env groups")).to_be_visible()
        viewer.get_by_role("navigation", name="Main").get_by_role("link", name="Env groups").click()
        expect(viewer.get_by_text("Owners and admins create and change environment groups.")).to_be_visible()
        expect(viewer.get_by_role("table", name="Environment groups").locator('tr[data-group="datadog"]')).to_contain_text("1 service")
        expect(viewer.get_by_role("form", name="New environment group")).to_have_count(0)
        viewer.goto(group_url)
        expect(viewer.get_by_role("table", name="Variables")).to_contain_text("DD_SITEdatadoghq.eu")
        expect(viewer.get_by_role("table", name="Secrets")).to_contain_text("DD_API_KEY")
        expect(viewer.get_by_text("Owners and admins change environment groups.")).to_be_visible()
        for gone in (viewer.get_by_role("textbox"), viewer.get_by_label("Secret value"),
                     viewer.get_by_role("button", name=re.compile("^(Delete|Save|Set|Add|Edit|Deploy)"))):
            expect(gone).to_have_count(0)
        expect(viewer.locator("main")).not_to_contain_text(SECRET)
        viewer.goto(svc_url + "/settings")
        field = viewer.get_by_role("group", name="Environment groups")
        expect(field.get_by_role("list", name="Linked environment groups")).to_have_text(re.compile("datadog"))
        expect(field.get_by_role("button", name="Remove datadog")).to_be_disabled()
        expect(viewer.get_by_role("button", name="Save changes")).to_have_count(0)
    finally:
        context.close()
