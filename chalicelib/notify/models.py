"""Request bodies for notification subscriptions. Unknown fields are refused."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.core.types import EmailAddress
from chalicelib.notify import events

_STRICT = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
EVENTS_HELP = f"event types, or [\"*\"] for all: {', '.join(events.EVENTS)}"


def _check_events(v: Optional[list[str]]) -> Optional[list[str]]:
    if v is None:
        return v
    if not v:
        raise ValueError("events needs at least one event type (or \"*\" for all)")
    unknown = [e for e in v if e != events.ALL and e not in events.EVENTS]
    if unknown:
        raise ValueError(f"unknown event type {unknown[0]!r}; known: {', '.join(events.EVENTS)}")
    return [events.ALL] if events.ALL in v else sorted(set(v), key=events.EVENTS.index)


class SubscriptionIn(BaseModel):
    model_config = _STRICT
    kind: Literal["webhook", "slack", "teams", "email"] = Field(
        description="webhook (signed JSON), slack (a Slack-compatible incoming webhook), teams (a Microsoft Teams "
                    "Workflows webhook: an Adaptive Card) or email (to members of the organization)")
    url: Optional[str] = Field(None, min_length=1, max_length=2048,
                               description="https:// receiver; http://127.0.0.1 in local mode (not for email)")
    emails: Optional[list[EmailAddress]] = Field(None, min_length=1, max_length=10,
                                                 description="kind email: addresses of members of the organization")
    name: str = Field("", max_length=100)
    events: list[str] = Field(default_factory=lambda: [events.ALL], max_length=20, description=EVENTS_HELP)
    enabled: bool = True

    _events = field_validator("events")(_check_events)


class SubscriptionPatch(BaseModel):
    model_config = _STRICT
    url: Optional[str] = Field(None, min_length=1, max_length=2048)
    emails: Optional[list[EmailAddress]] = Field(None, min_length=1, max_length=10)
    name: Optional[str] = Field(None, max_length=100)
    events: Optional[list[str]] = Field(None, max_length=20, description=EVENTS_HELP)
    enabled: Optional[bool] = None

    _events = field_validator("events")(_check_events)
