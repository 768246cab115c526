"""An AWS Copilot Worker Service's queue as a `queue` resource (SQS with a dead-letter queue):
its settings from `subscribe.queue` (timeout, retention, dead_letter.tries, fifo), linked to the
worker under the variable Copilot gives it (COPILOT_QUEUE_URI). SNS topics have no Launchbay
equivalent: each subscription is a warning saying why, and a publishing service among the
manifests gets the queue linked send-only, so that it can send there instead."""
from __future__ import annotations

import math
from typing import Any, Callable, Optional

from chalicelib.configfile.importers.common import Notes, duration_seconds, slug
from chalicelib.configfile.importers.volumes import volume_name
from chalicelib.resources.kinds import MAX_RECEIVES, QUEUE_DEFAULTS, RETENTION_DAYS, VISIBILITY_SECONDS

QUEUE_VARIABLE = "COPILOT_QUEUE_URI"        # what Copilot gives a Worker Service: its queue's URL
COPILOT_TIMEOUT = 30                          # Copilot's default visibility timeout (Launchbay's is 60)
MAX_PER_TASK = 100000                         # autoscaling.queue.messages_per_task's limit


def queue_settings(queue: Any, notes: Notes, file: str, key: str, where: Callable[[str], str]) -> dict[str, Any]:
    """`subscribe.queue` -> a queue resource's settings (Copilot's default timeout kept), each
    value moved into Launchbay's range said at its key (`where` names it after the block it came
    from; `key`: where the queue as a whole is said)."""
    out: dict[str, Any] = {"kind": "queue", "visibility_timeout_seconds": COPILOT_TIMEOUT}
    if queue in (None, True, {}):
        queue = {}
    if not isinstance(queue, dict):
        notes.add(file, key, f"queue {queue!r} is not a mapping; the queue takes Copilot's defaults")
        queue = {}
    for k, v in queue.items():
        at = where(f"subscribe.queue.{k}")
        if k == "timeout":
            seconds = duration_seconds(v)
            if seconds is None:
                notes.add(file, at, f"timeout {v!r} is not a duration; Copilot's default {COPILOT_TIMEOUT} s is used")
                continue
            out["visibility_timeout_seconds"] = _clamped(math.ceil(seconds), VISIBILITY_SECONDS, f"timeout {v}",
                                                         "seconds", notes, file, at)
        elif k == "retention":
            seconds = duration_seconds(v)
            if seconds is None:
                notes.add(file, at, f"retention {v!r} is not a duration; Launchbay's default "
                                    f"{QUEUE_DEFAULTS['retention_days']} days is used")
                continue
            days = _clamped(math.ceil(seconds / 86400), RETENTION_DAYS, f"retention {v}", "days", notes, file, at)
            if seconds % 86400:
                notes.add(file, at, f"retention {v} kept as {days} day{'s' if days != 1 else ''}: a Launchbay queue "
                                    "keeps messages whole days")
            out["retention_days"] = days
        elif k == "delay":
            if duration_seconds(v) not in (None, 0.0):
                notes.add(file, at, f"delay {v} is not imported: a Launchbay queue hands a message out at once; a "
                                    "sender may still delay its own (SQS SendMessage's DelaySeconds)")
        elif k == "dead_letter":
            tries = v.get("tries") if isinstance(v, dict) else None
            if isinstance(tries, int) and not isinstance(tries, bool):
                out["max_receives"] = _clamped(tries, MAX_RECEIVES, f"dead_letter.tries {tries}", "receives", notes,
                                               file, where(f"subscribe.queue.{k}.tries"))
            else:
                notes.add(file, at, f"dead_letter {v!r} has no number of tries; Launchbay's "
                                    f"{QUEUE_DEFAULTS['max_receives']} is used")
            for extra in (v if isinstance(v, dict) else {}):
                if extra != "tries":
                    notes.add(file, where(f"subscribe.queue.{k}.{extra}"), f"dead-letter setting {extra!r} is not "
                                                                           "imported")
        elif k == "fifo":
            _fifo(out, v, notes, file, lambda sub: where(f"subscribe.queue.fifo.{sub}"))
        else:
            notes.add(file, at, f"queue setting {k!r} is not imported")
    if "dead_letter" not in queue:
        notes.add(file, key, "no dead_letter.tries: Copilot makes no dead-letter queue then, so a message that keeps "
                             "failing is received again until its retention runs out. A Launchbay queue always has "
                             f"one: after {QUEUE_DEFAULTS['max_receives']} receives such a message moves there "
                             "(max_receives; raise it in launchbay.yaml to retry longer, up to 1000)")
    return out


