"""Managed resources in launchbay.yaml: plan shows create/resize/delete, apply goes through the
resources service (tasks driven in-process against the moto sandbox), export writes them back
and the plan of the export is empty; a protected resource's delete is refused with the reason."""
from __future__ import annotations

import pytest
import yaml

from tests.configfile.test_config_api import files, owner
from tests.resources.test_resources import settle

pytestmark = pytest.mark.services

SHOP = """\
version: 1
environments:
  production:
    resources:
      db: {kind: postgres, version: "15", storage_gb: 30}
      cache: {kind: redis}
    services:
      web:
        image: nginx:1.27
        port: 8080
        links: {db: DATABASE_URL, cache: CACHE_URL}
  staging:
    resources:
      db: {kind: mysql, backup_retention_days: 1}
      files: {kind: bucket}
    services:
      web:
        image: nginx:1.27
        port: 8080
        links: {db: DATABASE_URL, files: S3_BUCKET}
"""


def by(plan: dict, action: str, type_: str) -> dict:
    return {(c["environment"], c["name"]): c for c in plan["changes"] if c["action"] == action and c["type"] == type_}


def settle_all(ports, prj: str) -> list[dict]:
    docs = list(ports.store.collection("resources").find({"project_id": prj}, limit=100)[0])
    return [settle(ports, d["id"]) for d in docs]


def test_resources_and_links_round_trip_through_plan_apply_export(api, ports):
    a, org, prj = owner(api)
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(SHOP))
    assert status == 200, plan
    created = by(plan, "create", "resource")
    assert created[("production", "db")]["fields"] == {
        "kind": "postgres", "size": "db.t4g.micro", "version": "15", "storage_gb": 30, "backup_retention_days": 7,
        "deletion_protection": True}                                    # production: protected by default
    assert created[("staging", "files")]["fields"] == {"kind": "bucket", "deletion_protection": False}
    links = by(plan, "create", "link")
    assert links[("production", "web:cache")]["fields"] == {"service": "web", "resource": "cache",
                                                             "variable": "CACHE_URL"}
    assert len(links) == 4

    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(SHOP))
    assert status == 200 and len(out["applied"]) == len(plan["changes"]), out
    made = {(r["environment"], r["name"]): r for r in settle_all(ports, prj)}
    assert {r["status"] for r in made.values()} == {"available"}
    pg = made[("production", "db")]
    rds = ports.cloud_for(pg["target"]).client("rds")
    [inst] = rds.describe_db_instances(DBInstanceIdentifier=pg["aws"]["ident"])["DBInstances"]
    assert (inst["Engine"], inst["EngineVersion"], inst["AllocatedStorage"]) == ("postgres", "15", 30)
    web = a.call("GET", f"/orgs/{org}/projects/{prj}/services?environment=production")[1]["items"][0]
    got = {lk["resource"]: lk["variable"] for lk in a.call("GET", f"/orgs/{org}/services/{web['id']}/links")[1]["items"]}
    assert got == {"db": "DATABASE_URL", "cache": "CACHE_URL"}

    # the same file, and the export, plan nothing
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(SHOP))[1]["changes"] == []
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    prod = exported["document"]["environments"]["production"]
    assert prod["resources"]["db"] == {"kind": "postgres", "size": "db.t4g.micro", "version": "15", "storage_gb": 30,
                                       "backup_retention_days": 7, "deletion_protection": True}
    assert prod["services"]["web"]["links"] == {"cache": "CACHE_URL", "db": "DATABASE_URL"}
    again = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]
    assert again["changes"] == [], again["changes"]

    # resize, relink and delete: the plan says what a delete costs; deletes wait for allow_delete
    doc = yaml.safe_load(exported["yaml"])
    st = doc["environments"]["staging"]
    st["resources"]["db"]["size"] = "db.t4g.small"
    st["resources"].pop("files")
    st["services"]["web"]["links"] = {"db": "MYSQL_URL"}
    edited = yaml.safe_dump(doc)
    plan2 = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(edited))[1]
    assert by(plan2, "update", "resource")[("staging", "db")]["fields"] == {"size": ["db.t4g.micro", "db.t4g.small"]}
    assert by(plan2, "update", "link")[("staging", "web:db")]["fields"]["variable"] == ["DATABASE_URL", "MYSQL_URL"]
    gone = by(plan2, "delete", "resource")[("staging", "files")]
    assert "refused" not in gone["fields"] and "bucket" in gone["fields"]["deletes_data"]
    assert set(by(plan2, "delete", "link")) == {("staging", "web:files")}
    out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(edited))[1]
    assert {(c["type"], c["name"]) for c in out["skipped"]} == {("resource", "files"), ("link", "web:files")}
    out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", {**files(edited), "allow_delete": True})[1]
    assert {(c["type"], c["name"]) for c in out["applied"]} == {("resource", "files"), ("link", "web:files")}
    remaining = settle_all(ports, prj)
    assert None in remaining                                            # the bucket's document went with it
    assert {r["name"]: r["size"] for r in remaining if r and r["environment"] == "staging"} == {"db": "db.t4g.small"}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(edited))[1]["changes"] == []


