"""The deployment state machine, in one table.

queued -> provisioning -> deploying -> live
                 \\            \\-> failed -> rolling_back -> rolled_back (or failed)
queued -> superseded (a newer deploy of the service was queued first) | cancelled (by a user)
provisioning -> cancelled (by a user, before anything reached ECS)
"""
from __future__ import annotations

TRANSITIONS: dict[str, frozenset[str]] = {
    "queued": frozenset({"provisioning", "superseded", "cancelled", "failed"}),
    "provisioning": frozenset({"deploying", "failed", "cancelled"}),
    "deploying": frozenset({"live", "failed"}),
    "failed": frozenset({"rolling_back"}),
    "rolling_back": frozenset({"rolled_back", "failed"}),
    "live": frozenset(),
    "rolled_back": frozenset(),
    "superseded": frozenset(),
    "cancelled": frozenset(),
}
STATUSES = tuple(TRANSITIONS)
# No worker acts on these any more (a failed deploy may still be rolled back by the engine
# that failed it, in the same run, so the reaper treats `failed` as final).
FINAL = frozenset({"live", "failed", "rolled_back", "superseded", "cancelled"})
ACTIVE = frozenset(s for s in STATUSES if s not in FINAL)

# Seconds a deployment may stay in a status before the reaper acts (None: settings decide).
DEADLINES: dict[str, int | None] = {"queued": 3600, "provisioning": 600, "deploying": None, "rolling_back": None}


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def settled(dep: dict) -> bool:
    """Nothing more will happen to it: final, and not a failure whose rollback is still due."""
    if dep["status"] == "failed":
        return not dep.get("rollback_to") or bool(dep.get("rollback_done"))
    return dep["status"] in FINAL
