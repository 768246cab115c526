"""The e-mail queue's guarantees: sent once however often its task arrives, retried while SES
cannot be reached, failed at once when SES refuses, and found again when its task was lost."""
from __future__ import annotations

import dataclasses
import time

import pytest

from chalicelib.cloud.session import Clients
from chalicelib.core.ids import iso_from_epoch
from chalicelib.mail import messages
from chalicelib.mail import service as mail
from chalicelib.mail.ses import SesMailer
from tests.support.mailbox import messages as mailbox
from tests.support.mailbox import wait_mail
from tests.support.processes import CeleryWorker, wait_for

pytestmark = pytest.mark.services
HELLO = messages.Message("Hello", "Hello there.\n", "<p>Hello there.</p>")


def test_a_message_delivered_twice_is_sent_once_and_its_body_is_dropped(ports, launchbay_env):
    doc = mail.queue(ports, "once@example.com", HELLO, "test")
    assert doc["body_cipher"] and "Hello there" not in str(doc)   # encrypted at rest
    worker = CeleryWorker(launchbay_env, ["notify"], name="mail").start()
    try:
        for _ in range(3):
            mail.publish(ports, doc["id"])
        wait_mail(launchbay_env["LAUNCHBAY_DATA_DIR"], "once@example.com", "Hello")
        time.sleep(1.5)
    finally:
        worker.stop()
    assert len(mailbox(launchbay_env["LAUNCHBAY_DATA_DIR"])) == 1
    sent = ports.store.collection("emails").get(doc["id"])
    assert (sent["status"], sent["attempts"], sent["body_cipher"]) == ("sent", 1, None)


def test_ses_refusing_the_sender_fails_at_once_and_says_why(ports):
    # a sender whose domain no one verified (the sandbox adapter verifies its own; the plain one does not)
    ports = dataclasses.replace(ports, settings=ports.settings.model_copy(
        update={"mail_from": "Ops <ops@never-verified.example>"}))
    doc = mail.queue(ports, "to@example.com", HELLO, "test")
    outcome = mail.attempt(ports, SesMailer(ports.mailer.clients), doc["id"], 1)
    assert outcome.state == "failed" and "MessageRejected" in outcome.detail
    failed = ports.store.collection("emails").get(doc["id"])
    assert failed["status"] == "failed" and failed["body_cipher"] is None and "not verified" in failed["error"]


def test_ses_out_of_reach_is_retried_with_backoff_then_fails(ports, monkeypatch, refused_url):
    monkeypatch.setattr(mail, "MAX_ATTEMPTS", 2)
    settings = ports.settings.model_copy(update={"aws_endpoint_url": f"http://{refused_url}"})
    down = SesMailer(Clients(settings, max_attempts=1))
    doc = mail.queue(ports, "to@example.com", HELLO, "test")
    first = mail.attempt(ports, down, doc["id"], 1)
    assert first.state == "retry" and first.retry_in == 5.0, first
    waiting = ports.store.collection("emails").get(doc["id"])
    assert waiting["status"] == "retrying" and waiting["next_attempt"] > waiting["updated"] and waiting["body_cipher"]
    assert mail.attempt(ports, down, doc["id"], 1).state == "skipped"     # attempt 1 is spent
    assert mail.attempt(ports, down, doc["id"], 2).state == "failed"
    assert ports.store.collection("emails").get(doc["id"])["status"] == "failed"


def test_the_sweep_sends_what_no_task_carries_and_forgets_old_ones(ports, launchbay_env):
    coll = ports.store.collection("emails")
    lost = mail.queue(ports, "lost@example.com", HELLO, "test")           # its publish never happened
    coll.update(lost["id"], {"next_attempt": iso_from_epoch(time.time() - 120)})
    recent = mail.queue(ports, "recent@example.com", HELLO, "test")       # its task may still be on its way
    old = mail.queue(ports, "old@example.com", HELLO, "test")
    coll.update(old["id"], {"status": "sent", "body_cipher": None, "updated": iso_from_epoch(time.time() - 31 * 86400)})
    worker = CeleryWorker(launchbay_env, ["notify"], name="mail").start()
    try:
        assert mail.send_due(ports) == 1
        wait_mail(launchbay_env["LAUNCHBAY_DATA_DIR"], "lost@example.com", "Hello")
    finally:
        worker.stop()
    assert coll.get(old["id"]) is None and coll.get(recent["id"])["status"] == "pending"
    wait_for(lambda: coll.get(lost["id"])["status"] == "sent", 10, what="the lost e-mail marked sent")


def test_an_invitation_whose_email_failed_says_why(ports, api):
    from tests.support.api import Api, signup

    owner = signup(api, "boss@example.com", org="Acme")
    boss = Api(api.client, owner["token"])
    org = owner["organization"]["id"]
    status, inv = boss.call("POST", f"/orgs/{org}/members", {"email": "typo@exmaple.com", "role": "viewer"})
    assert status == 201 and inv["email_status"] == {"status": "pending", "error": None, "sent": None}
    refused = dataclasses.replace(ports, settings=ports.settings.model_copy(
        update={"mail_from": "Ops <ops@never-verified.example>"}))   # SES refuses this sender
    email_id = ports.store.collection("invitations").get(inv["id"])["last_email_id"]
    assert mail.attempt(refused, SesMailer(ports.mailer.clients), email_id, 1).state == "failed"
    _, listing = boss.call("GET", f"/orgs/{org}/invitations")
    shown = listing["items"][0]["email_status"]
    assert shown["status"] == "failed" and "MessageRejected" in shown["error"], shown
