"""SandboxCloud: AwsCloud against the moto server, except where moto cannot follow.

moto 5.2.5 runs no containers: update_service keeps the old deployments (no new
PRIMARY), runningCount equals desiredCount whatever runs, and Fargate run_task
answers 500. So a few methods differ: observe_rollout asks simulator.py (after
checking the service really exists in moto) and writes the simulated tasks' log
lines as the awslogs driver would; run_task records a simulated run (and its log);
describe_service reports the counts the simulated tasks would give; a settled rollout
registers its simulated tasks' private IPs in the service's Cloud Map registries (as ECS
would), so DiscoverInstances answers. Everything else is the real boto3 code, which is the
point of the sandbox.
"""
from __future__ import annotations

import ipaddress
import json
import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Optional

from chalicelib.cloud import awslogs, naming, sandbox_build, simulator, taskdef
from chalicelib.cloud import metrics as cw
from chalicelib.cloud.aws import AwsCloud
from chalicelib.cloud.errors import error_code
from chalicelib.cloud.observer import TASKDEF_MARKER
from chalicelib.cloud.port import Network, RolloutStatus
from chalicelib.cloud.session import pin_account


def _env(td: dict[str, Any]) -> dict[str, str]:
    c = (td.get("containerDefinitions") or [{}])[0]
    return {e["name"]: e.get("value", "") for e in c.get("environment") or []}


def _on_this_machine(image: str) -> Optional[Any]:
    """The image's reference when its registry is on this machine (the only ones the sandbox reaches)."""
    from chalicelib.registries import references, v2

    ref = references.parse(image)
    return ref if ref is not None and v2.loopback(ref.host) else None


def _pull_refused(ref: Any, creds: Optional[tuple[str, str]]) -> Optional[str]:
    """Why the registry refuses the pull (its words), None when it pulls."""
    from chalicelib.registries import v2

    try:
        v2.manifest_digest(ref, creds, local=True, verify_pinned=True)
    except v2.Problem as exc:
        return str(exc)
    return None


