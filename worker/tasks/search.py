"""Search indexing. These run on the `search` queue, which has exactly one consumer,
because the embedded index allows one writer."""
from __future__ import annotations

from chalicelib import tasks as names
from chalicelib.wiring import get_ports
from worker.celery_app import celery


@celery.task(name=names.RELAY_OUTBOX)
def relay_outbox() -> int:
    from chalicelib.search.indexer import relay_outbox as relay

    ports = get_ports()
    total = 0
    while True:  # drain in batches; each batch is indexed before its outbox rows go
        n = relay(ports.store, ports.search, batch_size=500)
        total += n
        if n < 500:
            return total


@celery.task(name=names.SEARCH_RETENTION)
def search_retention() -> int:
    """Log documents older than LAUNCHBAY_LOG_RETENTION_DAYS leave the index."""
    import time

    from chalicelib.core.ids import iso_from_epoch

    ports = get_ports()
    before = iso_from_epoch(time.time() - ports.settings.log_retention_days * 86400)
    return ports.search.delete_older_than("log", before)


@celery.task(name=names.REINDEX)
def reindex() -> int:
    from chalicelib.search.indexer import reindex_all

    ports = get_ports()
    return reindex_all(ports.store, ports.search)
