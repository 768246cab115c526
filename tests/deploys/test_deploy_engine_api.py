"""The deploy engine's user-facing behaviour, driven in-process against the moto sandbox."""
from __future__ import annotations

import boto3
import pytest

from chalicelib.deploys import watch
from tests.api.conftest import Api, signup
from tests.support.deploying import run_to_end


def setup_service(api, **over):
    body = signup(api)
    a = Api(api.client, body["token"])
    org = body["organization"]["id"]
    _, prj = a.call("POST", f"/orgs/{org}/projects", {"name": "p"})
    spec = {"name": "web", "image": "nginx:1.27", "port": 80, **over}
    status, svc = a.call("POST", f"/orgs/{org}/projects/{prj['id']}/services", spec)
    assert status == 201, svc
    return a, org, svc


def deploy(a, ports, org, svc_id, **body):
    status, dep = a.call("POST", f"/orgs/{org}/services/{svc_id}/deployments", body)
    assert status == 202, dep
    return run_to_end(ports, dep["id"])


def ecs(launchbay_env):
    return boto3.client("ecs", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_secrets_reach_the_task_definition_as_value_from_only(api, ports, launchbay_env):
    a, org, svc = setup_service(api, env={"PLAIN": "visible"})
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/DB_PASSWORD", {"value": "pa55-w0rd-xyz"})
    dep = deploy(a, ports, org, svc["id"])
    assert dep["status"] == "live"
    td = ecs(launchbay_env).describe_task_definition(taskDefinition=dep["task_definition"])["taskDefinition"]
    container = td["containerDefinitions"][0]
    assert {"name": "PLAIN", "value": "visible"} in container["environment"]
    assert [s["name"] for s in container["secrets"]] == ["DB_PASSWORD"]
    assert ":parameter/" in container["secrets"][0]["valueFrom"] and container["secrets"][0]["valueFrom"].endswith("/v1")
    assert "pa55-w0rd-xyz" not in str(td)
    assert td["requiresCompatibilities"] == ["FARGATE"] and td["networkMode"] == "awsvpc"


def test_rollback_to_an_older_release_reuses_its_image_and_secret_versions(api, ports, launchbay_env):
    a, org, svc = setup_service(api)
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/TOKEN", {"value": "one"})
    first = deploy(a, ports, org, svc["id"])
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/TOKEN", {"value": "two"})
    second = deploy(a, ports, org, svc["id"], image="nginx:1.28")
    assert second["image"] == "nginx:1.28" and second["secret_refs"]["TOKEN"]["version"] == 2
    status, releases = a.call("GET", f"/orgs/{org}/services/{svc['id']}/releases")
    assert [r["number"] for r in releases["items"]] == [2, 1] and releases["items"][0]["current"]
    status, rb = a.call("POST", f"/orgs/{org}/services/{svc['id']}/rollback", {"deployment_id": first["id"]})
    assert status == 202 and rb["rollback_of"] == first["id"]
    done = run_to_end(ports, rb["id"])
    assert done["status"] == "live" and done["image"] == "nginx:1.27"
    assert done["secret_refs"]["TOKEN"] == first["secret_refs"]["TOKEN"]
    td = ecs(launchbay_env).describe_task_definition(taskDefinition=done["task_definition"])["taskDefinition"]
    assert td["containerDefinitions"][0]["image"] == "nginx:1.27"
    status, err = a.call("POST", f"/orgs/{org}/services/{svc['id']}/rollback", {"deployment_id": "dep_nope"})
    assert status == 404 and err["error"]["field"] == "deployment_id"   # named as the request names it


def test_a_live_web_service_says_where_it_answers(api, ports, launchbay_env):
    a, org, svc = setup_service(api)
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1].get("endpoints") is None   # nothing live yet
    dep = deploy(a, ports, org, svc["id"])
    _, service = a.call("GET", f"/orgs/{org}/services/{svc['id']}")
    ends = service["endpoints"]
    # what the load balancer really has: its DNS name, and a rule for the host
    elb = boto3.client("elbv2", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    # every page: the sandbox holds the load balancers of every test before this one
    lb = next(x for page in elb.get_paginator("describe_load_balancers").paginate() for x in page["LoadBalancers"]
              if x["DNSName"] == ends["load_balancer"])
    assert lb["LoadBalancerName"] == dep["target"]["load_balancer"]
    rules = elb.describe_rules(ListenerArn=elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])
                               ["Listeners"][0]["ListenerArn"])["Rules"]
    hosts = {v for r in rules for c in r["Conditions"] if c["Field"] == "host-header"
             for v in c.get("HostHeaderConfig", {}).get("Values", c.get("Values", []))}
    assert ends["host"] in hosts and ends["host"].startswith("web-") and ends["host"].endswith(".launchbay.internal")
    assert ends["try"] == f"curl -H 'Host: {ends['host']}' http://{lb['DNSName']}/"
    assert ends["domain"] is None and ends["url"] is None   # no custom domain
    _, listed = a.call("GET", f"/orgs/{org}/projects/{svc['project_id']}/services")
    assert listed["items"][0]["endpoints"] == ends
    # a second release: the first keeps its final status and says what replaced it
    second = deploy(a, ports, org, svc["id"])
    first = a.call("GET", f"/orgs/{org}/deployments/{dep['id']}")[1]
    assert (first["status"], first["replaced_by"]) == ("live", second["id"]) and "replaced_by" not in second


