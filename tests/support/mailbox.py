"""What tests read instead of an inbox: the sandbox mailbox (<data dir>/mail/*.eml, written by
chalicelib/mail/ses.py SandboxMailer) once a worker sent the e-mail, or, with no worker running,
the queue itself (`outbox`: the stored e-mails, their bodies decrypted as the worker would)."""
from __future__ import annotations

import email
import email.policy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qs, urlsplit

from tests.support.processes import wait_for


@dataclass
class Mail:
    path: Optional[Path]   # None for one read from the queue
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
    return Mail(path, str(msg["To"]).strip(), " ".join(str(msg["Subject"]).split()), text.get_content() if text else "",
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


def outbox(to: str, subject_has: str = "") -> list[Mail]:
    """Every e-mail queued to `to` in this process's store, oldest first: read from the queue (its
    body decrypted as the worker would) while unsent, from the sandbox mailbox once a worker sent it."""
    from chalicelib.core import security
    from chalicelib.wiring import get_ports

    ports = get_ports()
    docs, _ = ports.store.collection("emails").find({"to": to}, limit=500)
    sent = {m.reference: m for m in messages(ports.settings.data_dir)}
    out = []
    for d in sorted(docs, key=lambda d: d["created"]):
        if subject_has not in d["subject"]:
            continue
        if d.get("body_cipher"):
            body = json.loads(security.decrypt(ports.settings.fernet_key(), d["body_cipher"]))
            out.append(Mail(None, d["to"], d["subject"], body["text"], body.get("html"), d["id"]))
        elif d["id"] in sent:
            out.append(sent[d["id"]])
    return out


def token_of(mail: Mail, path: str, param: str = "token") -> str:
    """The `param` of the first link to `path` in the e-mail (an invitation's, a confirmation's)."""
    return parse_qs(urlsplit(mail.link(path)).query)[param][0]


def invitation_token(to: str) -> str:
    """The token of the newest invitation e-mailed to `to` (its links carry it)."""
    sent = outbox(to, "invited you")
    assert sent, f"no invitation e-mail queued to {to}"
    return token_of(sent[-1], "/signup", "invitation")
