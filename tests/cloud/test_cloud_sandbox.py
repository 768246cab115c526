"""AwsCloud's boto3 code against a real moto server (through SandboxCloud).

Every ensure_* is called twice and must leave one resource behind.
"""
from __future__ import annotations

import contextlib
import time

import pytest

from chalicelib.cloud import naming

SECRET_VALUE = "s3cr3t-value-never-in-a-task-definition"


def _container(uid: str, secrets: dict[str, str] | None = None, **over):
    spec = {"name": "web", "image": "nginx@sha256:" + "a" * 64, "port": 8080, "cpu": 256, "memory": 512,
            "env": {"PORT": "8080", "A": "1"}, "secrets": secrets or {},
            "log_group": f"/launchbay/test/{uid}", "log_stream_prefix": "web", "health_check_path": "/healthz"}
    spec.update(over)
    return spec


def test_ping(sandbox) -> None:
    result = sandbox.ping()
    assert result["ok"] is True and result["mode"] == "sandbox" and result["region"] == "us-east-1"
    assert "123456789012" in result["detail"]


def test_ensure_cluster_twice(sandbox) -> None:
    a, b = sandbox.ensure_cluster(), sandbox.ensure_cluster()
    assert a == b and a.endswith(":cluster/launchbay-test")
    clusters = sandbox.client("ecs").list_clusters()["clusterArns"]
    assert clusters.count(a) == 1


def test_ensure_network_twice(sandbox) -> None:
    a, b = sandbox.ensure_network(), sandbox.ensure_network()
    assert a == b
    assert a["subnets"] and a["vpc_id"].startswith("vpc-") and a["assign_public_ip"] is True
    groups = sandbox.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [naming.SERVICES_SECURITY_GROUP]}])["SecurityGroups"]
    assert [g["GroupId"] for g in groups] == a["security_groups"]
    # tasks in the group may reach each other
    pairs = [p for perm in groups[0]["IpPermissions"] for p in perm.get("UserIdGroupPairs", [])]
    assert {"GroupId": groups[0]["GroupId"]}.items() <= pairs[0].items()


def test_ensure_network_with_configured_subnets(moto_url, sandbox, network) -> None:
    from chalicelib.cloud.sandbox import SandboxCloud
    from tests.support.cloud import make_settings

    cloud = SandboxCloud(make_settings(moto_url, LAUNCHBAY_SUBNETS=",".join(network["subnets"][:2]),
                                       LAUNCHBAY_SECURITY_GROUPS=network["security_groups"][0]))
    got = cloud.ensure_network()
    assert got["subnets"] == network["subnets"][:2] and got["security_groups"] == network["security_groups"][:1]
    assert got["vpc_id"] == network["vpc_id"]


def test_log_group_retention(sandbox, uid) -> None:
    name = f"/launchbay/test/{uid}"
    arn = sandbox.ensure_log_group(name, 10)
    assert arn == sandbox.ensure_log_group(name, 10) and arn.endswith(name)
    groups = sandbox.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert len(groups) == 1 and groups[0]["retentionInDays"] == 14  # rounded up to a legal value
    sandbox.ensure_log_group(name, 30)
    assert sandbox.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["retentionInDays"] == 30


def test_secrets(sandbox, uid) -> None:
    name = naming.secret_parameter_name("org", uid, "DB_PASSWORD")
    first = sandbox.put_secret(name, "one")
    assert first["arn"] == f"arn:aws:ssm:us-east-1:123456789012:parameter{name}"
    again = sandbox.put_secret(name, "one")
    assert again["version"] == first["version"] and again["changed"] is False
    changed = sandbox.put_secret(name, "two")
    assert changed["version"] == first["version"] + 1 and changed["arn"] == first["arn"]
    param = sandbox.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert param["Type"] == "SecureString" and param["Value"] == "two"
    sandbox.delete_secret(name)
    sandbox.delete_secret(name)  # missing: ignored
    with pytest.raises(ValueError):
        sandbox.put_secret("not-under-prefix", "x")


