"""The delivery log does not grow without end: the hourly cleanup drops settled deliveries older
than 30 days and keeps recent ones and any still on their way, whatever their age."""
from __future__ import annotations

import time

from chalicelib.core.ids import iso_from_epoch
from chalicelib.notify.service import DELIVERIES, DELIVERY_LOG_DAYS


def test_the_cleanup_purges_old_settled_deliveries_only(ports):
    from worker.tasks.maintenance import cleanup

    old = iso_from_epoch(time.time() - (DELIVERY_LOG_DAYS + 1) * 86400)
    new = iso_from_epoch(time.time() - 3600)
    coll = ports.store.collection(DELIVERIES)
    for i, (created, status) in enumerate([(old, "delivered"), (old, "failed"), (old, "sending"), (old, "queued"),
                                           (new, "delivered"), (new, "failed")]):
        coll.insert({"id": f"dlv_{i}", "subscription_id": "ntf_x", "org_id": "org_x", "project_id": "prj_x",
                     "event": "deployment.live", "status": status, "attempts": 1, "created": created})
    out = cleanup()
    assert out["notification_deliveries_purged"] == 2
    left = {d["id"] for d in coll.find({"subscription_id": "ntf_x"}, limit=10)[0]}
    assert left == {"dlv_2", "dlv_3", "dlv_4", "dlv_5"}
