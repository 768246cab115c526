"""The sandbox mailbox (<data dir>/mail/*.eml, written by chalicelib/mail/ses.py SandboxMailer):
what tests read instead of an inbox."""
from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from tests.support.processes import wait_for


@dataclass
class Mail:
    path: Path
    to: str
    subject: str
    text: str
    html: Optional[str]
    reference: str

    def link(self, path: str) -> str:
        """The first link in the text whose path starts with `path` (e.g. "/reset-password")."""
        found = re.search(r"https?://[^\s]+" + re.escape(path) + r"[^\s]*", self.text)
        assert found, f"no {path} link in {self.text!r}"
        return found.group(0)


def read(path: Path) -> Mail:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    return Mail(path, str(msg["To"]), str(msg["Subject"]), text.get_content() if text else "",
                html.get_content() if html else None, str(msg["X-Launchbay-Email"] or ""))


def messages(data_dir: str | Path) -> list[Mail]:
    folder = Path(data_dir) / "mail"
    return [read(p) for p in sorted(folder.glob("*.eml"))] if folder.is_dir() else []


def wait_mail(data_dir: str | Path, to: str, subject_has: str = "", count: int = 1, timeout: float = 60.0) -> list[Mail]:
    """The messages to `to` (whose subject contains `subject_has`), once at least `count` are there."""
    def found():
        got = [m for m in messages(data_dir) if m.to == to and subject_has in m.subject]
        return got if len(got) >= count else None
    return wait_for(found, timeout, interval=0.2, what=f"{count} e-mail(s) to {to} ({subject_has!r})")
