"""Projects, services, secrets, status, search and audit through the real CLI and API; every
--json output parses; secret values never appear in any output."""
from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet

from chalicelib import wiring
from chalicelib.search.indexer import relay_outbox
from tests.cli.conftest import http


def test_every_command_json_output_parses(cli, account, ports):
    projects = cli("projects", "--json").json()["items"]
    assert [p["name"] for p in projects] == ["shop"]
    assert cli("projects", "list", "--json").json()["items"][0]["id"] == account.project_id
    svc = cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--var", "LOG_LEVEL=info",
              "--health-path", "/healthz", "--command", "nginx -g 'daemon off;'", "--json").json()
    assert svc["name"] == "web" and svc["env"] == {"LOG_LEVEL": "info"}
    assert svc["command"] == ["nginx", "-g", "daemon off;"] and svc["health_check"]["path"] == "/healthz"
    cli("services", "create", "jobs", "--kind", "worker", "--image", "busybox", "--json")

    assert [s["name"] for s in cli("services", "--json").json()["items"]] == ["web", "jobs"] or \
        {s["name"] for s in cli("services", "--json").json()["items"]} == {"web", "jobs"}
    assert cli("services", "show", "web", "--json").json()["id"] == svc["id"]
    assert cli("services", "show", svc["id"], "--json").json()["name"] == "web"      # by id too
    assert {s["name"] for s in cli("status", "--json").json()["items"]} == {"web", "jobs"}
    st = cli("status", "web", "--json").json()
    assert st["service"]["status"] == "new" and st["latest_deployment"] is None
    assert cli("secrets", "list", "-s", "web", "--json").json() == {"items": []}
    assert cli("releases", "web", "--json").json() == {"items": []}
    assert cli("orgs", "--json").json()["items"][0]["id"] == account.org_id

    # deploy without --wait (no worker here): queued; then cancelled at once
    dep = cli("deploy", "web", "--json").json()
    assert dep["status"] == "queued" and dep["service_id"] == svc["id"]
    lines = cli("logs", "--deployment", dep["id"], "--json").json_lines()
    assert all("message" in line for line in lines)
    cancelled = cli("cancel", dep["id"], "--json").json()
    assert cancelled["status"] == "cancelled"
    followed = cli("logs", "--deployment", dep["id"], "--follow", "--json", "--timeout", "20").json_lines()
    assert [l["seq"] for l in followed] == sorted({l["seq"] for l in followed})   # each line once, in order
    assert cli("status", "web", "--json").json()["latest_deployment"]["status"] == "cancelled"

    # run-time logs: nothing ran, so no lines; --follow stops at its --timeout
    assert cli("logs", "web", "--json").json_lines() == []
    assert cli("logs", "web", "--follow", "--timeout", "1", "--interval", "0.2", "--json").exit_code == 0

    events = cli("audit", "--json").json()["items"]
    assert {"project.create", "service.create"} <= {e["action"] for e in events}
    page = cli("audit", "--limit", "2", "--json").json()
    assert len(page["items"]) == 2 and page["next"]
    older = cli("audit", "--limit", "2", "--cursor", page["next"], "--json").json()["items"]
    assert older and not {e["id"] for e in older} & {e["id"] for e in page["items"]}
    assert older[0]["created"] <= page["items"][-1]["created"]
    assert f"older events: --cursor {page['next']}" in cli("audit", "--limit", "2").stdout
    found = cli("search", "web", "--json").json()
    assert "results" in found and "total" in found
    while relay_outbox(ports.store, ports.search, batch_size=500):   # as the search worker would
        pass
    first = cli("search", "type:audit", "--limit", "1", "--json").json()
    assert first["total"] > 1 and first["next"], first
    second = cli("search", "type:audit", "--limit", "1", "--cursor", first["next"], "--json").json()
    assert second["results"] and second["results"][0]["id"] != first["results"][0]["id"]
    assert f", 1 shown; the next 1: --cursor {first['next']}" in cli("search", "type:audit", "--limit", "1").stdout
    assert "results" in cli("search", "web", "--type", "service", "--project", "shop", "--json").json()
    assert cli("projects", "use", "shop", "--json").json()["id"] == account.project_id


def test_human_output_names_things(cli, account):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    table = cli("services").stdout
    assert "NAME" in table and "web" in table and "nginx:1.27" in table
    assert "web" in cli("status").stdout
    show = cli("services", "show", "web").stdout
    assert "image" in show and "nginx:1.27" in show
    dep = cli("deploy", "web").stdout
    assert "Follow it: launchbay logs --deployment dep_" in dep


