"""The private address through the real CLI: `deploy --plan` names the namespace it would
create, `services show` and `status` print the address once a release is live."""
from __future__ import annotations

from tests.support.deploying import run_to_end


def test_plan_then_private_address_in_show_and_status(cli, account, ports):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "8080")
    domain = f"production.shop.{account.org_id[-6:]}.internal"
    planned = cli("deploy", "web", "--plan", "--json").json()
    steps = {s["step"]: s for s in planned["steps"]}
    assert steps["private_dns"]["action"] == "create" and steps["private_dns"]["name"] == domain
    assert "private dns namespace" in cli("deploy", "web", "--plan").stdout.lower()
    assert "private_address" not in cli("services", "show", "web").stdout      # nothing live yet

    dep = cli("deploy", "web", "--json").json()
    assert run_to_end(ports, dep["id"])["status"] == "live"
    shown = cli("services", "show", "web").stdout
    assert f"web.{domain}:8080" in shown and "private_address" in shown
    assert cli("services", "show", "web", "--json").json()["private_address"] == f"web.{domain}:8080"
    assert f"web.{domain}:8080" in cli("status", "web").stdout
