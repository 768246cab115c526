"""`launchbay resources` through the real CLI, the real API and a real Celery worker that
creates, resizes and deletes the resources in the moto sandbox."""
from __future__ import annotations

import json

import pytest

from tests.support.processes import CeleryWorker


@pytest.fixture
def worker(launchbay_env):
    w = CeleryWorker(launchbay_env, ["deploys", "default"], name="resources").start()
    yield w
    w.stop()


def test_create_wait_link_resize_unlink_delete(cli, account, worker):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    made = cli("resources", "create", "db", "--kind", "postgres", "--version", "16", "--storage-gb", "30",
               "--backups", "3", "--wait", "--timeout", "90", "--interval", "0.3", ok=None)
    assert made.exit_code == 0, made.stdout + made.stderr + worker.output()[-3000:]
    assert "Creating postgres db in production (res_" in made.stdout
    assert "db: creating" in made.stdout and "db is available" in made.stdout      # the progress, then the outcome

    (db,) = cli("resources", "--json").json()["items"]
    assert (db["name"], db["kind"], db["version"], db["storage_gb"], db["backup_retention_days"], db["status"]) == \
        ("db", "postgres", "16", 30, 3, "available")
    assert db["deletion_protection"] is True                                          # production's default
    table = cli("resources", "list").stdout
    assert "NAME" in table and "db" in table and "postgres" in table and "available" in table
    shown = cli("resources", "show", "db").stdout
    assert "endpoint.address" in shown and "db.t4g.micro" in shown
    assert cli("resources", "show", db["id"], "--json").json()["name"] == "db"         # by id too

    # a bucket, as JSON, without waiting: stdout is the resource and nothing else
    bucket = cli("resources", "create", "uploads", "--kind", "bucket", "--no-protect", "--json").json()
    assert bucket["kind"] == "bucket" and bucket["status"] == "creating" and bucket["deletion_protection"] is False

    linked = cli("resources", "link", "db", "-s", "web").stdout
    assert "Linked db to web as DATABASE_URL" in linked
    other = cli("resources", "link", "uploads", "-s", "web", "--variable", "MEDIA_BUCKET", "--json").json()
    assert other["variable"] == "MEDIA_BUCKET"
    links = cli("resources", "links", "-s", "web", "--json").json()["items"]
    assert {(l["resource"], l["variable"]) for l in links} == {("db", "DATABASE_URL"), ("uploads", "MEDIA_BUCKET")}

    resized = cli("resources", "resize", "db", "--size", "db.t4g.small", "--no-protect", "--wait", "--timeout", "90",
                  "--interval", "0.3", "--json", ok=None)
    assert resized.exit_code == 0, resized.stderr + worker.output()[-3000:]
    after = resized.json()
    assert after["size"] == "db.t4g.small" and after["status"] == "available" and after["deletion_protection"] is False
    rotated = cli("resources", "rotate", "db", "--wait", "--timeout", "90", "--interval", "0.3", "--json", ok=None)
    assert rotated.exit_code == 0 and rotated.json()["reason"] == "credentials rotated", rotated.stderr

    # delete: refused while web links it (the API's 409, exit 1), then after unlinking
    busy = cli("resources", "delete", "db", "--confirm", "db", ok=False)
    assert busy.exit_code == 1 and "db is linked by web (production): unlink it first" in busy.stderr
    cli("resources", "unlink", "db", "-s", "web")
    assert [l["resource"] for l in cli("resources", "links", "-s", "web", "--json").json()["items"]] == ["uploads"]
    gone = cli("resources", "delete", "db", "--confirm", "db", "--wait", "--timeout", "90", "--interval", "0.3",
               ok=None)
    assert gone.exit_code == 0, gone.stdout + gone.stderr + worker.output()[-3000:]
    assert "db: deleting" in gone.stdout and "Deleted db" in gone.stdout
    assert [r["name"] for r in cli("resources", "--json").json()["items"]] == ["uploads"]