def test_apply_refuses_to_delete_a_protected_resource_and_says_why(api, ports):
    a, org, prj = owner(api)
    one = "version: 1\nenvironments:\n  production:\n    resources:\n      db: {kind: postgres}\n"
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(one))[0] == 200
    [db] = settle_all(ports, prj)
    assert db["deletion_protection"] is True
    none = "version: 1\nenvironments:\n  production: {}\n"
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(none))[1]
    change = by(plan, "delete", "resource")[("production", "db")]
    assert "final snapshot" in change["fields"]["deletes_data"] and "deletion protection" in change["fields"]["refused"]
    assert any("will refuse" in w["message"] for w in plan["warnings"])
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", {**files(none), "allow_delete": True})
    assert status == 409 and err["error"]["field"] == "resources" and "'db' has deletion protection" in \
        err["error"]["message"], err
    assert ports.store.collection("resources").get(db["id"])["status"] == "available"   # nothing applied

    # protection off (applied as a change), then the delete goes through with its final snapshot
    off = one.replace("{kind: postgres}", "{kind: postgres, deletion_protection: false}")
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(off))[0] == 200
    assert settle(ports, db["id"])["deletion_protection"] is False
    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", {**files(none), "allow_delete": True})
    assert status == 200 and [c["name"] for c in out["applied"]] == ["db"], out
    assert settle(ports, db["id"]) is None
    rds = ports.cloud_for(db["target"]).client("rds")
    ident = db["aws"]["ident"]
    assert ident not in {d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]}
    assert any(s["DBSnapshotIdentifier"].startswith(f"{ident}-final-") for s in rds.describe_db_snapshots()["DBSnapshots"])


def test_resource_settings_a_kind_does_not_offer_are_a_422_naming_the_field(api):
    a, org, prj = owner(api)
    bad = "version: 1\nenvironments:\n  production:\n    resources:\n      db: {kind: postgres, version: '9'}\n"
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(bad))
    assert status == 422 and err["error"]["field"] == "environments.production.resources.db.version", err
    unknown = ("version: 1\nenvironments:\n  production:\n    services:\n      web:\n        image: nginx:1\n"
               "        links: {db: DATABASE_URL}\n")
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(unknown))
    assert status == 422 and "not a resource of this environment" in err["error"]["message"], err


def test_imports_make_resources_and_links_that_apply_creates(api, ports):
    """umami (Compose): postgres:15-alpine becomes resource db, version 15, and umami receives it
    as DATABASE_URL (the env value that named host db); webhookdb (Heroku): its add-ons become
    resources linked to every process; a mongo container is only a warning."""
    from tests.configfile.samples import sample

    a, org, prj = owner(api)
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", {"format": "compose",
                                                                       "files": sample("compose", "umami")})
    assert status == 200, plan
    assert by(plan, "create", "resource")[("production", "db")]["fields"]["version"] == "15"
    assert by(plan, "create", "link")[("production", "umami:db")]["fields"]["variable"] == "DATABASE_URL"
    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", {"format": "compose",
                                                                       "files": sample("compose", "umami")})
    assert status == 200, out
    [db] = settle_all(ports, prj)
    assert (db["name"], db["kind"], db["version"], db["status"]) == ("db", "postgres", "15", "available")
    umami = a.call("GET", f"/orgs/{org}/projects/{prj}/services")[1]["items"][0]
    assert "DATABASE_URL" not in (umami.get("env") or {})
    links = a.call("GET", f"/orgs/{org}/services/{umami['id']}/links")[1]["items"]
    assert [(lk["resource"], lk["variable"]) for lk in links] == [("db", "DATABASE_URL")]
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []

    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", {"format": "heroku",
                                                                       "files": sample("heroku", "webhookdb")})
    assert status == 200, plan
    made = by(plan, "create", "resource")
    assert made[("production", "redis")]["fields"]["kind"] == "redis"
    assert ("production", "db") not in made     # umami's db is there: the add-on's default version cannot replace 15
    assert any(w["key"] == "environments.production.resources.db.version" and "15 -> 16" in w["message"]
               for w in plan["warnings"]), plan["warnings"]
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", {"format": "compose",
                                                                       "files": sample("compose", "nginx-flask-mongo")})
    assert status == 200 and not by(plan, "create", "resource")
    assert any("no managed MongoDB" in w["message"] for w in plan["warnings"])


