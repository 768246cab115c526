"""Read-only lookups for "plan before apply": what exists in AWS now, without changing it.

Each find_* answers None when the resource is missing (never raises for "not found")
and issues only Describe/List/Get calls; the planner compares the answers with what
the ensure_* methods would create. Lookups reuse the ensure_* helpers and name rules,
so both sides look at the same resource.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from chalicelib.cloud import capacity as capacities
from chalicelib.cloud import naming, taskdef
from chalicelib.cloud.automation import DIMENSION, SCHEDULE_TARGET_ID, AutomationMixin
from chalicelib.cloud.compute import ComputeMixin
from chalicelib.cloud.edge import (
    EdgeMixin,
    fixed_page,
    forward_target,
    forward_weights,
    health_settings,
    redirect_target,
    redirects,
    source_ips,
)
from chalicelib.cloud.errors import error_code
from chalicelib.cloud.foundation import NoNetwork
from chalicelib.cloud.port import ContainerSpec, HealthCheckSpec, Network

# Container fields find_task_definition compares; env and secrets report key names only.
TASK_FIELDS = ("name", "image", "cpu", "memory", "port", "command", "env", "secrets", "log_group",
               "log_stream_prefix", "health_check_path", "execution_role", "task_role", "volumes", "architecture")


def diff(current: Optional[dict[str, Any]], desired: dict[str, Any], fields: Iterable[str]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose values differ (nested values compared whole).
    current=None means the resource does not exist yet: every differing field is new."""
    have = current or {}
    return {f: [have.get(f), desired.get(f)] for f in fields if have.get(f) != desired.get(f)}


def health_view(settings: dict[str, Any]) -> HealthCheckSpec:
    """ELBv2 health check settings (a target group, or health_settings()) as a HealthCheckSpec."""
    return {"path": settings.get("HealthCheckPath"), "interval_seconds": settings.get("HealthCheckIntervalSeconds"),
            "timeout_seconds": settings.get("HealthCheckTimeoutSeconds"),
            "healthy_threshold": settings.get("HealthyThresholdCount"),
            "unhealthy_threshold": settings.get("UnhealthyThresholdCount"),
            "matcher": (settings.get("Matcher") or {}).get("HttpCode")}


def expected_health(health: HealthCheckSpec) -> HealthCheckSpec:
    """What ensure_target_group would set for health (defaults filled in, values clamped),
    in the shape find_target_group returns: diff() the two to plan a target group."""
    return health_view(health_settings(health))


def task_view(td: dict[str, Any], container_name: str) -> dict[str, Any]:
    """The compared fields of a task definition (described, or a register request)."""
    defs = td.get("containerDefinitions") or [{}]
    c = next((d for d in defs if d.get("name") == container_name), defs[0])
    log = ((c.get("logConfiguration") or {}).get("options")) or {}
    ports = c.get("portMappings") or []
    return {
        "name": c.get("name"), "image": c.get("image"),
        "cpu": int(td["cpu"]) if td.get("cpu") else None, "memory": int(td["memory"]) if td.get("memory") else None,
        "port": ports[0].get("containerPort") if ports else None, "command": c.get("command") or None,
        "env": {e["name"]: e.get("value") for e in c.get("environment") or []},
        "secrets": {s["name"]: s.get("valueFrom") for s in c.get("secrets") or []},
        "log_group": log.get("awslogs-group"), "log_stream_prefix": log.get("awslogs-stream-prefix"),
        "health_check_path": (c.get("dockerLabels") or {}).get(taskdef.HEALTH_LABEL),
        "execution_role": td.get("executionRoleArn"),
        "task_role": td.get("taskRoleArn"),
        "architecture": "arm64" if (td.get("runtimePlatform") or {}).get("cpuArchitecture") == "ARM64" else "x86_64",
        "volumes": _volumes(td, c) or None,
        # a private registry's credentials: the secret's name, not its ARN (a stand-in in a plan)
        "pull_credentials": ((c.get("repositoryCredentials") or {}).get("credentialsParameter") or "")
        .split(":secret:", 1)[-1] or None,
    }