def test_task_definition_uses_value_from_and_is_reused(sandbox, uid) -> None:
    secret = sandbox.put_secret(naming.secret_parameter_name("org", uid, "DB_PASSWORD"), SECRET_VALUE)
    family = f"web-{uid}"
    container = _container(uid, secrets={"DB_PASSWORD": secret["arn"]})
    first = sandbox.register_task_definition(family, container)
    second = sandbox.register_task_definition(family, dict(container, env={"A": "1", "PORT": "8080"}))
    assert second["arn"] == first["arn"] and second["reused"] is True
    td = sandbox.client("ecs").describe_task_definition(taskDefinition=first["arn"])["taskDefinition"]
    c = td["containerDefinitions"][0]
    assert c["secrets"] == [{"name": "DB_PASSWORD", "valueFrom": secret["arn"]}]
    assert SECRET_VALUE not in str(td)
    assert td["cpu"] == "256" and td["memory"] == "512" and td["networkMode"] == "awsvpc"
    assert td["executionRoleArn"].endswith(":role/" + naming.EXECUTION_ROLE_NAME)
    assert c["logConfiguration"]["options"]["awslogs-group"] == f"/launchbay/test/{uid}"
    # a changed spec gets a new revision; list is newest first; deregister is idempotent
    third = sandbox.register_task_definition(family, dict(container, image="nginx:2"))
    assert third["revision"] == first["revision"] + 1
    assert sandbox.list_task_definitions(family) == [third["arn"], first["arn"]]
    sandbox.deregister_task_definition(third["arn"])
    sandbox.deregister_task_definition(third["arn"])
    assert sandbox.list_task_definitions(family) == [first["arn"]]
    # with the newest revision inactive, the identical older one is still found
    assert sandbox.register_task_definition(family, container)["arn"] == first["arn"]


def test_execution_role_created_once(sandbox) -> None:
    arn = sandbox.execution_role_arn()
    roles = [r for r in sandbox.client("iam").list_roles()["Roles"] if r["RoleName"] == naming.EXECUTION_ROLE_NAME]
    assert [r["Arn"] for r in roles] == [arn]
    policy = sandbox.client("iam").get_role_policy(RoleName=naming.EXECUTION_ROLE_NAME, PolicyName="launchbay")
    assert "parameter/launchbay/*" in str(policy["PolicyDocument"])


def test_load_balancer_twice(sandbox, network, uid) -> None:
    a = sandbox.ensure_load_balancer(f"lb-{uid}", network)
    b = sandbox.ensure_load_balancer(f"lb-{uid}", network)
    assert a == b and a["dns_name"]
    elb = sandbox.client("elbv2")
    listeners = elb.describe_listeners(LoadBalancerArn=a["arn"])["Listeners"]
    assert [(l["Port"], l["Protocol"]) for l in listeners] == [(80, "HTTP")]
    action = listeners[0]["DefaultActions"][0]
    assert action["Type"] == "fixed-response" and action["FixedResponseConfig"]["StatusCode"] == "404"
    lb = elb.describe_load_balancers(LoadBalancerArns=[a["arn"]])["LoadBalancers"][0]
    assert lb["Scheme"] == "internet-facing" and lb["Type"] == "application"
    # the task group accepts traffic from the load balancer's group
    tasks_sg = sandbox.client("ec2").describe_security_groups(GroupIds=network["security_groups"])["SecurityGroups"][0]
    sources = {p["GroupId"] for perm in tasks_sg["IpPermissions"] for p in perm.get("UserIdGroupPairs", [])}
    assert a["security_group"] in sources


