"""Private container registries, against a real registry on loopback (scripts/sandbox_registry.py,
speaking the registry API v2 with a token service as GHCR does) and the moto sandbox: credentials
are checked when set, stored encrypted and never shown; a deploy signs in, pins the tag to the
registry's digest and gives ECS the credentials (Secrets Manager, the task definition's
repositoryCredentials); a refused login, a missing tag or a pull without credentials fail the
deploy with the registry's answer; a new password reaches the next deploy; removal forgets them."""
from __future__ import annotations

import json

import pytest

from chalicelib.cloud import naming
from chalicelib.registries import service as registries

pytestmark = pytest.mark.services
PASSWORD = "s3cret-pull-pass"


def login(org, registry, username="bot", password=PASSWORD):
    return org.call("PUT", f"/registries/{registry.host}", {"username": username, "password": password})


def step(dep, name="image") -> dict:
    return next(s for s in dep["steps"] if s["name"] == name)


def task_definition(ports, dep) -> dict:
    ecs = ports.cloud_for(dep.get("target")).client("ecs")
    return ecs.describe_task_definition(taskDefinition=dep["task_definition"])["taskDefinition"]


def secret_of(ports, dep, org, registry) -> dict:
    sm = ports.cloud_for(dep.get("target")).client("secretsmanager")
    name = naming.registry_credential(org.id, registry.host)
    return {"value": json.loads(sm.get_secret_value(SecretId=name)["SecretString"]),
            "tags": {t["Key"]: t["Value"] for t in sm.describe_secret(SecretId=name).get("Tags") or []}}


def test_credentials_are_checked_when_set_stored_encrypted_and_never_shown(make_org, ports, registry):
    org = make_org()
    status, body = login(org, registry, password="wrong-password")
    assert status == 422 and body["error"]["field"] == "password" and "refused the credentials of bot" in \
        body["error"]["message"], body
    assert org.call("GET", f"/registries/{registry.host}")[0] == 404   # nothing was saved

    status, made = login(org, registry)
    assert status == 200, made
    assert (made["host"], made["username"], made["password_set"], made["hint"], made["version"]) == \
        (registry.host, "bot", True, "…pass", 1)
    assert made["check"]["ok"] is True and made["check"]["message"] == f"signed in to {registry.host} as bot"
    assert any(user == "bot" for _, _, user in registry.requests)   # it really signed in
    listed = org.call("GET", "/registries")[1]["items"]
    assert [x["host"] for x in listed] == [registry.host]
    for answer in (made, listed, org.call("GET", f"/registries/{registry.host}")[1]):
        assert PASSWORD not in json.dumps(answer)
    stored = ports.store.collection("secrets").find_one({"scope_id": org.id, "name": registries.secret_name(registry.host)})
    assert stored["ciphertext"] and PASSWORD not in json.dumps(stored)
    audit = org.call("GET", "/audit")[1]["items"]
    assert [a["action"] for a in audit if a["action"].startswith(("registry.", "secret."))] == ["registry.credentials_set"]


@pytest.mark.parametrize("host,field,words", [
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com", "host", "task execution role"),
    ("public.ecr.aws", "host", "public"),
    ("Not A Host!", "host", "registry host name"),
])
def test_hosts_that_take_no_credentials_are_refused_at_their_field(make_org, host, field, words):
    org = make_org()
    status, body = org.call("PUT", f"/registries/{host}", {"username": "bot", "password": "x"})
    assert status == 422 and body["error"]["field"] == field and words in body["error"]["message"], body


def test_a_user_name_with_a_colon_and_a_padded_password_are_refused(make_org, registry):
    org = make_org()
    for body, field in (({"username": "a:b", "password": "p"}, "username"),
                        ({"username": "bot", "password": " p "}, "password"),
                        ({"username": "bot"}, "password")):
        status, answer = org.call("PUT", f"/registries/{registry.host}", body)
        assert status == 422 and answer["error"]["field"] == field, answer


