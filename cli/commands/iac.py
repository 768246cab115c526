"""plan, apply, export, import: the project as code (launchbay.yaml, or Copilot/Compose/Heroku files)."""
from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
import yaml

from cli.app import Json, Org, Project, app
from cli.commands.prompts import confirmed
from cli.output import cost_lines, plan_lines
from cli.session import CliError, Session

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
COMPOSE_OVERRIDES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yml",
                     "docker-compose.override.yaml")
LAUNCHBAY_FILES = ("launchbay.yaml", "launchbay.yml")


class Format(str, Enum):
    launchbay = "launchbay"
    copilot = "copilot"
    compose = "compose"
    heroku = "heroku"


class ImportFormat(str, Enum):
    copilot = "copilot"
    compose = "compose"
    heroku = "heroku"


# --- collecting files ---------------------------------------------------------------

def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc.__class__.__name__}: {exc}") from None


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _compose_env_files(root: Path, compose: Path) -> list[Path]:
    """The env_file entries of every service (a string, a list of strings, or of {path, required})."""
    try:
        doc = yaml.safe_load(_read(compose)) or {}
    except yaml.YAMLError as exc:
        raise CliError(f"{compose}: not valid YAML: {exc}") from None
    found: list[Path] = []
    services = doc.get("services") if isinstance(doc, dict) else None
    for svc in (services or {}).values():
        entries = (svc or {}).get("env_file") if isinstance(svc, dict) else None
        for entry in [entries] if isinstance(entries, (str, dict)) else (entries or []):
            name = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(name, str):
                path = (compose.parent / name).resolve()
                if path.is_file() and path not in found:
                    found.append(path)
    return found


def collect(fmt: str, folder: Path) -> dict[str, str]:
    """The files of one format under `folder`, keyed by their path relative to it."""
    root = folder.resolve()
    if not root.is_dir():
        raise CliError(f"{folder} is not a folder")
    paths: list[Path] = []
    if fmt == "copilot":
        paths = sorted((root / "copilot").rglob("manifest.yml")) if (root / "copilot").is_dir() else []
    elif fmt == "compose":
        main = next((root / n for n in COMPOSE_FILES if (root / n).is_file()), None)
        if main:
            paths = [main] + [root / n for n in COMPOSE_OVERRIDES if (root / n).is_file()]
            for compose in list(paths):
                paths += [p for p in _compose_env_files(root, compose) if p not in paths]
    elif fmt == "heroku":
        paths = [root / n for n in ("app.json", "Procfile") if (root / n).is_file()]
    elif fmt == "launchbay":
        paths = [root / n for n in LAUNCHBAY_FILES if (root / n).is_file()][:1]
    if not paths:
        wanted = {"copilot": "copilot/**/manifest.yml", "compose": " or ".join(COMPOSE_FILES),
                  "heroku": "app.json or Procfile", "launchbay": "launchbay.yaml"}[fmt]
        raise CliError(f"no {fmt} files in {folder}: looked for {wanted}")
    return {_rel(p, root): _read(p) for p in paths}


def files_from(args: Optional[list[Path]], fmt: str) -> dict[str, str]:
    """Named files (a folder: that format's files in it), or that format's files here."""
    if not args:
        return collect(fmt, Path("."))
    out: dict[str, str] = {}
    for arg in args:
        if arg.is_dir():
            out.update({(arg / k).as_posix(): v for k, v in collect(fmt, arg).items()})
        elif arg.is_file():
            out[arg.as_posix()] = _read(arg)
        else:
            raise CliError(f"{arg}: no such file")
    return out


# --- plan / apply -------------------------------------------------------------------

def _key_names(document: Any) -> list[str]:
    """The environment variables a document's log drains read their key from (access_key_env)."""
    names: list[str] = []
    envs = document.get("environments") if isinstance(document, dict) else None
    for env in (envs or {}).values() if isinstance(envs, dict) else []:
        resources = env.get("resources") if isinstance(env, dict) else None
        for res in (resources or {}).values() if isinstance(resources, dict) else []:
            var = res.get("access_key_env") if isinstance(res, dict) else None
            if isinstance(var, str) and var not in names:
                names.append(var)
    return names


def _with_keys(body: dict[str, Any], names: list[str]) -> bool:
    """Add to the request the values this machine has of those variables (a drain's key goes with
    the request, never in the file, never on the command line) -> whether any was added."""
    keys = body.setdefault("access_keys", {})
    added = {n: os.environ[n] for n in names if os.environ.get(n) and n not in keys}
    keys.update(added)
    if not keys:
        body.pop("access_keys")
    return bool(added)


def _plan(s: Session, body: dict[str, Any]) -> dict[str, Any]:
    """POST /plan, with the keys the document's log drains name. A launchbay.yaml is read here for
    their names; an import's are known once converted: planned again when this machine has them."""
    if body["format"] == "launchbay":
        for text in body["files"].values():
            try:
                _with_keys(body, _key_names(yaml.safe_load(text)))
            except yaml.YAMLError:
                pass   # the API says where
    got = s.client.post(s.project_path("/plan"), body)
    if _with_keys(body, _key_names(got.get("document"))):
        got = s.client.post(s.project_path("/plan"), body)
    return got

def _show_plan(s: Session, plan: dict[str, Any]) -> None:
    for line in plan_lines(plan.get("changes") or [], plan.get("warnings") or []) + cost_lines(plan.get("cost")):
        s.out.line(line)


