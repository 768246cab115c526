"""The last-owner rule under concurrency.

Counting owner memberships and then writing is a race: two owners demoting each other
both count two. So each organization document carries `owners`, a counter changed only
by compare-and-set, and it is the guard: a change that removes an owner first takes one
from the counter (refused at 1), and only then writes the membership; a change that adds
an owner writes the membership first and then adds to the counter. The counter therefore
never exceeds the real number of owners, so "counter >= 1" means "an owner remains" --
on SQLite (whose transaction serialises everything anyway), on MongoDB with transactions
(the shared document makes concurrent transactions conflict), and on a standalone MongoDB
without them (the compare-and-set alone decides).

Call these inside `store.transaction()`."""
from __future__ import annotations

from chalicelib.core.context import Ports
from chalicelib.core.errors import NotFound, StateConflict

_ATTEMPTS = 100  # compare-and-set retries; each loss means another change went through


def _count(ports: Ports, org_id: str) -> int:
    orgs = ports.store.collection("organizations")
    for _ in range(_ATTEMPTS):
        org = orgs.get(org_id)
        if org is None:
            raise NotFound("organization not found", field="org")
        if org.get("owners") is not None:
            return int(org["owners"])
        # Organizations made before the counter: count once; every owner change after
        # this goes through the counter, so the count cannot move under us unnoticed.
        n = ports.store.collection("memberships").count({"org_id": org_id, "role": "owner"})
        if orgs.update(org_id, {"owners": n}, expect={"owners": None}) is not None:
            return n
    raise StateConflict("the owners changed meanwhile: try again", field="role")


def _add(ports: Ports, org_id: str, delta: int, keep_one: bool) -> None:
    orgs = ports.store.collection("organizations")
    for _ in range(_ATTEMPTS):
        n = _count(ports, org_id)
        if keep_one and n + delta < 1:
            raise StateConflict("an organization needs at least one owner", field="role")
        if orgs.update(org_id, {"owners": n + delta}, expect={"owners": n}) is not None:
            return
    raise StateConflict("the owners changed meanwhile: try again", field="role")


def take_one(ports: Ports, org_id: str) -> None:
    """Before an owner is demoted or removed: reserve it, or refuse if it is the last."""
    _add(ports, org_id, -1, keep_one=True)


def before_grant(ports: Ports, org_id: str) -> None:
    """Before a membership becomes owner: the counter must exist first, or a first count
    taken between the membership write and `give_one` would include it twice."""
    _count(ports, org_id)


def give_one(ports: Ports, org_id: str) -> None:
    """After a membership became owner (or to undo a `take_one` whose write lost)."""
    _add(ports, org_id, +1, keep_one=False)