def test_a_deploy_pulls_a_private_image_with_the_credentials_pinned_to_the_registry_s_digest(make_org, ports, registry):
    org = make_org()
    assert login(org, registry)[0] == 200
    image = f"{registry.host}/acme/api:1.0"
    svc = org.service(image=image)
    planned = {s["step"]: s for s in org.call("GET", f"/services/{svc['id']}/plan")[1]["steps"]}["image"]
    assert planned["action"] == "create" and planned["changes"]["registry credentials"] == \
        [None, f"{registry.host} as bot (v1)"]
    assert "signs in to" in planned["description"] and PASSWORD not in json.dumps(planned)
    # the task definition: pulled with the credentials' secret; the pinned image known once signed in
    td_plan = {s["step"]: s for s in org.call("GET", f"/services/{svc['id']}/plan")[1]["steps"]}["task_definition"]
    assert "(known after apply: image.image)" in json.dumps(td_plan), td_plan

    dep = org.deploy(ports, svc)
    assert dep["status"] == "live", dep.get("error")
    digest = registry.digest("acme/api", "1.0")
    result = step(dep)["result"]
    assert (result["image"], result["digest"], result["pinned"]) == (f"{registry.host}/acme/api@{digest}", digest, True)
    assert result["credentials"]["username"] == "bot" and PASSWORD not in json.dumps(dep)
    container = task_definition(ports, dep)["containerDefinitions"][0]
    assert container["image"] == f"{registry.host}/acme/api@{digest}"
    assert container["repositoryCredentials"]["credentialsParameter"] == result["credentials"]["arn"]
    assert secret_of(ports, dep, org, registry) == {"value": {"username": "bot", "password": PASSWORD},
                                                    "tags": {**secret_of(ports, dep, org, registry)["tags"],
                                                             "launchbay:version": "1"}}

    # the tag moves: the next deploy runs the new bytes; the secret is written only when it changed
    moved = registry.push("acme/api", "1.0")
    assert moved != digest
    again = org.deploy(ports, svc)
    assert again["status"] == "live" and step(again)["result"]["digest"] == moved
    assert step(again)["plan"]["action"] == "no-op" and [c["method"] for c in step(again)["plan"]["calls"]] == \
        ["resolve_private_image"]


def test_a_refused_login_or_a_missing_tag_fails_the_deploy_at_the_image_step(make_org, ports, registry):
    org = make_org()
    assert login(org, registry)[0] == 200
    missing = org.deploy(ports, org.service(name="missing", image=f"{registry.host}/acme/api:2.0"))
    assert missing["status"] == "failed" and step(missing)["status"] == "failed"
    assert f"{registry.host}/acme/api:2.0 is not in {registry.host}" in missing["error"], missing["error"]

    registry.users["bot"] = "rotated-by-someone"   # the password changed at the registry
    refused = org.deploy(ports, org.service(name="web", image=f"{registry.host}/acme/api:1.0"))
    assert refused["status"] == "failed" and "refused the credentials of bot" in refused["error"], refused["error"]
    assert not any(s["name"] == "rollout" and s["status"] == "done" for s in refused["steps"])

    # a new password: the next deploy writes it to the account's secret and pulls
    assert login(org, registry, password="rotated-by-someone")[1]["version"] == 2
    svc = org.call("GET", f"/services/{refused['service_id']}")[1]
    ok = org.deploy(ports, svc)
    assert ok["status"] == "live", ok.get("error")
    assert secret_of(ports, ok, org, registry)["value"]["password"] == "rotated-by-someone"
    assert secret_of(ports, ok, org, registry)["tags"]["launchbay:version"] == "2"


def test_without_credentials_a_private_image_cannot_be_pulled_and_a_public_one_can(make_org, ports, registry):
    registry.public.add("acme/site")
    registry.push("acme/site", "2")
    org = make_org()
    private = org.deploy(ports, org.service(name="private", image=f"{registry.host}/acme/api:1.0"))
    assert private["status"] == "failed" and "CannotPullContainerError" in private["error"], private["error"]
    assert f"{registry.host} wants credentials" in private["error"]
    public = org.deploy(ports, org.service(name="site", image=f"{registry.host}/acme/site:2"))
    assert public["status"] == "live", public.get("error")
    assert "repositoryCredentials" not in task_definition(ports, public)["containerDefinitions"][0]


