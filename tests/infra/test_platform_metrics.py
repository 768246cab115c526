"""The alarms and the workers' scaling read exactly the metrics the beat task publishes
(chalicelib/observe/platform_metrics.py): same namespace, names and dimensions, and the
process that puts them (a worker, default queue) may put them."""
from __future__ import annotations

from chalicelib import tasks
from chalicelib.observe import platform_metrics as pm
from chalicelib.queue import queue_name
from tests.infra.conftest import environments, resources


def _published_dimensions(prefix: str) -> dict[str, list[dict]]:
    depths = {queue_name(prefix, q): {"depth": 0.0, "age": 0.0} for q in tasks.QUEUES}
    out: dict[str, list[dict]] = {}
    for item in pm.metric_data(depths, 0, 0.0):
        out.setdefault(item["MetricName"], []).append(
            {d["Name"]: d["Value"] for d in item.get("Dimensions", [])})
    return out


def test_alarms_and_scaling_read_what_beat_publishes(assemblies):
    for config, stacks in assemblies.items():
        prefixes = {env["LAUNCHBAY_QUEUE_PREFIX"] for env in environments(stacks).values()}
        assert len(prefixes) == 1, prefixes
        published = _published_dimensions(prefixes.pop())
        ours = [a["Properties"] for name in ("alarms", "workers")
                for a in resources(stacks[name]["template"], "AWS::CloudWatch::Alarm").values()
                if a["Properties"].get("Namespace") == pm.NAMESPACE]
        assert {a["MetricName"] for a in ours} == {pm.QUEUE_DEPTH, pm.QUEUE_AGE, pm.DEPLOYMENTS_FAILED,
                                                   pm.EMAILS_FAILED}, config
        for alarm in ours:
            dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
            assert dims in published[alarm["MetricName"]], (config, alarm["MetricName"], dims)


def test_the_workers_that_run_the_task_may_put_the_metrics(assemblies):
    for config, stacks in assemblies.items():
        template = stacks["workers"]["template"]
        roles = {rid for rid, r in resources(template, "AWS::IAM::Role").items() if "WorkerRole" in rid}
        statements = [s for p in resources(template, "AWS::IAM::Policy").values()
                      if any(r.get("Ref") in roles for r in p["Properties"].get("Roles", []))
                      for s in p["Properties"]["PolicyDocument"]["Statement"]]
        put = [s for s in statements if s["Action"] == "cloudwatch:PutMetricData"]
        assert put and put[0]["Condition"] == {"StringEquals": {"cloudwatch:namespace": pm.NAMESPACE}}, config
