"""A short deployment lease (LAUNCHBAY_DEPLOY_LEASE) is still safe: a step that runs longer
than the lease keeps its deployment (the lease is renewed while it runs), so no other chain
runs that step again; a lease nobody renews (its worker died) expires and is taken over."""
import threading
import time

from chalicelib import wiring
from chalicelib.cloud.sandbox import SandboxCloud
from chalicelib.core.ids import iso_from_epoch
from chalicelib.deploys import engine
from tests.support.factories import new_org

LEASE = 3


class SlowRegister(SandboxCloud):
    """AWS taking 2.5 leases to register a task definition; counts the calls."""
    calls = 0

    def register_task_definition(self, family, container):
        SlowRegister.calls += 1
        time.sleep(LEASE * 2.5)
        return super().register_task_definition(family, container)


def _short_lease_ports(monkeypatch):
    monkeypatch.setenv("LAUNCHBAY_DEPLOY_LEASE", str(LEASE))
    wiring.reset()
    ports = wiring.get_ports()
    assert ports.settings.deploy_lease_seconds == LEASE
    return ports


def test_a_step_longer_than_the_lease_keeps_it_and_runs_once(launchbay_env, monkeypatch, api):
    ports = _short_lease_ports(monkeypatch)
    ports.cloud_for_factory = wiring.make_cloud_for(SlowRegister)
    org = new_org(api)
    dep = org.queue_deployment(org.service(name="w", image="nginx"))
    SlowRegister.calls = 0
    first: dict = {}
    worker = threading.Thread(target=lambda: first.update(out=engine.run(ports, dep["id"])))
    worker.start()
    try:
        deadline = time.time() + 30
        while SlowRegister.calls == 0 and time.time() < deadline:
            time.sleep(0.1)
        assert SlowRegister.calls == 1
        time.sleep(LEASE + 1.5)   # past the lease taken before the step started
        doc = ports.store.collection("deployments").get(dep["id"])
        assert doc["lease_expires"] > iso_from_epoch(time.time())          # renewed meanwhile
        # a duplicate delivery (a new chain) finds the lease held, and runs nothing
        assert engine.run(ports, dep["id"]).state == "busy"
    finally:
        worker.join(60)
    assert first["out"].state in ("later", "done")
    assert SlowRegister.calls == 1
    steps = ports.store.collection("deployments").get(dep["id"])["steps"]
    td = next(s for s in steps if s["name"] == "task_definition")
    assert td["status"] == "done" and td["attempts"] == 1


def test_a_lease_nobody_renews_is_taken_over_after_it_expires(launchbay_env, monkeypatch, api):
    ports = _short_lease_ports(monkeypatch)
    org = new_org(api)
    dep = org.queue_deployment(org.service(name="w", image="nginx", env={"LAUNCHBAY_SANDBOX_DELAY": "30"}))
    held = engine.run(ports, dep["id"])               # up to the rollout wait, lease kept
    assert held.state == "later"
    # its worker "dies": nobody continues the chain, so nobody renews the lease
    assert engine.run(ports, dep["id"]).state == "busy"
    time.sleep(LEASE + 0.5)
    taken = engine.run(ports, dep["id"])
    assert taken.state == "later" and taken.owner != held.owner
    # the old chain's next message now finds the lease gone and stops
    assert engine.run(ports, dep["id"], held.owner, held.seq).state == "busy"