def _volumes(td: dict[str, Any], c: dict[str, Any]) -> list[str]:
    """Each mount as "path <- file system (read-only)", sorted: what a plan shows of the volumes."""
    systems = {v.get("name"): (v.get("efsVolumeConfiguration") or {}).get("fileSystemId")
               for v in td.get("volumes") or []}
    return sorted(f"{m.get('containerPath')} <- {systems.get(m.get('sourceVolume')) or m.get('sourceVolume')}"
                  + (" (read-only)" if m.get("readOnly") else "") for m in c.get("mountPoints") or [])


def _key_changes(old: dict[str, Any], new: dict[str, Any]) -> Optional[dict[str, list[str]]]:
    """Names only: values of env and secrets are never part of a plan."""
    out = {"added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)),
           "changed": sorted(k for k in set(old) & set(new) if old[k] != new[k])}
    return out if any(out.values()) else None


def task_changes(old: Optional[dict[str, Any]], new: dict[str, Any]) -> dict[str, Any]:
    """Differences between two task_view()s; env/secrets as {"added", "removed", "changed"} names."""
    old = old or {"env": {}, "secrets": {}}
    out: dict[str, Any] = {}
    for f in TASK_FIELDS:
        if f in ("env", "secrets"):
            keys = _key_changes(old.get(f) or {}, new.get(f) or {})
            if keys:
                out[f] = keys
        elif old.get(f) != new.get(f):
            out[f] = [old.get(f), new.get(f)]
    return out


