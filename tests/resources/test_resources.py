"""Managed resources against the moto sandbox: databases, caches and buckets are created in the
environment's place, encrypted and private; linked services get the connection as a Secrets
Manager reference in the task definition; deletes need a confirmation and keep a final snapshot."""
from __future__ import annotations

import json
import time

import pytest

from chalicelib.resources import engine
from tests.support.processes import CeleryWorker, wait_for

pytestmark = pytest.mark.services


def settle(ports, res_id: str, timeout: float = 30.0) -> dict | None:
    """Drive the resource task in-process (the worker does the same loop through Celery)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = engine.run(ports, res_id)
        doc = ports.store.collection("resources").get(res_id)
        if out.state == "done":
            return doc
        time.sleep(min(out.countdown, 0.3))
    raise AssertionError(f"{res_id} did not settle: {out.detail}")


def create(org, **body) -> dict:
    prj = org.project()
    status, res = org.call("POST", f"/projects/{prj['id']}/resources", {"name": "db", "kind": "postgres", **body})
    assert status == 202, res
    return res


def aws(ports, res: dict, service: str):
    doc = ports.store.collection("resources").get(res["id"])
    return ports.cloud_for(doc["target"]).client(service)


def group_rules(ec2, group_id: str) -> list[tuple]:
    g = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    return [(p.get("IpProtocol"), p.get("FromPort"), p.get("ToPort"), pair["GroupId"])
            for p in g["IpPermissions"] for pair in p.get("UserIdGroupPairs", [])] + \
        [(p.get("IpProtocol"), p.get("FromPort"), p.get("ToPort"), r["CidrIp"])
         for p in g["IpPermissions"] for r in p.get("IpRanges", [])]


def test_postgres_is_private_encrypted_and_reaches_the_task_as_value_from(make_org, ports):
    org = make_org()
    res = create(org)
    assert res["status"] == "creating" and res["deletion_protection"] is True   # production: protected by default
    done = settle(ports, res["id"])
    assert done["status"] == "available", done

    rds = aws(ports, res, "rds")
    db = rds.describe_db_instances(DBInstanceIdentifier=done["aws"]["ident"])["DBInstances"][0]
    assert db["StorageEncrypted"] and not db["PubliclyAccessible"] and db["DeletionProtection"]
    assert db["Engine"] == "postgres" and db["DBInstanceClass"] == "db.t4g.micro" and db["AllocatedStorage"] == 20
    assert db["BackupRetentionPeriod"] == 7
    (group,) = [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]]

    web = org.service()
    status, linked = org.call("PUT", f"/services/{web['id']}/links/{res['id']}", {})
    assert status == 200 and linked["variable"] == "DATABASE_URL", linked
    dep = org.deploy(ports, web)
    assert dep["status"] == "live", dep.get("error")

    ecs = ports.cloud_for(dep.get("target")).client("ecs")
    td = ecs.describe_task_definition(taskDefinition=dep["task_definition"])["taskDefinition"]
    container = td["containerDefinitions"][0]
    secrets = {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}
    assert secrets["DATABASE_URL"] == done["aws"]["secret_arn"] + ":url::"
    assert "DATABASE_URL" not in {e["name"] for e in container.get("environment", [])}
    assert "postgresql://" not in json.dumps(td)           # no connection string in the task definition

    # the connection in Secrets Manager points at the instance, with the generated password
    value = json.loads(aws(ports, res, "secretsmanager").get_secret_value(SecretId=done["aws"]["secret_arn"])["SecretString"])
    assert value["url"].startswith("postgresql://launchbay:") and db["Endpoint"]["Address"] in value["url"]

    # only the environment's task group reaches it, on 5432
    ec2 = aws(ports, res, "ec2")
    env_group = ec2.describe_security_groups(Filters=[{"Name": "group-name",
                                                       "Values": [dep["target"]["security_group"]]}])["SecurityGroups"][0]
    assert group_rules(ec2, group) == [("tcp", 5432, 5432, env_group["GroupId"])]

    # nothing the API answers carries the password
    password = value["url"].split(":")[2].split("@")[0]
    for path in (f"/resources/{res['id']}", f"/projects/{org.project()['id']}/resources", f"/services/{web['id']}/links"):
        status, body = org.call("GET", path)
        assert status == 200 and password not in json.dumps(body) and "credential" not in json.dumps(body)


def test_another_environment_cannot_link_or_reach_it(make_org, ports):
    org = make_org()
    prj = org.project()
    assert org.call("POST", f"/projects/{prj['id']}/environments", {"name": "staging"})[0] == 201
    res = create(org)
    settle(ports, res["id"])
    staging_web = org.service(environment="staging")
    status, err = org.call("PUT", f"/services/{staging_web['id']}/links/{res['id']}", {})
    assert status == 409 and err["error"]["field"] == "resource", err

    # a staging deploy's task group is not among the groups the database admits
    dep = org.deploy(ports, staging_web)
    doc = ports.store.collection("resources").get(res["id"])
    ec2 = aws(ports, res, "ec2")
    staging_group = ec2.describe_security_groups(Filters=[{"Name": "group-name",
                                                           "Values": [dep["target"]["security_group"]]}])["SecurityGroups"][0]
    admitted = {r[3] for r in group_rules(ec2, doc["aws"]["security_group"])}
    assert staging_group["GroupId"] not in admitted and len(admitted) == 1


def test_delete_needs_confirmation_no_protection_no_links_and_keeps_a_final_snapshot(make_org, ports):
    org = make_org()
    res = create(org)
    done = settle(ports, res["id"])
    web, worker = org.service(), org.service(name="worker", kind="worker", port=None)
    for svc in (web, worker):
        assert org.call("PUT", f"/services/{svc['id']}/links/{res['id']}", {})[0] == 200

    status, err = org.call("DELETE", f"/resources/{res['id']}")
    assert status == 422 and err["error"]["field"] == "confirm"
    status, err = org.call("DELETE", f"/resources/{res['id']}?confirm=db")
    assert status == 409 and err["error"]["field"] == "deletion_protection"
    status, patched = org.call("PATCH", f"/resources/{res['id']}", {"deletion_protection": False})
    assert status == 202 and patched["status"] == "modifying"
    assert settle(ports, res["id"])["deletion_protection"] is False
    status, err = org.call("DELETE", f"/resources/{res['id']}?confirm=db")
    assert status == 409 and err["error"]["field"] == "resource"          # still linked: by whom, in words
    assert err["error"]["message"] == "db is linked by web (production), worker (production): unlink it first"
    assert err["error"]["resources"] == [{"type": "service", "id": s["id"], "name": s["name"]} for s in (web, worker)]
    assert org.call("DELETE", f"/services/{web['id']}/links/{res['id']}")[0] == 204
    status, err = org.call("DELETE", f"/resources/{res['id']}?confirm=db")
    assert status == 409 and err["error"]["message"] == "db is linked by worker (production): unlink it first"
    assert org.call("DELETE", f"/services/{worker['id']}/links/{res['id']}")[0] == 204

    status, gone = org.call("DELETE", f"/resources/{res['id']}?confirm=db")
    assert status == 202 and gone["status"] == "deleting"
    assert settle(ports, res["id"]) is None
    rds, ident = aws_after(ports, done, "rds"), done["aws"]["ident"]
    assert not [d for d in rds.describe_db_instances()["DBInstances"] if d["DBInstanceIdentifier"] == ident]
    snaps = [s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]]
    assert any(s.startswith(f"{ident}-final-") for s in snaps)
    sm = aws_after(ports, done, "secretsmanager")
    assert done["aws"]["secret_name"] not in {s["Name"] for s in sm.list_secrets()["SecretList"]}
    ec2 = aws_after(ports, done, "ec2")
    assert not ec2.describe_security_groups(Filters=[{"Name": "group-id",
                                                      "Values": [done["aws"]["security_group"]]}])["SecurityGroups"]
    assert org.call("GET", f"/resources/{res['id']}")[0] == 404
    actions = [e["action"] for e in org.call("GET", "/audit?limit=200")[1]["items"]]
    assert {"resource.create", "resource.available", "resource.modifying", "resource.deleting",
            "resource.deleted"} <= set(actions)


def aws_after(ports, doc: dict, service: str):
    return ports.cloud_for(doc["target"]).client(service)


def test_redis_and_bucket(make_org, ports):
    org = make_org()
    prj = org.project()
    assert org.call("POST", f"/projects/{prj['id']}/environments", {"name": "dev"})[0] == 201
    cache = create(org, name="cache", kind="redis", environment="dev")
    bucket = create(org, name="files", kind="bucket", environment="dev")
    assert cache["deletion_protection"] is False                    # not production
    cache, bucket = settle(ports, cache["id"]), settle(ports, bucket["id"])
    assert cache["status"] == bucket["status"] == "available"

    rg = aws(ports, cache, "elasticache").describe_replication_groups(
        ReplicationGroupId=cache["aws"]["ident"])["ReplicationGroups"][0]
    assert rg["AtRestEncryptionEnabled"] and rg["TransitEncryptionEnabled"] and rg["AuthTokenEnabled"]
    sm = aws(ports, cache, "secretsmanager")
    assert json.loads(sm.get_secret_value(SecretId=cache["aws"]["secret_arn"])["SecretString"])["url"].startswith("rediss://:")

    s3 = aws(ports, bucket, "s3")
    name = bucket["aws"]["ident"]
    enc = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"].values())

    # a bucket that holds objects is never emptied by Launchbay: the delete fails, in words, and nothing is lost
    s3.put_object(Bucket=name, Key="report.csv", Body=b"a,b\n")
    assert org.call("DELETE", f"/resources/{bucket['id']}?confirm=files")[0] == 202
    failed = settle(ports, bucket["id"])
    assert failed["status"] == "failed" and "still holds objects" in failed["last_error"]
    assert s3.get_object(Bucket=name, Key="report.csv")["Body"].read() == b"a,b\n"
    s3.delete_object(Bucket=name, Key="report.csv")
    assert org.call("DELETE", f"/resources/{bucket['id']}?confirm=files")[0] == 202
    assert settle(ports, bucket["id"]) is None
    assert name not in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_a_link_or_an_unlink_is_a_change_to_deploy(make_org, ports):
    """The service says it needs a deploy once a link changes (the UI shows "changes to deploy"),
    and no longer once a deploy gave the containers the variable."""
    org = make_org()
    web = org.service()
    assert org.deploy(ports, web)["status"] == "live"
    files = settle(ports, create(org, name="files", kind="bucket")["id"])
    needs = lambda: org.call("GET", f"/services/{web['id']}")[1]["needs_deploy"]  # noqa: E731
    assert needs() is False
    assert org.call("PUT", f"/services/{web['id']}/links/{files['id']}", {})[0] == 200
    assert needs() is True
    assert org.deploy(ports, web)["status"] == "live"
    assert needs() is False
    assert org.call("DELETE", f"/services/{web['id']}/links/{files['id']}")[0] == 204
    assert needs() is True


def test_resize_goes_through_modifying(make_org, ports):
    org = make_org()
    res = settle(ports, create(org, deletion_protection=False)["id"])
    status, err = org.call("PATCH", f"/resources/{res['id']}", {"storage_gb": 10})
    assert status == 422 and err["error"]["field"] == "storage_gb"
    status, err = org.call("PATCH", f"/resources/{res['id']}", {"size": "cache.t4g.micro"})
    assert status == 422 and err["error"]["field"] == "size" and "db.t4g.small" in err["error"]["message"]
    status, body = org.call("PATCH", f"/resources/{res['id']}", {"size": "db.t4g.small", "storage_gb": 50})
    assert status == 202 and body["status"] == "modifying"
    status, err = org.call("PATCH", f"/resources/{res['id']}", {"size": "db.t4g.medium"})
    assert status == 409                                             # one change at a time
    done = settle(ports, res["id"])
    assert (done["status"], done["size"], done["storage_gb"]) == ("available", "db.t4g.small", 50)
    db = aws(ports, res, "rds").describe_db_instances(DBInstanceIdentifier=done["aws"]["ident"])["DBInstances"][0]
    assert (db["DBInstanceClass"], db["AllocatedStorage"]) == ("db.t4g.small", 50)


def test_a_deploy_waits_for_a_linked_resource_being_created_and_fails_in_words_for_a_failed_one(make_org, ports):
    from chalicelib.deploys import engine as deploy_engine
    from chalicelib.lifecycle.resources import move_resource
    org = make_org()
    res = create(org, name="db2")          # still creating: nobody ran its task yet
    web = org.service()
    assert org.call("PUT", f"/services/{web['id']}/links/{res['id']}", {"variable": "PRIMARY_DB"})[0] == 200
    dep = org.queue_deployment(web)
    out = deploy_engine.run(ports, dep["id"], None, 0)
    while out.state == "later" and "waiting" not in out.detail:
        out = deploy_engine.run(ports, dep["id"], out.owner, out.seq)
    assert "PRIMARY_DB: the linked resource 'db2' is being created" in out.detail
    assert ports.store.collection("deployments").get(dep["id"])["status"] == "provisioning"
    assert settle(ports, res["id"])["status"] == "available"      # the database is ready: the deploy goes on
    while out.state == "later":       # the same chain goes on (it holds the service's lease)
        out = deploy_engine.run(ports, dep["id"], out.owner, out.seq)
    assert ports.store.collection("deployments").get(dep["id"])["status"] == "live"

    broken = create(org, name="db3")
    move_resource(ports, ports.store.collection("resources").get(broken["id"]), "failed", "InsufficientDBInstanceCapacity")
    other = org.service(name="api")
    assert org.call("PUT", f"/services/{other['id']}/links/{broken['id']}", {})[0] == 200
    failed = org.deploy(ports, other)
    assert failed["status"] == "failed" and "DATABASE_URL: the linked resource 'db3' is failed" in failed["error"]
    assert "InsufficientDBInstanceCapacity" in failed["error"]


def test_validation_and_isolation(make_org, ports):
    org, other = make_org(), make_org("Other")
    prj = org.project()
    for body, field in (({"name": "db", "kind": "redis", "storage_gb": 50}, "storage_gb"),
                        ({"name": "db", "kind": "postgres", "version": "9.6"}, "version"),
                        ({"name": "db", "kind": "bucket", "size": "db.t4g.micro"}, "size"),
                        ({"name": "DB", "kind": "postgres"}, "name"),
                        ({"name": "db", "kind": "oracle"}, "kind"),
                        ({"name": "db", "kind": "postgres", "environment": "nope"}, "environment")):
        status, err = org.call("POST", f"/projects/{prj['id']}/resources", body)
        assert status in (404, 422) and err["error"]["field"] == field, (body, err)
    res = create(org)
    assert org.call("POST", f"/projects/{prj['id']}/resources",
                                        {"name": "db", "kind": "postgres"})[0] == 409
    for method, path in (("GET", f"/resources/{res['id']}"), ("PATCH", f"/resources/{res['id']}"),
                         ("DELETE", f"/resources/{res['id']}?confirm=db")):
        status, _ = other.call(method, path, {"size": "db.t4g.small"} if method == "PATCH" else None)
        assert status == 404
    other_web = other.service()
    assert other.call("PUT", f"/services/{other_web['id']}/links/{res['id']}", {})[0] == 404


def test_a_real_worker_creates_it(make_org, ports, launchbay_env):
    worker = CeleryWorker(launchbay_env, ["deploys", "default"]).start()
    try:
        org = make_org()
        res = create(org, name="cache", kind="redis")
        coll = ports.store.collection("resources")
        done = wait_for(lambda: (d := coll.get(res["id"])) and d["status"] != "creating" and d, 60,
                        what="the resource task")
        assert done["status"] == "available", worker.output()[-3000:]
    finally:
        worker.stop()


# API operation -> IAM action where the two differ (S3 names its actions after what they do)
# API calls whose IAM action has another name (SQS authorizes a batch by its single action)
_IAM_ACTION_OF = {"s3:HeadBucket": "s3:ListBucket", "s3:ListObjectsV2": "s3:ListBucket",
               "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
               "s3:PutBucketEncryption": "s3:PutEncryptionConfiguration",
               "s3:PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
               "s3:DeleteObjects": "s3:DeleteObject", "firehose:PutRecordBatch": "firehose:PutRecord",
               "sqs:SendMessageBatch": "sqs:SendMessage", "sqs:DeleteMessageBatch": "sqs:DeleteMessage"}


def connected_and_recorded(make_org, ports):
    """An organization whose production deploys into a connected (sandbox demo) account, and the
    set of IAM actions (`service:Action`) every AWS call made there from now on adds to."""
    from chalicelib import wiring

    org = make_org()
    status, conn = org.call("POST", "/sandbox/aws-account")
    assert status == 201
    prj = org.project()["id"]
    assert org.call("PATCH", f"/projects/{prj}/environments/production", {"aws_account_id": conn["id"]})[0] == 200
    seen: set[str] = set()

    def record(model, **_):
        name = f"{model.service_model.signing_name}:{model.name}"
        seen.add(_IAM_ACTION_OF.get(name, name))

    wiring.reset_clients()
    ports.cloud_for({"aws_account_id": conn["id"], "region": "us-east-1"}).clients._get_session().events.register(
        "before-call", record)
    return org, conn, seen


def test_the_connection_policy_allows_every_resource_call(make_org, ports):
    """Create, resize, link, deploy and delete a database, a cache and a bucket through a connected
    (sandbox demo) account: every AWS call is one the published role policy allows."""
    from chalicelib.cloud import access

    org, conn, seen = connected_and_recorded(make_org, ports)
    made = [settle(ports, create(org, name=n, kind=k, deletion_protection=False)["id"])
            for n, k in (("db", "postgres"), ("cache", "redis"), ("files", "bucket"))]
    assert all(m["status"] == "available" and m["target"]["account"] == conn["account_id"] for m in made)
    assert org.call("PATCH", f"/resources/{made[0]['id']}", {"size": "db.t4g.small"})[0] == 202
    assert org.call("PATCH", f"/resources/{made[1]['id']}", {"size": "cache.t4g.small"})[0] == 202
    settle(ports, made[0]["id"]), settle(ports, made[1]["id"])
    for m in made:
        assert org.call("DELETE", f"/resources/{m['id']}?confirm={m['name']}")[0] == 202
        left = settle(ports, m["id"])
        assert left is None, (left["status"], left["last_error"])
    assert {"rds:CreateDBInstance", "elasticache:CreateReplicationGroup", "s3:CreateBucket",
            "secretsmanager:CreateSecret", "rds:DeleteDBInstance"} <= seen
    assert seen - access.allowed_actions() - {"sts:GetCallerIdentity"} == set()


def test_rotating_credentials_changes_the_connection_and_redeploys_linked_services(make_org, ports):
    org = make_org()
    res = settle(ports, create(org, deletion_protection=False)["id"])
    web = org.service()
    assert org.call("PUT", f"/services/{web['id']}/links/{res['id']}", {})[0] == 200
    first = org.deploy(ports, web)
    assert first["status"] == "live"
    sm = aws(ports, res, "secretsmanager")
    before = json.loads(sm.get_secret_value(SecretId=res["aws"]["secret_arn"])["SecretString"])["url"]

    status, body = org.call("POST", f"/resources/{res['id']}/rotate")
    assert status == 202 and body["status"] == "modifying" and "credential_next" not in json.dumps(body)
    assert org.call("POST", f"/resources/{res['id']}/rotate")[0] == 409          # one change at a time
    done = settle(ports, res["id"])
    assert done["status"] == "available" and done["reason"] == "credentials rotated"
    after = json.loads(sm.get_secret_value(SecretId=res["aws"]["secret_arn"])["SecretString"])["url"]
    assert after != before and after.split("@")[1] == before.split("@")[1]       # same host, new password
    # the linked service's release is restarted, as the person who asked, so new tasks read the new
    # secret (and nothing else of the service's pending changes goes out with them)
    deps = ports.store.collection("deployments").find({"service_id": web["id"]}, order="number", limit=10)[0]
    assert [d["number"] for d in deps] == [1, 2] and deps[1]["actor"] == org.owner["user"]["email"]
    assert deps[1]["restart_of"] == deps[0]["id"]
    actions = [e["action"] for e in org.call("GET", "/audit?limit=50")[1]["items"]]
    assert "resource.modifying" in actions and "resource.available" in actions

    bucket = settle(ports, create(org, name="files", kind="bucket")["id"])
    status, err = org.call("POST", f"/resources/{bucket['id']}/rotate")
    assert status == 422 and err["error"]["field"] == "resource"


def test_a_secret_and_a_link_never_share_a_variable(make_org, ports):
    """At deploy a link's connection replaces a secret of the same name: each refuses the other
    instead (the README's Compose walk once set DATABASE_URL by hand over the imported link)."""
    org = make_org()
    web = org.service()
    res = create(org)
    assert org.call("PUT", f"/services/{web['id']}/links/{res['id']}", {})[0] == 200
    status, err = org.call("PUT", f"/services/{web['id']}/secrets/DATABASE_URL", {"value": "postgres://x"})
    assert status == 409 and err["error"]["field"] == "name", err
    assert "linked resource 'db'" in err["error"]["message"]
    assert org.call("PUT", f"/services/{web['id']}/secrets/OTHER_URL", {"value": "x"})[0] == 200
    status, err = org.call("PUT", f"/services/{web['id']}/links/{res['id']}", {"variable": "OTHER_URL"})
    assert status == 409 and err["error"]["field"] == "variable" and "secret OTHER_URL" in err["error"]["message"]
    assert [lk["variable"] for lk in org.call("GET", f"/services/{web['id']}/links")[1]["items"]] == ["DATABASE_URL"]


def test_a_file_may_replace_a_secret_with_a_link_of_the_same_name(make_org, ports):
    org = make_org()
    prj = org.project()
    before = ("version: 1\nenvironments:\n  production:\n    resources:\n      db: {kind: postgres}\n"
              "    services:\n      web: {image: nginx, port: 80, secrets: [DATABASE_URL]}\n")
    assert org.call("POST", f"/projects/{prj['id']}/apply", {"files": {"launchbay.yaml": before}})[0] == 200
    [web] = org.call("GET", f"/projects/{prj['id']}/services")[1]["items"]
    assert org.call("PUT", f"/services/{web['id']}/secrets/DATABASE_URL", {"value": "postgres://old"})[0] == 200
    after = before.replace("secrets: [DATABASE_URL]", "links: {db: DATABASE_URL}")
    body = {"files": {"launchbay.yaml": after}}
    status, err = org.call("POST", f"/projects/{prj['id']}/apply", body)   # the secret would stay: refused
    assert status == 409 and "secret DATABASE_URL" in err["error"]["message"], err
    status, out = org.call("POST", f"/projects/{prj['id']}/apply", {**body, "allow_delete": True})
    assert status == 200, out
    assert [lk["variable"] for lk in org.call("GET", f"/services/{web['id']}/links")[1]["items"]] == ["DATABASE_URL"]
    assert org.call("GET", f"/services/{web['id']}/secrets")[1]["items"] == []


def test_the_plan_names_the_linked_resources_wait_for_what_it_is(make_org, ports):
    """The plan's `resources` step is the wait for linked databases, caches and buckets, by name:
    never a "rollout" (the rollout step is the ECS one)."""
    from chalicelib.lifecycle.resources import move_resource

    org = make_org()
    web = org.service()

    def resources_step():
        status, planned = org.call("GET", f"/services/{web['id']}/plan")
        assert status == 200, planned
        by_step = {s["step"]: s for s in planned["steps"]}
        assert by_step["rollout"]["resource"] == "rollout" and "ECS service" in by_step["rollout"]["description"]
        return by_step["resources"]

    nothing = resources_step()
    assert (nothing["resource"], nothing["name"], nothing["action"]) == ("linked resources", "", "skip")
    assert "links no database, cache, bucket or volume" in nothing["description"]

    res = create(org)                       # still creating: the deploy would wait for it
    assert org.call("PUT", f"/services/{web['id']}/links/{res['id']}", {})[0] == 200
    waiting = resources_step()
    assert (waiting["resource"], waiting["name"], waiting["action"]) == ("linked resources", "db", "wait")
    assert "DATABASE_URL: the linked resource 'db' is being created" in waiting["description"]
    assert "rollout" not in str(waiting)

    settle(ports, res["id"])
    ready = resources_step()
    assert (ready["name"], ready["action"]) == ("db", "no-op")
    assert ready["description"].startswith("db is available, nothing to wait for; the task reads DATABASE_URL")

    broken = create(org, name="cache", kind="redis")
    move_resource(ports, ports.store.collection("resources").get(broken["id"]), "failed", "InsufficientCacheClusterCapacity")
    assert org.call("PUT", f"/services/{web['id']}/links/{broken['id']}", {})[0] == 200
    failing = resources_step()              # the deploy would fail at this step: said before deploying
    assert (failing["resource"], failing["action"]) == ("linked resources", "error")
    assert "the linked resource 'cache' is failed (InsufficientCacheClusterCapacity)" in failing["error"]
