"""The message a Slack-compatible incoming webhook gets (Slack, Mattermost, Rocket.Chat,
Discord's /slack endpoint): one readable `text` in Slack's mrkdwn, e.g.

    :white_check_mark: *web* (production) is live: deployment #4, image nginx:1.27
    <https://launchbay.example.com/orgs/.../deployments/dep_...|View deployment #4>

    :rotating_light: *web* (production) alert: 5xx responses 62 % over 5 min (threshold 5 %)
    <https://launchbay.example.com/orgs/.../services/svc_.../metrics|View metrics>
"""
from __future__ import annotations

import re
from typing import Any

from chalicelib.notify import events

ICONS = {events.AWAITING_APPROVAL: ":hourglass_flowing_sand:", events.APPROVAL_REMINDER: ":alarm_clock:",
         events.APPROVAL_EXPIRED: ":no_entry_sign:", events.STARTED: ":rocket:", events.BUILDING: ":hammer_and_wrench:", events.LIVE: ":white_check_mark:",
         events.FAILED: ":x:", events.ROLLED_BACK: ":leftwards_arrow_with_hook:",
         events.PREVIEW_CREATED: ":eyes:", events.PREVIEW_DELETED: ":wastebasket:", events.TEST: ":bell:",
         events.ALERT_OPENED: ":rotating_light:", events.ALERT_RESOLVED: ":large_green_circle:",
         events.SERVICE_SUSPENDED: ":double_vertical_bar:", events.SERVICE_RESUMED: ":arrow_forward:",
         events.SERVICE_MAINTENANCE: ":construction:", events.SERVICE_MAINTENANCE_OVER: ":white_check_mark:",
         events.ENVIRONMENT_FROZEN: ":snowflake:", events.ENVIRONMENT_UNFROZEN: ":sunny:",
         events.ENVIRONMENT_ASLEEP: ":zzz:", events.ENVIRONMENT_AWAKE: ":sunrise:",
         events.QUEUE_DEAD_LETTERS: ":skull:", events.LOG_DRAIN_FAILING: ":warning:",
         events.LOG_DRAIN_RECOVERED: ":white_check_mark:"}


# What the other renderings of these words (teams.py, email.py) read back out of Slack's mrkdwn:
LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")           # <url|label>
BOLD = re.compile(r"(?<![*\w])\*([^*\n]+)\*(?![*\w])")       # *bold*
ICON = re.compile(r"^:[a-z0-9_+-]+:\s*")                       # the emoji shortcode that leads a line


