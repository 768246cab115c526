"""Browser fixtures shared by the UI end-to-end tests (tests/e2e/test_ui_*.py; conftest.py exposes base and page): a whole stack
(ui_stack) per test, Debian's chromium driven by Playwright, screenshots and a deploy helper.
Never `playwright install`: we launch /usr/bin/chromium."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.e2e.ui_stack import DIST, ROOT, stack_env, ui_stack

CHROMIUM = os.environ.get("LAUNCHBAY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# The README's screenshots are refreshed only when asked (LAUNCHBAY_SCREENSHOTS=1 make test-ui):
# an ordinary run must not rewrite tracked files. Otherwise they go to a scratch folder.
SHOTS = ROOT / "docs" / "screenshots" if os.environ.get("LAUNCHBAY_SCREENSHOTS") else \
    Path(tempfile.gettempdir()) / "launchbay-ui-screenshots"

# Each test module sets `pytestmark = BROWSER_MARKS`.
BROWSER_MARKS = [
    pytest.mark.skipif(not (DIST / "index.html").exists(), reason="ui/dist is missing: run `make ui`"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (make test installs it with apt-get)"),
]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
# CI machines are shared and loaded: a screen's second query can take seconds there (default 5 s)
expect.set_options(timeout=15_000)
# LAUNCHBAY_UI_CPU_THROTTLE=4: the page runs 4 times slower (Chrome's CPU throttling), as on a slow
# CI machine; races between the test and the screen that a fast machine never loses show up here.
CPU_THROTTLE = float(os.environ.get("LAUNCHBAY_UI_CPU_THROTTLE") or 1)


@pytest.fixture
def base(launchbay_env, tmp_path):
    env = stack_env(launchbay_env["REDIS_URL"], launchbay_env["AWS_ENDPOINT_URL"], str(tmp_path / "data"))
    # launchbay_env's teardown forgets the Redis keys of its own prefix: use that one
    env["LAUNCHBAY_QUEUE_PREFIX"] = launchbay_env["LAUNCHBAY_QUEUE_PREFIX"]
    with ui_stack(env) as url:
        yield url


@pytest.fixture
def page(base):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 860})
        pg = context.new_page()
        if CPU_THROTTLE > 1:   # kept across the page's navigations
            context.new_cdp_session(pg).send("Emulation.setCPUThrottlingRate", {"rate": CPU_THROTTLE})
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.set_default_timeout(20_000)
        yield pg
        browser.close()
        assert not errors, f"JavaScript errors in the page: {errors}"


def watch_errors(page):
    """Collect the page's console errors and 4xx/5xx answers from now on -> check(): stop
    collecting and assert there were none (a page must not fail a request or log an error)."""
    console: list[str] = []
    failed: list[str] = []
    on_console = lambda m: console.append(m.text) if m.type == "error" else None  # noqa: E731
    on_response = lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None  # noqa: E731
    page.on("console", on_console)
    page.on("response", on_response)

    def check() -> None:
        page.remove_listener("console", on_console)
        page.remove_listener("response", on_response)
        assert not failed and not console, (failed, console)
    return check


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def deployment_badge(page):
    """The status badge in the deployment page's own heading ("Deployment #N of web").

    Not `h1 .badge`: on a client-side move to a deployment the address changes at once, but the
    previous screen stays until the deployment page's code has loaded (the router renders the
    new route in a React transition). From a service page that screen's h1 carries the *service's*
    status, "live" from the last release, so a wait for a live h1 badge could end before the new
    deployment had even started (on a slow machine; LAUNCHBAY_UI_CPU_THROTTLE=4 shows it here)."""
    return page.get_by_role("heading", name=re.compile(r"^Deployment #\d+ of ")).locator(".badge")


def deploy_and_wait(page, final: str, timeout: int = 90_000):
    """Deploy from a service page: Deploy opens the plan, "Deploy now" confirms it."""
    page.get_by_role("button", name="Deploy", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("^Deploy "))
    expect(dialog.get_by_role("list", name="What this deploy does")).to_be_visible(timeout=30_000)   # the plan first
    dialog.get_by_role("button", name="Deploy now").click()
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    expect(deployment_badge(page)).to_have_attribute("data-status", final, timeout=timeout)
    return page.url


def sign_up(page, email: str, password: str = "a long password", org: str = "Acme") -> None:
    """Sign up through the form, creating organization `org`, and wait for its home page."""
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Organization").fill(org)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name=org, level=1)).to_be_visible()


def sign_up_with_project(page, prefix: str, project: str = "shop") -> str:
    """A new user (e-mail `<prefix>-…@example.com`) with organization Acme and an empty project,
    through the screens -> the project page's URL."""
    import uuid

    sign_up(page, f"{prefix}-{uuid.uuid4().hex[:6]}@example.com")
    page.get_by_label("New project").fill(project)
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_text("No services yet")).to_be_visible()
    return page.url


def invitation_token(data_dir, to: str) -> str:
    """The token of the newest invitation e-mailed to `to`, read from the stack's sandbox mailbox
    (<data dir>/mail; the `notify_worker` fixture sends it): a person joins by signing up or
    logging in with it, as its links do."""
    from tests.support import mailbox

    return mailbox.token_of(mailbox.wait_mail(data_dir, to, "invited you")[-1], "/signup", "invitation")


def create_web_service(page, name: str = "web", image: str = "nginx:1.27") -> str:
    """From a project page: New service, a web service from an image -> the service page's URL."""
    link = page.get_by_role("link", name="New service").first
    link.click()
    try:
        expect(page.get_by_role("heading", name="New service")).to_be_visible(timeout=10_000)
    except AssertionError:   # the click raced the project page's re-render (its role arriving): once more
        link.click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Image").fill(image)
    page.get_by_role("button", name="Create service").click()
    expect(page.get_by_role("heading", name=re.compile("^" + re.escape(name)))).to_be_visible()
    return page.url


def fits_375(page, screen: str) -> None:
    """The screen at 375 px wide does not scroll sideways (as tests/e2e/test_ui_mobile.py checks the others)."""
    page.set_viewport_size({"width": 375, "height": 740})
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 860})
    assert width <= 375, f"{screen}: {width} px wide at 375 px"
