"""Environment groups: an organization's shared variables and secrets, linked by name to its
services. Through the API as users would, deployed against the moto sandbox: what a task
definition really gets (environment < groups in order < service, variables and secrets alike),
needs_deploy following a group's changes, the group deploy, permissions, isolation, and no secret
value in any answer or audit event."""
from __future__ import annotations

import json

import pytest

from tests.support.api import Api, signup_invited

pytestmark = pytest.mark.services
SECRET = "group-s3cret-value-7f3a"


def member(org, role: str) -> Api:
    """A member of `org` with `role`, signed in."""
    import uuid

    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    status, body = org.call("POST", "/members", {"email": email, "role": role})
    assert status in (200, 201), body
    return Api(org.api.client, signup_invited(org.api, email, org=f"{role}-home")["token"])


def group(org, name="datadog", **body):
    status, made = org.call("POST", "/env-groups", {"name": name, **body})
    assert status == 201, made
    return made


def task_definition(ports, dep) -> dict:
    ecs = ports.cloud_for(dep.get("target")).client("ecs")
    return ecs.describe_task_definition(taskDefinition=dep["task_definition"])["taskDefinition"]


def container_env(ports, dep) -> tuple[dict, dict]:
    """(plain variables, secrets: name -> valueFrom) the task definition gives the container."""
    c = task_definition(ports, dep)["containerDefinitions"][0]
    return {e["name"]: e["value"] for e in c["environment"]}, {s["name"]: s["valueFrom"] for s in c["secrets"]}


def test_crud_and_validation_name_the_field(make_org):
    org = make_org()
    made = group(org, "datadog", description="APM", env={"DD_SITE": "datadoghq.eu", "DD_ENV": "prod"})
    assert {k: made[k] for k in ("name", "description", "env", "secrets", "services")} == \
        {"name": "datadog", "description": "APM", "env": {"DD_SITE": "datadoghq.eu", "DD_ENV": "prod"},
         "secrets": [], "services": []}
    assert made["id"] and made["created"] and made["updated"] and made["created_by"]
    group(org, "analytics")
    assert [g["name"] for g in org.call("GET", "/env-groups")[1]["items"]] == ["analytics", "datadog"]
    assert org.call("GET", "/env-groups/datadog")[1]["env"] == made["env"]

    status, err = org.call("POST", "/env-groups", {"name": "datadog"})
    assert status == 409 and err["error"]["field"] == "name"
    for body, field in (({"name": "Bad_Name"}, "name"), ({"name": "-x"}, "name"), ({"name": "a" * 64}, "name"),
                        ({}, "name"), ({"name": "ok", "env": {"1BAD": "x"}}, "env"),
                        ({"name": "ok", "env": {"AWS_REGION": "x"}}, "env"), ({"name": "ok", "env": {"A": 1}}, "env"),
                        ({"name": "ok", "description": "x" * 501}, "description"), ({"name": "ok", "nope": 1}, "nope")):
        status, err = org.call("POST", "/env-groups", body)
        assert status == 422 and err["error"]["field"].split(".")[0] == field, (body, err)
    assert org.call("GET", "/env-groups/nope")[0] == 404
    assert org.call("GET", "/env-groups/NOPE!")[0] == 404

    status, patched = org.call("PATCH", "/env-groups/datadog", {"env": {"DD_SITE": "datadoghq.com"}})
    assert status == 200 and patched["env"] == {"DD_SITE": "datadoghq.com"} and patched["description"] == "APM"
    status, patched = org.call("PATCH", "/env-groups/datadog", {"description": None})
    assert status == 200 and patched["description"] == "" and patched["env"] == {"DD_SITE": "datadoghq.com"}
    assert org.call("PATCH", "/env-groups/datadog", {"name": "other"})[1]["error"]["field"] == "name"   # no rename
    assert org.call("PATCH", "/env-groups/datadog", {"env": {"AWS_X": "1"}})[1]["error"]["field"] == "env"
    assert org.call("PATCH", "/env-groups/nope", {"env": {}})[0] == 404

    # secrets: names and versions only; a name is a variable or a secret within the group
    status, put = org.call("PUT", "/env-groups/datadog/secrets/DD_API_KEY", {"value": SECRET})
    assert status == 200 and put["name"] == "DD_API_KEY" and put["version"] == 1 and put["updated"]
    assert org.call("PUT", "/env-groups/datadog/secrets/DD_API_KEY", {"value": SECRET + "2"})[1]["version"] == 2
    status, err = org.call("PUT", "/env-groups/datadog/secrets/DD_SITE", {"value": "x"})
    assert status == 422 and err["error"]["field"] == "name"
    status, err = org.call("PUT", "/env-groups/datadog/secrets/lower", {"value": "x"})
    assert status == 422 and err["error"]["field"] == "name"
    assert org.call("PUT", "/env-groups/datadog/secrets/X", {})[1]["error"]["field"] == "value"
    status, err = org.call("PATCH", "/env-groups/datadog", {"env": {"DD_API_KEY": "plain"}})
    assert status == 422 and err["error"]["field"] == "env"
    listed = org.call("GET", "/env-groups/datadog/secrets")[1]["items"]
    assert [(s["name"], s["version"]) for s in listed] == [("DD_API_KEY", 2)]
    assert [(s["name"], s["version"]) for s in org.call("GET", "/env-groups/datadog")[1]["secrets"]] == \
        [("DD_API_KEY", 2)]
    assert org.call("DELETE", "/env-groups/datadog/secrets/NOPE")[0] == 404
    assert org.call("DELETE", "/env-groups/datadog/secrets/DD_API_KEY")[0] == 204
    assert org.call("GET", "/env-groups/datadog/secrets")[1]["items"] == []

    assert org.call("DELETE", "/env-groups/analytics")[0] == 204
    assert org.call("GET", "/env-groups/analytics")[0] == 404
    assert org.call("DELETE", "/env-groups/analytics")[0] == 404
    actions = [a["action"] for a in org.call("GET", "/audit")[1]["items"] if a["action"].startswith("env_group.")]
    assert set(actions) == {"env_group.create", "env_group.update", "env_group.delete", "env_group.secret_set",
                            "env_group.secret_delete"}


