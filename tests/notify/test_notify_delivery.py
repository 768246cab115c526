"""Notifications end to end: deployments in the sandbox, a real Celery worker on the notify
queue, and a real HTTP receiver on 127.0.0.1."""
from __future__ import annotations

import time

from chalicelib import wiring
from chalicelib.notify import delivery, events, service, signing
from tests.notify.receiver import Receiver
from tests.support.processes import wait_for


def _subscribe(org, project_id, **body):
    status, sub = org.call("POST", f"/projects/{project_id}/notifications", body)
    assert status == 201, sub
    return sub


def _deliveries(org, project_id, sub_id):
    status, page = org.call("GET", f"/projects/{project_id}/notifications/{sub_id}/deliveries")
    assert status == 200, page
    return page["items"]


def _settled(org, project_id, sub_id, count):
    def done():
        items = _deliveries(org, project_id, sub_id)
        return len(items) >= count and all(d["status"] in ("delivered", "failed") for d in items) and items
    return wait_for(done, 60, what=f"{count} settled deliveries")


def test_a_deploy_reaches_signed_webhooks_and_slack(make_org, ports, notify_worker):
    org = make_org()
    prj = org.project()
    with Receiver() as hook, Receiver() as chat, Receiver() as channel:
        sub = _subscribe(org, prj["id"], kind="webhook", url=hook.url("/launchbay"))
        slack_sub = _subscribe(org, prj["id"], kind="slack", url=chat.url("/slack"), events=[events.LIVE])
        _subscribe(org, prj["id"], kind="teams", url=channel.url("/teams"), events=[events.LIVE])
        _subscribe(org, prj["id"], kind="webhook", url=hook.url("/off"), enabled=False)
        dep = org.deploy(ports, org.service())
        assert dep["status"] == "live"
        got = hook.wait(2)
        chat_got = chat.wait(1)
        card = channel.wait(1)[0].json()["attachments"][0]["content"]
        time.sleep(1)   # nothing more arrives: the disabled subscription and the Slack filter hold
        assert len(hook.requests) == 2 and len(chat.requests) == 1, (hook.events(), chat.events())
    # Teams: an Adaptive Card with the same words
    assert card["body"][0]["text"] == "**web** (production) is live: deployment #1, image nginx:1.27"
    by_event = {r.headers["launchbay-event"]: r for r in got}
    assert set(by_event) == {events.STARTED, events.LIVE}, notify_worker.output()[-2000:]
    for kind, req in by_event.items():
        assert req.path == "/launchbay"
        signing.verify(sub["secret"], req.body, req.headers["launchbay-signature"])  # raises when invalid
        body = req.json()
        assert body["type"] == kind and body["project_id"] == prj["id"] and body["org_id"] == org.id
        assert body["data"]["deployment"]["id"] == dep["id"] and body["data"]["service"]["name"] == "web"
        assert body["data"]["link"] == f"/orgs/{org.id}/deployments/{dep['id']}"
        assert req.headers["launchbay-delivery"].startswith("dlv_")
    assert by_event[events.LIVE].json()["data"]["deployment"]["status"] == "live"
    # Slack: readable text, no signature
    text = chat_got[0].json()["text"]
    assert text.startswith(":white_check_mark: *web* (production) is live: deployment #1, image nginx:1.27"), text
    assert "launchbay-signature" not in chat_got[0].headers
    # the delivery log
    log = _settled(org, prj["id"], sub["id"], 2)
    assert {d["event"] for d in log} == {events.STARTED, events.LIVE}
    assert all(d["status"] == "delivered" and d["attempts"] == 1 and d["response_code"] == 200 for d in log)
    assert _settled(org, prj["id"], slack_sub["id"], 1)[0]["response_code"] == 200


def test_a_failing_receiver_is_retried_with_the_same_delivery_id(make_org, notify_worker, launchbay_env):
    org = make_org()
    prj = org.project()
    with Receiver(answers=[500, 503, 200]) as hook:
        sub = _subscribe(org, prj["id"], kind="webhook", url=hook.url())
        status, queued = org.call("POST", f"/projects/{prj['id']}/notifications/{sub['id']}/test")
        assert status == 202 and queued["status"] == "queued" and queued["event"] == events.TEST
        got = hook.wait(3)
        (final,) = _settled(org, prj["id"], sub["id"], 1)
    assert {r.headers["launchbay-delivery"] for r in got} == {queued["id"]}          # idempotency key
    assert len({r.body for r in got}) == 1                                            # the same body each time
    for r in got:
        signing.verify(sub["secret"], r.body, r.headers["launchbay-signature"])
    # backed off: about 2 s, then about 8 s
    gaps = [b.at - a.at for a, b in zip(got, got[1:])]
    assert 1.5 <= gaps[0] < 6 and 7 <= gaps[1] < 14, gaps
    assert final["status"] == "delivered" and final["attempts"] == 3 and final["response_code"] == 200
    assert [h["response_code"] for h in final["history"]] == [500, 503, 200]
    assert final["history"][0]["error"] == "the receiver answered HTTP 500: receiver is unhappy"


