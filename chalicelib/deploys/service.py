"""Deployments: creating them (with idempotency keys), reading them, their logs,
cancelling, rolling back. Status changes go through chalicelib.lifecycle."""
from __future__ import annotations

import logging
from typing import Any, Callable, Optional

from chalicelib import lifecycle, tasks
from chalicelib.accounts.service import authorize, load_in_org
from chalicelib.audit import service as audit
from chalicelib.catalog import environments, freezes
from chalicelib.catalog.service import effective_spec, get_service
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import Forbidden, Invalid, NotFound, StateConflict
from chalicelib.core.ids import new_id, now_iso
from chalicelib.deploys import placement
from chalicelib.deploys.build import build_of
from chalicelib.deploys.logs import append_log
from chalicelib.lifecycle import states
from chalicelib.notify import events as notify_events
from chalicelib.store.port import Conflict

log = logging.getLogger("launchbay.deploys")


APPROVAL_WAIT = "waiting for approval by an admin or owner"
LIST_HIDDEN = {"steps", "spec", "secret_refs"}   # a page of 50 stays small; GET one deployment for them


def summary(dep: dict[str, Any]) -> dict[str, Any]:
    """A deployment as lists show it: no steps or spec, but how far it got."""
    out = {k: v for k, v in public(dep).items() if k not in LIST_HIDDEN}
    steps = dep.get("steps") or []
    out["steps_done"] = sum(1 for s in steps if s.get("status") == "done")
    out["failed_step"] = next((s["name"] for s in steps if s.get("status") == "failed"), None)
    return out


