"""`launchbay resources` for log drains through the real CLI and API (and, where it must become
available, a real Celery worker), delivering to a Firehose receiver here (tests/support/drains.py):
the key never goes on the command line nor comes back, the drain's settings are refused in words
before the API is asked, `show` says where it sends and what it takes, `test-line` what it sent."""
from __future__ import annotations

import json

import pytest

from tests.support.processes import CeleryWorker

WAIT = ("--wait", "--timeout", "90", "--interval", "0.3")


@pytest.fixture
def worker(launchbay_env):
    w = CeleryWorker(launchbay_env, ["deploys", "default"], name="drains").start()
    yield w
    w.stop()


def test_a_drain_is_made_shown_tested_changed_and_deleted(cli, account, worker, receiver):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    cli("services", "create", "worker", "--kind", "worker", "--image", "nginx:1.27")
    made = cli("resources", "create", "logs", "--kind", "log-drain", "--destination", "http", "--url", receiver.url,
               "-s", "web", "--access-key-env", "RECEIVER_KEY", *WAIT, env={"RECEIVER_KEY": "k-s3cret"}, ok=None)
    assert made.exit_code == 0, made.stdout + made.stderr + worker.output()[-3000:]
    assert "Creating log-drain logs in production (res_" in made.stdout
    assert "logs is available; check it takes the lines: launchbay resources test-line logs" in made.stdout
    assert "k-s3cret" not in made.stdout + made.stderr

    got = cli("resources", "show", "logs", "--json").json()
    assert (got["kind"], got["destination"], got["url"], got["access_key_set"], got["services"], got["taking"]) == \
        ("log_drain", "http", receiver.url, True, ["web"], [])
    assert got["failed_deliveries_bucket"] and "k-s3cret" not in json.dumps(got)
    shown = cli("resources", "show", "logs").stdout
    for words in ("kind                      log-drain", "destination               HTTPS endpoint (http)",
                  f"url                       {receiver.url}", "access_key                set (your access key; never "
                  "shown)", "services                  web", "lines                     every line", "taking_now                none yet (a service is "
                  "taken once deployed)", f"failed_deliveries_bucket  {got['failed_deliveries_bucket']} (lines "
                  "still refused", "launchbay resources test-line logs"):
        assert words in shown, (words, shown)
    assert "k-s3cret" not in shown and "variable" not in shown and "size" not in shown
    row = next(line for line in cli("resources", "list").stdout.splitlines() if " logs " in line)
    assert row.split()[2:5] == ["log-drain", "production", "http"] and "logs of web" in row, row

    # a test line: what was sent, where, and the note; the receiver gets it with the key
    tested = cli("resources", "test-line", "logs")
    assert f"Sent to {receiver.url}:" in tested.stdout and "a test line from log drain logs (production)" in \
        tested.stdout and "Delivered within a minute" in tested.stdout, tested.stdout
    assert "a test line from log drain logs" in receiver.lines()[-1]
    assert receiver.requests[-1]["headers"]["X-Amz-Firehose-Access-Key"] == "k-s3cret"
    as_json = cli("resources", "test-line", "logs", "--json").json()
    assert set(as_json) == {"sent", "destination", "note"} and as_json["destination"] == receiver.url

    # nothing links a drain: the API's words, with the command that changes what it takes
    linked = cli("resources", "link", "logs", "-s", "worker", ok=False)
    assert linked.exit_code == 1 and "'logs' is a log drain: nothing links it" in linked.stderr
    assert "launchbay resources update logs --service worker (or --all-services)" in linked.stderr, linked.stderr
    assert json.loads(cli("resources", "link", "logs", "-s", "worker", "--json", ok=False).stderr)["error"][
        "field"] == "resource"

    # every service again, and a new key from stdin: never echoed, never shown
    changed = cli("resources", "update", "logs", "--all-services", "--access-key-stdin", *WAIT, "--json",
                  input="k-2\n", ok=None)
    assert changed.exit_code == 0, changed.stdout + changed.stderr + worker.output()[-3000:]
    after = changed.json()
    assert (after["status"], after["services"], after["access_key_set"]) == ("available", None, True)
    assert "k-2" not in changed.stdout + changed.stderr
    assert "every service of production (those deployed later too)" in cli("resources", "show", "logs").stdout
    cli("resources", "test-line", "logs")
    assert receiver.requests[-1]["headers"]["X-Amz-Firehose-Access-Key"] == "k-2"
    only = cli("resources", "update", "logs", "-s", "web", "-s", "worker", *WAIT, "--json").json()
    assert only["services"] == ["web", "worker"]
    # only some lines, then every line again ('')
    assert cli("resources", "update", "logs", "--filter", "?ERROR ?WARN", *WAIT, "--json").json()[
        "filter_pattern"] == "?ERROR ?WARN"
    assert "lines                     those matching ?ERROR ?WARN" in cli("resources", "show", "logs").stdout
    assert cli("resources", "update", "logs", "--filter", "", *WAIT, "--json").json()["filter_pattern"] == ""
    refused = cli("resources", "create", "jobs", "--kind", "queue", "--filter", "x", ok=False)
    assert refused.exit_code != 0 and "only a log drain has --filter; jobs is a queue" in " ".join(refused.stderr.split())

    # it holds no data: deleted without --confirm
    gone = cli("resources", "delete", "logs", *WAIT, ok=None)
    assert gone.exit_code == 0, gone.stdout + gone.stderr + worker.output()[-3000:]
    assert "Deleted logs" in gone.stdout and cli("resources", "--json").json()["items"] == []


