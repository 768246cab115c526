"""Git webhooks, deploys from source and notifications in the web UI, in chromium against the whole
stack (gunicorn, Celery workers and beat, Redis, the moto sandbox) plus a notify worker and a
local receiver (an http.server thread on 127.0.0.1, allowed in local mode).

A new user creates a service from a local git repository (the sandbox's "GitHub": a repository
under <data dir>/git), subscribes the receiver on the Notifications page (the signing secret shown
once), makes the project's GitHub webhook on the Git & previews page (URL and secret shown once),
has production track main, deploys from the UI (Building phase, live), then pushes a commit: the
delivery signed with the secret the page showed deploys that commit, the deployment shows it, and
the notification log shows deliveries as delivered, signed with the subscription's secret.

Needs `make ui` (ui/dist) and chromium; skipped with the reason otherwise.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.e2e.ui_browser import (
    BROWSER_MARKS,
    deploy_and_wait,
    deployment_badge,
    expect,
    fits_375,
    shot,
    sign_up_with_project,
    watch_errors,
)

pytestmark = BROWSER_MARKS


class Receiver:
    """A webhook receiver on 127.0.0.1: keeps each request's headers and raw body, answers 200."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/launchbay"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[str]:
        return [h.get("launchbay-event", "") for h, _ in self.requests]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def git(path: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True, text=True).stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def push(url: str, secret: str, sha: str, message: str) -> int:
    """A GitHub push delivery to main of acme/shop, signed like GitHub signs it."""
    body = json.dumps({"ref": "refs/heads/main", "after": sha, "repository": {"full_name": "acme/shop"},
                       "head_commit": {"id": sha, "message": message, "author": {"name": "Ann", "username": "ann"}},
                       "sender": {"login": "ann"}}).encode()
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-GitHub-Event": "push", "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": sig})
    with urllib.request.urlopen(req, timeout=30) as r:   # noqa: S310 (the stack's own http://127.0.0.1 URL)
        return r.status


