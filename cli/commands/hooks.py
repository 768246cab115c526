"""hooks: the project's GitHub webhook (deploy on push, previews for pull requests)."""
from __future__ import annotations

import typer
from rich.text import Text

from cli.app import Json, Org, Project, app
from cli.commands.prompts import secret_input
from cli.session import Session

hooks_app = typer.Typer(help="The project's GitHub webhook: a push to an environment's tracked branch deploys it; "
                             "a pull request gets a preview environment.")
app.add_typer(hooks_app, name="hooks")
DELIVERY_COLUMNS = [("created", "RECEIVED"), ("event", "EVENT"), ("status", "STATUS"), ("outcome", "OUTCOME"),
                    ("delivery", "GITHUB DELIVERY")]


def _path(s: Session) -> str:
    return s.project_path("/hooks/github")


def outcome(result: object) -> str:
    """A delivery's result in a few words: what it deployed, skipped or why it failed."""
    if not isinstance(result, dict):
        return "-"
    for key in ("error", "skipped"):
        if result.get(key):
            return f"{key}: {result[key]}"
    parts = []
    for key, value in result.items():
        if isinstance(value, list):
            names = all(isinstance(v, str) for v in value)
            parts.append(f"{key}: {', '.join(value) if names else len(value)}")
        elif isinstance(value, (str, int, float, bool)):
            parts.append(f"{key}: {value}")
    return ", ".join(parts) or "-"


@hooks_app.command("github", epilog="""[bold]Examples[/bold]

  launchbay hooks github                  [dim]# prints the payload URL and the secret, once[/dim]

  launchbay hooks github --json | jq -r .secret

Running it again rotates the secret: paste the new one into GitHub.""")
def hooks_github(org: Org = None, project: Project = None, json: Json = False) -> None:
    """Make the project's GitHub webhook, or rotate its secret (project admins).

    The secret is shown this once; deliveries act with the rights of the admin who ran this."""
    s = Session(json, org=org, project=project)
    got = s.client.post(_path(s))

    def human() -> None:
        s.out.line(Text("Rotated the GitHub webhook secret: update it in GitHub now (the old one stops working)."
                        if got.get("rotated") else "Made the project's GitHub webhook.", style="bold"))
        s.out.fields({"payload URL": got.get("url"), "secret": got.get("secret"),
                      "content type": got.get("content_type"), "events": ", ".join(got.get("events") or [])})
        s.out.line(Text("The secret is shown this once: keep it.", style="yellow"))
        s.out.line("")
        s.out.line(Text("In GitHub: the repository's Settings → Webhooks → Add webhook (or edit it)", style="bold"))
        s.out.line(f"  1. Payload URL: {got.get('url')}")
        s.out.line(f"  2. Content type: {got.get('content_type') or 'application/json'}")
        s.out.line("  3. Secret: the secret above")
        s.out.line("  4. Which events: Let me select individual events → Pushes and Pull requests")
        s.out.line("  5. Add webhook: GitHub sends a ping, answered 200")
        s.out.line("Then let an environment track a branch (PATCH its \"branch\", or `branch:` in launchbay.yaml); "
                   "`launchbay hooks show` lists the deliveries.")
    s.out.result(got, human)


@hooks_app.command("show", epilog="""[bold]Examples[/bold]

  launchbay hooks show

  launchbay hooks show --json""")
def hooks_show(org: Org = None, project: Project = None, json: Json = False) -> None:
    """The project's GitHub webhook (never its secret) and its latest deliveries: what each did.

    Before one is made it says so (exit 0; `--json`: `configured: false`)."""
    s = Session(json, org=org, project=project)
    got = s.client.get(_path(s))
    rows = [{**d, "outcome": outcome(d.get("result"))} for d in got.get("deliveries") or []]

    def human() -> None:
        if got.get("configured") is False:
            s.out.line("No GitHub webhook yet: `launchbay hooks github` makes one (its URL will be "
                       f"{got.get('url')}).")
            return
        s.out.fields({**got, "events": ", ".join(got.get("events") or [])},
                     ["id", "provider", "url", "events", "created", "updated"])
        s.out.line("")
        s.out.table(rows, DELIVERY_COLUMNS, "no deliveries yet")
    s.out.result(got, human)


# --- the organization's GitHub token: builds of private repositories -------------------

token_app = typer.Typer(help="The organization's GitHub token, which builds clone private repositories with "
                             "(admins set it; it is never shown again).")
app.add_typer(token_app, name="github-token")


def _token_path(s: Session) -> str:
    return s.org_path("/git/github")


def _token_fields(got: dict) -> dict:
    return {k: got.get(k) for k in ("configured", "hint", "version", "set_by", "updated") if k in got}


@token_app.command("set", epilog="""[bold]Examples[/bold]

  launchbay github-token set                         [dim]# asks for it (no echo)[/dim]

  printf '%s' "$GITHUB_TOKEN" | launchbay github-token set

A fine-grained token with read access to the repositories' contents is enough.""")
def token_set(org: Org = None, json: Json = False) -> None:
    """Set or replace the token (from stdin, or a hidden prompt on a terminal; never an argument)."""
    s = Session(json, org=org)
    value = secret_input("GitHub token: ")
    got = s.client.put(_token_path(s), {"token": value})
    del value
    s.out.result(got, lambda: s.out.line(f"Set the GitHub token {got.get('hint')} (version {got.get('version')}): "
                                         "builds clone with it from their next deploy"))


@token_app.command("show", epilog="[bold]Example[/bold]\n\n  launchbay github-token show --json")
def token_show(org: Org = None, json: Json = False) -> None:
    """Whether the organization has a token: its last four characters, version, who set it and when."""
    s = Session(json, org=org)
    got = s.client.get(_token_path(s))

    def human() -> None:
        if not got.get("configured"):
            s.out.line("No GitHub token: builds clone public repositories only (`launchbay github-token set`).")
            return
        s.out.fields(_token_fields(got))
    s.out.result(got, human)


@token_app.command("remove", epilog="[bold]Example[/bold]\n\n  launchbay github-token remove")
def token_remove(org: Org = None, json: Json = False) -> None:
    """Remove the token; its copies leave the AWS accounts builds ran in."""
    s = Session(json, org=org)
    s.client.delete(_token_path(s))
    s.out.result({"configured": False}, lambda: s.out.line(
        "Removed the GitHub token: builds clone public repositories only; its copies leave your AWS accounts shortly"))
