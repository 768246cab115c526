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


class MailRefused(Exception):
    """The provider will not send this message however often it is asked (an unverified sender,
    a refused address, a suspended account): the e-mail fails at once, with this reason."""


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """-> the provider's message id. MailRefused for a permanent refusal; anything else
        raised is worth another attempt."""
        ...
