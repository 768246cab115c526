"""`launchbay registries` through the real CLI and API, against a real registry on loopback
(tests/support/registry.py): `login` signs in before anything is saved and takes the password from
stdin, a variable or a hidden prompt, never from an argument; list/show/--json name the user and the
password's last four characters, never the password; `logout` asks first; members who are not
admins are refused in the API's words; `deploy --plan` says whose credentials an image pulls with."""
from __future__ import annotations

import json
import uuid

from cli.output import deploy_plan_lines, registry_host
from tests.cli.conftest import PASSWORD as ACCOUNT_PASSWORD
from tests.cli.conftest import Cli, http
from tests.support.mailbox import invitation_token
from tests.support.processes import CeleryWorker

SECRET = "s3cret-pull-pass"      # the registry fixture's password of user bot


def said(run) -> str:
    return " ".join((run.stdout + run.stderr).split())


def test_login_checks_the_password_first_and_nothing_shows_it(cli, account, registry):
    host = registry.host
    assert "no registry credentials" in cli("registries").stdout
    assert cli("registries", "list", "--json").json() == {"items": []}

    # a wrong password: the registry refuses, nothing is saved, exit 1 with the API's words
    wrong = cli("registries", "login", host, "-u", "bot", "--password-stdin", input="wrong-password\n", ok=False)
    assert wrong.exit_code == 1 and wrong.stdout == ""
    assert f"Error: signing in to {host} failed: the registry's token service refused the credentials of bot" \
        in said(wrong), said(wrong)
    assert "(field: password) [422" in wrong.stderr and "nothing was saved" in said(wrong)
    err = json.loads(cli("registries", "login", host, "-u", "bot", "--password-stdin", "--json",
                         input="wrong-password\n", ok=False).stderr)["error"]
    assert (err["field"], err["status"]) == ("password", 422)
    assert cli("registries", "--json").json()["items"] == []
    assert registry.requests and not any(user for _, _, user in registry.requests)   # asked, refused

    # the right one, from stdin: signed in, saved
    made = cli("registries", "login", host, "-u", "bot", "--password-stdin", input=SECRET + "\n")
    assert made.stdout.strip() == (f"Signed in to {host} as bot; deploys of images in {host} pull with these "
                                   "credentials from their next start"), made.stdout
    assert SECRET not in made.stdout + made.stderr
    assert any(user == "bot" for _, _, user in registry.requests)   # it really signed in

    rows = [line.split() for line in cli("registries").stdout.splitlines()]
    assert rows[0] == ["HOST", "USER", "PASSWORD", "CHECK", "UPDATED"]
    assert rows[1][:5] == [host, "bot", "…pass", "signed", "in"], rows
    listed = cli("registries", "list", "--json")
    assert [(i["host"], i["username"], i["hint"], i["password_set"], i["version"], i["check"]["ok"])
            for i in listed.json()["items"]] == [(host, "bot", "…pass", True, 1, True)]
    shown = cli("registries", "show", host)
    for words in (f"host        {host}", "username    bot", "password    set (…pass; never shown)",
                  "version     1", f"check       signed in to {host} as bot", "checked_at  ",
                  f"set_by      {account.email}"):
        assert words in shown.stdout, (words, shown.stdout)
    as_json = cli("registries", "show", host, "--json")
    assert as_json.json()["username"] == "bot" and "password" not in as_json.json()
    for run in (listed, shown, as_json):
        assert SECRET not in run.stdout + run.stderr

    # again, from a variable named by --password-env, with the host as docker login takes it (a URL)
    again = cli("registries", "login", f"http://{host}/v2/", "-u", "bot", "--password-env", "PULL_PASS", "--json",
                env={"PULL_PASS": SECRET})
    assert (again.json()["host"], again.json()["version"]) == (host, 2) and SECRET not in again.stdout
    assert "ghcr.io" == registry_host("ghcr.io/acme/api:1") and registry_host("nginx:1.27") == "docker.io"

    # logout asks first; no, or no answer, removes nothing
    kept = cli("registries", "logout", host, input="n\n", ok=False)
    assert kept.exit_code == 1 and f"Remove bot's credentials for {host}?" in kept.stderr
    assert "nothing was removed" in kept.stderr
    silent = cli("registries", "logout", host, input="", ok=False)
    assert silent.exit_code == 1 and "add --yes to remove without asking" in silent.stderr
    refused = cli("registries", "logout", host, "--json", ok=False)
    assert refused.exit_code == 1 and json.loads(refused.stderr)["error"]["message"] == \
        "--json cannot ask for confirmation: add --yes"
    assert len(cli("registries", "--json").json()["items"]) == 1

    gone = cli("registries", "logout", host, input="y\n")
    assert f"Removed the credentials for {host}: later deploys pull its images without credentials" in gone.stdout
    assert cli("registries", "--json").json()["items"] == []
    missing = cli("registries", "logout", host, "--yes", ok=False)
    assert missing.exit_code == 1 and f"Error: no credentials for {host}: nothing to remove (field: host) [404" in \
        missing.stderr, missing.stderr
    unknown = cli("registries", "show", host, ok=False)
    assert unknown.exit_code == 1 and f"no credentials for {host}: `launchbay registries login {host} -u USER` " \
        "sets them (field: host) [404" in said(unknown), said(unknown)

    # a registry the sandbox cannot reach: saved, and said to be unchecked
    elsewhere = cli("registries", "login", "GHCR.io", "-u", "octocat", "--password-stdin", input="ghp_t0ken\n")
    assert said(elsewhere) == ("Saved octocat's credentials for ghcr.io (not checked: the sandbox reaches no registry "
                               "but one on this machine; ECS signs in with these credentials when it pulls); deploys "
                               "of images in ghcr.io pull with these credentials from their next start")
    assert "not checked" in [line for line in cli("registries").stdout.splitlines() if "ghcr.io" in line][0]
    cli("registries", "logout", "ghcr.io", "--yes")

    # --yes, --json: no question
    cli("registries", "login", host, "-u", "bot", "--password-stdin", input=SECRET + "\n")
    assert cli("registries", "logout", host, "--yes", "--json").json() == {"host": host, "username": "bot",
                                                                            "removed": True}


