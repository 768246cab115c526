"""Runs one deployment: claim it, run its steps in order, record each result before the
next starts, and end `live`; or `failed`, or `rollback_pending` and then rolled back to the
last live release. Every status change goes through chalicelib.lifecycle, which also does
what entering a status means (service document, log line, audit event, lock release).

Exactly-once rests on three things:
- a lease on the deployment (owner + expiry, compare-and-set): a duplicate delivery
  of the task finds it held and stops; a redelivery after a crash carries the same
  owner and resumes, or takes over once the lease has expired;
- a per-service lock, so deploys of one service run one at a time;
- step results recorded in the deployment: finished steps are never run again.
The Celery task (worker/tasks/deploys.py) is a thin shell around `run`.
"""
from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from typing import Any, Optional

from chalicelib import lifecycle
from chalicelib.catalog import environments, freezes
from chalicelib.catalog.environments import secret_value
from chalicelib.core import tracing
from chalicelib.core.context import Ports
from chalicelib.core.ids import iso_from_epoch, now_iso
from chalicelib.deploys import build, plan, steps
from chalicelib.deploys.logs import append_log
from chalicelib.lifecycle import states
from chalicelib.store.port import Collection, Conflict, Doc, Store

LEASE_SECONDS = 120       # the default of LAUNCHBAY_DEPLOY_LEASE; renewed after each step and while one runs
LOCK_SECONDS = 180
MAX_STEP_ATTEMPTS = 5

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    state: str                      # "done" | "later" | "busy"
    countdown: float = 0.0
    owner: Optional[str] = None
    seq: int = 0                    # the chain's next message number (see run)
    detail: str = ""


class Retryable(Exception):
    """A transient error (throttling, network): the task retries with backoff."""

    def __init__(self, message: str, owner: str, attempts: int, seq: int = 0):
        super().__init__(message)
        self.owner = owner
        self.attempts = attempts
        self.seq = seq


def _now() -> str:
    return now_iso()


def _later(seconds: float) -> str:
    return iso_from_epoch(time.time() + seconds)


def _lease(ports: Ports) -> float:
    return float(ports.settings.deploy_lease_seconds)


def _acquire_lease(deps: Collection, dep_id: str, owner: Optional[str], seq: int,
                   lease: float = LEASE_SECONDS) -> tuple[Optional[Doc], str, int]:
    """The chain that holds the lease continues only with its newest message (owner, seq),
    and only once: taking it moves seq on, so a stale copy of an older message, and a second
    copy of this one running at the same time (the broker redelivers a message still held
    past its visibility timeout: a countdown or a step longer than that), find it moved on.
    A free or expired lease is taken by a new chain."""
    renew = {"lease_expires": _later(lease)}
    if owner:
        got = deps.update(dep_id, {**renew, "lease_seq": seq + 1}, expect={"lease_owner": owner, "lease_seq": seq})
        if got is not None:
            return got, owner, seq + 1
    owner = uuid.uuid4().hex
    for expect in ({"lease_owner": None}, {"lease_expires": {"$lt": _now()}}):
        got = deps.update(dep_id, {**renew, "lease_owner": owner, "lease_seq": 0}, expect=expect)
        if got is not None:
            return got, owner, 0
    return None, owner, 0


def _service_lock(store: Store, dep: Doc) -> Optional[str]:
    """Take the per-service lock for this deployment; -> None, or the id of the holder."""
    locks = store.collection("locks")
    lock_id = f"svc:{dep['service_id']}"
    doc = {"id": lock_id, "holder": dep["id"], "expires": _later(LOCK_SECONDS)}
    try:
        locks.insert(doc)
        return None
    except Conflict:
        pass
    for expect in ({"holder": dep["id"]}, {"expires": {"$lt": _now()}}):
        if locks.update(lock_id, {"holder": dep["id"], "expires": doc["expires"]}, expect=expect):
            return None
    current = locks.get(lock_id)
    holder = store.collection("deployments").get(current["holder"]) if current else None
    if current and (holder is None or states.settled(holder)):
        # its worker died after the holder's final commit, before freeing the lock: no need to
        # wait out the lock's expiry (compare-and-set on the holder: one taker wins)
        if locks.update(lock_id, {"holder": dep["id"], "expires": doc["expires"]}, expect={"holder": current["holder"]}):
            return None
    return current["holder"] if current else "unknown"


def _release_lock(store: Store, dep: Doc) -> None:
    store.collection("locks").delete(f"svc:{dep['service_id']}", expect={"holder": dep["id"]})


