"""The stuck-deployment reaper: lost tasks are published again, overdue ones fail with a reason."""
import time

from chalicelib.core.ids import iso_from_epoch
from chalicelib.deploys import reaper


def test_reaper_republishes_lost_tasks_and_fails_overdue_ones(make_org, ports, redis_url, launchbay_env):
    import redis

    r = redis.Redis.from_url(redis_url)
    queue = f"{launchbay_env['LAUNCHBAY_QUEUE_PREFIX']}.deploys"
    org = make_org()
    dep = org.queue_deployment(org.service(name="w", image="nginx"))
    deps = ports.store.collection("deployments")
    assert reaper.reap(ports) == {"republished": 0, "failed": 0, "expired": 0, "reminded": 0, "promoted": 0}   # fresh: left alone
    before = r.llen(queue)
    deps.update(dep["id"], {"updated": iso_from_epoch(time.time() - 600)})
    assert reaper.reap(ports)["republished"] == 1
    assert r.llen(queue) == before + 1
    assert reaper.reap(ports)["republished"] == 0                          # not again right away
    deps.update(dep["id"], {"updated": iso_from_epoch(time.time() - 600),
                            "deadline": iso_from_epoch(time.time() - 1)})
    assert reaper.reap(ports)["failed"] == 1
    failed = deps.get(dep["id"])
    assert failed["status"] == "failed" and "deadline" in failed["reason"]
