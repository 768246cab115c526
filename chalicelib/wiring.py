"""The composition root: the one module that chooses and builds the adapters (store,
search, queue, cloud) from the settings. Domain code receives them as typed `Ports` and
never imports an adapter; nothing below this module imports it (only the API's entry
points, the worker tasks and scripts do). Heavy clients are imported inside the
factories so that importing the API stays cheap on Lambda."""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from chalicelib import settings as settings_module
from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from chalicelib.cloud.port import Cloud
    from chalicelib.core.context import Ports, Queue
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


def get_ports() -> "Ports":
    """The adapters bundled for domain services (API requests and worker tasks alike)."""
    from chalicelib.core.context import Ports

    if get_settings().xray:
        from chalicelib.core import tracing

        tracing.enable()
    return Ports(store=get_store(), queue=get_queue(), settings=get_settings(),
                 cloud_factory=get_cloud, search_factory=get_search)


def reset() -> None:
    """Forget cached settings and adapters (tests change the environment)."""
    settings_module.reset()
    for f in (get_store, get_search, get_queue, get_cloud):
        f.cache_clear()
