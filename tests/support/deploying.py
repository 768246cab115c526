"""Drive a deployment to a settled status in-process (the worker task does the same loop
through Celery); used by tests that are about what happens after a deploy."""
from __future__ import annotations

import time

from chalicelib.deploys import engine
from chalicelib.lifecycle import states as rules


def run_to_end(ports, dep_id: str, timeout: float = 60.0) -> dict:
    owner, seq, deadline = None, 0, time.time() + timeout
    while time.time() < deadline:
        out = engine.run(ports, dep_id, owner, seq)
        dep = ports.store.collection("deployments").get(dep_id)
        if rules.settled(dep):
            return dep
        if out.state == "later":
            owner, seq = out.owner, out.seq
            time.sleep(min(out.countdown, 0.5))
    raise AssertionError(f"{dep_id} did not settle")