def run(ports: Ports, dep_id: str, owner: Optional[str] = None, seq: int = 0) -> Outcome:
    deps = ports.store.collection("deployments")
    dep = deps.get(dep_id)
    if dep is None:
        return Outcome("done", detail="no such deployment")
    if states.settled(dep):
        return Outcome("done", detail=f"already {dep['status']}")
    if dep["status"] in states.WAITING:   # published only once approved; an old message finds nothing to do
        return Outcome("done", detail="waiting for approval")
    dep, owner, seq = _acquire_lease(deps, dep_id, owner, seq, _lease(ports))
    if dep is None:
        return Outcome("busy", detail="another worker holds this deployment")
    if states.settled(dep):  # superseded or cancelled between the read above and the lease
        _release_lease(deps, dep_id, owner)
        return Outcome("done", detail=f"already {dep['status']}")
    try:
        outcome = _run_leased(ports, dep, owner)
    except LostLease:
        return Outcome("done", detail="another worker took the deployment over")
    except Retryable as exc:
        try:
            exc.seq = _next_message(deps, dep_id, owner, seq, _lease(ports))
        except LostLease:
            return Outcome("done", detail="another worker took the deployment over")
        raise
    except Exception:
        # Unexpected (a store error, a bug): free the lease so a retry or the reaper can take
        # over at once. The service lock stays with this deployment, so no other deploy of the
        # service starts while it is unfinished.
        _release_lease(deps, dep_id, owner)
        raise
    if outcome.state == "later":
        # Keep the lease across the wait, and number the next message so that only it continues.
        try:
            outcome.seq = _next_message(deps, dep_id, owner, seq, _lease(ports))
        except LostLease:
            return Outcome("done", detail="another worker took the deployment over")
        return outcome
    _release_lease(deps, dep_id, owner)
    return outcome


def _release_lease(deps: Collection, dep_id: str, owner: str) -> None:
    deps.update(dep_id, {"lease_owner": None, "lease_expires": None}, expect={"lease_owner": owner})


def _next_message(deps: Collection, dep_id: str, owner: str, seq: int, lease: float = LEASE_SECONDS) -> int:
    if deps.update(dep_id, {"lease_seq": seq + 1, "lease_expires": _later(lease)},
                   expect={"lease_owner": owner, "lease_seq": seq}) is None:
        raise LostLease(dep_id)
    return seq + 1


def _run_leased(ports: Ports, dep: dict, owner: str) -> Outcome:
    store = ports.store
    if dep["status"] == "queued":
        newer = store.collection("deployments").find(
            {"service_id": dep["service_id"], "number": {"$gt": dep["number"]},
             "status": {"$in": sorted(states.UNDER_WAY | {"live"})}}, order="-number", limit=1)[0]
        if newer:
            lifecycle.move(ports, dep, "superseded", f"superseded by deployment #{newer[0]['number']}")
            return Outcome("done", detail="superseded")
        frozen = _frozen(ports, dep)
        if frozen:   # queued before a freeze began (by hand or a window): a new release does not go out
            lifecycle.move(ports, dep, "cancelled", f"not started: {frozen}")
            return Outcome("done", detail="frozen")
    holder = _service_lock(store, dep)
    if holder is not None:
        if dep["status"] == "queued":
            store.collection("deployments").update(
                dep["id"], {"reason": "waiting for the previous deployment of this service to finish"},
                expect={"status": "queued"})
        return Outcome("later", countdown=2.0, owner=owner, detail=f"service locked by {holder}")
    # On an exception the lock is kept: a retry of this deployment resumes while it holds it.
    if dep["status"] == "queued":
        first, why = ("building", f"building {dep['build']['repo']}@{dep['build']['ref']}") if dep.get("build") \
            else ("provisioning", "provisioning AWS resources")
        claimed = lifecycle.move(ports, dep, first, why, lease_owner=owner)
        if claimed is None:  # superseded or cancelled meanwhile: leave the service to the others
            _release_lock(store, dep)
            return Outcome("done", detail="lost the claim")
        dep = claimed
    outcome = _run_steps(ports, dep, owner)
    if outcome.state == "done":
        _release_lock(store, dep)
    return outcome


def _frozen(ports: Ports, dep: dict) -> Optional[str]:
    """Why a queued new release may not start now (its environment is frozen), else None."""
    if states.reruns(dep):   # rollbacks, restarts and resumes run during a freeze
        return None
    service = ports.store.collection("services").get(dep["service_id"])
    env = environments.of_service(ports, service) if service else {}
    freeze = freezes.freeze_of(env)
    return freezes.frozen_message(env, freeze) if freeze else None


