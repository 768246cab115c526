"""A service's moves into `suspended` and back out, each a compare-and-set with its audit event
in one transaction (states.py has the table; deploys/suspend.py does the AWS side).

    live -> suspending        the request: `suspended` {at, by, key} recorded on the service
    suspending -> suspended   the worker scaled it to 0 tasks / disabled its schedule
    suspended -> deploying    a resume deployment was claimed (policy.StartTheService); it going
                              live clears `suspended` and says `service.resumed` (policy.Resumed)
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.audit import service as audit
from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.core.ids import now_iso
from chalicelib.lifecycle import states


def _move(ports: Ports, service: dict[str, Any], to: str, actor: Actor, event: str,
          **fields: Any) -> Optional[dict[str, Any]]:
    """-> the new document, or None when the table refuses or another writer moved it first."""
    if not states.service_allowed(service["status"], to):
        return None
    with ports.store.transaction():
        new = ports.store.collection("services").update(
            service["id"], {"status": to, "updated": now_iso(), **fields}, expect={"status": service["status"]})
        if new is not None:
            audit.record(ports, actor, service["org_id"], event, "service", service["id"],
                         {"name": service["name"], "from": service["status"]})
    return new


def begin(ports: Ports, service: dict[str, Any], actor: Actor, key: Optional[str],
          **marks: Any) -> Optional[dict[str, Any]]:
    """live -> suspending. `key`: the request's Idempotency-Key, so a retried request gets its
    first answer (kept with the suspension, gone with it); `marks`: more said of the suspension
    (a sleep schedule's: sleep, reason, until)."""
    return _move(ports, service, "suspending", actor, "service.suspend",
                 suspended={"at": now_iso(), "by": actor.label, **({"key": key} if key else {}), **marks})


def done(ports: Ports, service: dict[str, Any]) -> Optional[dict[str, Any]]:
    """suspending -> suspended, once nothing runs; the project's subscriptions hear of it."""
    # its last health reading described running tasks: none run now, by request
    new = _move(ports, service, "suspended", SYSTEM, "service.suspended",
                suspended={**(service.get("suspended") or {}), "error": None}, health=None)
    if new is not None:
        from chalicelib.notify import service as notify

        notify.service_changed(ports, new, "suspended")
    return new


def failed(ports: Ports, service: dict[str, Any], error: str) -> None:
    """The AWS side failed (it is tried again): the reason in words on the suspension."""
    ports.store.collection("services").update(
        service["id"], {"suspended": {**(service.get("suspended") or {}), "error": error[:1000]}},
        expect={"status": "suspending"})


def resting(service: dict[str, Any]) -> str:
    """Where a service rests when a deployment of it stopped without going live."""
    if service.get("suspended"):
        return "suspended"   # a resume that stopped before anything ran again
    return "live" if service.get("live_deployment_id") else "failed"