def test_the_password_is_never_an_argument(cli, account, registry):
    host = registry.host

    def refused(*args, env=None, input=None) -> str:
        run = cli("registries", "login", host, *args, env=env, input=input, ok=False)
        assert run.exit_code == 1, run.stdout
        return " ".join(run.stderr.split())

    assert "the password is never taken as an argument" in refused("-u", "bot", "--password", SECRET)
    assert "the password is never taken as an argument" in refused("-u", "bot", "-p", SECRET)
    # not a terminal and no way given: how to give it
    assert "pipe it in (--password-stdin) or name the environment variable holding it (--password-env VAR)" in \
        refused("-u", "bot")
    assert "PULL_PASS is not set in this shell's environment" in refused("-u", "bot", "--password-env", "PULL_PASS",
                                                                          env={"PULL_PASS": None})
    assert "give the password one way" in refused("-u", "bot", "--password-stdin", "--password-env", "X",
                                                  input=SECRET + "\n")
    assert "give the user name: -u USER" in refused("--password-stdin", input=SECRET + "\n")
    assert "Password: nothing was given on stdin" in refused("-u", "bot", "--password-stdin", input="")
    assert cli("registries", "--json").json()["items"] == []        # nothing reached the API

    # hosts that take no credentials: the API's refusal at field host
    ecr = cli("registries", "login", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "-u", "AWS", "--password-stdin",
              input="x\n", ok=False)
    assert ecr.exit_code == 1 and "task execution role" in ecr.stderr and "(field: host) [422" in ecr.stderr
    err = json.loads(cli("registries", "login", "public.ecr.aws", "-u", "bot", "--password-stdin", "--json",
                         input="x\n", ok=False).stderr)["error"]
    assert (err["field"], err["status"]) == ("host", 422)

    # on a real terminal: the user name and the password are asked, the name echoed as typed, the
    # password not
    made = cli.in_terminal("registries", "login", host, replies=(("Username: ", "bot"), ("Password: ", SECRET)))
    assert made.exit_code == 0 and "Username: bot" in made.stdout, made.stdout
    assert f"Signed in to {host} as bot" in made.stdout and SECRET not in made.stdout


