"""A queue's owner at work: how many messages wait, are being worked on, or died (read live from
SQS, never stored: a minute-old count misleads), and dead letters moved back once the bug that
killed them is fixed. The move runs in the worker (REDRIVE_QUEUE), a thousand messages per run,
and is recorded on the resource (`redrive`) so the UI and CLI can follow it."""
from __future__ import annotations

import time
from typing import Any, Optional

from chalicelib import tasks
from chalicelib.audit import service as audit
from chalicelib.cloud.naming import resource_names
from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.core.errors import Invalid, StateConflict
from chalicelib.core.ids import now_iso
from chalicelib.resources.kinds import KINDS
from chalicelib.resources.service import aws_answer, get_resource

BATCH = 1000        # dead letters moved per worker run; more: the task queues itself again
STALE_SECONDS = 900  # a redrive "moving" this long lost its worker: a new one may start


def _queue(ports: Ports, actor: Actor, org_id: str, resource_id: str, action: str) -> dict[str, Any]:
    doc = get_resource(ports, actor, org_id, resource_id, action)
    if not KINDS[doc["kind"]].queue:
        raise Invalid(f"{doc['name']!r} is a {doc['kind']}, not a queue", field="resource")
    if doc["status"] not in ("available", "modifying"):
        raise StateConflict(f"the queue is {doc['status']}", field="status")
    return doc


def _observed(ports: Ports, doc: dict[str, Any]) -> dict[str, Any]:
    seen = aws_answer(ports, doc, lambda cloud: cloud.observe_queue(resource_names(doc).ident))
    if seen["state"] == "missing":
        raise StateConflict("the queue is gone from AWS (deleted outside Launchbay?)", field="resource")
    return seen


def messages(ports: Ports, actor: Actor, org_id: str, resource_id: str) -> dict[str, Any]:
    """-> {visible, in_flight, delayed, dead, redrive}: SQS's approximate counts, now."""
    doc = _queue(ports, actor, org_id, resource_id, "read")
    return {**_observed(ports, doc)["messages"], "redrive": doc.get("redrive")}


def dead_letters(ports: Ports, actor: Actor, org_id: str, resource_id: str, limit: int = 10) -> dict[str, Any]:
    """A sample of the dead letters, to see why they failed before moving them back: their bodies
    may hold what the senders put there, so it takes what a redrive takes (developers), and each
    look is audited. Nothing moves: they stay in the dead-letter queue."""
    doc = _queue(ports, actor, org_id, resource_id, "queue.redrive")
    if not 1 <= limit <= 10:
        raise Invalid("limit: 1 to 10 (SQS hands out ten at most at a time)", field="limit")
    items = aws_answer(ports, doc, lambda cloud: cloud.peek_dead_letters(resource_names(doc).ident, limit))
    audit.record(ports, actor, org_id, "resource.dead_letters_read", "resource", doc["id"],
                 {"name": doc["name"], "seen": len(items)})
    return {"items": items, "note": "a sample, as SQS hands them out (not every one, not in order); they stay in "
                                    "the dead-letter queue until moved back or purged"}


def request_redrive(ports: Ports, actor: Actor, org_id: str, resource_id: str) -> dict[str, Any]:
    doc = _queue(ports, actor, org_id, resource_id, "queue.redrive")
    now = time.time()
    running = doc.get("redrive") or {}
    if running.get("status") == "moving" and now - float(running.get("since") or 0) < STALE_SECONDS:
        raise StateConflict("dead letters are being moved back already", field="redrive")
    dead = _observed(ports, doc)["messages"].get("dead")
    if not dead:
        raise StateConflict("the dead-letter queue is empty: nothing to move back", field="redrive")
    redrive = {"status": "moving", "since": now, "requested": now_iso(), "by": actor.email, "moved": 0,
               "left": dead}
    with ports.store.transaction():
        ports.store.collection("resources").update(doc["id"], {"redrive": redrive})
        audit.record(ports, actor, org_id, "resource.redrive", "resource", doc["id"],
                     {"name": doc["name"], "dead": dead})
    ports.queue.publish(tasks.REDRIVE_QUEUE, doc["id"])
    return redrive


