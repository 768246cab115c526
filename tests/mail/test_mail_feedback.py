"""Bounces and complaints: SES's events (played by the sandbox for the mailbox simulator's
addresses, through a real SNS topic and SQS queue in moto) are read by the worker; the e-mail says
what became of it, and an address that bounced for good or complained gets nothing more until its
owner lifts that."""
from __future__ import annotations

import json
import time

import pytest

from chalicelib import tasks
from chalicelib.core.ids import iso_from_epoch
from chalicelib.mail import feedback, messages
from chalicelib.mail import service as mail
from chalicelib.mail.ses import parse_event
from tests.support.api import Api, signup
from tests.support.factories import new_org
from tests.support.mailbox import messages as mailbox
from tests.support.mailbox import outbox, token_of, wait_mail
from tests.support.processes import CeleryWorker, wait_for

pytestmark = pytest.mark.services
BOUNCE = "bounce@simulator.amazonses.com"
COMPLAINT = "complaint@simulator.amazonses.com"
PW = "correct horse battery"


def _send_queued(ports, to: str) -> list[str]:
    """What the notify worker does with the e-mails queued to `to`, here in-process. -> their outcomes."""
    docs, _ = ports.store.collection("emails").find({"to": to, "status": "pending"}, limit=20)
    return [mail.attempt(ports, ports.mailer, d["id"], 1).state for d in docs]


def test_an_invitation_that_bounces_says_so_and_its_address_gets_nothing_more(api, ports, launchbay_env):
    data = launchbay_env["LAUNCHBAY_DATA_DIR"]
    org = new_org(api)
    status, inv = org.call("POST", "/members", {"email": BOUNCE, "role": "viewer"})
    assert status == 201, inv
    worker = CeleryWorker(launchbay_env, ["notify"], name="mail").start()
    try:
        wait_mail(data, BOUNCE, "invited you")
        wait_for(lambda: [i for i in org.call("GET", "/invitations")[1]["items"]
                          if (i["email_status"] or {}).get("status") == "sent"], 30, what="SES took it")
        ports.queue.publish(tasks.RECEIVE_MAIL_FEEDBACK)             # the beat's minute comes
        bounced = wait_for(lambda: [i for i in org.call("GET", "/invitations")[1]["items"]
                                    if (i["email_status"] or {}).get("status") == "bounced"], 30,
                           what="the invitation's e-mail bounced")
        assert bounced[0]["email_status"]["error"] == "smtp; 550 5.1.1 user unknown"
        held = feedback.suppression(ports, BOUNCE)
        assert held["reason"] == "bounce" and held["detail"] == "smtp; 550 5.1.1 user unknown" and held["email_id"]
        # sent again: SES is not asked, and the admin is told why
        ports.store.collection("invitations").update(inv["id"], {"last_sent": iso_from_epoch(time.time() - 120)})
        assert org.call("POST", f"/invitations/{inv['id']}/resend")[0] == 202
        failed = wait_for(lambda: [i for i in org.call("GET", "/invitations")[1]["items"]
                                   if (i["email_status"] or {}).get("status") == "failed"], 30,
                          what="the second invitation e-mail refused")
        assert failed[0]["email_status"]["error"].startswith(f"not sent: {BOUNCE} bounced on ")
        assert "550 5.1.1 user unknown" in failed[0]["email_status"]["error"]
    finally:
        worker.stop()
    assert len([m for m in mailbox(data) if m.to == BOUNCE]) == 1


