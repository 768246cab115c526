"""Sleep schedules (chalicelib/deploys/sleep.py): an environment's live services are suspended
when one of its sleep windows opens and resumed when it closes, against the moto sandbox; services
suspended by hand stay suspended, a deploy under way is not cut short, and a second beat does
nothing twice."""
from __future__ import annotations

import time

import pytest

from chalicelib.core.ids import iso_from_epoch
from chalicelib.deploys import sleep, suspend
from tests.deploys.test_suspend import _ecs_service
from tests.support.api import Api, signup_invited
from tests.support.deploying import run_to_end
from tests.support.factories import new_org

pytestmark = pytest.mark.services


def _hour(delta: int) -> int:
    return (time.gmtime().tm_hour + delta) % 24


def test_an_environment_sleeps_in_its_window_and_wakes_after(api, ports, launchbay_env):
    org = new_org(api, email="owner@acme.io")
    prj = org.project()
    assert org.call("POST", f"/projects/{prj['id']}/environments", {"name": "staging"})[0] == 201
    envs = f"/projects/{prj['id']}/environments"
    web = org.service(name="web", image="nginx:1.27", environment="staging")
    jobs = org.service(name="jobs", kind="worker", port=None, image="busybox:1.36", environment="staging")
    kept = org.service(name="admin", image="nginx:1.27", environment="staging")
    prod = org.service(name="web", image="nginx:1.27")                  # production has no schedule
    first = org.deploy(ports, web)
    for svc in (jobs, kept, prod):
        assert org.deploy(ports, svc)["status"] == "live"
    assert org.call("POST", f"/services/{kept['id']}/suspend")[0] == 202   # suspended by hand
    suspend.run(ports, kept["id"])
    busy = org.service(name="api", image="nginx:1.27", environment="staging")
    org.deploy(ports, busy)
    under_way = org.queue_deployment(busy, image="nginx:1.28")            # queued when the window opens

    night = {"start": f"0 {_hour(-1)} * * *", "end": f"0 {_hour(1)} * * *"}
    status, env = org.call("PATCH", f"{envs}/staging", {"sleep_windows": [night]})
    assert status == 200 and env["sleep_windows"] == [{**night, "timezone": "UTC", "reason": "outside working hours"}]
    assert env["sleeping"] is None                                        # not until beat acts
    assert sleep.tend(ports) == {"slept": 2, "woke": 0}                  # web and jobs; api is deploying
    assert sleep.tend(ports) == {"slept": 0, "woke": 0}
    for svc in (web, jobs):
        assert suspend.run(ports, svc["id"]).startswith("suspended")
    services = {s["name"]: s for s in org.call("GET", f"/projects/{prj['id']}/services?environment=staging")[1]["items"]}
    assert services["web"]["status"] == services["jobs"]["status"] == "suspended"
    assert services["web"]["suspended"]["sleep"] is True and services["web"]["suspended"]["by"] == \
        "launchbay (sleep schedule of staging)"
    assert services["api"]["status"] != "suspended" and _ecs_service(launchbay_env, first)["desiredCount"] == 0
    assert org.call("GET", f"/services/{prod['id']}")[1]["status"] == "live"
    env = org.call("GET", f"{envs}/staging")[1]
    assert env["sleeping"]["reason"] == "outside working hours" and env["sleeping"]["until"], env
    # priced by the share of the week it is awake (2 h a day asleep: 22/24), not as suspended by hand
    asleep, awake = org.call("GET", f"/services/{web['id']}/cost")[1], org.call("GET", f"/services/{prod['id']}/cost")[1]
    assert any("sleep schedule suspends them 8% of the week" in a for a in asleep["assumptions"]), asleep["assumptions"]
    assert asleep["monthly_min"] < awake["monthly_min"] and org.call(
        "GET", f"/services/{kept['id']}/cost")[1]["monthly_min"] < asleep["monthly_min"]
    status, err = org.call("POST", f"/services/{web['id']}/deployments", {"image": "nginx:1.28"})
    assert status == 409 and err["error"]["message"].startswith("web sleeps until ") and \
        "`launchbay resume web` wakes it now" in err["error"]["message"], err
    assert run_to_end(ports, under_way["id"])["status"] == "live"
    assert sleep.tend(ports) == {"slept": 1, "woke": 0}                  # api too, now its deploy is done
    assert sleep.tend(ports) == {"slept": 0, "woke": 0}
    assert suspend.run(ports, busy["id"]).startswith("suspended")

    # a late evening: a developer wakes staging now; beat leaves it awake until the window ends
    org.call("POST", "/members", {"email": "dev@acme.io", "role": "developer"})
    dev = Api(api.client, signup_invited(api, "dev@acme.io", org="dev home")["token"])
    status, woken = dev.call("POST", f"/orgs/{org.id}{envs}/staging/wake")
    assert status == 202 and sorted(d["service_name"] for d in woken["deployments"]) == ["api", "jobs", "web"], woken
    assert dev.call("POST", f"/orgs/{org.id}{envs}/staging/wake")[0] == 202            # a retry: the same three
    assert ports.store.collection("deployments").count({"resume_of": {"$ne": None}}) == 3
    assert sleep.tend(ports) == {"slept": 0, "woke": 0}                  # the same resumes: none made twice
    for dep in woken["deployments"]:
        assert run_to_end(ports, dep["id"])["status"] == "live"
    assert sleep.tend(ports) == {"slept": 0, "woke": 0}                  # not put back to sleep in this window
    env = org.call("GET", f"{envs}/staging")[1]
    assert env["sleeping"] is None and env["next_sleep"]["starts"] > iso_from_epoch(time.time() + 3600), env  # tomorrow
    assert org.call("POST", f"{envs}/staging/wake")[1]["deployments"] == []   # nothing sleeps: 200, nothing made

    assert org.call("GET", f"/services/{web['id']}")[1]["status"] == "live"
    assert _ecs_service(launchbay_env, first)["desiredCount"] == 1
    assert org.call("GET", f"/services/{kept['id']}")[1]["status"] == "suspended"   # by hand: stays

    # the next night, beat puts them to sleep, and the window's end wakes them
    envs_coll = ports.store.collection("environments")
    env_id = env["id"]
    envs_coll.update(env_id, {"sleep_lifted_until": None})
    assert sleep.tend(ports) == {"slept": 3, "woke": 0}                  # api's deploy is done: it sleeps too
    for svc in (web, jobs):
        suspend.run(ports, svc["id"])
    later = {"start": f"0 {_hour(2)} * * *", "end": f"0 {_hour(3)} * * *"}   # the window closes (moved on)
    status, env = org.call("PATCH", f"{envs}/staging", {"sleep_windows": [later]})
    assert status == 200 and env["sleeping"] is None and env["next_sleep"]["starts"]
    assert sleep.tend(ports) == {"slept": 0, "woke": 2}                  # api is still being suspended ...
    suspend.run(ports, busy["id"])
    assert sleep.tend(ports) == {"slept": 0, "woke": 1}                  # ... and is woken once it is
    assert sleep.tend(ports) == {"slept": 0, "woke": 0}                  # keyed by the sleep: none twice
    for svc in (web, jobs, busy):
        resumes = [d for d in ports.store.collection("deployments").find({"service_id": svc["id"]}, order="number")[0]
                   if d.get("resume_of")]
        assert resumes[-1]["actor"] == "launchbay (sleep schedule of staging)"
        assert run_to_end(ports, resumes[-1]["id"])["status"] == "live"
    assert org.call("GET", f"/services/{web['id']}")[1]["status"] == "live"

    for body, field in (({"sleep_windows": [{**later, "start": "0 25 * * *"}]}, "sleep_windows.0.start"),
                        ({"sleep_windows": [{**later, "end": later["start"]}]}, "sleep_windows.0")):
        status, err = org.call("PATCH", f"{envs}/staging", body)
        assert status == 422 and err["error"]["field"] == field, (body, err)
    assert org.call("PATCH", f"{envs}/staging", {"sleep_windows": []})[1]["next_sleep"] is None