def purge(ports: Ports, actor: Actor, org_id: str, resource_id: str, confirm: Optional[str],
          dead_letters: bool = False) -> dict[str, Any]:
    """Delete every waiting message (a flood a bad release queued), or every dead letter once
    they were looked at. It loses data: admins only, the queue's name typed again, audited."""
    doc = _queue(ports, actor, org_id, resource_id, "project.delete")
    if confirm != doc["name"]:
        what = "dead letters" if dead_letters else "waiting messages"
        raise Invalid(f"purging {doc['name']!r} deletes its {what} for good: confirm with ?confirm={doc['name']}",
                      field="confirm")
    before = _observed(ports, doc)["messages"]

    def purge_it(cloud: Any) -> None:
        from chalicelib.cloud.errors import error_code

        try:
            cloud.purge_queue(resource_names(doc).ident, dead_letters)
        except Exception as exc:
            if error_code(exc) in ("AWS.SimpleQueueService.PurgeQueueInProgress", "PurgeQueueInProgress"):
                raise StateConflict("SQS purges a queue at most once a minute: try again in a minute",
                                    field="queue") from None
            raise

    aws_answer(ports, doc, purge_it)
    purged = before["dead"] if dead_letters else before["visible"]
    audit.record(ports, actor, org_id, "resource.purge", "resource", doc["id"],
                 {"name": doc["name"], "dead_letters": dead_letters, "messages": purged})
    if dead_letters:   # the watch must not tell the next dead letters as old news, nor miss them
        ports.store.collection("resources").update(doc["id"], {"dead_seen": 0})
    return {"purged": purged, "dead_letters": dead_letters}


def give_up_redrive(ports: Ports, resource_id: str, why: str) -> None:
    """The worker's retries ran out (AWS kept failing): the redrive is failed, with why, so the
    UI and `redrive --wait` stop waiting and a new one may start at once."""
    col = ports.store.collection("resources")
    doc = col.get(resource_id)
    redrive = (doc or {}).get("redrive") or {}
    if doc is not None and redrive.get("status") == "moving":
        col.update(doc["id"], {"redrive": {**redrive, "status": "failed", "error": why, "finished": now_iso()}})


def run_redrive(ports: Ports, resource_id: str) -> str:
    """One batch of the move (worker). -> "later" while dead letters remain past a full batch."""
    col = ports.store.collection("resources")
    doc = col.get(resource_id)
    redrive = (doc or {}).get("redrive") or {}
    if doc is None or redrive.get("status") != "moving":
        return "done"   # a redelivered task after the move finished
    try:
        out = ports.cloud_for(doc.get("target")).redrive_queue(resource_names(doc).ident, BATCH)
    except Exception as exc:
        if ports.cloud_for(doc.get("target")).is_retryable(exc):
            raise
        col.update(doc["id"], {"redrive": {**redrive, "status": "failed", "error": f"{type(exc).__name__}: {exc}"}})
        return "done"
    moved = int(redrive.get("moved") or 0) + out["moved"]
    more = out["moved"] >= BATCH and out["left"] > 0
    col.update(doc["id"], {"redrive": {**redrive, "moved": moved, "left": out["left"], "since": time.time(),
                                       **({} if more else {"status": "done", "finished": now_iso()})}})
    if not more:
        audit.record(ports, SYSTEM, doc["org_id"], "resource.redriven", "resource", doc["id"],
                     {"name": doc["name"], "moved": moved, "left": out["left"]})
    return "later" if more else "done"


def watch_dead_letters(ports: Ports) -> dict[str, int]:
    """Beat, every 5 minutes: each available queue whose dead-letter queue grew since the last
    look tells the project's subscriptions (queue.dead_letters) how many died; a shrink (a
    redrive, a consumer reading the DLQ) only lowers the mark. One account unreachable: the
    others are still looked at."""
    from chalicelib.notify import service as notify
    from chalicelib.store.port import iter_all

    col = ports.store.collection("resources")
    looked = told = failed = 0
    for doc in iter_all(col, {"kind": "queue", "status": "available"}):
        try:
            dead = ports.cloud_for(doc.get("target")).observe_queue(resource_names(doc).ident)["messages"]["dead"]
        except Exception:
            failed += 1
            continue
        looked += 1
        seen = int(doc.get("dead_seen") or 0)
        if dead is None or dead == seen:
            continue
        if dead > seen and (doc.get("redrive") or {}).get("status") != "moving":
            notify.queue_dead_letters(ports, doc, dead - seen, dead)
            told += 1
        col.update(doc["id"], {"dead_seen": dead})
    return {"looked": looked, "told": told, "failed": failed}