def _fifo(out: dict[str, Any], value: Any, notes: Notes, file: str, where: Callable[[str], str]) -> None:
    if value in (None, False):
        return
    out["fifo"] = True
    for k, v in (value if isinstance(value, dict) else {}).items():
        if k == "content_based_deduplication":
            if v is False:
                notes.add(file, where(k), "a Launchbay FIFO queue deduplicates by content (a message's body): "
                                          "senders that need another rule give a MessageDeduplicationId")
        else:
            notes.add(file, where(k), f"FIFO setting {k!r} is not imported: a Launchbay FIFO queue has SQS's "
                                      "standard throughput")


def _clamped(n: int, limits: tuple[int, int], what: str, unit: str, notes: Notes, file: str, key: str) -> int:
    lo, hi = limits
    if lo <= n <= hi:
        return n
    kept = min(max(n, lo), hi)
    notes.add(file, key, f"{what} ({n} {unit}) is outside Launchbay's {lo}-{hi} {unit}; {kept} is used")
    return kept


def backlog_per_task(queue_delay: Any, notes: Notes, file: str, key: str) -> Optional[int]:
    """count.queue_delay -> messages per task: acceptable_latency / msg_processing_time, rounded up
    as Copilot does, at least 1. None (said) when unreadable."""
    if not isinstance(queue_delay, dict):
        notes.add(file, key, f"queue_delay {queue_delay!r} is not a mapping; not imported")
        return None
    latency = duration_seconds(queue_delay.get("acceptable_latency"))
    each = duration_seconds(queue_delay.get("msg_processing_time"))
    if latency is None or not each:
        notes.add(file, key, "queue_delay needs acceptable_latency and msg_processing_time (durations, e.g. 10m and "
                             "250ms); not imported")
        return None
    per_task = max(1, math.ceil(latency / each))
    if per_task > MAX_PER_TASK:
        notes.add(file, key, f"{per_task} messages per task is above Launchbay's {MAX_PER_TASK}; set to {MAX_PER_TASK}")
        per_task = MAX_PER_TASK
    return per_task


def import_queues(found: list[tuple[str, str, dict, Callable[[str], str]]], env: dict, notes: Notes) -> None:
    """An environment's Worker Services [(service, file, merged manifest, where)] -> a queue resource
    each, linked to its worker as COPILOT_QUEUE_URI, its scaling target named, and the subscriptions'
    publishers linked send-only."""
    taken = set(env["resources"])
    for svc_name, file, manifest, where in found:
        svc = env["services"][svc_name]
        subscribe = manifest.get("subscribe")
        if subscribe is not None and not isinstance(subscribe, dict):
            notes.add(file, where("subscribe"), "subscribe is not a mapping; the queue takes Copilot's defaults")
            subscribe = {}
        subscribe = subscribe or {}
        key = where("subscribe.queue") if "queue" in subscribe else where("subscribe") if "subscribe" in manifest \
            else "type"
        name = volume_name(f"{svc_name}-queue", taken, clash="-2")
        taken.add(name)
        env["resources"][name] = queue_settings(subscribe.get("queue"), notes, file, key, where)
        variable = _link_worker(svc, svc_name, name, notes, file, where)
        scaling = (svc.get("autoscaling") or {}).get("queue")
        if scaling is not None:
            scaling["name"] = name
        for extra in subscribe:
            if extra not in ("queue", "topics"):
                notes.add(file, where(f"subscribe.{extra}"), f"subscribe setting {extra!r} is not imported")
        senders = _topics(subscribe.get("topics"), env, svc_name, name, notes, file, where)
        res = env["resources"][name]
        how = ", ".join(filter(None, (
            "FIFO" if res.get("fifo") else "standard",
            f"messages hidden {res['visibility_timeout_seconds']} s once received",
            f"kept {res['retention_days']} days" if "retention_days" in res else None,
            f"dead after {res['max_receives']} receives" if "max_receives" in res else None)))
        notes.add(file, key, f"the Worker Service's queue imported as the queue resource {name!r} ({how}), linked to "
                             f"{svc_name} as {variable}"
                             + (f" and send-only to {', '.join(senders)}" if senders else "")
                             + ". Messages waiting in Copilot's queue are not moved: let it drain first")


