"""launchbay.yaml through the API: plan per environment, apply as one change, export back
(export then apply changes nothing), errors that name file, line and field, and imports."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.configfile.samples import sample
from tests.support.api import signup_invited
from tests.support.factories import new_org

ROOT = Path(__file__).resolve().parents[2]

SHOP = """\
version: 1
environments:
  production:
    env: {LOG_LEVEL: info}
    secrets: [DATABASE_URL]
    services:
      web:
        kind: web
        image: nginx:1.27
        port: 8080
        min_instances: 2
        max_instances: 4
        health_check: {path: /healthz}
        env: {FEATURE: "on"}
        release_command: [python, manage.py, migrate]
        auto_rollback: {window_minutes: 20}
        canary: {percent: 20}
      nightly:
        kind: cron
        image: busybox:1
        schedule: "0 3 * * *"
  staging:
    domain_suffix: staging.example.com
    allowed_ips: [203.0.113.0/24]
    services:
      web:
        kind: web
        image: nginx:1.27
        port: 8080
"""


def owner(api):
    """(owner's api, org id, id of project "shop")."""
    org = new_org(api)
    return org.api, org.id, org.project("shop")["id"]


def files(text: str, name: str = "launchbay.yaml") -> dict:
    return {"files": {name: text}}


@pytest.mark.services   # apply's service deletes queue their teardown (Redis)
def test_plan_apply_export_round_trip(api, ports):
    a, org, prj = owner(api)
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(SHOP))
    assert status == 200, plan
    created = {(c["type"], c["environment"], c["name"]) for c in plan["changes"] if c["action"] == "create"}
    assert created == {("environment", "staging", "staging"), ("service", "production", "web"),
                       ("service", "production", "nightly"), ("service", "staging", "web")}
    assert {c["action"] for c in plan["changes"]} == {"create", "update"}   # production exists: its env changes
    web = next(c for c in plan["changes"] if c["name"] == "web" and c["environment"] == "production")
    assert web["fields"]["min_instances"] == 2 and web["fields"]["health_check"]["path"] == "/healthz"
    assert web["fields"]["release_command"] == ["python", "manage.py", "migrate"]
    assert any("DATABASE_URL" in w["message"] for w in plan["warnings"])
    assert a.call("GET", f"/orgs/{org}/projects/{prj}/services")[1]["items"] == []      # a plan changes nothing

    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(SHOP))
    assert status == 200 and len(out["applied"]) == len(plan["changes"]) and out["audit_event"], out
    services = a.call("GET", f"/orgs/{org}/projects/{prj}/services")[1]["items"]
    assert sorted((s["environment"], s["name"]) for s in services) == [("production", "nightly"),
                                                                     ("production", "web"), ("staging", "web")]
    staging_web = next(s for s in services if s["environment"] == "staging")
    assert staging_web["domain"] == "web.staging.example.com"
    audit = a.call("GET", f"/orgs/{org}/audit")[1]["items"]
    assert any(e["action"] == "project.apply" and e["details"]["applied"] == len(plan["changes"]) for e in audit)

    # the same file again, and the export, both plan nothing
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(SHOP))[1]["changes"] == []
    status, exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")
    assert status == 200 and exported["yaml"].startswith("# launchbay.yaml")
    assert yaml.safe_load(exported["yaml"]) == exported["document"]
    assert exported["document"]["environments"]["production"]["services"]["nightly"]["schedule"] == "cron(0 3 * * ? *)"
    assert exported["document"]["environments"]["production"]["services"]["web"]["release_command"] == \
        ["python", "manage.py", "migrate"]
    assert "release_command" not in exported["document"]["environments"]["staging"]["services"]["web"]
    assert exported["document"]["environments"]["production"]["services"]["web"]["auto_rollback"] == \
        {"window_minutes": 20, "rules": ["http_5xx_rate", "restarts"]}
    assert exported["document"]["environments"]["production"]["services"]["web"]["canary"] == \
        {"percent": 20, "minutes": 5, "max_5xx_percent": 2.0}   # unset limits are left out
    assert "canary" not in exported["document"]["environments"]["staging"]["services"]["web"]
    assert exported["document"]["environments"]["staging"]["allowed_ips"] == ["203.0.113.0/24"]
    again = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]
    assert again["changes"] == [], again["changes"]

    # a field-by-field change, and deletes only with allow_delete
    edited = SHOP.replace("max_instances: 4", "max_instances: 6").replace(
        "  staging:\n    domain_suffix: staging.example.com\n    allowed_ips: [203.0.113.0/24]\n    services:\n"
        "      web:\n        kind: web\n"
        "        image: nginx:1.27\n        port: 8080\n", "")
    plan2 = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(edited))[1]
    update = next(c for c in plan2["changes"] if c["action"] == "update")
    assert update["fields"] == {"max_instances": [4, 6]}
    deletes = {(c["type"], c["name"]) for c in plan2["changes"] if c["action"] == "delete"}
    assert deletes == {("service", "web"), ("environment", "staging")}
    out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(edited))[1]
    assert len(out["skipped"]) == 2 and "allow_delete" in out["message"]
    assert len(a.call("GET", f"/orgs/{org}/projects/{prj}/services?environment=staging")[1]["items"]) == 1
    out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", {**files(edited), "allow_delete": True})[1]
    assert out["skipped"] == [] and len(out["applied"]) == 2      # the update went in with the first apply
    staging = a.call("GET", f"/orgs/{org}/projects/{prj}/services?environment=staging")[1]["items"]
    assert [s["status"] for s in staging] == ["deleting"]      # torn down by a worker; the environment follows
    from chalicelib.deploys import teardown

    assert teardown.run(ports, staging[0]["id"]) == "deleted"
    names = [e["name"] for e in a.call("GET", f"/orgs/{org}/projects/{prj}/environments")[1]["items"]]
    assert names == ["production"]


