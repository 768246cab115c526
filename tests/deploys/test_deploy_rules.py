from chalicelib.deploys import rules


def test_happy_and_failure_paths_are_allowed():
    path = ["queued", "provisioning", "deploying", "live"]
    assert all(rules.allowed(a, b) for a, b in zip(path, path[1:]))
    assert rules.allowed("deploying", "failed") and rules.allowed("failed", "rolling_back")
    assert rules.allowed("rolling_back", "rolled_back") and rules.allowed("queued", "superseded")


def test_no_way_back_and_no_skipping():
    assert not rules.allowed("live", "deploying")
    assert not rules.allowed("queued", "live")
    assert not rules.allowed("deploying", "cancelled")   # roll back instead
    for status in ("live", "rolled_back", "superseded", "cancelled"):
        assert rules.TRANSITIONS[status] == frozenset()


def test_settled_waits_for_a_pending_rollback():
    assert rules.settled({"status": "live"})
    assert not rules.settled({"status": "deploying"})
    assert rules.settled({"status": "failed"})
    assert not rules.settled({"status": "failed", "rollback_to": "dep_1"})
    assert rules.settled({"status": "failed", "rollback_to": "dep_1", "rollback_done": True})
