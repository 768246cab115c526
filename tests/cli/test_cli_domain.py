"""`launchbay domain`: a custom domain set with `services update --domain` is proven by a TXT
record before it is routed; the CLI had no way to see that record or to verify it."""
from __future__ import annotations

import re
import uuid

import pytest

from tests.api.test_domains_api import publish_txt
from tests.support.processes import CeleryWorker


@pytest.fixture
def worker(launchbay_env):
    w = CeleryWorker(launchbay_env, ["deploys", "default"]).start()
    yield w
    w.stop()


def test_set_a_domain_see_its_txt_record_verify_it_then_deploy_routes_it(cli, account, launchbay_env):
    domain = f"shop-{uuid.uuid4().hex[:6]}.example.com"
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    updated = cli("services", "update", "web", "--domain", domain).stdout
    assert "`launchbay domain show web`" in updated and "launchbay domain verify web" in updated

    shown = cli("domain", "show", "web").stdout
    record = cli("domain", "show", "web", "--json").json()["verification"]
    assert "pending" in shown and f'{record["name"]}  TXT  "{record["value"]}"' in shown
    assert record["name"] == f"_launchbay-challenge.{domain}"

    refused = cli("domain", "verify", "web", ok=False)      # no record yet: the API's words, exit 1
    assert refused.exit_code == 1 and "is not verified" in refused.stderr and "field: domain" in refused.stderr

    publish_txt(launchbay_env, "example.com", record["name"], record["value"])
    verified = cli("domain", "verify", "web").stdout
    assert "verified" in verified and "the next deploy routes" in verified
    # said plainly, with the way to route it now
    assert f"Nothing reaches {domain} until the next deploy of web routes it: `launchbay deploy web --wait`" in verified
    assert cli("domain", "show", "web", "--json").json()["status"] == "verified"
    assert "Prove it is yours" not in cli("domain", "show", "web").stdout


def test_verify_deploy_wait_routes_the_domain_and_says_where_it_answers(cli, account, launchbay_env, worker):
    domain = f"shop-{uuid.uuid4().hex[:6]}.example.com"
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--domain", domain)
    record = cli("domain", "show", "web", "--json").json()["verification"]
    publish_txt(launchbay_env, "example.com", record["name"], record["value"])
    lone = cli("domain", "verify", "web", "--wait", ok=False)
    assert lone.exit_code == 1 and "add --deploy" in lone.stderr            # a usage error: nothing verified
    assert cli("domain", "show", "web", "--json").json()["status"] == "pending"

    done = cli("domain", "verify", "web", "--deploy", "--wait", "--timeout", "120", ok=None)
    assert done.exit_code == 0, worker.output()[-3000:] + done.stdout + done.stderr
    out = done.stdout
    assert f"Verified {domain}. Deploying web to route it: deployment #1" in out and "deployment #1 is live" in out
    # the "Reach it" lines: the domain through the load balancer, then the internal host
    lb = r"http://\S+\.elb\.amazonaws\.com/"
    assert re.search(rf"Open it: http://{re.escape(domain)}/   \(once {re.escape(domain)}'s DNS points at \S+\)\n"
                     rf"Reach it: curl -H 'Host: {re.escape(domain)}' {lb}   \(sandbox: the address is simulated\)\n"
                     rf"Reach it: curl -H 'Host: web-\w+\.org_\w+\.launchbay\.internal' {lb}", out), out
    assert cli("domain", "show", "web", "--json").json()["routed"] is True
    assert len(cli("releases", "web", "--json").json()["items"]) == 1        # one deploy, one Idempotency-Key

    again = cli("domain", "verify", "web", "--deploy", "--json").json()      # queued, not followed: both answers
    assert again["routed"] is True and again["message"] == "already verified"
    assert again["deployment"]["status"] in ("queued", "provisioning", "deploying", "live")


def test_aliases_are_set_shown_and_verified_each_with_its_own_record(cli, account, launchbay_env):
    zone = f"shop-{uuid.uuid4().hex[:6]}.example.com"
    domain, www = zone, f"www.{zone}"
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--domain", domain, "--alias", www)
    shown = cli("domain", "show", "web").stdout
    assert f"alias {www}" in shown and shown.count("Prove it is yours") == 2
    got = cli("domain", "show", "web", "--json").json()
    for name in (got, got["aliases"][0]):
        publish_txt(launchbay_env, zone, name["verification"]["name"], name["verification"]["value"])
    verified = cli("domain", "verify", "web", "--json").json()
    assert verified["status"] == "verified" and verified["aliases"][0]["status"] == "verified"
    assert cli("services", "update", "web", "--redirect-aliases", "--json").json()["redirect_aliases"] is True
    assert cli("services", "update", "web", "--serve-aliases", "--json").json()["redirect_aliases"] is None
    said = cli("services", "update", "web", "--no-aliases").stdout
    assert "Updated web (aliases)" in said
    assert "aliases" not in cli("domain", "show", "web", "--json").json()
    both = cli("services", "update", "web", "--alias", www, "--no-aliases", ok=None)
    assert both.exit_code != 0 and "--no-aliases" in both.stderr
