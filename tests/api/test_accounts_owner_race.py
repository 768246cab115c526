"""Issue #9, hole 2: two owners demoting each other (or both leaving) at the same moment
must not leave an organization without an owner. Raced many times, with threads and with
processes against one SQLite file (and against a real MongoDB when MONGODB_URI is set)."""
from __future__ import annotations

import multiprocessing
import os
import threading
import uuid

import pytest

from chalicelib.accounts import members
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import DomainError
from chalicelib.core.ids import new_id, now_iso

ROUNDS = 25


def _ports(store, settings) -> Ports:
    return Ports(store=store, queue=None, settings=settings)


def _two_owners(ports: Ports, counter: bool = True) -> tuple[str, Actor, Actor]:
    """An organization with two owners; `counter=False` makes one from before the owners counter."""
    org = {"id": new_id("org"), "name": "race", "created": now_iso()}
    if counter:
        org["owners"] = 2
    ports.store.collection("organizations").insert(org)
    actors = []
    for _ in range(2):
        uid = new_id("usr")
        ports.store.collection("users").insert({"id": uid, "email": f"{uid}@x.io", "name": uid, "created": now_iso()})
        ports.store.collection("memberships").insert({"id": new_id("mem"), "org_id": org["id"], "user_id": uid,
                                                      "role": "owner", "created": now_iso()})
        actors.append(Actor(user_id=uid, email=f"{uid}@x.io"))
    return org["id"], actors[0], actors[1]


def _attempt(ports: Ports, kind: str, org: str, me: Actor, other: Actor) -> str:
    try:
        if kind == "demote":
            members.change_role(ports, me, org, other.user_id, "admin")
        else:
            members.remove(ports, me, org, me.user_id)
        return "ok"
    except DomainError as exc:
        return exc.code


def _check(ports: Ports, org: str, results: list[str]) -> None:
    owners = ports.store.collection("memberships").count({"org_id": org, "role": "owner"})
    assert owners >= 1, f"no owner left: {results}"
    # the loser is refused: the last owner stays, or (demote) it is no longer an owner itself
    assert sorted(results) in (["ok", "state_conflict"], ["forbidden", "ok"]), results
    assert ports.store.collection("organizations").get(org)["owners"] == owners  # the guard agrees


def _race_threads(ports: Ports, kind: str, counter: bool) -> None:
    org, a, b = _two_owners(ports, counter)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def run(me: Actor, other: Actor) -> None:
        barrier.wait()
        results.append(_attempt(ports, kind, org, me, other))

    threads = [threading.Thread(target=run, args=pair) for pair in ((a, b), (b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    _check(ports, org, results)


@pytest.mark.parametrize("kind", ["demote", "leave"])
@pytest.mark.parametrize("counter", [True, False], ids=["counter", "older-org"])
def test_owner_race_with_threads_on_sqlite(ports, kind, counter):
    for _ in range(ROUNDS):
        _race_threads(ports, kind, counter)


def _child(ports, kind, org, me, other, barrier, out):
    barrier.wait()  # the store opens its own connection in this process (it checks the pid)
    out.put(_attempt(ports, kind, org, me, other))


@pytest.mark.parametrize("kind", ["demote", "leave"])
def test_owner_race_with_processes_on_one_sqlite_file(ports, kind):
    ctx = multiprocessing.get_context("fork")
    for _ in range(10):
        org, a, b = _two_owners(ports)
        barrier, out = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_child, args=(ports, kind, org, me, other, barrier, out)) for me, other in ((a, b), (b, a))]
        for p in procs:
            p.start()
        results = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(30)
            assert p.exitcode == 0
        _check(ports, org, results)


@pytest.mark.parametrize("kind", ["demote", "leave"])
def test_owner_race_with_threads_on_mongodb(ports, kind):
    uri = os.environ.get("MONGODB_URI")
    if not uri:
        pytest.skip("MONGODB_URI not set (mongomock has no atomic find_one_and_update to race against)")
    from chalicelib.store.mongo import MongoStore

    store = MongoStore.from_uri(uri, "launchbay_test_" + uuid.uuid4().hex[:8])
    try:
        ports = _ports(store, ports.settings)
        for _ in range(ROUNDS):
            _race_threads(ports, kind, counter=True)
    finally:
        store.client.drop_database(store.db.name)


def test_the_guard_on_mongodb_without_transactions(ports):
    """mongomock: no transactions, so the counter's compare-and-set alone keeps the rule."""
    import mongomock

    from chalicelib.store.mongo import MongoStore

    ports = _ports(MongoStore(mongomock.MongoClient(), "t" + uuid.uuid4().hex[:8]), ports.settings)
    for counter in (True, False):
        org, a, b = _two_owners(ports, counter)
        assert _attempt(ports, "demote", org, a, b) == "ok"
        assert _attempt(ports, "demote", org, b, a) == "forbidden"  # b is an admin now
        assert _attempt(ports, "leave", org, a, b) == "state_conflict"
        assert ports.store.collection("organizations").get(org)["owners"] == 1
        members.change_role(ports, a, org, b.user_id, "owner")
        assert ports.store.collection("organizations").get(org)["owners"] == 2
        assert _attempt(ports, "leave", org, a, b) == "ok"
        assert ports.store.collection("organizations").get(org)["owners"] == 1
