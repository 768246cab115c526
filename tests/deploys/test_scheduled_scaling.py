"""Scheduled scaling: a service's `autoscaling.schedule` becomes Application Auto Scaling scheduled
actions on its target (EventBridge's cron form, in the entry's time zone), and a deploy registers
the range in force now, so it does not undo the last scale-up. Against moto, through the API."""
from __future__ import annotations

from datetime import datetime, timezone

import boto3
import pytest

from chalicelib.deploys.scaling import in_force

pytestmark = pytest.mark.services

DAY = {"at": "0 8 * * 1-5", "min_instances": 4, "max_instances": 10, "timezone": "Europe/Berlin"}
NIGHT = {"at": "0 20 * * 1-5", "min_instances": 1, "max_instances": 4, "timezone": "Europe/Berlin"}


def aas(env):
    return boto3.client("application-autoscaling", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_the_range_in_force_is_the_entry_that_fired_last():
    tuesday_noon = datetime(2026, 12, 1, 11, 0, tzinfo=timezone.utc)        # 12:00 in Berlin
    assert in_force([DAY, NIGHT], tuesday_noon) == DAY
    assert in_force([DAY, NIGHT], datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)) == NIGHT
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)             # Friday 20:00's still
    assert in_force([DAY, NIGHT], saturday) == NIGHT
    assert in_force([{**DAY, "at": "0 8 1 1 *"}], tuesday_noon) is None   # nothing fired within a week


def test_a_schedule_becomes_scheduled_actions_and_a_deploy_keeps_the_range_in_force(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(min_instances=1, max_instances=4)
    status, err = org.call("PATCH", f"/services/{svc['id']}", {"autoscaling": {"schedule": [
        {**DAY, "at": "0 8 1 * 1"}]}})
    assert status == 422 and "schedule" in err["error"]["field"]
    status, err = org.call("PATCH", f"/services/{svc['id']}", {"autoscaling": {"schedule": [
        {**DAY, "max_instances": 2}]}})
    assert status == 422
    always = {"at": "* * * * *", "min_instances": 2, "max_instances": 6, "timezone": "UTC"}   # fired a minute ago
    status, got = org.call("PATCH", f"/services/{svc['id']}", {"autoscaling": {"schedule": [DAY, always]}})
    assert status == 200 and got["autoscaling"]["schedule"][0] == DAY and got["needs_deploy"] is True
    plan = org.call("GET", f"/services/{svc['id']}/plan")[1]
    step = {s["step"]: s for s in plan["steps"]}["autoscaling"]
    assert [c["method"] for c in step["calls"]] == ["ensure_autoscaling", "ensure_scheduled_scaling"]
    dep = org.deploy(ports, svc)
    assert dep["status"] == "live", dep.get("error")
    name = next(s for s in dep["steps"] if s["name"] == "service")["plan"]["name"]
    resource = f"service/{(dep.get('target') or {}).get('cluster') or 'launchbay'}/{name}"
    actions = {a["ScheduledActionName"]: a for a in aas(launchbay_env).describe_scheduled_actions(
        ServiceNamespace="ecs", ResourceId=resource)["ScheduledActions"] if a["ResourceId"] == resource}
    day = actions[f"launchbay-{name}-at-0"]
    assert day["Schedule"] == "cron(0 8 ? * 2-6 *)"   # AWS cron: 1 is Sunday and day["Timezone"] == "Europe/Berlin"
    assert day["ScalableTargetAction"] == {"MinCapacity": 4, "MaxCapacity": 10}
    (target,) = [t for t in aas(launchbay_env).describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
                 if t["ResourceId"] == resource]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)      # the entry in force, not 1..4

    # one entry fewer: its action goes with the next deploy
    status, _ = org.call("PATCH", f"/services/{svc['id']}", {"autoscaling": {"schedule": [DAY]}})
    assert status == 200
    step = {s["step"]: s for s in org.call("GET", f"/services/{svc['id']}/plan")[1]["steps"]}["autoscaling"]
    assert "scheduled" in step["changes"]
    assert org.deploy(ports, svc)["status"] == "live"
    left = [a["ScheduledActionName"] for a in aas(launchbay_env).describe_scheduled_actions(
        ServiceNamespace="ecs", ResourceId=resource)["ScheduledActions"] if a["ResourceId"] == resource]
    assert left == [f"launchbay-{name}-at-0"]


def test_a_suspended_service_loses_its_scheduled_actions_until_its_resume(make_org, ports, launchbay_env):
    from chalicelib.deploys import suspend as suspension
    from tests.support.deploying import run_to_end

    org = make_org()
    svc = org.service(min_instances=1, max_instances=4, autoscaling={"schedule": [DAY, NIGHT]})
    dep = org.deploy(ports, svc)
    name = next(s for s in dep["steps"] if s["name"] == "service")["plan"]["name"]
    resource = f"service/{(dep.get('target') or {}).get('cluster') or 'launchbay'}/{name}"

    def ours():
        return sorted(a["ScheduledActionName"] for a in aas(launchbay_env).describe_scheduled_actions(
            ServiceNamespace="ecs", ResourceId=resource)["ScheduledActions"] if a["ResourceId"] == resource)

    assert len(ours()) == 2
    assert org.call("POST", f"/services/{svc['id']}/suspend")[0] == 202
    suspension.run(ports, svc["id"])
    assert ours() == []                              # 08:00 would have started tasks of a suspended service
    status, resumed = org.call("POST", f"/services/{svc['id']}/resume")
    assert status == 202 and run_to_end(ports, resumed["id"])["status"] == "live"
    assert len(ours()) == 2