def test_a_service_name_in_several_environments_means_production_unless_env_is_given(cli, account):
    # the README's walk: create web, clone production to staging, then name web with no --env
    made = cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--json").json()
    cli("envs", "clone", "production", "staging")
    staging = cli("services", "show", "web", "--env", "staging", "--json").json()
    assert staging["environment"] == "staging" and staging["id"] != made["id"]
    assert cli("services", "show", "web", "--json").json()["id"] == made["id"]
    assert cli("cost", "web", "--json").json()["service_id"] == made["id"]
    # the same name in two environments, neither of them production: ambiguous, and said so
    cli("envs", "create", "qa")
    cli("services", "create", "api", "--image", "nginx:1.27", "--port", "80", "--env", "staging")
    cli("services", "create", "api", "--image", "nginx:1.27", "--port", "80", "--env", "qa")
    both = cli("services", "show", "api", ok=False)
    assert both.exit_code == 1 and "2 services are named 'api'" in both.stderr and "--env" in both.stderr
    # a chosen environment decides
    cli("envs", "use", "staging")
    assert cli("services", "show", "web", "--json").json()["id"] == staging["id"]


def test_the_services_table_says_each_service_s_environment(cli, account):
    """After `envs clone` the unfiltered list holds two `web` rows: ENV tells them apart."""
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    cli("envs", "clone", "production", "staging")
    for command in (("services",), ("status",)):
        lines = cli(*command).stdout.splitlines()
        assert lines[0].split()[:3] == ["ID", "NAME", "ENV"]
        assert sorted(line.split()[2] for line in lines[1:]) == ["production", "staging"]
    missing = cli("services", "show", "nope", ok=False)
    assert "no service 'nope' (known: web)" in missing.stderr        # once, not once per environment


def test_scaling_options_take_the_api_s_names_too(cli, account):
    """--min/--max, and --min-instances/--max-instances as the API and launchbay.yaml spell them."""
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--min-instances", "2", "--max", "3")
    got = cli("services", "update", "web", "--min", "1", "--max-instances", "4", "--json").json()
    assert (got["min_instances"], got["max_instances"]) == (1, 4)


def test_services_update_adds_and_removes_variables(cli, account):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--var", "A=1",
        "--var", "LAUNCHBAY_SANDBOX_FAIL=health")
    got = cli("services", "update", "web", "--var", "B=2", "--unset-var", "LAUNCHBAY_SANDBOX_FAIL", "--json").json()
    assert got["env"] == {"A": "1", "B": "2"}
    assert cli("services", "show", "web", "--json").json()["env"] == {"A": "1", "B": "2"}
    missing = cli("services", "update", "web", "--unset-var", "NOPE", ok=False)
    assert missing.exit_code == 1 and "no variable NOPE" in missing.stderr and "A, B" in missing.stderr
    assert cli("services", "show", "web", "--json").json()["env"] == {"A": "1", "B": "2"}


def test_services_and_envs_delete_name_what_goes_and_need_the_name_typed(cli, account):
    cli("envs", "create", "qa")
    cli("services", "create", "tmp", "--image", "nginx:1.27", "--port", "80", "--env", "qa")
    busy = cli("envs", "delete", "qa", "--confirm", "qa", ok=False)
    assert busy.exit_code == 1 and "still has services: tmp" in busy.stderr and "services delete" in busy.stderr
    unconfirmed = cli("services", "delete", "tmp", "--env", "qa", ok=False)     # no terminal to ask on
    assert unconfirmed.exit_code != 0 and "--confirm tmp" in unconfirmed.stderr
    assert cli("services", "show", "tmp", "--env", "qa", "--json").json()["status"] == "new"
    gone = cli("services", "delete", "tmp", "--env", "qa", "--confirm", "tmp", "--json").json()
    assert gone["status"] == "deleting"           # a worker removes it (none runs here)

    cli("envs", "create", "scratch")
    wrong = cli("envs", "delete", "scratch", "--confirm", "scrach", ok=False)
    assert wrong.exit_code != 0 and "nothing was deleted" in wrong.stderr
    assert "scratch" in {e["name"] for e in cli("envs", "--json").json()["items"]}
    done = cli("envs", "delete", "scratch", "--confirm", "scratch")
    assert "nothing in AWS yet" in done.stdout and "scratch: deleted" in done.stdout
    assert "scratch" not in {e["name"] for e in cli("envs", "--json").json()["items"]}


