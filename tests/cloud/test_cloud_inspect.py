"""Read-only lookups (cloud/inspect.py) against the moto server: None before an ensure_*,
the ensured values after it, and never a mutating API call."""
from __future__ import annotations

import contextlib
import json

import pytest

from chalicelib.cloud import naming
from chalicelib.cloud.edge import HEALTH_DEFAULTS
from chalicelib.cloud.inspect import diff, expected_health

MUTATING = ("Create", "Put", "Register", "Update", "Delete", "Modify", "Tag", "Authorize", "Attach", "Request",
            "Change", "Run", "Start", "Deregister", "Add", "Remove", "Set", "Untag")


def _container(uid: str, **over):
    spec = {"name": "web", "image": "nginx@sha256:" + "a" * 64, "port": 8080, "cpu": 256, "memory": 512,
            "env": {"PORT": "8080", "A": "1"}, "secrets": {},
            "log_group": f"/launchbay/test/{uid}", "log_stream_prefix": "web", "health_check_path": "/healthz"}
    spec.update(over)
    return spec


@pytest.fixture
def fresh(moto_url):
    """A cloud with its own boto3 session (and no memo), so a hook sees every client it makes."""
    from chalicelib.cloud.sandbox import SandboxCloud
    from tests.support.cloud import make_settings

    return SandboxCloud(make_settings(moto_url))


@contextlib.contextmanager
def operations(cloud):
    """Names of every AWS operation the cloud's clients call. A client copies the session's
    hooks when it is built: hook the session (clients built inside the block) and every
    client built before, and unhook them all after."""
    calls: list[str] = []

    def record(model, **_):
        calls.append(model.name)

    def emitters():
        return [cloud.clients._get_session().events, *(c.meta.events for c in cloud.clients._clients.values())]

    for events in emitters():
        events.register("before-call", record)
    try:
        yield calls
    finally:
        for events in emitters():
            events.unregister("before-call", record)


def test_diff() -> None:
    assert diff(None, {"a": 1, "b": None}, ["a", "b"]) == {"a": [None, 1]}
    assert diff({"a": 1, "h": {"x": 1}}, {"a": 1, "h": {"x": 2}}, ["a", "h", "zz"]) == {"h": [{"x": 1}, {"x": 2}]}
    assert diff({"a": 1}, {"a": 1}, ["a"]) == {}


def test_find_cluster(moto_url, uid) -> None:
    from chalicelib.cloud.sandbox import SandboxCloud
    from tests.support.cloud import make_settings

    cloud = SandboxCloud(make_settings(moto_url, LAUNCHBAY_CLUSTER=f"inspect-{uid}"))
    assert cloud.find_cluster() is None
    arn = cloud.ensure_cluster()
    assert cloud.find_cluster() == {"arn": arn, "status": "ACTIVE"}


def test_find_network(moto_url, sandbox, network) -> None:
    from chalicelib.cloud.sandbox import SandboxCloud
    from tests.support.cloud import make_settings

    assert sandbox.find_network() == network
    missing = SandboxCloud(make_settings(moto_url, LAUNCHBAY_SUBNETS="subnet-0000000000000dead"))
    assert missing.find_network() is None
    configured = SandboxCloud(make_settings(moto_url, LAUNCHBAY_SUBNETS=",".join(network["subnets"][:2]),
                                            LAUNCHBAY_SECURITY_GROUPS=network["security_groups"][0]))
    assert configured.find_network() == configured.ensure_network()


def test_find_log_group(sandbox, uid) -> None:
    name = f"/launchbay/inspect/{uid}"
    assert sandbox.find_log_group(name) is None
    sandbox.ensure_log_group(name, 10)
    assert sandbox.find_log_group(name) == {"name": name, "retention_days": 14}
    assert sandbox.find_log_group(name + "-other") is None  # prefix match is not enough


def test_find_secret_never_returns_the_value(sandbox, uid) -> None:
    name = naming.secret_parameter_name("org", uid, "TOKEN")
    assert sandbox.find_secret(name) is None
    put = sandbox.put_secret(name, "very-secret-value")
    found = sandbox.find_secret(name)
    assert found == {"arn": put["arn"]}
    assert "very-secret-value" not in json.dumps(found)


