"""Local git repositories: the sandbox's stand-in for GitHub (LAUNCHBAY_SANDBOX_GIT_ROOT/<owner>/<name>);
the `git_root` fixture (tests/conftest.py) points the sandbox at a fresh one."""
from __future__ import annotations

import subprocess
from pathlib import Path

DOCKERFILE = "FROM alpine:3.20\nWORKDIR /app\nCOPY . .\nCMD [\"sh\", \"-c\", \"echo hi\"]\n"


def git(path: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True, text=True).stdout.strip()


def make_repo(root: Path, name: str, files: dict[str, str]) -> str:
    """A git repository `name` (owner/name) under root with one commit of files -> its sha."""
    path = root / name
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "t@example.com")
    git(path, "config", "user.name", "t")
    return commit(path, files)


def commit(path: Path, files: dict[str, str]) -> str:
    for rel, text in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "change")
    return git(path, "rev-parse", "HEAD")
