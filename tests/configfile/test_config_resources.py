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