def _link_worker(svc: dict, svc_name: str, queue: str, notes: Notes, file: str, where: Callable[[str], str]) -> str:
    """The worker receives the queue's URL as COPILOT_QUEUE_URI, as under Copilot (a variable of its
    own by that name gives way to the link)."""
    for part in ("env", "secrets"):
        values = svc.get(part)
        if values and QUEUE_VARIABLE in values:
            if isinstance(values, dict):
                del values[QUEUE_VARIABLE]
            else:
                values.remove(QUEUE_VARIABLE)
            notes.add(file, where(f"{'variables' if part == 'env' else 'secrets'}.{QUEUE_VARIABLE}"),
                      f"{svc_name} set {QUEUE_VARIABLE} itself: not imported, the link to {queue!r} gives it (the "
                      "new queue's URL)")
            if not values:
                svc.pop(part)
    svc.setdefault("links", {})[queue] = QUEUE_VARIABLE
    return QUEUE_VARIABLE


def _topics(topics: Any, env: dict, worker: str, queue: str, notes: Notes, file: str,
            where: Callable[[str], str]) -> list[str]:
    """Each SNS subscription, said; its publisher, when imported, linked to the queue send-only.
    -> how each publisher was linked, in words."""
    if topics in (None, []):
        return []
    if not isinstance(topics, list):
        notes.add(file, where("subscribe.topics"), "topics is not a list; not read")
        return []
    fifo = bool(env["resources"][queue].get("fifo"))
    variable = f"{slug(worker, 40).upper().replace('-', '_')}_QUEUE_URL"
    linked: list[str] = []
    for i, topic in enumerate(topics):
        key = where(f"subscribe.topics[{i}]")
        if not isinstance(topic, dict) or not topic.get("name") or not topic.get("service"):
            notes.add(file, key, "a topic needs a name and a service; not read")
            continue
        publisher = slug(str(topic["service"]), 40)
        said = (f"SNS topic {topic['name']!r} of {topic['service']} is not imported: Launchbay has no managed "
                "topics (pub/sub), so nothing reaches the queue through it")
        sender = env["services"].get(publisher) if publisher != worker else None
        if sender is None:
            notes.add(file, key, said + (f"; {topic['service']} is not among these manifests: link {queue!r} to it "
                                         "send-only and send the messages there" if publisher != worker else ""))
        else:
            got = _link_sender(sender, publisher, queue, variable)
            if got:
                linked.append(f"{publisher} as {got}")
            notes.add(file, key, said + (
                f". {publisher} is linked to {queue!r} send-only as {got}: send the messages there (SQS SendMessage"
                + (", with a MessageGroupId: the queue is FIFO" if fifo else "") + ") instead of publishing them; "
                f"{worker} then receives the body as sent, not wrapped in SNS's envelope" if got else
                f"; {publisher} already gives {variable} otherwise, so {queue!r} is not linked to it: link it "
                "send-only under another variable"))
        if topic.get("filter_policy"):
            notes.add(file, f"{key}.filter_policy", "the filter policy is not imported: the worker receives every "
                                                    "message sent to its queue; filter in its code, or send only what "
                                                    "it should get")
        if topic.get("queue") not in (None, False):
            notes.add(file, f"{key}.queue", f"the topic's own queue is not imported (COPILOT_TOPIC_QUEUE_URIS): add "
                                            f"another queue resource and link it to {worker} if it keeps this topic's "
                                            f"messages apart; until then they would come to {queue!r}")
        for extra in topic:
            if extra not in ("name", "service", "filter_policy", "queue"):
                notes.add(file, f"{key}.{extra}", f"topic setting {extra!r} is not imported")
    return linked


def _link_sender(svc: dict, svc_name: str, queue: str, variable: str) -> Optional[str]:
    """Link `queue` to a publishing service send-only -> the variable; None when it already has one
    by that name (its own variable, secret or another link)."""
    links = svc.setdefault("links", {})
    if queue in links:
        return links[queue].split(":")[0]
    given = {text.split("=", 1)[0].split(":")[0] for text in links.values()}
    if variable in (svc.get("env") or {}) or variable in (svc.get("secrets") or []) or variable in given:
        if not links:
            svc.pop("links")
        return None
    links[queue] = f"{variable}:send"
    return variable