def test_resource_usage_and_api_errors(cli, account):
    bad_kind = cli("resources", "create", "db", "--kind", "mongo", ok=False)
    assert bad_kind.exit_code == 1 and "postgres, mysql, redis, bucket or volume" in bad_kind.stderr
    bad_size = cli("resources", "create", "db", "--kind", "postgres", "--size", "huge", "--json", ok=False)
    err = json.loads(bad_size.stderr)["error"]
    assert bad_size.exit_code == 1 and bad_size.stdout == "" and err["field"] == "size" and "db.t4g.micro" in err["message"]
    no_storage = cli("resources", "create", "cache", "--kind", "redis", "--storage-gb", "50", ok=False)
    assert no_storage.exit_code == 1 and "storage_gb" in no_storage.stderr

    cli("resources", "create", "cache", "--kind", "redis", "--env", "production")
    twice = cli("resources", "create", "cache", "--kind", "redis", ok=False)
    assert twice.exit_code == 1 and "already exists" in twice.stderr
    assert cli("resources", "list", "--env", "production", "--json").json()["items"][0]["name"] == "cache"
    # protected (production's default): the CLI says the command that turns it off, not a PATCH
    protected = cli("resources", "delete", "cache", "--confirm", "cache", ok=False)
    assert protected.exit_code == 1 and "launchbay resources resize cache --no-protect" in protected.stderr, protected.stderr
    err = json.loads(cli("resources", "delete", "cache", "--confirm", "cache", "--json", ok=False).stderr)["error"]
    assert err["field"] == "deletion_protection" and err["status"] == 409
    missing = cli("resources", "show", "nope", ok=False)
    assert missing.exit_code == 1 and "no resource 'nope' (known: cache)" in missing.stderr
    nothing = cli("resources", "resize", "cache", ok=False)
    assert nothing.exit_code == 1 and "nothing to change" in nothing.stderr
    # deleting needs the name typed again: not given (and no terminal to ask on), or a wrong one
    unconfirmed = cli("resources", "delete", "cache", ok=False)
    assert unconfirmed.exit_code == 1 and "--confirm cache" in unconfirmed.stderr
    wrong = cli("resources", "delete", "cache", "--confirm", "db", ok=False)
    assert wrong.exit_code == 1 and "nothing was deleted" in wrong.stderr
    protected = cli("resources", "delete", "cache", "--confirm", "cache", "--json", ok=False)
    assert json.loads(protected.stderr)["error"]["field"] == "deletion_protection"
    assert cli("resources", "show", "cache", "--json").json()["status"] == "creating"   # nothing was deleted
    unlinked = cli("resources", "unlink", "cache", "-s", "web", ok=False)
    assert unlinked.exit_code == 1 and "no service 'web'" in unlinked.stderr


def test_delete_asks_for_the_name_on_a_terminal(cli, account, monkeypatch):
    import typer.testing

    cli("resources", "create", "uploads", "--kind", "bucket", "--no-protect")
    monkeypatch.setattr(typer.testing._NamedTextIOWrapper, "isatty", lambda self: True)   # the runner's stdin: a TTY
    wrong = cli("resources", "delete", "uploads", input="uploadz\n", ok=False)
    assert wrong.exit_code == 1 and "Type its name to go on" in wrong.stderr and "nothing was deleted" in wrong.stderr
    assert cli("resources", "show", "uploads", "--json").json()["status"] == "creating"
    asked = cli("resources", "delete", "uploads", input="uploads\n")
    assert "deletes its data" in asked.stderr and "uploads: deleting" in asked.stdout
    assert cli("resources", "show", "uploads", "--json").json()["status"] == "deleting"


def test_the_readme_walk_unsets_the_database_url_secret_before_linking(cli, account):
    """The README's CLI walk sets a DATABASE_URL secret on web, then links db to web: the link
    is refused while the secret exists (exit 1, saying why), and works once it is unset."""
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    cli("secrets", "set", "DATABASE_URL", "-s", "web", input="postgres://...")
    cli("resources", "create", "db", "--kind", "postgres")
    refused = cli("resources", "link", "db", "-s", "web", ok=False)
    assert refused.exit_code == 1 and "has a secret DATABASE_URL" in refused.stderr
    cli("secrets", "unset", "DATABASE_URL", "-s", "web")
    assert "Linked db to web as DATABASE_URL" in cli("resources", "link", "db", "-s", "web").stdout


def test_a_resource_name_in_several_environments_means_production_unless_env_is_given(cli, account):
    """A clone (or a preview) gets its own `db`: `resources show/resize/rotate/delete db` with no
    environment chosen mean production's, as `services ... web` do, instead of "2 resources"."""
    made = cli("resources", "create", "db", "--kind", "postgres", "--json").json()
    cli("envs", "clone", "production", "staging")
    copy = cli("resources", "show", "db", "--env", "staging", "--json").json()
    assert copy["environment"] == "staging" and copy["id"] != made["id"]
    assert cli("resources", "show", "db", "--json").json()["id"] == made["id"]
    cli("envs", "use", "staging")
    assert cli("resources", "show", "db", "--json").json()["id"] == copy["id"]