def test_each_failure_mode_rolls_back_to_the_live_release(api, ports, monkeypatch):
    a, org, svc = setup_service(api, health_check={"path": "/healthz"})
    good = deploy(a, ports, org, svc["id"])
    live_endpoints = a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["endpoints"]
    expectations = {"health": "health check on /healthz", "crash": "exited with code 1"}
    for mode, words in expectations.items():
        a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": mode}})
        dep = deploy(a, ports, org, svc["id"])
        assert dep["status"] == "rolled_back", (mode, dep["error"])
        assert words in dep["error"] and dep["rollback_to"] == good["id"]
        assert [s["name"] for s in dep["steps"]][-2:] == ["rollback.service", "rollback.rollout"]
        # every phase it went through, in order, each with its time
        assert [p["status"] for p in dep["phases"]] == ["queued", "provisioning", "deploying", "rollback_pending",
                                                       "rolling_back", "rolled_back"], mode
        assert [p["at"] for p in dep["phases"]] == sorted(p["at"] for p in dep["phases"])
        assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["endpoints"] == live_endpoints
    # timeout: the rollout never completes; the deadline turns it into a failure
    monkeypatch.setenv("LAUNCHBAY_DEPLOY_TIMEOUT", "1")
    from chalicelib import wiring as settings
    settings.reset()
    from chalicelib.wiring import get_ports
    ports = get_ports()
    a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": "timeout"}})
    dep = deploy(a, ports, org, svc["id"])
    assert dep["status"] == "rolled_back" and "did not finish within 1 s" in dep["error"]
    _, service = a.call("GET", f"/orgs/{org}/services/{svc['id']}")
    assert service["live_deployment_id"] == good["id"] and service["status"] == "live"


def test_first_deploy_failing_has_nothing_to_roll_back_to(api, ports):
    a, org, svc = setup_service(api, env={"LAUNCHBAY_SANDBOX_FAIL": "crash"})
    dep = deploy(a, ports, org, svc["id"])
    assert dep["status"] == "failed" and "exited with code 1" in dep["error"]
    assert [p["status"] for p in dep["phases"]] == ["queued", "provisioning", "deploying", "failed"]
    _, logs = a.call("GET", f"/orgs/{org}/deployments/{dep['id']}/logs")
    assert logs["final"] and any("no earlier live release" in l["message"] for l in logs["lines"])