def test_a_slow_receiver_never_slows_a_deploy(make_org, ports, notify_worker):
    org = make_org()
    prj = org.project()
    with Receiver(delay=delivery.READ_TIMEOUT + 3) as hook:
        sub = _subscribe(org, prj["id"], kind="webhook", url=hook.url(), events=[events.STARTED])
        dep = org.deploy(ports, org.service())
        live_at = time.time()
        assert dep["status"] == "live"
        first = hook.wait(1)[0]
        # the deploy went live while the receiver still sat on the request of its start
        assert live_at < first.at + hook.delay, (live_at, first.at)
        item = wait_for(lambda: next((d for d in _deliveries(org, prj["id"], sub["id"])
                                      if d["status"] == "retrying"), None), 30, what="the timed-out attempt")
    assert first.headers["launchbay-event"] == events.STARTED
    assert item["attempts"] == 1 and item["response_code"] is None
    assert item["error"] == f"no answer within {delivery.READ_TIMEOUT:g} s" and item["next_attempt"]


def test_the_guard_checks_the_address_again_at_delivery(make_org, launchbay_env, monkeypatch):
    """Saved in local mode (loopback allowed), attempted in a process configured as production
    (no worker consumes the queued task here: the test runs the attempt itself): refused, not sent."""
    org = make_org()
    prj = org.project()
    with Receiver() as hook:
        sub = _subscribe(org, prj["id"], kind="webhook", url=hook.url().replace("127.0.0.1", "localhost"))
        status, queued = org.call("POST", f"/projects/{prj['id']}/notifications/{sub['id']}/test")
        assert status == 202
        monkeypatch.setenv("LAUNCHBAY_STAGE", "prod")
        wiring.reset()
        outcome = delivery.attempt(wiring.get_ports(), queued["id"], 1)
        assert outcome.state == "failed"
        assert hook.requests == []
    (doc,) = _deliveries(org, prj["id"], sub["id"])
    assert doc["id"] == queued["id"] and doc["status"] == "failed" and doc["attempts"] == 1
    assert doc["error"] == "refused: localhost is a loopback name"


def test_a_broken_queue_never_fails_a_deploy(make_org, launchbay_env, refused_url, monkeypatch, caplog):
    """Publishing the event after the status commit fails (Redis unreachable): logged, and the
    deployment still goes live."""
    from tests.support.deploying import run_to_end

    org = make_org()
    prj = org.project()
    _subscribe(org, prj["id"], kind="webhook", url="https://hooks.example.com/x")
    dep = org.queue_deployment(org.service())
    monkeypatch.setenv("REDIS_URL", f"redis://{refused_url}/0")
    wiring.reset()
    ports = wiring.get_ports()
    with caplog.at_level("ERROR", logger="launchbay.notify"):
        final = run_to_end(ports, dep["id"])
        assert final["status"] == "live"
        # emitting waits at most PUBLISH_WAIT for the queue; the producer's retries go on aside
        started = time.monotonic()
        assert service.emit(ports, org.id, prj["id"], events.PREVIEW_CREATED, {"name": "pr-1"})
        assert time.monotonic() - started < service.PUBLISH_WAIT + 0.5
        expected = [f"could not publish the {kind} event of project {prj['id']}"
                    for kind in (events.STARTED, events.LIVE, events.PREVIEW_CREATED)]
        wait_for(lambda: sorted(r.getMessage() for r in caplog.records
                                if r.name == "launchbay.notify") == sorted(expected),
                 30, what="the three failures in the log")


