"""ECR repositories for the three images the platform runs: api (Dockerfile), worker
(Dockerfile.worker, also beat) and ui (infra/ui/Dockerfile)."""
from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ecr as ecr
from constructs import Construct

from .config import StageConfig

IMAGES = ("api", "worker", "ui")


class RegistryStack(Stack):
    def __init__(self, scope: Construct, cid: str, cfg: StageConfig, **kwargs) -> None:
        super().__init__(scope, cid, **kwargs)
        self.repos: dict[str, ecr.Repository] = {}
        for name in IMAGES:
            self.repos[name] = ecr.Repository(
                self, f"{name.capitalize()}Repo", repository_name=f"{cfg.prefix}-{name}",
                encryption=ecr.RepositoryEncryption.AES_256, image_scan_on_push=True,
                # tags are versions (the git commit): a tag never moves, so a rollback is exact
                image_tag_mutability=ecr.TagMutability.IMMUTABLE,
                lifecycle_rules=[ecr.LifecycleRule(max_image_count=30)],
                removal_policy=RemovalPolicy.RETAIN if cfg.prod else RemovalPolicy.DESTROY,
                empty_on_delete=not cfg.prod)
