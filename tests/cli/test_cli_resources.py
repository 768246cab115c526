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
    assert bad_kind.exit_code == 1 and "postgres, mysql, redis, bucket, volume, queue or log-drain" in bad_kind.stderr
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


def test_delete_asks_for_the_name_on_a_terminal(cli, account):
    """On a real terminal (the name typed shows, as typing does)."""
    cli("resources", "create", "uploads", "--kind", "bucket", "--no-protect")
    wrong = cli.in_terminal("resources", "delete", "uploads", replies=(("Type its name to go on", "uploadz"),))
    assert wrong.exit_code == 1 and "uploadz" in wrong.stdout and "nothing was deleted" in wrong.stdout, wrong.stdout
    assert cli("resources", "show", "uploads", "--json").json()["status"] == "creating"
    asked = cli.in_terminal("resources", "delete", "uploads", replies=(("Type its name to go on", "uploads"),))
    assert asked.exit_code == 0 and "deletes its data" in asked.stdout and "uploads: deleting" in asked.stdout, asked.stdout
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
    assert row.split() == ["uploads", "volume", "UPLOADS_PATH", "/app/uploads", "yes", "-", "creating"]

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


def test_queue_options_are_checked_before_the_api_is_asked(cli, account):
    sized = cli("resources", "create", "jobs", "--kind", "queue", "--size", "db.t4g.small", ok=False)
    assert sized.exit_code == 1 and "a queue has no size: SQS holds what is sent to it" in sized.stderr
    assert "Leave out --size" in sized.stderr
    fifo_db = json.loads(cli("resources", "create", "db", "--kind", "postgres", "--fifo", "--max-receives", "3",
                             "--json", ok=False).stderr)["error"]
    assert fifo_db["field"] == "--fifo" and "only a queue has --fifo, --max-receives; db is a postgres" in fifo_db["message"]
    too_long = cli("resources", "create", "jobs", "--kind", "queue", "--visibility-timeout", "43201", ok=False)
    assert too_long.exit_code == 1 and "--visibility-timeout" in too_long.stderr and "less than or equal to 43200" in too_long.stderr
    assert cli("resources", "create", "jobs", "--kind", "queue", "--retention-days", "15", ok=False).exit_code == 1
    assert cli("resources", "--json").json()["items"] == []                            # nothing was made

    cli("resources", "create", "jobs", "--kind", "queue", "--no-protect")
    cli("resources", "create", "files", "--kind", "bucket", "--no-protect")
    fixed = cli("resources", "update", "jobs", "--fifo", ok=False)
    assert fixed.exit_code == 1 and "a queue's order is fixed when it is made" in fixed.stderr
    sized = cli("resources", "update", "jobs", "--storage-gb", "30", ok=False)
    assert sized.exit_code == 1 and "a queue has no allocated storage" in sized.stderr
    timed = cli("resources", "update", "files", "--visibility-timeout", "30", ok=False)
    assert timed.exit_code == 1 and "only a queue has --visibility-timeout; files is a bucket" in timed.stderr
    nothing = cli("resources", "update", "jobs", ok=False)
    assert nothing.exit_code == 1 and "nothing to change" in nothing.stderr
    not_a_queue = cli("resources", "messages", "files", ok=False)
    assert not_a_queue.exit_code == 1 and "files is a bucket, not a queue" in not_a_queue.stderr

    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    ro = cli("resources", "link", "jobs", "-s", "web", "--read-only", ok=False)
    assert ro.exit_code == 1 and "a queue link cannot be read-only; it may be send-only (--send-only)" in ro.stderr
    at = cli("resources", "link", "jobs", "-s", "web", "--path", "/data", ok=False)
    assert at.exit_code == 1 and "only a volume is mounted at a path; jobs is a queue" in at.stderr
    send = cli("resources", "link", "files", "-s", "web", "--send-only", ok=False)
    assert send.exit_code == 1 and "only a queue link can be send-only; files is a bucket" in send.stderr
    assert cli("resources", "links", "-s", "web", "--json").json()["items"] == []


