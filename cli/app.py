"""The root typer app, the options every command shares, and the exit-code contract."""
from __future__ import annotations

import inspect
from typing import Annotated, Any, Optional

import typer
from typer._click.exceptions import UsageError  # typer vendors click; pinned in requirements-cli.txt
from typer.core import TyperGroup

from cli.client import ApiError
from cli.output import Out, dumps
from cli.session import JSON_MODE, CliError

EXIT_OK, EXIT_ERROR, EXIT_DEPLOY_FAILED = 0, 1, 2

HELP = """Launchbay from the command line: log in, describe services, deploy and watch them.

[bold]Exit codes[/bold]: [bold]0[/bold] success (for `deploy --wait` / `rollback --wait`: the deployment is live);
[bold]1[/bold] an API error, a usage error or a timeout; [bold]2[/bold] the deployment ended failed,
rolled_back, cancelled or superseded (`resources ... --wait`: the resource ended failed).

Every command takes [bold]--json[/bold]: one JSON document on stdout and nothing else (log
streams: one JSON object per line). Errors go to stderr (as `{"error": {...}}` with --json).

The API is --api, else $LAUNCHBAY_API, else the one saved by `login`, else http://127.0.0.1:8000/v1.
$LAUNCHBAY_TOKEN, $LAUNCHBAY_ORG, $LAUNCHBAY_PROJECT and $LAUNCHBAY_ENV override the saved login and defaults."""

EPILOG = """[bold]Examples[/bold]

  launchbay login --email me@example.com

  launchbay projects use shop

  launchbay services create web --image nginx:1.27 --port 80

  launchbay deploy web --wait

  launchbay resources create db --kind postgres --wait && launchbay resources link db -s web

  launchbay logs web --follow --timeout 60"""


class Group(TyperGroup):
    """Click exits 2 on usage errors; here 2 means "the deployment failed", so usage errors
    exit 1, and API/CLI errors are reported in one place (text, or JSON with --json)."""

    def make_context(self, *args: Any, **kwargs: Any):
        try:
            return super().make_context(*args, **kwargs)
        except UsageError as exc:
            exc.exit_code = EXIT_ERROR
            raise

    def invoke(self, ctx):
        args = ctx._protected_args + ctx.args                   # read now: invoking consumes them
        wants_json = "--json" in (args[:args.index("--")] if "--" in args else args)   # not a `run` command's
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            exc.exit_code = EXIT_ERROR
            if not wants_json:
                raise
            # --json promises {"error": ...} on stderr, usage errors included (scripts parse it)
            param = getattr(exc, "param", None)   # BadParameter and MissingParameter carry one
            hint = getattr(exc, "param_hint", None) or (param.opts[0] if param is not None else None)
            doc = {"error": {"code": "usage", "message": exc.format_message(), "field": hint}}
            Out(True).err.print(dumps(doc), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_ERROR) from None
        except (ApiError, CliError) as exc:
            report(exc)
            raise typer.Exit(EXIT_ERROR) from None


def report(exc: Exception) -> None:
    out = Out(JSON_MODE.get())
    if out.json:
        doc = exc.document() if isinstance(exc, ApiError) else {"error": {"code": "usage", "message": str(exc), "field": None}}
        out.err.print(dumps(doc), markup=False, highlight=False, soft_wrap=True)
    else:
        out.err.print(f"Error: {exc}", style="red", markup=False, highlight=False, soft_wrap=True)
        for named in exc.resources if isinstance(exc, ApiError) else ():   # what the refusal names, with ids
            out.err.print(f"  {named['type']} {named['name']} ({named['id']})", markup=False, highlight=False,
                          soft_wrap=True)
        if isinstance(exc, ApiError) and exc.status == 401 and exc.message in STALE_LOGIN:
            out.err.print(STALE_HINT, markup=False, highlight=False, soft_wrap=True)


# the API's words for a saved login that no longer works (access tokens last LAUNCHBAY_JWT_TTL_SECONDS)
STALE_LOGIN = ("token expired", "the session has ended: log in again", "token is not valid",
               "the API token has expired")
STALE_HINT = ("Log in again: launchbay login. For scripts and CI, an API token lasts until revoked (or until "
              "its --expires-days): `launchbay tokens create`, then `launchbay login --token` (or LAUNCHBAY_TOKEN).")


def unwrap(text: str) -> str:
    """Help prose as paragraphs: typer's rich mode keeps a docstring's single line breaks, so a
    sentence broke where the source line ended ("(they\n would end up\n in the shell history")."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def tidy_help(typer_app: typer.Typer) -> None:
    """unwrap() the help of every command and group under `typer_app` (epilogs keep their lines)."""
    if isinstance(typer_app.info.help, str):
        typer_app.info.help = unwrap(typer_app.info.help)
    for command in typer_app.registered_commands:
        if command.help:
            command.help = unwrap(command.help)
        elif command.callback is not None and command.callback.__doc__:
            command.callback.__doc__ = unwrap(command.callback.__doc__)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            tidy_help(group.typer_instance)


app = typer.Typer(cls=Group, name="launchbay", help=HELP, epilog=EPILOG, rich_markup_mode="rich",
                  no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})

# --- options shared by the commands ---------------------------------------------------
Json = Annotated[bool, typer.Option("--json", help="Machine output: JSON on stdout, nothing else.")]
Org = Annotated[Optional[str], typer.Option("--org", help="Organization id or name (default: `orgs use`).")]
Project = Annotated[Optional[str], typer.Option("--project", "-p", help="Project id or name (default: `projects use`).")]
Env = Annotated[Optional[str], typer.Option("--env", "-e", help="Environment id or name (default: `envs use`).")]
Api = Annotated[Optional[str], typer.Option("--api", help="API base URL, e.g. http://127.0.0.1:8000/v1.")]
