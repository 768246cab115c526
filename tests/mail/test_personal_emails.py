"""E-mails about one's own work, with no subscription: a deploy one started that fails, a deploy
waiting for one's approval; each person turns them off for themself."""
from __future__ import annotations

import time

import pytest

from tests.support.api import Api, signup_invited
from tests.support.factories import new_org
from tests.support.mailbox import messages, wait_mail

pytestmark = pytest.mark.services


def test_the_author_of_a_failed_deploy_and_the_approvers_are_emailed(api, launchbay_env, notify_worker, monkeypatch):
    from chalicelib import settings as settings_module
    from chalicelib import wiring

    monkeypatch.setenv("LAUNCHBAY_PUBLIC_URL", "https://launchbay.example.com")   # links in e-mails
    settings_module.reset()
    ports = wiring.get_ports()
    data = launchbay_env["LAUNCHBAY_DATA_DIR"]
    org = new_org(api, email="owner@acme.io")
    assert org.call("POST", "/members", {"email": "admin@acme.io", "role": "admin"})[0] == 201
    assert org.call("POST", "/members", {"email": "dev@acme.io", "role": "developer"})[0] == 201
    admin = Api(api.client, signup_invited(api, "admin@acme.io")["token"])
    dev = Api(api.client, signup_invited(api, "dev@acme.io")["token"])
    # the admin keeps approvals and drops failures; defaults otherwise
    assert admin.call("GET", "/me/notifications")[1]["deploy_failures"] is True
    status, prefs = admin.call("PATCH", "/me/notifications", {"deploy_failures": False})
    assert status == 200 and prefs["deploy_failures"] is False and prefs["approvals"] is True
    status, err = admin.call("PATCH", "/me/notifications", {"approvals": "sometimes"})
    assert status == 422 and err["error"]["field"] == "approvals"

    # a failed deploy: its author hears, nobody else (no subscription in this project)
    svc = org.service(env={"LAUNCHBAY_SANDBOX_FAIL": "health"})
    failed = org.deploy(ports, svc)
    assert failed["status"] == "failed"
    [mail] = wait_mail(data, org.owner["user"]["email"], "failed")
    assert mail.subject == "web (production) failed to deploy: deployment #1, image nginx:1.27"
    assert "Reason:" in mail.text
    assert f"https://launchbay.example.com/orgs/{org.id}/deployments/{failed['id']}" in mail.text
    assert "turn it off" in mail.text

    # a deploy waiting for approval: the owner and the admin hear, not the developer who asked
    prj = org.projects.get("p") or org.project()
    org.call("PATCH", f"/projects/{prj['id']}/environments/production", {"require_approval": True})
    status, dep = dev.call("POST", f"/orgs/{org.id}/services/{svc['id']}/deployments", {"image": "nginx:1.28"})
    assert status == 202 and dep["status"] == "awaiting_approval", dep
    for to in (org.owner["user"]["email"], "admin@acme.io"):
        [ask] = wait_mail(data, to, "waiting for approval")
        assert "Review deployment #2" in (ask.html or "") or "/deployments/" in ask.text
    time.sleep(1.5)   # the fan-out is done: nothing else came
    got = sorted((m.to, m.subject.split(":")[0]) for m in messages(data)
                 if "invited you" not in m.subject and "Confirm your e-mail" not in m.subject)
    assert got == [("admin@acme.io", "web (production) is waiting for approval"),
                   (org.owner["user"]["email"], "web (production) failed to deploy"),
                   (org.owner["user"]["email"], "web (production) is waiting for approval")], got
