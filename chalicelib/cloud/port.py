"""The cloud port: what the deploy engine needs from AWS, and nothing more.

Domain code (chalicelib/deploys) depends on this Protocol only; chalicelib.wiring.get_cloud()
returns an AwsCloud (real AWS) or a SandboxCloud (same boto3 code against the moto
server, plus a rollout simulator). Every method is idempotent: calling it twice
with the same arguments leaves AWS as one call would, so a redelivered task is safe.
"""
from __future__ import annotations

from typing import Any, Literal, NotRequired, Optional, Protocol, TypedDict


class ContainerSpec(TypedDict, total=False):
    name: str                  # container name (the service slug)
    image: str
    port: Optional[int]        # None for workers and cron jobs
    command: Optional[list[str]]
    cpu: int                   # CPU units (256 = 0.25 vCPU)
    memory: int                # MiB
    env: dict[str, str]        # plain run-time environment
    secrets: dict[str, str]    # NAME -> valueFrom (SSM parameter ARN); never a value
    log_group: str
    log_stream_prefix: str
    health_check_path: Optional[str]


class HealthCheckSpec(TypedDict, total=False):
    # None (or absent): the default (edge.HEALTH_DEFAULTS); a target group read back may lack a field
    path: Optional[str]
    interval_seconds: Optional[int]
    timeout_seconds: Optional[int]
    healthy_threshold: Optional[int]
    unhealthy_threshold: Optional[int]
    matcher: Optional[str]     # e.g. "200-399"


class Network(TypedDict):
    vpc_id: str
    subnets: list[str]
    security_groups: list[str]
    # True when the subnets are public (default VPC): tasks then need a public IP to
    # pull images. ensure_network() sets it; when absent, adapters assume the default VPC
    # unless LAUNCHBAY_SUBNETS is set.
    assign_public_ip: NotRequired[bool]


class RolloutStatus(TypedDict, total=False):
    state: Literal["in_progress", "completed", "failed"]
    reason: str                # words a person can act on, e.g. "health check on /healthz returned 502 for 3 of 3 tasks"
    desired: int
    running: int
    healthy: int
    failed_tasks: int


