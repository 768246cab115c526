"""The `launchbay` command line (issue #10). `launchbay --help` lists the commands.

Installed as a console script by scripts/install_cli.py; `python -m cli` runs it too."""
from __future__ import annotations

from cli.app import app, tidy_help
from cli.commands import (  # noqa: F401  (they register their commands)
    accounts,
    approvals,
    catalog,
    cost,
    cron,
    deploy_hooks,
    deploys,
    domain,
    env_groups,
    find,
    hooks,
    iac,
    maintenance,
    members,
    mfa,
    notify,
    observe,
    org_admin,
    password,
    promote,
    registries,
    removal,
    resources,
    suspend,
    tokens,
)

tidy_help(app)

__all__ = ["app", "run"]


def run() -> None:
    app(prog_name="launchbay")
