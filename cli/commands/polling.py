"""Waiting for something to settle (a run, a resource): poll, show each change once."""
from __future__ import annotations

import time
from typing import Any, Callable, Optional

from rich.status import Status
from rich.text import Text

from cli.session import CliError, Session

Doc = dict[str, Any]


def poll_until(s: Session, read: Callable[[], Doc], words: Callable[[Doc], str], settled: Callable[[Doc], bool],
               timeout: float, interval: float, first: Optional[Doc] = None) -> Doc:
    """Read until `settled`, starting from `first` when given (else a read); a spinner on a
    terminal, a line per change of `words` otherwise. Past `timeout`: an error saying where it is."""
    deadline = time.monotonic() + timeout
    shown = None
    spinner = Status("", console=s.out.out) if not s.out.json and s.out.out.is_terminal else None
    if spinner:
        spinner.start()
    try:
        doc = first if first is not None else read()
        while True:
            said = words(doc)
            if said != shown:
                shown = said
                if spinner:
                    spinner.update(Text(said))
                s.out.note(said, style="dim")
            if settled(doc):
                return doc
            if time.monotonic() >= deadline:
                raise CliError(f"timed out after {timeout:.0f} s: {said}")
            time.sleep(interval)
            doc = read()
    finally:
        if spinner:
            spinner.stop()
