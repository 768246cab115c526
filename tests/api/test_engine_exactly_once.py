"""Duplicate and stale task deliveries: only the newest message of the chain that holds the
lease continues a deployment; copies stop without touching it."""
from chalicelib.deploys import engine
from tests.api.conftest import Api, signup
from tests.support.deploying import run_to_end


def queued(api):
    body = signup(api)
    a = Api(api.client, body["token"])
    org = body["organization"]["id"]
    _, prj = a.call("POST", f"/orgs/{org}/projects", {"name": "p"})
    _, svc = a.call("POST", f"/orgs/{org}/projects/{prj['id']}/services",
                    {"name": "w", "image": "nginx", "port": 80, "env": {"LAUNCHBAY_SANDBOX_DELAY": "30"}})
    _, dep = a.call("POST", f"/orgs/{org}/services/{svc['id']}/deployments", {})
    return dep


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
    assert nxt.state == "later" and nxt.seq == 2 and nxt.owner == first.owner


def test_settled_deployments_are_never_run_again(api, ports):
    dep = queued(api)
    ports.store.collection("services").update(dep["service_id"], {"env": {}})
    ports.store.collection("deployments").update(dep["id"], {"spec": {**dep["spec"], "env": {}}})
    done = run_to_end(ports, dep["id"])
    assert done["status"] == "live"
    assert engine.run(ports, dep["id"]).detail == "already live"
    assert ports.store.collection("deployments").get(dep["id"])["steps"] == done["steps"]
