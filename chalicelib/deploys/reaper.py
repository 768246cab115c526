"""The stuck-deployment reaper (beat, every 30 s).

Nothing may sit in a non-final status unnoticed: a task lost before a worker took it
(Redis restarted, publish failed) is published again; a deployment whose worker died
(its lease expired) is published again and resumes after its last finished step; a
queued deployment past its deadline fails with the reason; one waiting for approval past its
deadline is cancelled, and told about once more a while before (LAUNCHBAY_APPROVAL_REMINDER); a
release that went live owing an automatic promotion its worker did not make (it died after the
go-live's commit) gets it made here."""
from __future__ import annotations

import time

from chalicelib import lifecycle, tasks
from chalicelib.core.context import Ports
from chalicelib.core.ids import iso_from_epoch, now_iso
from chalicelib.lifecycle import states

QUIET_SECONDS = 60     # untouched this long with no live lease: its task is presumed lost


def reap(ports: Ports) -> dict[str, int]:
    deps = ports.store.collection("deployments")
    now = now_iso()
    quiet = iso_from_epoch(time.time() - QUIET_SECONDS)
    out = {"republished": 0, "failed": 0, "expired": 0, "reminded": 0, "promoted": 0}
    # waiting for a person, never for a worker: only their deadline matters (index status, deadline)
    expired, _ = deps.find({"status": {"$in": sorted(states.WAITING)}, "deadline": {"$lt": now}}, limit=500)
    for dep in expired:
        if lifecycle.move(ports, dep, "cancelled", "not approved before its deadline (LAUNCHBAY_APPROVAL_TIMEOUT)",
                          approval_expired=True):
            out["expired"] += 1
    out["reminded"] = _remind(ports, now)
    out["promoted"] = _promote_owed(ports, now, quiet)
    candidates, _ = deps.find({"status": {"$in": sorted(states.UNDER_WAY)}, "updated": {"$lt": quiet}},
                              order="updated", limit=500)
    for dep in candidates:
        if dep.get("lease_expires") and dep["lease_expires"] > now:
            continue  # a live worker holds it
        if dep["status"] == "queued" and dep.get("deadline") and dep["deadline"] < now:
            if lifecycle.move(ports, dep, "failed", "no worker started this deployment before its deadline",
                              error="not started within the queue deadline"):
                out["failed"] += 1
            continue
        # touch `updated` first so the next reaper run does not publish it again at once
        if deps.update(dep["id"], {"updated": now, "enqueued": dep.get("enqueued", 1) + 1},
                       expect={"updated": dep["updated"]}):
            ports.queue.publish(tasks.RUN_DEPLOYMENT, dep["id"])
            out["republished"] += 1
    return out


def _remind(ports: Ports, now: str) -> int:
    """Deploys whose deadline is near (LAUNCHBAY_APPROVAL_REMINDER) are told about once more:
    marked `reminded` first (compare-and-set), so two reapers never send it twice."""
    from chalicelib.deploys.logs import append_log
    from chalicelib.notify import events as notify_events
    from chalicelib.notify import service as notify

    ahead = ports.settings.approval_reminder_seconds
    if not ahead:
        return 0
    deps = ports.store.collection("deployments")
    soon = iso_from_epoch(time.time() + ahead)
    due, _ = deps.find({"status": {"$in": sorted(states.WAITING)}, "deadline": {"$lt": soon}, "reminded": None},
                       limit=500)
    sent = 0
    for dep in due:
        if dep["deadline"] < now:   # past it: cancelled by the next pass, with its own notice
            continue
        marked = deps.update(dep["id"], {"reminded": now}, expect={"status": dep["status"], "reminded": None})
        if marked is not None:
            notify.emit(ports, dep["org_id"], dep.get("project_id"), notify_events.APPROVAL_REMINDER,
                        notify.deployment_data(ports, marked))
            append_log(ports, marked, f"still waiting for approval: cancelled at {dep['deadline']} unless approved",
                       "approval")
            sent += 1
    return sent


PROMOTE_TRIES = 5


def _promote_owed(ports: Ports, now: str, quiet: str) -> int:
    """Live releases still marked `promote_due` a minute after going live: their worker died (or
    the promotion failed) between the go-live's commit and the AutoPromote hook. Each is claimed
    first (its mark moved to now, compare-and-set), so two reapers never both make it; the
    promotion's idempotency key returns one the dead worker made already. After PROMOTE_TRIES
    failures the mark is dropped and the deploy log says so."""
    from chalicelib.deploys.logs import append_log
    from chalicelib.lifecycle.policy import promote_owed

    deps = ports.store.collection("deployments")
    owed, _ = deps.find({"promote_due": {"$lt": quiet}}, limit=100)   # index (promote_due)
    made = 0
    for dep in owed:
        tries = dep.get("promote_tries", 0) + 1
        give_up = tries > PROMOTE_TRIES
        claimed = deps.update(dep["id"], {"promote_due": None if give_up else now, "promote_tries": tries},
                              expect={"promote_due": dep["promote_due"]})
        if claimed is None:
            continue
        if give_up:
            append_log(ports, claimed, f"not promoted: the automatic promotion failed {PROMOTE_TRIES} times "
                                       "(the worker's log says why); `launchbay promote` makes it by hand",
                       "promote", "error")
        elif promote_owed(ports, claimed):
            made += 1
    return made