def test_export_then_plan_changes_nothing_when_the_suffix_came_after_the_services(api):
    """The README's git walk PATCHes production's domain_suffix once web exists: web keeps no
    domain, and its export says so (`domain: null`) instead of planning web.<suffix>."""
    a, org, prj = owner(api)
    a.call("POST", f"/orgs/{org}/projects/{prj}/services", {"name": "web", "image": "nginx:1.27", "port": 80})
    a.call("PATCH", f"/orgs/{org}/projects/{prj}/environments/production", {"domain_suffix": "shop.example.com"})
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    web = exported["document"]["environments"]["production"]["services"]["web"]
    assert "domain" in web and web["domain"] is None
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []
    # without the line, the file asks for the suffix's name, as for a service created under it
    plain = exported["yaml"].replace("        domain: null\n", "")
    [change] = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(plain))[1]["changes"]
    assert change["fields"] == {"domain": [None, "web.shop.example.com"]}


def test_errors_name_the_file_the_line_and_the_field(api):
    a, org, prj = owner(api)
    bad = SHOP.replace("port: 8080\n        min_instances: 2", "port: eighty\n        min_instances: 2")
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(bad))
    assert status == 422, err
    assert err["error"]["field"] == "environments.production.services.web.port"
    assert err["error"]["message"].startswith("launchbay.yaml:10: environments.production.services.web.port")
    assert err["error"]["fields"][0]["line"] == 10
    # several problems: every one in the message, each with its line
    worse = bad.replace("min_instances: 2", "min_instances: many", 1)
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(worse))
    assert status == 422 and len(err["error"]["fields"]) == 2
    assert err["error"]["message"].split("; ") == [f["message"] for f in err["error"]["fields"]]
    assert err["error"]["message"].startswith("launchbay.yaml:10: ") and "launchbay.yaml:11: " in err["error"]["message"]
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files("version: 1\nenvironments:\n  prod: {servics: {}}\n"))
    assert status == 422 and "unknown field 'servics'" in err["error"]["message"] and ":3:" in err["error"]["message"]
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files("version: 1\nenvironments: [\n"))
    assert status == 400 and err["error"]["message"].startswith("launchbay.yaml:") and err["error"]["field"] == "files"
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", {"format": "launchbay"})
    assert status == 400 and err["error"]["field"] == "files"


@pytest.mark.services   # the sample's database becomes a managed resource: its task is queued (Redis)
def test_imports_go_through_the_plan(api):
    a, org, prj = owner(api)
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan",
                          {"format": "compose", "files": sample("compose", "umami")})
    assert status == 200, plan
    created = [c for c in plan["changes"] if c["action"] == "create" and c["type"] == "service"]
    assert [c["name"] for c in created] == ["umami"] and created[0]["fields"]["kind"] == "web"
    assert any(w["key"].startswith("services.db") for w in plan["warnings"])      # never silently dropped
    for fmt, case in (("heroku", "python-getting-started"), ("copilot", "job-mymove-migrate")):
        status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", {"format": fmt, "files": sample(fmt, case)})
        assert status == 200 and out["warnings"], (fmt, out)
    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply",
                         {"format": "compose", "files": sample("compose", "umami")})
    assert status == 200 and [c["name"] for c in out["applied"] if c["type"] == "service"] == ["umami"]
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan",
                         {"format": "compose", "files": {"compose.yaml": "services: ["}})
    assert status == 400 and err["error"]["message"].startswith("compose.yaml:")


