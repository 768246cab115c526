"""The stuck-deployment reaper (beat, every 30 s).

Nothing may sit in a non-final status unnoticed: a task lost before a worker took it
(Redis restarted, publish failed) is published again; a deployment whose worker died
(its lease expired) is published again and resumes after its last finished step; a
queued deployment past its deadline fails with the reason; one waiting for approval past its
deadline is cancelled."""
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
    out = {"republished": 0, "failed": 0, "expired": 0}
    # waiting for a person, never for a worker: only their deadline matters (index status, deadline)
    expired, _ = deps.find({"status": {"$in": sorted(states.WAITING)}, "deadline": {"$lt": now}}, limit=500)
    for dep in expired:
        if lifecycle.move(ports, dep, "cancelled", "not approved before its deadline (LAUNCHBAY_APPROVAL_TIMEOUT)"):
            out["expired"] += 1
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