def _apply(s: Session, fmt: str, files: dict[str, str], allow_delete: bool, yes: bool) -> None:
    if s.out.json and not yes:
        raise CliError("--json cannot ask for confirmation: add --yes")
    body: dict[str, Any] = {"format": fmt, "files": files}
    plan = _plan(s, body)
    changes = plan.get("changes") or []
    if not s.out.json:
        _show_plan(s, plan)
    if not changes:   # the plan shown says so; --json still gets the whole answer
        s.out.result({"applied": False, "plan": plan, "result": None}, lambda: None)
        return
    deletes = [c for c in changes if c.get("action") == "delete"]
    if deletes and not allow_delete:
        names = ", ".join(f"{c.get('type')} {c.get('name')}" for c in deletes)
        raise CliError(f"the plan deletes {len(deletes)} resource(s) ({names}): pass --allow-delete to let it")
    if not yes and not confirmed("Apply these changes?",
                                 "nothing applied: no answer on stdin (add --yes to apply without asking)"):
        raise CliError("nothing applied")
    result = s.client.post(s.project_path("/apply"), {**body, "allow_delete": allow_delete})

    def human() -> None:
        done = (result or {}).get("changes")
        s.out.line(f"Applied {len(done) if isinstance(done, list) else len(changes)} change(s).", style="green")

    s.out.result({"applied": True, "plan": plan, "result": result}, human)


Files = Annotated[Optional[list[Path]], typer.Argument(metavar="[FILE...]", help="Files or folders (default: those of --format here).")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="What the files are.")]


@app.command(epilog="""[bold]Examples[/bold]

  launchbay plan                                  [dim]# ./launchbay.yaml[/dim]

  launchbay plan --format compose                 [dim]# ./compose.yaml and its env_files[/dim]

  launchbay plan copilot/ --format copilot --json""")
def plan(files: Files = None, format: FormatOpt = Format.launchbay, org: Org = None, project: Project = None,
         json: Json = False) -> None:
    """Show what applying the files would change, per environment: + create, ~ change (field by field), - delete.

    A log drain's key is read from the environment variable its access_key_env names, here, and sent
    with the request (never written in the file)."""
    s = Session(json, org=org, project=project)
    got = _plan(s, {"format": format.value, "files": files_from(files, format.value)})
    s.out.result(got, lambda: _show_plan(s, got))


@app.command(epilog="""[bold]Examples[/bold]

  launchbay apply                          [dim]# plan ./launchbay.yaml, confirm, apply[/dim]

  launchbay apply launchbay.yaml --yes --allow-delete""")
def apply(
    files: Files = None, format: FormatOpt = Format.launchbay,
    allow_delete: Annotated[bool, typer.Option("--allow-delete", help="Let the plan delete services or environments.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """Plan, show the plan, ask, then make the project match the files."""
    s = Session(json, org=org, project=project)
    _apply(s, format.value, files_from(files, format.value), allow_delete, yes)


@app.command(epilog="""[bold]Examples[/bold]

  launchbay export -o launchbay.yaml

  launchbay export --json | jq '.environments | keys'""")
def export(
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the YAML here (default: stdout).", dir_okay=False)] = None,
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """The project as launchbay.yaml (secret names only, never values)."""
    s = Session(json, org=org, project=project)
    got = s.client.get(s.project_path("/export"))
    if output is not None:
        output.write_text(got.get("yaml") or "", encoding="utf-8")
        s.out.result({"written": str(output), "document": got.get("document")},
                     lambda: s.out.line(f"Wrote {output}"))
    elif json:
        s.out.result(got.get("document"))
    else:
        sys.stdout.write(got.get("yaml") or "")
        sys.stdout.flush()


@app.command("import", epilog="""[bold]Examples[/bold]

  launchbay import --format compose              [dim]# ./compose.yaml or docker-compose.yml + env_files[/dim]

  launchbay import --format copilot ../legacy    [dim]# copilot/**/manifest.yml[/dim]

  launchbay import --format heroku --yes         [dim]# app.json + Procfile[/dim]

  launchbay import --format heroku --write launchbay.yaml   [dim]# only convert: edit it, then `launchbay apply`[/dim]""")
def import_(
    format: Annotated[ImportFormat, typer.Option("--format", "-f", help="copilot, compose or heroku.")],
    path: Annotated[Path, typer.Argument(help="The folder holding the files.")] = Path("."),
    allow_delete: Annotated[bool, typer.Option("--allow-delete", help="Let the plan delete services or environments.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    write: Annotated[Optional[Path], typer.Option("--write", "-w", help="Only convert: write the launchbay.yaml "
                                                  "(with the warnings as comments) instead of applying.")] = None,
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """Bring an app described for AWS Copilot, Docker Compose or Heroku into the project: plan, confirm, apply."""
    s = Session(json, org=org, project=project)
    files = collect(format.value, path)
    if not json:
        s.out.line(f"Read {', '.join(sorted(files))}", style="dim")
    if write is not None:
        got = s.client.post(s.project_path("/plan"), {"format": format.value, "files": files})
        notes = "".join(f"# {w.get('file')}:{w.get('key')}: {w.get('message')}\n" for w in got.get("warnings") or [])
        import yaml

        write.write_text(f"# launchbay.yaml converted from {format.value}; review, then `launchbay apply {write.name}`\n"
                         + notes + yaml.safe_dump(got.get("document") or {}, sort_keys=False))
        s.out.result({"written": str(write), "warnings": got.get("warnings") or []},
                     lambda: s.out.line(f"Wrote {write} ({len(got.get('warnings') or [])} warnings as comments)"))
        return
    _apply(s, format.value, files, allow_delete, yes)