def test_a_queue_is_made_shown_changed_and_linked_send_only(cli, account, worker):
    made = cli("resources", "create", "jobs", "--kind", "queue", "--visibility-timeout", "120", "--retention-days",
               "7", "--max-receives", "3", "--no-protect", "--wait", "--timeout", "90", "--interval", "0.3", ok=None)
    assert made.exit_code == 0, made.stdout + made.stderr + worker.output()[-3000:]
    assert "jobs is available; link it: launchbay resources link jobs -s SERVICE [--send-only]" in made.stdout
    fifo = cli("resources", "create", "orders", "--kind", "queue", "--fifo", "--no-protect", "--json").json()
    assert (fifo["fifo"], fifo["visibility_timeout_seconds"], fifo["retention_days"], fifo["max_receives"]) == \
        (True, 60, 4, 5)

    rows = {line.split()[1]: line.split() for line in cli("resources", "list").stdout.splitlines()[1:]}
    assert rows["jobs"][2:5] == ["queue", "production", "standard"] and rows["orders"][4] == "fifo"
    got = cli("resources", "show", "jobs", "--json").json()
    url, dlq = got["endpoint"]["address"], got["dead_letter_queue"]
    assert dlq.endswith("-dlq") and url != dlq
    shown = cli("resources", "show", "jobs").stdout
    for words in (f"url                  {url}", "standard: at least once", "2 min (120 s): a received message",
                  "7 days: an unreceived message", "after 3 receives without a delete",
                  f"dead_letter_queue    {dlq}", "JOBS_QUEUE_URL (holds the queue's URL)",
                  "launchbay resources messages jobs"):
        assert words in shown, (words, shown)
    assert "storage_gb" not in shown and "size" not in shown

    changed = cli("resources", "update", "jobs", "--visibility-timeout", "300", "--max-receives", "10", "--wait",
                  "--timeout", "90", "--interval", "0.3", "--json", ok=None)
    assert changed.exit_code == 0, changed.stderr + worker.output()[-3000:]
    after = changed.json()
    assert (after["status"], after["visibility_timeout_seconds"], after["max_receives"], after["retention_days"]) == \
        ("available", 300, 10, 7)

    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    cli("services", "create", "worker", "--kind", "worker", "--image", "nginx:1.27")
    linked = cli("resources", "link", "jobs", "-s", "web", "--send-only").stdout
    assert "Linked jobs to web send-only as JOBS_QUEUE_URL" in linked
    assert cli("resources", "link", "jobs", "-s", "worker", "--json").json()["send_only"] is False
    table = cli("resources", "links", "-s", "web").stdout
    assert "SEND-ONLY" in table
    row = next(line for line in table.splitlines() if line.startswith("jobs"))
    assert row.split() == ["jobs", "queue", "JOBS_QUEUE_URL", "-", "-", "yes", "available"], table
    assert cli("resources", "links", "-s", "worker", "--json").json()["items"][0]["send_only"] is False
    # linked again without --send-only: the tasks receive and delete too
    assert "send-only" not in cli("resources", "link", "jobs", "-s", "web").stdout
    assert cli("resources", "links", "-s", "web", "--json").json()["items"][0]["send_only"] is False


def _dead_letters(ports, res_id: str, count: int) -> int:
    """`count` messages more, and a consumer that keeps failing: received past max_receives, every
    waiting message goes dead. -> how many the dead-letter queue holds."""
    from tests.resources.test_queues import dead_letters

    doc = ports.store.collection("resources").get(res_id)
    sqs = ports.cloud_for(doc["target"]).client("sqs")
    for i in range(count):
        sqs.send_message(QueueUrl=doc["aws"]["address"], MessageBody=f"job {i}")
    return dead_letters(sqs, doc["aws"]["address"], doc["max_receives"])