def test_worker_and_cron_kinds_with_runs(api, ports):
    body = signup(api)
    a = Api(api.client, body["token"])
    org = body["organization"]["id"]
    _, prj = a.call("POST", f"/orgs/{org}/projects", {"name": "p"})
    _, cron = a.call("POST", f"/orgs/{org}/projects/{prj['id']}/services",
                     {"name": "nightly", "kind": "cron", "image": "busybox", "schedule": "cron(0 3 * * ? *)"})
    assert a.call("POST", f"/orgs/{org}/services/{cron['id']}/runs")[0] == 409   # nothing live yet
    dep = deploy(a, ports, org, cron["id"])
    assert dep["status"] == "live" and [s["name"] for s in dep["steps"]][-1] == "schedule"
    status, run = a.call("POST", f"/orgs/{org}/services/{cron['id']}/runs")
    assert status == 202 and run["status"] == "starting"
    from chalicelib.deploys import runs
    finished = runs.start(ports, run["id"])
    assert finished["status"] == "succeeded" and finished["exit_code"] == 0
    _, history = a.call("GET", f"/orgs/{org}/services/{cron['id']}/runs")
    assert [r["id"] for r in history["items"]] == [run["id"]]
    _, worker = a.call("POST", f"/orgs/{org}/projects/{prj['id']}/services",
                       {"name": "jobs", "kind": "worker", "image": "busybox", "min_instances": 1, "max_instances": 4,
                        "autoscaling": {"cpu_target": 70}})
    dep = deploy(a, ports, org, worker["id"])
    assert dep["status"] == "live"
    assert a.call("GET", f"/orgs/{org}/services/{worker['id']}")[1]["endpoints"] is None   # no load balancer
    scaling = next(s for s in dep["steps"] if s["name"] == "autoscaling")
    assert scaling["result"] == {"min": 1, "max": 4}


def test_custom_domain_certificate_and_validation_records(api, ports, launchbay_env):
    import uuid

    domain = f"app-{uuid.uuid4().hex[:8]}.example.com"
    a, org, svc = setup_service(api, domain=domain)
    _, dom = a.call("GET", f"/orgs/{org}/services/{svc['id']}/domain")
    assert dom["status"] == "pending" and dom["certificate"] is None
    # the proof: the TXT record in the sandbox's Route 53 (tests/api/test_domains_api.py has the rest)
    r53 = boto3.client("route53", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    zone = r53.create_hosted_zone(Name=domain, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": dom["verification"]["name"], "Type": "TXT", "TTL": 60,
        "ResourceRecords": [{"Value": f'"{dom["verification"]["value"]}"'}]}}]})
    assert a.call("POST", f"/orgs/{org}/services/{svc['id']}/domain/verify")[0] == 200
    deploy(a, ports, org, svc["id"])
    status, dom = a.call("GET", f"/orgs/{org}/services/{svc['id']}/domain")
    assert status == 200 and dom["certificate"]["arn"].startswith("arn:aws:acm:")
    ends = a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["endpoints"]
    assert ends["domain"] == domain and ends["url"] == f"http://{domain}/"
    assert dom["certificate"]["status"] in ("PENDING_VALIDATION", "ISSUED")
    assert dom["certificate"]["validation_records"] and dom["certificate"]["dns_managed"] is True


def test_health_drift_and_cleanup_watchers(api, ports, launchbay_env):
    a, org, svc = setup_service(api)
    dep = deploy(a, ports, org, svc["id"])
    assert watch.health_watch(ports)["healthy"] >= 1
    service = ports.store.collection("services").get(svc["id"])
    assert service["health"]["status"] == "healthy" and service["health"]["checked"]
    assert watch.detect_drift(ports)["drifted"] == 0
    # someone changes the ECS service by hand: drift is flagged
    client = ecs(launchbay_env)
    td = client.describe_task_definition(taskDefinition=dep["task_definition"])["taskDefinition"]
    other = client.register_task_definition(family="manual-change", containerDefinitions=td["containerDefinitions"],
                                            requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                                            cpu="256", memory="512")["taskDefinition"]["taskDefinitionArn"]
    from chalicelib.cloud.naming import of_deployment
    client.update_service(cluster=dep["target"]["cluster"], service=of_deployment(dep).service,
                          taskDefinition=other)
    assert watch.detect_drift(ports)["drifted"] == 1
    assert ports.store.collection("services").get(svc["id"])["drift"]["actual"] == other
    assert watch.cleanup(ports) == {"deregistered": 0}


def test_service_runtime_logs_endpoint(api, ports, launchbay_env):
    a, org, svc = setup_service(api)
    assert deploy(a, ports, org, svc["id"])["status"] == "live"
    logs = boto3.client("logs", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")
    group = f"/launchbay/{org}/web"
    logs.create_log_stream(logGroupName=group, logStreamName="web/web/task1")
    import time
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="web/web/task1",
                        logEvents=[{"timestamp": now + i, "message": f"GET / 200 #{i}"} for i in range(3)])
    status, out = a.call("GET", f"/orgs/{org}/services/{svc['id']}/logs")
    assert status == 200, out
    messages = [e["message"] for e in out["lines"]]
    # the deploy's simulated task logged first (its start and passing health checks), then these lines
    assert messages[0].startswith("[sandbox] web started from") and "[sandbox] listening on port 80" in messages
    assert messages[-3:] == ["GET / 200 #0", "GET / 200 #1", "GET / 200 #2"]
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}/logs?since=yesterday")[1]["error"]["field"] == "since"