VOLUMES = """\
version: 1
environments:
  production:
    resources:
      uploads: {kind: volume}
      files: {kind: bucket}
    services:
      web:
        image: nginx:1.27
        port: 8080
        links: {uploads: /app/uploads/, files: "S3_BUCKET:ro"}
      jobs:
        kind: worker
        image: nginx:1.27
        links: {uploads: "MEDIA_ROOT=/srv/media:ro"}
"""


def links_of(a, org: str, prj: str, svc: str) -> dict:
    items = a.call("GET", f"/orgs/{org}/projects/{prj}/services?environment=production")[1]["items"]
    sid = next(s["id"] for s in items if s["name"] == svc)
    return {lk["resource"]: (lk["variable"], lk.get("path"), lk.get("read_only"))
            for lk in a.call("GET", f"/orgs/{org}/services/{sid}/links")[1]["items"]}


def test_volume_and_read_only_links_plan_apply_and_export_exactly(api, ports):
    """A volume's link is its mount path (its variable <NAME>_PATH unless named), `:ro` makes a
    volume or a bucket read-only: planned field by field, applied through resources.link, exported
    in the one spelling, and a changed path or access is an update of the link."""
    a, org, prj = owner(api)
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(VOLUMES))
    assert status == 200, plan
    assert by(plan, "create", "resource")[("production", "uploads")]["fields"] == {
        "kind": "volume", "deletion_protection": True}                 # no size, version, storage or backups
    links = {name: c["fields"] for (_, name), c in by(plan, "create", "link").items()}
    assert links == {
        "web:uploads": {"service": "web", "resource": "uploads", "variable": "UPLOADS_PATH", "path": "/app/uploads"},
        "web:files": {"service": "web", "resource": "files", "variable": "S3_BUCKET", "read_only": True},
        "jobs:uploads": {"service": "jobs", "resource": "uploads", "variable": "MEDIA_ROOT", "path": "/srv/media",
                         "read_only": True}}
    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(VOLUMES))
    assert status == 200 and len(out["applied"]) == len(plan["changes"]), out
    assert {r["status"] for r in settle_all(ports, prj)} == {"available"}
    assert links_of(a, org, prj, "web") == {"uploads": ("UPLOADS_PATH", "/app/uploads", False),
                                            "files": ("S3_BUCKET", None, True)}
    assert links_of(a, org, prj, "jobs") == {"uploads": ("MEDIA_ROOT", "/srv/media", True)}

    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(VOLUMES))[1]["changes"] == []   # /app/uploads/ too
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    prod = exported["document"]["environments"]["production"]
    assert prod["resources"]["uploads"] == {"kind": "volume", "deletion_protection": True}
    assert prod["services"]["web"]["links"] == {"files": "S3_BUCKET:ro", "uploads": "/app/uploads"}
    assert prod["services"]["jobs"]["links"] == {"uploads": "MEDIA_ROOT=/srv/media:ro"}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []

    # another path, read-only on or off, the default variable again: each an update naming what changes
    doc = yaml.safe_load(exported["yaml"])
    svcs = doc["environments"]["production"]["services"]
    svcs["web"]["links"] = {"uploads": "/data:ro", "files": "S3_BUCKET"}
    svcs["jobs"]["links"] = {"uploads": "/srv/media"}
    edited = yaml.safe_dump(doc)
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(edited))[1]
    updates = {name: c["fields"] for (_, name), c in by(plan, "update", "link").items()}
    assert updates == {
        "web:uploads": {"service": "web", "resource": "uploads", "path": ["/app/uploads", "/data"],
                        "read_only": [False, True]},
        "web:files": {"service": "web", "resource": "files", "read_only": [True, False]},
        "jobs:uploads": {"service": "jobs", "resource": "uploads", "variable": ["MEDIA_ROOT", "UPLOADS_PATH"],
                         "read_only": [True, False]}}
    fingerprint = ports.store.collection("services").find_one({"project_id": prj, "name": "web"})["config_hash"]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(edited))[0] == 200
    # the same variables, mounted elsewhere and read-only: a deploy is needed to apply it
    assert ports.store.collection("services").find_one({"project_id": prj, "name": "web"})["config_hash"] != fingerprint
    assert links_of(a, org, prj, "web") == {"uploads": ("UPLOADS_PATH", "/data", True),
                                            "files": ("S3_BUCKET", None, False)}
    assert links_of(a, org, prj, "jobs") == {"uploads": ("UPLOADS_PATH", "/srv/media", False)}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(edited))[1]["changes"] == []

    # another volume takes over /data in the same apply: the old link goes first
    doc["environments"]["production"]["resources"]["media"] = {"kind": "volume"}
    svcs["web"]["links"] = {"media": "/data", "files": "S3_BUCKET"}
    swapped = yaml.safe_dump(doc)
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(swapped))[1]
    assert by(plan, "delete", "link")[("production", "web:uploads")]["fields"] == {
        "service": "web", "resource": "uploads", "variable": "UPLOADS_PATH", "path": "/data", "read_only": True}
    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", {**files(swapped), "allow_delete": True})
    assert status == 200, out
    assert links_of(a, org, prj, "web") == {"media": ("MEDIA_PATH", "/data", False), "files": ("S3_BUCKET", None, False)}


