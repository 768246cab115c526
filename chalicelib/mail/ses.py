"""Amazon SES (API v2) through boto3, in the platform's own account. The sandbox adapter is the
same calls against moto, plus a copy of each message on disk: a laptop has no inbox to open.

Bounces and complaints: SES publishes them (the configuration set's event destination) to an SNS
topic, which feeds an SQS queue; `feedback` reads that queue. moto has no event destinations, so
the sandbox plays SES's part for the mailbox simulator's addresses (bounce@ and complaint@
simulator.amazonses.com, as on AWS): it publishes the same event to the same kind of topic."""
from __future__ import annotations

import json
import os
import re
import threading
import time
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Optional

from chalicelib.mail.port import Email, Feedback, MailRefused

# SES's answers that no retry changes (the rest, throttling and 5xx among them, are retried)
PERMANENT = {"MessageRejected", "MailFromDomainNotVerifiedException", "AccountSuspendedException",
             "BadRequestException", "NotFoundException", "SendingPausedException"}
REFERENCE_HEADER = "X-Launchbay-Email"
# the sandbox's .eml files: 8-bit bodies with lines up to SMTP's limit, not quoted-printable
READABLE = email_policy.default.clone(max_line_length=998)


class SesMailer:
    def __init__(self, clients: Any, configuration_set: str = "", events_queue: str = "") -> None:
        self.clients = clients   # chalicelib.cloud.session.Clients in SES's region
        self.configuration_set = configuration_set   # its event destination publishes bounces and complaints
        self.events_queue = events_queue             # the SQS queue (URL) they reach through SNS

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
        extra = {"ConfigurationSetName": self.configuration_set} if self.configuration_set else {}
        try:
            answer = self.clients.get("sesv2").send_email(
                FromEmailAddress=email.sender, Destination={"ToAddresses": [email.to]}, Content={"Simple": simple},
                **extra)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            if err.get("Code") in PERMANENT:
                raise MailRefused(f"SES refused it: {err.get('Code')}: {err.get('Message', '')}".strip()) from None
            raise
        return str(answer["MessageId"])

    def feedback(self, limit: int) -> list[Feedback]:
        if not self.events_queue:
            return []
        sqs = self.clients.get("sqs")
        out: list[Feedback] = []
        while len(out) < limit:
            got = sqs.receive_message(QueueUrl=self.events_queue, MaxNumberOfMessages=min(10, limit - len(out)),
                                      WaitTimeSeconds=0).get("Messages") or []
            if not got:
                break
            out += [parse_event(m["Body"], m["ReceiptHandle"]) for m in got]
        return out

    def ack(self, handle: str) -> None:
        self.clients.get("sqs").delete_message(QueueUrl=self.events_queue, ReceiptHandle=handle)


def parse_event(body: str, handle: str) -> Feedback:
    """An SQS message from SES's SNS topic -> Feedback. Both of SES's shapes are read: event
    publishing (`eventType`, a configuration set's) and identity notifications (`notificationType`).
    Anything else (SNS's subscription confirmation, a delivery, a malformed body) is "unreadable"
    or "other": acked and counted, never retried forever."""
    try:
        envelope = json.loads(body)
        event = json.loads(envelope["Message"]) if isinstance(envelope.get("Message"), str) else envelope
        kind = str(event.get("eventType") or event.get("notificationType") or "").lower()
        mail = event.get("mail") or {}
        headers = {h.get("name", "").lower(): h.get("value", "") for h in mail.get("headers") or []}
        common = {"handle": handle, "reference": headers.get(REFERENCE_HEADER.lower(), ""),
                  "message_id": str(mail.get("messageId") or "")}
        if kind == "bounce":
            bounce = event["bounce"]
            people = bounce.get("bouncedRecipients") or []
            detail = "; ".join(p.get("diagnosticCode") or p.get("status") or "" for p in people if p) or \
                f"{bounce.get('bounceType', '')} bounce ({bounce.get('bounceSubType', '')})"
            return Feedback(kind="bounce", permanent=bounce.get("bounceType") == "Permanent",
                            recipients=tuple(str(p["emailAddress"]).lower() for p in people), detail=detail[:500],
                            at=str(bounce.get("timestamp") or ""), **common)
        if kind == "complaint":
            complaint = event["complaint"]
            people = complaint.get("complainedRecipients") or []
            return Feedback(kind="complaint", permanent=True,
                            recipients=tuple(str(p["emailAddress"]).lower() for p in people),
                            detail=f"marked as spam ({complaint.get('complaintFeedbackType') or 'no type given'})",
                            at=str(complaint.get("timestamp") or ""), **common)
        return Feedback(handle=handle, kind="other", permanent=False, recipients=(), detail=kind or "no event type")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return Feedback(handle=handle, kind="unreadable", permanent=False, recipients=(),
                        detail=f"{type(exc).__name__}: {exc}"[:300])


