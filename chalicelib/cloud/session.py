"""boto3 client factory: one place that decides endpoint, region, retries and timeouts.

boto3 is imported inside functions (about 340 ms plus ~200 ms per first client), so
importing the cloud adapter costs nothing until a call is made.
"""
from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from chalicelib.settings import Settings

# Standard retry mode retries throttling, 5xx and connection errors with jittered
# backoff; 5 attempts stays well under a Celery task's time budget. Callers ask
# errors.is_retryable() about whatever still escapes.
MAX_ATTEMPTS = 5  # total attempts, the first included
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
# ping() must answer fast even when AWS (or the sandbox) is unreachable.
FAST_MAX_ATTEMPTS = 1
FAST_CONNECT_TIMEOUT = 2
FAST_READ_TIMEOUT = 5

SANDBOX_ACCESS_KEY = "testing"


def make_config(fast: bool = False, max_attempts: Optional[int] = None) -> Any:
    from botocore.config import Config

    if fast:
        return Config(retries={"mode": "standard", "total_max_attempts": FAST_MAX_ATTEMPTS},
                      connect_timeout=FAST_CONNECT_TIMEOUT, read_timeout=FAST_READ_TIMEOUT,
                      user_agent_extra="launchbay")
    return Config(retries={"mode": "standard", "total_max_attempts": max_attempts or MAX_ATTEMPTS},
                  connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                  user_agent_extra="launchbay")


class Clients:
    """Lazily created, cached boto3 clients for one Settings object.

    boto3 clients are thread-safe once built, but building them (and the shared
    Session) is not: creation happens under a lock.
    """

    def __init__(self, settings: "Settings", max_attempts: Optional[int] = None, region: Optional[str] = None,
                 credentials: Any = None, account: Optional[str] = None) -> None:
        self.region = region or settings.aws_region
        self.endpoint_url = settings.aws_endpoint_url or None
        self.max_attempts = max_attempts
        self.account = account   # the connected account the credentials act in (sandbox: pinned)
        # botocore credentials of an assumed role (a connected AWS account: see assumed.py);
        # None: the platform's own credential chain (or the sandbox's keys).
        self.credentials = credentials
        self._session: Any = None
        self._clients: dict[tuple[str, bool], Any] = {}
        self._lock = threading.Lock()

    @property
    def sandbox(self) -> bool:
        return self.endpoint_url is not None

    def _get_session(self) -> Any:
        if self._session is None:
            import boto3

            if self.credentials is not None:
                self._session = boto3.session.Session(botocore_session=_botocore_session(self.credentials),
                                                      region_name=self.region)
            elif self.sandbox:
                # Never resolve the real credential chain (profiles, SSO, instance
                # metadata) for the sandbox: moto accepts any key, and a profile
                # lookup could block or leak into a local run.
                self._session = boto3.session.Session(
                    aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID") or SANDBOX_ACCESS_KEY,
                    aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or SANDBOX_ACCESS_KEY,
                    region_name=self.region,
                )
            else:
                self._session = boto3.session.Session(region_name=self.region)
        return self._session

    def get(self, service: str, fast: bool = False) -> Any:
        key = (service, fast)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                kwargs: dict[str, Any] = {
                    "region_name": self.region,
                    "config": make_config(fast=fast, max_attempts=self.max_attempts),
                }
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                client = self._get_session().client(service, **kwargs)
                if self.sandbox and self.account:
                    pin_account(client, self.account)
                self._clients[key] = client
        return client


SANDBOX_ACCOUNT_HEADER = "x-moto-account-id"


def pin_account(client: Any, account: str) -> Any:
    """Sandbox only: name the account on every request. moto maps an assumed role's temporary
    key to its account in memory only; the recording `make run` replays at start keeps the
    requests, not that map, so without the header a restarted sandbox put every other
    account's roles, clusters and parameters in the platform's account. -> the client."""
    def add(request: Any, **_: Any) -> None:
        request.headers[SANDBOX_ACCOUNT_HEADER] = account

    client.meta.events.register("before-send", add)
    return client


def _botocore_session(credentials: Any) -> Any:
    """A botocore session whose only credential source is `credentials` (refreshable ones keep
    refreshing themselves: botocore renews them shortly before they expire, under a lock)."""
    import botocore.session
    from botocore.credentials import CredentialProvider, CredentialResolver

    class Given(CredentialProvider):
        METHOD = "launchbay-assume-role"

        def load(self) -> Any:
            return credentials

    session = botocore.session.Session()
    session.register_component("credential_provider", CredentialResolver([Given()]))
    return session