def test_drain_options_and_the_key_are_checked_before_the_api_is_asked(cli, account):
    def refused(*args, env=None, input=None) -> str:
        run = cli("resources", "create", *args, env=env, input=input, ok=False)
        assert run.exit_code == 1, run.stdout
        return run.stderr

    assert "a log drain sends to datadog, newrelic or http" in refused("logs", "--kind", "log-drain")
    assert "('splunk' is none of them)" in refused("logs", "--kind", "log-drain", "--destination", "splunk")
    assert "an http drain needs the URL of its receiver" in refused("logs", "--kind", "log-drain", "--destination",
                                                                    "http")
    # no key, no terminal to ask on: how to give it, never as an argument
    said = refused("logs", "--kind", "log-drain", "--destination", "datadog")
    assert "a Datadog drain needs your Datadog API key: pipe it in (--access-key-stdin) or name the environment " \
           "variable holding it (--access-key-env VAR)" in " ".join(said.split()), said
    said = refused("logs", "--kind", "log-drain", "--destination", "newrelic", "--access-key-env", "NR_KEY",
                   env={"NR_KEY": None})
    assert "NR_KEY is not set in this shell's environment" in " ".join(said.split()), said
    assert "give the key one way" in refused("logs", "--kind", "log-drain", "--destination", "datadog",
                                             "--access-key-stdin", "--access-key-env", "X", input="k\n")
    assert "a log drain has no size: Firehose scales" in refused("logs", "--kind", "log-drain", "--destination",
                                                                 "http", "--url", "https://x.example/in", "--size",
                                                                 "db.t4g.micro")
    assert "only a log drain has --destination, --service; db is a postgres" in \
        " ".join(refused("db", "--kind", "postgres", "--destination", "http", "-s", "web").split())
    assert "only a queue has --max-receives; logs is a log-drain" in \
        " ".join(refused("logs", "--kind", "log-drain", "--destination", "datadog", "--max-receives", "3").split())
    # the API's own refusals come through: plain http off loopback
    err = json.loads(refused("logs", "--kind", "log-drain", "--destination", "http", "--url", "http://example.com/in",
                             "--json"))["error"]
    assert err["field"] == "url" and err["status"] == 422
    assert cli("resources", "--json").json()["items"] == []                            # nothing was made

    # the key from stdin; log_drain (the API's spelling) is taken too; the default intake
    made = cli("resources", "create", "dd", "--kind", "log_drain", "--destination", "datadog", "--access-key-stdin",
               "--json", input="dd-s3cret\n")
    got = made.json()
    assert (got["kind"], got["url"], got["access_key_set"], got["deletion_protection"]) == \
        ("log_drain", "https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input", True, False)
    assert "dd-s3cret" not in made.stdout + made.stderr

    # update: drain options only on a drain, --service or --all-services, the destination stays
    cli("resources", "create", "files", "--kind", "bucket", "--no-protect")
    bucket = cli("resources", "update", "files", "--url", "https://x.example/in", ok=False)
    assert bucket.exit_code == 1 and "only a log drain has --url; files is a bucket" in bucket.stderr
    both = cli("resources", "update", "dd", "-s", "web", "--all-services", ok=False)
    assert both.exit_code == 1 and "give one of them" in both.stderr
    fixed = cli("resources", "update", "dd", "--destination", "newrelic", ok=False)
    assert fixed.exit_code == 1 and "a log drain's destination is fixed when it is made" in fixed.stderr
    nothing = cli("resources", "update", "dd", ok=False)
    assert nothing.exit_code == 1 and "for a log drain --url, --service" in " ".join(nothing.stderr.split())
    not_a_drain = cli("resources", "test-line", "files", ok=False)
    assert not_a_drain.exit_code == 1 and "files is a bucket, not a log drain" in not_a_drain.stderr
    early = cli("resources", "test-line", "dd", ok=False)           # the API's 409: not available yet
    assert early.exit_code == 1 and "the drain is creating: test it once it is available" in early.stderr