def test_scheduled_handlers_enqueue_tasks(client, launchbay_env, redis_url):
    import redis

    r = redis.Redis.from_url(redis_url)
    prefix = launchbay_env["LAUNCHBAY_QUEUE_PREFIX"]
    for name, queue in (("reap_deployments", "default"), ("relay_outbox", "search")):
        before = r.llen(f"{prefix}.{queue}")
        out = client.lambda_.invoke(name, client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        assert out.payload["enqueued"].startswith("launchbay.")
        assert r.llen(f"{prefix}.{queue}") == before + 1


def test_rollback_runs_the_exact_digest_even_after_the_tag_moved(api, ports, launchbay_env):
    import hashlib
    import json

    ecr = boto3.client("ecr", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    uri = ecr.create_repository(repositoryName=f"app-{launchbay_env['LAUNCHBAY_QUEUE_PREFIX']}")["repository"]["repositoryUri"]
    repo = uri.split("/", 1)[1]

    def push(marker):
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                               "config": {"digest": "sha256:" + marker * 64}, "layers": []})
        # moto does not hash the manifest itself: give the digest, as a registry would compute it
        ecr.put_image(repositoryName=repo, imageManifest=manifest, imageTag="stable",
                      imageDigest="sha256:" + hashlib.sha256(manifest.encode()).hexdigest())
        return next(d["imageDigest"] for d in ecr.describe_images(repositoryName=repo)["imageDetails"]
                    if "stable" in d.get("imageTags", []))

    first_digest = push("a")
    a, org, svc = setup_service(api, image=f"{uri}:stable")
    first = deploy(a, ports, org, svc["id"])
    assert first["image_digest"] == first_digest
    push("b")                                            # the tag moves to other bytes
    second = deploy(a, ports, org, svc["id"])
    assert second["image_digest"] != first_digest
    _, rb = a.call("POST", f"/orgs/{org}/services/{svc['id']}/rollback", {"deployment_id": first["id"]})
    done = run_to_end(ports, rb["id"])
    td = ecs(launchbay_env).describe_task_definition(taskDefinition=done["task_definition"])["taskDefinition"]
    assert td["containerDefinitions"][0]["image"] == f"{uri}@{first_digest}"


def test_shared_resources_are_ensured_once_per_worker_process(api, ports):
    from chalicelib.cloud.sandbox import SandboxCloud
    from chalicelib.deploys import steps

    calls = []

    class Counting(SandboxCloud):
        def ensure_cluster(self):
            calls.append("cluster")
            return super().ensure_cluster()

        def ensure_load_balancer(self, name, network, **kw):
            calls.append("load_balancer")
            return super().ensure_load_balancer(name, network, **kw)

        def find_cluster(self):
            calls.append("cluster?")
            return super().find_cluster()

        def find_load_balancer(self, name):
            calls.append("load_balancer?")
            return super().find_load_balancer(name)

    from chalicelib.wiring import make_cloud_for

    steps._shared.clear()
    ports.cloud_for_factory = make_cloud_for(Counting)
    a, org, svc = setup_service(api)
    for _ in range(3):
        assert deploy(a, ports, org, svc["id"])["status"] == "live"
    # looked up once (and created if missing), then trusted for SHARED_TTL: not once per deploy
    assert calls.count("cluster?") == 1 and calls.count("load_balancer?") == 1, calls
    assert calls.count("cluster") <= 1 and calls.count("load_balancer") <= 1, calls


