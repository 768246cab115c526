"""E-mail that bounced or was marked as spam, through the real CLI and API: `account show` says the
address is held back (and why), `login` warns, `account resume-email` lifts it (nothing held back:
exit 0 all the same), and `invitations` shows an invitation's e-mail bounced with the receiving
server's words. No worker runs: its parts (sending a queued e-mail, reading the sandbox's bounces)
run in this process, on the same store as the API."""
from __future__ import annotations

import time
import uuid

from chalicelib.core.ids import iso_from_epoch
from chalicelib.mail import feedback
from chalicelib.mail import service as mail
from tests.cli.conftest import PASSWORD, Cli

BOUNCE = "bounce@simulator.amazonses.com"
UNKNOWN = "smtp; 550 5.1.1 user unknown"


def _send_queued(ports, to: str) -> list[str]:
    """What the notify worker does with the e-mails queued to `to`. -> their outcomes."""
    docs, _ = ports.store.collection("emails").find({"to": to, "status": "pending"}, limit=20)
    return [mail.attempt(ports, ports.mailer, d["id"], 1).state for d in docs]


def _e_mail_column(cli) -> str:
    """The E-MAIL column (the last) of the one invitation listed, its lines (a long reason folds) joined."""
    header, *rows = cli("invitations").stdout.splitlines()
    return " ".join(part for row in rows if (part := row[header.index("E-MAIL"):].strip()))


def test_a_bounce_is_shown_then_lifted_with_account_resume_email(cli, account, ports, tmp_path):
    shown = cli("account", "show").stdout
    assert "e-mail delivery: ok" in shown and "resume-email" not in shown
    assert cli("account", "show", "--json").json()["email_delivery"] is None

    feedback.suppress(ports, account.email, "bounce", UNKNOWN, None)
    delivery = cli("account", "show", "--json").json()["email_delivery"]
    assert delivery["suppressed"] is True and delivery["reason"] == "bounce" and delivery["detail"] == UNKNOWN
    today = delivery["since"][:10]
    shown = cli("account", "show").stdout
    assert f"e-mail delivery: held back since {today}: it bounced ({UNKNOWN})" in shown, shown
    assert "Nothing is e-mailed to your address" in shown and "launchbay account resume-email" in shown

    again = Cli(cli.api_url, tmp_path / "again")("login", "--email", account.email, input=PASSWORD + "\n").stdout
    assert f"E-mail to {account.email} is held back since {today}: it bounced ({UNKNOWN})" in again, again
    assert "`launchbay account resume-email`" in again

    lifted = cli("account", "resume-email")
    assert f"E-mail to {account.email} goes out again (it was held back since {today}: it bounced" in lifted.stdout
    assert feedback.suppression(ports, account.email) is None
    assert "e-mail delivery: ok" in cli("account", "show").stdout
    assert cli("account", "show", "--json").json()["email_delivery"] is None
    assert "held back" not in Cli(cli.api_url, tmp_path / "third")("login", "--email", account.email,
                                                                   input=PASSWORD + "\n").stdout

    nothing = cli("account", "resume-email")                      # the API's 404 at `email`: no error here
    assert nothing.exit_code == 0 and f"Nothing was held back: e-mail to {account.email} goes out already" \
        in nothing.stdout
    assert cli("account", "resume-email", "--json").json() == {"email": account.email, "lifted": False,
                                                               "held_back": None}

    feedback.suppress(ports, account.email, "bounce", UNKNOWN, None)
    got = cli("account", "resume-email", "--json").json()
    assert got["email"] == account.email and got["lifted"] is True
    assert got["held_back"]["reason"] == "bounce" and got["held_back"]["detail"] == UNKNOWN


def test_a_complaint_says_you_marked_an_e_mail_as_spam(cli, account, ports, tmp_path):
    feedback.suppress(ports, account.email, "complaint", "marked as spam (abuse)", None)
    shown = cli("account", "show").stdout
    assert "e-mail delivery: held back since " in shown and ": you marked a Launchbay e-mail as spam" in shown, shown
    assert cli("account", "show", "--json").json()["email_delivery"]["reason"] == "complaint"
    login = Cli(cli.api_url, tmp_path / "again")("login", "--email", account.email, input=PASSWORD + "\n").stdout
    assert f"E-mail to {account.email} is held back since " in login and "you marked a Launchbay e-mail as spam" in login
    assert "you marked a Launchbay e-mail as spam" in cli("account", "resume-email").stdout


def test_resume_email_needs_a_login_and_has_examples(cli):
    run = cli("account", "resume-email", ok=False)
    assert run.exit_code == 1 and "not logged in" in run.stderr
    assert "Example" in cli("account", "resume-email", "--help").stdout


def test_an_invitation_that_bounces_shows_bounced_with_the_reason(cli, account, ports):
    inv = cli("members", "invite", BOUNCE, "--role", "viewer", "--json").json()
    assert _send_queued(ports, BOUNCE) == ["sent"]                 # SES took it
    assert _e_mail_column(cli) == "sent"

    assert feedback.receive(ports, ports.mailer)["bounce"] == 1     # the beat's minute: the sandbox's bounce
    assert _e_mail_column(cli) == f"bounced: {UNKNOWN}"
    [listed] = cli("invitations", "--json").json()["items"]
    assert listed["email_status"]["status"] == "bounced" and listed["email_status"]["error"] == UNKNOWN

    # sent again a minute later: held back, SES not asked; the column says why
    ports.store.collection("invitations").update(inv["id"], {"last_sent": iso_from_epoch(time.time() - 120)})
    cli("invitations", "resend", BOUNCE)
    assert _send_queued(ports, BOUNCE) == ["failed"]
    column = _e_mail_column(cli)                                  # (the address may fold mid-word)
    assert column.startswith("failed: not sent: bounce@") and " bounced on 20" in column and f"({UNKNOWN})" in column, \
        column
    [listed] = cli("invitations", "--json").json()["items"]
    assert listed["email_status"]["status"] == "failed"
    assert listed["email_status"]["error"].startswith(f"not sent: {BOUNCE} bounced on ")


def test_a_failed_or_sent_e_mail_column_without_a_reason_is_the_status_alone(cli, account, ports):
    other = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    cli("members", "invite", other, "--role", "viewer")
    assert _e_mail_column(cli) == "pending"
    assert _send_queued(ports, other) == ["sent"]
    assert _e_mail_column(cli) == "sent"
