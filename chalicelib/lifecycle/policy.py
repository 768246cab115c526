"""What entering each status does, as rules in one policy (after Prefect's orchestration
rules): a rule names the moves it governs (from, to) and hooks into them.

  before(move)   adds fields to the status write, or refuses the move (inside the transaction)
  commit(move)   further writes in the same transaction: the service document, the audit event
  after(move)    once committed: the service lock, notifications

Log lines are written in `commit`, with the status: a log follower that sees a deployment
settled has already got its last line (api/deploys.py reads the status before the lines).

The outbox record that keeps search in step is written by the store with each write.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Optional

from chalicelib.audit import service as audit
from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.deploys import endpoints
from chalicelib.deploys.logs import append_log
from chalicelib.lifecycle import states, suspension
from chalicelib.notify import events as notify_events

log = logging.getLogger("launchbay.lifecycle")

ANY = frozenset({"*"})


@dataclass
class Move:
    """One status change under way. `note` carries words for the hooks (not stored)."""
    ports: Ports
    doc: dict[str, Any]
    to: str
    reason: str
    actor: Actor
    fields: dict[str, Any] = field(default_factory=dict)
    note: dict[str, Any] = field(default_factory=dict)
    new: Optional[dict[str, Any]] = None

    @property
    def frm(self) -> str:
        return self.doc["status"]


class Rule:
    from_states: frozenset[str] = ANY
    to_states: frozenset[str] = ANY

    def applies(self, move: Move) -> bool:
        return ((self.from_states is ANY or move.frm in self.from_states)
                and (self.to_states is ANY or move.to in self.to_states))

    def before(self, move: Move) -> None: ...
    def commit(self, move: Move) -> None: ...
    def after(self, move: Move) -> None: ...


# --- deployment rules --------------------------------------------------------------

class AuditEveryMove(Rule):
    def commit(self, move: Move) -> None:
        d = move.doc
        audit.record(move.ports, move.actor, d["org_id"], f"deployment.{move.to}", "deployment", d["id"],
                     {"from": move.frm, "reason": move.reason, "number": d["number"], "service": d["service_name"]})


class Approved(Rule):
    """A deploy to an environment that requires approval goes to the workers: the log says who let it."""
    from_states = states.WAITING
    to_states = frozenset({"queued"})

    def before(self, move: Move) -> None:
        if not move.fields.get("approved_by"):
            raise ValueError("queued from awaiting_approval needs approved_by")

    def commit(self, move: Move) -> None:
        append_log(move.ports, move.new or move.doc, f"approved by {move.fields['approved_by']}", "approval")


class ApprovalExpired(Rule):
    """A deploy nobody approved before its deadline is cancelled (the reaper): the project's
    subscriptions hear `deployment.approval_expired`, as a person's request was dropped."""
    from_states = states.WAITING
    to_states = frozenset({"cancelled"})

    def applies(self, move: Move) -> bool:
        return super().applies(move) and bool(move.fields.get("approval_expired"))

    def after(self, move: Move) -> None:
        from chalicelib.notify import service as notify

        dep = move.new or move.doc
        notify.emit(move.ports, dep["org_id"], dep.get("project_id"), notify_events.APPROVAL_EXPIRED,
                    notify.deployment_data(move.ports, dep))


class StartTheService(Rule):
    """A claimed deployment marks its service as deploying and opens the log (a deployment from
    source is claimed into building, one from an image into provisioning)."""
    from_states = frozenset({"queued"})
    to_states = frozenset({"building", "provisioning"})

    def commit(self, move: Move) -> None:
        set_service(move.ports, move.doc["service_id"], "deploying")
        d = move.new or move.doc
        where = "sandbox" if move.ports.settings.sandbox else "AWS"
        what = f"rollback to deployment #{d['rollback_of_number']}" if d.get("rollback_of_number") else f"image {d['image']}"
        if d.get("auto_rollback"):   # the platform's own, on an alert: say which and why
            a = d["auto_rollback"]
            what += (f", automatic: {a.get('message') or a.get('rule')} opened {a.get('after_minutes')} min after "
                     f"release #{a.get('release')} went live")
        if d.get("restart_of_number"):
            what = f"restart of release #{d['restart_of_number']} (every task replaced; the same image, settings and secrets)"
        if d.get("resume_of_number"):
            what = f"resume of release #{d['resume_of_number']} (its task count, autoscaling and schedule restored)"
        if move.to == "building":
            b = d["build"]
            what = f"building {b['repo']} at {b['ref']} ({b['dockerfile']})"
        if d.get("commit"):   # the source commit, as a person knows it: short sha, first line, author
            c = d["commit"]
            said = " ".join(filter(None, [f"\"{c['message']}\"" if c.get("message") else "",
                                          f"by {c['author']}" if c.get("author") else ""]))
            if said or move.to != "building":   # a bare sha: "building <repo> at <sha>" already names it
                what += f", commit {c['sha'][:12]}" + (f" {said}" if said else "")
        append_log(move.ports, d, f"deployment #{d['number']} of {d['service_name']} started ({where}), {what}", "start")