def test_the_schema_is_published_and_checked_in(api):
    status, schema = api.call("GET", "/schema/launchbay.json")
    assert status == 200 and schema["title"] == "launchbay.yaml" and "environments" in schema["properties"]
    checked_in = json.loads((ROOT / "schema" / "launchbay.json").read_text())
    assert checked_in == schema, "schema/launchbay.json is stale: run `python -m chalicelib.configfile.model`"


def test_plan_refuses_what_apply_would_each_at_its_own_line(api):
    """A worker with a port, a cron job without a schedule: plan says so (file, line, field)
    instead of planning a create that apply then refuses."""
    a, org, prj = owner(api)
    doc = ("version: 1\nenvironments:\n  production:\n    services:\n"
           "      jobs:\n        kind: worker\n        image: busybox:1\n        port: 9000\n"
           "      nightly: {kind: cron, image: \"busybox:1\"}\n")
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(doc))
    assert status == 422, err
    by_field = {f["field"]: f for f in err["error"]["fields"]}
    assert by_field["environments.production.services.jobs.port"]["line"] == 8
    assert "only web services take a port" in by_field["environments.production.services.jobs.port"]["message"]
    assert "environments.production.services.nightly.schedule" in by_field
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan",
                  files(doc.replace("        port: 9000\n", "").replace("}\n", ", schedule: '@daily'}\n")))[0] == 200


def test_approval_as_code_changes_only_when_named_and_needs_an_admin(api):
    a, org, prj = owner(api)
    protected = "version: 1\nenvironments:\n  production:\n    require_approval: true\n  staging:\n" \
                "    require_approval: true\n    prevent_self_approval: true\n"
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(protected))[1]
    by_env = {c["environment"]: c for c in plan["changes"]}
    assert by_env["production"]["action"] == "update"
    assert by_env["production"]["fields"] == {"require_approval": [False, True]}
    assert by_env["staging"]["fields"]["prevent_self_approval"] is True
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(protected))[0] == 200
    envs = {e["name"]: e for e in a.call("GET", f"/orgs/{org}/projects/{prj}/environments")[1]["items"]}
    assert envs["production"]["require_approval"] and not envs["production"]["prevent_self_approval"]
    assert envs["staging"]["require_approval"] and envs["staging"]["prevent_self_approval"]
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    assert yaml.safe_load(exported["yaml"])["environments"]["staging"]["prevent_self_approval"] is True
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []
    # a file that does not name it keeps it as it is
    silent = "version: 1\nenvironments:\n  production: {}\n  staging: {}\n"
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(silent))[1]["changes"] == []
    # a developer may apply files, but not one that turns approval off
    from tests.support.api import Api
    assert a.call("POST", f"/orgs/{org}/members", {"email": "dev@acme.io", "role": "developer"})[0] == 201
    dev = Api(api.client, signup_invited(api, "dev@acme.io", org="Dev home")["token"])
    status, err = dev.call("POST", f"/orgs/{org}/projects/{prj}/apply",
                           files("version: 1\nenvironments:\n  production:\n    require_approval: false\n"))
    assert status == 403 and err["error"]["field"] == "role", err
    assert a.call("GET", f"/orgs/{org}/projects/{prj}/environments/production")[1]["require_approval"] is True


def test_promotion_as_code_links_environments_of_the_file_in_either_order(api):
    a, org, prj = owner(api)
    chain = "version: 1\nenvironments:\n  staging:\n    promote_to: production\n  production: {}\n  qa:\n" \
            "    promote_to: staging\n"
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(chain))[1]
    promotions = [c for c in plan["changes"] if "promote_to" in c["fields"]]
    assert [(c["environment"], c["fields"]["promote_to"]) for c in promotions] == \
        [("staging", [None, "production"]), ("qa", [None, "staging"])]
    assert plan["changes"].index(promotions[0]) > max(i for i, c in enumerate(plan["changes"])
                                                      if c["type"] == "environment" and c["action"] == "create")
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(chain))[0] == 200
    envs = {e["name"]: e for e in a.call("GET", f"/orgs/{org}/projects/{prj}/environments")[1]["items"]}
    assert (envs["qa"]["promote_to"], envs["staging"]["promote_to"], envs["production"]["promote_to"]) == \
        ("staging", "production", None)
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]["yaml"]
    assert yaml.safe_load(exported)["environments"]["staging"]["promote_to"] == "production"
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported))[1]["changes"] == []
    silent = "version: 1\nenvironments:\n  production: {}\n  staging: {}\n  qa: {}\n"   # left out: kept
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(silent))[1]["changes"] == []
    # reversed in one apply: the clearing goes first, so nothing is refused on the way
    reverse = "version: 1\nenvironments:\n  staging:\n    promote_to: qa\n  production:\n    promote_to: staging\n" \
              "  qa:\n    promote_to: null\n"
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(reverse))[0] == 200
    envs = {e["name"]: e for e in a.call("GET", f"/orgs/{org}/projects/{prj}/environments")[1]["items"]}
    assert (envs["production"]["promote_to"], envs["staging"]["promote_to"], envs["qa"]["promote_to"]) == \
        ("staging", "qa", None)
    for bad, field in (("  production:\n    promote_to: nowhere\n", "environments.production.promote_to"),
                       ("  production:\n    promote_to: production\n", "environments.production.promote_to"),
                       ("  production:\n    promote_to: staging\n  staging:\n    promote_to: production\n",
                        "environments.production.promote_to")):
        status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files("version: 1\nenvironments:\n" + bad))
        assert status == 422 and err["error"]["field"] == field, (bad, err)