def test_a_complaint_holds_mail_back_until_the_owner_lifts_it(api, ports):
    body = signup(api, COMPLAINT, org="Spam-averse")
    me = Api(api.client, body["token"])
    assert _send_queued(ports, COMPLAINT) == ["sent"]               # the confirmation link, marked as spam
    assert feedback.receive(ports, ports.mailer) == {"bounce": 0, "complaint": 1, "other": 0, "unreadable": 0}
    assert feedback.receive(ports, ports.mailer)["complaint"] == 0   # acked: not given again
    [sent] = ports.store.collection("emails").find({"to": COMPLAINT}, limit=5)[0]
    assert sent["status"] == "complained" and sent["error"] == "the recipient marked as spam (abuse)"
    delivery = me.call("GET", "/me")[1]["email_delivery"]
    assert delivery["suppressed"] is True and delivery["reason"] == "complaint" and delivery["since"]
    # a new link would be held back: asking for one says so
    link = ports.store.collection("email_verifications").find_one({"email": COMPLAINT})
    ports.store.collection("email_verifications").update(link["id"], {"created": iso_from_epoch(time.time() - 120)})
    status, err = me.call("POST", "/me/verify-email")
    assert status == 409 and err["error"]["field"] == "email" and "held back" in err["error"]["message"]
    # any other e-mail to it is refused before SES
    mail.queue(ports, COMPLAINT, messages.Message("News", "News.\n"), "test")
    assert _send_queued(ports, COMPLAINT) == ["failed"]
    refused = [d for d in ports.store.collection("emails").find({"to": COMPLAINT}, limit=5)[0] if d["status"] == "failed"]
    assert "marked an e-mail as spam" in refused[0]["error"] and "resume-email" in refused[0]["error"]
    # the owner says it is fixed: mail goes again
    assert me.call("DELETE", "/me/email-suppression")[0] == 204
    assert me.call("GET", "/me")[1]["email_delivery"] is None
    status, err = me.call("DELETE", "/me/email-suppression")
    assert status == 404 and err["error"]["field"] == "email"
    ports.store.collection("email_verifications").update(
        ports.store.collection("email_verifications").find_one({"email": COMPLAINT})["id"],
        {"created": iso_from_epoch(time.time() - 120)})
    assert me.call("POST", "/me/verify-email")[0] == 202
    assert _send_queued(ports, COMPLAINT) == ["sent"]


def test_a_password_reset_reaches_a_suppressed_address_and_lifts_it(api, ports):
    from chalicelib.accounts import resets

    signup(api, "gone@example.com", org="G")
    feedback.suppress(ports, "gone@example.com", "bounce", "smtp; 552 mailbox full", None)
    assert api.call("POST", "/auth/password-reset", {"email": "gone@example.com"})[0] == 202
    resets.issue(ports, "gone@example.com", "", "http://ui")   # the worker's part of the request
    reset = outbox("gone@example.com", "Reset your")[-1]
    assert _send_queued(ports, "gone@example.com").count("sent") == 1   # asked for now: sent all the same
    assert _send_queued(ports, "gone@example.com") == []
    status, _ = api.call("POST", "/auth/password-reset/confirm", {"token": token_of(reset, "/reset-password"),
                                                                  "password": "a brand new password"})
    assert status == 200
    assert feedback.suppression(ports, "gone@example.com") is None          # it got through: lifted


def test_feedback_is_recorded_once_however_often_it_comes(ports):
    doc = mail.queue(ports, BOUNCE, messages.Message("Hi", "Hi.\n"), "test")
    assert mail.attempt(ports, ports.mailer, doc["id"], 1).state == "sent"
    got = ports.mailer.feedback(10)
    assert [(f.kind, f.permanent, f.recipients, f.reference) for f in got] == [("bounce", True, (BOUNCE,), doc["id"])]
    for _ in range(2):   # a worker killed before its ack: the same event again
        feedback.record(ports, got[0])
    assert ports.store.collection("mail_suppressions").count({"email": BOUNCE}) == 1
    assert ports.store.collection("emails").get(doc["id"])["status"] == "bounced"
    ports.mailer.ack(got[0].handle)
    assert ports.mailer.feedback(10) == []


def _sns(event: dict) -> str:
    return json.dumps({"Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:us-east-1:1:t",
                       "Message": json.dumps(event)})


