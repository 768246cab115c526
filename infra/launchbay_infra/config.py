"""Stage settings from CDK context (cdk.json, or `-c key=value`): names, sizes and switches."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Default sizes per stage; docs/deploy-aws.md prices exactly these.
SIZES = {
    "dev": {"nat_gateways": 1, "redis_node": "cache.t4g.micro", "redis_replicas": 0,
            "search_node": "t3.small.search", "search_nodes": 1, "search_volume_gb": 10,
            "worker_instance": "t3.small", "workers_min": 1, "workers_max": 3,
            "beat_instance": "t3.micro", "ui_instance": "t3.micro", "ui_count": 1,
            "lambda_memory": 512, "api_tasks": 1},
    "prod": {"nat_gateways": 2, "redis_node": "cache.t4g.small", "redis_replicas": 1,
             "search_node": "m6g.large.search", "search_nodes": 2, "search_volume_gb": 50,
             "worker_instance": "t3.medium", "workers_min": 2, "workers_max": 10,
             "beat_instance": "t3.micro", "ui_instance": "t3.micro", "ui_count": 2,
             "lambda_memory": 1024, "api_tasks": 2},
}


@dataclass(frozen=True)
class StageConfig:
    stage: str
    region: str
    azs: list[str]
    account: str | None
    domain_name: str
    certificate_arn: str
    alarm_email: str
    api_container: bool
    sizes: dict[str, Any]

    @property
    def prefix(self) -> str:
        return f"launchbay-{self.stage}"

    @property
    def prod(self) -> bool:
        return self.stage == "prod"


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true", "yes", "on")


def from_context(node: Any, default_account: str | None = None) -> StageConfig:
    def ctx(key: str, default: Any = None) -> Any:
        value = node.try_get_context(key)
        return default if value is None else value

    stage = ctx("stage", "dev")
    if stage not in SIZES:
        raise ValueError(f"context stage must be one of {sorted(SIZES)}, not {stage!r}")
    region = ctx("region", "us-east-1")
    azs = ctx("availability_zones", [f"{region}a", f"{region}b"])
    if isinstance(azs, str):
        azs = [z.strip() for z in azs.split(",") if z.strip()]
    return StageConfig(stage=stage, region=region, azs=list(azs), account=ctx("account", default_account),
                       domain_name=ctx("domain_name", "launchbay.example.com"),
                       certificate_arn=ctx("certificate_arn", ""), alarm_email=ctx("alarm_email", ""),
                       api_container=_flag(ctx("api_container", False)), sizes=SIZES[stage])