def test_freeze_windows_as_code(api):
    a, org, prj = owner(api)
    weekend = {"start": "0 18 * * 5", "end": "0 8 * * 1", "timezone": "Europe/Berlin", "reason": "weekend"}
    doc = yaml.safe_dump({"version": 1, "environments": {"production": {"freeze_windows": [weekend]}}})
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(doc))[1]
    (change,) = [c for c in plan["changes"] if "freeze_windows" in c["fields"]]
    assert change["fields"]["freeze_windows"] == [[], [weekend]], change
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(doc))[0] == 200
    env = a.call("GET", f"/orgs/{org}/projects/{prj}/environments/production")[1]
    assert env["freeze_windows"] == [weekend] and (env["freeze"] or env["next_freeze"])["reason"] == "weekend"
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]["yaml"]
    assert yaml.safe_load(exported)["environments"]["production"]["freeze_windows"] == [weekend]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported))[1]["changes"] == []
    silent = "version: 1\nenvironments:\n  production: {}\n"          # left out: kept
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(silent))[1]["changes"] == []
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(
        yaml.safe_dump({"version": 1, "environments": {"production": {"freeze_windows": [{**weekend, "end": "8 * * 1"}]}}})))
    assert status == 422 and err["error"]["field"] == "environments.production.freeze_windows.0.end", err
    cleared = "version: 1\nenvironments:\n  production:\n    freeze_windows: []\n"
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(cleared))[0] == 200
    assert a.call("GET", f"/orgs/{org}/projects/{prj}/environments/production")[1]["freeze_windows"] == []


def test_sleep_windows_as_code(api):
    a, org, prj = owner(api)
    nights = {"start": "0 20 * * 1-5", "end": "0 7 * * 1-5", "timezone": "Europe/Berlin", "reason": "nights"}
    doc = yaml.safe_dump({"version": 1, "environments": {"production": {}, "staging": {"sleep_windows": [nights]}}})
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(doc))[0] == 200
    env = a.call("GET", f"/orgs/{org}/projects/{prj}/environments/staging")[1]
    assert env["sleep_windows"] == [nights] and env["next_sleep"]["reason"] == "nights"
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]["yaml"]
    assert yaml.safe_load(exported)["environments"]["staging"]["sleep_windows"] == [nights]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported))[1]["changes"] == []


def test_autoscaling_changed_or_cut_down_by_the_file_plans_nothing_once_applied(api):
    """The services API merges an autoscaling PATCH into what is stored (and stores it whole, its
    unset fields null): a file that changes the CPU target, or drops its scheduled ranges, gets
    exactly that, and its plan is empty afterwards, as is its export's."""
    a, org, prj = owner(api)
    head = ("version: 1\nenvironments:\n  production:\n    services:\n      web:\n        image: nginx:1.27\n"
            "        port: 8080\n        max_instances: 4\n")
    scheduled = head + ("        autoscaling:\n          cpu_target: 50\n          schedule:\n"
                        "            - {at: '0 8 * * 1-5', min_instances: 2, max_instances: 4}\n")
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(scheduled))[0] == 200
    cut = head + "        autoscaling: {cpu_target: 70}\n"
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(cut))[1]
    (change,) = plan["changes"]
    assert change["fields"]["autoscaling"][1] == {"cpu_target": 70.0}, change
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(cut))[0] == 200
    web = a.call("GET", f"/orgs/{org}/projects/{prj}/services")[1]["items"][0]
    assert web["autoscaling"]["cpu_target"] == 70 and not web["autoscaling"].get("schedule"), web["autoscaling"]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(cut))[1]["changes"] == []
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    assert exported["document"]["environments"]["production"]["services"]["web"]["autoscaling"] == {"cpu_target": 70.0}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []
