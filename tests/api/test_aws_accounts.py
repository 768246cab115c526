"""Issue #11: organizations deploy into their own AWS accounts through a role they create.

The sandbox (moto) acts in whichever account an assumed role's ARN names, but checks neither
trust policies nor ExternalId: what these tests prove about trust is Launchbay's own check
(chalicelib/cloud/access.trust_problem, run on every AssumeRole), not AWS's."""
from __future__ import annotations

import json
import uuid

import boto3
import pytest

from chalicelib.cloud import access
from chalicelib.deploys import teardown
from tests.support.api import signup_invited

PLATFORM = "123456789012"   # moto's default account: the platform's own


def account() -> str:
    return str(uuid.uuid4().int % 10**12).zfill(12)


def as_account(env, acct: str, service: str):
    """A client acting in another sandbox account (moto follows the assumed role's account)."""
    kw = dict(endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1")
    creds = boto3.client("sts", aws_access_key_id="testing", aws_secret_access_key="testing", **kw).assume_role(
        RoleArn=f"arn:aws:iam::{acct}:role/customer-admin", RoleSessionName="customer")["Credentials"]
    return boto3.client(service, aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"], **kw)


def create_stack(env, acct: str, template: dict) -> str:
    """What the customer does: the template, run by CloudFormation in their account."""
    cfn = as_account(env, acct, "cloudformation")
    cfn.create_stack(StackName="launchbay-access", TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_NAMED_IAM"])
    outputs = cfn.describe_stacks(StackName="launchbay-access")["Stacks"][0]["Outputs"]
    return next(o["OutputValue"] for o in outputs if o["OutputKey"] == "RoleArn")


def connect(org, env, acct=None, **body):
    acct = acct or account()
    status, conn = org.call("POST", "/aws-accounts", {"name": "prod-" + uuid.uuid4().hex[:6], **body})
    assert status == 201, conn
    role = create_stack(env, acct, conn["setup"]["template"])
    status, done = org.call("POST", f"/aws-accounts/{conn['id']}/verify", {"role_arn": role})
    assert status == 200 and done["status"] == "connected" and done["account_id"] == acct, done
    return done


def point(org, project_id, conn_id, **extra):
    return org.call("PATCH", f"/projects/{project_id}/environments/production", {"aws_account_id": conn_id, **extra})


def connected_project(org, env):
    """-> (connection, project id): the org's project, its production deploying through a new connection."""
    conn = connect(org, env)
    prj = org.project()["id"]
    assert point(org, prj, conn["id"])[0] == 200
    return conn, prj


def remove_role(env, conn) -> dict:
    """The customer removes Launchbay's role: every call in their account is refused from now on
    (clients made again, as when the credentials come up for renewal). -> the role, to put back."""
    from chalicelib import wiring

    iam = as_account(env, conn["account_id"], "iam")
    role = iam.get_role(RoleName=conn["role_name"])["Role"]
    iam.delete_role_policy(RoleName=conn["role_name"], PolicyName="launchbay")
    iam.delete_role(RoleName=conn["role_name"])
    wiring.reset_clients()
    return role


def test_a_connection_is_a_role_trusting_us_with_its_external_id(make_org, launchbay_env, api):
    org = make_org()
    status, conn = org.call("POST", "/aws-accounts", {"name": "prod", "regions": ["eu-west-1", "us-east-1"]})
    assert status == 201 and conn["status"] == "pending" and conn["regions"] == ["eu-west-1", "us-east-1"]
    other = org.call("POST", "/aws-accounts", {"name": "prod2"})[1]
    assert len(conn["external_id"]) >= 32 and conn["external_id"] != other["external_id"]   # per connection
    role = conn["setup"]["template"]["Resources"]["LaunchbayAccessRole"]["Properties"]
    assert role["Policies"][0]["PolicyDocument"] == access.policy_document()
    assert conn["setup"]["template"]["Parameters"]["ExternalId"]["Default"] == conn["external_id"]
    assert conn["setup"]["template"]["Parameters"]["PlatformAccountId"]["Default"] == PLATFORM
    # the exact policy is public, for security reviewers
    status, policy = api.call("GET", "/aws/policy.json")
    assert status == 200 and policy == access.policy_document()
    # created from the template, verified: AssumeRole + GetCallerIdentity + the trust checked
    acct = account()
    arn = create_stack(launchbay_env, acct, conn["setup"]["template"])
    status, done = org.call("POST", f"/aws-accounts/{conn['id']}/verify", {"role_arn": arn})
    assert status == 200 and done["status"] == "connected" and done["account_id"] == acct and done["role_arn"] == arn
    assert org.call("POST", f"/aws-accounts/{conn['id']}/verify", {})[1]["status"] == "connected"   # re-verify
    assert org.call("PATCH", f"/aws-accounts/{conn['id']}", {"name": "production"})[1]["name"] == "production"
    events = org.call("GET", "/audit?limit=50")[1]["items"]
    actions = [e["action"] for e in events]
    for action in ("aws_account.create", "aws_account.verify", "aws_account.update"):
        assert action in actions
    # the audit log names the connection verified, and says how it went
    verified = next(e for e in events if e["action"] == "aws_account.verify")["details"]
    assert verified["name"] == "prod" and verified["status"] == "connected"
    assert org.call("DELETE", f"/aws-accounts/{other['id']}")[0] == 204


def test_a_role_that_skips_the_external_id_or_sits_elsewhere_is_refused(make_org, launchbay_env):
    org = make_org()
    status, conn = org.call("POST", "/aws-accounts", {"name": "prod", "account_id": "111122223333"})
    assert status == 201
    # the role is in another account than the one the connection was made for
    status, err = org.call("POST", f"/aws-accounts/{conn['id']}/verify",
                           {"role_arn": "arn:aws:iam::444455556666:role/launchbay-access-x"})
    assert status == 422 and err["error"]["field"] == "role_arn" and "111122223333" in err["error"]["message"]
    # verified before its stack was made: the role does not exist (it did not "no longer" exist)
    arn = f"arn:aws:iam::111122223333:role/{conn['role_name']}"
    status, err = org.call("POST", f"/aws-accounts/{conn['id']}/verify", {"role_arn": arn})
    assert status == 422 and "does not exist: create it from the connection's template" in err["error"]["message"]
    assert "no longer" not in err["error"]["message"]
    # a role trusting our account without the external id (moto would let us assume it anyway)
    iam = as_account(launchbay_env, "111122223333", "iam")
    loose = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{PLATFORM}:root"}}]}
    iam.create_role(RoleName=conn["role_name"], AssumeRolePolicyDocument=json.dumps(loose))
    arn = f"arn:aws:iam::111122223333:role/{conn['role_name']}"
    status, err = org.call("POST", f"/aws-accounts/{conn['id']}/verify", {"role_arn": arn})
    assert status == 422 and "without this connection's external id" in err["error"]["message"]
    status, shown = org.call("GET", f"/aws-accounts/{conn['id']}")
    assert shown["status"] == "broken" and "external id" in shown["status_reason"]
    # another organization's external id does not do either
    iam.update_assume_role_policy(RoleName=conn["role_name"], PolicyDocument=json.dumps(
        access.trust_document(PLATFORM, "lb-someone-elses-external-id")))
    assert org.call("POST", f"/aws-accounts/{conn['id']}/verify", {"role_arn": arn})[0] == 422
    iam.update_assume_role_policy(RoleName=conn["role_name"],
                                  PolicyDocument=json.dumps(access.trust_document(PLATFORM, conn["external_id"])))
    assert org.call("POST", f"/aws-accounts/{conn['id']}/verify", {"role_arn": arn})[1]["status"] == "connected"


def test_only_owners_and_admins_manage_connections(make_org, api):
    org = make_org()
    email = f"dev-{uuid.uuid4().hex[:6]}@example.com"
    assert org.call("POST", "/members", {"email": email, "role": "developer"})[0] in (200, 201)
    dev = signup_invited(api, email, org="x")
    status, err = api.call("POST", f"/orgs/{org.id}/aws-accounts", {"name": "p"}, token=dev["token"])
    assert status == 403
    assert api.call("GET", f"/orgs/{org.id}/aws-accounts", token=dev["token"])[0] == 200


def test_two_organizations_deploy_into_their_own_accounts(make_org, ports, launchbay_env):
    a, b = make_org("A"), make_org("B")
    conn_a, conn_b = connect(a, launchbay_env), connect(b, launchbay_env)
    prj_a, prj_b = a.project()["id"], b.project()["id"]
    # B cannot point its environment at A's connection: it does not exist for B
    status, err = point(b, prj_b, conn_a["id"])
    assert status == 404 and err["error"]["field"] == "aws_account_id"
    status, err = point(a, prj_a, conn_a["id"], region="eu-west-1")          # not a region A allowed
    assert status == 422 and err["error"]["field"] == "region"
    status, env_a = point(a, prj_a, conn_a["id"])
    assert status == 200 and env_a["region"] == "us-east-1" and env_a["deploys_to"] == "connected account"
    assert point(b, prj_b, conn_b["id"])[0] == 200
    dep_a = a.deploy(ports, a.service())
    dep_b = b.deploy(ports, b.service())
    assert dep_a["status"] == "live" and dep_b["status"] == "live", (dep_a.get("error"), dep_b.get("error"))
    assert dep_a["target"]["account"] == conn_a["account_id"] != dep_b["target"]["account"] == conn_b["account_id"]
    for dep, acct in ((dep_a, conn_a["account_id"]), (dep_b, conn_b["account_id"])):
        assert f":{acct}:" in next(s for s in dep["steps"] if s["name"] == "cluster")["result"]["arn"]
        ecs = as_account(launchbay_env, acct, "ecs")
        [svc] = ecs.describe_services(cluster=dep["target"]["cluster"], services=[f"lb-{dep['service_id'][4:]}"])["services"]
        assert svc["status"] == "ACTIVE"
    platform_ecs = boto3.client("ecs", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                                aws_access_key_id="testing", aws_secret_access_key="testing")
    assert not [c for c in platform_ecs.describe_clusters(clusters=[dep_a["target"]["cluster"]])["clusters"]
                if c["status"] == "ACTIVE"]                                  # nothing in the platform's account
    # the connection is in use: it cannot be removed, nor its region dropped, nor the environment moved
    status, err = a.call("DELETE", f"/aws-accounts/{conn_a['id']}")
    assert status == 409 and err["error"]["resources"] == [{"type": "environment", "id": env_a["id"], "name": "production"}]
    status, err = a.call("PATCH", f"/aws-accounts/{conn_a['id']}", {"regions": ["us-west-2"]})
    assert status == 409 and err["error"]["field"] == "regions" and "us-east-1" in err["error"]["message"]
    assert err["error"]["resources"] == [{"type": "environment", "id": env_a["id"], "name": "production"}]
    assert point(a, prj_a, None)[0] == 409


def test_deleting_a_project_removes_what_it_made_in_the_account_and_nothing_else(make_org, ports, launchbay_env):
    org = make_org()
    conn = connect(org, launchbay_env)
    keep_prj, gone_prj = org.project("keep")["id"], org.project("gone")["id"]
    for prj in (keep_prj, gone_prj):
        assert point(org, prj, conn["id"])[0] == 200
    keep = org.service("keep")
    web, cron = org.service("gone"), org.service("gone", name="tick", kind="cron", image="busybox",
                                                  schedule="rate(1 hour)")
    assert org.call("PUT", f"/services/{web['id']}/secrets/TOKEN", {"value": "v"})[0] == 200
    deps = {s["id"]: org.deploy(ports, s) for s in (keep, web, cron)}
    assert all(d["status"] == "live" for d in deps.values())
    acct = conn["account_id"]
    ssm, ecs, events = (as_account(launchbay_env, acct, s) for s in ("ssm", "ecs", "events"))
    param = deps[web["id"]]["secret_refs"]["TOKEN"]["arn"].split(":parameter", 1)[1]
    assert ssm.get_parameter(Name=param)
    for svc in (web, cron):
        assert org.call("DELETE", f"/services/{svc['id']}")[0] == 202
        assert teardown.run(ports, svc["id"]) == "deleted"
    assert org.call("DELETE", f"/projects/{gone_prj}")[0] == 204
    cluster = deps[web["id"]]["target"]["cluster"]
    services = ecs.describe_services(cluster=cluster, services=[f"lb-{web['id'][4:]}", f"lb-{keep['id'][4:]}"])
    status = {s["serviceName"]: s["status"] for s in services["services"]}
    assert status[f"lb-{web['id'][4:]}"] != "ACTIVE" and status[f"lb-{keep['id'][4:]}"] == "ACTIVE"
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name=param)
    assert f"lb-{cron['id'][4:]}" not in [r["Name"] for r in events.list_rules()["Rules"]]
    assert org.call("GET", f"/services/{keep['id']}")[1]["status"] == "live"


def test_a_broken_role_fails_the_deployment_in_words_and_shows_on_the_connection(make_org, ports, launchbay_env):
    org = make_org()
    conn, _prj = connected_project(org, launchbay_env)
    svc = org.service()
    assert org.deploy(ports, svc)["status"] == "live"
    remove_role(launchbay_env, conn)
    dep = org.deploy(ports, svc)
    assert dep["status"] == "failed" and "does not exist" in dep["error"] and conn["role_name"] in dep["error"]
    shown = org.call("GET", f"/aws-accounts/{conn['id']}")[1]
    assert shown["status"] == "broken" and "does not exist" in shown["status_reason"]
    assert "aws_account.broken" in [e["action"] for e in org.call("GET", "/audit?limit=50")[1]["items"]]


def test_the_sandbox_demo_connection_works_end_to_end(make_org, ports, launchbay_env):
    org = make_org()
    status, conn = org.call("POST", "/sandbox/aws-account")
    assert status == 201 and conn["status"] == "connected" and conn["demo"] is True
    assert point(org, org.project()["id"], conn["id"])[0] == 200
    dep = org.deploy(ports, org.service())
    assert dep["status"] == "live" and dep["target"]["account"] == conn["account_id"] != PLATFORM


def test_the_policy_allows_every_call_a_deploy_run_and_teardown_make(make_org, ports, launchbay_env):
    """Every AWS call made through a connection (a web (with a release command), worker and cron
    deploy, a cron run and a one-off command, logs,
    health, teardown) is one the published policy allows: the policy is the code's."""
    from chalicelib import wiring
    from chalicelib.deploys import runs, watch

    org = make_org()
    conn, prj = connected_project(org, launchbay_env)
    seen: set[str] = set()

    def record(model, **_):
        seen.add(f"{model.service_model.signing_name}:{model.name}")

    wiring.reset_clients()
    target = {"aws_account_id": conn["id"], "region": "us-east-1"}
    ports.cloud_for(target).clients._get_session().events.register("before-call", record)
    web = org.service(release_command=["sh", "-c", "echo migrate"])   # a release command's task and log
    worker = org.service(name="jobs", kind="worker", port=None)
    cron = org.service(name="tick", kind="cron", image="busybox", schedule="rate(1 hour)")
    from tests.deploys.test_builds import GOOD, make_repo

    make_repo(ports.settings.git_root, "acme/app", {"Dockerfile": GOOD})   # and one built from source
    built = org.service(name="built", kind="worker", port=None, image=None, source={"repo": "acme/app"})
    for svc in (web, worker, cron, built):
        assert org.deploy(ports, svc)["status"] == "live"
    run = org.call("POST", f"/services/{cron['id']}/runs")[1]
    runs.start(ports, run["id"])
    one_off = org.call("POST", f"/services/{web['id']}/runs", {"command": ["echo", "hi"]})[1]   # command overridden
    runs.start(ports, one_off["id"])
    runs.sync(ports)
    assert org.call("GET", f"/services/{web['id']}/logs")[0] == 200
    watch.health_watch(ports)
    for svc in (web, worker, cron):
        org.call("DELETE", f"/services/{svc['id']}")
        assert teardown.run(ports, svc["id"]) == "deleted"
    # the simulator writing task and build logs, and pushing the simulated image
    # the sandbox writes the simulated tasks' logs and Cloud Map registrations (ECS does on AWS)
    sandbox_only = {"logs:CreateLogStream", "logs:PutLogEvents", "ecr:PutImage", "servicediscovery:RegisterInstance"}
    free = {"sts:GetCallerIdentity"}                                # needs no permission
    assert len(seen) > 30, seen
    assert seen - access.allowed_actions() - sandbox_only - free == set()