def test_a_link_that_does_not_fit_its_resource_is_a_422_at_its_key(api, ports):
    a, org, prj = owner(api)
    head = ("version: 1\nenvironments:\n  production:\n    resources:\n      db: {kind: postgres}\n"
            "      uploads: {kind: volume}\n      cache: {kind: redis}\n    services:\n      web:\n"
            "        image: nginx:1.27\n        port: 8080\n        links:\n")
    key = "environments.production.services.web.links"
    for link, field, words in (
            ("db: /data", "db", "only a volume is mounted at a path; db is a postgres"),
            ("uploads: UPLOADS_PATH", "uploads", "uploads is a volume: give the path it is mounted at"),
            ("db: 'DATABASE_URL:ro'", "db", "a postgres link cannot be read-only"),
            ("uploads: /etc/app", "uploads", "/etc/app is a system folder"),
            ("uploads: /a/../b", "uploads", "no '.', '..'"),
            ("uploads: data", "uploads", "'data' is not a variable (DATABASE_URL), or for a volume the path"),
            ("cache: 'redis url'", "cache", "is not a variable (DATABASE_URL), or for a volume the path")):
        status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(head + f"          {link}\n"))
        assert status == 422 and err["error"]["field"] == f"{key}.{field}", (link, err)
        assert words in err["error"]["message"] and "launchbay.yaml:13:" in err["error"]["message"], err
    both = head + "          uploads: /data\n          cache: UPLOADS_PATH\n"     # the volume's variable, taken
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(both))
    assert status == 422 and "both give UPLOADS_PATH" in err["error"]["message"], err

    # the environment's kind counts: a bucket stays a bucket (plan warns), so a path for it is refused
    bucket = "version: 1\nenvironments:\n  production:\n    resources:\n      uploads: {kind: bucket}\n"
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(bucket))[0] == 200
    volume = bucket.replace("{kind: bucket}", "{kind: volume}") + (
        "    services:\n      web:\n        image: nginx:1.27\n        port: 8080\n        links: {uploads: /data}\n")
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(volume))
    assert status == 422 and err["error"]["field"] == f"{key}.uploads", err
    assert "uploads is a bucket in production" in err["error"]["message"], err