def test_both_of_ses_s_shapes_are_read_and_the_rest_is_named():
    # an identity notification (SES's older shape) of a transient bounce: not suppressed
    soft = parse_event(_sns({"notificationType": "Bounce", "mail": {"messageId": "ses-1", "headers": []},
                             "bounce": {"bounceType": "Transient", "bounceSubType": "MailboxFull",
                                        "timestamp": "2026-11-28T10:00:00.000Z",
                                        "bouncedRecipients": [{"emailAddress": "Full@Example.com"}]}}), "h1")
    assert (soft.kind, soft.permanent, soft.recipients, soft.message_id, soft.detail) == (
        "bounce", False, ("full@example.com",), "ses-1", "Transient bounce (MailboxFull)")
    # event publishing (a configuration set's) of a complaint, our reference in the headers
    spam = parse_event(_sns({"eventType": "Complaint", "mail": {"messageId": "ses-2", "headers": [
        {"name": "X-Launchbay-Email", "value": "eml_1"}]}, "complaint": {
        "complainedRecipients": [{"emailAddress": "a@example.com"}], "complaintFeedbackType": "abuse"}}), "h2")
    assert (spam.kind, spam.permanent, spam.reference, spam.detail) == ("complaint", True, "eml_1",
                                                                         "marked as spam (abuse)")
    confirm = parse_event(json.dumps({"Type": "SubscriptionConfirmation", "Message": "You have chosen to subscribe"}), "h3")
    assert confirm.kind == "unreadable" and confirm.handle == "h3"
    delivery = parse_event(_sns({"eventType": "Delivery", "mail": {}}), "h4")
    assert (delivery.kind, delivery.detail) == ("other", "delivery")
    assert parse_event("not json", "h5").kind == "unreadable"


def test_a_transient_bounce_is_told_but_not_held_against_the_address(ports):
    from chalicelib.mail.port import Feedback

    doc = mail.queue(ports, "full@example.com", messages.Message("Hi", "Hi.\n"), "test")
    mail.attempt(ports, ports.mailer, doc["id"], 1)
    feedback.record(ports, Feedback(handle="h", kind="bounce", permanent=False, recipients=("full@example.com",),
                                    detail="smtp; 452 4.2.2 mailbox full", reference=doc["id"]))
    assert ports.store.collection("emails").get(doc["id"])["status"] == "bounced"
    assert feedback.suppression(ports, "full@example.com") is None


def test_a_new_address_that_bounces_shows_on_the_waiting_change_and_its_link_still_goes(api, ports):
    """A mistyped new address: the account page sees the bounce. Asked for again, the link goes all
    the same (its owner says it works now), and following it lifts the hold."""
    me = Api(api.client, signup(api, "mover@example.com", org="Mv")["token"])
    assert me.call("POST", "/me/email", {"email": BOUNCE, "password": PW})[0] == 202
    assert _send_queued(ports, BOUNCE) == ["sent"]
    feedback.receive(ports, ports.mailer)                                   # the beat's minute comes
    waiting = me.call("GET", "/me")[1]["pending_email"]
    assert waiting["email"] == BOUNCE and waiting["email_status"]["status"] == "bounced"
    assert "550 5.1.1 user unknown" in waiting["email_status"]["error"]
    assert feedback.suppression(ports, BOUNCE) is not None
    changes = ports.store.collection("email_changes")
    changes.update(changes.find_one({"email": BOUNCE})["id"], {"created": iso_from_epoch(time.time() - 120)})
    assert me.call("POST", "/me/email", {"email": BOUNCE, "password": PW})[0] == 202
    assert _send_queued(ports, BOUNCE) == ["sent"]                          # asked for now: sent all the same
    link = token_of(outbox(BOUNCE, "Confirm your new")[-1], "/confirm-email-change")
    assert api.call("POST", "/auth/email-change/confirm", {"token": link})[0] == 200
    assert feedback.suppression(ports, BOUNCE) is None                      # it got through: lifted