# The mailbox simulator's addresses (an optional +label before the @ is allowed, as on AWS)
SIMULATOR = re.compile(r"^(bounce|complaint)(\+[^@]*)?@simulator\.amazonses\.com$", re.IGNORECASE)


class SandboxMailer(SesMailer):
    """moto checks the sender as SES does: its domain is made a verified identity first (on AWS the
    operator verifies it: docs/deploy-aws.md)."""

    def __init__(self, clients: Any, mailbox: Path, configuration_set: str = "", events_queue: str = "") -> None:
        super().__init__(clients, configuration_set, "")
        self.mailbox = mailbox
        self.events_queue_name = events_queue   # made here on first use, as the infra stack does on AWS
        self._topic: Optional[str] = None
        self._verified: set[str] = set()
        self._lock = threading.Lock()

    def _feed(self) -> str:
        """The topic SES would publish to, and the queue subscribed to it (idempotent creates)."""
        with self._lock:
            if self._topic is None:
                sns, sqs = self.clients.get("sns"), self.clients.get("sqs")
                self.events_queue = sqs.create_queue(QueueName=self.events_queue_name)["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=self.events_queue,
                                               AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                topic = sns.create_topic(Name=self.events_queue_name)["TopicArn"]
                sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
                self._topic = topic
            return self._topic

    def feedback(self, limit: int) -> list[Feedback]:
        if not self.events_queue_name:
            return []
        self._feed()
        return super().feedback(limit)

    def _simulate(self, email: Email, message_id: str) -> None:
        """SES's event for a mailbox simulator address, in SES's own event-publishing shape."""
        found = SIMULATOR.match(email.to)
        if not found or not self.events_queue_name:
            return
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        mail = {"timestamp": now, "messageId": message_id, "source": email.sender, "destination": [email.to],
                "headers": [{"name": REFERENCE_HEADER, "value": email.reference}]}
        if found.group(1).lower() == "bounce":
            event: dict[str, Any] = {"eventType": "Bounce", "mail": mail, "bounce": {
                "bounceType": "Permanent", "bounceSubType": "General", "timestamp": now,
                "bouncedRecipients": [{"emailAddress": email.to, "action": "failed", "status": "5.1.1",
                                       "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}}
        else:
            event = {"eventType": "Complaint", "mail": mail, "complaint": {
                "complainedRecipients": [{"emailAddress": email.to}], "timestamp": now,
                "complaintFeedbackType": "abuse"}}
        self.clients.get("sns").publish(TopicArn=self._feed(), Message=json.dumps(event))

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
        self._simulate(email, message_id)
        return message_id

    def _keep(self, email: Email, message_id: str) -> Path:
        """The message as an .eml file (readable by any mail client), only by its owner: it may hold
        a password reset link."""
        msg = EmailMessage(policy=READABLE)
        msg["From"], msg["To"], msg["Subject"] = email.sender, email.to, email.subject
        msg["Date"], msg["Message-ID"] = formatdate(localtime=False), make_msgid(domain="launchbay.local")
        msg[REFERENCE_HEADER] = email.reference
        msg["X-SES-Message-Id"] = message_id
        msg.set_content(email.text, cte="8bit")   # as written: a link in it reads (and copies) whole
        if email.html:
            msg.add_alternative(email.html, subtype="html", cte="8bit")
        self.mailbox.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = "%s-%s.eml" % (time.strftime("%Y%m%dT%H%M%S", time.gmtime()), re.sub(r"[^A-Za-z0-9_-]", "", email.reference) or "mail")
        path = self.mailbox / name
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(bytes(msg))
        os.replace(tmp, path)   # whole or absent: a reader never sees half a message
        return path
