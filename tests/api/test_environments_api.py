"""Environments: production by default, more on demand; services inherit an environment's
variables and secrets (their own win), clone copies configuration, and pre-environment data
migrates into production."""
from __future__ import annotations

import json

import boto3

from tests.support.deploying import run_to_end
from tests.support.factories import new_org


def owner(api):
    """(owner's api, org id, id of project "shop")."""
    org = new_org(api)
    return org.api, org.id, org.project("shop")["id"]


def test_a_project_starts_with_production_and_takes_more(api):
    a, org, prj = owner(api)
    status, page = a.call("GET", f"/orgs/{org}/projects/{prj}/environments")
    assert status == 200 and [e["name"] for e in page["items"]] == ["production"]
    status, staging = a.call("POST", f"/orgs/{org}/projects/{prj}/environments",
                             {"name": "staging", "env": {"LOG_LEVEL": "debug"}, "domain_suffix": "staging.example.com"})
    assert status == 201 and staging["name"] == "staging" and staging["env"] == {"LOG_LEVEL": "debug"}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/environments", {"name": "staging"})[0] == 409
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/environments", {"name": "Bad Name"})
    assert status == 422 and err["error"]["field"] == "name"
    # the same service name in two environments; not twice in one
    for env in ("production", "staging"):
        status, svc = a.call("POST", f"/orgs/{org}/projects/{prj}/services",
                             {"name": "web", "image": "nginx:1.27", "port": 80, "environment": env})
        assert status == 201 and svc["environment"] == env
    assert svc["domain"] == "web.staging.example.com"          # the environment's suffix
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/services",
                         {"name": "web", "image": "nginx:1.27", "port": 80, "environment": "staging"})
    assert status == 409 and "staging" in err["error"]["message"]
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/services",
                         {"name": "api", "image": "nginx:1.27", "port": 80, "environment": "qa"})
    assert status == 404 and err["error"]["field"] == "environment"
    _, only = a.call("GET", f"/orgs/{org}/projects/{prj}/services?environment=staging")
    assert [s["environment"] for s in only["items"]] == ["staging"]
    # an environment with services is not deleted; an empty one is
    status, err = a.call("DELETE", f"/orgs/{org}/projects/{prj}/environments/staging")
    assert status == 409 and err["error"]["resources"] == [{"type": "service", "id": svc["id"], "name": "web"}]
    a.call("POST", f"/orgs/{org}/projects/{prj}/environments", {"name": "scratch"})
    assert a.call("DELETE", f"/orgs/{org}/projects/{prj}/environments/scratch")[0] == 204


