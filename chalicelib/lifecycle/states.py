"""The status tables: which moves exist, for deployments and for services.

Deployment:
    queued -> building -> provisioning      (a service built from source; building -> failed | cancelled | superseded)
    queued -> provisioning -> deploying -> live
                    |             |------> failed              (nothing to roll back to)
                    |             |------> rollback_pending -> rolling_back -> rolled_back | failed
                    |             |------> cancelled           (first release: stopped)
                    |             '------> superseded          (a user's rollback took over)
                    '-> failed | cancelled | superseded
    queued -> superseded (a newer deploy was queued) | cancelled (by a user) | failed (never started)
    awaiting_approval -> queued (an admin approved) | cancelled (rejected, withdrawn, or not approved in time)
                      | superseded (a newer deploy was approved, or needed no approval)
                         (a deploy to an environment that requires approval starts here; nothing runs)
Final means final: nothing leaves live, failed, rolled_back, superseded or cancelled.

Service:  new -> deploying -> live | failed | new;  live/failed -> deploying;  any -> deleting
    live -> suspending -> suspended -> deploying (a resume) -> live    (lifecycle/suspension.py)
    deploying -> suspended   (a resume that stopped before anything ran again)
Environment:  active -> deleting (its AWS resources are being removed; then the document goes)
"""
from __future__ import annotations

DEPLOYMENT_MOVES: dict[str, frozenset[str]] = {
    "awaiting_approval": frozenset({"queued", "cancelled", "superseded"}),
    "queued": frozenset({"building", "provisioning", "superseded", "cancelled", "failed"}),
    "building": frozenset({"provisioning", "failed", "cancelled", "superseded"}),
    "provisioning": frozenset({"deploying", "failed", "cancelled", "superseded"}),
    "deploying": frozenset({"live", "failed", "rollback_pending", "cancelled", "superseded"}),
    "rollback_pending": frozenset({"rolling_back", "failed"}),
    "rolling_back": frozenset({"rolled_back", "failed"}),
    "live": frozenset(),
    "failed": frozenset(),
    "rolled_back": frozenset(),
    "superseded": frozenset(),
    "cancelled": frozenset(),
}
DEPLOYMENT_STATUSES = tuple(DEPLOYMENT_MOVES)
FINAL = frozenset(s for s, to in DEPLOYMENT_MOVES.items() if not to)
ACTIVE = frozenset(s for s in DEPLOYMENT_STATUSES if s not in FINAL)
# Waiting for a person, not for a worker: no worker takes it, and it does not stand in the way of
# a restart or an automatic rollback (nothing of it runs until it is approved).
WAITING = frozenset({"awaiting_approval"})
UNDER_WAY = ACTIVE - WAITING
# A user's cancel (or a rollback taking over) is honoured in these, at the next step boundary.
CANCELLABLE = frozenset({"building", "provisioning", "deploying"})

# Seconds a deployment may stay in a status before it fails (None: the deploy timeout setting;
# a str: the setting of that name). Provisioning may wait for a linked database being created
# (RDS takes 5-20 minutes): 30 minutes.
DEADLINES: dict[str, int | str | None] = {"awaiting_approval": "approval_timeout_seconds", "queued": 3600, "building": "build_timeout_seconds", "provisioning": 1800,
                                           "deploying": None, "rollback_pending": None, "rolling_back": None}

SERVICE_MOVES: dict[str, frozenset[str]] = {
    "new": frozenset({"deploying", "deleting"}),
    "deploying": frozenset({"live", "failed", "new", "suspended", "deleting"}),
    "live": frozenset({"deploying", "suspending", "deleting"}),
    "failed": frozenset({"deploying", "deleting"}),
    "suspending": frozenset({"suspended", "deleting"}),   # the worker scales it to 0 (deploys/suspend.py)
    "suspended": frozenset({"deploying", "deleting"}),    # deploying: a resume was claimed
    "deleting": frozenset(),          # the teardown task removes the document
}
SERVICE_STATUSES = tuple(SERVICE_MOVES)
SUSPENDED = frozenset({"suspending", "suspended"})   # nothing runs (or soon): no deploys, alerts or health

ENVIRONMENT_MOVES: dict[str, frozenset[str]] = {
    "active": frozenset({"deleting"}),   # documents from before statuses count as active
    "deleting": frozenset(),             # the environment teardown task removes the document
}
ENVIRONMENT_STATUSES = tuple(ENVIRONMENT_MOVES)


def allowed(current: str, target: str) -> bool:
    return target in DEPLOYMENT_MOVES.get(current, frozenset())


def service_allowed(current: str, target: str) -> bool:
    return target in SERVICE_MOVES.get(current, frozenset())


def environment_allowed(current: str, target: str) -> bool:
    return target in ENVIRONMENT_MOVES.get(current, frozenset())


def settled(dep: dict) -> bool:
    """Nothing more will happen to this deployment."""
    return dep["status"] in FINAL


def reruns(dep: dict) -> bool:
    """A rollback, a restart or a resume runs a release that went live before: not a new release
    (freezes and approvals hold new releases only; nothing promotes a rerun)."""
    return bool(dep.get("rollback_of") or dep.get("restart_of") or dep.get("resume_of"))
