"""The web UI in a real browser (Debian's chromium driven by Playwright) against the whole
stack: gunicorn serving the API and the built UI from one origin, Celery workers, beat, Redis
and the moto sandbox. A new user signs up, creates a web service, sets a secret, deploys and
watches it go live (after the plan of what the deploy creates), makes a deploy fail and sees the reason and the automatic rollback, rolls
back by hand and finds the deployment with Ctrl-K. Screenshots go to docs/screenshots/.

Needs `make ui` (ui/dist) and chromium (`make test` provides both); skipped with the reason
otherwise. Never `playwright install`: we launch /usr/bin/chromium.
"""
from __future__ import annotations

import re
import uuid

from tests.e2e.ui_browser import BROWSER_MARKS, deploy_and_wait, deployment_badge, expect, shot

pytestmark = BROWSER_MARKS


def test_signup_create_deploy_fail_rollback_and_search(page, base):
    # the SPA answers deep links from the API's origin; signed out, it asks to sign in
    page.goto("/orgs/nope/services/nope")
    expect(page.get_by_role("heading", name="Sign in to Launchbay")).to_be_visible()
    expect(page.get_by_text("Sandbox:")).to_have_count(0)  # not signed in: no app frame yet

    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill(f"ui-{uuid.uuid4().hex[:6]}@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_label("Organization").fill("Acme")
    page.get_by_role("button", name="Create account").click()
    # the API's 422 for the password is shown next to the password field
    expect(page.locator(".field-error").filter(has=page.get_by_label("Password"))).to_contain_text("10")
    page.get_by_label("Password").fill("a long password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Acme")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Sandbox")).to_be_visible()
    expect(page.get_by_text("No projects yet")).to_be_visible()

    page.get_by_label("New project").fill("shop")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_text("No services yet")).to_be_visible()
    page.get_by_role("link", name="New service").first.click()

    # field errors from the API next to their fields
    page.get_by_label("Name", exact=True).fill("Web!")
    page.get_by_label("Image").fill("nginx:1.27")
    page.get_by_role("button", name="Create service").click()
    expect(page.locator(".field-error").filter(has=page.get_by_label("Name", exact=True))).to_contain_text("lower case")
    # only valid Fargate pairs: 1 vCPU offers 2-8 GB
    page.get_by_label("CPU", exact=True).select_option("1024")
    memory = page.get_by_label("Memory").locator("option").all_inner_texts()
    assert memory == ["2 GB", "3 GB", "4 GB", "5 GB", "6 GB", "7 GB", "8 GB"]
    page.get_by_label("CPU", exact=True).select_option("256")
    page.get_by_label("Name", exact=True).fill("web")
    page.get_by_label("Health check path").fill("/healthz")
    shot(page, "create-service")
    page.get_by_role("button", name="Create service").click()
    expect(page.get_by_role("heading", name=re.compile("^web"))).to_be_visible()
    svc_url = page.url

    # a write-only secret: set, listed by name and version, never shown back
    page.get_by_role("link", name="Variables & secrets").click()
    page.get_by_label("Secret name").fill("API_KEY")
    page.get_by_label("Secret value").fill("sk-live-123")
    page.get_by_role("button", name="Set secret").click()
    expect(page.get_by_role("status").filter(has_text="API_KEY saved as v1")).to_be_visible()
    expect(page.get_by_role("table", name="Secrets")).to_contain_text("API_KEY")
    assert "sk-live-123" not in page.content()
    expect(page.get_by_label("Secret value")).to_have_value("")

    # deploy #1: the timeline advances live and ends live
    # Deploy shows the plan first: everything to create, the secret by name only
    page.goto(svc_url)
    page.get_by_role("button", name="Deploy", exact=True).click()
    dialog = page.get_by_role("dialog", name="Deploy web?")
    expect(dialog.locator("[data-step=service]")).to_contain_text("Create ECS service", timeout=30_000)
    expect(dialog.locator("[data-step=secrets]")).to_contain_text("added: API_KEY")
    assert "sk-live-123" not in page.content()
    dialog.get_by_role("button", name="Deploy now").click()
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    expect(page.locator("[data-phase=provisioning][data-state=active], [data-phase=deploying][data-state=active]").first) \
        .to_be_visible(timeout=30_000)
    expect(deployment_badge(page)).to_have_attribute("data-status", "live", timeout=90_000)
    expect(page.locator("[data-phase=live]")).to_have_attribute("data-state", "done")
    expect(page.get_by_role("log")).to_contain_text("is live")
    assert "sk-live-123" not in page.content()
    shot(page, "deployment-live")

    # deploy #2 with LAUNCHBAY_SANDBOX_FAIL=health: the reason in words and the rollback phase
    page.goto(svc_url + "/variables")
    page.get_by_label("Environment variables").fill("LAUNCHBAY_SANDBOX_FAIL=health")
    page.get_by_role("button", name="Save variables").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    page.goto(svc_url)
    deploy_and_wait(page, "rolled_back")
    expect(page.get_by_role("region", name="This release failed and was rolled back.")).to_contain_text("health check on /healthz")
    expect(page.locator("[data-phase=rollback]")).to_have_attribute("data-state", "done")
    expect(page.locator("[data-phase=rollback] [data-step='rollback.rollout']")).to_be_visible()
    # the log can be searched and paused
    page.get_by_placeholder("Search the log").fill("rolling back")
    expect(page.get_by_role("log")).to_contain_text("rolling back to deployment #1")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Follow")).to_be_visible()
    page.get_by_placeholder("Search the log").fill("")
    shot(page, "deployment-rolled-back")

    # deploy #3 (fixed) goes live, then roll back by hand to release #1, seeing the change first
    page.goto(svc_url + "/variables")
    page.get_by_label("Environment variables").fill("")
    page.get_by_role("button", name="Save variables").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    page.goto(svc_url)
    deploy_and_wait(page, "live")
    page.goto(svc_url)
    expect(page.get_by_role("list").filter(has_text="Roll back to #1")).to_be_visible()
    shot(page, "service")
    page.get_by_role("button", name="Roll back to #1").click()
    dialog = page.get_by_role("dialog", name="Roll back to #1")
    expect(dialog).to_contain_text("release: #3 → #1")
    dialog.get_by_role("button", name="Roll back").click()
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    expect(page.get_by_text("rollback to release #1")).to_be_visible()
    expect(deployment_badge(page)).to_have_attribute("data-status", "live", timeout=90_000)

    # the project's services list shows the live badge
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="shop", exact=True).click()
    expect(page.get_by_role("table", name="Services").locator("[data-status=live]")).to_be_visible()
    shot(page, "services")

    # Ctrl-K finds deployment #1 by its id, with highlights and keyboard navigation
    page.keyboard.press("Control+k")
    box = page.get_by_role("combobox", name="Search")
    expect(box).to_be_focused()
    box.fill("web")
    expect(page.get_by_role("listbox", name="Results").get_by_role("option").first).to_be_visible(timeout=30_000)
    expect(page.locator("#search-results mark").first).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^deployment \(\d+\)")).click()   # the type facet
    expect(page.get_by_role("listbox", name="Results").get_by_role("option").first.locator(".hit-type")).to_have_text("deployment")
    shot(page, "search")
    box.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("listbox", name="Results").get_by_role("option").first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    expect(page.get_by_role("heading", name=re.compile(r"Deployment #\d of web"))).to_be_visible()

    # audit log and tokens (shown once)
    page.get_by_role("link", name="Audit log").click()
    audit = page.get_by_role("table", name="Audit events")
    expect(audit).to_contain_text("set secret API_KEY")            # events in words, linking to what changed
    expect(audit).to_contain_text("web #2 was rolled back")
    expect(audit.get_by_role("link", name="secret API_KEY")).to_have_attribute("href", re.compile(r"/services/svc_\w+/variables$"))
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Token name").fill("ci")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("code.token")).to_contain_text("lb_")
    page.reload()
    expect(page.get_by_role("table", name="API tokens")).to_contain_text("ci")
    expect(page.locator("code.token")).to_have_count(0)


def test_static_files_headers(base):
    import urllib.request

    with urllib.request.urlopen(base + "/orgs/x/services/y") as r:       # a deep link gets the app
        assert r.headers["Content-Type"].startswith("text/html") and r.headers["Cache-Control"] == "no-cache"
        html = r.read().decode()
    asset = re.search(r'src="(/assets/[^"]+\.js)"', html).group(1)
    with urllib.request.urlopen(base + asset) as r:
        assert "immutable" in r.headers["Cache-Control"] and "Access-Control-Allow-Origin" not in r.headers
    with urllib.request.urlopen(base + "/v1/health") as r:               # the API stays the API
        assert r.headers["Content-Type"].startswith("application/json")
    try:
        urllib.request.urlopen(base + "/v1/nothing-here")
    except urllib.error.HTTPError as e:
        assert e.code == 404 and e.headers["Content-Type"].startswith("application/json")
