"""Building a service from a git repository (`--repo ...`) instead of running an image: the
options `services create` and `services update` share, and the `source` body they send."""
from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

Image = Annotated[Optional[str], typer.Option("--image", help="Container image, e.g. nginx:1.27 (or give --repo).")]
Repo = Annotated[Optional[str], typer.Option("--repo", metavar="OWNER/NAME",
                                             help="Build from this git repository instead of an image.")]
Branch = Annotated[Optional[str], typer.Option("--branch", help="With --repo: the branch built (default main).")]
Dockerfile = Annotated[Optional[str], typer.Option("--dockerfile", help="With --repo: Dockerfile path (default Dockerfile).")]
Context = Annotated[Optional[str], typer.Option("--context", help="With --repo: build context directory (default .).")]
BuildArg = Annotated[Optional[list[str]], typer.Option("--build-arg", metavar="KEY=VALUE",
                                                       help="With --repo: a build-time value, never given to the "
                                                            "running task (repeatable).")]
WatchPath = Annotated[Optional[list[str]], typer.Option(
    "--watch-path", metavar="GLOB", help="With --repo: a push deploys the service only when it changes a file here "
                                         "(e.g. services/api/**; repeatable: the paths given are all of them). "
                                         "--watch-path '' : every push deploys it again.")]
SOURCE_OPTIONS = {"branch": "--branch", "dockerfile": "--dockerfile", "context": "--context", "paths": "--watch-path"}


def source_fields(repo: Optional[str], branch: Optional[str], dockerfile: Optional[str],
                  context: Optional[str], watch_path: Optional[list[str]] = None) -> dict[str, Any]:
    """The `source` keys given on the command line (repo first), without the defaults."""
    given: dict[str, Any] = {"repo": repo, "branch": branch, "dockerfile": dockerfile, "context": context}
    if watch_path is not None:
        given["paths"] = [p for p in watch_path if p] or None   # '' alone: no watch paths
    return {k: v for k, v in given.items() if v is not None or k == "paths"}


def check_image_or_source(image: Optional[str], fields: dict[str, str], build_args: Optional[list[str]],
                          current_source: Optional[dict[str, Any]] = None, required: bool = True) -> None:
    """Exactly one of --image and --repo; the build options only where something is built
    (with --repo, or on update of a service that already builds from a repository)."""
    if image and "repo" in fields:
        raise typer.BadParameter("give --image or --repo, not both", param_hint="--image")
    if required and not image and "repo" not in fields:
        raise typer.BadParameter("give --image IMAGE or --repo OWNER/NAME (one of the two)", param_hint="--image")
    builds = "repo" in fields or (current_source and not image)
    if not builds:
        extra = [SOURCE_OPTIONS[k] for k in SOURCE_OPTIONS if k in fields] + (["--build-arg"] if build_args else [])
        if extra:
            raise typer.BadParameter("only a service built from source takes it: add --repo OWNER/NAME",
                                     param_hint=extra[0])


def source_body(fields: dict[str, str], current_source: Optional[dict[str, Any]] = None) -> Optional[dict[str, str]]:
    """The `source` to send: the API replaces it whole, so on update the options given are laid
    over the service's current source (unless --repo names another repository)."""
    if not fields:
        return None
    base = dict(current_source or {}) if fields.get("repo") in (None, (current_source or {}).get("repo")) else {}
    return {**base, **fields}