def test_another_organization_sees_nothing_and_members_read_while_admins_write(make_org):
    org, other = make_org(), make_org("Other")
    group(org, "stripe-live", env={"STRIPE_MODE": "live"})
    org.call("PUT", "/env-groups/stripe-live/secrets/STRIPE_KEY", {"value": SECRET})
    for method, path, body in (("GET", "", None), ("PATCH", "", {"env": {}}), ("DELETE", "", None),
                               ("GET", "/secrets", None), ("PUT", "/secrets/STRIPE_KEY", {"value": "x"}),
                               ("DELETE", "/secrets/STRIPE_KEY", None), ("POST", "/deploy", None)):
        # org A's group under org A's id: not a member (404); under its own org: no such group (404)
        status, _ = other.api.call(method, f"/orgs/{org.id}/env-groups/stripe-live{path}", body)
        assert status == 404, (method, path, status)
        status, _ = other.call(method, f"/env-groups/stripe-live{path}", body)
        assert status == 404, (method, path, status)
    assert other.call("GET", "/env-groups")[1]["items"] == []
    # a service of the other organization cannot link it either
    prj = other.project()
    status, err = other.call("POST", f"/projects/{prj['id']}/services",
                             {"name": "web", "image": "nginx:1.27", "port": 80, "env_groups": ["stripe-live"]})
    assert status == 422 and err["error"]["field"] == "env_groups" and "stripe-live" in err["error"]["message"]

    base = f"/orgs/{org.id}/env-groups"
    for role in ("viewer", "developer"):
        who = member(org, role)
        status, got = who.call("GET", base + "/stripe-live")
        assert status == 200 and got["env"] == {"STRIPE_MODE": "live"} and got["secrets"][0]["name"] == "STRIPE_KEY"
        assert who.call("GET", base)[0] == 200 and who.call("GET", base + "/stripe-live/secrets")[0] == 200
        for method, path, body in (("POST", "", {"name": "mine"}), ("PATCH", "/stripe-live", {"env": {}}),
                                   ("DELETE", "/stripe-live", None),
                                   ("PUT", "/stripe-live/secrets/STRIPE_KEY", {"value": "x"}),
                                   ("DELETE", "/stripe-live/secrets/STRIPE_KEY", None)):
            status, err = who.call(method, base + path, body)
            assert status == 403 and "env" in err["error"]["message"], (role, method, path, err)
    admin = member(org, "admin")
    assert admin.call("PATCH", base + "/stripe-live", {"description": "by an admin"})[0] == 200
    assert admin.call("PUT", base + "/stripe-live/secrets/OTHER", {"value": "x"})[0] == 200