def test_usage_and_api_errors_exit_1_with_a_clear_message(cli, account):
    small = cli("services", "create", "web", "--image", "nginx", "--port", "80", "--memory", "100", ok=False)
    assert small.exit_code == 1 and "memory" in small.stderr and small.stdout == ""
    as_json = cli("services", "create", "web", "--image", "nginx", "--port", "80", "--memory", "100", "--json", ok=False)
    err = json.loads(as_json.stderr)["error"]
    assert as_json.exit_code == 1 and as_json.stdout == "" and err["field"] == "memory" and err["status"] in (400, 422)

    bad_kind = cli("services", "create", "web", "--image", "nginx", "--kind", "daemon", ok=False)
    assert bad_kind.exit_code == 1 and "web, worker or cron" in bad_kind.stderr
    bad_var = cli("services", "create", "web", "--image", "nginx", "--port", "80", "--var", "NOEQUALS", ok=False)
    assert bad_var.exit_code == 1 and "KEY=VALUE" in bad_var.stderr
    unknown = cli("deploy", "nope", ok=False)
    assert unknown.exit_code == 1 and "no service 'nope'" in unknown.stderr
    not_int = cli("services", "create", "web", "--image", "nginx", "--port", "eighty", ok=False)
    assert not_int.exit_code == 1 and "--port" in not_int.stderr
    both = cli("logs", ok=False)
    assert both.exit_code == 1 and "SERVICE or --deployment" in both.stderr
    no_project = cli("services", "--project", "missing", ok=False)
    assert no_project.exit_code == 1 and "no project 'missing'" in no_project.stderr
    gone = cli("cancel", "dep_00000000000000000000000000", ok=False)
    assert gone.exit_code == 1 and "404" in gone.stderr
    rollback = cli("services", "create", "api", "--image", "nginx", "--port", "80")
    assert rollback.exit_code == 0
    nothing = cli("rollback", "api", ok=False)
    assert nothing.exit_code == 1 and "no earlier release" in nothing.stderr


def _stored_secret(service_id: str, name: str) -> str:
    ports = wiring.get_ports()
    doc = ports.store.collection("secrets").find_one({"service_id": service_id, "name": name})
    return Fernet(ports.settings.fernet_key()).decrypt(doc["ciphertext"].encode()).decode()


def test_secrets_set_reads_stdin_and_the_value_never_appears(cli, account, tmp_path):
    value = "postgres://app:S3cr3t-" + base64.b32encode(b"never-print").decode() + "@db/app"
    svc = cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--json").json()
    outputs = []

    def run(*args, **kw):
        r = cli(*args, **kw)
        outputs.append(r.stdout + r.stderr)
        return r

    got = run("secrets", "set", "DATABASE_URL", "-s", "web", "--json", input=value + "\n").json()
    assert got["name"] == "DATABASE_URL" and got["version"] == 1
    assert _stored_secret(svc["id"], "DATABASE_URL") == value            # one trailing newline dropped, nothing else
    shown = run("secrets", "set", "DATABASE_URL", "-s", "web", input=value + "\n").stdout
    assert shown.startswith("Set DATABASE_URL of service web (version 2)"), shown
    pem = "-----BEGIN KEY-----\nabc\n-----END KEY-----\n"
    key_file = tmp_path / "key.pem"
    key_file.write_text(pem)
    run("secrets", "set", "TLS_KEY", "--service", svc["id"], "--from-file", str(key_file))
    assert _stored_secret(svc["id"], "TLS_KEY") == pem                   # a file is taken exactly
    listed = run("secrets", "list", "-s", "web", "--json").json()["items"]
    assert {(s["name"], s["version"]) for s in listed} == {("DATABASE_URL", 2), ("TLS_KEY", 1)}
    run("secrets", "list", "-s", "web")
    run("services", "show", "web", "--json")
    run("status", "web")
    run("audit", "--json")
    run("search", "DATABASE_URL", "--json")
    empty = run("secrets", "set", "EMPTY", "-s", "web", input="", ok=False)
    assert empty.exit_code == 1 and "nothing was given" in empty.stderr
    run("secrets", "unset", "TLS_KEY", "-s", "web")
    assert [s["name"] for s in run("secrets", "list", "-s", "web", "--json").json()["items"]] == ["DATABASE_URL"]
    env_wide = run("secrets", "set", "SENTRY_DSN", input="dsn\n").stdout          # no -s: whose it is, said
    assert env_wide.startswith("Set SENTRY_DSN of environment production (version 1)"), env_wide

    for text in outputs:
        assert value not in text and "S3cr3t" not in text and "abc\n-----END" not in text
    assert value not in cli.config_file.read_text()
    # the value is never an argument: there is no option that takes it
    refused = cli("secrets", "set", "X", "-s", "web", "--value", value, ok=False)
    assert refused.exit_code == 1 and value not in refused.stdout + refused.stderr


