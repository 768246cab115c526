"""What a service function receives: the ports (adapters behind typed interfaces) and the actor."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol

if TYPE_CHECKING:  # types only: importing the ports' modules must stay cheap on Lambda
    from chalicelib.cloud.port import Cloud
    from chalicelib.mail.port import Mailer
    from chalicelib.search.port import SearchIndex
    from chalicelib.settings import Settings
    from chalicelib.store.port import Store


class Queue(Protocol):
    def publish(self, task: str, *args: Any, countdown: float = 0, queue: Optional[str] = None) -> None: ...
    def ping(self) -> dict[str, Any]: ...


def _none() -> Any:
    raise RuntimeError("this port was built without that adapter")


@dataclass
class Ports:
    """Adapters chosen by chalicelib.wiring; cloud and search are built on first use."""
    store: "Store"
    queue: Queue
    settings: "Settings"
    cloud_factory: Callable[[], "Cloud"] = field(default=_none)
    search_factory: Callable[[], "SearchIndex"] = field(default=_none)
    # target -> the adapter acting there (chalicelib/deploys/placement.py makes targets);
    # unset: every target is the platform's own adapter
    cloud_for_factory: Optional[Callable[[Optional[dict[str, Any]]], "Cloud"]] = None
    mailer_factory: Callable[[], "Mailer"] = field(default=_none)

    @property
    def cloud(self) -> "Cloud":
        """The platform's own account and region (or the sandbox), with the default names."""
        return self.cloud_factory()

    def cloud_for(self, target: Optional[dict[str, Any]]) -> "Cloud":
        """The adapter for a deployment's target: {"aws_account_id" (a connection, or None for
        the platform's own credentials), "region", "cluster", "security_group", ...}; None: the
        names from before targets were recorded."""
        if target is None or self.cloud_for_factory is None:
            return self.cloud
        return self.cloud_for_factory(target)

    @property
    def search(self) -> "SearchIndex":
        return self.search_factory()

    @property
    def mailer(self) -> "Mailer":
        """Amazon SES in the platform's own account (or the sandbox): e-mail is the platform's, never a customer's."""
        return self.mailer_factory()


@dataclass(slots=True)
class Actor:
    """Who is calling: a user (by JWT or API token), or the platform itself. Read-only by
    convention, not frozen: a frozen dataclass's __init__ sets each field through
    object.__setattr__, about 10k instructions per request (docs/benchmarks.md)."""
    user_id: str
    email: str = ""
    token_id: Optional[str] = None
    token_org_id: Optional[str] = None  # API tokens may be limited to one organization
    source_ip: str = ""
    session_id: Optional[str] = None    # the log-in session of an access token (None: an API token)
    # [org_id, membership or None]: read with the session (accounts.service.authenticate) for the
    # organization the request's path names, and taken by the request's first membership_in
    prefetched: Optional[list] = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        return self.email or self.user_id


SYSTEM = Actor(user_id="system", email="launchbay")