def test_messages_and_a_redrive_followed_to_the_end(cli, account, worker, ports):
    made = cli("resources", "create", "jobs", "--kind", "queue", "--max-receives", "1", "--no-protect", "--wait",
               "--timeout", "90", "--interval", "0.3", "--json", ok=None)
    assert made.exit_code == 0, made.stderr + worker.output()[-3000:]
    jobs = made.json()
    empty = cli("resources", "messages", "jobs").stdout
    assert empty.split("\n")[0].split() == ["WAITING", "IN", "FLIGHT", "DELAYED", "DEAD"]
    assert empty.split("\n")[1].split() == ["0", "0", "0", "0"] and "redrive" not in empty
    nothing = cli("resources", "redrive", "jobs", ok=False)                           # the API's 409
    assert nothing.exit_code == 1 and "the dead-letter queue is empty: nothing to move back" in nothing.stderr

    assert _dead_letters(ports, jobs["id"], 3) == 3
    counts = cli("resources", "messages", "jobs", "--json").json()
    assert (counts["visible"], counts["dead"], counts["redrive"]) == (0, 3, None)
    said = cli("resources", "messages", "jobs").stdout
    assert said.split("\n")[1].split() == ["0", "0", "0", "3"]
    assert "move them back: launchbay resources redrive jobs --wait" in said
    assert "See why they died: launchbay resources dead-letters jobs" in said
    looked = cli("resources", "dead-letters", "jobs", "-n", "2")
    assert looked.stdout.count(" receive(s)") == 2 and "they stay in the dead-letter queue" in looked.stdout, \
        looked.stdout
    sample = cli("resources", "dead-letters", "jobs", "--json").json()
    assert len(sample["items"]) == 3 and all(m["body"] and m["sent"] for m in sample["items"])
    assert cli("resources", "messages", "jobs", "--json").json()["dead"] == 3      # looking moved nothing
    too_many = cli("resources", "dead-letters", "jobs", "-n", "11", ok=False)   # refused before the API is asked
    assert too_many.exit_code != 0 and "less than or equal to 10" in " ".join(too_many.stderr.split()), too_many.stderr

    moved = cli("resources", "redrive", "jobs", "--wait", "--timeout", "90", "--interval", "0.3", ok=None)
    assert moved.exit_code == 0, moved.stdout + moved.stderr + worker.output()[-3000:]
    assert "jobs: moving dead letters back: 0 moved, 3 left" in moved.stdout             # the progress
    assert "jobs: done: 3 moved, 0 left" in moved.stdout
    assert "Moved 3 dead letters back to jobs; waiting now: 3, dead: 0" in moved.stdout
    after = cli("resources", "messages", "jobs").stdout
    assert after.split("\n")[1].split() == ["3", "0", "0", "0"]
    assert "last redrive: 3 dead letters moved back (" in after and account.email in after
    assert "redrive jobs --wait" not in after

    # without --wait: the answer, and the worker moves them (the three moved back die again, with a fourth)
    assert _dead_letters(ports, jobs["id"], 1) == 4
    started = cli("resources", "redrive", "jobs")
    assert "Moving 4 dead letters back to jobs; follow it: launchbay resources messages jobs" in started.stdout


def test_a_redrive_that_fails_exits_2_with_the_reason(cli, account, ports):
    """The worker finds the queue gone mid-move (deleted outside Launchbay): --wait ends on the
    failure, in red, exit 2. The worker's part runs in a thread, as tests/resources drive it."""
    import threading
    import time

    from chalicelib.resources.queues import run_redrive
    from tests.resources.test_resources import settle

    made = cli("resources", "create", "jobs", "--kind", "queue", "--max-receives", "1", "--no-protect", "--json").json()
    jobs = settle(ports, made["id"])
    assert _dead_letters(ports, jobs["id"], 2) == 2

    def worker_finds_the_queue_gone() -> None:
        """Deleted and made again outside Launchbay, just as the worker moves the dead letters."""
        col = ports.store.collection("resources")
        deadline = time.time() + 30
        while time.time() < deadline and ((col.get(jobs["id"]) or {}).get("redrive") or {}).get("status") != "moving":
            time.sleep(0.05)
        sqs = ports.cloud_for(jobs["target"]).client("sqs")
        sqs.delete_queue(QueueUrl=jobs["aws"]["address"])
        run_redrive(ports, jobs["id"])
        sqs.create_queue(QueueName=jobs["aws"]["queue_name"])

    thread = threading.Thread(target=worker_finds_the_queue_gone, daemon=True)
    thread.start()
    failed = cli("resources", "redrive", "jobs", "--wait", "--timeout", "60", "--interval", "1", ok=None)
    thread.join(30)
    assert failed.exit_code == 2, failed.stdout + failed.stderr
    assert "The redrive of jobs failed after 0 moved (2 left): ValueError: queue" in failed.stdout
    assert "is gone" in failed.stdout
    after = cli("resources", "messages", "jobs").stdout
    assert after.split("\n")[1].split() == ["0", "0", "0", "2"]                    # the dead letters stayed
    assert "last redrive: failed after 0 moved (2 left): ValueError" in after


