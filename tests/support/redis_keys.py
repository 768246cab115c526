"""Remove what one test left in Redis, and only that: the Redis is shared by other runs, so
nothing is flushed. Per test queue prefix `test-<hex>` (LAUNCHBAY_QUEUE_PREFIX):

- its queues `<prefix>.<queue>` (kombu lists, one per priority step);
- kombu's binding tables `_kombu.binding.<prefix>.<queue>` and `_kombu.binding_permanent.<...>`,
  made by whoever declares the queue (the API's producer as well as workers);
- results `celery-task-meta-<task id>` of the tasks the test's workers ran (ids from their logs);
- its messages still in kombu's shared `unacked` hash (a killed worker's);
- its workers' entries in the shared remote-control table `_kombu.binding.celery.pidbox`.
"""
from __future__ import annotations

import json

PIDBOX = "_kombu.binding.celery.pidbox"
DEADLINES = "_kombu.binding_deadlines"
_DROP_ORPHAN_DEADLINE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.call('ZREM', KEYS[2], ARGV[1]) end
return 0
"""


def forget_test_keys(url: str, prefix: str, keep_logs: bool = False) -> list[str]:
    """Stop the prefix's workers still running, then delete its keys and (unless keep_logs)
    the workers' log files. Returns the paths of the logs kept."""
    import redis

    from tests.support.processes import CeleryWorker

    workers = CeleryWorker.started.pop(prefix, [])
    task_ids: set[str] = set()
    for worker in workers:
        worker.stop()  # a running worker would write results after they were deleted
        task_ids |= worker.task_ids()
        if not keep_logs:
            worker.discard_log()
    r = redis.Redis.from_url(url)
    keys = set()
    for pattern in (f"{prefix}.*", f"_kombu.binding.{prefix}.*", f"_kombu.binding_permanent.{prefix}.*"):
        keys.update(r.scan_iter(pattern, count=1000))
    keys.update(f"celery-task-meta-{task_id}".encode() for task_id in task_ids)
    if keys:
        r.delete(*keys)
    exchanges = [k.decode().split(".", 2)[2] for k in keys if k.startswith(b"_kombu.binding")]
    if exchanges:
        r.zrem(DEADLINES, *exchanges)
    _forget_unacked(r, prefix)
    if workers:
        names = [w.node.encode() for w in workers]
        mine = [m for m in r.sscan_iter(PIDBOX) if any(name in m for name in names)]
        if mine:  # a killed worker's entry (one stopped cleanly removes its own)
            r.srem(PIDBOX, *mine)
        # A table's deadline outlives it once its last worker has gone; a worker
        # starting meanwhile re-creates both, hence one atomic step.
        r.eval(_DROP_ORPHAN_DEADLINE, 2, PIDBOX, DEADLINES, "celery.pidbox")
    return [w.log.name for w in workers] if keep_logs else []


def _forget_unacked(r, prefix: str) -> None:
    """Entries are delivery tag -> JSON [message, exchange, routing key]."""
    for tag, raw in r.hscan_iter("unacked", count=1000):
        try:
            _, exchange, routing_key = json.loads(raw)
        except (ValueError, TypeError):
            continue
        if any(str(name).startswith(prefix + ".") for name in (exchange, routing_key)):
            r.hdel("unacked", tag)
            r.zrem("unacked_index", tag)
