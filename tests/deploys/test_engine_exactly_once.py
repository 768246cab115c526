"""Duplicate and stale task deliveries: only the newest message of the chain that holds the
lease continues a deployment; copies stop without touching it."""
from chalicelib.deploys import engine
from tests.support.factories import new_org


def queued(api):
    org = new_org(api)
    return org.queue_deployment(org.service(name="w", image="nginx", env={"LAUNCHBAY_SANDBOX_DELAY": "30"}))


def test_stale_and_duplicate_messages_do_nothing(api, ports):
    dep = queued(api)
    first = engine.run(ports, dep["id"])                    # runs up to the rollout wait
    assert first.state == "later" and first.seq == 1
    snapshot = ports.store.collection("deployments").get(dep["id"])
    # a duplicate of the first message (no owner), and a stale copy of the chain (old seq)
    assert engine.run(ports, dep["id"]).state == "busy"
    assert engine.run(ports, dep["id"], first.owner, 0).state == "busy"
    after = ports.store.collection("deployments").get(dep["id"])
    assert after["steps"] == snapshot["steps"]               # nothing ran again
    # the chain's own next message continues
    nxt = engine.run(ports, dep["id"], first.owner, first.seq)
    assert nxt.state == "later" and nxt.seq > first.seq and nxt.owner == first.owner
    assert engine.run(ports, dep["id"], first.owner, first.seq).state == "busy"   # each message runs once


def test_a_second_copy_of_the_current_message_running_at_the_same_time_does_nothing(api, ports):
    """The broker hands a message out again while the first copy still runs (held past its
    visibility timeout): the copy finds the message taken, rather than running the steps beside it."""
    from chalicelib.cloud.sandbox import SandboxCloud
    from chalicelib.wiring import make_cloud_for

    dep = queued(api)
    first = engine.run(ports, dep["id"])                    # up to the rollout wait
    seen = []

    class Redelivered(SandboxCloud):
        def observe_rollout(self, *args, **kwargs):
            if not seen:   # while this copy looks at the rollout, the broker delivers it again
                seen.append(engine.run(ports, dep["id"], first.owner, first.seq))
            return super().observe_rollout(*args, **kwargs)

    ports.cloud_for_factory = make_cloud_for(Redelivered)
    out = engine.run(ports, dep["id"], first.owner, first.seq)
    assert out.state == "later" and seen[0].state == "busy", seen
    lines, _ = ports.store.collection("log_lines").find({"deployment_id": dep["id"]}, limit=1000)
    starts = [line["step"] for line in lines if line["message"].endswith(": started")]
    assert len(starts) == len(set(starts)), starts


def test_settled_deployments_are_never_run_again(deployed_service, ports):
    _, _, done = deployed_service(name="w", image="nginx")
    assert done["status"] == "live"
    assert engine.run(ports, done["id"]).detail == "already live"
    assert ports.store.collection("deployments").get(done["id"])["steps"] == done["steps"]


def test_throttling_is_retried_at_the_same_step_and_permanent_errors_fail(api, ports):
    import pytest
    from botocore.exceptions import ClientError

    from chalicelib.cloud.sandbox import SandboxCloud
    from chalicelib.wiring import make_cloud_for

    class Throttled(SandboxCloud):
        """AWS answering 'slow down' twice, then as usual."""
        left = 2

        def register_task_definition(self, family, container):
            if Throttled.left:
                Throttled.left -= 1
                raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                                  "RegisterTaskDefinition")
            return super().register_task_definition(family, container)

    ports.cloud_for_factory = make_cloud_for(Throttled)
    dep = queued(api)
    ports.store.collection("deployments").update(dep["id"], {"spec": {**dep["spec"], "env": {}}})
    owner, seq = None, 0
    for _ in range(2):
        with pytest.raises(engine.Retryable) as err:
            engine.run(ports, dep["id"], owner, seq)
        owner, seq = err.value.owner, err.value.seq
    out = engine.run(ports, dep["id"], owner, seq)
    while out.state == "later":
        out = engine.run(ports, dep["id"], out.owner, out.seq)
    final = ports.store.collection("deployments").get(dep["id"])
    assert final["status"] == "live"
    td_step = next(s for s in final["steps"] if s["name"] == "task_definition")
    assert td_step["attempts"] == 3 and td_step["status"] == "done"

    class Denied(SandboxCloud):
        def register_task_definition(self, family, container):
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}},
                              "RegisterTaskDefinition")

    ports.cloud_for_factory = make_cloud_for(Denied)
    dep2 = queued(api)
    assert engine.run(ports, dep2["id"]).state == "done"
    failed = ports.store.collection("deployments").get(dep2["id"])
    assert failed["status"] == "failed" and "AccessDenied" in failed["error"]


def test_a_deployment_superseded_after_it_was_read_does_not_run(api, ports):
    dep = queued(api)
    deps = ports.store.collection("deployments")
    # the API supersedes it between the engine's first read and its lease
    original_get = deps.get

    def get_then_supersede(dep_id):
        doc = original_get(dep_id)
        from chalicelib.lifecycle import move as transition
        transition(ports, doc, "superseded", "superseded by deployment #2")
        deps.get = original_get
        return doc

    deps.get = get_then_supersede
    try:
        out = engine.run(ports, dep["id"])
    finally:
        deps.get = original_get
    final = original_get(dep["id"])
    assert out.state == "done" and final["status"] == "superseded" and final["steps"] == []
    assert final["lease_owner"] is None
    assert ports.store.collection("locks").get(f"svc:{dep['service_id']}") is None