def test_services_inherit_environment_variables_and_secrets(api, ports, launchbay_env):
    a, org, prj = owner(api)
    base = f"/orgs/{org}/projects/{prj}/environments/production"
    a.call("PATCH", base, {"env": {"LOG_LEVEL": "info", "REGION": "eu"}})
    a.call("PUT", base + "/secrets/SHARED_TOKEN", {"value": "env-secret-value"})
    a.call("PUT", base + "/secrets/DB_PASSWORD", {"value": "env-db-password"})
    _, svc = a.call("POST", f"/orgs/{org}/projects/{prj}/services",
                    {"name": "web", "image": "nginx:1.27", "port": 80, "env": {"LOG_LEVEL": "debug"}})
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/DB_PASSWORD", {"value": "service-db-password"})
    _, listing = a.call("GET", f"/orgs/{org}/services/{svc['id']}/secrets")
    assert {(s["name"], s["scope"]) for s in listing["items"]} == {("DB_PASSWORD", "service"),
                                                                    ("SHARED_TOKEN", "environment")}
    _, dep = a.call("POST", f"/orgs/{org}/services/{svc['id']}/deployments")
    dep = run_to_end(ports, dep["id"])
    assert dep["status"] == "live" and dep["environment"] == "production"
    assert dep["spec"]["env"] == {"LOG_LEVEL": "debug", "REGION": "eu"}          # the service's own value wins
    ecs = boto3.client("ecs", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    ssm = boto3.client("ssm", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    td = ecs.describe_task_definition(taskDefinition=dep["task_definition"])["taskDefinition"]
    secrets = {s["name"]: s["valueFrom"] for s in td["containerDefinitions"][0]["secrets"]}
    assert set(secrets) == {"DB_PASSWORD", "SHARED_TOKEN"}
    value = lambda arn: ssm.get_parameter(Name=arn.split(":parameter", 1)[1], WithDecryption=True)["Parameter"]["Value"]  # noqa: E731
    assert value(secrets["DB_PASSWORD"]) == "service-db-password" and value(secrets["SHARED_TOKEN"]) == "env-secret-value"
    assert "env-secret-value" not in json.dumps(td) and "env-secret-value" not in json.dumps(listing)
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["needs_deploy"] is False
    # a change to the environment makes its services need a deploy
    a.call("PATCH", base, {"env": {"LOG_LEVEL": "info", "REGION": "us"}})
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["needs_deploy"] is True
    assert run_to_end(ports, a.call("POST", f"/orgs/{org}/services/{svc['id']}/deployments")[1]["id"])["status"] == "live"
    a.call("PUT", base + "/secrets/SHARED_TOKEN", {"value": "rotated"})
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["needs_deploy"] is True


def test_clone_copies_configuration_and_secrets_only_when_asked(api):
    a, org, prj = owner(api)
    base = f"/orgs/{org}/projects/{prj}/environments"
    a.call("PATCH", base + "/production", {"env": {"A": "1"}})
    a.call("PUT", base + "/production/secrets/ENV_KEY", {"value": "v1"})
    _, web = a.call("POST", f"/orgs/{org}/projects/{prj}/services",
                    {"name": "web", "image": "nginx:1.27", "port": 80, "domain": "shop.example.com",
                     "release_command": ["./migrate"], "auto_rollback": {}, "canary": {"percent": 20}})
    a.call("PUT", f"/orgs/{org}/services/{web['id']}/secrets/SVC_KEY", {"value": "v2"})
    a.call("POST", f"/orgs/{org}/projects/{prj}/services",
           {"name": "nightly", "kind": "cron", "image": "busybox:1", "schedule": "@daily"})
    status, clone = a.call("POST", base + "/production/clone", {"name": "staging"})
    assert status == 201 and clone["env"] == {"A": "1"} and len(clone["services"]) == 2
    assert clone["secrets_to_set"] == ["ENV_KEY", "SVC_KEY"]
    _, services = a.call("GET", f"/orgs/{org}/projects/{prj}/services?environment=staging")
    by_name = {s["name"]: s for s in services["items"]}
    assert by_name["web"]["domain"] is None and by_name["nightly"]["schedule"] == "cron(0 0 * * ? *)"
    for setting in ("release_command", "auto_rollback", "canary"):   # how it deploys comes along too
        assert by_name["web"][setting] == web[setting] and web[setting], setting
    assert a.call("GET", f"/orgs/{org}/services/{by_name['web']['id']}/secrets")[1]["items"] == []
    status, full = a.call("POST", base + "/production/clone",
                          {"name": "preview", "with_secrets": True, "domain_suffix": "preview.example.com"})
    assert status == 201 and full["secrets_to_set"] == []
    _, services = a.call("GET", f"/orgs/{org}/projects/{prj}/services?environment=preview")
    web2 = next(s for s in services["items"] if s["name"] == "web")
    assert web2["domain"] == "web.preview.example.com"
    names = {(s["name"], s["scope"]) for s in a.call("GET", f"/orgs/{org}/services/{web2['id']}/secrets")[1]["items"]}
    assert names == {("ENV_KEY", "environment"), ("SVC_KEY", "service")}


def test_data_from_before_environments_migrates_into_production(tmp_path):
    from chalicelib.core.ids import new_id, now_iso
    from chalicelib.store.migrations import migrate
    from chalicelib.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "old.db")
    prj = {"id": new_id("prj"), "org_id": "org_1", "name": "p", "created": now_iso()}
    store.collection("projects").insert(prj)
    svc = {"id": new_id("svc"), "org_id": "org_1", "project_id": prj["id"], "name": "web", "created": now_iso()}
    store.collection("services").insert(svc)
    store.collection("secrets").insert({"id": new_id("sec"), "org_id": "org_1", "service_id": svc["id"], "name": "K",
                                        "version": 1, "ciphertext": "x", "created": now_iso()})
    assert migrate(store) == ["2026-11-environments", "2026-11-endpoints", "2026-11-replaced", "2026-11-open-alerts",
                             "2026-11-membership-mfa", "2026-11-token-names"]
    env = store.collection("environments").find_one({"project_id": prj["id"]})
    assert env["name"] == "production"
    moved = store.collection("services").get(svc["id"])
    assert moved["environment_id"] == env["id"] and moved["environment"] == "production"
    assert store.collection("secrets").find_one({"name": "K"})["scope_id"] == svc["id"]
    assert migrate(store) == []                       # recorded: runs once


def test_live_web_services_from_before_endpoints_get_them_from_their_live_release(tmp_path):
    from chalicelib.store.migrations import endpoints
    from chalicelib.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "old.db")
    done = {"status": "done"}
    store.collection("deployments").insert({"id": "dep_1", "kind": "web", "steps": [
        {"name": "load_balancer", **done, "result": {"dns_name": "lb-1.us-east-1.elb.amazonaws.com"}},
        {"name": "listener_rule", **done, "result": {"host": "web-abc123.org_1.launchbay.internal"}},
        {"name": "domain_rule", **done, "result": {"skipped": "no custom domain"}}]})
    services = store.collection("services")
    services.insert({"id": "svc_1", "kind": "web", "name": "web", "live_deployment_id": "dep_1"})
    services.insert({"id": "svc_2", "kind": "web", "name": "new", "live_deployment_id": None})
    assert endpoints(store) == 1
    assert services.get("svc_1")["endpoints"]["try"] == \
        "curl -H 'Host: web-abc123.org_1.launchbay.internal' http://lb-1.us-east-1.elb.amazonaws.com/"
    assert "endpoints" not in services.get("svc_2")
    assert endpoints(store) == 0   # idempotent