def test_precedence_reaches_the_task_definition(make_org, ports):
    """environment < each group in the order listed < the service, for variables and secrets; a name
    is whatever its highest layer makes it (a plain variable overridden by a secret and the reverse)."""
    org = make_org()
    prj = org.project()
    env_path = f"/projects/{prj['id']}/environments/production"
    assert org.call("PATCH", env_path, {"env": {"A": "env", "B": "env", "C": "env", "E_TO_SECRET": "env-plain",
                                                "ONLY_ENV": "env"}})[0] == 200
    assert org.call("PUT", env_path + "/secrets/S_ENV_TO_PLAIN", {"value": "env-secret"})[0] == 200
    assert org.call("PUT", env_path + "/secrets/S_SHARED", {"value": "env-secret"})[0] == 200
    group(org, "first", env={"B": "first", "C": "first", "G_TO_SECRET": "first-plain", "S_ENV_TO_PLAIN": "first-plain",
                             "ONLY_FIRST": "first"})
    org.call("PUT", "/env-groups/first/secrets/E_TO_SECRET", {"value": "first-secret"})
    org.call("PUT", "/env-groups/first/secrets/S_SHARED", {"value": "first-secret"})
    group(org, "second", env={"C": "second", "S_SHARED": "second-plain"})
    org.call("PUT", "/env-groups/second/secrets/G_TO_SECRET", {"value": "second-secret"})
    org.call("PUT", "/env-groups/second/secrets/SVC_TO_PLAIN", {"value": "second-secret"})
    svc = org.service(env={"SVC_TO_PLAIN": "service-plain", "OWN": "service"}, env_groups=["first", "second"])
    assert svc["env_groups"] == ["first", "second"]
    org.call("PUT", f"/services/{svc['id']}/secrets/C", {"value": "service-secret"})   # over everyone's plain C

    dep = org.deploy(ports, svc)
    assert dep["status"] == "live", dep.get("error")
    plain, secrets = container_env(ports, dep)
    assert {k: plain.get(k) for k in ("A", "B", "ONLY_ENV", "ONLY_FIRST", "S_ENV_TO_PLAIN", "S_SHARED",
                                      "SVC_TO_PLAIN", "OWN")} == \
        {"A": "env", "B": "first", "ONLY_ENV": "env", "ONLY_FIRST": "first", "S_ENV_TO_PLAIN": "first-plain",
         "S_SHARED": "second-plain", "SVC_TO_PLAIN": "service-plain", "OWN": "service"}
    assert set(secrets) == {"C", "E_TO_SECRET", "G_TO_SECRET"}
    assert not set(plain) & set(secrets)
    groups = {g["name"]: g["id"] for g in org.call("GET", "/env-groups")[1]["items"]}
    assert f"/{groups['first']}/E_TO_SECRET/" in secrets["E_TO_SECRET"]
    assert f"/{groups['second']}/G_TO_SECRET/" in secrets["G_TO_SECRET"]
    assert f"/{svc['id']}/C/" in secrets["C"]
    assert SECRET not in json.dumps(task_definition(ports, dep))
    # the order matters: listed the other way round, first's B and C win over second's
    org.call("PATCH", f"/services/{svc['id']}", {"env_groups": ["second", "first"]})
    dep = org.deploy(ports, org.call("GET", f"/services/{svc['id']}")[1])
    plain, secrets = container_env(ports, dep)
    assert "S_SHARED" not in plain and "S_SHARED" in secrets   # first's secret now wins over second's variable
    assert plain["G_TO_SECRET"] == "first-plain" and "G_TO_SECRET" not in secrets
    # the service's secret list says where each comes from
    listed = {s["name"]: s for s in org.call("GET", f"/services/{svc['id']}/secrets")[1]["items"]}
    assert (listed["E_TO_SECRET"]["scope"], listed["E_TO_SECRET"]["env_group"]) == ("env_group", "first")
    assert listed["C"]["scope"] == "service" and "S_ENV_TO_PLAIN" not in listed


