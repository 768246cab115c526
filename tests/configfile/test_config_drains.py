"""Log drains in launchbay.yaml: the key is never in the file. A drain names the environment
variable holding it (access_key_env); the CLI reads it where it runs and sends it with plan and
apply (`access_keys`), which never answer it. A new Datadog drain without it is refused in words
(plan warns, apply refuses: nothing is applied), not a 500; an existing drain keeps its key unless
the variable holds another one. Plan, apply, export and the export's empty plan, against the moto
sandbox with a Firehose receiver here."""
from __future__ import annotations

import json

import pytest
import yaml

from tests.configfile.test_config_api import files, owner
from tests.configfile.test_config_resources import by, settle_all

pytestmark = pytest.mark.services

DD = "https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input"
DD_EU = "https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input"


def drains_file(receiver_url: str) -> str:
    return f"""\
version: 1
environments:
  production:
    resources:
      datadog: {{kind: log_drain, destination: datadog, access_key_env: DD_API_KEY}}
      hook:
        kind: log_drain
        destination: http
        url: {receiver_url}
        services: [web]
        filter_pattern: "?ERROR ?WARN"
        access_key_env: HOOK_KEY
    services:
      web: {{image: "nginx:1.27", port: 8080}}
      worker: {{image: "nginx:1.27", kind: worker}}
"""


def with_keys(text: str, **keys) -> dict:
    return {**files(text), "access_keys": keys}


def test_drains_plan_apply_export_and_the_key_stays_out_of_every_answer(api, ports, receiver):
    a, org, prj = owner(api)
    text = drains_file(receiver.url)
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan",
                          with_keys(text, DD_API_KEY="dd-s3cret", HOOK_KEY="hook-s3cret"))
    assert status == 200, plan
    made = by(plan, "create", "resource")
    assert made[("production", "datadog")]["fields"] == {
        "kind": "log_drain", "destination": "datadog", "url": DD, "deletion_protection": False,
        "access_key_env": "DD_API_KEY"}                          # a drain holds no data: unprotected by default
    assert made[("production", "hook")]["fields"]["services"] == ["web"]
    assert made[("production", "hook")]["fields"]["filter_pattern"] == "?ERROR ?WARN"
    assert "s3cret" not in json.dumps(plan)

    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply",
                         with_keys(text, DD_API_KEY="dd-s3cret", HOOK_KEY="hook-s3cret"))
    assert status == 200, out
    assert "s3cret" not in json.dumps(out)
    settled = {r["name"]: r for r in settle_all(ports, prj)}
    assert {r["status"] for r in settled.values()} == {"available"}, settled
    hook = settled["hook"]
    assert a.call("POST", f"/orgs/{org}/resources/{hook['id']}/test-line")[0] == 202
    assert receiver.requests[-1]["headers"]["X-Amz-Firehose-Access-Key"] == "hook-s3cret"

    # the plan of the same file: nothing, with the keys or without them (CI need not have them)
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(text))[1]["changes"] == []
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan",
                  with_keys(text, DD_API_KEY="dd-s3cret", HOOK_KEY="hook-s3cret"))[1]["changes"] == []
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    prod = exported["document"]["environments"]["production"]["resources"]
    assert prod["datadog"] == {"kind": "log_drain", "destination": "datadog", "access_key_env": "DD_API_KEY",
                               "deletion_protection": False}
    assert prod["hook"] == {"kind": "log_drain", "destination": "http", "url": receiver.url, "services": ["web"],
                            "filter_pattern": "?ERROR ?WARN", "access_key_env": "HOOK_KEY",
                            "deletion_protection": False}
    assert "s3cret" not in exported["yaml"] and "access_key_env names" in exported["yaml"]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []

    # another site, every service, a new key: each an update naming what changes, never the key
    doc = yaml.safe_load(exported["yaml"])
    res = doc["environments"]["production"]["resources"]
    res["datadog"]["url"] = DD_EU
    del res["hook"]["services"]
    del res["hook"]["filter_pattern"]
    edited = yaml.safe_dump(doc)
    keys = {"DD_API_KEY": "dd-s3cret", "HOOK_KEY": "hook-2"}
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", with_keys(edited, **keys))[1]
    updates = by(plan, "update", "resource")
    assert updates[("production", "datadog")]["fields"] == {"url": [DD, DD_EU]}
    assert updates[("production", "hook")]["fields"] == {"services": [["web"], None], "filter_pattern": ["?ERROR ?WARN", ""],
                                                         "access_key": ["(set)", "(the value of HOOK_KEY)"]}
    assert "hook-2" not in json.dumps(plan)
    # the destination stays as made
    res["datadog"]["destination"] = "newrelic"
    warned = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", with_keys(yaml.safe_dump(doc), **keys))[1]
    (fixed,) = [w for w in warned["warnings"] if w["key"].endswith("datadog.destination")]
    assert "cannot change destination in place (datadog -> newrelic): create another drain" in fixed["message"]
    res["datadog"]["destination"] = "datadog"

    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", with_keys(edited, **keys))[0] == 200
    after = {r["name"]: r for r in settle_all(ports, prj)}
    assert after["datadog"]["url"] == DD_EU and after["hook"]["services"] is None
    assert after["hook"]["filter_pattern"] == ""
    assert a.call("POST", f"/orgs/{org}/resources/{hook['id']}/test-line")[0] == 202
    assert receiver.requests[-1]["headers"]["X-Amz-Firehose-Access-Key"] == "hook-2"
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", with_keys(edited, **keys))[1]["changes"] == []
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    assert exported["document"]["environments"]["production"]["resources"]["datadog"]["url"] == DD_EU
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []

    # left out of the file: deleted with allow_delete, no data to confirm
    del res["datadog"]
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(yaml.safe_dump(doc)))[1]
    gone = by(plan, "delete", "resource")[("production", "datadog")]
    assert gone["fields"] == {"kind": "log_drain", "status": "available"}   # no deletes_data, not refused