def test_volumes_take_no_size_and_are_linked_at_a_path(cli, account):
    """A volume (EFS) refuses the database options in words before asking the API; a link needs
    --path for a volume (and refuses it for the others), --read-only is for volumes and buckets;
    `links` shows where each volume is mounted and which links are read-only."""
    sized = cli("resources", "create", "uploads", "--kind", "volume", "--size", "db.t4g.small", "--backups", "3",
                ok=False)
    assert sized.exit_code == 1 and "a volume has no size: EFS grows and shrinks with its files" in sized.stderr
    assert "backed up daily by AWS Backup" in sized.stderr and "Leave out --size, --backups" in sized.stderr
    err = json.loads(cli("resources", "create", "uploads", "--kind", "volume", "--version", "1", "--json",
                         ok=False).stderr)["error"]
    assert err["field"] == "--version" and "no engine version" in err["message"]
    assert cli("resources", "--json").json()["items"] == []                            # nothing was made

    vol = cli("resources", "create", "uploads", "--kind", "volume", "--no-protect", "--json").json()
    assert (vol["kind"], vol["variable"], vol["size"], vol["storage_gb"]) == ("volume", "UPLOADS_PATH", None, None)
    shown = cli("resources", "show", "uploads").stdout
    assert "daily (AWS Backup), kept 35 days" in shown and "UPLOADS_PATH (holds the path" in shown
    assert "launchbay resources link uploads -s SERVICE --path /data" in shown
    assert "storage_gb" not in shown and "size" not in shown
    cli("resources", "create", "files", "--kind", "bucket", "--no-protect")
    cli("resources", "create", "db", "--kind", "postgres", "--no-protect")
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")

    no_path = cli("resources", "link", "uploads", "-s", "web", ok=False)
    assert no_path.exit_code == 1 and "uploads is a volume: give the path" in no_path.stderr and "--path" in no_path.stderr
    system = cli("resources", "link", "uploads", "-s", "web", "--path", "/etc/app", ok=False)    # the API's 422
    assert system.exit_code == 1 and "/etc/app is a system folder" in system.stderr
    a_path = cli("resources", "link", "db", "-s", "web", "--path", "/data", ok=False)
    assert a_path.exit_code == 1 and "only a volume is mounted at a path; db is a postgres" in a_path.stderr
    ro_db = cli("resources", "link", "db", "-s", "web", "--read-only", ok=False)
    assert ro_db.exit_code == 1 and "a postgres link cannot be read-only" in ro_db.stderr

    linked = cli("resources", "link", "uploads", "-s", "web", "--path", "/app/uploads/", "--read-only").stdout
    assert "Linked uploads to web at /app/uploads read-only as UPLOADS_PATH" in linked
    got = cli("resources", "link", "files", "-s", "web", "--read-only", "--json").json()
    assert (got["variable"], got["read_only"]) == ("S3_BUCKET", True)
    cli("resources", "link", "db", "-s", "web")
    items = cli("resources", "links", "-s", "web", "--json").json()["items"]
    assert {(lk["resource"], lk["variable"], lk.get("path"), lk.get("read_only")) for lk in items} == {
        ("uploads", "UPLOADS_PATH", "/app/uploads", True), ("files", "S3_BUCKET", None, True),
        ("db", "DATABASE_URL", None, None)}
    table = cli("resources", "links", "-s", "web").stdout
    assert "PATH" in table and "READ-ONLY" in table
    row = next(line for line in table.splitlines() if line.startswith("uploads"))
    assert row.split() == ["uploads", "volume", "UPLOADS_PATH", "/app/uploads", "yes", "creating"]

    # linked again without --read-only: read-write, at the new path
    assert "at /data as UPLOADS_PATH" in cli("resources", "link", "uploads", "-s", "web", "--path", "/data").stdout
    again = {lk["resource"]: lk for lk in cli("resources", "links", "-s", "web", "--json").json()["items"]}
    assert (again["uploads"]["path"], again["uploads"]["read_only"]) == ("/data", False)


def test_a_volume_is_shown_with_its_file_system_once_available(cli, account, worker):
    made = cli("resources", "create", "media", "--kind", "volume", "--no-protect", "--wait", "--timeout", "90",
               "--interval", "0.3", ok=None)
    assert made.exit_code == 0, made.stdout + made.stderr + worker.output()[-3000:]
    assert "media is available; link it: launchbay resources link media -s SERVICE --path /data" in made.stdout
    shown = cli("resources", "show", "media").stdout
    fs = cli("resources", "show", "media", "--json").json()["endpoint"]["address"]
    assert fs.startswith("fs-") and f"file_system          {fs}" in shown, shown