def test_needs_deploy_follows_group_changes_and_the_group_deploy(make_org, ports):
    org = make_org()
    group(org, "shared", env={"LEVEL": "info"})
    web = org.service(name="web", env_groups=["shared"])
    api = org.service(name="api")
    fresh = org.service(name="fresh", env_groups=["shared"])   # never deployed
    for svc in (web, api):
        assert org.deploy(ports, svc)["status"] == "live"

    def needs(svc):
        return org.call("GET", f"/services/{svc['id']}")[1]["needs_deploy"]

    assert not needs(web) and not needs(api)
    assert org.call("PATCH", "/env-groups/shared", {"description": "no effect on services"})[0] == 200
    assert not needs(web)
    org.call("PATCH", "/env-groups/shared", {"env": {"LEVEL": "debug"}})
    assert needs(web) and not needs(api)
    status, out = org.call("POST", "/env-groups/shared/deploy")
    assert status == 202, out
    assert [(d["service"], d["project"], d["environment"]) for d in out["deployments"]] == [("web", "p", "production")]
    assert {s["service"]: s["reason"] for s in out["skipped"]}.keys() == {"fresh"}
    from tests.support.deploying import run_to_end

    dep = run_to_end(ports, out["deployments"][0]["deployment_id"])
    assert dep["status"] == "live" and container_env(ports, dep)[0]["LEVEL"] == "debug"
    assert not needs(web)
    # a secret too; linking a group to a live service needs a deploy as well
    org.call("PUT", "/env-groups/shared/secrets/TOKEN", {"value": SECRET})
    assert needs(web)
    org.call("PATCH", f"/services/{api['id']}", {"env_groups": ["shared"]})
    assert needs(api)
    status, out = org.call("POST", "/env-groups/shared/deploy")
    assert sorted(d["service"] for d in out["deployments"]) == ["api", "web"]
    for d in out["deployments"]:
        run_to_end(ports, d["deployment_id"])
    assert not needs(web) and not needs(api)
    status, out = org.call("POST", "/env-groups/shared/deploy")   # nothing left to do
    assert out["deployments"] == [] and {s["service"] for s in out["skipped"]} == {"web", "api", "fresh"}
    # a viewer may not deploy; a developer may
    assert member(org, "viewer").call("POST", f"/orgs/{org.id}/env-groups/shared/deploy")[0] == 403
    org.call("PATCH", "/env-groups/shared", {"env": {"LEVEL": "warn"}})
    status, out = member(org, "developer").call("POST", f"/orgs/{org.id}/env-groups/shared/deploy")
    assert status == 202 and len(out["deployments"]) == 2
    # unlinking brings the fingerprint back to what it was without the group
    for d in out["deployments"]:
        run_to_end(ports, d["deployment_id"])
    before = org.call("GET", f"/services/{api['id']}")[1]["config_hash"]
    org.call("PATCH", f"/services/{api['id']}", {"env_groups": None})
    after = org.call("GET", f"/services/{api['id']}")[1]
    assert after["config_hash"] != before and after["env_groups"] is None

    # the group shows who links it; deleting it is refused while linked
    got = org.call("GET", "/env-groups/shared")[1]
    assert sorted(s["name"] for s in got["services"]) == ["fresh", "web"] and got["services"][0]["project"] == "p"
    status, err = org.call("DELETE", "/env-groups/shared")
    assert status == 409 and "fresh" in err["error"]["message"] and "web" in err["error"]["message"]
    assert err["error"]["resources"] == [{"type": "service", "id": s["id"], "name": s["name"]} for s in (fresh, web)]
    for svc in (web, fresh):
        org.call("PATCH", f"/services/{svc['id']}", {"env_groups": []})
    assert org.call("DELETE", "/env-groups/shared")[0] == 204
    assert not ports.store.collection("secrets").find_one({"scope_id": got["id"]})