def test_a_compose_import_with_named_volumes_plans_and_applies_them(api, ports):
    from tests.configfile.samples import FIXTURES, read_case

    a, org, prj = owner(api)
    body = {"format": "compose", "files": read_case(FIXTURES / "compose/volumes")}
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", body)
    assert status == 200, plan
    assert {n for (_, n), c in by(plan, "create", "resource").items() if c["fields"]["kind"] == "volume"} == {
        "media", "app-data", "db-volume"}
    assert by(plan, "create", "link")[("production", "worker:app-data")]["fields"] == {
        "service": "worker", "resource": "app-data", "variable": "APP_DATA_MOUNT_PATH", "path": "/var/lib/app",
        "read_only": True}
    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", body)
    assert status == 200, out
    assert links_of(a, org, prj, "worker")["media"] == ("MEDIA_PATH", "/srv/media", True)
    assert links_of(a, org, prj, "web") == {"media": ("MEDIA_PATH", "/srv/media", False)}
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []


QUEUES = """\
version: 1
environments:
  production:
    resources:
      jobs: {kind: queue, visibility_timeout_seconds: 120, retention_days: 7, max_receives: 3}
      orders: {kind: queue, fifo: true, deletion_protection: false}
    services:
      web:
        image: nginx:1.27
        port: 8080
        links: {jobs: "JOBS_QUEUE_URL:send", orders: ORDERS_QUEUE_URL}
      worker:
        kind: worker
        image: nginx:1.27
        min_instances: 1
        max_instances: 6
        autoscaling: {queue: {name: jobs, messages_per_task: 50}}
        links: {jobs: JOBS_QUEUE_URL}
"""


def queue_links(a, org: str, prj: str, svc: str) -> dict:
    items = a.call("GET", f"/orgs/{org}/projects/{prj}/services?environment=production")[1]["items"]
    sid = next(s["id"] for s in items if s["name"] == svc)
    return {lk["resource"]: (lk["variable"], lk.get("send_only"))
            for lk in a.call("GET", f"/orgs/{org}/services/{sid}/links")[1]["items"]}