def test_load_balancer_with_certificate(sandbox, network, uid) -> None:
    cert = sandbox.request_certificate(f"{uid}.example.org")
    out = sandbox.ensure_load_balancer(f"tls-{uid}", network, certificate_arn=cert["arn"])
    again = sandbox.ensure_load_balancer(f"tls-{uid}", network, certificate_arn=cert["arn"])
    assert out == again and out["https_listener_arn"]
    ports = sorted(l["Port"] for l in sandbox.client("elbv2").describe_listeners(LoadBalancerArn=out["arn"])["Listeners"])
    assert ports == [80, 443]


def test_target_group_health_settings(sandbox, network, uid) -> None:
    name = f"tg-{uid}-a-very-long-service-name-that-needs-hashing"
    health = {"path": "/healthz", "interval_seconds": 10, "timeout_seconds": 5, "healthy_threshold": 2,
              "unhealthy_threshold": 4, "matcher": "200"}
    arn = sandbox.ensure_target_group(name, 8080, health, network["vpc_id"], deregistration_delay=15)
    assert sandbox.ensure_target_group(name, 8080, health, network["vpc_id"], deregistration_delay=15) == arn
    elb = sandbox.client("elbv2")
    tg = elb.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    assert tg["TargetGroupName"] == naming.elb_name(name) and len(tg["TargetGroupName"]) <= 32
    assert (tg["TargetType"], tg["Protocol"], tg["HealthCheckPath"], tg["HealthCheckIntervalSeconds"],
            tg["HealthCheckTimeoutSeconds"], tg["HealthyThresholdCount"], tg["UnhealthyThresholdCount"],
            tg["Matcher"]["HttpCode"]) == ("ip", "HTTP", "/healthz", 10, 5, 2, 4, "200")
    # an existing group is brought in line
    sandbox.ensure_target_group(name, 8080, dict(health, path="/ready", interval_seconds=30), network["vpc_id"],
                                deregistration_delay=5)
    tg = elb.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    assert tg["HealthCheckPath"] == "/ready" and tg["HealthCheckIntervalSeconds"] == 30
    attrs = {a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]}
    assert attrs["deregistration_delay.timeout_seconds"] == "5"
    names = [g["TargetGroupName"] for page in elb.get_paginator("describe_target_groups").paginate()
             for g in page["TargetGroups"]]   # every page: the session's sandbox has many
    assert names.count(naming.elb_name(name)) == 1


def test_listener_rules_reuse_and_priority(sandbox, network, uid) -> None:
    lb = sandbox.ensure_load_balancer(f"rules-{uid}", network)
    tg1 = sandbox.ensure_target_group(f"r1-{uid}", 8080, {"path": "/"}, network["vpc_id"])
    tg2 = sandbox.ensure_target_group(f"r2-{uid}", 8080, {"path": "/"}, network["vpc_id"])
    listener = lb["listener_arn"]
    host_rule = sandbox.ensure_listener_rule(listener, "App.example.com", "/", tg1)
    assert sandbox.ensure_listener_rule(listener, "app.example.com", "", tg1) == host_rule
    api_rule = sandbox.ensure_listener_rule(listener, "app.example.com", "/api/*", tg2)
    other = sandbox.ensure_listener_rule(listener, "other.example.com", "", tg2)
    elb = sandbox.client("elbv2")
    rules = {r["RuleArn"]: r for r in elb.describe_rules(ListenerArn=listener)["Rules"]}
    assert len(rules) == 4  # three rules + default
    prio = {arn: int(rules[arn]["Priority"]) for arn in (host_rule, api_rule, other)}
    assert prio[api_rule] < prio[host_rule] < prio[other]  # the more specific rule is evaluated first
    assert prio[host_rule] + 1 == prio[other]  # lowest free in its band
    # same conditions, new target group: the rule is re-pointed, not duplicated
    assert sandbox.ensure_listener_rule(listener, "app.example.com", "/", tg2) == host_rule
    rule = elb.describe_rules(RuleArns=[host_rule])["Rules"][0]
    assert rule["Actions"][0]["TargetGroupArn"] == tg2
    sandbox.delete_listener_rule(listener, "other.example.com", "")
    assert len(elb.describe_rules(ListenerArn=listener)["Rules"]) == 3
    # a freed priority is taken again
    again = sandbox.ensure_listener_rule(listener, "third.example.com", "", tg1)
    assert int(elb.describe_rules(RuleArns=[again])["Rules"][0]["Priority"]) == prio[other]


