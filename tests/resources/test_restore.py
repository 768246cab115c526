"""A database restored to a point in time, against the moto sandbox: a new resource beside the
source, restored by RDS from the source's backups into its own subnet group and security group,
with the source's credentials in its own connection secret; with switch_links the source's links
move to it and the linked services redeploy onto it."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.resources.test_resources import aws, connected_and_recorded, create, settle
from tests.support.deploying import run_to_end

pytestmark = pytest.mark.services


def _url(ports, doc: dict) -> str:
    sm = ports.cloud_for(doc["target"]).client("secretsmanager")
    return json.loads(sm.get_secret_value(SecretId=doc["aws"]["secret_arn"])["SecretString"])["url"]


def test_a_restore_is_a_new_database_with_the_sources_credentials_and_takes_over_its_links(make_org, ports):
    org = make_org()
    db = settle(ports, create(org, name="db", version="15", storage_gb=50, backup_retention_days=7)["id"])
    web = org.service()
    assert org.call("PUT", f"/services/{web['id']}/links/{db['id']}", {})[0] == 200
    assert org.deploy(ports, web)["status"] == "live"

    status, span = org.call("GET", f"/resources/{db['id']}/restore-window")
    assert status == 200 and span["backup_retention_days"] == 7 and span["earliest"] <= span["latest"], span
    status, made = org.call("POST", f"/resources/{db['id']}/restore", {"name": "db-restored", "switch_links": True})
    assert status == 202, made
    assert (made["kind"], made["version"], made["storage_gb"], made["status"]) == ("postgres", "15", 50, "creating")
    assert made["restored_from"] == {"resource_id": db["id"], "name": "db", "to": None, "switch_links": True}

    done = settle(ports, made["id"])
    assert done["status"] == "available", done
    rds = aws(ports, db, "rds")
    new = rds.describe_db_instances(DBInstanceIdentifier=done["aws"]["ident"])["DBInstances"][0]
    assert new["DBSubnetGroup"]["DBSubnetGroupName"] == done["aws"]["ident"]
    assert [g["VpcSecurityGroupId"] for g in new["VpcSecurityGroups"]] == [done["aws"]["security_group"]]
    assert new["BackupRetentionPeriod"] == 7 and new["PubliclyAccessible"] is False
    # the same password (RDS keeps the source's), another host, in its own secret
    old_url, new_url = _url(ports, db), _url(ports, done)
    assert old_url.split("@")[0] == new_url.split("@")[0] and old_url.split("@")[1] != new_url.split("@")[1]
    assert done["aws"]["secret_arn"] != db["aws"]["secret_arn"]

    # its links moved, and the web service redeploys onto it
    (link,) = org.call("GET", f"/services/{web['id']}/links")[1]["items"]
    assert (link["resource_id"], link["variable"]) == (done["id"], "DATABASE_URL")
    deps = org.call("GET", f"/services/{web['id']}/deployments")[1]["items"]
    assert deps[0]["status"] == "queued", deps[0]
    dep = run_to_end(ports, deps[0]["id"])
    assert dep["status"] == "live", dep.get("error")
    ecs = ports.cloud_for(dep["target"]).client("ecs")
    (container,) = ecs.describe_task_definition(taskDefinition=dep["task_definition"])["taskDefinition"][
        "containerDefinitions"]
    assert {s["name"]: s["valueFrom"] for s in container["secrets"]}["DATABASE_URL"].startswith(done["aws"]["secret_arn"])
    assert org.call("GET", f"/resources/{db['id']}")[1]["status"] == "available"   # the source stays
    actions = {e["action"] for e in org.call("GET", "/audit?limit=100")[1]["items"]}
    assert {"resource.restore", "resource.links_switched"} <= actions


def test_a_restore_to_a_moment_in_the_window_and_what_is_refused(make_org, ports):
    org = make_org()
    db = settle(ports, create(org, name="db", deletion_protection=False)["id"])
    span = org.call("GET", f"/resources/{db['id']}/restore-window")[1]
    whole_second = span["latest"].split(".")[0].rstrip("Z") + "Z"   # inside the window, though it sorts after it as text
    status, made = org.call("POST", f"/resources/{db['id']}/restore", {"name": "db-at", "to": whole_second})
    assert status == 202 and made["restored_from"]["to"] == whole_second and made["restored_from"]["switch_links"] is False
    assert settle(ports, made["id"])["status"] == "available"
    assert org.call("GET", f"/services/{org.service()['id']}/links")[1]["items"] == []

    later = (dt.datetime.fromisoformat(span["latest"].replace("Z", "+00:00")) + dt.timedelta(hours=1)).isoformat()
    status, err = org.call("POST", f"/resources/{db['id']}/restore", {"name": "db-late", "to": later})
    assert status == 422 and err["error"]["field"] == "to" and "outside the restorable window" in err["error"]["message"]
    status, err = org.call("POST", f"/resources/{db['id']}/restore", {"name": "db-naive", "to": "2026-11-27T10:00:00"})
    assert status in (400, 422) and "to" in json.dumps(err["error"])          # a time without its zone
    status, err = org.call("POST", f"/resources/{db['id']}/restore", {"name": "db-at"})
    assert status == 409 and err["error"]["field"] == "name"                   # taken
    status, err = org.call("POST", f"/resources/{db['id']}/restore", {"name": "db-big", "size": "db.x1.huge"})
    assert status == 422 and err["error"]["field"] == "size"

    cache = settle(ports, create(org, name="cache", kind="redis", deletion_protection=False)["id"])
    status, err = org.call("POST", f"/resources/{cache['id']}/restore", {"name": "cache-2"})
    assert status == 422 and err["error"]["field"] == "resource" and "only a database" in err["error"]["message"]
    bare = settle(ports, create(org, name="nobackups", deletion_protection=False, backup_retention_days=0)["id"])
    status, err = org.call("GET", f"/resources/{bare['id']}/restore-window")
    assert status == 409 and err["error"]["field"] == "backup_retention_days"
    names = {r["name"] for r in org.call("GET", f"/projects/{db['project_id']}/resources")[1]["items"]}
    assert names == {"db", "db-at", "cache", "nobackups"}                     # nothing half-made by a refusal


def test_the_connection_policy_allows_a_restore(make_org, ports):
    from chalicelib.cloud import access

    org, _, seen = connected_and_recorded(make_org, ports)
    db = settle(ports, create(org, name="db", deletion_protection=False)["id"])
    assert org.call("GET", f"/resources/{db['id']}/restore-window")[0] == 200
    made = org.call("POST", f"/resources/{db['id']}/restore", {"name": "db-2"})[1]
    assert settle(ports, made["id"])["status"] == "available"
    assert "rds:RestoreDBInstanceToPointInTime" in seen
    assert seen - access.allowed_actions() - {"sts:GetCallerIdentity"} == set()


def test_a_restore_into_a_frozen_environment_moves_the_links_and_says_what_was_not_redeployed(make_org, ports):
    """The freeze refuses the linked services' new releases: the restored database is available
    all the same, its links moved, and its reason names each service left to deploy. It was the
    resource task failing ("a resource cannot go from available to failed") with nothing said; a
    rotation's redeploy failed the same way."""
    org = make_org()
    db = settle(ports, create(org, name="db", deletion_protection=False)["id"])
    web = org.service()
    assert org.call("PUT", f"/services/{web['id']}/links/{db['id']}", {})[0] == 200
    assert org.deploy(ports, web)["status"] == "live"
    prj = org.project()
    assert org.call("POST", f"/projects/{prj['id']}/environments/production/freeze", {"reason": "release week"})[0] == 200

    made = org.call("POST", f"/resources/{db['id']}/restore", {"name": "db-2", "switch_links": True})[1]
    done = settle(ports, made["id"])
    assert done["status"] == "available" and done["last_error"] is None, done
    assert done["reason"].startswith(f"postgres db-2 is available; not redeployed: {web['name']} (")
    assert "frozen" in done["reason"] and done["reason"].endswith("deploy them to apply it"), done["reason"]
    (link,) = org.call("GET", f"/services/{web['id']}/links")[1]["items"]
    assert link["resource_id"] == done["id"]                                     # the links moved all the same
    deps = org.call("GET", f"/services/{web['id']}/deployments")[1]["items"]
    assert [d["status"] for d in deps] == ["live"]                               # web runs its release as it was

    # new credentials get through the freeze: the old ones no longer work, and a restart of the live
    # release (which freezes let through) starts tasks that read the new ones, shipping nothing else
    assert org.call("POST", f"/resources/{done['id']}/rotate")[0] == 202
    rotated = settle(ports, done["id"])
    assert (rotated["status"], rotated["reason"], rotated["last_error"]) == ("available", "credentials rotated", None)
    deps = org.call("GET", f"/services/{web['id']}/deployments")[1]["items"]
    assert deps[0]["restart_of"] == deps[1]["id"] and deps[0]["status"] == "queued", deps[0]


