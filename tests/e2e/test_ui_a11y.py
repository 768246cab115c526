"""The web UI for a keyboard and a screen reader, in chromium against the whole stack.

- Every screen passes the in-page check of tests/e2e/ui_a11y.py (labels, names, one h1 and
  headings in order, table headers, named dialogs, ids): sign in, sign up, projects, a project,
  new service, each service tab, the Deploy dialog, the deployment page, the search palette,
  members, AWS accounts, audit, tokens, account, resources, git, notifications.
- Keyboard only: the first Tab is "Skip to content", to the h1, the next Tab is Deploy (every stop
  with a visible focus outline),
  Enter opens the plan with focus on "Deploy now", Tab stays inside the dialog, Escape closes it
  and focus is back on Deploy; Enter, Enter deploys.
- Failure paths: a first deploy that crashes says so, that nothing serves traffic, links the
  service's logs and offers Deploy again; the API unreachable or answering 503 gives a page with
  its heading, the reason in words and Try again; an expired session (401) asks to sign in and
  then returns to the page that was open.

Needs `make ui` and chromium, like test_ui_e2e.py. About 60 s.
"""
from __future__ import annotations

import re
import uuid

# the `page` (and `base`) fixtures come from tests/e2e/conftest.py, out of ui_browser.py
from tests.e2e.ui_a11y import assert_accessible, tab_to
from tests.e2e.ui_browser import BROWSER_MARKS, create_web_service, deployment_badge, expect, shot

pytestmark = BROWSER_MARKS

FOCUSED_IS = "(name) => document.activeElement?.textContent?.trim() === name"


def _sign_up(page, prefix: str) -> tuple[str, str]:
    """A new user with organization Acme and project shop -> (email, the project page's URL)."""
    email = f"{prefix}-{uuid.uuid4().hex[:6]}@example.com"
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a long password")
    page.get_by_label("Organization").fill("Acme")
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("New project").fill("shop")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_text("No services yet")).to_be_visible()
    return email, page.url


def _inside_dialog(page) -> bool:
    return bool(page.evaluate("() => !!document.activeElement?.closest('[role=dialog]')"))