class SandboxCloud(AwsCloud):
    sandbox = True

    def describe_service(self, name: str) -> Optional[dict[str, Any]]:
        digest = super().describe_service(name)
        if digest is None or not digest.get("task_definition"):
            return digest
        return simulator.simulate_service(digest, _env(self._task_definition(digest["task_definition"])))

    def _log_streams_filter(self, group: str, stream_prefix: str) -> Optional[dict[str, Any]]:
        """moto ignores logStreamNamePrefix and lists one stream after the other: name the
        matching streams and ask for time order, so the answer reads as CloudWatch's does."""
        if not stream_prefix:
            return {"interleaved": True}
        names: list[str] = []
        try:
            for page in self.client("logs").get_paginator("describe_log_streams").paginate(
                    logGroupName=group, logStreamNamePrefix=stream_prefix):
                names += [s["logStreamName"] for s in page.get("logStreams", [])]
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise
        return {"logStreamNames": names[-100:], "interleaved": True} if names else None  # AWS takes <= 100

    def observe_rollout(self, service_name: str, deployment_id: str, env: dict[str, str],
                        started_at: float, now: Optional[float] = None) -> RolloutStatus:
        now = time.time() if now is None else now
        service = super().describe_service(service_name)  # moto's own digest
        td = deployment_id[len(TASKDEF_MARKER):] if deployment_id.startswith(TASKDEF_MARKER) else None
        if service is not None and td is None:
            # A real deployment id (from create_service): find its task definition.
            td = next((d["task_definition"] for d in service["deployments"] if d["id"] == deployment_id), None)
        current = self._task_definition(service["task_definition"]) if service and service.get("task_definition") \
            else None
        path = self._health_path(service, current) if service is not None else None
        status = simulator.simulate_rollout(service, env, started_at, now, self.settings.sandbox_delay_seconds,
                                            path, td)
        cannot_pull = self._pull_problem(current) if status["state"] != "in_progress" and current else None
        if cannot_pull:   # ECS stops each task it cannot pull the image for, then the circuit breaker
            desired = int(status.get("desired") or 0)
            return {"state": "failed", "desired": desired, "running": 0, "healthy": 0, "failed_tasks": desired,
                    "reason": f"{simulator.BREAKER}: {desired} of {desired} tasks failed to start: {cannot_pull}"}
        if service is not None and current is not None and td in (None, service["task_definition"]) \
                and status["state"] != "in_progress":  # our rollout, settled
            self._log_rollout_tasks(service, current, deployment_id, env, started_at, path, status)
            if status["state"] == "completed":
                self._register_simulated_tasks(service_name, deployment_id, int(status.get("running") or 0))
        return status

    def _pull_problem(self, td: dict[str, Any]) -> Optional[str]:
        """What ECS would say pulling the task definition's image, for a registry on this machine
        (the sandbox reaches no other): with its repositoryCredentials secret, or anonymously."""
        c = (td.get("containerDefinitions") or [{}])[0]
        ref = _on_this_machine(c.get("image") or "")
        if ref is None:
            return None
        creds = None
        arn = (c.get("repositoryCredentials") or {}).get("credentialsParameter")
        if arn:
            try:
                creds = self._registry_login(arn)
            except Exception as exc:
                return f"ResourceInitializationError: unable to pull secrets or registry auth: {type(exc).__name__}"
        refused = _pull_refused(ref, creds)
        return f"CannotPullContainerError: pull image manifest has been retried 7 time(s): {refused}" if refused else None

    def _registry_login(self, secret_id: str) -> tuple[str, str]:
        """A registry credential's secret ({"username", "password"}), as ECS and CodeBuild read it."""
        value = json.loads(self.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
        return str(value["username"]), str(value["password"])

    def _register_simulated_tasks(self, service_name: str, deployment_id: str, count: int) -> None:
        """The rollout's tasks in each Cloud Map registry of the service (stand-in IPs from its
        first subnet, fixed per task), the earlier rollout's deregistered: what ECS does."""
        svc = self._raw_service(service_name) or {}
        regs = svc.get("serviceRegistries") or []
        if not regs:
            return
        subnets = ((svc.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}).get("subnets") or []
        found = self.client("ec2").describe_subnets(SubnetIds=subnets[:1])["Subnets"] if subnets else []
        net = ipaddress.ip_network(found[0]["CidrBlock"] if found else "10.0.0.0/24")
        sd = self.client("servicediscovery")
        wanted: dict[str, str] = {}
        for i in range(count):
            task = naming.idempotency_token("sandbox-task", svc["serviceArn"], deployment_id, str(i), n=32)
            wanted[task] = str(net.network_address + 4 + int(task[:8], 16) % max(net.num_addresses - 8, 1))
        for reg in regs:
            service_id = reg["registryArn"].rsplit("/", 1)[-1]
            have = {i["Id"] for i in sd.list_instances(ServiceId=service_id).get("Instances", [])}
            for task, ip in wanted.items():
                if task not in have:
                    sd.register_instance(ServiceId=service_id, InstanceId=task, Attributes={"AWS_INSTANCE_IPV4": ip})
            for task in have - set(wanted):
                sd.deregister_instance(ServiceId=service_id, InstanceId=task)

    def _create_namespace(self, name: str, vpc_id: str) -> str:
        """moto 5.2.5 allows one private DNS namespace per VPC (AWS allows many whose names do not
        overlap): a second one in the sandbox names a stand-in VPC id (docs/cloud.md)."""
        try:
            return super()._create_namespace(name, vpc_id)
        except Exception as exc:
            if error_code(exc) != "ConflictingDomainExists":
                raise
        return super()._create_namespace(name, f"{vpc_id}-{naming.idempotency_token('vpc', name, n=8)}")

    def observe_datastore(self, aws: str, ident: str, started_at: float = 0.0,
                          now: Optional[float] = None) -> dict[str, Any]:
        """moto answers `available` at once: say `in_progress` for the simulated creation or
        resize time first (LAUNCHBAY_SANDBOX_DELAY seconds, like a rollout), as AWS would."""
        seen = super().observe_datastore(aws, ident, started_at)
        if seen.get("status") == "deleting":   # moto keeps a deleted replication group "deleting" for ever
            return {"state": "missing", "reason": "deleted (sandbox)"}
        now = time.time() if now is None else now
        if seen["state"] == "available" and started_at and now - started_at < self.settings.sandbox_delay_seconds:
            return {**seen, "state": "in_progress", "reason": f"sandbox: {aws} is still creating or modifying {ident}"}
        return seen

    def _egress_parts(self, name: str) -> dict[str, Any]:
        """moto makes a NAT gateway `available` at once; AWS takes a minute or two: the sandbox says
        `pending` for LAUNCHBAY_SANDBOX_DELAY seconds after its creation, so the deploy waits as on AWS."""
        parts = super()._egress_parts(name)
        nat = parts.get("nat")
        created = (nat or {}).get("CreateTime")
        if nat and nat["State"] == "available" and isinstance(created, datetime) and \
                time.time() - created.timestamp() < self.settings.sandbox_delay_seconds:
            parts["nat"] = {**nat, "State": "pending"}
        return parts

    def delete_subnet_group(self, aws: str, name: str) -> None:
        if aws == "elasticache":   # moto 5.2.5 has no DeleteCacheSubnetGroup (it answers 500)
            return
        super().delete_subnet_group(aws, name)

    def _task_definition(self, arn: str) -> dict[str, Any]:
        return self.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]

    def _health_path(self, service: dict[str, Any], td: Optional[dict[str, Any]]) -> Optional[str]:
        """The target group's health check path, else the task definition's label."""
        for lb in service.get("load_balancers", []):
            if lb.get("target_group_arn"):
                groups = self.client("elbv2").describe_target_groups(
                    TargetGroupArns=[lb["target_group_arn"]]).get("TargetGroups", [])
                if groups and groups[0].get("HealthCheckPath"):
                    return groups[0]["HealthCheckPath"]
        for c in (td or {}).get("containerDefinitions", []):
            label = (c.get("dockerLabels") or {}).get(taskdef.HEALTH_LABEL)
            if label:
                return label
        return None

    def _log_rollout_tasks(self, service: dict[str, Any], td: dict[str, Any], deployment_id: str,
                           env: dict[str, str], started_at: float, path: Optional[str],
                           status: RolloutStatus) -> None:
        """One log stream per task the rollout started (the failed ones, or the running ones),
        keyed by a task id derived from this rollout, so observing it again writes nothing."""
        target = awslogs.target(td)
        if target is None:
            return
        count = status.get("failed_tasks") or status.get("running") or 0
        lines = simulator.task_lines(simulator.mode(env), target["container"], target["image"], target["port"],
                                     path, env)
        start_ms = int(started_at * 1000)
        end_ms = int((started_at + simulator.delay(env, self.settings.sandbox_delay_seconds)) * 1000)
        for i in range(count):
            task_id = naming.idempotency_token("sandbox-task", service["arn"], deployment_id, repr(started_at), str(i))
            # tasks start a little apart, as ECS places them one by one
            awslogs.write_stream(self.client("logs"), target["group"], awslogs.stream_name(target, task_id),
                                 awslogs.spread(lines, start_ms + 50 * i, end_ms + 50 * i))

    def run_task(self, task_definition_arn: str, network: Network, env: Optional[dict[str, str]] = None,
                 client_token: Optional[str] = None, command: Optional[list[str]] = None,
                 container: Optional[str] = None, release: bool = False) -> dict[str, Any]:
        """A simulated run: checks the task definition exists in moto, then reports the exit
        code the env convention asks for (LAUNCHBAY_SANDBOX_FAIL; `release` for a release
        command). The same client token gives the same task, as ECS's clientToken does."""
        td = self._task_definition(task_definition_arn)
        if command and not container:
            raise ValueError("a command override needs the container's name")
        run_id = naming.idempotency_token("run", client_token) if client_token else uuid.uuid4().hex
        family = td.get("family", naming.task_definition_family(task_definition_arn))
        now = time.time()
        self._log_run(td, run_id, env, int(now * 1000), command, release)
        out = {"task_arn": f"sandbox:task/{self.cluster}/{family}/{run_id}", "started": True,
               "exit_code": simulator.exit_code(env, release), "simulated": True}
        if release:   # a release command takes LAUNCHBAY_SANDBOX_DELAY, as a rollout does
            out["ends_at"] = now + simulator.delay(env, self.settings.sandbox_delay_seconds)
        return out

    def _log_run(self, td: dict[str, Any], task_id: str, env: Optional[dict[str, str]], at_ms: int,
                 command: Optional[list[str]] = None, release: bool = False) -> None:
        """A simulated run's start and exit lines (a redelivered run finds its stream and skips)."""
        target = awslogs.target(td)
        if target is not None:
            lines = simulator.run_lines(target["container"], target["image"], env, command, release)
            awslogs.write_stream(self.client("logs"), target["group"], awslogs.stream_name(target, task_id),
                                 awslogs.spread(lines, at_ms, at_ms))

    def stop_task(self, task_arn: str, reason: str) -> bool:
        """A simulated task has nothing to stop (it says so by True: it is stopped)."""
        return True if task_arn.startswith("sandbox:") else super().stop_task(task_arn, reason)

    def describe_task_runs(self, task_arns: list[str]) -> list[dict[str, Any]]:
        """Simulated tasks ended when they started (run_task said how): only real ones are asked."""
        return super().describe_task_runs([a for a in task_arns if not a.startswith("sandbox:")])

    def list_task_runs(self, family: str, rule_name: str, started_after_ms: int,
                       env: Optional[dict[str, str]] = None, now_ms: Optional[int] = None) -> list[dict[str, Any]]:
        """moto's EventBridge never fires, so the sandbox derives the runs a rate(...) rule would
        have started since the last sync (each instant and finished, exit code per env).
        cron(...) rules are not simulated here: use POST .../runs to run one now."""
        rule = self.client("events").describe_rule(Name=rule_name)
        if rule.get("State") != "ENABLED":
            return []
        m = re.match(r"rate\((\d+) (minute|hour|day)s?\)", rule.get("ScheduleExpression", ""))
        if not m:
            return []
        every = int(m.group(1)) * {"minute": 60_000, "hour": 3_600_000, "day": 86_400_000}[m.group(2)]
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        first = (started_after_ms // every + 1) * every
        fires = list(range(first, now_ms + 1, every))[-50:]  # a long gap: the latest 50 only
        code = simulator.exit_code(env)
        targets = self.client("events").list_targets_by_rule(Rule=rule_name).get("Targets", [])
        td_arn = next((t["EcsParameters"]["TaskDefinitionArn"] for t in targets if t.get("EcsParameters")), None)
        if td_arn and fires:
            td = self._task_definition(td_arn)
            for t in fires:
                self._log_run(td, f"scheduled-{t}", env, t)
        return [{"task_arn": f"sandbox:task/{self.cluster}/{family}/scheduled-{t}", "status": "STOPPED",
                 "started_ms": t, "finished_ms": t, "exit_code": code, "reason": "sandbox: simulated scheduled run",
                 "trigger": "schedule"} for t in fires]

    # --- builds from source: real checks of the Dockerfile, a simulated build (sandbox_build.py) ---
    def _update_build_project(self, args: dict[str, Any]) -> dict[str, Any]:
        codebuild = self.client("codebuild")   # moto has no UpdateProject: replace the project
        codebuild.delete_project(name=args["name"])
        return codebuild.create_project(**args)["project"]

    def start_build(self, project: str, repository_uri: str, source_version: str, tag: str,
                    build_env: Optional[dict[str, str]] = None, idempotency_token: Optional[str] = None,
                    run_env: Optional[dict[str, str]] = None,
                    registries: Optional[list[dict[str, str]]] = None) -> dict[str, Any]:
        started = super().start_build(project, repository_uri, source_version, tag, build_env, idempotency_token,
                                      registries=registries)
        found = self.find_build_project(project) or {}
        # docker login to each registry (its secret, as CodeBuild reads it); each FROM image on a
        # registry on this machine is pulled with those credentials, or anonymously
        logins = {reg["host"]: self._registry_login(reg["secret"]) for reg in registries or []}

        def pull(image: str) -> Optional[str]:
            ref = _on_this_machine(image)
            refused = _pull_refused(ref, logins.get(ref.host)) if ref else None
            return f"failed to resolve source metadata for {image}: {refused}" if refused else None

        sim = sandbox_build.simulate(self.settings.git_root, found.get("repo", ""), source_version,
                                     found.get("dockerfile") or "Dockerfile", found.get("context") or ".", build_env,
                                     pull=pull, logins=sorted(f"{h} as {u}" for h, (u, _) in logins.items()))
        if found.get("source_auth"):   # what CodeBuild would clone with (the sandbox reads git_root)
            sim["lines"].insert(0, f"[sandbox] source credential: {found['source_auth']} (the organization's GitHub token)")
        if sim["error"] is None and simulator.build_fails(run_env):
            sim["error"] = f"the build failed {simulator.note(run_env)}"
            sim["lines"].append(f"[sandbox] error: {sim['error']}")
        stream = started["id"].rsplit(":", 1)[-1]
        self.ensure_log_group(naming.BUILD_LOG_GROUP)
        now_ms = int(started["started"] * 1000)
        awslogs.write_stream(self.client("logs"), naming.BUILD_LOG_GROUP, stream,
                             awslogs.spread(sim["lines"], now_ms, now_ms + len(sim["lines"])))
        return {**started, "commit": sim["sha"], "simulated": {
            "error": sim["error"], "fingerprint": sim["fingerprint"], "stream": stream,
            "delay": simulator.delay(run_env, self.settings.sandbox_delay_seconds)}}

    def observe_build(self, build: dict[str, Any], log_next: Optional[str] = None) -> dict[str, Any]:
        sim = build["simulated"]
        lines, log_next = self._build_log_lines(naming.BUILD_LOG_GROUP, sim["stream"], log_next)
        out: dict[str, Any] = {"lines": lines, "log_next": log_next}
        if time.time() - build["started"] < sim["delay"]:
            return {**out, "state": "in_progress", "phase": "BUILD", "reason": "building (sandbox)"}
        if sim["error"]:
            return {**out, "state": "failed", "phase": "BUILD", "reason": sim["error"]}
        repo = build["repository_uri"].split("/", 1)[1]
        try:  # the simulated image: a small manifest whose digest the sandbox ECR computes
            self.client("ecr").put_image(repositoryName=repo, imageTag=build["tag"],
                                         imageManifest=sandbox_build.manifest(sim["fingerprint"]))
        except Exception as exc:
            if error_code(exc) not in ("ImageAlreadyExistsException", "ImageTagAlreadyExistsException"):
                raise   # pushed by an earlier look whose answer was lost: read it back
        return {**out, "state": "succeeded", "phase": "COMPLETED", **self.image_digest(build["repository_uri"], build["tag"])}

    def create_demo_role(self, account: str, template: dict[str, Any]) -> str:
        """The sandbox's stand-in for a customer creating the connection role: the same template,
        run by moto's CloudFormation in a sandbox account of its own (moto acts in whichever
        account a role ARN names, and checks no trust: Launchbay's verify checks it). -> role ARN."""
        import json

        import boto3

        creds = self.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/sandbox-customer-admin",
                                               RoleSessionName="launchbay-demo")["Credentials"]
        cfn = pin_account(boto3.client("cloudformation", region_name=self.region, endpoint_url=self.clients.endpoint_url,
                                       aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                       aws_session_token=creds["SessionToken"]), account)
        try:
            cfn.create_stack(StackName="launchbay-access", TemplateBody=json.dumps(template),
                             Capabilities=["CAPABILITY_NAMED_IAM"])
        except Exception as exc:
            if error_code(exc) != "AlreadyExistsException":
                raise
        outputs = cfn.describe_stacks(StackName="launchbay-access")["Stacks"][0].get("Outputs") or []
        return next(o["OutputValue"] for o in outputs if o["OutputKey"] == "RoleArn")

    def lookup_txt(self, name: str) -> list[str]:
        """The sandbox has no public DNS: TXT records are read from the sandbox's Route 53, in the
        longest public hosted zone that contains the name ([] without one). See docs/cloud.md."""
        name = name.lower().rstrip(".")
        zone = self._hosted_zone_for(name)
        if zone is None:
            return []
        answer = self.client("route53").list_resource_record_sets(
            HostedZoneId=zone["Id"], StartRecordName=name + ".", StartRecordType="TXT", MaxItems="1")
        for rrset in answer.get("ResourceRecordSets", []):
            if rrset["Name"].rstrip(".").lower() == name and rrset["Type"] == "TXT":
                return [txt_value(r["Value"]) for r in rrset.get("ResourceRecords", [])]
        return []


    # --- metrics and events (moto stores metric data; it runs no tasks and computes no percentiles)

    def get_metric_data(self, queries: list[cw.MetricQuery], start: Any, end: Any,
                        period: int) -> dict[str, dict[int, float]]:
        """moto answers no percentile statistic: the sandbox publishes each percentile as its own
        series (an extra `Percentile` dimension) and asks for that series' average instead."""
        asked: list[cw.MetricQuery] = [
            q if not q["stat"].startswith("p") else
            cw.MetricQuery(id=q["id"], namespace=q["namespace"], metric=q["metric"], stat="Average",
                           dimensions={**q["dimensions"], "Percentile": q["stat"]}) for q in queries]
        return super().get_metric_data(asked, start, end, period)

    def publish_queue_metrics(self, queue_name: str, now: Optional[float] = None) -> Optional[int]:
        """moto keeps no SQS metrics: the queue's waiting messages now, for this minute, as AWS/SQS
        publishes them every minute (the alert pass calls this each minute). -> the count, or None."""
        url = self._queue_url(queue_name)
        if url is None:
            return None
        visible = int(self.client("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])
        at = datetime.fromtimestamp(int((time.time() if now is None else now) // 60 * 60), timezone.utc)
        self.client("cloudwatch").put_metric_data(Namespace=cw.SQS, MetricData=[
            {"MetricName": "ApproximateNumberOfMessagesVisible", "Timestamp": at, "Value": float(visible),
             "Dimensions": [{"Name": "QueueName", "Value": queue_name}]}])
        return visible

    def publish_simulated_metrics(self, service_name: str, target_group_arn: Optional[str],
                                  load_balancer_arn: Optional[str], after_s: int, now: Optional[float] = None) -> int:
        """PutMetricData for each whole minute after `after_s` (at most the last hour) with what the
        service's simulated tasks would report, in the namespaces and dimensions AWS uses. Values
        are a function of (service, minute): the caller keeps `after_s` so no minute is sent twice.
        -> the last minute published (after_s when there was none, or no such service)."""
        now = time.time() if now is None else now
        digest = super().describe_service(service_name)
        if digest is None or not digest.get("task_definition"):
            return after_s
        env = _env(self._task_definition(digest["task_definition"]))
        m, web = simulator.metrics_mode(env), bool(target_group_arn and load_balancer_arn)
        last = int(now // 60 * 60) - 60   # the minute that just ended
        minutes = range(max(after_s + 60, last - 3600) // 60 * 60, last + 1, 60)
        dims = {"service": cw.service_dimensions(self.cluster, service_name),
                "target": cw.target_dimensions(target_group_arn, load_balancer_arn)
                if target_group_arn and load_balancer_arn else {}}
        data: dict[str, list[dict[str, Any]]] = {}
        for minute in minutes:
            at = datetime.fromtimestamp(minute, timezone.utc)
            for name, value in simulator.metric_values(m, digest["arn"], minute, int(digest["desired"]), web).items():
                series = "latency_" + name if name in ("p50", "p95", "p99") else name
                namespace, metric, stat, kind = cw.SERIES[series]
                extra = {"Percentile": stat} if stat.startswith("p") else {}
                data.setdefault(namespace, []).append({
                    "MetricName": metric, "Timestamp": at, "Value": value,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in sorted({**dims[kind], **extra}.items())]})
        for namespace, items in data.items():
            for i in range(0, len(items), 1000):
                self.client("cloudwatch").put_metric_data(Namespace=namespace, MetricData=items[i:i + 1000])
        return minutes[-1] if len(minutes) else after_s

    def service_events(self, name: str, limit: int = 100, now: Optional[float] = None) -> Optional[dict[str, Any]]:
        """moto's answer (no events, no stopped tasks: it runs nothing) plus what ECS would say
        about the simulated tasks of the service's current task definition."""
        out = super().service_events(name, limit)
        if out is None or not out.get("task_definition"):
            return out
        now = time.time() if now is None else now
        svc = self._raw_service(name) or {}
        td = self._task_definition(out["task_definition"])
        env, target = _env(td), awslogs.target(td)
        m = simulator.mode(env)
        born: Any = td.get("registeredAt") or svc.get("createdAt")   # since this revision runs
        since = born.timestamp() if hasattr(born, "timestamp") else now - 3600
        tg = next((lb.get("targetGroupArn") for lb in svc.get("loadBalancers", []) if lb.get("targetGroupArn")), None)
        digest: dict[str, Any] = {"load_balancers": [{"target_group_arn": tg}]} if tg else {}
        path = self._health_path(digest, td)
        stopped = simulator.stopped_tasks(m, svc.get("serviceArn", name), since, now,
                                          target["container"] if target else name, path, tg, env)
        for t in stopped:
            t.update(task_definition=out["task_definition"], memory=td.get("memory"))
        events = [{"at_ms": int(now * 1000), "message": msg} for msg in simulator.service_event_messages(m, name, env)]
        return {**out, "events": events + out["events"], "stopped": stopped + out["stopped"]}


def txt_value(value: str) -> str:
    """Route 53 stores TXT values as quoted strings ('"a" "b"'): join them as DNS answers would."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', value)
    return "".join(p.replace('\\"', '"') for p in parts) if parts else value