def test_scheduled_runs_reach_the_run_history(api, ports):
    import time as _time

    from chalicelib.deploys import runs

    body = signup(api)
    a = Api(api.client, body["token"])
    org = body["organization"]["id"]
    _, prj = a.call("POST", f"/orgs/{org}/projects", {"name": "p"})
    _, cron = a.call("POST", f"/orgs/{org}/projects/{prj['id']}/services",
                     {"name": "tick", "kind": "cron", "image": "busybox", "schedule": "rate(1 minute)",
                      "env": {"LAUNCHBAY_SANDBOX_FAIL": "crash"}})
    deploy(a, ports, org, cron["id"])
    _, manual = a.call("POST", f"/orgs/{org}/services/{cron['id']}/runs")   # a manual run too
    runs.start(ports, manual["id"])
    five_minutes_ago = int((_time.time() - 300) * 1000)
    ports.store.collection("services").update(cron["id"], {"runs_synced_ms": five_minutes_ago})
    first = runs.sync(ports)
    assert 4 <= first["added"] <= 5
    assert runs.sync(ports)["added"] == 0                      # idempotent
    _, history = a.call("GET", f"/orgs/{org}/services/{cron['id']}/runs?limit=20")
    scheduled = [r for r in history["items"] if r["trigger"] == "schedule"]
    assert len(scheduled) == first["added"]
    assert all(r["status"] == "failed" and r["exit_code"] == 1 and r["started"] for r in scheduled)
    assert any(r["trigger"] == "manual" for r in history["items"])


def test_deleting_a_service_removes_what_it_ran_on_aws(api, ports, launchbay_env):
    from chalicelib.deploys import teardown

    a, org, svc = setup_service(api)
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/KEY", {"value": "v1"})
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/KEY", {"value": "v2"})
    dep = deploy(a, ports, org, svc["id"])
    ssm = boto3.client("ssm", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    param = dep["secret_refs"]["KEY"]["arn"].split(":parameter", 1)[1]
    assert ssm.get_parameter(Name=param)["Parameter"]["Name"] == param
    status, out = a.call("DELETE", f"/orgs/{org}/services/{svc['id']}")
    assert status == 202 and out["status"] == "deleting"
    assert teardown.run(ports, svc["id"]) == "deleted"
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[0] == 404
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name=param)
    from chalicelib.cloud.naming import of_deployment
    desc = ecs(launchbay_env).describe_services(cluster=dep["target"]["cluster"],  # the organization's cluster
                                                services=[of_deployment(dep).service])
    assert all(s["status"] != "ACTIVE" for s in desc["services"])


def test_deleting_a_service_whose_recorded_load_balancer_arns_are_gone(api, ports, launchbay_env):
    """A service stuck in `deleting`: its teardown asked AWS about the listener ARN the release
    recorded, which no longer existed (the load balancer made again, here a sandbox restored from
    its recording), and failed with ListenerNotFound on every retry. It finds them by name now."""
    from chalicelib.deploys import teardown

    a, org, svc = setup_service(api)
    dep = deploy(a, ports, org, svc["id"])
    lb, tg = (next(s["result"] for s in dep["steps"] if s["name"] == name) for name in ("load_balancer", "target_group"))
    elb = boto3.client("elbv2", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    ours = [r for r in elb.describe_rules(ListenerArn=lb["listener_arn"])["Rules"] if not r["IsDefault"]]
    assert len(ours) == 1
    stale = [{**s, "result": {**s["result"], "listener_arn": lb["listener_arn"][:-4] + "dead", "arn": s["result"]["arn"][:-4] + "dead"}}
             if s["name"] in ("load_balancer", "target_group") else s for s in dep["steps"]]
    ports.store.collection("deployments").update(dep["id"], {"steps": stale})
    assert a.call("DELETE", f"/orgs/{org}/services/{svc['id']}")[0] == 202
    assert teardown.run(ports, svc["id"]) == "deleted"
    assert [r for r in elb.describe_rules(ListenerArn=lb["listener_arn"])["Rules"] if not r["IsDefault"]] == []
    assert tg["arn"] not in [t["TargetGroupArn"] for page in elb.get_paginator("describe_target_groups").paginate()
                             for t in page["TargetGroups"]]   # every page: the session's sandbox has many


def test_deleting_a_service_after_its_load_balancer_went(api, ports, launchbay_env):
    from chalicelib.deploys import teardown

    a, org, svc = setup_service(api)
    dep = deploy(a, ports, org, svc["id"])
    lb = next(s["result"] for s in dep["steps"] if s["name"] == "load_balancer")
    elb = boto3.client("elbv2", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    elb.delete_load_balancer(LoadBalancerArn=lb["arn"])          # removed by hand, or with its environment
    assert a.call("DELETE", f"/orgs/{org}/services/{svc['id']}")[0] == 202
    assert teardown.run(ports, svc["id"]) == "deleted"
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[0] == 404
