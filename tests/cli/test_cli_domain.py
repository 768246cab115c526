"""`launchbay domain`: a custom domain set with `services update --domain` is proven by a TXT
record before it is routed; the CLI had no way to see that record or to verify it."""
from __future__ import annotations

import uuid

from tests.api.test_domains_api import publish_txt


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
    assert cli("domain", "show", "web", "--json").json()["status"] == "verified"
    assert "Prove it is yours" not in cli("domain", "show", "web").stdout
