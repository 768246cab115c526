"""A service's compute (architecture and Fargate Spot) in the web UI, in chromium against the whole
stack (gunicorn, Celery workers and beat, Redis, the moto sandbox).

A web service deployed live on x86_64 and regular Fargate: its summary says "x86_64 · regular
Fargate". In Settings' Compute section, Spot turned on with every task on Spot warns that a reclaim can
leave no task answering; 5 tasks always on regular Fargate with at most 1 instance is refused by the
API (422, field spot) and said at that field. arm64, Spot 70 % with 1 task on regular Fargate and 3
max instances are saved (only what changed is sent): the summary says it in the API's words and the
service has changes to deploy. The plan says the ECS service moves to Spot and the task definition
changes; the deploy goes live, the summary still says it, nothing is pending any more, and the task
definition in the sandbox (moto) runs on ARM64.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import json
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
from tests.e2e.ui_stack import call

pytestmark = BROWSER_MARKS

SPOT_70_BASE_1 = "Fargate Spot for 70 % of the tasks, the first 1 task on regular Fargate"


def task_definition(moto_url: str, arn: str) -> dict:
    ecs = boto3.client("ecs", endpoint_url=moto_url, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    return ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]


def test_arm64_and_spot_set_in_settings_are_summarized_planned_and_deployed(page, base, launchbay_env):
    sign_up_with_project(page, "compute")
    svc_url = create_web_service(page)
    svc_id = svc_url.rstrip("/").rsplit("/", 1)[-1]
    org = re.search(r"/orgs/([^/]+)/", svc_url).group(1)
    deploy_and_wait(page, "live")
    page.goto(svc_url)
    summary = page.get_by_test_id("compute")
    expect(summary).to_have_text("x86_64 · regular Fargate")

    # Settings: the Compute section, x86_64 and regular Fargate
    page.goto(svc_url + "/settings")
    compute = page.locator("fieldset", has=page.locator("legend", has_text="Compute"))
    arch = compute.get_by_role("radiogroup", name="Architecture")
    expect(arch.get_by_role("radio", name=re.compile("^x86_64"))).to_be_checked()
    expect(arch).to_have_accessible_description(re.compile(r"The image must be built for it .*linux/arm64"))
    toggle = compute.get_by_role("checkbox", name="Run on Fargate Spot")
    expect(toggle).not_to_be_checked()
    expect(toggle).to_have_accessible_description(re.compile("two minutes' notice"))
    share = compute.get_by_label("Share on Spot (%)")
    on_demand = compute.get_by_label("Always on regular Fargate (tasks)")
    expect(share).to_have_count(0)

    # on: every task on Spot, and the warning for a web service
    toggle.check()
    expect(share).to_have_value("100")
    expect(on_demand).to_have_value("0")
    expect(compute.get_by_test_id("spot-warning")).to_contain_text("a Spot reclaim can briefly leave no task answering")

    # 5 always on regular Fargate with at most 1 instance: the API's 422 at that field
    on_demand.fill("5")
    expect(compute.get_by_test_id("spot-warning")).to_have_count(0)
    page.get_by_role("button", name="Save changes").click()
    field = on_demand.locator("xpath=ancestor::div[contains(@class, 'field')][1]")
    expect(field.get_by_role("alert")).to_have_text(re.compile(r"^spot\.on_demand_base 5 would keep all of at most 1 task on regular Fargate"))
    expect(on_demand).to_have_attribute("aria-invalid", "true")
    expect(on_demand).to_be_focused()
    share_field = share.locator("xpath=ancestor::div[contains(@class, 'field')][1]")
    expect(share_field.get_by_role("alert")).to_have_count(0)
    assert_accessible(page, "a service's settings with the API's refusal of its Spot base")
    token = page.evaluate("localStorage.getItem('launchbay.token')")
    status, svc = call(base, "GET", f"/orgs/{org}/services/{svc_id}", token=token)
    assert status == 200 and svc.get("spot") is None and svc.get("architecture") is None, svc   # nothing stored

    # arm64, Spot 70 % with 1 on regular Fargate, 3 instances at most: saved, said, to be deployed
    check_errors = watch_errors(page)   # from here on (the 422 above was a failed request on purpose)
    arch.get_by_role("radio", name=re.compile("^arm64")).check()
    page.get_by_label("Max instances").fill("3")
    share.fill("70")
    on_demand.fill("1")
    expect(compute.get_by_test_id("compute-words")).to_have_text(f"Runs on arm64 · {SPOT_70_BASE_1}.")
    with page.expect_request(lambda r: r.method == "PATCH" and r.url.endswith(f"/services/{svc_id}")) as sent:
        page.get_by_role("button", name="Save changes").click()
    assert json.loads(sent.value.post_data or "{}") == {
        "architecture": "arm64", "max_instances": 3, "spot": {"percent": 70, "on_demand_base": 1}}, sent.value.post_data
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(field.get_by_role("alert")).to_have_count(0)
    expect(summary).to_have_text(f"arm64 · {SPOT_70_BASE_1}")
    expect(page.locator(".summary .pending")).to_contain_text("take effect with the next deploy")
    status, svc = call(base, "GET", f"/orgs/{org}/services/{svc_id}", token=token)
    assert svc["architecture"] == "arm64" and svc["spot"] == {"percent": 70, "on_demand_base": 1} and svc["needs_deploy"], svc
    assert_accessible(page, "a service's settings with arm64 and Spot")
    shot(page, "service-compute")
    fits_375(page, "a service's settings with arm64 and Spot")

    # the plan: the ECS service moves onto Spot, the task definition changes; deployed live
    page.goto(svc_url)
    page.get_by_role("button", name="Deploy", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("^Deploy "))
    plan = dialog.get_by_role("list", name="What this deploy does")
    expect(plan).to_contain_text(f"capacity: regular Fargate → {SPOT_70_BASE_1}", timeout=30_000)
    expect(plan).to_contain_text("Change task definition")
    dialog.get_by_role("button", name="Cancel").click()
    deploy_and_wait(page, "live")
    page.goto(svc_url)
    expect(summary).to_have_text(f"arm64 · {SPOT_70_BASE_1}")
    expect(page.locator(".summary .pending")).to_have_count(0)
    # planned again, the service is where it should be: no capacity change left
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(plan).to_be_visible(timeout=30_000)
    expect(plan).not_to_contain_text("capacity:")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    page.wait_for_load_state("networkidle")

    status, svc = call(base, "GET", f"/orgs/{org}/services/{svc_id}", token=token)
    assert status == 200 and not svc["needs_deploy"], svc
    status, deps = call(base, "GET", f"/orgs/{org}/services/{svc_id}/deployments", token=token)
    status, latest = call(base, "GET", f"/orgs/{org}/deployments/{deps['items'][0]['id']}", token=token)
    assert latest["status"] == "live" and latest["spec"]["spot"] == {"percent": 70, "on_demand_base": 1}, latest
    [arn] = [s["result"]["arn"] for s in latest["steps"] if s["name"] == "task_definition"]
    assert task_definition(launchbay_env["AWS_ENDPOINT_URL"], arn)["runtimePlatform"]["cpuArchitecture"] == "ARM64", arn
    check_errors()
