"""Removing what an environment shared in an account: its load balancer (listeners and their
rules go with it), target groups its services left, security groups, parameters, log groups and
the organization's cluster. Lookups (find_*) are read-only; every delete_* tolerates "already
gone", so a teardown run again after a crash finishes what the first one began.
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.cloud import naming
from chalicelib.cloud.base import ignoring
from chalicelib.cloud.errors import RetryLater, error_code
from chalicelib.cloud.inspect import InspectMixin


class RetireMixin(InspectMixin):
    # --- lookups (Describe/List/Get only) ---------------------------------------------
    def find_security_groups(self, name: str) -> list[dict[str, Any]]:
        """[{"id", "vpc_id", "name"}] of the groups with this name (one per VPC at most)."""
        groups = self.client("ec2").describe_security_groups(
            Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]
        return [{"id": g["GroupId"], "vpc_id": g.get("VpcId"), "name": g["GroupName"]} for g in groups]

    def find_parameters(self, path: str) -> list[str]:
        """Names of the SSM parameters under path (recursively); values are never read."""
        ssm, names, token = self.client("ssm"), [], None
        while True:
            kw: dict[str, Any] = {"ParameterFilters": [{"Key": "Path", "Option": "Recursive", "Values": [path]}],
                                  "MaxResults": 50}
            if token:
                kw["NextToken"] = token
            page = ssm.describe_parameters(**kw)
            names += [p["Name"] for p in page.get("Parameters", [])]
            token = page.get("NextToken")
            if not token:
                return sorted(names)

    def cluster_usage(self) -> Optional[dict[str, Any]]:
        """{"arn", "services": [names], "running", "pending"} of the place's cluster; None when gone."""
        found = self.find_cluster()
        if found is None:
            return None
        ecs = self.client("ecs")
        arns = [a for page in ecs.get_paginator("list_services").paginate(cluster=self.cluster)
                for a in page.get("serviceArns", [])]
        services: list[str] = []
        for i in range(0, len(arns), 10):   # DescribeServices takes 10 at a time
            for s in ecs.describe_services(cluster=self.cluster, services=arns[i:i + 10]).get("services", []):
                if s.get("status") != "INACTIVE":
                    services.append(s["serviceName"])
        [c] = ecs.describe_clusters(clusters=[self.cluster])["clusters"] or [{}]
        return {"arn": found["arn"], "services": sorted(services), "running": c.get("runningTasksCount", 0),
                "pending": c.get("pendingTasksCount", 0)}

    # --- deletes (idempotent) -----------------------------------------------------------
    def delete_load_balancer(self, name: str) -> bool:
        """Its listeners (and their rules) first, then the load balancer. -> whether it existed."""
        elb = self.client("elbv2")
        lb = self._find_load_balancer(naming.elb_name(name))
        if lb is None:
            return False
        for listener in self._listeners(lb["LoadBalancerArn"]):
            with ignoring("ListenerNotFound"):
                elb.delete_listener(ListenerArn=listener["ListenerArn"])
        with ignoring("LoadBalancerNotFound"):
            elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        return True

    def delete_target_group_named(self, name: str) -> bool:
        tg = self._find_target_group(naming.elb_name(name))
        if tg is None:
            return False
        try:
            self.client("elbv2").delete_target_group(TargetGroupArn=tg["TargetGroupArn"])
        except Exception as exc:
            if error_code(exc) == "ResourceInUse":   # a listener rule still forwards to it: after that rule goes
                raise RetryLater(f"target group {tg['TargetGroupName']} is still in use") from exc
            if error_code(exc) != "TargetGroupNotFound":
                raise
        return True

    def delete_security_group(self, name: str) -> int:
        """Every group of that name (the rules of other groups that name it first, since AWS refuses
        to delete a referenced group). DependencyViolation (network interfaces of stopped tasks or
        of a deleted load balancer still draining) is retryable. -> how many were deleted."""
        ec2 = self.client("ec2")
        groups = self.find_security_groups(name)
        for g in groups:
            self._revoke_references(g["id"], g.get("vpc_id"))
            with ignoring("InvalidGroup.NotFound"):
                ec2.delete_security_group(GroupId=g["id"])
        return len(groups)

    def _revoke_references(self, group_id: str, vpc_id: Optional[str]) -> None:
        ec2 = self.client("ec2")
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}] if vpc_id else []
        for other in ec2.describe_security_groups(Filters=filters)["SecurityGroups"]:
            if other["GroupId"] == group_id:
                continue
            perms = [{**p, "UserIdGroupPairs": [u for u in p.get("UserIdGroupPairs", []) if u.get("GroupId") == group_id],
                      "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": []}
                     for p in other.get("IpPermissions", [])
                     if any(u.get("GroupId") == group_id for u in p.get("UserIdGroupPairs", []))]
            if perms:
                with ignoring("InvalidPermission.NotFound"):
                    ec2.revoke_security_group_ingress(GroupId=other["GroupId"], IpPermissions=perms)

    def delete_log_group(self, name: str) -> bool:
        if not name.startswith(naming.SECRET_PREFIX + "/"):
            raise ValueError(f"only log groups under {naming.SECRET_PREFIX}/ are Launchbay's")
        if self._log_group(name) is None:
            return False
        with ignoring("ResourceNotFoundException"):
            self.client("logs").delete_log_group(logGroupName=name)
        return True

    def delete_cluster(self) -> bool:
        """The place's cluster, once no service or task is left in it (ECS refuses otherwise too):
        deleted services drain for a while, so this says RetryLater until they are gone."""
        usage = self.cluster_usage()
        if usage is None:
            return False
        if usage["services"] or usage["running"] or usage["pending"]:
            raise RetryLater(f"cluster {self.cluster} still has {', '.join(usage['services']) or 'tasks'} draining")
        with ignoring("ClusterNotFoundException"):
            self.client("ecs").delete_cluster(cluster=self.cluster)
        return True
