"""Static egress from the CLI: `envs update --static-egress / --no-static-egress`, `envs create
--static-egress`, and `envs show` / `envs` saying where outbound traffic leaves from: the Elastic IP
once a deploy (a real Celery worker against the moto sandbox) made the NAT gateway."""
from __future__ import annotations

import ipaddress

import pytest

from tests.support.processes import CeleryWorker


@pytest.fixture
def worker(launchbay_env):
    w = CeleryWorker(launchbay_env, ["deploys", "default"]).start()
    yield w
    w.stop()


def row(cli, name: str) -> str:
    return next(line for line in cli("envs").stdout.splitlines() if f" {name} " in line)


def test_static_egress_on_shown_with_its_address_after_a_deploy_and_off(cli, account, worker):
    before = cli("envs", "show", "production").stdout
    assert "outbound" in before and "not static: each task leaves from its own public IP" in before
    assert "egress_ips" not in before                                    # none: the line is left out
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")

    said = cli("envs", "update", "production", "--static-egress").stdout
    assert "production: outbound: static: the next deploy makes the NAT gateway and its Elastic IP" in said
    assert "Its services move behind the NAT gateway at their next deploy (`launchbay deploy SERVICE --env production`); " \
           "`launchbay envs show production` names the address to allow then" in said
    shown = cli("envs", "show", "production").stdout
    assert "static: the next deploy makes the NAT gateway" in shown
    assert "static (next deploy)" in row(cli, "production")

    done = cli("deploy", "web", "--wait", "--timeout", "120", ok=None)
    assert done.exit_code == 0, worker.output()[-3000:] + done.stdout + done.stderr
    env = cli("envs", "show", "production", "--json").json()
    assert env["static_egress"] is True and len(env["egress_ips"]) == 1, env
    [ip] = env["egress_ips"]
    ipaddress.ip_address(ip)                                             # an address (moto makes it up)
    assert f"outbound traffic leaves from {ip}" == env["egress"]
    shown = cli("envs", "show", "production").stdout.splitlines()
    assert any(line.split() == ["outbound", "static,", "from", ip] for line in shown), shown
    assert any(line.split() == ["egress_ips", f'["{ip}"]'] for line in shown), shown   # as the README says
    assert f"static {ip}" in row(cli, "production")

    off = cli("envs", "update", "production", "--no-static-egress").stdout
    assert f"production: outbound: not static: turned off: services move back to public subnets at their next " \
           f"deploy; {ip} is released once none runs behind it" in off
    assert "Its services move back to their own public IPs at their next deploy" in off
    assert "per task (next deploy)" in row(cli, "production")
    got = cli("envs", "show", "production", "--json").json()
    assert got["static_egress"] is False and got["egress_ips"] == [ip]


def test_static_egress_from_envs_create_and_as_json(cli, account):
    made = cli("envs", "create", "staging", "--static-egress").stdout
    assert "Created environment staging" in made and "outbound: static: the next deploy makes" in made
    assert cli("envs", "show", "staging", "--json").json()["static_egress"] is True
    assert cli("envs", "create", "qa", "--json").json()["static_egress"] is False
    got = cli("envs", "update", "staging", "--no-static-egress", "--json").json()
    assert got["static_egress"] is False and got["egress_ips"] == []
    assert "not static: each task leaves from its own public IP" in cli("envs", "show", "staging").stdout
    cli("envs", "use", "staging")
    assert "staging" in cli("envs", "show").stdout.split("\n")[1]        # the default environment
    none = cli("envs", "update", "staging", ok=None)
    assert none.exit_code == 1 and "--static-egress or --no-static-egress" in none.stderr


def test_static_egress_in_launchbay_yaml_from_the_cli(cli, account, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "launchbay.yaml").write_text("version: 1\nenvironments:\n  production:\n    static_egress: true\n")
    planned = cli("plan").stdout
    assert "~ environment production" in planned and "static_egress: no → yes" in planned, planned
    assert cli("apply", "--yes").exit_code == 0
    assert "static (next deploy)" in row(cli, "production")
    assert "static_egress: true" in cli("export").stdout
    assert "No changes" in cli("plan").stdout