def _record(ports: Ports, dep: dict, owner: str, steps_doc: list, **fields: Any) -> dict:
    got = ports.store.collection("deployments").update(
        dep["id"], {"steps": steps_doc, "updated": _now(), "lease_expires": _later(_lease(ports)), **fields},
        expect={"lease_owner": owner})
    if got is None:
        raise LostLease(dep["id"])
    ports.store.collection("locks").update(f"svc:{dep['service_id']}", {"expires": _later(LOCK_SECONDS)},
                                           expect={"holder": dep["id"]})
    return got


class LostLease(Exception):
    """Another worker took the deployment over (our lease expired): stop quietly."""


class KeepLease:
    """Renews the lease (and the service lock) every third of the lease while a step runs, so
    the lease can be short without a slow step (an AWS call, a build) losing it: a live worker
    keeps its deployment however long a step takes, a dead one's expires within one lease."""

    def __init__(self, ports: Ports, dep_id: str, service_id: str, owner: str):
        self.ports, self.dep_id, self.service_id, self.owner = ports, dep_id, service_id, owner
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{dep_id}", daemon=True)

    def __enter__(self) -> "KeepLease":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        lease = _lease(self.ports)
        while not self._stop.wait(lease / 3):
            try:
                got = self.ports.store.collection("deployments").update(
                    self.dep_id, {"lease_expires": _later(lease)}, expect={"lease_owner": self.owner})
                if got is None:   # taken over: the step's next record raises LostLease
                    return
                self.ports.store.collection("locks").update(
                    f"svc:{self.service_id}", {"expires": _later(LOCK_SECONDS)}, expect={"holder": self.dep_id})
            except Exception as exc:  # the store briefly unavailable: the next beat tries again
                log.warning("renewing the lease of %s failed: %s", self.dep_id, exc)


def _steps(ports: Ports, dep: dict) -> list[steps.Step]:
    if dep["status"] == "rolling_back":
        previous = ports.store.collection("deployments").get(dep["rollback_to"])
        if previous is None:
            raise LookupError(f"the release to roll back to ({dep['rollback_to']}) no longer exists")
        return steps.rollback_steps_of(dep, previous)
    return (build.STEPS if dep.get("build") else []) + steps.of_deployment(dep)


def _do(ctx: steps.Ctx, step: steps.Step, entry: dict) -> Any:
    """A waiting step looks; any other plans its cloud calls (kept in the step's entry), then
    the one executor runs the plan."""
    with tracing.span(f"step {step.name}", step=step.name):   # X-Ray: one subsegment per step
        if step.wait is not None:
            return step.wait(ctx)
        assert step.plan is not None
        planned = step.plan(ctx)
        if isinstance(planned, steps.Pending):   # something it builds on is still settling in AWS
            return planned
        entry["plan"] = planned.public()
        cloud = ctx.cloud if planned.where is None else ctx.ports.cloud_for(planned.where)
        return plan.execute(cloud, planned, lambda ref: _reveal(ctx.ports, ref))


def _reveal(ports: Ports, ref: plan.SecretValue) -> str:
    version, value = secret_value(ports, ref.scope_id, ref.name)
    if version != ref.version:
        raise steps.StepFailed(f"secret {ref.name} changed while this deployment ran (v{ref.version} -> "
                               f"v{version}); deploy again to use the new value")
    return value