def test_search_help_says_it_spans_the_organization_unless_given_a_project(cli):
    """`search` ignores `projects use` (it finds things across the organization): its --project
    help said "(default: `projects use`)"."""
    shown = " ".join(cli("search", "--help").stdout.split())
    assert "default: the whole organization" in shown and "projects use" not in shown


def test_usage_errors_are_json_on_stderr_with_json(cli, account):
    """--json promises {"error": ...} on stderr: usage errors too, not click's box."""
    for args, field in ((("services", "create", "x", "--kind", "job"), "--kind"),
                        (("services", "create", "x", "--image", "nginx", "--port", "eighty"), "--port"),
                        (("logs",), "SERVICE")):
        run = cli(*args, "--json", ok=False)
        err = json.loads(run.stderr)["error"]
        assert run.exit_code == 1 and run.stdout == "" and err["code"] == "usage" and err["field"] == field, run.stderr
    plain = cli("services", "create", "x", "--kind", "job", ok=False)
    assert plain.exit_code == 1 and "Invalid value for --kind" in plain.stderr and not plain.stderr.startswith("{")


def test_envs_show_the_region_each_deploys_to(cli, account, ports):
    """`launchbay envs` said REGION "-" for every environment on the platform's account."""
    made = cli("envs", "create", "eu", "--region", "eu-west-1").stdout
    assert "Created environment eu" in made and "deploys to the platform account in eu-west-1" in made
    token = json.loads(cli.config_file.read_text())["token"]
    demo = http(cli.api_url, "POST", f"/orgs/{account.org_id}/sandbox/aws-account", {}, token=token)[1]
    made = cli("envs", "create", "far", "--account", demo["name"]).stdout
    assert f"deploys to the connected account in {demo['regions'][0]}" in made
    cli("envs", "create", "qa")
    lines = cli("envs").stdout.splitlines()
    assert lines[0].split()[:6] == ["ID", "NAME", "STATUS", "DEPLOYS", "TO", "REGION"]
    rows = {line.split()[1]: line.split() for line in lines[1:]}
    assert rows["production"][5] == rows["qa"][5] == ports.settings.aws_region      # the platform's, never "-"
    assert rows["eu"][5] == "eu-west-1" and rows["far"][5] == demo["regions"][0]
    listed = {e["name"]: e for e in cli("envs", "--json").json()["items"]}
    assert listed["qa"]["region"] is None and listed["qa"]["effective_region"] == ports.settings.aws_region
    missing = cli("envs", "create", "x", "--account", "nope", ok=False)
    assert missing.exit_code == 1 and "no AWS account connection 'nope'" in missing.stderr


def test_envs_clone_names_the_secrets_it_did_not_copy(cli, account):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    cli("secrets", "set", "DATABASE_URL", "-s", "web", input="postgres://u:hunter2@db/x")
    out = cli("envs", "clone", "production", "staging").stdout
    assert "Cloned production into staging" in out and "1 service(s)" in out
    assert "Secrets not copied, set them before deploying: DATABASE_URL" in out and "hunter2" not in out
    copied = cli("envs", "clone", "production", "qa", "--with-secrets").stdout
    assert "Secrets not copied" not in copied


def test_scheduled_scaling_from_the_cli(cli, account):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--max", "4")
    got = cli("services", "update", "web", "--scale-at", "0 8 * * 1-5=4:10", "--scale-at", "0 20 * * 1-5=1:4",
              "--scale-timezone", "Europe/Berlin", "--json").json()
    assert got["autoscaling"]["schedule"] == [
        {"at": "0 8 * * 1-5", "min_instances": 4, "max_instances": 10, "timezone": "Europe/Berlin"},
        {"at": "0 20 * * 1-5", "min_instances": 1, "max_instances": 4, "timezone": "Europe/Berlin"}]
    bad = cli("services", "update", "web", "--scale-at", "0 8 * * 1-5", ok=None)
    assert bad.exit_code != 0 and "CRON=MIN:MAX" in bad.stderr
    refused = cli("services", "update", "web", "--scale-at", "61 8 * * *=1:2", ok=None)
    assert refused.exit_code == 1 and "schedule" in refused.stderr
    cleared = cli("services", "update", "web", "--scale-at", "", "--json").json()
    assert not cleared["autoscaling"].get("schedule")
