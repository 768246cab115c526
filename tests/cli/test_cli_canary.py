"""Canary releases from the CLI: --canary on services create/update, the watch in `status`, and
`launchbay proceed`. The deployments run in-process against the moto sandbox."""
from __future__ import annotations

from tests.deploys.test_canary import continue_to_end, until_watching
from tests.support.deploying import run_to_end


def test_canary_is_set_watched_in_status_and_ended_with_proceed(cli, account, ports):
    made = cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--canary", "on", "--json").json()
    assert made["canary"] == {"percent": 10, "minutes": 5, "max_5xx_percent": 2.0, "max_p95_ms": None, "ramp": [], "baseline": False}
    ramped = cli("services", "update", "web", "--canary", "10,25,50:5:2", "--json").json()
    assert ramped["canary"]["ramp"] == [25, 50] and ramped["canary"]["percent"] == 10
    relative = cli("services", "update", "web", "--canary", "10:5:+2", "--json").json()
    assert relative["canary"]["baseline"] is True and relative["canary"]["max_5xx_percent"] == 2.0
    got = cli("services", "update", "web", "--canary", "20:30:1.5:800ms", "--json").json()
    assert got["canary"] == {"percent": 20, "minutes": 30, "max_5xx_percent": 1.5, "max_p95_ms": 800, "ramp": [], "baseline": False}
    assert "canary" in cli("services", "show", "web").stdout
    bad = cli("services", "update", "web", "--canary", "60", ok=None)
    assert bad.exit_code == 1 and "canary" in bad.stderr
    bad = cli("services", "update", "web", "--canary", "soon", ok=None)
    assert bad.exit_code == 1 and "PERCENT[,PERCENT...][:MINUTES[:[+]MAX_5XX[:MAX_P95_MS]]]" in bad.stderr

    first = cli("deploy", "web", "--json").json()
    assert run_to_end(ports, first["id"])["status"] == "live"
    refused = cli("proceed", first["id"], ok=None)
    assert refused.exit_code == 1 and "has no canary" in refused.stderr

    second = cli("deploy", "web", "--image", "nginx:1.28", "--json").json()
    dep, owner, seq = until_watching(ports, second["id"])
    shown = cli("status", "web").stdout
    assert "canary: watching 20 % of traffic on 1 task for 30 min" in shown
    assert f"launchbay proceed {dep['id']}" in shown
    said = cli("proceed", dep["id"]).stdout
    assert "the canary's watch ends at the next look" in said
    assert "proceeding (asked by" in cli("status", "web").stdout
    assert continue_to_end(ports, dep["id"], owner, seq)["status"] == "live"
    assert "canary: ended early by" in cli("status", "web").stdout
    assert cli("services", "update", "web", "--canary", "off", "--json").json()["canary"] is None

