"""A web service open to some client addresses only, from the CLI: --allow-ip / --allow-any."""
from __future__ import annotations


def test_allowed_addresses_are_set_shown_and_opened_again_from_the_cli(cli, account):
    made = cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--allow-ip", "203.0.113.7",
               "--json").json()
    assert made["allowed_ips"] == ["203.0.113.7/32"]
    got = cli("services", "update", "web", "--allow-ip", "203.0.113.0/24", "--allow-ip", "2001:db8::/32", "--json").json()
    assert got["allowed_ips"] == ["203.0.113.0/24", "2001:db8::/32"]
    assert "203.0.113.0/24" in cli("services", "show", "web").stdout
    bad = cli("services", "update", "web", "--allow-ip", "office", ok=None)
    assert bad.exit_code == 1 and "is not an IP address or CIDR block" in bad.stderr
    both = cli("services", "update", "web", "--allow-ip", "10.0.0.0/8", "--allow-any", ok=None)
    assert both.exit_code != 0 and "not both" in both.stderr
    assert cli("services", "update", "web", "--allow-any", "--json").json()["allowed_ips"] == []


def test_an_environment_s_allowed_addresses_from_the_cli(cli, account):
    said = cli("envs", "update", "production", "--allow-ip", "203.0.113.0/24").stdout
    assert "production: its web services answer 203.0.113.0/24 only" in said
    assert cli("envs", "update", "production", "--allow-any", "--json").json()["allowed_ips"] == []
