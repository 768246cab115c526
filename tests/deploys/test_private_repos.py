"""Private repositories: an organization's GitHub token (set by admins, never shown again) reaches
CodeBuild as a Secrets Manager source credential in the account the build runs in; removing it
takes it out of those accounts. Sandbox builds, in-process (no worker)."""
from __future__ import annotations

import json
import uuid

import boto3
import pytest

from chalicelib.cloud import naming
from chalicelib.hooks import credentials
from tests.support.api import signup_invited
from tests.support.git_repos import make_repo

GOOD = "FROM alpine:3.20\nCMD [\"sh\", \"-c\", \"echo hi\"]\n"
TOKEN = "ghp_" + "Ab3" * 12    # the shape of a classic personal access token (ghp_ + 36)


def aws(launchbay_env, service):
    return boto3.client(service, endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_admins_set_replace_and_remove_the_token_which_is_never_shown(launchbay_env, make_org, api):
    org = make_org()
    assert org.call("GET", "/git/github") == (200, {"provider": "github", "configured": False})
    status, err = org.call("PUT", "/git/github", {"token": "not a token!"})
    assert status == 422 and err["error"]["field"] == "token" and "personal access token" in err["error"]["message"]
    assert org.call("PUT", "/git/github", {})[1]["error"]["field"] == "token"
    assert org.call("PUT", "/git/github", {"token": TOKEN, "scope": "x"})[1]["error"]["field"] == "scope"

    status, out = org.call("PUT", "/git/github", {"token": TOKEN})
    assert status == 200 and out["configured"] and out["version"] == 1 and out["hint"] == "…" + TOKEN[-4:]
    status, out = org.call("PUT", "/git/github", {"token": TOKEN[:-4] + "Zz99"})      # replaced: a new version
    assert status == 200 and out["version"] == 2 and out["hint"] == "…Zz99"
    status, seen = org.call("GET", "/git/github")
    assert status == 200 and seen["configured"] and seen["version"] == 2 and seen["set_by"]
    assert TOKEN[:-4] not in json.dumps(seen) and TOKEN[:-4] not in json.dumps(out)

    # developers see whether one is set, and may not change it; another organization sees nothing
    email = f"dev-{uuid.uuid4().hex[:6]}@example.com"
    assert org.call("POST", "/members", {"email": email, "role": "developer"})[0] in (200, 201)
    dev = signup_invited(api, email, org="x")
    assert api.call("GET", f"/orgs/{org.id}/git/github", token=dev["token"])[1]["configured"] is True
    assert api.call("PUT", f"/orgs/{org.id}/git/github", {"token": TOKEN}, token=dev["token"])[0] == 403
    assert api.call("DELETE", f"/orgs/{org.id}/git/github", token=dev["token"])[0] == 403
    other = make_org("Other")
    assert other.call("GET", "/git/github")[1]["configured"] is False
    assert api.call("GET", f"/orgs/{org.id}/git/github", token=other.owner["token"])[0] in (403, 404)

    assert org.call("DELETE", "/git/github")[0] == 204
    assert org.call("GET", "/git/github")[1] == {"provider": "github", "configured": False}
    assert org.call("DELETE", "/git/github")[0] == 204            # idempotent: there is none afterwards either
    status, audit = org.call("GET", "/audit?limit=50")
    actions = [e["action"] for e in audit["items"]]
    assert actions.count("secret.put") == 2 and actions.count("git_token.delete") == 1
    assert TOKEN[:-4] not in json.dumps(audit)


def test_a_build_clones_with_the_token_and_a_removed_token_leaves_the_account(git_root, make_org, ports, launchbay_env):
    make_repo(git_root, "acme/private", {"Dockerfile": GOOD})
    org = make_org()
    svc = org.service(image=None, source={"repo": "acme/private"})
    assert org.call("PUT", "/git/github", {"token": TOKEN})[0] == 200

    # the plan names the token by version, never by value
    status, preview = org.call("GET", f"/services/{svc['id']}/plan")
    assert status == 200, preview
    start = preview["steps"][0]
    assert start["step"] == "build.start" and start["calls"][0]["method"] == "put_source_credential"
    assert start["calls"][0]["args"]["token"] == "<secret GITHUB_TOKEN v1>" and TOKEN not in json.dumps(preview)

    dep = org.deploy(ports, svc)
    assert dep["status"] == "live", dep.get("error")
    assert dep["steps"][0]["result"]["private_access"] is True
    name = naming.source_credential(org.id)
    sm = aws(launchbay_env, "secretsmanager")
    secret = sm.describe_secret(SecretId=name)
    assert json.loads(sm.get_secret_value(SecretId=name)["SecretString"]) == {
        "ServerType": "GITHUB", "AuthType": "PERSONAL_ACCESS_TOKEN", "Token": TOKEN}
    tags = {t["Key"]: t["Value"] for t in secret["Tags"]}
    assert tags["codebuild:source:provider"] == "github" and tags["codebuild:source:type"] == "personal_access_token"
    project = aws(launchbay_env, "codebuild").batch_get_projects(names=[dep["steps"][0]["result"]["project"]])["projects"][0]
    assert project["source"]["auth"] == {"type": "SECRETS_MANAGER", "resource": secret["ARN"]}
    status, logs = org.call("GET", f"/deployments/{dep['id']}/logs?after=0&limit=500")
    said = [line["message"] for line in logs["lines"]]
    assert any("source credential" in m and name in m for m in said)
    assert TOKEN not in json.dumps(logs) and TOKEN not in json.dumps(org.call("GET", f"/deployments/{dep['id']}")[1])

    # removed: the copy leaves the account (the task's work, run here), and the next build clones without it
    assert org.call("DELETE", "/git/github")[0] == 204
    assert credentials.forget_everywhere(ports, org.id) == {"deleted": 1}
    with pytest.raises(Exception, match="ResourceNotFound"):
        sm.describe_secret(SecretId=name)
    status, preview = org.call("GET", f"/services/{svc['id']}/plan")
    assert preview["steps"][0]["changes"] == {"private_access": [True, False]}
    again = org.deploy(ports, svc)
    assert again["status"] == "live" and again["steps"][0]["result"]["private_access"] is False
    project = aws(launchbay_env, "codebuild").batch_get_projects(names=[project["name"]])["projects"][0]
    assert "auth" not in project["source"]


def test_a_token_set_again_before_the_task_ran_is_not_forgotten(git_root, make_org, ports):
    make_repo(git_root, "acme/kept", {"Dockerfile": GOOD})
    org = make_org()
    svc = org.service(image=None, source={"repo": "acme/kept"})
    assert org.call("PUT", "/git/github", {"token": TOKEN})[0] == 200
    assert org.deploy(ports, svc)["status"] == "live"
    assert org.call("DELETE", "/git/github")[0] == 204
    assert org.call("PUT", "/git/github", {"token": TOKEN})[0] == 200
    assert credentials.forget_everywhere(ports, org.id) == {"deleted": 0, "kept": "a new token was set since"}
