"""The mail port: what domain code needs from an e-mail provider, and nothing else."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol


@dataclass(frozen=True)
class Email:
    sender: str
    to: str
    subject: str
    text: str
    html: Optional[str] = None
    reference: str = ""   # our e-mail's id, sent as a header so a bounce or a complaint can be traced


@dataclass(frozen=True)
class Feedback:
    """What became of a sent message after the provider took it: a bounce or a complaint."""
    handle: str                 # the provider's receipt: ack it once recorded
    kind: str                   # "bounce" or "complaint"
    permanent: bool             # a hard bounce, or a complaint: sending there again is futile or unwanted
    recipients: tuple[str, ...]
    detail: str                 # the receiving server's words ("550 5.1.1 user unknown"), or the complaint's type
    reference: str = ""         # our e-mail's id (the header sent with it)
    message_id: str = ""        # the provider's id of the message
    at: str = ""                # when it happened (ISO 8601)


class MailRefused(Exception):
    """The provider will not send this message however often it is asked (an unverified sender,
    a refused address, a suspended account): the e-mail fails at once, with this reason."""


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """-> the provider's message id. MailRefused for a permanent refusal; anything else
        raised is worth another attempt."""
        ...

    def feedback(self, limit: int) -> list[Feedback]:
        """Up to `limit` bounces and complaints not acked yet (an empty list when none wait, or when
        no feed is configured). One that cannot be read comes back with kind "unreadable"."""
        ...

    def ack(self, handle: str) -> None:
        """Feedback recorded: the provider need not give it again."""
        ...
