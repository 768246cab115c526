"""Reading credentials (from a terminal without echo, from stdin, or from an environment variable
the user names; never from argv) and asking yes or no."""
from __future__ import annotations

import getpass
import os
import sys
from typing import Optional

import typer

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


def secret_option(stdin: bool, env_var: Optional[str], *, prompt: str, flags: tuple[str, str], what: str,
                  export_hint: str = "", no_terminal: str, no_terminal_hint: str, required: bool = True,
                  strip: bool = False) -> Optional[str]:
    """A secret given by one of a command's two options (`flags`: its --...-stdin and --...-env), never
    as an argument (`ps` and the shell's history would show it): from the environment variable
    --...-env names, from stdin (a hidden prompt on a terminal), else asked on a terminal when
    `required`. None when not required and not given; `no_terminal` (at `no_terminal_hint`) when
    required with no terminal to ask on."""
    stdin_flag, env_flag = flags
    if stdin and env_var:
        raise typer.BadParameter(f"give the {what} one way: {stdin_flag} or {env_flag}", param_hint=env_flag)
    if env_var:
        value = os.environ.get(env_var) or ""
        value = value.strip() if strip else value
        if not value:
            raise typer.BadParameter(f"{env_var} is not set in this shell's environment (or is empty){export_hint}",
                                     param_hint=env_flag)
        return value
    if stdin or (required and sys.stdin is not None and sys.stdin.isatty()):
        value = secret_input(prompt)
        return value.strip() if strip else value
    if required:
        raise typer.BadParameter(no_terminal, param_hint=no_terminal_hint)
    return None


def confirmed(question: str, no_answer: str) -> bool:
    """Yes or no on stderr, no by default. stdin that ends with no answer (a script, CI) is a
    CliError saying `no_answer` (what to do), not typer's bare "Aborted."."""
    try:
        return typer.confirm(question, default=False, err=True)
    except typer.Abort:
        sys.stderr.write("\n")
        raise CliError(no_answer) from None