def unescape(text: str) -> str:
    """Slack's three escapes back to characters (other renderings show them as written)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _escape(text: Any) -> str:
    # Slack's three control characters; everything else is shown as written
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text(event: dict[str, Any]) -> str:
    kind = event["type"]
    data = event.get("data") or {}
    icon = ICONS.get(kind, ":bell:")
    if kind == events.TEST:
        return f"{icon} Test notification from Launchbay: this subscription works."
    service = data.get("service") or {}
    dep = data.get("deployment") or {}
    name = _escape(service.get("name") or data.get("name") or "a service")
    where = f" ({_escape(data['environment'])})" if data.get("environment") else ""
    words = events.WORDS.get(kind, kind)
    alert = data.get("alert") or {}
    if kind.startswith("deployment."):
        head = f"{icon} *{name}*{where} {words}: deployment #{dep.get('number')}"
        if dep.get("image"):
            head += f", image {_escape(dep['image'])}"
    elif kind.startswith("alert."):   # e.g. "5xx responses 62 % over 5 min (threshold 5 %)"
        head = f"{icon} *{name}*{where} {words}: {_escape(alert.get('message') or alert.get('rule'))}"
    elif kind.startswith("service."):   # e.g. "*web* (staging) was suspended"
        head = f"{icon} *{name}*{where} {words}"
        if kind == events.SERVICE_MAINTENANCE:   # what visitors read, and who put it there
            m = data.get("maintenance") or {}
            head += f": visitors get \"{_escape(m.get('message'))}\" (by {_escape(m.get('by'))})"
    elif kind.startswith("environment."):   # e.g. "*production*: deploys are frozen until ...: Black Friday"
        freeze = data.get("freeze") or {}
        until = f" until {_escape(freeze['until'])}" if freeze.get("until") else ""
        head = f"{icon} *{_escape(data.get('environment'))}*: {words}" + (
            f"{until}: {_escape(freeze.get('reason'))} (by {_escape(freeze.get('by'))}; rollbacks and restarts still run)"
            if kind == events.ENVIRONMENT_FROZEN else f" (by {_escape(data.get('by'))})")
        if kind in (events.ENVIRONMENT_ASLEEP, events.ENVIRONMENT_AWAKE):   # "*staging* is asleep until …: web, jobs"
            until = f" until {_escape(data['until'])}" if data.get("until") else ""
            head = (f"{icon} *{_escape(data.get('environment'))}* {words}{until}"
                    f"{': ' + _escape(data.get('reason')) if data.get('reason') else ''} "
                    f"({_escape(', '.join(data.get('services') or []))}; its sleep schedule)")
    elif kind == events.QUEUE_DEAD_LETTERS:   # "*jobs* (production) has 3 new dead letters (7 in all): ..."
        dead = data.get("dead") or {}
        plural = {k: "" if dead.get(k) == 1 else "s" for k in ("new", "max_receives")}
        head = (f"{icon} *{name}*{where} has {dead.get('new')} new dead letter{plural['new']} "
                f"({dead.get('total')} in all): messages received {dead.get('max_receives')} time{plural['max_receives']} "
                "without being deleted; fix the consumer, then move them back")
    elif kind.startswith("log_drain."):   # "*datadog* (production) is not delivering to https://…: ..."
        seen = data.get("delivery") or {}
        head = f"{icon} Log drain *{name}*{where} {words} to {_escape(data.get('url'))}"
        if kind == events.LOG_DRAIN_FAILING:
            why = (f"its oldest line waits {int(seen['freshness_s']) // 60} min" if seen.get("delivered") else
                   f"its last {seen.get('attempts')} deliver{'y' if seen.get('attempts') == 1 else 'ies'} failed")
            head += (f": {why}; Firehose retries for an hour, then keeps what failed in the drain's bucket. "
                     "Check the URL and key, then send a test line")
    else:
        head = f"{icon} *{name}*{where}: {words}"
    lines = [head]
    reason = dep.get("error") if kind in (events.FAILED, events.ROLLED_BACK) else None
    if reason:
        lines.append(f"Reason: {_escape(reason)}")
    if kind == events.AWAITING_APPROVAL:
        lines.append(f"Asked for by {_escape(dep.get('actor') or 'someone')}: an admin or owner approves or rejects it")
    if kind == events.APPROVAL_REMINDER:
        lines.append(f"Asked for by {_escape(dep.get('actor') or 'someone')}: cancelled at {_escape(dep.get('deadline'))} "
                     "unless an admin or owner approves it")
    if kind == events.APPROVAL_EXPIRED:
        lines.append(f"Asked for by {_escape(dep.get('actor') or 'someone')}: cancelled at its deadline; deploy again to ask anew")
    auto = dep.get("auto_rollback") or {}
    if auto:   # the platform rolled a release back on an alert: say which
        lines.append(f"Automatic rollback of release #{auto.get('release')}: "
                     f"{_escape(auto.get('message') or auto.get('rule'))} opened {auto.get('after_minutes')} min after it went live")
    link = data.get("link")
    if link and "://" in link:   # a bare path (no LAUNCHBAY_PUBLIC_URL) is no link in Slack: left out
        label = f"View deployment #{dep['number']}" if dep.get("number") else "View metrics" if alert else "Open"
        if kind in (events.AWAITING_APPROVAL, events.APPROVAL_REMINDER):
            label = f"Review deployment #{dep['number']}"
        lines.append(f"<{link}|{label}>")
    return "\n".join(lines)


def payload(event: dict[str, Any]) -> dict[str, Any]:
    return {"text": text(event)}