def test_releases_live_before_a_later_one_say_they_were_replaced(tmp_path):
    from chalicelib.store.migrations import replaced
    from chalicelib.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "old.db")
    deps = store.collection("deployments")
    for n, status in ((1, "live"), (2, "failed"), (3, "live"), (4, "live")):
        deps.insert({"id": f"dep_{n}", "service_id": "svc_1", "number": n, "status": status,
                     "created": f"2026-11-2{n}T00:00:00.000000Z"})
    store.collection("services").insert({"id": "svc_1", "kind": "web", "name": "web", "live_deployment_id": "dep_4"})
    assert replaced(store) == 2
    assert [deps.get(f"dep_{n}").get("replaced_by") for n in (1, 2, 3, 4)] == ["dep_4", None, "dep_4", None]
    assert replaced(store) == 0


def test_services_with_alerts_open_from_before_open_alerts_get_the_list(tmp_path):
    from chalicelib.store.migrations import open_alerts
    from chalicelib.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "old.db")
    services, alerts = store.collection("services"), store.collection("alerts")
    for n in (1, 2):
        services.insert({"id": f"svc_{n}", "kind": "web", "name": f"s{n}"})
    for i, (svc, rule, status) in enumerate((("svc_1", "cpu", "open"), ("svc_1", "restarts", "open"),
                                             ("svc_1", "memory", "resolved"), ("svc_2", "cpu", "resolved"),
                                             ("svc_gone", "cpu", "open"))):
        alerts.insert({"id": f"alt_{i}", "service_id": svc, "rule": rule, "status": status, "open_key": f"k{i}",
                       "created": f"2026-11-2{i}T00:00:00.000000Z"})
    assert open_alerts(store) == 1
    assert services.get("svc_1")["open_alerts"] == ["cpu", "restarts"] and "open_alerts" not in services.get("svc_2")


def test_memberships_from_before_the_2fa_policy_get_their_organization_s(tmp_path):
    from chalicelib.store.migrations import membership_policy
    from chalicelib.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "old.db")
    store.collection("organizations").insert({"id": "org_1", "name": "a", "require_mfa": True})
    store.collection("organizations").insert({"id": "org_2", "name": "b"})
    for i, org in enumerate(("org_1", "org_2")):
        store.collection("memberships").insert({"id": f"mem_{i}", "org_id": org, "user_id": "usr_1", "role": "owner"})
    assert membership_policy(store) == 2
    assert [store.collection("memberships").get(f"mem_{i}")["require_mfa"] for i in (0, 1)] == [True, False]
    assert membership_policy(store) == 0
