"""The composition root: the one module that chooses and builds the adapters (store,
search, queue, cloud) from the settings. Domain code receives them as typed `Ports` and
never imports an adapter; nothing below this module imports it (only the API's entry
points, the worker tasks and scripts do). Heavy clients are imported inside the
factories so that importing the API stays cheap on Lambda."""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable, Optional

from chalicelib import settings as settings_module
from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from chalicelib.cloud.port import Cloud
    from chalicelib.core.context import Ports, Queue
    from chalicelib.mail.port import Mailer
    from chalicelib.search.port import SearchIndex
    from chalicelib.store.port import Store


@functools.lru_cache(maxsize=1)
def get_store() -> "Store":
    s = get_settings()
    if s.mongodb_uri:
        from chalicelib.store.mongo import MongoStore

        store: "Store" = MongoStore.from_uri(s.mongodb_uri, s.mongodb_db)
    else:
        from chalicelib.store.sqlite import SqliteStore

        store = SqliteStore(s.data_dir / "launchbay.db")
    from chalicelib.store.migrations import migrate

    migrate(store)   # once per process: a get by id when nothing is pending
    return store


def import_adapters() -> None:
    """Imports the modules of the adapters the settings choose, building nothing: for a server
    that forks its workers from a process that loaded the app (gunicorn's preload_app), so that a
    new worker's first request does not import them (~20 ms, with the store's driver). No client
    or connection is made here: those are made in each worker on first use (a MongoClient must
    not cross a fork)."""
    import importlib

    s = get_settings()
    for name in ("chalicelib.store.mongo" if s.mongodb_uri else "chalicelib.store.sqlite",
                 "chalicelib.store.migrations", "chalicelib.queue", "chalicelib.core.context"):
        importlib.import_module(name)


@functools.lru_cache(maxsize=1)
def get_search() -> "SearchIndex":
    s = get_settings()
    if s.opensearch_url:
        from chalicelib.search.opensearch import OpenSearchIndex

        return OpenSearchIndex.from_url(s.opensearch_url, prefix=s.search_index_prefix)
    from chalicelib.search.embedded import EmbeddedIndex

    return EmbeddedIndex(s.data_dir / "search")


@functools.lru_cache(maxsize=1)
def get_queue() -> "Queue":
    from chalicelib.queue import CeleryQueue

    return CeleryQueue(get_settings())


@functools.lru_cache(maxsize=1)
def get_cloud() -> "Cloud":
    s = get_settings()
    if s.sandbox:
        from chalicelib.cloud.sandbox import SandboxCloud

        return SandboxCloud(s)
    from chalicelib.cloud.aws import AwsCloud

    return AwsCloud(s)


@functools.lru_cache(maxsize=1)
def get_mailer() -> "Mailer":
    from chalicelib.cloud.session import Clients
    from chalicelib.mail.ses import SandboxMailer, SesMailer

    s = get_settings()
    clients = Clients(s, region=s.mail_region or s.aws_region)
    if s.sandbox:
        return SandboxMailer(clients, s.mailbox_dir, s.mail_configuration_set,
                             s.mail_events_queue or f"{s.queue_prefix}-mail-events")
    return SesMailer(clients, s.mail_configuration_set, s.mail_events_queue)


# Adapters per target, and boto3 clients per (connection, role, external id, region): built once
# per process, a few hundred at most (the oldest are dropped; they rebuild on the next use).
_CACHE_SIZE = 256
_clients: "OrderedDict[tuple, Any]" = OrderedDict()
_adapters: "OrderedDict[tuple, Any]" = OrderedDict()
_lock = threading.Lock()


def _remember(cache: "OrderedDict[tuple, Any]", key: tuple, build: Callable[[], Any]) -> Any:
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    value = build()
    with _lock:
        value = cache.setdefault(key, value)
        while len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    return value


