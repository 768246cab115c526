#!/usr/bin/env python3
"""Launchbay's AWS infrastructure as one CDK app: `cdk synth` / `cdk deploy --all` from infra/,
with the stage, region and switches from cdk.json context (docs/deploy-aws.md)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import aws_cdk as cdk

# The repository root first: chalice.cdk imports the API's `app` module, not this file.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from launchbay_infra.alarms import AlarmsStack  # noqa: E402
from launchbay_infra.api import ApiStack  # noqa: E402
from launchbay_infra.config import StageConfig, from_context  # noqa: E402
from launchbay_infra.data import DataStack  # noqa: E402
from launchbay_infra.network import NetworkStack  # noqa: E402
from launchbay_infra.registry import RegistryStack  # noqa: E402
from launchbay_infra.web import WebStack  # noqa: E402
from launchbay_infra.workers import WorkersStack  # noqa: E402


def build(app: cdk.App, cfg: StageConfig) -> dict[str, cdk.Stack]:
    os.environ.setdefault("AWS_DEFAULT_REGION", cfg.region)   # chalice.cdk packages for this region
    env = cdk.Environment(account=cfg.account, region=cfg.region)
    tag = app.node.try_get_context("image_tag") or "initial"
    p = cfg.prefix
    net = NetworkStack(app, f"{p}-network", cfg, env=env)
    registry = RegistryStack(app, f"{p}-registry", cfg, env=env)
    data = DataStack(app, f"{p}-data", cfg, net, env=env)
    api = ApiStack(app, f"{p}-api", cfg, net, data, env=env)
    workers = WorkersStack(app, f"{p}-workers", cfg, net, data, registry, tag, env=env)
    web = WebStack(app, f"{p}-web", cfg, net, data, registry, tag, api.url, env=env)
    alarms = AlarmsStack(app, f"{p}-alarms", cfg, api, workers, web, env=env)
    stacks: dict[str, cdk.Stack] = {"network": net, "registry": registry, "data": data, "api": api,
                                    "workers": workers, "web": web, "alarms": alarms}
    for stack in stacks.values():
        cdk.Tags.of(stack).add("launchbay:stage", cfg.stage)
    return stacks


def main() -> None:
    app = cdk.App()
    build(app, from_context(app.node, os.environ.get("CDK_DEFAULT_ACCOUNT")))
    app.synth()


if __name__ == "__main__":
    main()