def test_find_task_definition(sandbox, uid) -> None:
    family = f"insp-{uid}"
    container = _container(uid, secrets={"DB": f"arn:aws:ssm:us-east-1:123456789012:parameter/launchbay/o/{uid}/DB"})
    before = sandbox.find_task_definition(family, container)
    assert before["latest_arn"] is None and before["matches"] is False
    assert before["changes"]["image"] == [None, container["image"]]
    assert before["changes"]["env"] == {"added": ["A", "PORT"], "removed": [], "changed": []}

    reg = sandbox.register_task_definition(family, container)
    assert sandbox.find_task_definition(family, container) == {"latest_arn": reg["arn"], "matches": True,
                                                               "changes": {}}
    changed = dict(container, image="nginx:2", cpu=512, memory=1024, env={"A": "2", "NEW": "x"},
                   secrets={}, health_check_path="/ready")
    got = sandbox.find_task_definition(family, changed)
    assert got["latest_arn"] == reg["arn"] and got["matches"] is False
    assert got["changes"] == {
        "image": [container["image"], "nginx:2"], "cpu": [256, 512], "memory": [512, 1024],
        "env": {"added": ["NEW"], "removed": ["PORT"], "changed": ["A"]},
        "secrets": {"added": [], "removed": ["DB"], "changed": []},
        "health_check_path": ["/healthz", "/ready"],
    }
    assert '"2"' not in json.dumps(got["changes"]) and "x" not in json.dumps(got["changes"]["env"])
    # the answer is register_task_definition's: a new revision exactly when matches is False
    assert sandbox.register_task_definition(family, changed)["reused"] is False
    assert sandbox.find_task_definition(family, changed)["matches"] is True
    with pytest.raises(ValueError):
        sandbox.find_task_definition(family, dict(container, cpu=300))


def test_find_task_definition_without_execution_role(fresh, sandbox, uid) -> None:
    """A missing role is a change (apply creates it); the lookup does not create it."""
    family = f"norole-{uid}"
    sandbox.register_task_definition(family, _container(uid))
    iam = fresh.client("iam")
    role_arn = iam.get_role(RoleName=naming.EXECUTION_ROLE_NAME)["Role"]["Arn"]
    iam.delete_role_policy(RoleName=naming.EXECUTION_ROLE_NAME, PolicyName="launchbay")
    iam.delete_role(RoleName=naming.EXECUTION_ROLE_NAME)
    try:
        got = fresh.find_task_definition(family, _container(uid))
        assert got["matches"] is False and got["changes"] == {"execution_role": [None, role_arn]}
        assert naming.EXECUTION_ROLE_NAME not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    finally:
        assert fresh.execution_role_arn() == role_arn  # put back for the other tests


def test_find_load_balancer_and_target_group_and_rule(sandbox, network, uid) -> None:
    name = f"insp-{uid}"
    assert sandbox.find_load_balancer(name) is None and sandbox.find_target_group(name) is None
    lb = sandbox.ensure_load_balancer(name, network)
    assert sandbox.find_load_balancer(name) == lb

    health = {"path": "/healthz", "interval_seconds": 10, "matcher": "200"}
    tg = sandbox.ensure_target_group(name, 8080, health, network["vpc_id"], deregistration_delay=15)
    found = sandbox.find_target_group(name)
    assert found == {"arn": tg, "port": 8080, "vpc_id": network["vpc_id"], "deregistration_delay": 15,
                     "health": {**HEALTH_DEFAULTS, **health}}
    assert diff(found, {"health": expected_health(health)}, ["health"]) == {}
    drift = diff(found, {"health": expected_health(dict(health, path="/ready"))}, ["health"])
    assert drift["health"][1]["path"] == "/ready"

    host = f"{uid}.example.com"
    assert sandbox.find_listener_rule(lb["listener_arn"], host, "/api/*") is None
    rule = sandbox.ensure_listener_rule(lb["listener_arn"], host, "/api/*", tg)
    got = sandbox.find_listener_rule(lb["listener_arn"], host.upper(), "/api/*")
    assert got is not None and got["arn"] == rule and got["target_group_arn"] == tg
    assert isinstance(got["priority"], int) and got["priority"] < 25000  # the path band
    assert sandbox.find_listener_rule(lb["listener_arn"], host, "") is None  # host-only is another rule
    missing_listener = lb["listener_arn"].rsplit("/", 1)[0] + "/0123456789abcdef"
    assert sandbox.find_listener_rule(missing_listener, host, "") is None


def test_find_load_balancer_with_https(sandbox, network, uid) -> None:
    cert = sandbox.request_certificate(f"insp-{uid}.example.org")
    lb = sandbox.ensure_load_balancer(f"insp-tls-{uid}", network, certificate_arn=cert["arn"])
    assert sandbox.find_load_balancer(f"insp-tls-{uid}") == lb and lb["https_listener_arn"]