def test_an_alert_reaches_its_subscribers_when_it_opens_and_when_it_resolves(deployed_service, ports, notify_worker):
    from chalicelib.observe import alerts

    org, svc, dep = deployed_service(env={"LAUNCHBAY_SANDBOX_FAIL": "crash"})
    assert dep["status"] == "failed"
    now = time.time() + 600   # ten simulated minutes of tasks coming and going
    with Receiver() as hook, Receiver() as chat:
        sub = _subscribe(org, svc["project_id"], kind="webhook", url=hook.url("/alerts"),
                         events=[events.ALERT_OPENED, events.ALERT_RESOLVED])
        _subscribe(org, svc["project_id"], kind="slack", url=chat.url("/slack"), events=[events.ALERT_OPENED])
        service = ports.store.collection("services").get(svc["id"])
        assert alerts.evaluate_service(ports, service, now=now) == {"restarts": "opened"}
        assert alerts.evaluate_service(ports, service, now=now + 60) in ({}, {"restarts": "updated"})  # tells nobody
        opened = hook.wait(1)[0]
        signing.verify(sub["secret"], opened.body, opened.headers["launchbay-signature"])
        body = opened.json()
        assert body["type"] == events.ALERT_OPENED and body["org_id"] == org.id
        assert body["data"]["service"] == {"id": svc["id"], "name": "web", "kind": "web"}
        assert body["data"]["link"] == f"/orgs/{org.id}/services/{svc['id']}/metrics"
        alert = body["data"]["alert"]
        assert alert["rule"] == "restarts" and alert["status"] == "open" and alert["value"] >= 3
        assert alert["message"] == f"{alert['value']:g} tasks stopped over 15 min (threshold 3)"
        assert chat.wait(1)[0].json()["text"] == f":rotating_light: *web* (production) alert: {alert['message']}"
        # the rule raised above what happens: the alert resolves, and says why
        status, out = org.call("PUT", f"/services/{svc['id']}/alert-rules",
                               {"rules": [{"metric": "restarts", "threshold": 1000, "window_minutes": 15}]})
        assert status == 200, out
        assert alerts.evaluate_service(ports, service, now=now + 60) == {"restarts": "resolved"}
        got = hook.wait(2)
        time.sleep(1)   # Slack asked for openings only: nothing more arrives there
        assert len(chat.requests) == 1
    resolved = got[1].json()
    assert resolved["type"] == events.ALERT_RESOLVED and resolved["data"]["alert"]["id"] == alert["id"]
    assert resolved["data"]["alert"]["status"] == "resolved" and resolved["data"]["alert"]["resolved"]
    assert resolved["data"]["alert"]["message"].startswith("tasks stopped back to ")
    assert "(threshold 1000, peak " in resolved["data"]["alert"]["message"]
    assert {d["event"] for d in _settled(org, svc["project_id"], sub["id"], 2)} == {events.ALERT_OPENED,
                                                                                     events.ALERT_RESOLVED}


def test_a_deploy_waiting_for_approval_tells_the_approvers(make_org, ports, notify_worker):
    org = make_org(email="dev-lead@acme.io")
    prj = org.project()
    svc = org.service()
    assert org.call("PATCH", f"/projects/{prj['id']}/environments/production", {"require_approval": True})[0] == 200
    with Receiver() as chat:
        _subscribe(org, prj["id"], kind="slack", url=chat.url("/slack"), events=[events.AWAITING_APPROVAL])
        dep = org.queue_deployment(svc)
        (got,) = chat.wait(1)
    text = got.json()["text"]
    assert text.startswith(f":hourglass_flowing_sand: *web* (production) is waiting for approval: deployment "
                           f"#{dep['number']}, image nginx:1.27"), text
    assert "Asked for by dev-lead@acme.io: an admin or owner approves or rejects it" in text


def test_a_deploy_nobody_approves_is_reminded_once_then_told_cancelled(make_org, ports, notify_worker):
    from chalicelib.core.ids import iso_from_epoch
    from chalicelib.deploys import reaper

    org = make_org(email="dev-lead@acme.io")
    prj = org.project()
    svc = org.service()
    assert org.call("PATCH", f"/projects/{prj['id']}/environments/production", {"require_approval": True})[0] == 200
    deps = ports.store.collection("deployments")
    with Receiver() as chat:
        _subscribe(org, prj["id"], kind="slack", url=chat.url("/slack"),
                   events=[events.APPROVAL_REMINDER, events.APPROVAL_EXPIRED])
        dep = org.queue_deployment(svc)
        deadline = iso_from_epoch(time.time() + 3600)
        deps.update(dep["id"], {"deadline": deadline})
        assert reaper.reap(ports)["reminded"] == 1
        (reminder,) = chat.wait(1)
        deps.update(dep["id"], {"deadline": iso_from_epoch(time.time() - 1)})
        assert reaper.reap(ports)["expired"] == 1
        got = chat.wait(2)
    text = reminder.json()["text"]
    assert text.startswith(f":alarm_clock: *web* (production) still waits for approval: deployment #{dep['number']}"), text
    assert f"Asked for by dev-lead@acme.io: cancelled at {deadline} unless an admin or owner approves it" in text
    expired = got[1].json()["text"]
    assert expired.startswith(f":no_entry_sign: *web* (production) was not approved in time: deployment #{dep['number']}")
    assert "cancelled at its deadline; deploy again to ask anew" in expired