class Cloud(Protocol):
    """Return shapes (extra keys may appear; ignore what you do not use):
      ping -> {"ok", "mode": "sandbox"|"aws", "region", "detail"}; never raises
      put_secret -> {"arn", "version", "changed"}; names must start with /launchbay/
      register_task_definition -> {"arn", "revision", "reused"}
      ensure_load_balancer -> {"arn", "dns_name", "zone_id", "listener_arn", "security_group",
                               "https_listener_arn" (with a certificate)}
      ensure_service -> {"arn", "deployment_id"}: the PRIMARY deployment's id, or
                        "taskdef:<task definition ARN>" when ECS shows none for it (moto)
      describe_service -> {"arn", "name", "status", "task_definition", "desired", "running",
                           "pending", "load_balancers", "deployments", "events"} | None
      request_certificate / describe_certificate -> {"arn", "status" (ACM's, e.g.
                           PENDING_VALIDATION), "domain", "validation_records": [{"name","type","value"}]}
      run_task -> {"task_arn", "started"}; the sandbox adds "exit_code" and "simulated"
      read_logs -> ([{"ts", "message", "stream"}], next_token); a missing group -> ([], None)
    Optional additions to the first contract: Network.assign_public_ip,
    ensure_load_balancer(certificate_arn=), ensure_service(force_new_deployment=; not
    idempotent by nature), run_task(env=, client_token=), upsert_dns_records records with
    "ttl" or "alias": {"dns_name", "zone_id"}. AwsCloud also has delete_listener_rule().
    Ownership (optional `owner` = the owning service's id): listener rules and certificates
    are tagged launchbay:service=<owner>; ensure_listener_rule raises edge.NotOwned (a
    permanent ValueError) instead of re-pointing another service's rule, delete_listener_rule
    deletes only the owner's rule (returns whether it did), request_certificate reuses only
    the owner's certificate. lookup_txt(name) -> the TXT strings at name ([] when none; real
    DNS on AWS, the sandbox's Route 53 in the sandbox); edge.DnsUnavailable when DNS does not answer.
    Resource names, SSM paths and what the sandbox simulates: docs/cloud.md.
    Where an adapter acts: the account and region of its Clients (the platform's own, or a
    connected account's assumed role: assume_access) and the names in its base.Place (the
    organization's cluster, the environment's task security group): docs/aws-accounts.md.
    """

    sandbox: bool

    def ping(self) -> dict[str, Any]: ...
    def account_id(self) -> str: ...
    def assume_access(self, role_arn: str, external_id: str, session_name: str,
                      expected_account: Optional[str] = None) -> dict[str, Any]: ...
    def is_retryable(self, exc: BaseException) -> bool: ...
    def ensure_cluster(self) -> str: ...
    def ensure_network(self) -> Network: ...
    def ensure_log_group(self, name: str, retention_days: int = 30) -> str: ...
    def put_secret(self, name: str, value: str) -> dict[str, Any]: ...
    def delete_secret(self, name: str) -> None: ...
    def register_task_definition(self, family: str, container: ContainerSpec) -> dict[str, Any]: ...
    def ensure_load_balancer(self, name: str, network: Network,
                             certificate_arn: Optional[str] = None) -> dict[str, Any]: ...
    def ensure_target_group(self, name: str, port: int, health: HealthCheckSpec, vpc_id: str,
                            deregistration_delay: int = 30) -> str: ...
    def ensure_listener_rule(self, listener_arn: str, host: str, path: str, target_group_arn: str,
                             owner: Optional[str] = None) -> str: ...
    def delete_listener_rule(self, listener_arn: str, host: str, path: str, owner: Optional[str] = None,
                             target_group_arn: Optional[str] = None) -> bool: ...
    def ensure_service(self, name: str, task_definition_arn: str, desired_count: int, network: Network,
                       target_group_arn: Optional[str] = None, container_name: Optional[str] = None,
                       container_port: Optional[int] = None,
                       force_new_deployment: bool = False) -> dict[str, Any]: ...
    def describe_service(self, name: str) -> Optional[dict[str, Any]]: ...
    def delete_service(self, name: str) -> None: ...
    def ensure_schedule(self, rule_name: str, schedule_expression: str, task_definition_arn: str,
                        network: Network) -> str: ...
    def delete_schedule(self, rule_name: str) -> None: ...
    def ensure_autoscaling(self, service_name: str, min_count: int, max_count: int, cpu_target: float = 60.0,
                           requests_per_target: Optional[int] = None,
                           target_group_arn: Optional[str] = None,
                           load_balancer_arn: Optional[str] = None) -> None: ...
    def request_certificate(self, domain: str, owner: Optional[str] = None) -> dict[str, Any]: ...
    def describe_certificate(self, arn: str) -> dict[str, Any]: ...
    def upsert_dns_records(self, domain: str, records: list[dict[str, str]]) -> bool: ...
    def lookup_txt(self, name: str) -> list[str]: ...
    def observe_rollout(self, service_name: str, deployment_id: str, env: dict[str, str],
                        started_at: float) -> RolloutStatus: ...
    def run_task(self, task_definition_arn: str, network: Network, env: Optional[dict[str, str]] = None,
                 client_token: Optional[str] = None) -> dict[str, Any]: ...
    def read_logs(self, group: str, stream_prefix: str, start_ms: Optional[int] = None,
                  next_token: Optional[str] = None, limit: int = 100) -> tuple[list[dict[str, Any]], Optional[str]]: ...
    def resolve_image(self, image: str) -> dict[str, Any]: ...
    def list_task_runs(self, family: str, rule_name: str, started_after_ms: int,
                       env: Optional[dict[str, str]] = None) -> list[dict[str, Any]]: ...
    def list_task_definitions(self, family: str) -> list[str]: ...
    def deregister_task_definition(self, arn: str) -> None: ...

    # What runs, read back (cloud/metrics.py): {series id: {epoch s: value}} from one GetMetricData
    # call per 500 queries; ECS service events and stopped tasks (None: no such service).
    def get_metric_data(self, queries: list[Any], start: Any, end: Any, period: int) -> dict[str, dict[int, float]]: ...
    def put_metric_data(self, namespace: str, data: list[dict[str, Any]]) -> None: ...
    def service_events(self, name: str, limit: int = 100) -> Optional[dict[str, Any]]: ...

    # Read-only lookups for "plan before apply" (cloud/inspect.py documents the shapes):
    # None when the resource is missing; only Describe/List/Get calls.
    def find_cluster(self) -> Optional[dict[str, Any]]: ...
    def find_network(self) -> Optional[Network]: ...
    def find_log_group(self, name: str) -> Optional[dict[str, Any]]: ...
    def find_secret(self, name: str) -> Optional[dict[str, Any]]: ...
    def find_task_definition(self, family: str, container: ContainerSpec) -> dict[str, Any]: ...
    def find_load_balancer(self, name: str) -> Optional[dict[str, Any]]: ...
    def find_target_group(self, name: str) -> Optional[dict[str, Any]]: ...
    def find_listener_rule(self, listener_arn: str, host: str, path: str) -> Optional[dict[str, Any]]: ...
    def find_certificate(self, domain: str, owner: Optional[str] = None) -> Optional[dict[str, Any]]: ...
    def find_schedule(self, rule_name: str) -> Optional[dict[str, Any]]: ...
    def find_autoscaling(self, service_name: str) -> Optional[dict[str, Any]]: ...
