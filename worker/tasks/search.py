"""Search indexing. These run on the `search` queue, which has exactly one consumer,
because the embedded index allows one writer."""
from __future__ import annotations

from chalicelib.settings import get_ports
from worker.celery_app import celery


@celery.task(name="launchbay.relay_outbox")
def relay_outbox() -> int:
    from chalicelib.search.indexer import relay_outbox as relay

    ports = get_ports()
    total = 0
    while True:  # drain in batches; each batch is indexed before its outbox rows go
        n = relay(ports.store, ports.search, batch_size=500)
        total += n
        if n < 500:
            return total