def test_service_links_are_checked(make_org):
    org = make_org()
    group(org, "a")
    prj = org.project()
    base = {"name": "web", "image": "nginx:1.27", "port": 80}
    for groups, words in ((["missing"], "missing"), (["a", "a"], "once"), (["Bad"], "Bad"),
                          ([f"g{i}" for i in range(11)], "")):
        status, err = org.call("POST", f"/projects/{prj['id']}/services", {**base, "env_groups": groups})
        assert status == 422 and err["error"]["field"] == "env_groups" and words in err["error"]["message"], err
    svc = org.service(env_groups=["a"])
    status, err = org.call("PATCH", f"/services/{svc['id']}", {"env_groups": ["a", "nope"]})
    assert status == 422 and err["error"]["field"] == "env_groups" and "nope" in err["error"]["message"]
    plain = org.service(name="plain")
    assert plain["env_groups"] is None and "env_groups" not in (plain.get("spec") or {})


def test_secret_values_never_in_answers_or_audit(make_org, ports):
    org = make_org()
    group(org, "vault")
    answers = [org.call("PUT", "/env-groups/vault/secrets/KEY", {"value": SECRET})[1],
               org.call("GET", "/env-groups/vault")[1], org.call("GET", "/env-groups")[1],
               org.call("GET", "/env-groups/vault/secrets")[1]]
    svc = org.service(env_groups=["vault"])
    dep = org.deploy(ports, svc)
    answers += [org.call("GET", f"/deployments/{dep['id']}")[1], org.call("GET", f"/services/{svc['id']}/secrets")[1],
                org.call("GET", f"/services/{svc['id']}/plan")[1], org.call("GET", "/audit")[1]]
    for answer in answers:
        assert SECRET not in json.dumps(answer)
    events = [e for e in ports.store.collection("audit_events").find({"org_id": org.id}, limit=200)[0]]
    assert events and SECRET not in json.dumps(events)
    stored = ports.store.collection("secrets").find_one({"name": "KEY", "org_id": org.id})
    assert stored and SECRET not in json.dumps(stored)


def test_a_clone_keeps_the_services_groups(make_org):
    org = make_org()
    group(org, "shared", env={"LEVEL": "info"})
    svc = org.service(env_groups=["shared"])
    status, clone = org.call("POST", f"/projects/{svc['project_id']}/environments/production/clone", {"name": "staging"})
    assert status == 201, clone
    [copy] = org.call("GET", f"/projects/{svc['project_id']}/services?environment=staging")[1]["items"]
    assert copy["env_groups"] == ["shared"]
    linked = org.call("GET", "/env-groups/shared")[1]["services"]
    assert sorted(s["environment"] for s in linked) == ["production", "staging"]


def test_removed_secrets_leave_the_aws_accounts(make_org, ports):
    """A deleted group secret's SSM copies (every version) go, in each place the organization deploys
    to; one set again meanwhile stays; a deleted group takes all of its copies."""
    from chalicelib.envgroups import service as groups

    org = make_org()
    made = group(org, "keys")
    org.call("PUT", "/env-groups/keys/secrets/API_KEY", {"value": SECRET})
    org.call("PUT", "/env-groups/keys/secrets/OTHER", {"value": SECRET})
    org.call("PUT", "/env-groups/keys/secrets/API_KEY", {"value": SECRET + "-2"})   # version 2
    svc = org.service(env_groups=["keys"])
    dep = org.deploy(ports, svc)
    assert dep["status"] == "live", dep.get("error")
    cloud = ports.cloud_for(dep["target"])
    base = f"/launchbay/{org.id}/{made['id']}"
    assert [p.rsplit("/", 2)[-2] for p in cloud.find_parameters(base)] == ["API_KEY", "OTHER"]

    assert org.call("DELETE", "/env-groups/keys/secrets/API_KEY")[0] == 204
    org.call("PUT", "/env-groups/keys/secrets/OTHER", {"value": SECRET + "-3"})   # set again: kept
    assert groups.forget_everywhere(ports, org.id, made["id"], "OTHER") == {"deleted": 0, "kept": "OTHER was set again since"}
    assert groups.forget_everywhere(ports, org.id, made["id"], "API_KEY")["deleted"] == 1   # the task's work
    assert [p.rsplit("/", 2)[-2] for p in cloud.find_parameters(base)] == ["OTHER"]

    assert org.call("PATCH", f"/services/{svc['id']}", {"env_groups": None})[0] == 200
    assert org.call("DELETE", "/env-groups/keys")[0] == 204
    assert groups.forget_everywhere(ports, org.id, made["id"], None)["deleted"] == 1
    assert cloud.find_parameters(base) == []
