"""deploy-hook: a service's secret deploy URL, for a CI job that pushed an image, a registry's push
webhook or a script, without an API token that could do anything else. `create` makes it (or
rotates its key) and prints the URL and the key once, with a curl line to call it; `show` says
whether there is one (never the key); `remove` deletes it; `call` calls it with no login at all."""
from __future__ import annotations

import json
import re
import shlex
import uuid
from typing import Annotated, Any, Optional
from urllib.parse import parse_qs, urlsplit

import typer
from rich.text import Text

from cli.app import Api, Env, Json, Org, Project, app
from cli.client import Client, segment
from cli.commands.deploys import SERVICE_ARG
from cli.commands.prompts import confirmed, secret_option
from cli.session import CliError, Session

HEADER = "X-Launchbay-Hook-Key"
CI_SECRET = "LAUNCHBAY_DEPLOY_HOOK_KEY"   # the name the hints give the key in a CI's secrets
HOOK_ID = re.compile(r"dh_[A-Za-z0-9_-]+")

deploy_hook_app = typer.Typer(help="A service's deploy hook: a secret URL that deploys the service and can do nothing "
                                   "else, for a CI job that pushed an image or a registry's push webhook (no API "
                                   "token needed). The key is shown once, when the hook is made or rotated.",
                              no_args_is_help=True)
app.add_typer(deploy_hook_app, name="deploy-hook")


def hook_url(api: str, path: str) -> str:
    """The hook's full URL: the API base the CLI uses (…/v1) and the path the API answers (/v1/deploy-hooks/…),
    so an API behind a path prefix (https://example.com/launchbay/v1) keeps it."""
    api = api.rstrip("/")
    if path.startswith("/v1/") and api.endswith("/v1"):
        return api + path[len("/v1"):]
    parts = urlsplit(api)
    return f"{parts.scheme}://{parts.netloc}{path}"


def repository_of(image: str) -> str:
    """ghcr.io/acme/api:1.4 -> ghcr.io/acme/api (a digest or a tag dropped; a registry's port kept)."""
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def curl_line(url: str, header: str, body: Optional[dict[str, Any]] = None, flags: tuple[str, ...] = ()) -> str:
    """A curl command that calls the hook, for a POSIX shell; `header` is the key's header as a shell
    word already (`key_header` for a key itself)."""
    words = [shlex.quote(w) for w in ("curl", *flags, "-X", "POST", "-H")] + [header]
    if body is not None:
        words += [shlex.quote(w) for w in ("-H", "Content-Type: application/json", "-d",
                                           json.dumps(body, separators=(",", ":")))]
    return " ".join(words + [shlex.quote(url)])


def key_header(key: str) -> str:
    return shlex.quote(f"{HEADER}: {key}")


def ci_body(svc: dict[str, Any]) -> dict[str, Any]:
    """What a CI job sends: the image it pushed, tagged with the commit (a service built from source:
    the commit to build)."""
    if svc.get("image"):
        return {"image": repository_of(svc["image"]) + ":${{ github.sha }}"}
    return {"commit": {"sha": "${{ github.sha }}"}}


def _path(s: Session, svc: dict[str, Any]) -> str:
    return s.org_path(f"/services/{segment(svc['id'])}/deploy-hook")


def _with_url(s: Session, got: dict[str, Any]) -> dict[str, Any]:
    return {**got, "url": hook_url(s.api, got["path"])} if got.get("path") else got


def _where(svc: dict[str, Any]) -> str:
    return f"{svc['name']} ({svc['environment']})" if svc.get("environment") else svc["name"]


def _uses(hook: dict[str, Any]) -> str:
    n = hook.get("uses") or 0
    return "never used" if not n else f"used {n} time{'' if n == 1 else 's'}" + (
        f", last {hook['last_used']}" if hook.get("last_used") else "")


def _confirm(question: str, nothing: str, flag: str) -> None:
    if not confirmed(question, f"{nothing}: no answer on stdin (add {flag})"):
        raise CliError(nothing)


Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking.")]


@deploy_hook_app.command("create", epilog=f"""[bold]Examples[/bold]

  launchbay deploy-hook create web                  [dim]# prints the URL, the key (once) and a curl line[/dim]

  launchbay deploy-hook create web --yes            [dim]# rotate the key without asking: the old one stops working[/dim]

  launchbay deploy-hook create api --env staging --json | jq -r .key

Then, in CI after pushing ghcr.io/acme/api:<sha>, with the key in a secret:

  curl -X POST -H "{HEADER}: $KEY" -d '{{"image":"ghcr.io/acme/api:<sha>"}}' URL""")