def test_find_schedule(sandbox, network, uid) -> None:
    rule = f"launchbay-insp-{uid}"
    assert sandbox.find_schedule(rule) is None
    td = sandbox.register_task_definition(f"cron-insp-{uid}", _container(uid, port=None))
    arn = sandbox.ensure_schedule(rule, "rate(5 minutes)", td["arn"], network)
    assert sandbox.find_schedule(rule) == {"arn": arn, "schedule": "rate(5 minutes)",
                                           "task_definition": td["arn"], "enabled": True,
                                           "capacity": [["FARGATE", 0, 1]]}   # the FARGATE launch type
    spot = [{"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 1}]
    sandbox.ensure_schedule(rule, "rate(5 minutes)", td["arn"], network, capacity=spot)
    assert sandbox.find_schedule(rule)["capacity"] == [["FARGATE_SPOT", 0, 1]]
    sandbox.delete_schedule(rule)
    assert sandbox.find_schedule(rule) is None


def test_find_autoscaling(sandbox, network, uid) -> None:
    name = f"insp-{uid}"
    assert sandbox.find_autoscaling(name) is None
    td = sandbox.register_task_definition(name, _container(uid, port=None))
    sandbox.ensure_service(name, td["arn"], 1, network)  # AAS needs the ECS service
    assert sandbox.find_autoscaling(name) is None
    sandbox.ensure_autoscaling(name, 1, 4, 55.0)
    assert sandbox.find_autoscaling(name) == {"min": 1, "max": 4, "policies": [f"launchbay-{name}-cpu"],
                                              "targets": {f"launchbay-{name}-cpu": 55.0}, "scheduled": []}
    # scheduled scaling (deploys/scaling.py): ours read back in the shape they were put in, and removed
    at = [{"name": f"launchbay-{name}-at-0", "schedule": "cron(0 8 ? * 2-6 *)", "timezone": "Europe/Berlin",
           "min": 4, "max": 10}]
    assert sandbox.ensure_scheduled_scaling(name, at) == [at[0]["name"]]
    assert sandbox.find_autoscaling(name)["scheduled"] == at
    sandbox.ensure_scheduled_scaling(name, [])
    assert sandbox.find_autoscaling(name)["scheduled"] == []
    assert sandbox.find_autoscaling(f"other-{uid}") is None
    sandbox.delete_service(name)
    assert sandbox.find_autoscaling(name) is None


def test_find_certificate(sandbox, uid) -> None:
    domain = f"cert-{uid}.example.net"
    assert sandbox.find_certificate(domain) is None
    cert = sandbox.request_certificate(domain)
    assert sandbox.find_certificate(domain.upper() + ".") == {"arn": cert["arn"], "status": "PENDING_VALIDATION",
                                                              "owner": None}
    # a service's own certificate is another one, and only that service is given it
    mine = sandbox.request_certificate(domain, owner="svc_mine")
    assert mine["arn"] != cert["arn"]
    assert sandbox.find_certificate(domain, owner="svc_mine") == {"arn": mine["arn"], "status": "PENDING_VALIDATION",
                                                                  "owner": "svc_mine"}
    assert sandbox.find_certificate(domain, owner="svc_other") is None


def test_lookups_make_no_mutating_call(fresh, sandbox, network, uid) -> None:
    name = f"ro-{uid}"
    lb = sandbox.ensure_load_balancer(name, network)
    tg = sandbox.ensure_target_group(name, 8080, {"path": "/"}, network["vpc_id"])
    sandbox.ensure_listener_rule(lb["listener_arn"], f"{uid}.example.com", "", tg)
    td = sandbox.register_task_definition(name, _container(uid))
    sandbox.ensure_schedule(name, "rate(1 hour)", td["arn"], network)
    sandbox.ensure_service(name, td["arn"], 1, network, tg, "web", 8080)
    sandbox.ensure_autoscaling(name, 1, 2)
    sandbox.ensure_log_group(f"/launchbay/ro/{uid}")
    sandbox.put_secret(naming.secret_parameter_name("org", uid, "K"), "v")
    sandbox.request_certificate(f"{name}.example.org")

    with operations(fresh) as calls:
        for suffix in ("", "-missing"):  # present and absent resources
            n = name + suffix
            fresh.find_cluster()
            fresh.find_network()
            fresh.find_log_group(f"/launchbay/ro/{uid}{suffix}")
            fresh.find_secret(naming.secret_parameter_name("org", uid, "K" + suffix.replace("-", "_")))
            fresh.find_task_definition(n, _container(uid))
            fresh.find_load_balancer(n)
            fresh.find_target_group(n)
            fresh.find_listener_rule(lb["listener_arn"], f"{uid}{suffix}.example.com", "")
            fresh.find_schedule(n)
            fresh.find_autoscaling(n)
            fresh.find_certificate(f"{n}.example.org")
            fresh.describe_service(n)
    assert {"DescribeClusters", "DescribeVpcs", "DescribeSecurityGroups", "DescribeLogGroups", "DescribeParameters",
            "GetRole", "DescribeTaskDefinition", "DescribeLoadBalancers", "DescribeListeners", "DescribeTargetGroups",
            "DescribeTargetGroupAttributes", "DescribeRules", "DescribeRule", "ListTargetsByRule",
            "DescribeScalableTargets", "DescribeScalingPolicies", "ListCertificates", "DescribeServices"} <= set(calls)
    assert [op for op in calls if op.startswith(MUTATING)] == []
    with operations(fresh) as calls:  # the hook does see writes
        fresh.ensure_log_group(f"/launchbay/ro/{uid}", 60)
    assert "PutRetentionPolicy" in calls
    sandbox.delete_schedule(name)
    sandbox.delete_service(name)
