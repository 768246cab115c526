"""Queues in the web UI, in chromium against the whole stack (gunicorn, Celery workers and beat,
Redis, the moto sandbox).

A queue is added on the project's Resources page (its own fields: FIFO, the three timings with
their limits; no size or version) and becomes available (the worker makes it and its dead-letter
queue in moto's SQS); its row says its order and timings, and its page its URL and its dead-letter
queue's. It is linked send-only to a web service, whose Resources tab says so, and the service's
Settings scale it on the queue's backlog (the summary says so). The queue's page shows its
messages: a message sent with boto3 and received `max_receives + 1` times without being deleted
(a consumer that keeps failing) goes to the dead-letter queue in moto; Refresh shows it dead,
"Look at dead letters" shows it where it is (its body, JSON indented, its receives and the API's
note; looked at, it stays dead), "Move dead letters back" asks first, and the worker moves it
back: the page follows the move and the counts change. A flood of messages sent with boto3 is purged after the queue's name is typed
again: the page says how many went and the counts follow; a second purge within the minute is
refused by SQS and the dialog says so. The queue's page and the purge dialog pass ui_a11y's checks
at 1280 and 375 px and fit a phone, with no failing request or console error (but SQS's 409, asked
for).

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import re
import time

import boto3

from tests.e2e.ui_a11y import assert_accessible
from tests.e2e.ui_browser import (
    BROWSER_MARKS,
    create_web_service,
    expect,
    fits_375,
    shot,
    sign_up_with_project,
    watch_errors,
)

pytestmark = BROWSER_MARKS

MAX_RECEIVES = 2


def sqs_client(moto_url: str):
    return boto3.client("sqs", endpoint_url=moto_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def kill_a_message(moto_url: str, url: str, dlq_url: str) -> None:
    """Send a message, then receive it `MAX_RECEIVES + 1` times without deleting it (a consumer
    that keeps failing; VisibilityTimeout=0 makes it visible again at once): SQS hands it to the
    dead-letter queue. Waits until that queue counts it."""
    sqs = sqs_client(moto_url)
    sqs.send_message(QueueUrl=url, MessageBody='{"job": "resize", "image": 42}')
    for _ in range(MAX_RECEIVES + 1):
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        dead = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
        if dead["Attributes"]["ApproximateNumberOfMessages"] == "1":
            return
        time.sleep(0.2)
    raise AssertionError(f"the dead-letter queue holds {dead['Attributes']}, not the one message")


def test_a_queue_added_linked_send_only_and_its_dead_letters_moved_back(page, base, launchbay_env):
    moto = launchbay_env["AWS_ENDPOINT_URL"]
    project_url = sign_up_with_project(page, "queue")
    svc_url = create_web_service(page)
    check_errors = watch_errors(page)

    # a queue on the project's Resources page: its own fields, with their limits
    page.goto(project_url + "/resources")
    page.get_by_role("button", name="Add a resource").click()
    form = page.get_by_role("form", name="Add a resource")
    form.get_by_label("Kind").select_option("queue")
    expect(form.get_by_label("Version")).to_have_count(0)
    expect(form.get_by_label("Storage (GB)")).to_have_count(0)
    expect(form.get_by_role("checkbox", name="FIFO (first in, first out)")).not_to_be_checked()
    expect(form.get_by_label("Visibility timeout (s)")).to_have_value("60")
    expect(form.get_by_label("Retention (days)")).to_have_value("4")
    receives = form.get_by_label("Max receives")
    expect(receives).to_have_value("5")
    expect(receives).to_have_accessible_description(re.compile(r"moves to the dead-letter queue \(kept 14 days\); 1 to 1000\.$"))
    form.get_by_label("Name").fill("jobs")
    receives.fill("0")                                  # refused here, at the field, before asking
    form.get_by_role("button", name="Add Queue (SQS)").click()
    expect(receives).to_have_accessible_description(re.compile(r"a whole number from 1 to 1000$"))
    expect(receives).to_be_focused()
    receives.fill(str(MAX_RECEIVES))
    form.get_by_role("button", name="Add Queue (SQS)").click()
    expect(form).to_have_count(0)
    row = page.get_by_role("table", name="Resources in production").locator("tr[data-resource=jobs]")
    expect(row.locator(".badge")).to_have_attribute("data-status", "available", timeout=60_000)
    expect(row).to_contain_text(f"standard · hidden 1 min once received · kept 4 days · dead after {MAX_RECEIVES} receives")
    expect(row).to_contain_text("gives JOBS_QUEUE_URL (its URL) to the services that link it")
    fits_375(page, "resources with a queue")

    # its page: the settings, its URL and its dead-letter queue's; no messages yet
    row.get_by_role("link", name="jobs").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("^jobs"))).to_be_visible()
    queue_page = page.url
    summary = page.get_by_test_id("resource-summary")
    expect(summary).to_contain_text(f"{MAX_RECEIVES} receives: then a message not deleted goes to the dead-letter queue")
    url = page.get_by_test_id("resource-address").inner_text()
    dlq_url = page.get_by_test_id("dead-letter-queue").inner_text()
    assert re.search(r"/launchbay-[\w-]+$", url) and dlq_url == url + "-dlq", (url, dlq_url)
    counts = page.get_by_role("region", name="Messages")
    for key in ("visible", "in_flight", "delayed", "dead"):
        expect(counts.locator(f"[data-count={key}] .count")).to_have_text("0")
    expect(counts.get_by_role("button", name="Move dead letters back")).to_have_count(0)

    # linked send-only to the web service: the box explained, the links say so
    page.goto(svc_url + "/resources")
    link = page.get_by_role("form", name="Link a resource")
    expect(link.get_by_label("Resource to link")).to_contain_text("jobs")
    expect(link.get_by_label("Mount path")).to_have_count(0)
    send_only = link.get_by_role("checkbox", name="Send only")
    expect(send_only).to_have_accessible_description(
        "Its tasks may send messages but not receive them: for a web service handing work to a worker.")
    send_only.check()
    link.get_by_role("button", name="Link").click()
    expect(page.get_by_role("status").filter(has_text="Linked jobs")).to_have_text(
        "Linked jobs: the next deploy gives web JOBS_QUEUE_URL (send only).")
    linked = page.get_by_role("table", name="Linked resources").locator("tr[data-link=jobs]")
    page.reload()
    expect(linked.locator(".link-access")).to_have_text("send only")

    # the service scales on the queue's backlog: chosen in Settings, said in the summary
    page.goto(svc_url + "/settings")
    page.get_by_role("checkbox", name="Scale on CPU").check()
    page.get_by_label("Scale on a queue's backlog").select_option("jobs")
    page.get_by_label("Messages per task").fill("50")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(page.get_by_test_id("scaling-queue")).to_have_text("about 50 waiting messages per task on queue jobs")

    # a message that keeps failing dies (in moto's SQS); Refresh shows it dead
    kill_a_message(moto, url, dlq_url)
    page.goto(queue_page)
    counts = page.get_by_role("region", name="Messages")
    expect(counts.locator("[data-count=visible] .count")).to_have_text("0")
    counts.get_by_role("button", name="Refresh").click()
    expect(counts.locator("[data-count=dead] .count")).to_have_text("1")

    # looked at where it is: its body (JSON, indented), its receives, the API's note; it stays dead
    counts.get_by_role("button", name="Look at dead letters").click()
    sample = counts.get_by_role("region", name="Dead letters")
    expect(sample.get_by_role("status")).to_have_text(re.compile(r"^1 dead letter shown\. Read at \d\d:\d\d:\d\d\.$"), timeout=15_000)
    letter = sample.get_by_role("list", name="Dead letters looked at").get_by_role("listitem").filter(
        has=page.get_by_role("heading", level=4, name="Dead letter 1"))
    expect(letter.locator("pre")).to_have_text('{\n  "job": "resize",\n  "image": 42\n}')
    expect(letter).to_contain_text("Body (JSON, indented)")
    expect(letter).to_contain_text(re.compile(r"Receives\s*[1-9]"))
    expect(letter).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"))
    expect(sample.get_by_test_id("dead-letters-note")).to_contain_text("they stay in the dead-letter queue until moved back or purged")
    dead = sqs_client(moto).get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert dead["ApproximateNumberOfMessages"] == "1", dead   # looked at, not moved
    assert_accessible(page, "a queue's page with a dead letter")
    shot(page, "queue-dead-letters")
    page.set_viewport_size({"width": 375, "height": 740})
    assert_accessible(page, "a queue's page with a dead letter, at 375 px")
    shot(page, "mobile-queue-dead-letters")
    fits_375(page, "a queue's page with a dead letter")   # (back to 1280 px after)

    # moved back after asking: the worker moves it, the page follows and says so
    move = counts.get_by_role("button", name="Move dead letters back")
    move.click()
    ask = page.get_by_role("dialog", name="Move 1 dead letter back to jobs?")
    expect(ask).to_contain_text(f"after {MAX_RECEIVES} receives without being deleted it dies again")
    assert_accessible(page, "the move dead letters back dialog")
    ask.get_by_role("button", name="Move them back").click()
    expect(ask).to_have_count(0)
    said = page.get_by_test_id("redrive")
    expect(said).to_have_text(re.compile(r"^Moved 1 dead letter back to the queue at \d\d:\d\d:\d\d \(asked by queue-"), timeout=30_000)
    expect(counts.locator("[data-count=dead] .count")).to_have_text("0")
    expect(counts.locator("[data-count=visible] .count")).to_have_text("1")
    expect(move).to_have_count(0)
    got = sqs_client(moto).receive_message(QueueUrl=url, WaitTimeSeconds=0)["Messages"]
    assert [m["Body"] for m in got] == ['{"job": "resize", "image": 42}']   # the same body, back in the queue

    # a flood purged: the waiting messages go once the queue's name is typed again
    sqs = sqs_client(moto)
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f'{{"job": "flood", "n": {i}}}')
    counts.get_by_role("button", name="Refresh").click()
    expect(counts.locator("[data-count=visible] .count")).to_have_text("3")
    expect(counts.locator("[data-count=in_flight] .count")).to_have_text("1")   # the one received above
    counts.get_by_role("button", name="Purge waiting messages").click()
    purge = page.get_by_role("dialog", name="Purge the waiting messages of jobs?")
    expect(purge).to_contain_text("the waiting ones (about 3 now) and those in flight or delayed")
    typed = purge.get_by_label("Type jobs to confirm")
    expect(typed).to_be_focused()
    confirm = purge.get_by_role("button", name="Purge waiting messages")
    expect(confirm).to_be_disabled()
    typed.fill("job")
    expect(confirm).to_be_disabled()
    typed.fill("jobs")
    assert_accessible(page, "the purge dialog")
    page.set_viewport_size({"width": 375, "height": 740})
    assert_accessible(page, "the purge dialog, at 375 px")
    shot(page, "mobile-queue-purge")
    fits_375(page, "the purge dialog")
    confirm.click()
    expect(purge).to_have_count(0)
    expect(page.get_by_test_id("purged")).to_have_text(re.compile(r"^Purged 3 waiting messages\. SQS finishes deleting within a minute"))
    expect(counts.locator("[data-count=visible] .count")).to_have_text("0")
    expect(counts.locator("[data-count=dead] .count")).to_have_text("0")
    expect(counts.get_by_role("button", name="Purge waiting messages")).to_be_focused()
    left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert left["ApproximateNumberOfMessages"] == "0", left

    page.reload()                                         # the API's record of the move, not the page's memory
    expect(said).to_contain_text("Moved 1 dead letter back to the queue")
    page.wait_for_load_state("networkidle")
    check_errors()

    # a second purge within the minute: SQS refuses it (a 409, the one failing request asked for), said in the dialog
    counts.get_by_role("button", name="Purge waiting messages").click()
    purge.get_by_label("Type jobs to confirm").fill("jobs")
    purge.get_by_role("button", name="Purge waiting messages").click()
    refusal = purge.get_by_role("alert")
    expect(refusal).to_have_text("SQS purges a queue at most once a minute: try again in a minute")
    expect(refusal).to_have_attribute("data-refusal", "queue")
    purge.get_by_role("button", name="Cancel").click()
    expect(purge).to_have_count(0)