class Built(Rule):
    """The build is done: the log says which image, pinned by digest, the release will run."""
    from_states = frozenset({"building"})
    to_states = frozenset({"provisioning"})

    def commit(self, move: Move) -> None:
        d = move.new or move.doc
        append_log(move.ports, d, f"built {d.get('image')}; provisioning AWS resources", "build")


def _error_of(dep: dict[str, Any]) -> dict[str, Any]:
    """Which deployment a service's `last_error` comes from, so a reader can tell it apart from
    the live release (after a rollback the error is the failed release's, not the live one's)."""
    return {"deployment_id": dep["id"], "number": dep["number"]}


def _superseded_by_live(move: Move, service: dict[str, Any]) -> bool:
    """A later deployment of the service is live already: this one's failure is history (it is on
    the deployment), not the service's state."""
    live = move.ports.store.collection("deployments").get(service.get("live_deployment_id") or "")
    return live is not None and live["number"] > move.doc["number"]


def _mark_replaced(ports: Ports, dep: dict[str, Any]) -> None:
    """The release `dep` takes over from keeps its final status `live`, and says by which it
    was replaced (search shows it as replaced, not as serving)."""
    service = ports.store.collection("services").get(dep["service_id"]) or {}
    previous = service.get("live_deployment_id")
    if previous and previous != dep["id"]:
        ports.store.collection("deployments").update(previous, {"replaced_by": dep["id"]})


class GoLive(Rule):
    """The service serves this release: an earlier deployment's error no longer describes it."""
    to_states = frozenset({"live"})

    def commit(self, move: Move) -> None:
        d = move.doc
        _mark_replaced(move.ports, d)
        set_service(move.ports, d["service_id"], "live", live_deployment_id=d["id"], live_image=d["image"],
                    live_config_hash=d.get("config_hash"), endpoints=endpoints.of_release(move.new or d),
                    last_error=None, last_error_deployment=None, suspended=None)
        append_log(move.ports, move.new or move.doc, f"deployment #{move.doc['number']} is live", "live")


class AutoPromote(Rule):
    """A new release live in an environment with `promote_to` goes on to that environment
    (chalicelib/deploys/promote.py). The go-live's own write marks it `promote_due` (the
    promotion is owed); after the commit the promotion is made and the mark cleared. A worker
    killed in between leaves the mark, and the reaper makes the promotion (deploys/reaper.py):
    none is lost, and its idempotency key keeps it from being made twice. A failure here is
    logged and never undoes the go-live."""
    to_states = frozenset({"live"})

    def before(self, move: Move) -> None:
        from chalicelib.core.ids import now_iso
        from chalicelib.deploys import promote

        if promote.target_of(move.ports, move.doc) is not None:
            move.fields["promote_due"] = now_iso()

    def after(self, move: Move) -> None:
        dep = move.new or move.doc
        if dep.get("promote_due"):
            promote_owed(move.ports, dep)


def promote_owed(ports: Ports, dep: dict[str, Any]) -> bool:
    """Make the promotion a live release owes, then clear its mark (compare-and-set). -> done."""
    from chalicelib.deploys import promote

    try:
        promote.follow_on(ports, dep)
    except Exception:   # the release is live whatever happens here; the mark stays for the reaper
        log.exception("auto-promotion of deployment %s failed", dep["id"])
        return False
    ports.store.collection("deployments").update(dep["id"], {"promote_due": None},
                                                 expect={"promote_due": dep["promote_due"]})
    return True