def _run_steps(ports: Ports, dep: dict, owner: str) -> Outcome:
    if dep["status"] == "rollback_pending":  # failed after touching ECS; the rollback has not started yet
        return _start_rollback(ports, dep, owner)
    ctx = steps.Ctx(ports=ports, dep=dep, results=_done(dep))
    for step in _steps(ports, dep):
        name, status = step.name, step.status
        if name in ctx.results:
            continue
        if dep.get("deadline") and dep["deadline"] < _now() and name not in OWN_DEADLINE:
            steps_doc = [dict(s) for s in dep["steps"]]
            entry = next((s for s in steps_doc if s["name"] == name), None)
            if entry is None:
                entry = {"name": name, "started": _now(), "attempts": 0}
                steps_doc.append(entry)
            return _fail(ports, dep, owner, steps_doc, entry, _late(ports, name, dep))
        if dep.get("cancel_requested") and dep["status"] in states.CANCELLABLE:
            return _cancel(ports, dep, owner, before=name)
        if status in ENTERED and status != dep["status"] and states.allowed(dep["status"], status):
            moved = lifecycle.move(ports, dep, status, ENTERED[status])
            if moved is None:
                raise LostLease(ctx.dep["id"])
            dep = ctx.dep = moved
        steps_doc = [dict(s) for s in dep["steps"]]
        entry = next((s for s in steps_doc if s["name"] == name), None)
        if entry is None:
            entry = {"name": name, "status": "running", "started": _now(), "started_ts": time.time(), "attempts": 0}
            steps_doc.append(entry)
            append_log(ports, dep, f"{name}: started", name)
        entry["attempts"] = entry.get("attempts", 0) + 1
        dep = ctx.dep = _record(ports, dep, owner, steps_doc, reason=f"{name} (attempt {entry['attempts']})")
        ctx.step_started = entry["started_ts"]
        t0 = time.perf_counter()
        try:
            with KeepLease(ports, dep["id"], dep["service_id"], owner):
                result = _do(ctx, step, entry)
        except steps.StepFailed as exc:
            return _fail(ports, dep, owner, steps_doc, entry, str(exc))
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
            if ports.cloud.is_retryable(exc) and entry["attempts"] < MAX_STEP_ATTEMPTS:
                append_log(ports, dep, f"{name}: transient error, will retry: {message}", name, "warning")
                raise Retryable(message, owner, entry["attempts"]) from exc
            _log_trace(exc)
            return _fail(ports, dep, owner, steps_doc, entry, f"{name} failed: {message}")
        if isinstance(result, steps.Pending):
            entry["attempts"] -= 1  # waiting is not a failed attempt
            if result.message != entry.get("waiting"):  # log what changes, not every look
                append_log(ports, dep, f"{name}: {result.message}", name)
                entry["waiting"] = result.message
            _record(ports, dep, owner, steps_doc, reason=f"{result.message} ({time.time() - entry['started_ts']:.0f} s)")
            return Outcome("later", countdown=result.seconds, owner=owner, detail=result.message)
        # from the step's first start: a rollout spans many looks
        ms = max((time.time() - entry["started_ts"]) * 1000, (time.perf_counter() - t0) * 1000)
        entry.pop("waiting", None)
        entry.update(status="done", finished=_now(), result=result, ms=round(ms, 1))
        extra = {"task_definition": result["arn"]} if name == "task_definition" else {}
        if name == "secrets":
            extra["secret_refs"] = result["refs"]
        if name == "build":   # the built image, pinned by digest: what the next steps and rollbacks run
            extra.update(image=result["image"], image_digest=result["digest"], spec={**dep["spec"], "image": result["image"]})
            if result.get("commit"):
                extra["build"] = {**dep["build"], "commit_sha": result["commit"]}
        if name == "image" and result.get("digest"):
            extra["image_digest"] = result["digest"]
            extra["spec"] = {**dep["spec"], "image": result["image"]}  # a rollback to this release runs these bytes
        dep = ctx.dep = _record(ports, dep, owner, steps_doc, **extra)
        ctx.results[name] = result
        append_log(ports, dep, f"{name}: done in {entry['ms']:.0f} ms{_said(entry.get('plan'))}{_summary(result)}", name)
    return _finish(ports, dep, owner)


# Waits that keep their own deadline (from the step's start) rather than the status's.
OWN_DEADLINE = {"rollout", "release"}

# The status a step runs in, entered from the one before it (queued is left by the claim above).
ENTERED = {"provisioning": "provisioning AWS resources", "deploying": "rolling out on ECS"}


def _late(ports: Ports, name: str, dep: dict) -> str:
    if dep["status"] == "building":
        return (f"the build did not finish within the time limit ({ports.settings.build_timeout_seconds} s)"
                + _stop_build(ports, dep))
    return f"{name} did not finish before the {dep['status']} deadline"


def _stop_build(ports: Ports, dep: dict) -> str:
    """A deployment leaving `building` early (time limit, cancel, a rollback taking over) stops its
    build first, so nothing keeps building and pushing for it. -> words for its reason."""
    if dep["status"] != "building":
        return ""
    try:
        stopped = build.stop(ports, dep)
    except Exception as exc:  # the build then ends at CodeBuild's own timeout (the same limit)
        return f"; the build could not be stopped ({type(exc).__name__})"
    return f"; {stopped}" if stopped else ""


def _log_trace(exc: Exception) -> None:
    # Unexpected errors keep their trace in the worker log (never in the API or deploy log).
    traceback.print_exception(exc)


def _said(planned: Optional[dict]) -> str:
    """'; updated target group (port, health)' from a step's plan."""
    if not planned:
        return ""
    verb = {"create": "created", "update": "updated", "no-op": "unchanged", "skip": "skipped"}.get(planned["action"])
    if not verb:
        return ""
    fields = f" ({', '.join(planned['changes'])})" if planned["action"] == "update" and planned["changes"] else ""
    return f"; {verb} {planned['resource']}{fields}"