def test_a_worker_scales_on_a_queue_from_the_cli(cli, account):
    cli("resources", "create", "jobs", "--kind", "queue", "--no-protect")
    cli("services", "create", "worker", "--kind", "worker", "--image", "nginx:1.27", "--max", "6")
    bad = cli("services", "update", "worker", "--scale-on-queue", "jobs:many", ok=False)
    assert bad.exit_code == 1 and "--scale-on-queue" in bad.stderr and "MESSAGES_PER_TASK is a whole number" in bad.stderr
    named = cli("services", "update", "worker", "--scale-on-queue", "Jobs", ok=False)
    assert named.exit_code == 1 and "the name of a queue the service links" in named.stderr
    assert "from 1 to 100000" in cli("services", "update", "worker", "--scale-on-queue", "jobs:0", ok=False).stderr
    both = cli("services", "update", "worker", "--scale-on-queue", "jobs", "--no-scale-on-queue", ok=False)
    assert both.exit_code == 1 and "not both" in both.stderr

    unlinked = cli("services", "update", "worker", "--scale-on-queue", "jobs").stdout
    assert "autoscaling: CPU 60 %, queue jobs: 100 waiting messages per task" in unlinked
    assert "worker does not link queue jobs: its deploy fails until it does: launchbay resources link jobs " \
           "-s worker" in unlinked
    cli("resources", "link", "jobs", "-s", "worker")
    cli("services", "update", "worker", "--scale-at", "0 8 * * 1-5=2:6")
    got = cli("services", "update", "worker", "--scale-on-queue", "jobs:250", "--json")
    assert got.stderr == ""                                                           # linked: nothing to say
    scaling = got.json()["autoscaling"]
    assert scaling["queue"] == {"name": "jobs", "messages_per_task": 250} and len(scaling["schedule"]) == 1
    shown = cli("services", "show", "worker").stdout
    assert "CPU 60 %, queue jobs: 250 waiting messages per task, scheduled: 0 8 * * 1-5 (UTC) -> 2-6 tasks" in shown

    gone = cli("services", "update", "worker", "--no-scale-on-queue", "--json").json()["autoscaling"]
    assert gone.get("queue") is None and len(gone["schedule"]) == 1 and gone["cpu_target"] == 60   # the rest kept
    assert "queue" not in cli("services", "show", "worker").stdout.split("autoscaling")[1].split("\n")[0]

    created = cli("services", "create", "consumer", "--kind", "worker", "--image", "nginx:1.27", "--max", "3",
                  "--scale-on-queue", "jobs:20")
    assert "It scales on queue jobs's backlog once it links it: launchbay resources link jobs -s consumer" in \
        created.stdout
    assert cli("services", "show", "consumer", "--json").json()["autoscaling"]["queue"]["messages_per_task"] == 20