class Fail(Rule):
    """A failure with nothing to roll back to, or a failed rollback: the service keeps its live
    release if it has one (with the reason in last_error)."""
    to_states = frozenset({"failed"})

    def before(self, move: Move) -> None:
        move.fields.setdefault("error", move.reason)

    def commit(self, move: Move) -> None:
        service = move.ports.store.collection("services").get(move.doc["service_id"]) or {}
        resting = suspension.resting(service)
        if not _superseded_by_live(move, service):
            set_service(move.ports, move.doc["service_id"], resting, last_error=move.reason,
                        last_error_deployment=_error_of(move.doc))
        words = move.note.get("log") or f"deployment failed: {move.reason}"
        append_log(move.ports, move.new or move.doc, words, "failed", "error")


class AwaitRollback(Rule):
    to_states = frozenset({"rollback_pending"})

    def before(self, move: Move) -> None:
        if not move.fields.get("rollback_to"):
            raise ValueError("rollback_pending needs rollback_to")
        move.fields.setdefault("error", move.reason)

    def commit(self, move: Move) -> None:
        set_service(move.ports, move.doc["service_id"], None, last_error=move.reason,
                    last_error_deployment=_error_of(move.doc))
        append_log(move.ports, move.new or move.doc,
                   f"{move.reason}; rolling back to deployment #{move.fields['rollback_to_number']}", "rollback", "warning")


class RolledBack(Rule):
    to_states = frozenset({"rolled_back"})

    def commit(self, move: Move) -> None:
        target = move.ports.store.collection("deployments").get(move.doc["rollback_to"]) or {}
        set_service(move.ports, move.doc["service_id"], "live", live_deployment_id=target.get("id"),
                    live_image=target.get("image"), live_config_hash=target.get("config_hash"),
                    endpoints=endpoints.of_release(target), suspended=None,
                    last_error=move.doc.get("error"), last_error_deployment=_error_of(move.doc))
        append_log(move.ports, move.new or move.doc,
                   f"rolled back to deployment #{move.doc['rollback_to_number']}", "rollback")


class StoppedEarly(Rule):
    """Superseded or cancelled: if it had started, the service rests where it was."""
    to_states = frozenset({"superseded", "cancelled"})

    def commit(self, move: Move) -> None:
        if move.frm in ("building", "provisioning", "deploying"):
            service = move.ports.store.collection("services").get(move.doc["service_id"]) or {}
            resting = suspension.resting(service) if service.get("live_deployment_id") or service.get("suspended") \
                else ("failed" if service.get("last_error") else "new")
            set_service(move.ports, move.doc["service_id"], resting)
        append_log(move.ports, move.new or move.doc, move.reason, move.to, "warning" if move.to == "cancelled" else "info")


class Resumed(Rule):
    """A resume went live: the service runs again (GoLive cleared `suspended`)."""
    to_states = frozenset({"live"})

    def applies(self, move: Move) -> bool:
        return super().applies(move) and bool(move.doc.get("resume_of"))

    def commit(self, move: Move) -> None:
        d = move.doc
        audit.record(move.ports, move.actor, d["org_id"], "service.resumed", "service", d["service_id"],
                     {"name": d["service_name"], "deployment": d["id"], "number": d["number"], "by": d["actor"]})

    def after(self, move: Move) -> None:
        from chalicelib.notify import service as notify

        service = move.ports.store.collection("services").get(move.doc["service_id"])
        if service is not None and not move.doc.get("woken_by_schedule"):   # its environment.awake says it
            notify.service_changed(move.ports, service, "resumed")


class DeployMissedPush(Rule):
    """A push to a branch while its service slept by its environment's schedule was kept on the
    service (hooks/service.deploy, `missed_push`): once the service's resume is live, that commit
    is deployed as the push would have been (the push's delivery is its idempotency key, so a
    second call finds the first). Cleared by compare-and-set, so two workers make one."""
    to_states = frozenset({"live"})

    def applies(self, move: Move) -> bool:
        return super().applies(move) and bool(move.doc.get("resume_of"))

    def after(self, move: Move) -> None:
        from chalicelib.core.errors import StateConflict
        from chalicelib.deploys import service as deploys

        services = move.ports.store.collection("services")
        service = services.get(move.doc["service_id"])
        missed = (service or {}).get("missed_push")
        if not service or not missed or services.update(service["id"], {"missed_push": None, "missed_push_at": None},
                                                         expect={"missed_push_at": service.get("missed_push_at")}) is None:
            return
        actor = Actor(user_id=SYSTEM.user_id, email=f"launchbay (a push while {service.get('environment')} slept)")
        try:
            dep, _ = deploys._new_deployment(move.ports, actor, service, None, f"github:{missed['delivery']}",
                                             commit=missed.get("commit"))
        except StateConflict as exc:   # frozen meanwhile, being deleted: the log says why
            append_log(move.ports, move.new or move.doc, f"the push made while it slept was not deployed: {exc.message}",
                       "push", "warning")
            return
        append_log(move.ports, move.new or move.doc,
                   f"deploying the push made while it slept: deployment #{dep['number']}", "push")


