"""The pieces of notifications that need no services: signatures, the SSRF guard, Slack's
text, the backoff, the events filter."""
from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from chalicelib.notify import delivery, events, signing, slack, urls
from chalicelib.notify.models import SubscriptionIn


def test_signature_round_trip_and_what_it_refuses():
    secret, body = signing.new_secret(), b'{"type":"deployment.live"}'
    header = signing.sign(secret, body)
    t = signing.verify(secret, body, header)
    # the documented recipe (README "Notifications") gives the same digest
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert header == f"t={t},v1={mac}"
    for bad_body, bad_secret in ((body + b" ", secret), (body, signing.new_secret())):
        with pytest.raises(signing.InvalidSignature):
            signing.verify(bad_secret, bad_body, header)
    old = signing.sign(secret, body, timestamp=int(time.time()) - 301)
    with pytest.raises(signing.InvalidSignature, match="tolerance"):
        signing.verify(secret, body, old)
    with pytest.raises(signing.InvalidSignature):
        signing.verify(secret, body, "v1=abc")
    # several v1 entries (Stripe's scheme): one matching is enough
    assert signing.verify(secret, body, header + ",v1=" + "0" * 64) == t


@pytest.mark.parametrize("url", [
    "http://example.com/hook",                  # not https
    "https://10.0.0.5/hook", "https://192.168.1.1/", "https://172.16.0.1/",
    "https://169.254.169.254/latest/meta-data",  # the metadata endpoint
    "https://[fe80::1]/", "https://[::ffff:10.0.0.1]/", "https://0.0.0.0/", "https://224.0.0.1/",
    "https://user:pw@example.com/", "ftp://example.com/", "https://", "not a url",
])
def test_guard_refuses_everywhere(url):
    for local in (True, False):
        with pytest.raises(urls.Refused):
            urls.check_url(url, local)


def test_loopback_only_in_local_mode():
    for url in ("http://127.0.0.1:9000/hook", "http://localhost:9000/", "https://[::1]/x"):
        urls.check_url(url, local=True)
        with pytest.raises(urls.Refused, match="loopback"):
            urls.check_url(url, local=False)
    assert urls.check_url("https://hooks.example.com/a?b=1", local=False).path == "/a?b=1"


def test_resolution_is_checked_at_delivery_time():
    # a name passes the save-time check (no DNS there) but resolves to loopback: refused outside local mode
    target = urls.check_url("https://localhost.localdomain.example/", local=False)
    with pytest.raises(LookupError):
        urls.resolve(target, local=False)
    loop = urls.parse("https://localhost/")
    with pytest.raises(urls.Refused, match="resolves to a refused address"):
        urls.resolve(loop, local=False)
    assert urls.resolve(loop, local=True) in ("127.0.0.1", "::1")


def test_local_mode_is_the_sandbox_outside_prod():
    class S:
        sandbox, stage = True, "dev"
    assert urls.local_mode(S())
    S.stage = "prod"
    assert not urls.local_mode(S())
    S.stage, S.sandbox = "dev", False
    assert not urls.local_mode(S())


def test_slack_text_is_readable():
    event = {"type": events.ROLLED_BACK, "data": {
        "service": {"name": "web"}, "environment": "staging", "link": "https://lb.example.com/orgs/o/deployments/d",
        "deployment": {"number": 7, "image": "nginx:1.27", "error": "health check failed <3 times>"}}}
    text = slack.text(event)
    assert text.splitlines() == [
        ":leftwards_arrow_with_hook: *web* (staging) was rolled back: deployment #7, image nginx:1.27",
        "Reason: health check failed &lt;3 times&gt;",
        "<https://lb.example.com/orgs/o/deployments/d|View deployment #7>"]
    assert "this subscription works" in slack.text({"type": events.TEST, "data": {}})
    # without LAUNCHBAY_PUBLIC_URL the link is a path, which Slack cannot open: no link then
    path_only = {**event, "data": {**event["data"], "link": "/orgs/o/deployments/d"}}
    assert slack.text(path_only).splitlines() == text.splitlines()[:2]
    preview = {"type": events.PREVIEW_CREATED, "data": {"name": "pr-42", "link": "https://pr-42.example.com"}}
    assert slack.text(preview) == ":eyes: *pr-42*: preview environment created\n<https://pr-42.example.com|Open>"


def test_slack_text_of_an_automatic_rollback_says_which_alert():
    event = {"type": events.LIVE, "data": {"service": {"name": "web"}, "environment": "production", "link": "/x",
             "deployment": {"number": 3, "image": "nginx:1.27", "auto_rollback": {
                 "release": 2, "message": "5xx responses 31 % over 5 min (threshold 5 %)", "after_minutes": 4}}}}
    assert slack.text(event).splitlines() == [
        ":white_check_mark: *web* (production) is live: deployment #3, image nginx:1.27",
        "Automatic rollback of release #2: 5xx responses 31 % over 5 min (threshold 5 %) opened 4 min after it went live"]


