"""Reading credentials: from a terminal without echo, else from stdin. Never from argv."""
from __future__ import annotations

import getpass
import sys

from cli.session import CliError


def secret_input(prompt: str, whole: bool = False) -> str:
    """A hidden prompt on a terminal; else stdin: one line, or everything with `whole`
    (a secret may span lines: only the one newline a shell or `echo` adds is dropped)."""
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        value = getpass.getpass(prompt)
    else:
        value = (stdin.read() if whole else stdin.readline()) if stdin is not None else ""
        if value.endswith("\r\n"):
            value = value[:-2]
        elif value.endswith("\n"):
            value = value[:-1]
    if not value:
        raise CliError(f"{prompt.strip().rstrip(':')}: nothing was given on stdin")
    return value


def line_input(prompt: str) -> str:
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        sys.stderr.write(prompt)
        sys.stderr.flush()
    value = (stdin.readline() if stdin is not None else "").strip()
    if not value:
        raise CliError(f"{prompt.strip().rstrip(':')}: nothing was given")
    return value