def test_queues_send_only_links_and_queue_scaling_plan_apply_and_export_exactly(api, ports):
    """A queue's settings (its FIFO order, timings and receives), a send-only link (`:send`) and a
    worker scaling on the queue's backlog: planned, applied through the resources and services
    domain, exported in the same spelling, and the export's plan is empty; a change of timings,
    access or backlog target is an update naming each; FIFO cannot change in place."""
    a, org, prj = owner(api)
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(QUEUES))
    assert status == 200, plan
    made = by(plan, "create", "resource")
    assert made[("production", "jobs")]["fields"] == {
        "kind": "queue", "deletion_protection": True, "fifo": False, "visibility_timeout_seconds": 120,
        "retention_days": 7, "max_receives": 3}
    assert made[("production", "orders")]["fields"] == {
        "kind": "queue", "deletion_protection": False, "fifo": True, "visibility_timeout_seconds": 60,
        "retention_days": 4, "max_receives": 5}                           # the API's defaults
    links = {name: c["fields"] for (_, name), c in by(plan, "create", "link").items()}
    assert links == {
        "web:jobs": {"service": "web", "resource": "jobs", "variable": "JOBS_QUEUE_URL", "send_only": True},
        "web:orders": {"service": "web", "resource": "orders", "variable": "ORDERS_QUEUE_URL"},
        "worker:jobs": {"service": "worker", "resource": "jobs", "variable": "JOBS_QUEUE_URL"}}
    worker = by(plan, "create", "service")[("production", "worker")]["fields"]
    assert worker["autoscaling"]["queue"] == {"name": "jobs", "messages_per_task": 50}

    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(QUEUES))
    assert status == 200 and len(out["applied"]) == len(plan["changes"]), out
    settled = {r["name"]: r for r in settle_all(ports, prj)}
    assert {r["status"] for r in settled.values()} == {"available"}
    assert settled["orders"]["aws"]["address"].endswith(".fifo")
    sqs = ports.cloud_for(settled["jobs"]["target"]).client("sqs")
    attrs = sqs.get_queue_attributes(QueueUrl=settled["jobs"]["aws"]["address"], AttributeNames=["All"])["Attributes"]
    assert (attrs["VisibilityTimeout"], attrs["MessageRetentionPeriod"]) == ("120", str(7 * 86400))
    assert queue_links(a, org, prj, "web") == {"jobs": ("JOBS_QUEUE_URL", True), "orders": ("ORDERS_QUEUE_URL", False)}
    assert queue_links(a, org, prj, "worker") == {"jobs": ("JOBS_QUEUE_URL", False)}

    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(QUEUES))[1]["changes"] == []
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    prod = exported["document"]["environments"]["production"]
    assert prod["resources"]["jobs"] == {"kind": "queue", "fifo": False, "visibility_timeout_seconds": 120,
                                         "retention_days": 7, "max_receives": 3, "deletion_protection": True}
    assert prod["resources"]["orders"]["fifo"] is True
    assert prod["services"]["web"]["links"] == {"jobs": "JOBS_QUEUE_URL:send", "orders": "ORDERS_QUEUE_URL"}
    assert prod["services"]["worker"]["links"] == {"jobs": "JOBS_QUEUE_URL"}
    assert prod["services"]["worker"]["autoscaling"]["queue"] == {"name": "jobs", "messages_per_task": 50}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []

    # other timings, the web service sending and receiving, another backlog target, a FIFO order asked for
    doc = yaml.safe_load(exported["yaml"])
    prod = doc["environments"]["production"]
    prod["resources"]["jobs"].update(visibility_timeout_seconds=300, max_receives=10, fifo=True)
    prod["services"]["web"]["links"]["jobs"] = "JOBS_QUEUE_URL"
    prod["services"]["worker"]["autoscaling"]["queue"]["messages_per_task"] = 200
    edited = yaml.safe_dump(doc)
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(edited))[1]
    assert by(plan, "update", "resource")[("production", "jobs")]["fields"] == {
        "visibility_timeout_seconds": [120, 300], "max_receives": [3, 10]}
    assert by(plan, "update", "link")[("production", "web:jobs")]["fields"] == {
        "service": "web", "resource": "jobs", "send_only": [True, False]}
    old, new = by(plan, "update", "service")[("production", "worker")]["fields"]["autoscaling"]
    assert (old["queue"]["messages_per_task"], new["queue"]["messages_per_task"]) == (50, 200)
    (fifo,) = [w for w in plan["warnings"] if w["key"].endswith("jobs.fifo")]
    assert "cannot change its FIFO order in place (False -> True)" in fifo["message"]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(edited))[0] == 200
    jobs = settle(ports, settled["jobs"]["id"])
    assert (jobs["visibility_timeout_seconds"], jobs["max_receives"], jobs["fifo"]) == (300, 10, False)
    assert queue_links(a, org, prj, "web")["jobs"] == ("JOBS_QUEUE_URL", False)
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(edited))[1]["changes"] == []

    # the worker scales on CPU only again: the queue's target goes, and the export plans nothing
    del prod["services"]["worker"]["autoscaling"]["queue"]
    cpu_only = yaml.safe_dump(doc)
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(cpu_only))[1]
    assert [c["name"] for c in plan["changes"]] == ["worker"]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(cpu_only))[0] == 200
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    assert "queue" not in (exported["document"]["environments"]["production"]["services"]["worker"].get("autoscaling")
                           or {})
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []


def test_a_queue_scaled_on_after_the_api_removed_it_exports_exactly(api, ports):
    """`launchbay services update --no-scale-on-queue` stores the queue as null: the export leaves
    it out and its plan is empty."""
    a, org, prj = owner(api)
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(QUEUES))[0] == 200
    settle_all(ports, prj)
    items = a.call("GET", f"/orgs/{org}/projects/{prj}/services?environment=production")[1]["items"]
    sid = next(s["id"] for s in items if s["name"] == "worker")
    status, patched = a.call("PATCH", f"/orgs/{org}/services/{sid}", {"autoscaling": {"queue": None}})
    assert status == 200 and patched["autoscaling"].get("queue") is None, patched
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    worker = exported["document"]["environments"]["production"]["services"]["worker"]
    assert worker["autoscaling"] == {"cpu_target": 60.0}, worker
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []


