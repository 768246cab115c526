"""A service's compute from the CLI: `services create/update --architecture`, `--spot`,
`--spot-percent`, `--on-demand-base`, `--no-spot`; `services show` and `services` saying where its
tasks run in the API's words; the API's refusals reaching the user as one line; and launchbay.yaml's
`architecture` and `spot` through plan, apply and export."""
from __future__ import annotations

import pytest

from cli.output import compute_words


def row(cli, name: str) -> str:
    return next(line for line in cli("services").stdout.splitlines() if f" {name} " in line)


def shown(cli, name: str) -> str:
    return next(line for line in cli("services", "show", name).stdout.splitlines() if line.startswith("compute"))


@pytest.mark.parametrize("service", [
    {}, {"architecture": "arm64"}, {"spot": {"percent": 100, "on_demand_base": 0}},
    {"architecture": "arm64", "spot": {"percent": 70, "on_demand_base": 1}},
    {"spot": {"percent": 50, "on_demand_base": 2}}, {"spot": {"percent": 100, "on_demand_base": 3}}])
def test_the_cli_says_it_as_the_api_does(service):
    from chalicelib.cloud import capacity

    assert compute_words(service) == capacity.summary(service)


def test_architecture_and_spot_are_set_changed_field_by_field_shown_and_turned_off(cli, account):
    made = cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--max", "3",
               "--architecture", "arm64", "--spot").stdout
    assert "compute: arm64 · Fargate Spot" in made
    got = cli("services", "show", "web", "--json").json()
    assert got["architecture"] == "arm64" and got["spot"] == {"percent": 100, "on_demand_base": 0}
    assert shown(cli, "web").split(None, 1) == ["compute", "arm64 · Fargate Spot"]
    assert "arm64 · Fargate Spot" in row(cli, "web")

    said = cli("services", "update", "web", "--spot-percent", "70", "--on-demand-base", "1").stdout
    assert "Updated web (spot)" in said
    assert "compute: arm64 · Fargate Spot for 70 % of the tasks, the first 1 task on regular Fargate" in said
    # only the share changes: the base stays
    half = cli("services", "update", "web", "--spot-percent", "50", "--json").json()
    assert half["spot"] == {"percent": 50, "on_demand_base": 1}
    assert shown(cli, "web").endswith("arm64 · Fargate Spot for 50 % of the tasks, the first 1 task on regular Fargate")
    # --spot alone on a service already on Spot keeps its fields
    assert cli("services", "update", "web", "--spot", "--json").json()["spot"] == {"percent": 50, "on_demand_base": 1}

    back = cli("services", "update", "web", "--architecture", "x86_64", "--no-spot").stdout
    assert "Updated web (architecture, spot)" in back and "compute: x86_64 · regular Fargate" in back
    got = cli("services", "show", "web", "--json").json()
    assert got["architecture"] is None and got["spot"] is None        # x86_64 is stored as the default
    assert "x86_64 · regular Fargate" in row(cli, "web")

    # --on-demand-base alone turns Spot on with the default share
    based = cli("services", "update", "web", "--on-demand-base", "2", "--json").json()
    assert based["spot"] == {"percent": 100, "on_demand_base": 2}
    assert cli("services", "create", "jobs", "--kind", "worker", "--image", "busybox", "--json").json().get("spot") is None


def test_refusals_reach_the_user_as_one_line(cli, account):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--max", "3")
    too_many = cli("services", "update", "web", "--spot", "--on-demand-base", "3", ok=None)
    assert too_many.exit_code == 1, too_many.stdout + too_many.stderr
    assert "spot.on_demand_base 3 would keep all of at most 3 tasks on regular Fargate: lower it or raise " \
           "max_instances" in too_many.stderr
    assert "Traceback" not in too_many.stderr and too_many.stdout == ""
    assert cli("services", "show", "web", "--json").json().get("spot") is None    # nothing changed

    cron = cli("services", "create", "nightly", "--kind", "cron", "--image", "busybox", "--schedule", "0 3 * * *",
               "--on-demand-base", "1", ok=None)
    assert cron.exit_code == 1 and "a cron job's run is one task: with spot, on_demand_base must be 0" in cron.stderr
    job = cli("services", "create", "nightly", "--kind", "cron", "--image", "busybox", "--schedule", "0 3 * * *",
              "--spot", "--json").json()
    assert job["spot"] == {"percent": 100, "on_demand_base": 0}

    both = cli("services", "update", "web", "--spot", "--no-spot", ok=None)
    assert both.exit_code == 1 and "give --no-spot or --spot" in both.stderr
    zero = cli("services", "update", "web", "--spot-percent", "0", ok=None)
    assert zero.exit_code == 1 and "--spot-percent" in zero.stderr
    odd = cli("services", "update", "web", "--architecture", "sparc", ok=None)
    assert odd.exit_code == 1 and "--architecture" in odd.stderr and "arm64" in odd.stderr


def test_architecture_and_spot_in_launchbay_yaml_from_the_cli(cli, account, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    head = "version: 1\nenvironments:\n  production:\n    services:\n      web:\n        kind: web\n" \
           "        image: nginx:1.27\n        port: 80\n        max_instances: 3\n"
    (tmp_path / "launchbay.yaml").write_text(head)
    cli("apply", "--yes")
    (tmp_path / "launchbay.yaml").write_text(head + "        architecture: arm64\n"
                                             "        spot: {percent: 70, on_demand_base: 1}\n")
    planned = cli("plan").stdout
    assert "~ service web" in planned and "architecture: x86_64 → arm64" in planned, planned
    assert "spot: regular Fargate → Fargate Spot for 70 % of the tasks, the first 1 task on regular Fargate" in planned
    cli("apply", "--yes")
    assert shown(cli, "web").endswith("arm64 · Fargate Spot for 70 % of the tasks, the first 1 task on regular Fargate")
    exported = cli("export").stdout
    assert "architecture: arm64" in exported and "percent: 70" in exported and "on_demand_base: 1" in exported
    (tmp_path / "launchbay.yaml").write_text(exported)
    assert "No changes" in cli("plan").stdout

    (tmp_path / "launchbay.yaml").write_text(head + "        spot: {on_demand_base: 3}\n")
    bad = cli("plan", ok=None)
    assert bad.exit_code == 1 and "environments.production.services.web.spot: spot.on_demand_base 3 would keep all " \
                                  "of at most 3 tasks on regular Fargate" in bad.stderr, bad.stderr