def test_the_key_is_asked_without_echo_on_a_terminal(cli, account):
    """On a real terminal: the prompt shows, what is typed is not echoed back, and it is sent."""
    made = cli.in_terminal("resources", "create", "nr", "--kind", "log-drain", "--destination", "newrelic", "--url",
                           "https://aws-api.eu.newrelic.com/firehose/v1",
                           replies=(("New Relic license key: ", "nr-s3cret"),))
    assert made.exit_code == 0, made.stdout
    assert "New Relic license key: " in made.stdout and "nr-s3cret" not in made.stdout
    got = cli("resources", "show", "nr", "--json").json()
    assert got["access_key_set"] is True and got["url"] == "https://aws-api.eu.newrelic.com/firehose/v1"
    # an http drain's key is optional: nothing is asked (a prompt would wait for the timeout)
    hook = cli.in_terminal("resources", "create", "hook", "--kind", "log-drain", "--destination", "http", "--url",
                           "https://logs.example.com/firehose", timeout=60)
    assert hook.exit_code == 0 and "key: " not in hook.stdout, hook.stdout


DRAINS_YAML = """\
version: 1
environments:
  production:
    resources:
      logs: {kind: log_drain, destination: datadog, url: "https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input",
             services: [web], access_key_env: DD_API_KEY}
    services:
      web: {image: "nginx:1.27", port: 8080}
"""


def test_plan_and_apply_read_a_drain_s_key_from_the_variable_the_file_names(cli, account, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "launchbay.yaml").write_text(DRAINS_YAML)
    unset = {"DD_API_KEY": None}
    shown = cli("plan", env=unset).stdout
    assert "+ resource logs" in shown and "access_key_env: DD_API_KEY" in shown
    assert "apply will refuse this plan" in shown and "DD_API_KEY is not set where `launchbay plan`/`apply` runs" in \
        " ".join(shown.split()), shown
    refused = cli("apply", "--yes", env=unset, ok=False)
    assert refused.exit_code == 1 and "nothing was applied" in refused.stderr
    assert cli("resources", "--json").json()["items"] == []

    key = {"DD_API_KEY": "dd-s3cret"}
    plan = cli("plan", "--json", env=key)
    assert "refused" not in json.dumps(plan.json()) and "dd-s3cret" not in plan.stdout
    applied = cli("apply", "--yes", "--json", env=key)
    assert applied.json()["applied"] is True and "dd-s3cret" not in applied.stdout
    got = cli("resources", "show", "logs", "--json").json()
    assert (got["access_key_set"], got["services"], got["url"]) == \
        (True, ["web"], "https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input")
    # CI without the key: nothing to change; the export names the variable, never the key
    assert "No changes: the project already matches." in cli("plan", env=unset).stdout
    exported = cli("export").stdout
    assert "access_key_env: DD_API_KEY" in exported and "dd-s3cret" not in exported
    (tmp_path / "launchbay.yaml").write_text(exported)
    assert "No changes" in cli("plan", env=key).stdout
    # another key in the variable: an update that never shows it
    changed = cli("plan", env={"DD_API_KEY": "dd-2"}).stdout
    assert "~ resource logs" in changed and "access_key: (set) → (the value of DD_API_KEY)" in changed, changed
    assert "dd-2" not in changed


def test_an_import_s_drain_takes_its_key_from_the_variable_the_warning_names(cli, account, tmp_path):
    manifest = tmp_path / "copilot" / "web" / "manifest.yml"
    manifest.parent.mkdir(parents=True)
    manifest.write_text("name: web\ntype: Backend Service\nimage:\n  location: nginx:1.27\nlogging:\n  destination:\n"
                        "    Name: datadog\n  secretOptions:\n    apikey: /copilot/shop/prod/secrets/DD_API_KEY\n")
    shown = cli("import", "--format", "copilot", str(tmp_path), input="n\n", env={"DD_API_KEY": None}, ok=False)
    assert "+ resource datadog" in shown.stdout and "export it as DD_API_KEY" in " ".join(shown.stdout.split())
    assert "apply will refuse this plan" in shown.stdout
    done = cli("import", "--format", "copilot", str(tmp_path), "--yes", "--json", env={"DD_API_KEY": "dd-s3cret"})
    assert done.json()["applied"] is True and "dd-s3cret" not in done.stdout
    got = cli("resources", "show", "datadog", "--json").json()
    assert (got["destination"], got["access_key_set"], got["services"]) == ("datadog", True, None)