def test_queue_settings_and_links_that_do_not_fit_are_a_422_at_their_key(api, ports):
    a, org, prj = owner(api)
    head = ("version: 1\nenvironments:\n  production:\n    resources:\n      jobs: {kind: queue}\n"
            "      files: {kind: bucket}\n    services:\n      web:\n        image: nginx:1.27\n"
            "        port: 8080\n")
    key = "environments.production.services.web"
    for tail, field, words in (
            ("        links: {files: 'S3_BUCKET:send'}\n", f"{key}.links.files",
             "only a queue link can be send-only (:send); files is a bucket"),
            ("        links: {jobs: 'JOBS_QUEUE_URL:ro'}\n", f"{key}.links.jobs",
             "a queue link cannot be read-only (:ro); it may be send-only (jobs: JOBS_QUEUE_URL:send)"),
            ("        links: {jobs: /data}\n", f"{key}.links.jobs",
             "only a volume is mounted at a path; jobs is a queue: give the variable it arrives in (e.g. "
             "JOBS_QUEUE_URL)"),
            ("        links: {jobs: '/data:send'}\n", f"{key}.links.jobs", ":send is for a queue's variable"),
            ("        autoscaling: {queue: {name: jobs}}\n", f"{key}.autoscaling.queue.name",
             "web does not link jobs: add it to links (jobs: JOBS_QUEUE_URL) to scale on its backlog"),
            ("        autoscaling: {queue: {name: files}}\n        links: {files: S3_BUCKET}\n",
             f"{key}.autoscaling.queue.name", "files is a bucket, not a queue"),
            ("        autoscaling: {queue: {name: nope}}\n", f"{key}.autoscaling.queue.name",
             "nope is not a resource of this environment"),
            ("        autoscaling: {queue: {name: jobs, messages_per_task: 0}}\n        links: {jobs: X}\n",
             f"{key}.autoscaling.queue.messages_per_task", "greater than or equal to 1")):
        status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(head + tail))
        assert status == 422 and err["error"]["field"] == field, (tail, err)
        assert words in err["error"]["message"] and "launchbay.yaml:" in err["error"]["message"], (tail, err)
    for setting, field in (("fifo: true", "fifo"), ("max_receives: 3", "max_receives")):
        text = head.replace("files: {kind: bucket}", f"files: {{kind: bucket, {setting}}}")
        status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(text))
        assert status == 422 and err["error"]["field"] == f"environments.production.resources.files.{field}", err
        assert f"only a queue has {field}" in err["error"]["message"], err
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan",
                         files(head.replace("{kind: queue}", "{kind: queue, retention_days: 15}")))
    assert status == 422 and err["error"]["field"] == "environments.production.resources.jobs.retention_days", err

    # a bucket in the environment stays a bucket: the file's queue settings for it are not planned
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(head))[0] == 200
    settle_all(ports, prj)
    other = head.replace("files: {kind: bucket}", "files: {kind: queue, max_receives: 3}")
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(other))[1]
    assert plan["changes"] == [] and any("cannot change kind in place" in w["message"] for w in plan["warnings"])


def test_a_copilot_worker_service_import_plans_and_applies_its_queue(api, ports):
    """A Worker Service's queue, its send-only link to the publisher and the worker's backlog scaling
    go through plan and apply like any file; the export plans nothing."""
    from tests.configfile.samples import FIXTURES, read_case

    a, org, prj = owner(api)
    body = {"format": "copilot", "files": read_case(FIXTURES / "copilot-worker")}
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", body)
    assert status == 200, plan
    assert by(plan, "create", "resource")[("prod", "orders-worker-queue")]["fields"] == {
        "kind": "queue", "deletion_protection": True, "fifo": True, "visibility_timeout_seconds": 45,
        "retention_days": 2, "max_receives": 10}
    links = by(plan, "create", "link")
    assert links[("test", "orders:orders-worker-queue")]["fields"] == {
        "service": "orders", "resource": "orders-worker-queue", "variable": "ORDERS_WORKER_QUEUE_URL",
        "send_only": True}
    assert links[("test", "orders-worker:orders-worker-queue")]["fields"]["variable"] == "COPILOT_QUEUE_URI"
    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", body)
    assert status == 200, out
    assert {r["status"] for r in settle_all(ports, prj)} == {"available"}
    items = a.call("GET", f"/orgs/{org}/projects/{prj}/services?environment=test")[1]["items"]
    worker = next(s for s in items if s["name"] == "orders-worker")
    assert worker["autoscaling"]["queue"] == {"name": "orders-worker-queue", "messages_per_task": 2400}
    orders = next(s for s in items if s["name"] == "orders")
    (link,) = a.call("GET", f"/orgs/{org}/services/{orders['id']}/links")[1]["items"]
    assert (link["resource"], link["variable"], link["send_only"]) == ("orders-worker-queue",
                                                                        "ORDERS_WORKER_QUEUE_URL", True)
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []
