"""Managed queues (SQS): a queue and its dead-letter queue, encrypted (SSE-SQS), long-polling by
default, read back and changed through the resource engine like the other datastores, plus the
two things a queue's owner does by hand: look at its messages, and move dead letters back.

Shapes: observe -> {"state", "reason", "address" (the queue's URL), "port": None, "queue_arn",
"queue_name", "dlq_url", "dlq_arn", "messages": {visible, in_flight, delayed, dead}}.
Every call is idempotent: CreateQueue with the same attributes returns the queue it made before.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from chalicelib.cloud.base import CloudBase, ignoring
from chalicelib.cloud.errors import error_code

LONG_POLL_SECONDS = 20   # a consumer that does not ask for long polling gets it anyway: fewer, cheaper calls
DLQ_RETENTION = 14 * 86400   # the most SQS keeps: time to look at what failed
BATCH_BYTES = 256 * 1024     # a SendMessageBatch's payload: SQS's limit before it rose to 1 MiB, safe either way
_MISSING = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


def queue_names(ident: str, fifo: bool) -> tuple[str, str]:
    """(queue, dead-letter queue) names; a FIFO queue's name must end in .fifo, and so must its DLQ's."""
    tail = ".fifo" if fifo else ""
    return f"{ident}{tail}", f"{ident}-dlq{tail}"


def _size(entry: dict[str, Any]) -> int:
    """What SQS counts of a message: its body and its attributes' names, types and values."""
    attrs = entry.get("MessageAttributes") or {}
    return len(entry["MessageBody"].encode()) + sum(
        len(k.encode()) + len(str(v.get("DataType", "")).encode())
        + len(v.get("StringValue", "").encode() if "StringValue" in v else bytes(v.get("BinaryValue", b"")))
        for k, v in attrs.items())


def _batches(entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The entries in sends SQS takes: a batch's messages may add up to BATCH_BYTES (ten messages
    received together may be far more); a message larger than that goes alone."""
    out: list[list[dict[str, Any]]] = []
    total = 0
    for entry in entries:
        size = _size(entry)
        if not out or total + size > BATCH_BYTES:
            out.append([])
            total = 0
        out[-1].append(entry)
        total += size
    return out


class QueuesMixin(CloudBase):
    def _queue_url(self, name: str) -> Optional[str]:
        try:
            return self.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
        except Exception as exc:
            if error_code(exc) in _MISSING:
                return None
            raise

    def _find_queue(self, ident: str) -> Optional[tuple[str, str, bool]]:
        """(url, name, fifo) of the resource's queue, whichever order it was made with."""
        for fifo in (False, True):
            name = queue_names(ident, fifo)[0]
            url = self._queue_url(name)
            if url:
                return url, name, fifo
        return None

    def _queue_pair(self, ident: str) -> tuple[str, Optional[str], bool]:
        """(url, dead-letter queue's url or None, fifo) of a queue that must be there (ValueError if gone)."""
        found = self._find_queue(ident)
        if found is None:
            raise ValueError(f"queue {ident} is gone")
        url, _, fifo = found
        return url, self._queue_url(queue_names(ident, fifo)[1]), fifo

    def ensure_queue(self, ident: str, fifo: bool, settings: dict[str, Any], tags: dict[str, str]) -> None:
        """The dead-letter queue first (the queue's redrive policy names it), then the queue."""
        sqs = self.client("sqs")
        name, dlq_name = queue_names(ident, fifo)
        common = {"SqsManagedSseEnabled": "true", **({"FifoQueue": "true"} if fifo else {})}
        dlq_url = sqs.create_queue(QueueName=dlq_name, tags=tags,
                                   Attributes={**common, "MessageRetentionPeriod": str(DLQ_RETENTION)})["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes = {**common, **self._queue_attributes(settings, dlq_arn),
                      "ReceiveMessageWaitTimeSeconds": str(LONG_POLL_SECONDS)}
        if fifo:   # senders need not invent a deduplication id: the body's hash is one
            attributes["ContentBasedDeduplication"] = "true"
        sqs.create_queue(QueueName=name, tags=tags, Attributes=attributes)

    @staticmethod
    def _queue_attributes(settings: dict[str, Any], dlq_arn: str) -> dict[str, str]:
        out: dict[str, str] = {}
        if settings.get("visibility_timeout_seconds") is not None:
            out["VisibilityTimeout"] = str(int(settings["visibility_timeout_seconds"]))
        if settings.get("retention_days") is not None:
            out["MessageRetentionPeriod"] = str(int(settings["retention_days"]) * 86400)
        if settings.get("max_receives") is not None:
            out["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq_arn,
                                               "maxReceiveCount": int(settings["max_receives"])})
        return out

    def observe_queue(self, ident: str) -> dict[str, Any]:
        found = self._find_queue(ident)
        if found is None:
            return {"state": "missing", "reason": "not found"}
        url, name, fifo = found
        sqs = self.client("sqs")
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        dlq_url = self._queue_url(queue_names(ident, fifo)[1])
        dead = None
        dlq_arn = None
        if dlq_url:
            dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn", "ApproximateNumberOfMessages"])
            dlq_arn, dead = dlq["Attributes"]["QueueArn"], int(dlq["Attributes"].get("ApproximateNumberOfMessages", 0))
        return {"state": "available", "reason": "SQS: queue exists", "address": url, "port": None,
                "queue_name": name, "queue_arn": attrs["QueueArn"], "dlq_url": dlq_url, "dlq_arn": dlq_arn,
                "messages": {"visible": int(attrs.get("ApproximateNumberOfMessages", 0)),
                             "in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
                             "delayed": int(attrs.get("ApproximateNumberOfMessagesDelayed", 0)),
                             "dead": dead}}

    def modify_queue(self, ident: str, changes: dict[str, Any]) -> None:
        url, dlq_url, _ = self._queue_pair(ident)
        dlq_arn = (self.client("sqs").get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
                   ["Attributes"]["QueueArn"]) if dlq_url else ""
        attributes = self._queue_attributes(changes, dlq_arn)
        if attributes:
            self.client("sqs").set_queue_attributes(QueueUrl=url, Attributes=attributes)

    def delete_queue(self, ident: str) -> str:
        sqs, gone = self.client("sqs"), 0
        for fifo in (False, True):
            for name in queue_names(ident, fifo):
                url = self._queue_url(name)
                if url:
                    with ignoring(*_MISSING):
                        sqs.delete_queue(QueueUrl=url)
                        gone += 1
        return f"queue and dead-letter queue deleted ({gone})" if gone else "queue already gone"

    def purge_queue(self, ident: str, dead_letters: bool = False) -> str:
        """Every message of the queue (or of its dead-letter queue) deleted; SQS allows one purge
        per queue a minute: a second within it raises PurgeQueueInProgress. -> the queue's URL."""
        queue_url, dlq_url, _ = self._queue_pair(ident)
        url = dlq_url if dead_letters else queue_url
        if url is None:
            raise ValueError(f"the dead-letter queue of {ident} is gone")
        self.client("sqs").purge_queue(QueueUrl=url)
        return url

    def peek_dead_letters(self, ident: str, limit: int = 10, body_chars: int = 4096) -> list[dict[str, Any]]:
        """Up to `limit` (at most 10) dead letters, looked at and left where they are: received with
        a visibility timeout of 0 (the dead-letter queue has no redrive policy of its own, so a
        receive moves nothing), waiting a second so SQS asks all its servers. Bodies are cut at
        `body_chars`. -> [{"id", "body", "truncated", "sent", "receives", "group", "attributes"}]."""
        from datetime import datetime, timezone

        _, dlq_url, _ = self._queue_pair(ident)
        if dlq_url is None:
            return []
        got = self.client("sqs").receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=max(1, min(10, limit)), WaitTimeSeconds=1, VisibilityTimeout=0,
            AttributeNames=["SentTimestamp", "ApproximateReceiveCount", "MessageGroupId"],
            MessageAttributeNames=["All"]).get("Messages") or []
        out = []
        for m in got:
            attrs = m.get("Attributes") or {}
            sent = attrs.get("SentTimestamp")
            out.append({
                "id": m["MessageId"], "body": m["Body"][:body_chars], "truncated": len(m["Body"]) > body_chars,
                "sent": datetime.fromtimestamp(int(sent) / 1000, timezone.utc).isoformat().replace("+00:00", "Z")
                if sent else None,
                "receives": int(attrs.get("ApproximateReceiveCount") or 0), "group": attrs.get("MessageGroupId"),
                "attributes": {k: v.get("StringValue", f"({v.get('DataType', 'Binary')})")
                               for k, v in (m.get("MessageAttributes") or {}).items()}})
        return sorted(out, key=lambda x: x["sent"] or "")

    def redrive_queue(self, ident: str, limit: int = 1000) -> dict[str, int]:
        """Move up to `limit` dead letters back to the queue, ten at a time: each is sent (body,
        attributes, and for FIFO its group) before it is deleted from the dead-letter queue, so a
        crash in between delivers one twice, never loses one (SQS delivers at least once anyway).
        -> {"moved", "left"} (left: what the dead-letter queue still holds, approximately)."""
        url, dlq_url, fifo = self._queue_pair(ident)
        if dlq_url is None:
            return {"moved": 0, "left": 0}
        sqs, moved = self.client("sqs"), 0
        while moved < limit:
            got = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=min(10, limit - moved), WaitTimeSeconds=0,
                                      VisibilityTimeout=60, AttributeNames=["MessageGroupId"],
                                      MessageAttributeNames=["All"]).get("Messages") or []
            if not got:
                break
            entries = []
            for i, m in enumerate(got):
                entry: dict[str, Any] = {"Id": str(i), "MessageBody": m["Body"]}
                if m.get("MessageAttributes"):
                    entry["MessageAttributes"] = m["MessageAttributes"]
                if fifo:
                    entry["MessageGroupId"] = (m.get("Attributes") or {}).get("MessageGroupId") or "redrive"
                    entry["MessageDeduplicationId"] = m["MessageId"]
                entries.append(entry)
            ok = set()
            for batch in _batches(entries):
                sent = sqs.send_message_batch(QueueUrl=url, Entries=batch)
                ok |= {e["Id"] for e in sent.get("Successful") or []}
            done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got) if str(i) in ok]
            if done:
                sqs.delete_message_batch(QueueUrl=dlq_url, Entries=done)
            moved += len(done)
            if len(done) < len(got):   # what failed to send stays (visible again in a minute): stop here
                break
        left = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
        return {"moved": moved, "left": int(left["Attributes"].get("ApproximateNumberOfMessages", 0))}