def test_a_drain_without_its_key_is_refused_in_words_and_nothing_is_applied(api, ports):
    a, org, prj = owner(api)
    no_key = """\
version: 1
environments:
  production:
    resources:
      logs: {kind: log_drain, destination: datadog}
    services:
      web: {image: "nginx:1.27", port: 8080}
"""
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(no_key))
    assert status == 200, plan
    refused = by(plan, "create", "resource")[("production", "logs")]["fields"]["refused"]
    assert "a Datadog drain needs your Datadog API key: name the environment variable holding it " \
           "(access_key_env: DD_API_KEY)" in refused
    assert any("apply will refuse this plan" in w["message"] for w in plan["warnings"])
    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(no_key))
    assert status == 409 and "nothing was applied" in out["error"]["message"], out
    assert a.call("GET", f"/orgs/{org}/projects/{prj}/resources")[1]["items"] == []
    assert [s["name"] for s in a.call("GET", f"/orgs/{org}/projects/{prj}/services")[1]["items"]] == []

    named = no_key.replace("destination: datadog}", "destination: newrelic, access_key_env: NR_KEY}")
    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(named))
    assert status == 409 and "access_key_env: NR_KEY is not set where `launchbay plan`/`apply` runs" in \
        out["error"]["message"], out
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", with_keys(named, NR_KEY="nr"))[0] == 200


def test_drain_settings_that_do_not_fit_are_a_422_at_their_key(api):
    a, org, prj = owner(api)

    def refused(resource: str, field: str, services: str = "web: {image: \"nginx:1.27\", port: 8080}") -> str:
        text = f"version: 1\nenvironments:\n  production:\n    resources:\n      {resource}\n    services:\n      {services}\n"
        status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(text))
        assert (status, out["error"]["field"]) == (422, field), out
        return out["error"]["message"]

    assert "an http drain needs the URL" in refused("logs: {kind: log_drain, destination: http}",
                                                    "environments.production.resources.logs.url")
    refused("logs: {kind: log_drain, destination: http, url: 'http://example.com/in'}",
            "environments.production.resources.logs.url")
    assert "a log drain sends to one of" in refused("logs: {kind: log_drain}",
                                                    "environments.production.resources.logs.destination")
    refused("db: {kind: postgres, destination: http}", "environments.production.resources.db.destination")
    assert "only a log drain has access_key_env" in refused("db: {kind: postgres, access_key_env: DD_API_KEY}",
                                                            "environments.production.resources.db.access_key_env")
    refused("logs: {kind: log_drain, destination: datadog, access_key_env: dd-key}",
            "environments.production.resources.logs.access_key_env")   # a variable's name
    refused("logs: {kind: log_drain, destination: datadog, access_key: dd-s3cret}",
            "environments.production.resources.logs.access_key")       # never the key itself
    said = refused("logs: {kind: log_drain, destination: datadog}",
                   "environments.production.services.web.links.logs",
                   "web: {image: \"nginx:1.27\", port: 8080, links: {logs: LOGS_URL}}")
    assert "logs is a log drain: nothing links it; it takes the logs of every service" in said, said


def test_a_drain_naming_a_service_the_environment_lacks_is_a_warning(api):
    a, org, prj = owner(api)
    text = """\
version: 1
environments:
  production:
    resources:
      logs: {kind: log_drain, destination: http, url: "https://logs.example.com/in", services: [web, api]}
    services:
      web: {image: "nginx:1.27", port: 8080}
"""
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(text))[1]
    (warned,) = [w for w in plan["warnings"] if w["key"].endswith("logs.services")]
    assert "takes the logs of api, not a service of production" in warned["message"]
    assert "refused" not in by(plan, "create", "resource")[("production", "logs")]["fields"]   # the key is optional