def _service_stack(sandbox, network, uid):
    lb = sandbox.ensure_load_balancer(f"svc-{uid}", network)
    tg = sandbox.ensure_target_group(f"svc-{uid}", 8080, {"path": "/healthz"}, network["vpc_id"])
    sandbox.ensure_listener_rule(lb["listener_arn"], f"{uid}.example.com", "", tg)
    td = sandbox.register_task_definition(f"svc-{uid}", _container(uid))
    return lb, tg, td


@contextlib.contextmanager
def recording(client, operation: str):
    """Record the parameters of every `operation` call (moto does not echo them all back)."""
    calls: list[dict] = []
    event = f"provide-client-params.{client.meta.service_model.service_id.hyphenize()}.{operation}"

    def record(params, **_):
        calls.append(dict(params))

    client.meta.events.register(event, record)
    try:
        yield calls
    finally:
        client.meta.events.unregister(event, record)


def test_service_create_update_and_idempotency(sandbox, network, uid) -> None:
    lb, tg, td = _service_stack(sandbox, network, uid)
    name = f"svc-{uid}"
    ecs = sandbox.client("ecs")
    with recording(ecs, "CreateService") as creates, recording(ecs, "UpdateService") as updates:
        created = sandbox.ensure_service(name, td["arn"], 2, network, tg, "web", 8080)
        assert created["deployment_id"].startswith("ecs-svc/")
        assert sandbox.ensure_service(name, td["arn"], 2, network, tg, "web", 8080) == created  # no new rollout
    assert len(creates) == 1 and updates == []
    cfg = creates[0]["deploymentConfiguration"]
    assert cfg["minimumHealthyPercent"] == 100 and cfg["maximumPercent"] == 200
    assert cfg["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert creates[0]["healthCheckGracePeriodSeconds"] > 0
    assert creates[0]["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "ENABLED"
    raw = ecs.describe_services(cluster="launchbay-test", services=[name])["services"][0]
    # made with a strategy (regular Fargate), so a later move onto Fargate Spot is a legal update
    assert "launchType" not in raw and raw["desiredCount"] == 2
    assert raw["capacityProviderStrategy"] == [{"capacityProvider": "FARGATE", "base": 0, "weight": 1}]
    assert creates[0]["capacityProviderStrategy"] == raw["capacityProviderStrategy"]
    assert raw["loadBalancers"] == [{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}]
    # a new task definition: moto keeps the old deployments, so the id is the marker
    td2 = sandbox.register_task_definition(name, _container(uid, image="nginx:2"))
    with recording(ecs, "UpdateService") as updates:
        updated = sandbox.ensure_service(name, td2["arn"], 2, network, tg, "web", 8080)
        assert sandbox.ensure_service(name, td2["arn"], 2, network, tg, "web", 8080) == updated
    assert len(updates) == 1 and updates[0]["forceNewDeployment"] is False
    assert updated["deployment_id"] == "taskdef:" + td2["arn"]
    assert sandbox.describe_service(name)["task_definition"] == td2["arn"]
    # observe: completes in the sandbox (delay 0), and the first deployment is superseded
    done = sandbox.observe_rollout(name, updated["deployment_id"], {}, time.time() - 10)
    assert done["state"] == "completed" and done["running"] == 2
    old = sandbox.observe_rollout(name, created["deployment_id"], {}, time.time() - 10)
    assert old["state"] == "failed" and "superseded" in old["reason"]
    # delete twice
    sandbox.delete_service(name)
    sandbox.delete_service(name)
    assert sandbox.describe_service(name) is None
    gone = sandbox.observe_rollout(name, updated["deployment_id"], {}, time.time() - 10)
    assert gone["state"] == "failed" and gone["reason"] == "service not found"


def test_describe_service_digest(sandbox, network, uid) -> None:
    td = sandbox.register_task_definition(f"worker-{uid}", _container(uid, port=None, health_check_path=None))
    sandbox.ensure_service(f"worker-{uid}", td["arn"], 1, network)
    got = sandbox.describe_service(f"worker-{uid}")
    assert got["name"] == f"worker-{uid}" and got["desired"] == 1 and got["load_balancers"] == []
    assert got["deployments"][0]["status"] == "PRIMARY"
    import json

    json.dumps(got)  # JSON-able (datetimes as strings)
    assert sandbox.describe_service(f"nope-{uid}") is None


@pytest.mark.parametrize("fail, state, words", [
    ("", "completed", "2 of 2 tasks running"),
    ("crash", "failed", "container exited with code 1"),
    ("1", "failed", "LAUNCHBAY_SANDBOX_FAIL=1"),
    ("health", "failed", "health check on /healthz returned 502 for 2 of 2 tasks"),
    ("timeout", "in_progress", "never finishes"),
])
def test_sandbox_rollout_modes(sandbox, network, uid, fail, state, words) -> None:
    _, tg, td = _service_stack(sandbox, network, uid)
    out = sandbox.ensure_service(f"svc-{uid}", td["arn"], 2, network, tg, "web", 8080)
    status = sandbox.observe_rollout(f"svc-{uid}", out["deployment_id"], {"LAUNCHBAY_SANDBOX_FAIL": fail},
                                     time.time() - 3600)
    assert status["state"] == state and words in status["reason"]
    sandbox.delete_service(f"svc-{uid}")


def test_sandbox_rollout_waits_for_delay(sandbox, network, uid) -> None:
    td = sandbox.register_task_definition(f"slow-{uid}", _container(uid))
    out = sandbox.ensure_service(f"slow-{uid}", td["arn"], 1, network)
    env = {"LAUNCHBAY_SANDBOX_DELAY": "60"}
    started = 1_000_000.0
    assert sandbox.observe_rollout(f"slow-{uid}", out["deployment_id"], env, started,
                                   now=started + 1)["state"] == "in_progress"
    done = sandbox.observe_rollout(f"slow-{uid}", out["deployment_id"], env, started, now=started + 61)
    assert done["state"] == "completed"
    # no target group: the health path comes from the task definition label
    sick = sandbox.observe_rollout(f"slow-{uid}", out["deployment_id"], dict(env, LAUNCHBAY_SANDBOX_FAIL="health"),
                                   started, now=started + 61)
    assert "/healthz" in sick["reason"]


def test_run_task_is_simulated(sandbox, network, uid) -> None:
    td = sandbox.register_task_definition(f"job-{uid}", _container(uid, port=None))
    ok = sandbox.run_task(td["arn"], network)
    assert ok["started"] and ok["exit_code"] == 0 and ok["task_arn"].startswith("sandbox:")
    assert sandbox.run_task(td["arn"], network, env={"LAUNCHBAY_SANDBOX_FAIL": "crash"})["exit_code"] == 1
    a = sandbox.run_task(td["arn"], network, client_token="run_1")
    assert sandbox.run_task(td["arn"], network, client_token="run_1")["task_arn"] == a["task_arn"]
    with pytest.raises(Exception):
        sandbox.run_task(td["arn"].rsplit(":", 1)[0] + ":999", network)


def test_schedule_rule_and_target(sandbox, network, uid) -> None:
    td = sandbox.register_task_definition(f"cron-{uid}", _container(uid, port=None))
    rule = f"launchbay-cron-{uid}"
    arn = sandbox.ensure_schedule(rule, "cron(0 3 * * ? *)", td["arn"], network)
    assert sandbox.ensure_schedule(rule, "rate(5 minutes)", td["arn"], network) == arn
    events = sandbox.client("events")
    assert events.describe_rule(Name=rule)["ScheduleExpression"] == "rate(5 minutes)"
    targets = events.list_targets_by_rule(Rule=rule)["Targets"]
    assert len(targets) == 1
    t = targets[0]
    assert t["Arn"].endswith(":cluster/launchbay-test")
    assert t["RoleArn"].endswith(":role/" + naming.EVENTS_ROLE_NAME)
    assert t["EcsParameters"]["TaskDefinitionArn"] == td["arn"]
    assert t["EcsParameters"]["LaunchType"] == "FARGATE"
    vpc = t["EcsParameters"]["NetworkConfiguration"]["awsvpcConfiguration"]
    assert vpc["Subnets"] == network["subnets"] and vpc["AssignPublicIp"] == "ENABLED"
    with pytest.raises(ValueError):
        sandbox.ensure_schedule(rule, "every 5 minutes", td["arn"], network)
    sandbox.delete_schedule(rule)
    sandbox.delete_schedule(rule)
    assert rule not in [r["Name"] for r in events.list_rules()["Rules"]]


def test_autoscaling_policies(sandbox, network, uid) -> None:
    lb, tg, td = _service_stack(sandbox, network, uid)
    name = f"svc-{uid}"
    sandbox.ensure_service(name, td["arn"], 1, network, tg, "web", 8080)
    for _ in range(2):
        sandbox.ensure_autoscaling(name, 1, 4, 55.0, requests_per_target=500, target_group_arn=tg,
                                   load_balancer_arn=lb["arn"])
    aas = sandbox.client("application-autoscaling")
    resource = f"service/launchbay-test/{name}"
    targets = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"]
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in targets] == [(1, 4)]
    policies = {p["PolicyName"]: p for p in
                aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)["ScalingPolicies"]}
    assert sorted(policies) == [f"launchbay-{name}-cpu", f"launchbay-{name}-requests"]
    cpu = policies[f"launchbay-{name}-cpu"]["TargetTrackingScalingPolicyConfiguration"]
    assert cpu["TargetValue"] == 55.0
    assert cpu["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageCPUUtilization"
    req = policies[f"launchbay-{name}-requests"]["TargetTrackingScalingPolicyConfiguration"]
    spec = req["PredefinedMetricSpecification"]
    assert spec["PredefinedMetricType"] == "ALBRequestCountPerTarget"
    assert spec["ResourceLabel"] == naming.request_count_resource_label(lb["arn"], tg)
    # a deploy keeps the autoscaled count inside the range instead of resetting it
    sandbox.client("ecs").update_service(cluster="launchbay-test", service=name, desiredCount=3)
    sandbox.ensure_service(name, td["arn"], 1, network, tg, "web", 8080)
    assert sandbox.describe_service(name)["desired"] == 3
    # without requests-per-target the requests policy goes away
    sandbox.ensure_autoscaling(name, 2, 5)
    policies = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)["ScalingPolicies"]
    assert [p["PolicyName"] for p in policies] == [f"launchbay-{name}-cpu"]
    sandbox.delete_service(name)
    assert aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"] == []


