"""What each e-mail says: plain text first (every client shows it), and the same in simple HTML."""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlencode


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: Optional[str] = None


FOOTER = "Launchbay: your containers, in your AWS account."


def _html(paragraphs: list[str], link: Optional[tuple[str, str]] = None) -> str:
    """Paragraphs (plain text, escaped here) and one button-like link."""
    out = [f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs]
    if link:
        label, url = link
        out.insert(1, f'<p><a href="{html.escape(url, quote=True)}" style="display:inline-block;padding:10px 16px;'
                      f'background:#1f4fd1;color:#fff;text-decoration:none;border-radius:6px">{html.escape(label)}</a></p>')
    out.append(f'<p style="color:#666;font-size:12px">{html.escape(FOOTER)}</p>')
    return "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">" + "".join(out) + "</body></html>"


def password_reset(email: str, link: str, minutes: int, source_ip: str) -> Message:
    where = f" (asked from {source_ip})" if source_ip else ""
    lines = [f"Someone asked to reset the password of the Launchbay account {email}{where}.",
             f"Choose a new password here (the link works once, within {minutes} minutes):\n{link}",
             "If it was not you, ignore this e-mail: your password stays as it is."]
    return Message("Reset your Launchbay password", "\n\n".join(lines + [FOOTER]) + "\n",
                   _html([lines[0], f"The link works once, within {minutes} minutes.", lines[2]],
                         ("Choose a new password", link)))


def password_changed(email: str, how: str, when: str, source_ip: str, forgot_link: str) -> Message:
    where = f", from {source_ip}" if source_ip else ""
    lines = [f"The password of the Launchbay account {email} was changed {how} at {when}{where}.",
             "Every session was signed out and every API token revoked.",
             f"If it was not you, choose a new password now:\n{forgot_link}"]
    return Message("Your Launchbay password was changed", "\n\n".join(lines + [FOOTER]) + "\n",
                   _html(lines[:2] + ["If it was not you, choose a new password now."],
                         ("Reset the password", forgot_link)))


def invitation(email: str, inviter: str, org_name: str, role: str, base: str, expires: str, token: str) -> Message:
    """Its links carry the invitation's token: only whoever reads this address can join with it."""
    signup = f"{base}/signup?{urlencode({'email': email, 'invitation': token})}"
    login = f"{base}/login?{urlencode({'email': email, 'invitation': token})}"
    lines = [f"{inviter} invited {email} to the organization {org_name} on Launchbay, as {role}.",
             f"New to Launchbay? Sign up with this address (no organization to name: you join {org_name}):\n{signup}",
             f"Have an account with this address? Log in here, and you are in:\n{login}",
             f"The invitation is valid until {expires[:10]}. Its links are yours alone: do not forward them."]
    return Message(f"{inviter} invited you to {org_name} on Launchbay", "\n\n".join(lines + [FOOTER]) + "\n",
                   _html([lines[0], f"Have an account with this address? Log in here: {login}", lines[3]],
                         ("Join " + org_name, signup)))


def verify_address(email: str, link: str, days: int) -> Message:
    lines = [f"Confirm that {email} is your address on Launchbay:\n{link}",
             f"The link works within {days} days. Until then, invitations to this address and e-mails about "
             "deploys wait: confirming it proves they reach the right person.",
             "If you did not sign up for Launchbay, ignore this e-mail."]
    return Message("Confirm your e-mail address for Launchbay", "\n\n".join(lines + [FOOTER]) + "\n",
                   _html([f"Confirm that {email} is your address on Launchbay.", lines[1], lines[2]],
                         ("Confirm my address", link)))


def email_change_link(old: str, new: str, link: str, hours: int) -> Message:
    lines = [f"Confirm that {new} is your new address on Launchbay (it is {old} now):\n{link}",
             f"The link works within {hours} hours. Once you follow it, you sign in with {new}, and every "
             "log-in session ends.",
             "If you did not ask for this, ignore this e-mail: nothing changes."]
    return Message("Confirm your new e-mail address for Launchbay", "\n\n".join(lines + [FOOTER]) + "\n",
                   _html([f"Confirm that {new} is your new address on Launchbay (it is {old} now).", lines[1], lines[2]],
                         ("Confirm my new address", link)))


def email_change_requested(old: str, new: str, when: str, source_ip: str, account_link: str) -> Message:
    where = f", from {source_ip}" if source_ip else ""
    lines = [f"A change of the address of the Launchbay account {old} to {new} was asked for at {when}{where}.",
             f"Nothing changes until a link e-mailed to {new} is followed.",
             f"If it was not you, cancel it and change your password now:\n{account_link}"]
    return Message("A change of your Launchbay e-mail address was asked for", "\n\n".join(lines + [FOOTER]) + "\n",
                   _html(lines[:2] + ["If it was not you, cancel it and change your password now."],
                         ("Open my account", account_link)))


def email_changed(old: str, new: str, when: str, source_ip: str) -> Message:
    where = f", from {source_ip}" if source_ip else ""
    lines = [f"The Launchbay account {old} now signs in with {new}, since {when}{where}.",
             "Every log-in session was signed out. This address gets no more e-mail about the account.",
             "If it was not you, someone knew your password and reads that address: tell your organizations' "
             "owners now, who can remove the account from them (Members)."]
    return Message("Your Launchbay e-mail address was changed", "\n\n".join(lines + [FOOTER]) + "\n",
                   _html(lines))


def account_deleted(email: str, when: str, source_ip: str) -> Message:
    where = f", from {source_ip}" if source_ip else ""
    lines = [f"The Launchbay account {email} was deleted at {when}{where}, with its password.",
             "It left its organizations; its sessions and API tokens ended. Nothing more will be sent about it.",
             "If it was not you, someone knew your password: tell your organizations' owners."]
    return Message("Your Launchbay account was deleted", "\n\n".join(lines + [FOOTER]) + "\n", _html(lines))


def org_deleted(org_name: str, by: str, when: str) -> Message:
    lines = [f"The Launchbay organization {org_name} was deleted by {by} at {when}.",
             "Its members, invitations and API tokens limited to it are gone, and its deploy history, logs "
             "and audit log are being deleted. Your account and your other organizations stay.",
             "If this was not expected, ask its other owners what happened."]
    return Message(f"The Launchbay organization {org_name} was deleted", "\n\n".join(lines + [FOOTER]) + "\n",
                   _html(lines))


def notification(title: str, text: str, link: Optional[str]) -> Message:
    body = text + (f"\n\n{link}" if link else "")
    return Message(title, body + "\n\n" + FOOTER + "\n", _html([text], ("Open in Launchbay", link) if link else None))