def test_purge_asks_for_the_name_and_says_how_many_went(cli, account, ports):
    from tests.resources.test_resources import settle

    made = cli("resources", "create", "jobs", "--kind", "queue", "--max-receives", "1", "--no-protect", "--json").json()
    jobs = settle(ports, made["id"])
    assert _dead_letters(ports, jobs["id"], 1) == 1
    sqs = ports.cloud_for(jobs["target"]).client("sqs")
    for i in range(4):
        sqs.send_message(QueueUrl=jobs["aws"]["address"], MessageBody=f"flood {i}")

    # no --confirm and no terminal to ask on; a wrong name; not a queue: nothing is asked of the API
    unconfirmed = cli("resources", "purge", "jobs", ok=False)
    assert unconfirmed.exit_code == 1 and "purging 'jobs' deletes its waiting messages for good: confirm with " \
        "--confirm jobs" in unconfirmed.stderr, unconfirmed.stderr
    wrong = json.loads(cli("resources", "purge", "jobs", "--confirm", "job", "--json", ok=False).stderr)["error"]
    assert wrong["field"] == "--confirm" and "'job' is not 'jobs': nothing was purged" in wrong["message"]
    cli("resources", "create", "files", "--kind", "bucket", "--no-protect")
    bucket = cli("resources", "purge", "files", "--confirm", "files", ok=False)
    assert bucket.exit_code == 1 and "files is a bucket, not a queue" in bucket.stderr
    assert cli("resources", "messages", "jobs", "--json").json()["visible"] == 4

    # on a real terminal it asks for the name, as delete does
    ask = "Type its name to go on"
    refused = cli.in_terminal("resources", "purge", "jobs", replies=((ask, "job"),))
    assert refused.exit_code == 1 and "Purging the waiting messages of queue jobs (production) deletes them for " \
        "good." in refused.stdout and "nothing was purged" in refused.stdout, refused.stdout
    purged = cli.in_terminal("resources", "purge", "jobs", replies=((ask, "jobs"),))
    assert purged.exit_code == 0 and "Purged 4 waiting messages from jobs" in purged.stdout, purged.stdout
    counts = cli("resources", "messages", "jobs", "--json").json()
    assert (counts["visible"], counts["dead"]) == (0, 1)                 # the dead letter stays to be looked at

    again = cli("resources", "purge", "jobs", "--confirm", "jobs", ok=False)   # SQS: one purge a minute (409)
    assert again.exit_code == 1 and "at most once a minute" in again.stderr and "field: queue" in again.stderr
    dead = cli("resources", "purge", "jobs", "--dead-letters", "--confirm", "jobs")
    assert "Purged 1 dead letter from jobs's dead-letter queue" in dead.stdout, dead.stdout
    assert cli("resources", "messages", "jobs", "--json").json()["dead"] == 0
    assert cli("resources", "purge", "jobs", "--dead-letters", "--confirm", "jobs", "--json",
               ok=False).exit_code == 1                                   # the dead-letter queue's minute too


def test_restore_refuses_bad_input_before_asking_and_says_the_apis_refusals(cli, account, ports):
    from tests.resources.test_resources import settle

    made = cli("resources", "create", "db", "--kind", "postgres", "--no-protect", "--backups", "7", "--json").json()
    settle(ports, made["id"])
    for to, words in (("yesterday", "'yesterday' is not a time: give ISO 8601"), ("0h ago", "more than 0"),
                      ("2026-13-01T00:00Z", "is not a time")):
        bad = cli("resources", "restore", "db", "--name", "db-2", "--to", to, ok=False)
        assert bad.exit_code == 1 and "--to" in bad.stderr and words in bad.stderr, (to, bad.stderr)
    no_name = cli("resources", "restore", "db", ok=False)
    assert no_name.exit_code == 1 and "--name" in no_name.stderr                       # typer: a required option

    # before the window (the database was made seconds ago): the API's 422, and where to see the window
    early = cli("resources", "restore", "db", "--name", "db-2", "--to", "2 hours ago", ok=False)
    assert early.exit_code == 1 and "--to 2 hours ago: " in early.stdout               # the time it means, first
    assert "is outside the restorable window" in early.stderr and "launchbay resources restore-window db" in early.stderr
    said = cli("resources", "restore", "db", "--name", "db-2", "--to", "90m", "--json", ok=False).stderr
    assert said.startswith("--to 90m: ")                          # with --json, what people read goes to stderr
    err = json.loads(said[said.index("{"):])["error"]
    assert (err["field"], err["status"]) == ("to", 422)
    taken = cli("resources", "restore", "db", "--name", "db", ok=False)
    assert taken.exit_code == 1 and "(field: name)" in taken.stderr and "409" in taken.stderr
    bad_size = json.loads(cli("resources", "restore", "db", "--name", "db-2", "--size", "db.x1.huge", "--json",
                              ok=False).stderr)["error"]
    assert bad_size["field"] == "size"

    cli("resources", "create", "cache", "--kind", "redis", "--no-protect")
    for command in (("restore-window", "cache"), ("restore", "cache", "--name", "cache-2")):
        other = cli("resources", *command, ok=False)
        assert other.exit_code == 1 and "cache is a redis, not a database: only PostgreSQL and MySQL" in other.stderr
    bare = cli("resources", "create", "bare", "--kind", "mysql", "--backups", "0", "--no-protect", "--json").json()
    settle(ports, bare["id"])
    for command in (("restore-window", "bare"), ("restore", "bare", "--name", "bare-2")):
        none = cli("resources", *command, ok=False)
        assert none.exit_code == 1 and "bare keeps no automated backups (--backups 0)" in none.stderr
        assert "launchbay resources resize bare --backups 7" in none.stderr
    assert sorted(r["name"] for r in cli("resources", "--json").json()["items"]) == ["bare", "cache", "db"]