def test_a_link_switch_a_killed_worker_left_is_finished_by_the_redelivered_task(make_org, ports):
    """The copy was marked available, then the worker died before moving the links: running the
    resource task again (as the redelivery does) moves them and redeploys, once."""
    from chalicelib.resources import engine

    org = make_org()
    db = settle(ports, create(org, name="db", deletion_protection=False)["id"])
    web = org.service()
    assert org.call("PUT", f"/services/{web['id']}/links/{db['id']}", {})[0] == 200
    assert org.deploy(ports, web)["status"] == "live"
    made = org.call("POST", f"/resources/{db['id']}/restore", {"name": "db-2", "switch_links": True})[1]
    import chalicelib.resources.restore as restore

    real = restore.finish
    restore.finish = lambda *_a, **_k: (_ for _ in ()).throw(SystemExit("the worker is killed"))
    try:
        with pytest.raises(SystemExit):
            settle(ports, made["id"])
    finally:
        restore.finish = real
    left = ports.store.collection("resources").get(made["id"])
    assert left["status"] == "available" and not left.get("links_done")
    assert org.call("GET", f"/services/{web['id']}/links")[1]["items"][0]["resource_id"] == db["id"]
    assert engine.run(ports, made["id"]).detail == "restored; redeployed 1 linked service(s)"
    assert org.call("GET", f"/services/{web['id']}/links")[1]["items"][0]["resource_id"] == made["id"]
    assert engine.run(ports, made["id"]).detail == "nothing to do (available)"     # once
    queued = [d for d in org.call("GET", f"/services/{web['id']}/deployments")[1]["items"] if d["status"] == "queued"]
    assert len(queued) == 1