def test_removed_credentials_leave_the_accounts_and_later_deploys_pull_without_them(make_org, ports, registry):
    registry.public.add("acme/api")
    org = make_org()
    assert login(org, registry)[0] == 200
    svc = org.service(image=f"{registry.host}/acme/api:1.0")
    dep = org.deploy(ports, svc)
    assert dep["status"] == "live"
    sm = ports.cloud_for(dep.get("target")).client("secretsmanager")
    name = naming.registry_credential(org.id, registry.host)
    assert sm.describe_secret(SecretId=name)["Name"] == name

    assert org.call("DELETE", f"/registries/{registry.host}")[0] == 204
    assert org.call("GET", "/registries")[1]["items"] == []
    assert ports.store.collection("secrets").find_one({"scope_id": org.id,
                                                       "name": registries.secret_name(registry.host)}) is None
    assert registries.forget_everywhere(ports, org.id, registry.host)["deleted"] >= 1   # the task's work
    with pytest.raises(Exception) as gone:
        sm.describe_secret(SecretId=name)
    assert "ResourceNotFoundException" in str(gone.value)
    later = org.deploy(ports, svc)
    assert later["status"] == "live", later.get("error")
    assert "repositoryCredentials" not in task_definition(ports, later)["containerDefinitions"][0]
    assert org.call("DELETE", f"/registries/{registry.host}")[0] == 404


def test_a_build_signs_in_to_the_org_s_registries_to_pull_a_private_base_image(make_org, git_root, ports, registry):
    from tests.support.git_repos import make_repo

    registry.push("acme/base", "1")
    make_repo(git_root, "acme/shop", {"Dockerfile": f"FROM {registry.host}/acme/base:1 AS base\nWORKDIR /app\n"
                                                    "FROM base\nCMD [\"true\"]\n"})
    org = make_org()
    svc = org.service(image=None, source={"repo": "acme/shop", "branch": "main"})
    failed = org.deploy(ports, svc)
    assert failed["status"] == "failed", failed
    assert f"failed to resolve source metadata for {registry.host}/acme/base:1" in failed["error"]
    assert f"{registry.host} wants credentials" in failed["error"]

    assert login(org, registry)[0] == 200
    built = org.deploy(ports, svc)
    assert built["status"] == "live", built.get("error")
    start = step(built, "build.start")["plan"]
    calls = {c["method"]: c["args"] for c in start["calls"]}
    name = naming.registry_credential(org.id, registry.host)
    assert calls["put_registry_credential"]["password"] == f"<secret {registries.secret_name(registry.host)} v1>"
    assert calls["start_build"]["registries"] == [{"host": registry.host, "secret": name}]
    status, body = org.call("GET", f"/deployments/{built['id']}/logs?after=0&limit=500")
    said = [line["message"] for line in body["lines"]]
    assert any(f"docker login {registry.host} as bot: Login Succeeded" in m for m in said), said
    assert PASSWORD not in json.dumps(built) and PASSWORD not in json.dumps(body)
    # what CodeBuild would read: each registry's user and password from the secret, by reference
    from chalicelib.cloud.build import BUILDSPEC

    assert 'docker login --username "$(printenv "LB_REGISTRY_${i}_USER")" --password-stdin "$h"' in BUILDSPEC


def test_the_connection_policy_allows_every_call_of_a_private_image_s_life(make_org, ports, registry):
    """Set, deploy, rotate, deploy again, remove and forget, through a connected (sandbox demo)
    account: every AWS call is one the published role policy allows."""
    from chalicelib.cloud import access
    from tests.resources.test_resources import connected_and_recorded

    org, conn, seen = connected_and_recorded(make_org, ports)
    assert login(org, registry)[0] == 200
    svc = org.service(image=f"{registry.host}/acme/api:1.0")
    dep = org.deploy(ports, svc)
    assert dep["status"] == "live" and dep["target"]["account"] == conn["account_id"], dep.get("error")
    registry.users["bot"] = "second-pass"
    assert login(org, registry, password="second-pass")[0] == 200
    assert org.deploy(ports, svc)["status"] == "live"
    assert org.call("DELETE", f"/registries/{registry.host}")[0] == 204
    assert registries.forget_everywhere(ports, org.id, registry.host)["deleted"] >= 1
    assert {"secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:TagResource",
            "secretsmanager:DeleteSecret", "ecs:RegisterTaskDefinition"} <= seen
    # the simulated tasks' doing (ECS's, on AWS): their logs, their Cloud Map entries, and the pull's
    # GetSecretValue (ECS reads the credentials with the task execution role)
    sandbox_only = {"logs:CreateLogStream", "logs:PutLogEvents", "servicediscovery:RegisterInstance",
                    "secretsmanager:GetSecretValue"}
    assert seen - access.allowed_actions() - sandbox_only - {"sts:GetCallerIdentity"} == set()