def deploy_hook_create(
    service: SERVICE_ARG, yes: Yes = False,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Make the service's deploy hook, or rotate its key (developers and up). Prints the URL and the
    key, shown this once, with a curl line to call it.

    The hook deploys this service only, as you, for as long as you may deploy it. Rotating asks first
    (unless --yes): the URL stays, the old key stops working at once."""
    s = Session(json, org=org, project=project, env=env)
    svc = s.service(service)
    path = _path(s, svc)
    before = s.client.get(path)
    if before.get("configured"):
        if json and not yes:
            raise CliError(f"{svc['name']} has a deploy hook already: rotating its key breaks the old one, and "
                           "--json cannot ask for confirmation: add --yes")
        if not yes:
            _confirm(f"{_where(svc)} has a deploy hook (key {before.get('hint')}, {_uses(before)}). Rotate its key? "
                     "The old key stops working at once: whatever calls the hook needs the new one.",
                     "nothing was rotated", "--yes to rotate without asking")
    got = _with_url(s, s.client.post(path))

    def human() -> None:
        url, key = got["url"], got["key"]
        if before.get("configured"):
            s.out.line(Text(f"Rotated the deploy hook key of {_where(svc)}: the old key stops working now.",
                            style="bold"))
        else:
            s.out.line(Text(f"Made the deploy hook of {_where(svc)}.", style="bold"))
        s.out.fields({"URL": url, "header": got.get("header") or HEADER, "key": key})
        s.out.line(Text(f"The key is shown this once: keep it (in CI, as the secret {CI_SECRET}). Anyone with it "
                        f"can deploy {svc['name']}, and nothing else.", style="yellow"))
        s.out.line("")
        s.out.line(f"Deploy {svc['name']} now (its image as set):")
        s.out.line("  " + curl_line(url, key_header(key)))
        s.out.line(f"From GitHub Actions, after the push (the key in the repository secret {CI_SECRET}):")
        s.out.line("  " + curl_line(url, key_header("${{ secrets." + CI_SECRET + " }}"), ci_body(svc),
                                    ("--fail-with-body", "-sS")))
        s.out.line("An image must be a tag or digest of the service's own repository. "
                   f"`launchbay deploy-hook show {svc['name']}` shows the hook's uses (never the key).")
    s.out.result(got, human)


@deploy_hook_app.command("show", epilog="""[bold]Examples[/bold]

  launchbay deploy-hook show web

  launchbay deploy-hook show web --json""")
def deploy_hook_show(
    service: SERVICE_ARG, org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Whether the service has a deploy hook: its URL, the key's last four characters (never the key),
    how often and when it was last used, and who made it (the hook acts as them).

    None yet: says so (exit 0; --json: `configured: false`)."""
    s = Session(json, org=org, project=project, env=env)
    svc = s.service(service)
    got = _with_url(s, s.client.get(_path(s, svc)))

    def human() -> None:
        if not got.get("configured"):
            s.out.line(f"{_where(svc)} has no deploy hook: `launchbay deploy-hook create {svc['name']}` makes one.")
            return
        s.out.fields({"URL": got["url"], "header": got.get("header") or HEADER,
                      "key": f"{got.get('hint')} (shown once when made or rotated: `deploy-hook create` rotates it)",
                      "uses": got.get("uses", 0), "last used": got.get("last_used") or "never",
                      "made by": got.get("created_by"), "created": got.get("created"),
                      "rotated": (f"{got.get('rotated')} by {got.get('rotated_by')}"
                                  if got.get("rotated") and got.get("rotated") != got.get("created") else None),
                      "acts as": got.get("acts_as"),
                      "id": got.get("id")})
        s.out.line("")
        s.out.line("Call it: " + curl_line(got["url"], f'"{HEADER}: ${CI_SECRET}"'))
    s.out.result(got, human)


@deploy_hook_app.command("remove", epilog="""[bold]Examples[/bold]

  launchbay deploy-hook remove web

  launchbay deploy-hook remove web --env staging --yes --json""")
def deploy_hook_remove(
    service: SERVICE_ARG, yes: Yes = False,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Remove the service's deploy hook (developers and up): its URL deploys nothing from now on. Asks
    first, unless --yes. A service without one: says so (exit 0)."""
    s = Session(json, org=org, project=project, env=env)
    if json and not yes:
        raise CliError("--json cannot ask for confirmation: add --yes")
    svc = s.service(service)
    path = _path(s, svc)
    before = s.client.get(path)
    if not before.get("configured"):
        s.out.result({"service": svc["id"], "removed": False}, lambda: s.out.line(
            f"{_where(svc)} has no deploy hook: nothing to remove"))
        return
    if not yes:
        _confirm(f"Remove the deploy hook of {_where(svc)} (key {before.get('hint')}, {_uses(before)})? Whatever "
                 "calls it stops deploying.", "nothing was removed", "--yes to remove without asking")
    s.client.delete(path)
    s.out.result({"service": svc["id"], "removed": True}, lambda: s.out.line(
        f"Removed the deploy hook of {_where(svc)}: its URL deploys nothing now"))


# --- call: what CI runs; needs no login --------------------------------------------------

def _target(ref: str, api: str) -> str:
    """The hook's URL from a URL (as `create` printed it) or a hook id (with the API the CLI uses)."""
    if HOOK_ID.fullmatch(ref):
        return hook_url(api, f"/v1/deploy-hooks/{ref}")
    parts = urlsplit(ref)
    if parts.scheme not in ("http", "https") or not parts.netloc or not HOOK_ID.fullmatch(parts.path.rstrip("/").rsplit("/", 1)[-1]):
        raise typer.BadParameter(f"{ref!r} is neither a deploy hook's URL (…/v1/deploy-hooks/dh_…) nor its id (dh_…)",
                                 param_hint="URL_OR_ID")
    if "key" in parse_qs(parts.query):
        raise typer.BadParameter("the key is never taken in the URL (it would end up in the shell history and the "
                                 "process list): drop ?key= and give it with --key-env VAR or --key-stdin",
                                 param_hint="URL_OR_ID")
    return ref


def _key(stdin: bool, env_var: Optional[str]) -> str:
    """The key, never an argument: from the environment variable --key-env names, from stdin, or asked
    without echo on a terminal."""
    value = secret_option(stdin, env_var, prompt="Deploy hook key: ", flags=("--key-stdin", "--key-env"),
                          what="key", strip=True, no_terminal_hint="--key-env",
                          no_terminal="no terminal to ask for the key on: name the environment variable holding "
                                      f"it (--key-env {CI_SECRET}) or pipe it in (--key-stdin); never as an argument")
    assert value is not None   # required: given, or refused
    return value


@deploy_hook_app.command("call", epilog=f"""[bold]Examples[/bold]

  launchbay deploy-hook call https://lb.example.com/v1/deploy-hooks/dh_... --key-env {CI_SECRET}

  launchbay deploy-hook call URL --key-env {CI_SECRET} --image ghcr.io/acme/api:$GITHUB_SHA

  printf '%s' "$KEY" | launchbay deploy-hook call dh_... --key-stdin --api https://lb.example.com --json

It needs no login: CI can run it with the URL and the key only. It queues the deployment and prints its id; following it needs a login (`launchbay logs --deployment dep_... --follow`).""")
def deploy_hook_call(
    target: Annotated[str, typer.Argument(metavar="URL_OR_ID", help="The hook's URL, as `create` printed it, or its "
                                                                    "id (dh_…) with the API from --api, "
                                                                    "$LAUNCHBAY_API or the login.")],
    key_env: Annotated[Optional[str], typer.Option("--key-env", metavar="VAR", help="Read the key from this "
                                                                                   "environment variable.")] = None,
    key_stdin: Annotated[bool, typer.Option("--key-stdin", help="Read the key from stdin.")] = False,
    image: Annotated[Optional[str], typer.Option("--image", help="Deploy this tag or digest of the service's own "
                                                                 "repository (default: the service's image).")] = None,
    commit: Annotated[Optional[str], typer.Option("--commit", metavar="SHA", help="A service built from source: "
                                                  "build this commit (default: its branch head).")] = None,
    idempotency_key: Annotated[Optional[str], typer.Option(
        "--idempotency-key", metavar="KEY", help="Calls with the same key start one deployment (e.g. the CI run's id); "
                                                 "default: a new one per call.")] = None,
    key: Annotated[Optional[str], typer.Option("--key", hidden=True)] = None,
    api: Api = None,
    json: Json = False,
) -> None:
    """Call a deploy hook: queue a deployment of its service, as CI would, with no login (only the
    URL and the key). Prints the deployment's id and status.

    The key is never taken from the command line: from an environment variable (--key-env), stdin
    (--key-stdin), or asked without echo on a terminal. Your login's token is never sent."""
    if key is not None:
        raise typer.BadParameter("the key is never taken as an argument (it stays in the shell history and the "
                                 "process list): name the variable holding it with --key-env VAR, pipe it in with "
                                 "--key-stdin, or leave both out to be asked", param_hint="--key")
    if commit is not None and not re.fullmatch(r"[0-9a-fA-F]{7,64}", commit):
        raise typer.BadParameter("a commit SHA is 7 to 64 hex digits, e.g. 3f2c9e1", param_hint="--commit")
    s = Session(json, api=api, need_login=False)
    url = _target(target, s.api)
    value = _key(key_stdin, key_env)
    body: dict[str, Any] = {}
    if image:
        body["image"] = image
    if commit:
        body["commit"] = {"sha": commit}
    # a client of its own, with no token: the URL may be any server's, and the hook needs none
    dep = Client(url).post("", body, headers={HEADER: value,
                                              "Idempotency-Key": idempotency_key or "cli-" + uuid.uuid4().hex})
    del value

    def human() -> None:
        where = f"{dep.get('service_name')} ({dep.get('environment')})"
        sandbox = " (sandbox)" if dep.get("sandbox") else ""
        s.out.line(f"Deployment #{dep.get('number')} of {where} is {str(dep.get('status')).replace('_', ' ')}: "
                   f"{dep.get('id')} ({dep.get('image')}){sandbox}")
        if dep.get("status") == "awaiting_approval":
            s.out.line(f"It waits for approval by an admin or owner: launchbay approve {dep.get('id')}")
        s.out.line(f"Follow it (logged in): launchbay logs --deployment {dep.get('id')} --follow")
    s.out.result(dep, human)