def test_certificate_and_dns(sandbox, uid) -> None:
    domain = f"app-{uid}.example.net"
    cert = sandbox.request_certificate(domain)
    assert sandbox.request_certificate(domain)["arn"] == cert["arn"]
    assert cert["status"] == "PENDING_VALIDATION"
    assert cert["validation_records"] and cert["validation_records"][0]["type"] == "CNAME"
    assert sandbox.describe_certificate(cert["arn"]) == cert
    # no hosted zone for the domain yet
    assert sandbox.upsert_dns_records(domain, cert["validation_records"]) is False
    r53 = sandbox.client("route53")
    r53.create_hosted_zone(Name="example.net", CallerReference=f"outer-{uid}")
    zone = r53.create_hosted_zone(Name=f"app-{uid}.example.net", CallerReference=f"inner-{uid}")["HostedZone"]
    for _ in range(2):
        assert sandbox.upsert_dns_records(domain, cert["validation_records"]) is True
    sets = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    cnames = [s for s in sets if s["Type"] == "CNAME"]
    assert len(cnames) == 1  # in the longest matching zone, once
    assert cnames[0]["ResourceRecords"][0]["Value"] == cert["validation_records"][0]["value"]


def test_read_logs(sandbox, uid) -> None:
    group = f"/launchbay/logs/{uid}"
    assert sandbox.read_logs(group, "web") == ([], None)
    sandbox.ensure_log_group(group, 7)
    logs = sandbox.client("logs")
    logs.create_log_stream(logGroupName=group, logStreamName="web/web/task1")
    logs.create_log_stream(logGroupName=group, logStreamName="other/x/task2")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="web/web/task1",
                        logEvents=[{"timestamp": now + i, "message": f"line {i}"} for i in range(3)])
    logs.put_log_events(logGroupName=group, logStreamName="other/x/task2",
                        logEvents=[{"timestamp": now, "message": "not mine"}])
    events, token = sandbox.read_logs(group, "web/", start_ms=now - 1000, limit=2)
    assert [e["message"] for e in events] == ["line 0", "line 1"] and token
    assert events[0] == {"ts": now, "message": "line 0", "stream": "web/web/task1"}
    more, _ = sandbox.read_logs(group, "web/", start_ms=now - 1000, next_token=token, limit=10)
    assert [e["message"] for e in more] == ["line 2"]