class FreeTheServiceLock(Rule):
    """A final status frees the per-service lock, so the next deploy of the service may start."""
    to_states = states.FINAL

    def after(self, move: Move) -> None:
        move.ports.store.collection("locks").delete(f"svc:{move.doc['service_id']}", expect={"holder": move.doc["id"]})


class ReportToGitHub(Rule):
    """A deployment of a GitHub commit shows on it as a commit status, and a preview's deployments in
    its pull request's comment (chalicelib/hooks/statuses.py, pr_comments.py): tasks per move, which
    write what the store says when they run."""

    def after(self, move: Move) -> None:
        from chalicelib.hooks import statuses

        statuses.publish(move.ports, move.new or move.doc)


class Notify(Rule):
    """Once committed, the project's notification subscriptions hear of it (chalicelib/notify):
    one task published, or nothing when the project has no subscription; never raises."""
    # the statuses with an event (a source deploy's start is told when its build begins)
    to_states = frozenset(notify_events.STATUS_EVENTS) & frozenset(states.DEPLOYMENT_STATUSES)

    def after(self, move: Move) -> None:
        from chalicelib.notify import service as notify

        dep = move.new or move.doc
        if dep.get("woken_by_schedule") and move.to not in ("failed", "rolled_back"):
            return   # a sleep schedule's resume: its environment.awake said it (a failure is still told)
        notify.deployment_moved(move.ports, dep, move.to, move.frm)


DEPLOYMENT_POLICY: tuple[Rule, ...] = (AuditEveryMove(), Approved(), ApprovalExpired(), StartTheService(), Built(), GoLive(), Resumed(),
                                       Fail(), AwaitRollback(), RolledBack(), StoppedEarly(), FreeTheServiceLock(), Notify(), ReportToGitHub(),
                                       AutoPromote(), DeployMissedPush())   # last: the service's own effects first


# --- services -----------------------------------------------------------------------

def set_service(ports: Ports, service_id: str, status: Optional[str], **fields: Any) -> Optional[dict[str, Any]]:
    """The one writer of a service's status (and its live-release fields). A move the table
    does not allow (e.g. a deploy finishing while the service is being deleted) leaves the
    status alone but still records the fields."""
    services = ports.store.collection("services")
    from chalicelib.core.ids import now_iso

    for _ in range(3):
        current = services.get(service_id)
        if current is None:
            return None
        changes = dict(fields)
        if status and status != current["status"] and states.service_allowed(current["status"], status):
            changes["status"] = status
        if not changes:
            return current
        changes["updated"] = now_iso()
        new = services.update(service_id, changes, expect={"status": current["status"]})
        if new is not None:
            return new
    raise RuntimeError(f"service {service_id} kept changing status")


# --- environments -------------------------------------------------------------------

def set_environment(ports: Ports, env: dict[str, Any], status: str, actor: Actor,
                    **fields: Any) -> Optional[dict[str, Any]]:
    """The one writer of an environment's status, with its audit event (`environment.<status>`) in
    the same transaction. -> the new document, or None when the move is not allowed (already
    deleting) or another writer changed the environment first."""
    from chalicelib.core.ids import now_iso

    current = env.get("status") or "active"
    if not states.environment_allowed(current, status):
        return None
    with ports.store.transaction():
        new = ports.store.collection("environments").update(
            env["id"], {"status": status, "updated": now_iso(), **fields}, expect={"updated": env["updated"]})
        if new is not None:
            audit.record(ports, actor, env["org_id"], f"environment.{status}", "environment", env["id"],
                         {"name": env["name"], "project_id": env["project_id"], "from": current})
    return new
