"""The e-mail a notification becomes: Slack's words (notify/slack.py) as plain text, the first
line as the subject and the link as a button; sent to the subscription's addresses that still
belong to members of the organization (someone who left stops getting a project's news)."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.mail.messages import Message, notification
from chalicelib.notify import slack

MAX_SUBJECT = 150


def _plain(line: str) -> str:
    return slack.unescape(slack.BOLD.sub(lambda m: m.group(1), slack.ICON.sub("", line)))


def message(event: dict[str, Any]) -> Message:
    lines = slack.text(event).splitlines()
    link: Optional[str] = None
    words = []
    for line in lines:
        found = slack.LINK.fullmatch(line.strip())
        if found:
            link = found.group(1)
        else:
            words.append(_plain(line))
    page = (event.get("data") or {}).get("link")
    if link is None and isinstance(page, str) and page.startswith("/"):   # no LAUNCHBAY_PUBLIC_URL: the path, in words
        words.append(f"In Launchbay: {page}")
    subject = words[0] if words else "Launchbay notification"
    if len(subject) > MAX_SUBJECT:
        subject = subject[:MAX_SUBJECT - 1] + "…"
    return notification(subject, "\n".join(words), link)


def member_addresses(store: Any, org_id: str, addresses: list[str]) -> tuple[list[str], list[str]]:
    """-> (addresses of members of the organization who confirmed them, the others), each in the
    order given. An unconfirmed address may be someone else's (anyone can sign up with any): a
    project's news must not become a way to mail strangers."""
    members: list[str] = []
    others: list[str] = []
    for address in addresses:
        user = store.collection("users").find_one({"email": address})
        member = (user is not None and bool(user.get("email_verified"))
                  and store.collection("memberships").find_one({"org_id": org_id, "user_id": user["id"]}))
        (members if member else others).append(address)
    return members, others