READ_PREFIXES = ("Describe", "List", "Get")
# Upserts by design (no cheaper way to compare): PutRule/PutTargets, RegisterScalableTarget, PutScalingPolicy.
UPSERTS = {"PutRule", "PutTargets", "RegisterScalableTarget", "PutScalingPolicy"}


def test_second_pass_makes_no_writes(sandbox, network, uid) -> None:
    """A redelivered deploy re-runs every step: once converged, only reads (and upserts) go out."""
    def deploy() -> None:
        net = sandbox.ensure_network()
        sandbox.ensure_cluster()
        sandbox.ensure_log_group(f"/launchbay/redo/{uid}", 30)
        secret = sandbox.put_secret(naming.secret_parameter_name("org", uid, "KEY", 1), "v")
        td = sandbox.register_task_definition(f"redo-{uid}", _container(uid, secrets={"KEY": secret["arn"]}))
        lb = sandbox.ensure_load_balancer(f"redo-{uid}", net)
        tg = sandbox.ensure_target_group(f"redo-{uid}", 8080, {"path": "/healthz"}, net["vpc_id"])
        sandbox.ensure_listener_rule(lb["listener_arn"], f"redo-{uid}.example.com", "/*", tg)
        sandbox.ensure_service(f"redo-{uid}", td["arn"], 1, net, tg, "web", 8080)
        sandbox.ensure_autoscaling(f"redo-{uid}", 1, 3, requests_per_target=100, target_group_arn=tg,
                                   load_balancer_arn=lb["arn"])
        sandbox.ensure_schedule(f"redo-{uid}", "rate(1 hour)", td["arn"], net)

    deploy()
    calls: list[str] = []

    def record(model, **_):
        calls.append(model.name)

    services = ["ec2", "ecs", "logs", "ssm", "elbv2", "application-autoscaling", "events", "iam", "sts"]
    clients = [sandbox.client(s) for s in services]
    for c in clients:
        c.meta.events.register("provide-client-params.*.*", record)
    try:
        deploy()
    finally:
        for c in clients:
            c.meta.events.unregister("provide-client-params.*.*", record)
    writes = [op for op in calls if not op.startswith(READ_PREFIXES) and op not in UPSERTS]
    assert calls and writes == []
    sandbox.delete_schedule(f"redo-{uid}")
    sandbox.delete_service(f"redo-{uid}")
