from chalicelib.lifecycle import states
from chalicelib.lifecycle.policy import DEPLOYMENT_POLICY


def test_happy_and_failure_paths_are_allowed():
    path = ["queued", "provisioning", "deploying", "live"]
    assert all(states.allowed(a, b) for a, b in zip(path, path[1:]))
    rollback = ["deploying", "rollback_pending", "rolling_back", "rolled_back"]
    assert all(states.allowed(a, b) for a, b in zip(rollback, rollback[1:]))
    assert states.allowed("deploying", "failed") and states.allowed("queued", "superseded")
    assert states.allowed("deploying", "cancelled") and states.allowed("deploying", "superseded")


def test_final_means_final():
    assert states.FINAL == {"live", "failed", "rolled_back", "superseded", "cancelled"}
    for status in states.FINAL:
        assert states.DEPLOYMENT_MOVES[status] == frozenset()
    assert not states.allowed("failed", "rolling_back")
    assert "rollback_pending" in states.ACTIVE


def test_no_way_back_and_no_skipping():
    assert not states.allowed("live", "deploying")
    assert not states.allowed("queued", "live")
    assert not states.allowed("queued", "rolling_back")


def test_settled_is_final():
    assert states.settled({"status": "live"})
    assert not states.settled({"status": "deploying"})
    assert states.settled({"status": "failed"})
    assert not states.settled({"status": "rollback_pending"})


def test_service_table():
    assert states.service_allowed("new", "deploying") and states.service_allowed("deploying", "live")
    assert not states.service_allowed("deleting", "live")
    assert all(states.service_allowed(s, "deleting") for s in states.SERVICE_STATUSES if s != "deleting")


def test_every_status_a_rule_names_is_in_the_table():
    for rule in DEPLOYMENT_POLICY:
        for group in (rule.from_states, rule.to_states):
            assert group == {"*"} or group <= set(states.DEPLOYMENT_STATUSES), rule
