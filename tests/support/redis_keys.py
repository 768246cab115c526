"""Remove what one test left in Redis, and only that: the Redis is shared by other runs, so
nothing is flushed. Per test queue prefix `test-<hex>` (LAUNCHBAY_QUEUE_PREFIX):

- its queues `<prefix>.<queue>` (kombu lists, one per priority step);
- kombu's binding tables `_kombu.binding.<prefix>.<queue>` and `_kombu.binding_permanent.<...>`,
  made by whoever declares the queue (the API's producer as well as workers);
- results `celery-task-meta-<task id>` of the tasks the test's workers ran (ids from their logs);
- its messages still in kombu's shared `unacked` hash (a killed worker's);
- its workers' entries in the shared remote-control table `_kombu.binding.celery.pidbox`;
- entries of the shared `_kombu.binding_deadlines` whose binding table is gone.
"""
from __future__ import annotations

import json

PIDBOX = "_kombu.binding.celery.pidbox"
DEADLINES = "_kombu.binding_deadlines"
# Deadlines of binding tables that no longer exist (kombu's own sweep does the same once they
# are overdue, an hour on). One script, so a worker re-creating a table meanwhile keeps both.
_DROP_ORPHAN_DEADLINES = """
local gone = 0
for _, exchange in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if redis.call('EXISTS', ARGV[1] .. exchange) == 0 then
        gone = gone + redis.call('ZREM', KEYS[1], exchange)
    end
end
return gone
"""


def forget_test_keys(url: str, prefix: str, keep_logs: bool = False) -> list[str]:
    """Stop the prefix's workers still running, then delete its keys and (unless keep_logs)
    the workers' log files. Returns the paths of the logs kept."""
    from tests.support.processes import CeleryWorker

    workers = CeleryWorker.started.pop(prefix, [])
    task_ids: set[str] = set()
    for worker in workers:
        worker.stop()  # a running worker would write results after they were deleted
        task_ids |= worker.task_ids()
        if not keep_logs:
            worker.discard_log()
    forget_prefix(url, prefix, task_ids, [w.node for w in workers], workers_ran=bool(workers))
    return [w.log.name for w in workers] if keep_logs else []


def forget_prefix(url: str, prefix: str, task_ids=(), nodes=(), workers_ran: bool = True) -> None:
    """Delete the keys of queues named `<prefix>.*`, the given task results, and the pidbox
    entries of the given worker node names. Call it once those workers have stopped."""
    import redis

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
    names = [n.encode() for n in nodes]
    mine = [m for m in r.sscan_iter(PIDBOX) if any(name in m for name in names)] if names else []
    if mine:  # a killed worker's entry (one stopped cleanly removes its own)
        r.srem(PIDBOX, *mine)
    if workers_ran:  # a table's deadline outlives the table once its last worker has gone
        r.eval(_DROP_ORPHAN_DEADLINES, 1, DEADLINES, "_kombu.binding.")


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
