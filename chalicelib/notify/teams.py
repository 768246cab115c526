"""The message a Microsoft Teams channel gets through a Workflows webhook ("When a Teams webhook
request is received", or the older incoming-webhook connector): one Adaptive Card with the same
words as Slack's text (notify/slack.py), its first line as the title and a button to the page.

Slack's mrkdwn becomes Teams' markdown: *bold* -> **bold**, <url|label> -> [label](url), and the
emoji shortcodes that lead each line are dropped (Teams shows them as text).
"""
from __future__ import annotations

from typing import Any

from chalicelib.notify import slack


def _markdown(line: str) -> str:
    line = slack.ICON.sub("", line)
    line = slack.LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", line)
    line = slack.BOLD.sub(lambda m: f"**{m.group(1)}**", line)
    return slack.unescape(line)   # Teams' markdown shows the escapes as written


def payload(event: dict[str, Any]) -> dict[str, Any]:
    lines = slack.text(event).splitlines()
    link = next((m.group(1) for ln in lines for m in [slack.LINK.search(ln)] if m), None)
    body_lines = [ln for ln in lines[1:] if not (slack.LINK.fullmatch(ln.strip()))]
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": _markdown(lines[0]) if lines else "Launchbay",
                                   "weight": "Bolder", "wrap": True}]
    body += [{"type": "TextBlock", "text": _markdown(ln), "wrap": True, "spacing": "Small"} for ln in body_lines]
    card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                            "version": "1.4", "body": body}
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in Launchbay", "url": link}]
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                "contentUrl": None, "content": card}]}