def signed_by(secret: str, headers: dict[str, str], body: bytes) -> bool:
    fields = dict(item.split("=", 1) for item in headers["launchbay-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def test_source_service_webhook_push_and_notifications(page, base, tmp_path, receiver, notify_worker):
    repo = tmp_path / "data" / "git" / "acme" / "shop"   # the sandbox's git root is <data dir>/git
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ann@example.com")
    git(repo, "config", "user.name", "Ann")
    commit(repo, {"Dockerfile": "FROM nginx:1.27\nCOPY index.html /usr/share/nginx/html/\n", "index.html": "hi\n"}, "first")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)

    project_url = sign_up_with_project(page, "git")

    # a service built from the repository; the API's error on the repository sits next to it
    page.get_by_role("link", name="New service").first.click()
    page.get_by_label("Name", exact=True).fill("web")
    page.get_by_label("Deploy from").select_option("git")
    expect(page.get_by_label("Image")).to_have_count(0)
    page.get_by_label("Repository").fill("shop")
    page.get_by_role("button", name="Create service").click()
    expect(page.locator(".field-error").filter(has=page.get_by_label("Repository"))).to_contain_text("owner/name")
    page.get_by_label("Repository").fill("acme/shop")
    page.get_by_label("Build args").fill("GREETING=hello")
    page.get_by_role("button", name="Create service").click()
    expect(page.get_by_test_id("service-source")).to_have_text("acme/shop · branch main · Dockerfile · build args GREETING ")
    svc_url = page.url

    # the receiver subscribes; the signing secret is shown once
    page.goto(project_url)
    page.get_by_role("link", name="Notifications").click()
    expect(page).to_have_url(re.compile(r"/projects/[^/]+/notifications$"))
    expect(page.get_by_text("No subscriptions yet")).to_be_visible()
    page.get_by_role("button", name="Add a subscription").click()
    form = page.get_by_role("form", name="Add a subscription")
    form.get_by_label("URL").fill(receiver.url)
    form.get_by_label("Name").fill("local")
    form.get_by_role("button", name="Subscribe").click()
    once = page.get_by_role("region", name="Signing secret")
    notify_secret = once.get_by_label("Signing secret", exact=True).inner_text()
    assert notify_secret.startswith("whsec_")
    expect(once.get_by_label("Verification code", exact=True)).to_contain_text("hmac.compare_digest")
    shot(page, "notifications-secret")
    fits_375(page, "notifications with the secret shown once")
    once.get_by_role("button", name="I have copied it").click()
    expect(page.get_by_role("article", name="local")).to_contain_text(f"Webhook, signed · to http://127.0.0.1:{receiver.server.server_address[1]}/…")
    assert notify_secret not in page.content()

    # the GitHub webhook: URL and secret once (copied), then production tracks main
    page.goto(project_url)
    # a first visit, before any webhook, makes no failing request: no 4xx answer, no console error
    check_errors = watch_errors(page)
    page.get_by_role("link", name="Git & previews").click()
    expect(page.get_by_text("No webhook yet")).to_be_visible()
    page.wait_for_load_state("networkidle")
    check_errors()
    page.get_by_role("button", name="Set up the GitHub webhook").click()
    panel = page.get_by_role("region", name="Webhook secret")
    hook_url = panel.get_by_label("Payload URL", exact=True).inner_text()
    hook_secret = panel.get_by_label("Secret", exact=True).inner_text()
    assert hook_url.startswith(base + "/v1/hooks/github/prj_"), hook_url
    panel.get_by_role("button", name="Copy secret").click()
    expect(panel.get_by_role("button", name="Copy secret")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == hook_secret
    shot(page, "git-webhook")
    fits_375(page, "the webhook's setup")
    panel.get_by_role("button", name="I have copied it").click()
    assert hook_secret not in page.content()
    expect(page.get_by_text("No deliveries yet")).to_be_visible()
    row = page.get_by_role("table", name="Tracked branches").locator("tr[data-environment=production]")
    row.get_by_label("Branch production tracks").fill("main")
    row.get_by_role("button", name="Save").click()
    expect(row.get_by_role("status")).to_have_text("Tracks main.")

    # a deploy from the UI builds first, then goes live
    page.goto(svc_url)
    deploy_and_wait(page, "live")
    expect(page.locator("[data-phase=building]")).to_have_attribute("data-state", "done")
    expect(page.locator("[data-phase=building] .phase-time")).to_have_text(re.compile(r"^\d+(\.\d)? m?s$"))
    expect(page.locator(".deploy-meta")).to_contain_text("built from acme/shop@main as sha256:")
    fits_375(page, "a deployment from source (its image has a long digest)")

    # a push of a new commit, signed with the secret the page showed, deploys that commit
    sha = commit(repo, {"index.html": "hello\n"}, "Fix the checkout\n\nmore words")
    assert push(hook_url, hook_secret, sha, "Fix the checkout\n\nmore words") == 202
    page.goto(project_url + "/git")
    delivery = page.get_by_role("table", name="Recent deliveries").locator("tbody tr").first
    expect(delivery).to_contain_text("Deployed 1 service of production from main", timeout=30_000)
    delivery.get_by_role("link", name="deployment 1").click()
    expect(deployment_badge(page)).to_have_attribute("data-status", "live", timeout=90_000)
    expect(page.locator(".commit").first).to_have_text(f"{sha[:7]} Fix the checkout · ann")
    page.goto(svc_url)
    expect(page.get_by_role("link", name=re.compile(r"^#2")).first).to_contain_text(sha[:7])

    # the notification log: the deploys' events delivered to the receiver, signed with the secret shown once
    page.goto(project_url + "/notifications")
    card = page.get_by_role("article", name="local")
    card.get_by_role("button", name="Deliveries").click()
    log = card.get_by_role("table", name="Deliveries")
    live = log.locator("tbody tr").filter(has_text="deployment.live")
    expect(live).to_have_count(2, timeout=30_000)
    for i in range(2):
        expect(live.nth(i).locator("[data-status]")).to_have_attribute("data-status", "delivered", timeout=30_000)
    expect(live.first).to_contain_text("HTTP 200")
    expect(log.locator("tbody tr").filter(has_text="deployment.building")).to_have_count(2)
    shot(page, "notifications-log")
    fits_375(page, "the delivery log")
    deadline = time.time() + 10
    while receiver.events().count("deployment.live") < 2 and time.time() < deadline:
        time.sleep(0.2)
    lives = [(h, b) for h, b in receiver.requests if h.get("launchbay-event") == "deployment.live"]
    assert len(lives) == 2, receiver.events()
    assert all(signed_by(notify_secret, h, b) for h, b in lives)
    last = json.loads(lives[-1][1])
    assert last["data"]["deployment"]["commit"]["sha"] == sha, last

    # Send test: a new delivery appears and settles delivered
    card.get_by_role("button", name="Send test").click()
    test_row = log.locator("tbody tr").filter(has_text="notification.test")
    expect(test_row.locator("[data-status]")).to_have_attribute("data-status", "delivered", timeout=30_000)