def _summary(result: Any) -> str:
    if not isinstance(result, dict):
        return ""
    for key in ("arn", "rule_arn", "name", "host", "state", "skipped"):
        if result.get(key):
            return f": {result[key]}"
    return ""


def _finish(ports: Ports, dep: dict, owner: str) -> Outcome:
    if dep["status"] == "rolling_back":
        lifecycle.move(ports, dep, "rolled_back", f"rolled back to deployment #{dep['rollback_to_number']}")
        return Outcome("done", detail="rolled_back")
    lifecycle.move(ports, dep, "live", "serving")
    return Outcome("done", detail="live")


def _touched(steps_doc: list) -> bool:
    return any(s["name"] in steps.TOUCHES_RUNTIME for s in steps_doc)


def _fail(ports: Ports, dep: dict, owner: str, steps_doc: list, entry: dict, reason: str) -> Outcome:
    entry.update(status="failed", finished=_now(), error=reason)
    dep = _record(ports, dep, owner, steps_doc)
    append_log(ports, dep, f"{entry['name']}: {reason}", entry["name"], "error")
    if dep["status"] == "rolling_back":
        lifecycle.move(ports, dep, "failed", f"rollback failed: {reason}")
        return Outcome("done", detail="rollback failed")
    new = lifecycle.fail(ports, dep, reason, _touched(steps_doc))
    if new is None:
        return Outcome("done", detail="status changed meanwhile")
    if new["status"] == "rollback_pending":
        return _start_rollback(ports, new, owner)
    return Outcome("done", detail="failed")


def _cancel(ports: Ports, dep: dict, owner: str, before: str) -> Outcome:
    """A user's cancel, or a rollback that takes over, seen at a step boundary."""
    who = dep["cancel_requested"]
    if dep.get("superseded_by_number"):
        # the user's rollback deployment (or a newer release, over a canary still watched) puts the
        # service right; this one just stops, and takes its canary away first
        taker = f"{'' if dep.get('superseded_by_release') else 'rollback '}deployment #{dep['superseded_by_number']}"
        stopped = steps.stop_release_task(ports, dep, f"{taker} took over")
        retired = _retire_canary(ports, dep)
        lifecycle.move(ports, dep, "superseded", f"stopped before {before}: {taker} took over (by {who})"
                                                 + (f"; {stopped}" if stopped else "") + retired + _stop_build(ports, dep))
        return Outcome("done", detail="superseded")
    touched = _touched(dep["steps"])
    service = ports.store.collection("services").get(dep["service_id"]) or {}
    if touched and not service.get("live_deployment_id"):
        # a first release has nothing to return to: stop what it started
        stopped = steps.stop_release(ports, dep)
        lifecycle.move(ports, dep, "cancelled", f"cancelled by {who} during {before}; {stopped}")
        return Outcome("done", detail="cancelled")
    if not touched:
        stopped = steps.stop_release_task(ports, dep, f"deployment cancelled by {who}")
        lifecycle.move(ports, dep, "cancelled", f"cancelled by {who} before {before}; "
                       + (stopped or "nothing reached ECS") + _stop_build(ports, dep))
        return Outcome("done", detail="cancelled")
    new = lifecycle.fail(ports, dep, f"cancelled by {who}", touched)
    if new is not None and new["status"] == "rollback_pending":
        return _start_rollback(ports, new, owner)
    if new is not None and new["status"] == "failed":
        return Outcome("done", detail="cancelled; no earlier release to return to")
    return Outcome("done", detail="status changed meanwhile")


def _done(dep: dict) -> dict[str, Any]:
    """name -> result of the deployment's finished steps (what the next steps plan from)."""
    return {s["name"]: s.get("result") for s in dep["steps"] if s.get("status") == "done"}


def _retire_canary(ports: Ports, dep: dict) -> str:
    """A deployment stopped for another after its canary began: the rules forward to the service
    alone again and the canary service goes (the taker makes its own). -> words for its reason."""
    from chalicelib.deploys import canary

    done = _done(dep)
    if not canary.began(dep) or canary.RETIRE in done:
        return ""
    ctx = steps.Ctx(ports=ports, dep=dep, results=done)
    plan.execute(ctx.cloud, canary.retire(ctx), lambda ref: _reveal(ports, ref))
    return "; its canary was removed"


def _start_rollback(ports: Ports, dep: dict, owner: str) -> Outcome:
    new = lifecycle.move(ports, dep, "rolling_back",
                         f"rolling back to deployment #{dep['rollback_to_number']} after: {dep.get('error')}")
    if new is None:
        return Outcome("done", detail="status changed meanwhile")
    return _run_steps(ports, new, owner)
