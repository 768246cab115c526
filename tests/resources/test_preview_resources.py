"""A preview (a pull request's clone of an environment) gets new resources of the smallest size,
empty, unprotected and without backups, linked to its services as the originals are; closing
the preview deletes them with the environment (its teardown), and the base's stay untouched."""
from __future__ import annotations

import pytest

from chalicelib.deploys import env_teardown
from tests.hooks.conftest import hooked, process  # noqa: F401  (the fixture, shared with the hook tests)
from tests.hooks.test_previews import _open, _pr
from tests.resources.test_resources import settle

pytestmark = pytest.mark.services


def _instances(ports, target) -> dict[str, dict]:
    return {d["DBInstanceIdentifier"]: d for d in ports.cloud_for(target).client("rds").describe_db_instances()[
        "DBInstances"]}


def test_a_preview_gets_small_empty_copies_linked_alike_and_closing_deletes_them(hooked, ports):  # noqa: F811
    org, prj = hooked.org, hooked.project["id"]
    base = {}
    for body in ({"name": "db", "kind": "postgres", "size": "db.t4g.medium", "version": "15", "storage_gb": 50,
                  "backup_retention_days": 14},
                 {"name": "cache", "kind": "redis", "size": "cache.t4g.small"},
                 {"name": "files", "kind": "bucket"},
                 {"name": "orders", "kind": "queue", "fifo": True, "visibility_timeout_seconds": 120, "max_receives": 3}):
        status, res = org.call("POST", f"/projects/{prj}/resources", body)
        assert status == 202, res
        base[body["name"]] = settle(ports, res["id"])
    assert base["db"]["deletion_protection"] is True                   # production: protected
    web = hooked.web
    assert org.call("PUT", f"/services/{web['id']}/links/{base['db']['id']}", {"variable": "PRIMARY_DB"})[0] == 200
    assert org.call("PUT", f"/services/{web['id']}/links/{base['cache']['id']}", {})[0] == 200
    assert org.call("PUT", f"/services/{web['id']}/links/{base['orders']['id']}", {"send_only": True})[0] == 200

    result = _open(hooked)
    assert result.get("preview") == "pr-2", result
    status, listed = org.call("GET", f"/projects/{prj}/resources?environment=pr-2")
    copies = {r["name"]: r for r in listed["items"]}
    assert set(copies) == {"db", "cache", "files", "orders"}
    # a queue keeps its order and timings (the preview's code relies on them), empty
    assert {k: copies["orders"][k] for k in ("fifo", "visibility_timeout_seconds", "max_receives", "retention_days")} \
        == {"fifo": True, "visibility_timeout_seconds": 120, "max_receives": 3, "retention_days": 4}
    assert {k: copies["db"][k] for k in ("size", "version", "storage_gb", "backup_retention_days",
                                          "deletion_protection")} == {
        "size": "db.t4g.micro", "version": "15", "storage_gb": 20, "backup_retention_days": 0,
        "deletion_protection": False}
    assert (copies["cache"]["size"], copies["cache"]["backup_retention_days"]) == ("cache.t4g.micro", 0)
    assert copies["files"]["deletion_protection"] is False and copies["files"]["id"] != base["files"]["id"]
    preview_web = next(s for s in org.call("GET", f"/projects/{prj}/services?environment=pr-2")[1]["items"]
                       if s["name"] == "web")
    listed_links = org.call("GET", f"/services/{preview_web['id']}/links")[1]["items"]
    links = {lk["resource_id"]: lk["variable"] for lk in listed_links}
    assert links == {copies["db"]["id"]: "PRIMARY_DB", copies["cache"]["id"]: "REDIS_URL",
                     copies["orders"]["id"]: "ORDERS_QUEUE_URL"}
    assert next(lk for lk in listed_links if lk["resource"] == "orders")["send_only"] is True

    made = {name: settle(ports, r["id"]) for name, r in copies.items()}
    assert {r["status"] for r in made.values()} == {"available"}
    target = made["db"]["target"]
    db = _instances(ports, target)[made["db"]["aws"]["ident"]]
    assert (db["DBInstanceClass"], db["AllocatedStorage"], db["BackupRetentionPeriod"], db["DeletionProtection"]) == \
        ("db.t4g.micro", 20, 0, False)
    assert made["files"]["aws"]["ident"] != base["files"]["aws"]["ident"]        # a new, empty bucket
    assert made["orders"]["aws"]["address"] != base["orders"]["aws"]["address"]   # a queue of its own
    assert made["orders"]["aws"]["address"].endswith(".fifo")
    s3 = ports.cloud_for(target).client("s3")
    assert s3.list_objects_v2(Bucket=made["files"]["aws"]["ident"]).get("KeyCount") == 0

    # closing the pull request: services torn down, then the environment takes its resources
    status, out = hooked.deliver("pull_request", _pr("closed"))
    assert status == 202 and process(out["id"])["removed"]
    from worker.tasks.deploys import teardown_service

    for svc in org.call("GET", f"/projects/{prj}/services?environment=pr-2")[1]["items"]:
        assert teardown_service(svc["id"]) == "deleted"
    env = ports.store.collection("environments").get(result["environment_id"])
    assert env is not None and env["status"] == "deleting"             # it waits for its resources
    with pytest.raises(env_teardown.ResourcesRemain):
        env_teardown.run(ports, env["id"])
    for r in made.values():
        assert settle(ports, r["id"]) is None
    assert env_teardown.run(ports, env["id"]).startswith("deleted")
    assert org.call("GET", f"/projects/{prj}/environments/pr-2")[0] == 404
    instances = _instances(ports, target)
    assert made["db"]["aws"]["ident"] not in instances and base["db"]["aws"]["ident"] in instances
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert made["files"]["aws"]["ident"] not in buckets and base["files"]["aws"]["ident"] in buckets
    assert {r["status"] for r in org.call("GET", f"/projects/{prj}/resources")[1]["items"]} == {"available"}


def test_real_workers_delete_an_environment_with_its_resources(make_org, ports, launchbay_env):
    """The teardown asks each resource's task to delete it and waits; the last one's task wakes
    the teardown, which then removes the environment (real Celery workers, no in-process help)."""
    from tests.support.processes import CeleryWorker, wait_for

    org = make_org()
    prj = org.project()["id"]
    assert org.call("POST", f"/projects/{prj}/environments", {"name": "staging"})[0] == 201
    worker = CeleryWorker(launchbay_env, ["deploys", "default"]).start()
    try:
        made = []
        for body in ({"name": "db", "kind": "postgres"}, {"name": "files", "kind": "bucket"}):
            status, res = org.call("POST", f"/projects/{prj}/resources", {**body, "environment": "staging"})
            assert status == 202, res
            made.append(res)
        coll = ports.store.collection("resources")
        wait_for(lambda: all((coll.get(r["id"]) or {}).get("status") == "available" for r in made), 60,
                 what="the resources' creation")
        docs = [coll.get(r["id"]) for r in made]
        status, env = org.call("DELETE", f"/projects/{prj}/environments/staging")
        assert status == 202 and env["status"] == "deleting", env
        wait_for(lambda: ports.store.collection("environments").get(env["id"]) is None, 90,
                 what="the environment's teardown")
    finally:
        worker.stop()
    assert all(coll.get(r["id"]) is None for r in made)
    target = docs[0]["target"]
    assert docs[0]["aws"]["ident"] not in _instances(ports, target)
    buckets = {b["Name"] for b in ports.cloud_for(target).client("s3").list_buckets()["Buckets"]}
    assert docs[1]["aws"]["ident"] not in buckets
