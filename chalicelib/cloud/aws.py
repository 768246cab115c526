"""AwsCloud: the Cloud port on real AWS, with boto3 (imported lazily by session.py).

The methods live in one mixin per AWS area:
  foundation.py  cluster, network, IAM roles, log groups, secrets, logs
  compute.py     task definitions, services, run_task, observe_rollout
  edge.py        load balancer, target groups, listener rules, certificates, DNS
  automation.py  EventBridge schedules, Application Auto Scaling
  registry.py    ECR image digests
  build.py       builds from source with CodeBuild, pushed to the service's ECR repository
  runs.py        cron run history read back from ECS
  metrics.py     CloudWatch GetMetricData, ECS service events and stopped tasks
  datastores.py  managed resources: RDS, ElastiCache, S3, their groups and connection secrets
  retire.py      removing an environment's shared resources (environment teardown)
  discovery.py   Cloud Map: an environment's private DNS namespace, a service's private address
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.cloud.automation import AutomationMixin
from chalicelib.cloud.build import BuildMixin
from chalicelib.cloud.compute import ComputeMixin
from chalicelib.cloud.datastores import DatastoresMixin
from chalicelib.cloud.discovery import DiscoveryMixin
from chalicelib.cloud.edge import EdgeMixin
from chalicelib.cloud.errors import describe, is_retryable
from chalicelib.cloud.inspect import InspectMixin
from chalicelib.cloud.metrics import MetricsMixin
from chalicelib.cloud.registry import RegistryMixin
from chalicelib.cloud.retire import RetireMixin
from chalicelib.cloud.runs import RunsMixin


class AwsCloud(RetireMixin, InspectMixin, ComputeMixin, EdgeMixin, AutomationMixin, RegistryMixin, RunsMixin,
               MetricsMixin, DatastoresMixin, BuildMixin, DiscoveryMixin):
    sandbox = False

    @staticmethod
    def is_retryable(exc: BaseException) -> bool:
        """Throttling, network and 5xx errors are worth retrying; validation and access errors are not."""
        return is_retryable(exc)

    def assume_access(self, role_arn: str, external_id: str, session_name: str,
                      expected_account: Optional[str] = None) -> dict[str, Any]:
        """Credentials of a connected account's role, from this (the platform's) account; raises
        assumed.AccessBroken when the role refuses or breaks Launchbay's trust rules."""
        from chalicelib.cloud.assumed import assume

        return assume(self.clients, role_arn, external_id, self.account_id(), session_name, expected_account)

    def ping(self) -> dict[str, Any]:
        """Cheap reachability check (STS GetCallerIdentity, one attempt, short timeouts); never raises."""
        mode = "sandbox" if self.sandbox else "aws"
        try:
            ident = self.clients.get("sts", fast=True).get_caller_identity()
            detail = f"account {ident.get('Account')}"
            if self.clients.endpoint_url:
                detail += f" at {self.clients.endpoint_url}"
            return {"ok": True, "mode": mode, "region": self.region, "detail": detail}
        except Exception as exc:  # ping reports, it does not raise
            return {"ok": False, "mode": mode, "region": self.region, "detail": describe(exc)}