def test_restore_window_in_utc_and_local_time_and_a_restore_to_a_time_without_its_zone(cli, account, ports,
                                                                                      monkeypatch):
    import datetime as dt
    import time

    from tests.resources.test_resources import settle

    made = cli("resources", "create", "db", "--kind", "postgres", "--no-protect", "--backups", "7", "--json").json()
    settle(ports, made["id"])
    span = cli("resources", "restore-window", "db", "--json").json()
    assert span["backup_retention_days"] == 7 and span["earliest"] <= span["latest"]

    monkeypatch.setenv("TZ", "IST-5:30")   # a POSIX zone: 5 h 30 ahead of UTC, no tzdata needed
    time.tzset()
    try:
        shown = cli("resources", "restore-window", "db").stdout
    finally:
        monkeypatch.undo()
        time.tzset()
    import re

    # the sandbox's latest restorable time is "now": read again by the second call, a moment later
    latest = dt.datetime.fromisoformat(span["latest"].replace("Z", "+00:00")).replace(microsecond=0, tzinfo=None)
    got = re.search(r"latest    (\S+ \S+) UTC \((?:\S+ )?(\d\d:\d\d:\d\d) IST here\)", shown)
    assert got, shown
    utc = dt.datetime.strptime(got.group(1), "%Y-%m-%d %H:%M:%S")
    assert latest <= utc <= latest + dt.timedelta(seconds=30), (latest, shown)
    assert got.group(2) == f"{utc + dt.timedelta(hours=5, minutes=30):%H:%M:%S}", shown
    assert "earliest  " in shown and "backups   kept 7 days" in shown
    assert "launchbay resources restore db --name db-restored --to " + span["latest"][:11] in shown   # moto: now

    naive = span["latest"].rstrip("Z")
    restored = cli("resources", "restore", "db", "--name", "db-at", "--to", naive)
    assert f"--to {naive} has no time zone: taken as UTC, {latest:%Y-%m-%d %H:%M:%S} UTC" in restored.stdout
    assert "Restoring db to " in restored.stdout and "as db-at (res_" in restored.stdout
    assert "db stays as it is; once it is available, look at it, then link it in db's place" in restored.stdout
    got = cli("resources", "show", "db-at", "--json").json()
    assert got["restored_from"] == {"resource_id": made["id"], "name": "db", "to": span["latest"], "switch_links": False}
    settle(ports, got["id"])
    shown = cli("resources", "show", "db-at").stdout
    assert f"restored_from          db ({made['id']}) as it was at {latest:%Y-%m-%d %H:%M:%S} UTC" in shown, shown
    assert "restored_from" not in cli("resources", "show", "db").stdout