def public(dep: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.deploys import canary

    hidden = {"lease_owner", "lease_expires", "idempotency_scope", "promote_due", "promote_tries", "canary_watch",
              "canary_proceed"}
    out = {k: v for k, v in dep.items() if k not in hidden}
    out["canary"] = canary.public(dep)   # its settings, where it is and what its watch counted
    return out


def create_deployment(ports: Ports, actor: Actor, org_id: str, service_id: str, image: Optional[str],
                      idempotency_key: Optional[str] = None, rollback_of: Optional[dict] = None,
                      commit: Optional[dict[str, str]] = None, restart_of: Optional[dict] = None) -> tuple[dict, bool]:
    """-> (deployment, created). A repeated Idempotency-Key returns the first deployment.
    `commit` ({"sha", "message", "author"}): the source commit deployed (a rollback keeps its target's).
    `rollback_of` / `restart_of`: the release run again exactly (image digest, spec, secret versions);
    a restart's rollout replaces every task even though nothing changed."""
    service = get_service(ports, actor, org_id, service_id, "deploy")
    return _new_deployment(ports, actor, service, image, idempotency_key, rollback_of, commit, restart_of)


def _new_deployment(ports: Ports, actor: Actor, service: dict[str, Any], image: Optional[str],
                    idempotency_key: Optional[str] = None, rollback_of: Optional[dict] = None,
                    commit: Optional[dict[str, str]] = None, restart_of: Optional[dict] = None,
                    extra: Optional[dict[str, Any]] = None, resume_of: Optional[dict] = None) -> tuple[dict, bool]:
    """create_deployment once the caller may deploy the service (a user's role was checked, or it
    is the platform's own rollback on an alert); `extra`: fields the deployment also records.
    `resume_of`: the live release of a suspended service, run again (deploys/suspend.py)."""
    org_id, service_id = service["org_id"], service["id"]
    if service["status"] == "deleting":
        raise StateConflict("the service is being deleted", field="service")
    if service["status"] in states.SUSPENDED and not resume_of:   # it would go live running nothing
        from chalicelib.deploys.sleep import sleeping_words

        raise StateConflict(sleeping_words(service) or f"{service['name']} is {service['status']}: resume it first",
                            field="status")
    deps = ports.store.collection("deployments")
    first = first_answer(ports, service_id, idempotency_key)
    if first:
        return first, False
    key = checked_key(idempotency_key)
    scope = idempotency_scope(service_id, key) if key else None
    release = rollback_of or restart_of or resume_of
    if release:
        spec, secret_refs = dict(release["spec"]), dict(release.get("secret_refs") or {})
        config_hash = release.get("config_hash")
    else:
        spec = effective_spec(ports, service)   # the environment's variables under the service's own
        spec["image"] = image or service.get("image")
        secret_refs = None  # resolved by the engine from the current secret versions
        config_hash = service.get("config_hash")
    # from source: built first (a rollback reuses its release's image, an explicit image skips the build)
    to_build = None if release or image else build_of(service, commit)
    if to_build is None and not spec.get("image"):
        raise Invalid("the service builds from source; this deployment names no image to run", field="image")
    env = environments.of_service(ports, service)
    if not release:   # a freeze stops new releases; an incident still needs rollbacks and restarts
        freezes.refuse_if_frozen(env)
    now = now_iso()
    # an environment that requires approval holds a new release for an admin (a rollback or a restart
    # runs a release that went live already, and the platform's own rollback cannot wait for anyone)
    held = not release and bool(env.get("require_approval"))
    status = "awaiting_approval" if held else "queued"
    dep = {"id": new_id("dep"), "org_id": org_id, "project_id": service["project_id"], "service_id": service_id,
           "environment_id": service.get("environment_id"), "environment": service.get("environment"),
           "service_name": service["name"], "kind": service["kind"], "number": ports.store.next_number(f"deploy:{service_id}"),
           "image": spec["image"], "spec": spec, "secret_refs": secret_refs,
           "rollback_of": rollback_of["id"] if rollback_of else None,
           "rollback_of_number": rollback_of["number"] if rollback_of else None, "config_hash": config_hash,
           **({"restart_of": restart_of["id"], "restart_of_number": restart_of["number"]} if restart_of else {}),
           **({"resume_of": resume_of["id"], "resume_of_number": resume_of["number"]} if resume_of else {}),
           "status": status, "reason": APPROVAL_WAIT if held else "waiting for a worker", "steps": [],
           "actor": actor.label, "actor_id": actor.user_id, "error": None,
           "base_release_id": service.get("live_deployment_id"),   # what it changes (deploys/changes.py)
           "created": now, "updated": now, "deadline": lifecycle.deadline_for(ports, status), "lease_owner": None,
           "phases": [{"status": status, "at": now}],
           "lease_expires": None, "enqueued": 1,
           "commit": dict(commit) if commit else (release or {}).get("commit")}
    if to_build:
        dep["build"] = to_build
    from chalicelib.deploys import canary

    dep["canary"] = canary.for_new_release(service, bool(release), env)
    target = placement.for_new_deployment(ports, service)
    if target is not None:   # where every cloud call of this deployment goes (deploys/placement.py)
        dep["target"] = target
    if scope:
        dep["idempotency_scope"] = scope
    if held:   # who asked: an environment may refuse them as the approver (prevent_self_approval)
        dep["requested_by"] = actor.user_id
    dep.update(extra or {})
    try:
        with ports.store.transaction():
            deps.insert(dep)
            audit.record(ports, actor, org_id, "deployment.create", "deployment", dep["id"],
                         {"number": dep["number"], "service": dep["service_name"], "image": dep["image"], "rollback_of": dep["rollback_of"],
                          **({"restart_of": dep["restart_of"]} if restart_of else {}),
                          **({"resume_of": dep["resume_of"]} if resume_of else {}),
                          **({"commit": dep["commit"]["sha"]} if dep["commit"] else {})})
            if held:
                append_log(ports, dep, f"deployment #{dep['number']} of {dep['service_name']} is waiting for "
                           f"approval (the {dep['environment'] or 'production'} environment requires it)", "approval")
    except Conflict as exc:
        if exc.field == "idempotency_scope":  # a concurrent request with the same key won
            first = deps.find_one({"idempotency_scope": scope})
            if first is not None:  # (gone again only if deleted meanwhile: the Conflict stands)
                return first, False
        raise
    from chalicelib.hooks import statuses  # pending on its commit from the start; a preview's comment

    statuses.publish(ports, dep)
    if held:   # nothing runs, and nothing older is superseded, until an admin approves it
        from chalicelib.notify import service as notify

        notify.emit(ports, org_id, dep["project_id"], notify_events.AWAITING_APPROVAL, notify.deployment_data(ports, dep))
        return dep, True
    # a restart or a resume runs the live release again: a new release waiting for approval stays asked for
    supersede_older(ports, dep, waiting=not (restart_of or resume_of))
    if rollback_of:
        take_over(ports, actor, dep)
    elif not release:
        supersede_canary(ports, actor, dep)
    _publish(ports, dep)
    return dep, True


def _publish(ports: Ports, dep: dict[str, Any]) -> None:
    # Published after commit. The deployment is stored either way: if Redis is down, the reaper
    # (beat, every 30 s) publishes it again once Redis is back, so the caller still gets its 202.
    try:
        ports.queue.publish(tasks.RUN_DEPLOYMENT, dep["id"])
    except Exception as exc:  # kombu/redis errors: the broker is unreachable
        log.warning("deployment %s stored but not published (%s); the reaper will publish it", dep["id"],
                    type(exc).__name__)


def checked_key(idempotency_key: Optional[str]) -> Optional[str]:
    """The request's Idempotency-Key (None when absent), refused past 200 characters."""
    if idempotency_key and len(idempotency_key) > 200:
        raise Invalid("Idempotency-Key is longer than 200 characters", field="Idempotency-Key")
    return idempotency_key or None


def live_release(ports: Ports, service: dict[str, Any], doing: str) -> dict[str, Any]:
    """The service's live release, which a restart, a suspend or a resume acts on (409 without one)."""
    live = ports.store.collection("deployments").get(service.get("live_deployment_id") or "")
    if live is None:
        raise StateConflict(f"{service['name']} has no live release to {doing}: deploy it first", field="service")
    return live


def idempotency_scope(service_id: str, idempotency_key: str) -> str:
    return f"{service_id}:{idempotency_key}"


def first_answer(ports: Ports, service_id: str, idempotency_key: Optional[str]) -> Optional[dict[str, Any]]:
    """The deployment a request with this Idempotency-Key made already, if any: a restart or a
    resume looks before its checks, so that a retry whose first answer is now under way gets it
    back rather than "busy" (_new_deployment looks again inside its write)."""
    key = checked_key(idempotency_key)
    return ports.store.collection("deployments").find_one({"idempotency_scope": idempotency_scope(service_id, key)}) \
        if key else None


def under_way(ports: Ports, service_id: str) -> Optional[dict[str, Any]]:
    """A deployment of the service that has not settled, if there is one."""
    busy, _ = ports.store.collection("deployments").find(
        {"service_id": service_id, "status": {"$in": sorted(states.UNDER_WAY)}}, limit=1)
    return busy[0] if busy else None


def supersede_older(ports: Ports, newest: dict[str, Any], waiting: bool = True) -> None:
    """Older deploys that have not started give way to the newest that will (queued or approved);
    `waiting`: those waiting for approval too."""
    older, _ = ports.store.collection("deployments").find(
        {"service_id": newest["service_id"], "status": {"$in": ["awaiting_approval", "queued"] if waiting else ["queued"]},
         "number": {"$lt": newest["number"]}}, limit=100)
    for dep in older:
        lifecycle.move(ports, dep, "superseded", f"superseded by deployment #{newest['number']}")


def _stop_older(ports: Ports, actor: Actor, newest: dict[str, Any], which: Callable[[dict[str, Any]], bool],
                extra: Optional[dict[str, Any]] = None, expect: Optional[dict[str, Any]] = None) -> None:
    """Ask the service's running deployments older than `newest` that `which` picks to stop at their
    next step boundary for it (engine._cancel: superseded, without rolling back themselves)."""
    running, _ = ports.store.collection("deployments").find(
        {"service_id": newest["service_id"], "status": {"$in": sorted(states.CANCELLABLE)}}, limit=10)
    for dep in running:
        if dep["number"] < newest["number"] and which(dep):
            ports.store.collection("deployments").update(
                dep["id"], {"cancel_requested": actor.label, "superseded_by_number": newest["number"], **(extra or {})},
                expect={"status": {"$in": sorted(states.CANCELLABLE)}, **(expect or {})})


def take_over(ports: Ports, actor: Actor, rollback_dep: dict[str, Any]) -> None:
    """A user's rollback does not queue behind a hung deploy: the running one is asked to stop
    at its next step boundary (without rolling back itself) and frees the service."""
    _stop_older(ports, actor, rollback_dep, lambda dep: True)


def supersede_canary(ports: Ports, actor: Actor, newest: dict[str, Any]) -> None:
    """A newer release does not wait out an older one's canary watch: the older stops at its next
    look (its canary removed, nothing rolled back: the service never ran it) and the newer goes out,
    through a canary of its own if the service has one. One already past its watch finishes first."""
    from chalicelib.deploys.canary import OPEN, state_of

    _stop_older(ports, actor, newest,
                lambda dep: bool(dep.get("canary")) and not dep.get("canary_proceed") and state_of(dep) in OPEN,
                extra={"superseded_by_release": True}, expect={"canary_proceed": None})


def get_deployment(ports: Ports, actor: Actor, org_id: str, deployment_id: str) -> dict[str, Any]:
    return load_in_org(ports, actor, org_id, "read", "deployments", deployment_id, "deployment")


def list_deployments(ports: Ports, actor: Actor, org_id: str, service_id: str, limit: int, after: Optional[str],
                     status: Optional[str] = None) -> tuple[list[dict[str, Any]], Optional[str]]:
    get_service(ports, actor, org_id, service_id)
    where: dict[str, Any] = {"service_id": service_id}
    if status:
        where["status"] = status
    return ports.store.collection("deployments").find(where, order="-number", limit=limit, after=after)


def list_releases(ports: Ports, actor: Actor, org_id: str, service_id: str, limit: int,
                  after: Optional[str]) -> tuple[list[dict[str, Any]], Optional[str]]:
    """Releases are the deployments that reached `live`: each can be rolled back to."""
    service = get_service(ports, actor, org_id, service_id)
    docs, nxt = ports.store.collection("deployments").find({"service_id": service_id, "status": "live"},
                                                           order="-number", limit=limit, after=after)
    out = [{"deployment_id": d["id"], "number": d["number"], "image": d["image"], "actor": d["actor"],
            "created": d["created"], "finished": d.get("finished"), "current": d["id"] == service.get("live_deployment_id"),
            "secret_versions": {k: v.get("version") for k, v in (d.get("secret_refs") or {}).items()},
            "task_definition": d.get("task_definition")} for d in docs]
    return out, nxt


def rollback(ports: Ports, actor: Actor, org_id: str, service_id: str, deployment_id: str,
             idempotency_key: Optional[str] = None) -> tuple[dict, bool]:
    get_service(ports, actor, org_id, service_id, "deploy")
    try:
        target = get_deployment(ports, actor, org_id, deployment_id)
    except NotFound:  # named as the request names it
        raise NotFound("deployment not found for this service", field="deployment_id") from None
    if target["service_id"] != service_id:
        raise NotFound("deployment not found for this service", field="deployment_id")
    if target["status"] != "live":
        raise Invalid("only a release (a deployment that went live) can be rolled back to", field="deployment_id")
    return create_deployment(ports, actor, org_id, service_id, None, idempotency_key, rollback_of=target)


def restart(ports: Ports, actor: Actor, org_id: str, service_id: str,
            idempotency_key: Optional[str] = None) -> tuple[dict, bool]:
    """Replace every task of the live release with a fresh one: the same image digest, settings and
    secret versions (changed settings or secrets need a deploy), rolled out and health-checked as a
    deploy is. Not while another deployment is under way: it replaces the tasks anyway."""
    service = get_service(ports, actor, org_id, service_id, "deploy")
    if service["kind"] == "cron":
        raise StateConflict("a cron service starts a new task for every run: there is nothing running to restart",
                            field="service")
    first = first_answer(ports, service_id, idempotency_key)
    if first:
        return first, False
    if service["status"] == "deleting":
        raise StateConflict("the service is being deleted", field="service")
    live = live_release(ports, service, "restart")
    busy = under_way(ports, service_id)
    if busy:
        raise StateConflict(f"deployment #{busy['number']} is {busy['status']}: it replaces the tasks anyway; "
                            "restart once it has settled", field="status")
    return _new_deployment(ports, actor, service, None, idempotency_key, restart_of=live)   # authorized above


def roll_back_on_alert(ports: Ports, service: dict[str, Any], alert: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The service's `auto_rollback` asks for it and one of its rules just opened an alert within
    the window after the live release went live: roll back to the release before, as a user's
    rollback would. Once per release (its id is the idempotency key); never a rollback of a rollback
    or of a restart (the alert is not the new code's doing, and it could go back and forth), nor
    while a deployment of the service is under way (someone is already acting: a fix, say). Done by
    the platform: audited as `launchbay`. -> the rollback, or None when it does not apply."""
    from chalicelib.core.context import SYSTEM
    from chalicelib.core.ids import epoch_from_iso

    rule = service.get("auto_rollback") or {}
    if alert["rule"] not in (rule.get("rules") or []) or service["status"] in states.SUSPENDED:
        return None
    deps = ports.store.collection("deployments")
    live = deps.get(service.get("live_deployment_id") or "")
    if live is None or states.reruns(live):
        return None
    busy = under_way(ports, service["id"])
    if busy:   # someone is deploying already (a fix, say): theirs goes on, and it is not taken over
        log.info("auto rollback of %s: deployment #%s is %s; left alone", service["id"], busy["number"], busy["status"])
        return None
    went_live = epoch_from_iso(live.get("finished") or live["updated"])
    if epoch_from_iso(alert["opened"]) - went_live > rule.get("window_minutes", 15) * 60:
        return None
    before, _ = deps.find({"service_id": service["id"], "status": "live", "number": {"$lt": live["number"]}},
                          order="-number", limit=1)
    if not before:
        log.warning("auto rollback of %s: release #%s has no release before it", service["id"], live["number"])
        return None
    minutes = max(0, round((epoch_from_iso(alert["opened"]) - went_live) / 60))
    said = (alert.get("message") or "").removeprefix(f"{service['name']}: ") or None   # the page names the service
    why = {"alert_id": alert["id"], "rule": alert["rule"], "message": said, "release": live["number"],
           "after_minutes": minutes}
    dep, _ = _new_deployment(ports, SYSTEM, service, None, f"auto-rollback:{live['id']}", rollback_of=before[0],
                             extra={"auto_rollback": why})
    return dep


def cancel(ports: Ports, actor: Actor, org_id: str, deployment_id: str) -> dict[str, Any]:
    """Queued: cancelled at once. Provisioning or deploying: the engine stops at its next step
    boundary (within a rollout poll), rolls back to the last live release if anything reached
    ECS, or stops a first release."""
    dep = get_deployment(ports, actor, org_id, deployment_id)
    authorize(ports, actor, org_id, "deploy", dep["project_id"])
    if dep["status"] in ("queued", "awaiting_approval"):
        new = lifecycle.move(ports, dep, "cancelled", f"cancelled by {actor.label}", actor)
        if new:
            return new
        dep = _reload(ports, deployment_id)
    if dep["status"] in states.CANCELLABLE:
        new = ports.store.collection("deployments").update(
            deployment_id, {"cancel_requested": actor.label}, expect={"status": {"$in": sorted(states.CANCELLABLE)}})
        if new:
            audit.record(ports, actor, org_id, "deployment.cancel_requested", "deployment", deployment_id)
            return new
        dep = _reload(ports, deployment_id)
    raise StateConflict(f"a {dep['status']} deployment cannot be cancelled"
                        + ("; roll back to an earlier release instead" if dep["status"] == "live" else ""),
                        field="status")


def proceed(ports: Ports, actor: Actor, org_id: str, deployment_id: str) -> dict[str, Any]:
    """A person has seen enough of a canary: its watch ends at the engine's next look and the
    release rolls out to every task. Only a deployment with a canary not yet past its watch."""
    dep = get_deployment(ports, actor, org_id, deployment_id)
    authorize(ports, actor, org_id, "deploy", dep["project_id"])
    canary = dep.get("canary")
    if not canary:
        raise StateConflict(f"deployment #{dep['number']} has no canary: it rolls out to every task at once",
                            field="deployment")
    if dep.get("canary_proceed"):
        raise StateConflict(f"deployment #{dep['number']} is already proceeding (asked by "
                            f"{dep['canary_proceed']['by']})", field="deployment")
    from chalicelib.deploys.canary import OPEN, state_of

    state = state_of(dep)
    if dep["status"] not in states.CANCELLABLE or state not in OPEN:
        raise StateConflict(f"deployment #{dep['number']} is {dep['status']} and its canary "
                            f"{state.replace('_', ' ')}: there is no watch to end", field="status")
    new = ports.store.collection("deployments").update(
        deployment_id, {"canary_proceed": {"by": actor.label, "at": now_iso()}},
        expect={"canary_proceed": None, "status": {"$in": sorted(states.CANCELLABLE)}})
    if new is None:
        return proceed(ports, actor, org_id, deployment_id)   # changed meanwhile: say what it is now
    audit.record(ports, actor, org_id, "deployment.canary_proceed", "deployment", deployment_id)
    return new


def _awaiting(ports: Ports, actor: Actor, org_id: str, deployment_id: str) -> dict[str, Any]:
    """The deployment an approver acts on: this organization's, the caller an admin or owner, and
    still waiting (else 409 naming what it is now)."""
    dep = get_deployment(ports, actor, org_id, deployment_id)
    authorize(ports, actor, org_id, "deploy.approve", dep["project_id"])
    if dep["status"] not in states.WAITING:
        raise StateConflict(f"deployment #{dep['number']} is {dep['status']}: only a deploy waiting for approval "
                            "can be approved or rejected", field="status")
    return dep


def approve(ports: Ports, actor: Actor, org_id: str, deployment_id: str) -> dict[str, Any]:
    """An admin or owner lets a deploy to a protected environment go out: it is queued for a worker
    and supersedes older deploys of the service that have not started. An environment with
    `prevent_self_approval` refuses the person who asked for it (403, field `approval`)."""
    dep = _awaiting(ports, actor, org_id, deployment_id)
    service = ports.store.collection("services").get(dep["service_id"]) or {}
    if service.get("status") in states.SUSPENDED:   # suspended since it was asked for: it would go live running nothing
        raise StateConflict(f"{dep['service_name']} is suspended: resume it first, then approve", field="service")
    env = ports.store.collection("environments").get(dep.get("environment_id") or "") or {}
    if env.get("prevent_self_approval") and dep.get("requested_by") == actor.user_id:
        raise Forbidden(f"the {env.get('name')} environment needs another admin or owner to approve a deploy "
                        "you asked for", field="approval")
    if env:
        freezes.refuse_if_frozen(env)   # it stays waiting: approve it once the freeze is lifted
    now = now_iso()
    new = lifecycle.move(ports, dep, "queued", f"approved by {actor.label}; waiting for a worker", actor,
                         approved_by=actor.label, approved=now)
    if new is None:   # rejected, withdrawn or superseded meanwhile: say what it is now
        return _awaiting(ports, actor, org_id, deployment_id)
    supersede_older(ports, new)
    supersede_canary(ports, actor, new)   # approved, it takes over a canary still watched, as one not held does
    _publish(ports, new)
    return new


def reject(ports: Ports, actor: Actor, org_id: str, deployment_id: str, reason: Optional[str] = None) -> dict[str, Any]:
    """An admin or owner turns a deploy down: it is cancelled with who did and why."""
    dep = _awaiting(ports, actor, org_id, deployment_id)
    why = f"rejected by {actor.label}" + (f": {reason}" if reason else "")
    new = lifecycle.move(ports, dep, "cancelled", why, actor, rejected_by=actor.label)
    return new or _awaiting(ports, actor, org_id, deployment_id)


def awaiting_approval(ports: Ports, actor: Actor, org_id: str, limit: int,
                      after: Optional[str]) -> tuple[list[dict[str, Any]], Optional[str]]:
    """The organization's deploys waiting for approval, oldest first (the longest wait on top)."""
    authorize(ports, actor, org_id, "read")
    return ports.store.collection("deployments").find({"org_id": org_id, "status": "awaiting_approval"},
                                                      order="created", limit=limit, after=after)


def _reload(ports: Ports, deployment_id: str) -> dict[str, Any]:
    """The deployment as it is now (its status changed under us)."""
    dep = ports.store.collection("deployments").get(deployment_id)
    if dep is None:
        raise NotFound("deployment not found", field="deployment")
    return dep


# --- log lines ---------------------------------------------------------------

def read_logs(ports: Ports, actor: Actor, org_id: str, deployment_id: str, after: Optional[str],
              limit: int) -> tuple[list[dict[str, Any]], str, bool]:
    get_deployment(ports, actor, org_id, deployment_id)
    from chalicelib.core.errors import BadRequest

    # `next` values are sequence numbers: a few ASCII digits (int() would also take "+1", "1_0"
    # and numbers too large for the store): anything else is a malformed parameter, a 400
    if after and not (after.isascii() and after.isdigit() and len(after) <= 18):
        raise BadRequest("after must be the `next` value of an earlier page", field="after")
    after_seq = int(after) if after else 0
    docs, more = ports.store.collection("log_lines").find(
        {"deployment_id": deployment_id, "seq": {"$gt": after_seq}}, order="seq", limit=limit)
    lines = [{k: d[k] for k in ("seq", "ts", "level", "step", "message")} for d in docs]
    # `next` is always given so a client can keep polling while the deploy runs.
    nxt = str(lines[-1]["seq"]) if lines else str(after_seq)
    return lines, nxt, bool(more)