def test_members_see_the_credentials_and_only_admins_change_them(cli, account, registry, tmp_path):
    host = registry.host
    cli("registries", "login", host, "-u", "bot", "--password-stdin", input=SECRET + "\n")
    dev = f"dev-{uuid.uuid4().hex[:8]}@example.com"
    cli("members", "invite", dev, "--role", "developer")
    status, body = http(cli.api_url, "POST", "/auth/signup", {"email": dev, "password": ACCOUNT_PASSWORD,
                                                              "organization": "Dev's own",
                                                              "invitation": invitation_token(dev)})
    assert status == 201, body
    as_dev = Cli(cli.api_url, tmp_path / "dev")
    as_dev("login", "--email", dev, "--org", "Acme", input=ACCOUNT_PASSWORD + "\n")

    seen = as_dev("registries", "--json")
    assert [(i["host"], i["username"]) for i in seen.json()["items"]] == [(host, "bot")]
    assert SECRET not in seen.stdout
    denied = as_dev("registries", "login", host, "-u", "bot", "--password-stdin", input="other-pass\n", ok=False)
    assert denied.exit_code == 1 and "setting container registry credentials" in denied.stderr, denied.stderr
    assert "[403" in denied.stderr
    err = json.loads(as_dev("registries", "logout", host, "--yes", "--json", ok=False).stderr)["error"]
    assert err["status"] == 403
    assert cli("registries", "show", host, "--json").json()["version"] == 1      # unchanged


def test_deploy_plan_says_whose_credentials_the_image_pulls_with(cli, account, registry, launchbay_env):
    host = registry.host
    cli("registries", "login", host, "-u", "bot", "--password-stdin", input=SECRET + "\n")
    cli("services", "create", "web", "--image", f"{host}/acme/api:1.0", "--port", "80")
    plan = cli("deploy", "web", "--plan")
    assert f"+ container image {host}/acme/api:1.0\n      registry credentials: {host} as bot (v1)" in plan.stdout, plan.stdout
    assert SECRET not in plan.stdout

    # deployed (a real worker): the credentials are in the account, the plan's image step is a no-op,
    # still said; the deployment's image step names them, never the password
    worker = CeleryWorker(launchbay_env, ["deploys", "default"], name="registries").start()
    try:
        live = cli("deploy", "web", "--wait", "--timeout", "120", "--json", ok=None)
    finally:
        worker.stop()
    assert live.exit_code == 0, live.stdout + live.stderr + worker.output()[-3000:]
    image = next(s for s in live.json()["steps"] if s["name"] == "image")["result"]
    assert image["credentials"]["host"] == host and image["credentials"]["username"] == "bot"
    assert image["image"] == f"{host}/acme/api@{registry.digest('acme/api', '1.0')}"
    again = cli("deploy", "web", "--plan").stdout
    assert f"  · container image {host}/acme/api:1.0: pulls with the credentials for {host} (bot)" in again, again
    assert SECRET not in live.stdout + again

    # the same line from a plan as the API answers it
    step = {"step": "image", "resource": "container image", "name": f"{host}/acme/api:1.0", "action": "no-op",
            "changes": {}, "calls": [{"method": "resolve_private_image",
                                      "args": {"image": f"{host}/acme/api:1.0", "username": "bot",
                                               "password": "<secret REGISTRY_X v1>"}}]}
    lines = [t.plain for t in deploy_plan_lines("web", {"steps": [step, {"step": "rollout", "action": "no-op"}],
                                                        "message": "nothing would change"})]
    assert f"  · container image {host}/acme/api:1.0: pulls with the credentials for {host} (bot)" in lines
    assert "  unchanged: rollout" in lines