def test_a_restore_followed_until_its_links_moved_and_the_services_redeploy(cli, account, worker):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    cli("services", "create", "report", "--kind", "worker", "--image", "nginx:1.27")
    made = cli("resources", "create", "db", "--kind", "postgres", "--backups", "7", "--no-protect", "--wait",
               "--timeout", "90", "--interval", "0.3", ok=None)
    assert made.exit_code == 0, made.stdout + made.stderr + worker.output()[-3000:]
    cli("resources", "link", "db", "-s", "web")
    cli("resources", "link", "db", "-s", "report", "--variable", "REPORT_DATABASE_URL")
    live = cli("deploy", "web", "--wait", "--timeout", "120", ok=None)
    assert live.exit_code == 0, live.stdout + live.stderr + worker.output()[-3000:]
    before = cli("status", "web", "--json").json()

    restored = cli("resources", "restore", "db", "--name", "db-before-migration", "--switch-links", "--wait",
                   "--timeout", "120", "--interval", "0.3", ok=None)
    assert restored.exit_code == 0, restored.stdout + restored.stderr + worker.output()[-3000:]
    out = restored.stdout
    assert "Restoring db to its latest restorable time as db-before-migration (res_" in out
    assert "db-before-migration: creating" in out                                    # the progress
    assert "db-before-migration is available: db as it was at its latest restorable time" in out
    assert "Links moved from db to db-before-migration: " in out
    moved = out.split("Links moved from db to db-before-migration: ")[1].split("\n")[0]
    assert sorted(moved.split(", ")) == ["report", "web"], out
    web_line = next(line for line in out.splitlines() if line.startswith("  web: "))
    assert web_line.startswith("  web: deployment dep_"), out                         # and its status now
    assert "  report: no live release: its first deploy reads the restored data (launchbay deploy report)" in out

    links = cli("resources", "links", "-s", "web", "--json").json()["items"]
    assert [(l["resource"], l["variable"]) for l in links] == [("db-before-migration", "DATABASE_URL")]
    assert cli("resources", "links", "-s", "report", "--json").json()["items"][0]["resource"] == "db-before-migration"
    web_dep = web_line.split()[2]
    after = cli("status", "web", "--json").json()
    assert web_dep != (before.get("latest_deployment") or {}).get("id")
    assert web_dep in json.dumps(after), after
    shown = cli("resources", "show", "db-before-migration").stdout
    assert "db (res_" in shown and "as it was at its latest restorable time when asked; its links moved here" in shown
    assert cli("resources", "show", "db", "--json").json()["status"] == "available"     # the source stays

    again = cli("resources", "restore", "db-before-migration", "--name", "db-again", "--switch-links", "--wait",
                "--timeout", "120", "--interval", "0.3", "--json", ok=None)
    assert again.exit_code == 0, again.stderr + worker.output()[-3000:]
    doc = again.json()
    assert doc["status"] == "available" and doc["restored_from"]["name"] == "db-before-migration"
    assert sorted(m["service"] for m in doc["links_moved"]) == ["report", "web"]
    assert next(m for m in doc["links_moved"] if m["service"] == "web")["deployment"].startswith("dep_")

    # a frozen environment refuses web's new release: the links move, and what is left to deploy is said
    live = cli("deploy", "web", "--wait", "--timeout", "120", ok=None)   # the restore's deployment, or this one
    assert live.exit_code == 0, live.stdout + live.stderr + worker.output()[-3000:]
    cli("envs", "freeze", "production", "--reason", "release week")
    frozen = cli("resources", "restore", "db-again", "--name", "db-frozen", "--switch-links", "--wait",
                 "--timeout", "120", "--interval", "0.3", ok=None)
    assert frozen.exit_code == 0, frozen.stdout + frozen.stderr + worker.output()[-3000:]
    assert "  web: not redeployed: deploy it to apply it: launchbay deploy web" in frozen.stdout, frozen.stdout
    assert "Not redeployed: web (the production environment is frozen: release week" in frozen.stdout
    assert cli("resources", "links", "-s", "web", "--json").json()["items"][0]["resource"] == "db-frozen"