def test_every_screen_and_a_keyboard_only_deploy(page):
    for path in ("/login", "/signup"):
        page.goto(path)
        assert_accessible(page, path)
    _, project_url = _sign_up(page, "a11y")
    org_url = re.sub(r"/projects/.*", "", project_url)
    assert_accessible(page, "project")
    page.get_by_role("link", name="New service").first.click()
    expect(page.get_by_label("Name", exact=True)).to_be_visible()
    assert_accessible(page, "new service")
    page.goto(project_url)
    svc_url = create_web_service(page)

    # keyboard only, from the top of the service page
    page.goto(svc_url)
    expect(page.get_by_role("button", name="Deploy", exact=True)).to_be_visible()
    assert page.title() == "web · Launchbay"
    page.keyboard.press("Tab")             # the first stop skips the top bar
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=re.compile("^web"))).to_be_focused()
    assert tab_to(page, lambda p: p.evaluate(FOCUSED_IS, "Deploy")) == 1
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Deploy web?")
    expect(dialog).to_be_visible()
    assert dialog.get_attribute("aria-modal") == "true"
    expect(dialog.get_by_role("button", name="Deploy now")).to_be_focused(timeout=30_000)   # once the plan is read
    assert_accessible(page, "deploy dialog")
    for _ in range(8):                     # more stops than the dialog has: Tab never leaves it
        page.keyboard.press("Tab")
        assert _inside_dialog(page), "Tab left the open dialog"
    page.keyboard.press("Shift+Tab")
    assert _inside_dialog(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Deploy", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("button", name="Deploy now")).to_be_focused(timeout=30_000)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    expect(deployment_badge(page)).to_have_attribute("data-status", "live", timeout=90_000)
    # the end is said once: by the log followed here ("Deploy finished: live."), or by the page's
    # status line when the deployment had ended before the page first read it
    ended = re.compile(r"^(Deploy finished: live\.|Deployment #1 is live\.)$")
    expect(page.get_by_role("status").filter(has_text=ended)).to_have_count(1)
    assert_accessible(page, "deployment")

    for tab in ("", "/logs", "/variables", "/resources", "/settings", "/domain", "/runs", "/metrics"):
        page.goto(svc_url + tab)
        expect(page.get_by_role("heading", level=1, name=re.compile("^web"))).to_be_visible()
        assert_accessible(page, "service" + tab)

    # the search palette by keyboard: Ctrl-K, Escape, focus back where it was
    page.goto(svc_url)
    deploy = page.get_by_role("button", name="Deploy", exact=True)
    deploy.focus()
    page.keyboard.press("Control+k")
    expect(page.get_by_role("combobox", name="Search")).to_be_focused()
    assert_accessible(page, "search")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Search")).to_be_hidden()
    expect(deploy).to_be_focused()

    for path in ("", "/members", "/aws-accounts", "/audit"):
        page.goto(org_url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, path or "projects")
    for path in ("/resources", "/git", "/notifications"):
        page.goto(project_url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, "project" + path)
    for path in ("/tokens", "/account"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, path)


def test_failures_say_what_happened_and_what_to_do(page):
    email, _ = _sign_up(page, "fail")
    svc_url = create_web_service(page, name="broken")
    page.goto(svc_url + "/variables")
    page.get_by_label("Environment variables").fill("LAUNCHBAY_SANDBOX_FAIL=crash")
    page.get_by_role("button", name="Save variables").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()

    # a first deploy that crashes: what failed, that nothing serves, where to look, Deploy again
    page.goto(svc_url)
    page.get_by_role("button", name="Deploy", exact=True).click()
    page.get_by_role("dialog", name="Deploy broken?").get_by_role("button", name="Deploy now").click()
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    expect(deployment_badge(page)).to_have_attribute("data-status", "failed", timeout=90_000)
    alert = page.get_by_role("region", name="This deployment failed.")   # a region read in order, not an alert
    expect(alert.get_by_role("heading", level=2)).to_have_text("This deployment failed.")
    expect(alert.get_by_role("heading", level=3)).to_have_text("What to do")
    expect(alert).to_contain_text("container exited with code 1")
    expect(alert).to_contain_text("Nothing was live before, so there was nothing to roll back to")
    expect(alert.get_by_role("link", name="the service's logs")).to_have_attribute("href", re.compile(r"/services/svc_\w+/logs$"))
    expect(page.get_by_role("log")).to_contain_text("no rollback")
    shot(page, "a11y-deployment-failed")
    again = alert.get_by_role("button", name="Deploy again")
    again.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Deploy broken?")
    expect(dialog.get_by_role("button", name="Deploy now")).to_be_focused(timeout=30_000)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(again).to_be_focused()
    alert.get_by_role("link", name="the service's logs").click()
    expect(page.get_by_role("log", name=re.compile("Run-time log"))).to_be_visible()

    # the API unreachable, then answering 503 (a proxy's page, no JSON): the page says so, Try again
    service_api = re.compile(r"/v1/orgs/[^/]+/services/svc_[A-Za-z0-9]+$")
    page.route(service_api, lambda route: route.abort("connectionrefused"))
    page.goto(svc_url)
    expect(page.get_by_role("heading", level=1, name="Cannot show this service")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("alert")).to_contain_text("Cannot reach Launchbay's API")
    shot(page, "a11y-api-down")
    page.unroute(service_api)
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("^broken"))).to_be_visible()
    page.route(service_api, lambda route: route.fulfill(status=503, content_type="text/html", body="<h1>503 Service Unavailable</h1>"))
    page.goto(svc_url)
    expect(page.get_by_role("alert")).to_contain_text("not answering right now (HTTP 503)", timeout=30_000)
    page.unroute(service_api)

    # the session ended elsewhere (401): sign in again, back on the page that was open
    page.evaluate("localStorage.setItem('launchbay.token', 'lb_not_a_session')")
    page.goto(svc_url + "/settings")
    expect(page.get_by_role("heading", name="Sign in to Launchbay")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Your session ended. Sign in again to go back to where you were.")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a long password")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(svc_url + "/settings") + "$"))
    expect(page.get_by_role("heading", level=1, name=re.compile("^broken"))).to_be_visible()