def test_slack_text_of_an_alert_says_what_crossed_which_line():
    link = "https://lb.example.com/orgs/o/services/s/metrics"
    opened = {"type": events.ALERT_OPENED, "data": {
        "service": {"name": "web"}, "environment": "production", "link": link,
        "alert": {"rule": "http_5xx_rate", "message": "5xx responses 62 % over 5 min (threshold 5 %)"}}}
    assert slack.text(opened).splitlines() == [
        ":rotating_light: *web* (production) alert: 5xx responses 62 % over 5 min (threshold 5 %)",
        f"<{link}|View metrics>"]
    resolved = {"type": events.ALERT_RESOLVED, "data": {**opened["data"], "link": "/orgs/o/services/s/metrics",
                                                          "alert": {"message": "back to <1 %"}}}
    assert slack.text(resolved) == ":large_green_circle: *web* (production) alert resolved: back to &lt;1 %"


def test_backoff_grows_and_stays_under_the_visibility_timeout():
    waits = [delivery.backoff(n) for n in range(1, delivery.MAX_ATTEMPTS)]
    assert waits == [2, 8, 32, 100, 100]


def test_events_filter():
    assert SubscriptionIn(kind="webhook", url="https://x.example").events == ["*"]
    sub = SubscriptionIn(kind="slack", url="https://x.example", events=[events.LIVE, events.FAILED, events.LIVE])
    assert sub.events == [events.LIVE, events.FAILED]
    assert events.wanted(sub.events, events.LIVE) and not events.wanted(sub.events, events.STARTED)
    assert events.wanted(sub.events, events.TEST)  # the test send always goes
    with pytest.raises(ValueError, match="unknown event type"):
        SubscriptionIn(kind="webhook", url="https://x.example", events=["deployment.exploded"])


def test_the_readme_recipe_verifies_what_launchbay_signs():
    """The six lines receivers copy from README.md ("Notifications") accept our signature and
    nothing else."""
    import re
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2] / "README.md"
    section = readme.read_text().split("## Notifications", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) == 6
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # nosec B102  # our own README's example
    secret, body = signing.new_secret(), b'{"type":"deployment.failed"}'
    header = signing.sign(secret, body)
    assert scope["verify"](secret, body, header) is True
    assert scope["verify"](secret, body + b"x", header) is False
    assert scope["verify"](signing.new_secret(), body, header) is False
    assert scope["verify"](secret, body, signing.sign(secret, body, timestamp=int(time.time()) - 600)) is False


def test_slack_text_of_a_suspended_and_a_resumed_service():
    data = {"service": {"name": "web"}, "environment": "staging", "link": "https://lb.example.com/orgs/o/services/s"}
    assert slack.text({"type": events.SERVICE_SUSPENDED, "data": data}).splitlines() == [
        ":double_vertical_bar: *web* (staging) was suspended", "<https://lb.example.com/orgs/o/services/s|Open>"]
    assert slack.text({"type": events.SERVICE_RESUMED, "data": data}).splitlines()[0] == \
        ":arrow_forward: *web* (staging) was resumed"


def test_slack_text_of_maintenance_on_and_off():
    data = {"service": {"name": "web"}, "environment": "production", "link": "https://lb.example.com/orgs/o/services/s",
            "maintenance": {"message": "Back at <14:00>", "by": "ana@acme.io"}}
    assert slack.text({"type": events.SERVICE_MAINTENANCE, "data": data}).splitlines()[0] == \
        ':construction: *web* (production) is in maintenance: visitors get "Back at &lt;14:00&gt;" (by ana@acme.io)'
    assert slack.text({"type": events.SERVICE_MAINTENANCE_OVER, "data": {**data, "maintenance": None}}).splitlines()[0] == \
        ":white_check_mark: *web* (production) is out of maintenance"


def test_teams_gets_an_adaptive_card_with_the_slack_words_in_markdown():
    from chalicelib.notify import teams

    data = {"service": {"name": "web"}, "environment": "production", "link": "https://lb.example.com/orgs/o/services/s",
            "maintenance": {"message": "Back at <14:00>", "by": "ana@acme.io"}}
    card = teams.payload({"type": events.SERVICE_MAINTENANCE, "data": data})
    assert card["type"] == "message"
    content = card["attachments"][0]["content"]
    assert card["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert content["body"][0]["text"] == '**web** (production) is in maintenance: visitors get "Back at <14:00>" (by ana@acme.io)'
    assert content["actions"] == [{"type": "Action.OpenUrl", "title": "Open in Launchbay",
                                   "url": "https://lb.example.com/orgs/o/services/s"}]
