"""What a service function receives: the ports (adapters behind interfaces) and the actor."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol


class Queue(Protocol):
    def publish(self, task: str, *args: Any, countdown: float = 0, queue: Optional[str] = None) -> None: ...
    def ping(self) -> dict[str, Any]: ...


@dataclass
class Ports:
    """Adapters chosen by chalicelib.settings; cloud and search are built on first use."""
    store: Any
    queue: Queue
    settings: Any
    cloud_factory: Callable[[], Any] = field(default=lambda: None)
    search_factory: Callable[[], Any] = field(default=lambda: None)

    @property
    def cloud(self) -> Any:
        return self.cloud_factory()

    @property
    def search(self) -> Any:
        return self.search_factory()


@dataclass(frozen=True)
class Actor:
    """Who is calling: a user (by JWT or API token), or the platform itself."""
    user_id: str
    email: str = ""
    token_id: Optional[str] = None
    token_org_id: Optional[str] = None  # API tokens may be limited to one organization
    source_ip: str = ""

    @property
    def label(self) -> str:
        return self.email or self.user_id


SYSTEM = Actor(user_id="system", email="launchbay")