def test_a_freeze_and_its_lifting_are_told(make_org, ports, notify_worker):
    org = make_org(email="lead@acme.io")
    prj = org.project()
    envs = f"/projects/{prj['id']}/environments"
    with Receiver() as chat:
        _subscribe(org, prj["id"], kind="slack", url=chat.url("/slack"),
                   events=[events.ENVIRONMENT_FROZEN, events.ENVIRONMENT_UNFROZEN])
        status, env = org.call("POST", f"{envs}/production/freeze", {"reason": "Black Friday",
                                                                       "until": "2099-11-30T08:00:00Z"})
        assert status == 200, env
        chat.wait(1)
        assert org.call("DELETE", f"{envs}/production/freeze")[0] == 200
        assert org.call("DELETE", f"{envs}/production/freeze")[0] == 200   # nothing left to lift: told once
        got = chat.wait(2)
        time.sleep(1)
        assert len(chat.requests) == 2
    frozen, lifted = (g.json()["text"] for g in got)
    assert frozen.startswith(":snowflake: *production*: deploys are frozen until 2099-11-30T08:00:00.000000Z: "
                             "Black Friday (by lead@acme.io; rollbacks and restarts still run)"), frozen
    assert lifted.startswith(":sunny: *production*: deploys are no longer frozen (by lead@acme.io)"), lifted


def test_freeze_windows_opening_and_closing_are_told_once(make_org, ports, notify_worker):
    from chalicelib.catalog import freezes

    hour = time.gmtime().tm_hour
    org = make_org(email="lead@acme.io")
    prj = org.project()
    envs = f"/projects/{prj['id']}/environments"
    now_open = {"start": f"0 {(hour - 1) % 24} * * *", "end": f"0 {(hour + 1) % 24} * * *", "reason": "month-end close"}
    with Receiver() as chat:
        _subscribe(org, prj["id"], kind="slack", url=chat.url("/slack"),
                   events=[events.ENVIRONMENT_FROZEN, events.ENVIRONMENT_UNFROZEN])
        assert org.call("PATCH", f"{envs}/production", {"freeze_windows": [now_open]})[0] == 200
        assert freezes.announce_windows(ports) == 1          # open: told
        assert freezes.announce_windows(ports) == 0          # and not again
        chat.wait(1)
        later = {**now_open, "start": f"0 {(hour + 2) % 24} * * *", "end": f"0 {(hour + 3) % 24} * * *"}
        assert org.call("PATCH", f"{envs}/production", {"freeze_windows": [later]})[0] == 200
        assert freezes.announce_windows(ports) == 1          # closed (the window moved): told
        assert freezes.announce_windows(ports) == 0
        got = chat.wait(2)
        time.sleep(1)
        assert len(chat.requests) == 2
    frozen, lifted = (g.json()["text"] for g in got)
    assert frozen.startswith(":snowflake: *production*: deploys are frozen until ") and \
        "month-end close (by freeze window; rollbacks and restarts still run)" in frozen, frozen
    assert lifted.startswith(":sunny: *production*: deploys are no longer frozen (by freeze window)"), lifted


def test_a_sleep_schedule_is_told_once_per_environment_not_per_service(make_org, ports, notify_worker):
    from chalicelib.deploys import sleep, suspend
    from tests.support.deploying import run_to_end

    hour = time.gmtime().tm_hour
    org = make_org(email="lead@acme.io")
    prj = org.project()
    envs = f"/projects/{prj['id']}/environments"
    web, api = org.service(name="web"), org.service(name="api")
    for svc in (web, api):
        assert org.deploy(ports, svc)["status"] == "live"
    night = {"start": f"0 {(hour - 1) % 24} * * *", "end": f"0 {(hour + 1) % 24} * * *", "reason": "nights"}
    with Receiver() as chat:
        _subscribe(org, prj["id"], kind="slack", url=chat.url("/slack"))   # every event
        assert org.call("PATCH", f"{envs}/production", {"sleep_windows": [night]})[0] == 200
        assert sleep.tend(ports)["slept"] == 2
        for svc in (web, api):
            suspend.run(ports, svc["id"])
        later = {**night, "start": f"0 {(hour + 2) % 24} * * *", "end": f"0 {(hour + 3) % 24} * * *"}
        assert org.call("PATCH", f"{envs}/production", {"sleep_windows": [later]})[0] == 200
        assert sleep.tend(ports)["woke"] == 2
        for dep in ports.store.collection("deployments").find({"woken_by_schedule": True})[0]:
            assert run_to_end(ports, dep["id"])["status"] == "live"
        got = chat.wait(2)
        time.sleep(2)   # and nothing per service
        texts = [g.json()["text"] for g in got]
        assert len(chat.requests) == 2, texts
    asleep, awake = texts
    assert asleep.startswith(":zzz: *production* is asleep until ") and "nights (api, web; its sleep schedule)" in asleep, asleep
    assert awake.startswith(":sunrise: *production* is awake again (api, web; its sleep schedule)"), awake
