"""Amazon SES (API v2) through boto3, in the platform's own account. The sandbox adapter is the
same calls against moto, plus a copy of each message on disk: a laptop has no inbox to open."""
from __future__ import annotations

import os
import re
import threading
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from chalicelib.mail.port import Email, MailRefused

# SES's answers that no retry changes (the rest, throttling and 5xx among them, are retried)
PERMANENT = {"MessageRejected", "MailFromDomainNotVerifiedException", "AccountSuspendedException",
             "BadRequestException", "NotFoundException", "SendingPausedException"}
REFERENCE_HEADER = "X-Launchbay-Email"


class SesMailer:
    def __init__(self, clients: Any) -> None:
        self.clients = clients   # chalicelib.cloud.session.Clients in SES's region

    def send(self, email: Email) -> str:
        if not email.sender:
            raise MailRefused("no sender is configured: set LAUNCHBAY_MAIL_FROM to an address SES has verified")
        from botocore.exceptions import ClientError

        body: dict[str, Any] = {"Text": {"Data": email.text, "Charset": "UTF-8"}}
        if email.html:
            body["Html"] = {"Data": email.html, "Charset": "UTF-8"}
        simple: dict[str, Any] = {"Subject": {"Data": email.subject, "Charset": "UTF-8"}, "Body": body}
        if email.reference:
            simple["Headers"] = [{"Name": REFERENCE_HEADER, "Value": email.reference}]
        try:
            answer = self.clients.get("sesv2").send_email(
                FromEmailAddress=email.sender, Destination={"ToAddresses": [email.to]}, Content={"Simple": simple})
        except ClientError as exc:
            err = exc.response.get("Error", {})
            if err.get("Code") in PERMANENT:
                raise MailRefused(f"SES refused it: {err.get('Code')}: {err.get('Message', '')}".strip()) from None
            raise
        return str(answer["MessageId"])


class SandboxMailer(SesMailer):
    """moto checks the sender as SES does: its domain is made a verified identity first (on AWS the
    operator verifies it: docs/deploy-aws.md)."""

    def __init__(self, clients: Any, mailbox: Path) -> None:
        super().__init__(clients)
        self.mailbox = mailbox
        self._verified: set[str] = set()
        self._lock = threading.Lock()

    def _verify(self, sender: str) -> None:
        domain = parseaddr(sender)[1].rpartition("@")[2]
        if not domain or domain in self._verified:
            return
        from botocore.exceptions import ClientError

        with self._lock:
            try:
                self.clients.get("sesv2").create_email_identity(EmailIdentity=domain)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "AlreadyExistsException":
                    raise
            self._verified.add(domain)

    def send(self, email: Email) -> str:
        if email.sender:
            self._verify(email.sender)
        message_id = super().send(email)
        self._keep(email, message_id)
        return message_id

    def _keep(self, email: Email, message_id: str) -> Path:
        """The message as an .eml file (readable by any mail client), only by its owner: it may hold
        a password reset link."""
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = email.sender, email.to, email.subject
        msg["Date"], msg["Message-ID"] = formatdate(localtime=False), make_msgid(domain="launchbay.local")
        msg[REFERENCE_HEADER] = email.reference
        msg["X-SES-Message-Id"] = message_id
        msg.set_content(email.text)
        if email.html:
            msg.add_alternative(email.html, subtype="html")
        self.mailbox.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = "%s-%s.eml" % (time.strftime("%Y%m%dT%H%M%S", time.gmtime()), re.sub(r"[^A-Za-z0-9_-]", "", email.reference) or "mail")
        path = self.mailbox / name
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(bytes(msg))
        os.replace(tmp, path)   # whole or absent: a reader never sees half a message
        return path