def _connected_clients(conn: dict[str, Any], region: str) -> Any:
    """boto3 clients acting as the connection's role: AssumeRole with its external id on first
    use, renewed by botocore before expiry. A broken role marks the connection broken."""
    from chalicelib.accounts import aws_accounts
    from chalicelib.cloud.assumed import AccessBroken, refreshable
    from chalicelib.cloud.session import Clients

    def fetch() -> dict[str, Any]:
        try:
            meta = get_cloud().assume_access(conn["role_arn"], conn["external_id"], f"launchbay-{conn['id']}",
                                             conn.get("account_id"))
        except AccessBroken as exc:
            aws_accounts.record_access(get_store(), conn["id"], str(exc))
            raise AccessBroken(f"AWS account connection {conn['name']!r}: {exc}") from exc
        aws_accounts.record_access(get_store(), conn["id"], None)
        return meta

    return Clients(get_settings(), region=region, credentials=refreshable(fetch), account=conn.get("account_id"))


def make_cloud_for(cls: Optional[type] = None) -> Callable[[Optional[dict[str, Any]]], "Cloud"]:
    """target -> adapter (see Ports.cloud_for), cached per target. `cls` (tests): an adapter class
    to build instead of the settings' choice."""
    from chalicelib.cloud.base import Place
    from chalicelib.cloud.naming import SERVICES_SECURITY_GROUP

    def cloud_for(target: Optional[dict[str, Any]]) -> "Cloud":
        s = get_settings()
        if not target:
            return _remember(_adapters, ("platform", cls), lambda: cls(s)) if cls else get_cloud()
        region = target.get("region") or s.aws_region
        conn_id = target.get("aws_account_id")
        place = Place(cluster=target.get("cluster"), services_group=target.get("security_group") or SERVICES_SECURITY_GROUP,
                      configured_network=not conn_id, egress=target.get("egress"))
        if conn_id:
            from chalicelib.cloud.assumed import AccessBroken

            conn = get_store().collection("aws_accounts").get(conn_id)
            if conn is None or not conn.get("role_arn"):
                raise AccessBroken(f"the AWS account connection {conn_id} no longer exists or was never verified")
            ckey: tuple = (conn_id, conn["role_arn"], conn["external_id"], conn.get("account_id"), region)
            clients = _remember(_clients, ckey, lambda: _connected_clients(conn, region))
        else:
            ckey = (None, region)
            platform = get_cloud()
            clients = platform.clients if region == s.aws_region else _remember(  # type: ignore[attr-defined]
                _clients, ckey, lambda: _platform_clients(region))
        kind = cls or _adapter_class()
        return _remember(_adapters, (ckey, place, kind), lambda: kind(s, clients, place))

    return cloud_for


def _platform_clients(region: str) -> Any:
    from chalicelib.cloud.session import Clients

    return Clients(get_settings(), region=region)


def _adapter_class() -> type:
    if get_settings().sandbox:
        from chalicelib.cloud.sandbox import SandboxCloud

        return SandboxCloud
    from chalicelib.cloud.aws import AwsCloud

    return AwsCloud


@functools.lru_cache(maxsize=1)
def get_cloud_for() -> Callable[[Optional[dict[str, Any]]], "Cloud"]:
    return make_cloud_for()


def get_ports() -> "Ports":
    """The adapters bundled for domain services (API requests and worker tasks alike)."""
    settings = get_settings()
    if settings.xray:
        from chalicelib.core import tracing

        tracing.enable()
    store, queue, cloud_for = get_store(), get_queue(), get_cloud_for()
    last = _last_ports[0]
    if last is not None:   # the same adapters as last time: the same Ports (a request asks a few times)
        ports = last
        if ports.store is store and ports.queue is queue and ports.settings is settings \
                and ports.cloud_factory is get_cloud and ports.search_factory is get_search \
                and ports.cloud_for_factory is cloud_for and ports.mailer_factory is get_mailer:
            return ports
    from chalicelib.core.context import Ports

    ports = Ports(store=store, queue=queue, settings=settings, cloud_factory=get_cloud,
                  search_factory=get_search, cloud_for_factory=cloud_for, mailer_factory=get_mailer)
    _last_ports[0] = ports
    return ports


_last_ports: list[Any] = [None]   # the Ports made last


def reset() -> None:
    """Forget cached settings and adapters (tests change the environment)."""
    settings_module.reset()
    for f in (get_store, get_search, get_queue, get_cloud, get_cloud_for, get_mailer):
        f.cache_clear()
    reset_clients()


def reset_clients() -> None:
    """Forget the connected accounts' credentials and adapters: the next use assumes the roles again."""
    with _lock:
        _clients.clear()
        _adapters.clear()