class InspectMixin(ComputeMixin, EdgeMixin, AutomationMixin):
    # --- foundation ------------------------------------------------------------------
    def find_cluster(self) -> Optional[dict[str, Any]]:
        """{"arn", "status"}; a deleted (INACTIVE) cluster counts as missing."""
        for c in self.client("ecs").describe_clusters(clusters=[self.cluster]).get("clusters", []):
            if c.get("status") != "INACTIVE":
                return {"arn": c["clusterArn"], "status": c.get("status")}
        return None

    def find_network(self) -> Optional[Network]:
        """What ensure_network() would return, when the VPC, the subnets and the services
        security group all exist. A configuration ensure_network rejects (subnets in two
        VPCs) raises the same ValueError."""
        try:
            vpc_id, subnet_ids, public = self.vpc_and_subnets()
        except NoNetwork:
            return None
        except Exception as exc:
            if error_code(exc) == "InvalidSubnetID.NotFound":
                return None
            raise
        groups = self.configured(self.settings.security_groups)
        if not groups:  # configured groups are the operator's and are used as given, like ensure_network
            sg = self._find_security_group(vpc_id, self.place.services_group)
            if sg is None:
                return None
            groups = [sg["GroupId"]]
        network: Network = {"vpc_id": vpc_id, "subnets": subnet_ids, "security_groups": groups,
                            "assign_public_ip": public}
        if self.place.egress:   # static egress: complete (its NAT gateway available), else to be made
            egress = self.find_static_egress(self.place.egress)
            if not egress or not egress["complete"]:
                return None
            network["subnets"], network["assign_public_ip"] = egress["subnets"], False
            network["egress_ips"] = egress["ips"]
        return network

    def find_log_group(self, name: str) -> Optional[dict[str, Any]]:
        """{"name", "retention_days"} (None = never expire). ensure_log_group rounds the wanted
        retention up with foundation.allowed_retention(): compare with that."""
        group = self._log_group(name)
        return {"name": group["logGroupName"], "retention_days": group.get("retentionInDays")} if group else None

    def find_secret(self, name: str) -> Optional[dict[str, Any]]:
        """{"arn"} of an SSM parameter; metadata only, the value is never read."""
        resp = self.client("ssm").describe_parameters(
            ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])
        found = next((p for p in resp.get("Parameters", []) if p.get("Name") == name), None)
        return {"arn": found.get("ARN") or self._parameter_arn(name)} if found else None

    # --- task definitions --------------------------------------------------------------
    def _execution_role_lookup(self) -> tuple[str, bool]:
        """(ARN, exists) of the execution role, without creating it. A missing role's ARN is
        the one ensure_role would create (name at path /)."""
        configured = self.settings.task_execution_role_arn
        if configured:
            return configured, True
        memo = self._memo.get(f"role:{naming.EXECUTION_ROLE_NAME}")
        if memo:
            return memo, True
        try:
            return self.client("iam").get_role(RoleName=naming.EXECUTION_ROLE_NAME)["Role"]["Arn"], True
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
        return f"arn:{self.partition}:iam::{self.account_id()}:role/{naming.EXECUTION_ROLE_NAME}", False

    def find_task_definition(self, family: str, container: ContainerSpec) -> dict[str, Any]:
        """{"latest_arn", "matches", "changes"}: matches is True exactly when
        register_task_definition(family, container) would reuse the latest ACTIVE revision
        (same spec hash). changes: {field: [old, new]}, env and secrets as
        {"added", "removed", "changed"} key names. A missing execution role is a change
        ("execution_role": [None, the ARN it would get]). An invalid container raises
        ValueError as register_task_definition would."""
        role_arn, role_exists = self._execution_role_lookup()
        request = taskdef.build_request(family, container, self.region, role_arn)
        digest = taskdef.spec_hash(request)
        name = request["containerDefinitions"][0]["name"]
        latest = self._latest_active_revision(family)
        td, tags = latest if latest is not None else (None, [])
        old = task_view(td, name) if td is not None else None
        changes = task_changes(old, task_view(request, name))
        matches = td is not None and any(t.get("key") == taskdef.SPEC_TAG and t.get("value") == digest for t in tags)
        if not role_exists:
            matches = False
            changes["execution_role"] = [None, role_arn]
        if not matches and not changes:
            # Same fields, different request (an untagged revision, or one made another way).
            old_digest = next((t.get("value") for t in tags if t.get("key") == taskdef.SPEC_TAG), None)
            changes["spec"] = [old_digest, digest]
        return {"latest_arn": td["taskDefinitionArn"] if td else None, "matches": matches, "changes": changes}

    # --- edge ----------------------------------------------------------------------------
    def listener_certificates(self, listener_arn: str) -> list[str]:
        """The certificate ARNs a listener holds (its default and those picked by SNI); [] for none."""
        elb = self.client("elbv2")
        try:
            pages = elb.get_paginator("describe_listener_certificates").paginate(ListenerArn=listener_arn)
            return [c["CertificateArn"] for page in pages for c in page.get("Certificates", [])]
        except Exception as exc:
            if error_code(exc) == "ListenerNotFound":
                return []
            raise

    def find_load_balancer(self, name: str) -> Optional[dict[str, Any]]:
        """ensure_load_balancer's keys that exist: {"arn", "dns_name", "zone_id",
        "listener_arn" (None without an HTTP :80 listener), "security_group" (or None),
        "https_listener_arn" (only with a :443 listener)}."""
        lb_name = naming.elb_name(name)
        lb = self._find_load_balancer(lb_name)
        if lb is None:
            return None
        listeners = {l["Port"]: l["ListenerArn"] for l in self._listeners(lb["LoadBalancerArn"])}
        sg = self._find_security_group(lb.get("VpcId", ""), naming.load_balancer_security_group(lb_name))
        out = {"arn": lb["LoadBalancerArn"], "dns_name": lb["DNSName"], "zone_id": lb.get("CanonicalHostedZoneId"),
               "listener_arn": listeners.get(80), "security_group": sg["GroupId"] if sg else None}
        if 443 in listeners:
            out["https_listener_arn"] = listeners[443]
        return out

    def find_target_group(self, name: str) -> Optional[dict[str, Any]]:
        """{"arn", "port", "vpc_id", "health" (HealthCheckSpec keys; compare with
        expected_health()), "deregistration_delay" (seconds, int)}."""
        tg = self._find_target_group(naming.elb_name(name))
        if tg is None:
            return None
        arn = tg["TargetGroupArn"]
        attrs = {a["Key"]: a["Value"] for a in
                 self.client("elbv2").describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]}
        delay = attrs.get("deregistration_delay.timeout_seconds")
        return {"arn": arn, "port": tg.get("Port"), "vpc_id": tg.get("VpcId"), "health": health_view(tg),
                "deregistration_delay": int(delay) if delay is not None else None}

    def find_listener_rule(self, listener_arn: str, host: str, path: str) -> Optional[dict[str, Any]]:
        """{"arn", "target_group_arn", "weights", "allowed_ips", "priority" (int), "owner"} of the rule for host (+ path);
        None when there is none (or no such listener). "owner" is its launchbay:service tag
        (None: untagged): ensure_listener_rule re-points it only for that owner (edge.owned_by),
        so a planner refuses another service's rule before it runs."""
        r = self._host_rule(listener_arn, host, path)
        if r is None:
            return None
        prio = str(r.get("Priority", ""))
        return {"arn": r["RuleArn"], "target_group_arn": forward_target(r.get("Actions", [])),
                "redirect": redirects(r.get("Actions", [])), "page": fixed_page(r.get("Actions", [])),
                "redirect_to": redirect_target(r.get("Actions", [])),
                "weights": forward_weights(r.get("Actions", [])), "allowed_ips": source_ips(r.get("Conditions", [])),
                "priority": int(prio) if prio.isdigit() else prio, "owner": self._rule_owner(r["RuleArn"])}

    def find_certificate(self, domain: str, owner: Optional[str] = None) -> Optional[dict[str, Any]]:
        """{"arn", "status", "owner"} of the certificate request_certificate(domain, owner) would
        reuse: one tagged with this owner (untagged when owner is None), an issued one before a
        pending one. Another service's certificate is never the answer."""
        found = self._certificates(domain.lower().rstrip("."), owner)
        if not found:
            return None
        arn = found[0]["CertificateArn"]
        status = found[0].get("Status") or \
            self.client("acm").describe_certificate(CertificateArn=arn)["Certificate"].get("Status")
        return {"arn": arn, "status": status, "owner": found[0]["owner"]}

    # --- automation ----------------------------------------------------------------------
    def find_schedule(self, rule_name: str) -> Optional[dict[str, Any]]:
        """{"arn", "schedule", "task_definition" (None without our target), "enabled"}."""
        events = self.client("events")
        try:
            rule = events.describe_rule(Name=rule_name)
            targets = events.list_targets_by_rule(Rule=rule_name).get("Targets", [])
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise
        target = next((t for t in targets if t.get("Id") == SCHEDULE_TARGET_ID), None)
        ecs = (target or {}).get("EcsParameters") or {}
        return {"arn": rule["Arn"], "schedule": rule.get("ScheduleExpression"),
                "task_definition": ecs.get("TaskDefinitionArn"), "enabled": rule.get("State") == "ENABLED",
                "capacity": [list(x) for x in capacities.key(ecs.get("CapacityProviderStrategy"))]}

    def find_autoscaling(self, service_name: str) -> Optional[dict[str, Any]]:
        """{"min", "max", "policies": [names, sorted], "targets": {policy name: target value},
        "queue": the SQS queue a backlog policy follows (only when one does)}."""
        aas = self.client("application-autoscaling")
        resource = naming.scaling_resource_id(self.cluster, service_name)
        scalable = [t for t in aas.describe_scalable_targets(
            ServiceNamespace="ecs", ResourceIds=[resource], ScalableDimension=DIMENSION).get("ScalableTargets", [])
            if t.get("ResourceId") == resource]
        if not scalable:
            return None
        policies = [p for p in aas.describe_scaling_policies(
            ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION).get("ScalingPolicies", [])
            if p.get("ResourceId") == resource]  # check ourselves: moto may ignore the filters
        queue = next((d["Value"] for p in policies
                      for m in ((p.get("TargetTrackingScalingPolicyConfiguration") or {})
                                .get("CustomizedMetricSpecification") or {}).get("Metrics") or []
                      for d in ((m.get("MetricStat") or {}).get("Metric") or {}).get("Dimensions") or []
                      if d.get("Name") == "QueueName"), None)
        return {"min": scalable[0]["MinCapacity"], "max": scalable[0]["MaxCapacity"],
                "scheduled": self.scheduled_scaling(service_name), **({"queue": queue} if queue else {}),
                "policies": sorted(p["PolicyName"] for p in policies),
                "targets": {p["PolicyName"]: (p.get("TargetTrackingScalingPolicyConfiguration") or {}).get("TargetValue")
                            for p in policies}}


__all__ = ["InspectMixin", "diff", "expected_health", "health_view", "task_changes", "task_view"]
