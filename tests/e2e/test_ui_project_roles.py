"""Project roles in a real browser against the whole stack: the owner gives a viewer member the
developer role in one project on the Members page (a chip "shop: developer"); signed in as that
member, shop's service offers Deploy and editable settings (and a deploy goes out), while another
project's service stays read-only, saying so. The viewer joins as a person does: signed up with the
invitation e-mail's token (the notify worker writes the e-mail to the stack's sandbox mailbox).
Needs `make ui` and chromium (skipped otherwise)."""
from __future__ import annotations

import re
import uuid

from tests.e2e.ui_a11y import assert_accessible
from tests.e2e.ui_browser import (
    BROWSER_MARKS,
    create_web_service,
    expect,
    invitation_token,
    shot,
    sign_up_with_project,
    watch_errors,
)

pytestmark = BROWSER_MARKS

PASSWORD = "a long password"


def _api(page, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    """A call with the browser's own session, or `token`'s (setup the screens under test do not cover)."""
    return page.evaluate(
        """async ([method, path, body, token]) => {
            const r = await fetch(path, {method, body: body ? JSON.stringify(body) : undefined,
              headers: {'Content-Type': 'application/json', Authorization: 'Bearer ' + (token || localStorage.getItem('launchbay.token'))}});
            return {status: r.status, body: r.status === 204 ? null : await r.json()};
        }""", [method, path, body, token])


def test_a_viewer_made_developer_of_one_project_deploys_there_only(page, tmp_path, notify_worker):
    # the owner: project shop with service web (through the screens), project blog with service site
    sign_up_with_project(page, "owner", "shop")
    shop_url = create_web_service(page, "web")
    org = re.search(r"/orgs/([^/]+)/", shop_url).group(1)
    blog = _api(page, "POST", f"/v1/orgs/{org}/projects", {"name": "blog"})
    assert blog["status"] == 201, blog
    site = _api(page, "POST", f"/v1/orgs/{org}/projects/{blog['body']['id']}/services",
                {"name": "site", "image": "nginx:1.27", "port": 80})
    assert site["status"] == 201, site
    blog_url = f"/orgs/{org}/services/{site['body']['id']}"

    # a viewer joins: invited, then signed up with that address through the invitation e-mail's link
    # (its token, from the stack's sandbox mailbox)
    vic = f"vic-{uuid.uuid4().hex[:6]}@example.com"
    assert _api(page, "POST", f"/v1/orgs/{org}/members", {"email": vic, "role": "viewer"})["status"] == 201
    invitation = invitation_token(tmp_path / "data", vic)
    joined = _api(page, "POST", "/v1/auth/signup",
                  {"email": vic, "password": PASSWORD, "organization": "Vic's own", "invitation": invitation})
    assert joined["status"] == 201, joined

    # the Members page: developer in shop for the viewer
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    members = page.get_by_role("table", name="Members")
    members.get_by_role("button", name=f"Add a project role for {vic}").click()
    form = page.get_by_role("form", name=f"Project role for {vic}")
    form.get_by_label("Project", exact=True).select_option(label="shop")
    form.get_by_label("Role in project").select_option("developer")
    form.get_by_role("button", name="Add").click()
    chips = members.get_by_role("list", name=f"Project roles of {vic}")
    expect(chips).to_contain_text("shop: developer")
    expect(form).to_be_hidden()
    # owners act on every project as such: nothing to add for the owner's own row
    expect(members.get_by_role("button", name=re.compile("^Add a project role for owner-"))).to_have_count(0)
    assert_accessible(page, "members with project roles")
    shot(page, "members-project-roles")

    # signed in as the viewer
    page.get_by_role("navigation", name="User").get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.get_by_label("Email").fill(vic)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="User").get_by_role("link", name=vic)).to_be_visible()

    # shop's service: Deploy, and settings that can be changed
    check = watch_errors(page)
    page.goto(shop_url)
    expect(page.get_by_role("heading", name=re.compile("^web"))).to_be_visible()
    deploy = page.get_by_role("button", name="Deploy", exact=True)
    expect(deploy).to_be_enabled()
    expect(page.get_by_text(re.compile("reads this service only"))).to_have_count(0)
    page.goto(shop_url + "/settings")
    expect(page.get_by_label("Image")).to_be_editable()
    expect(page.get_by_role("button", name="Save changes")).to_be_visible()
    # and the API agrees: the deploy goes out
    page.goto(shop_url)
    page.get_by_role("button", name="Deploy", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("^Deploy "))
    expect(dialog.get_by_role("list", name="What this deploy does")).to_be_visible(timeout=30_000)
    dialog.get_by_role("button", name="Deploy now").click()
    expect(page).to_have_url(re.compile(r"/deployments/dep_"))
    check()

    # blog's service: the viewer role, read-only
    page.goto(blog_url)
    expect(page.get_by_role("heading", name=re.compile("^site"))).to_be_visible()
    expect(page.get_by_text("Your role reads this service only: deploying and changing it take the developer role or higher.")).to_be_visible()
    expect(page.get_by_role("button", name="Deploy", exact=True)).to_have_count(0)
    page.goto(blog_url + "/settings")
    expect(page.get_by_label("Image")).to_be_disabled()
    expect(page.get_by_role("button", name="Save changes")).to_have_count(0)
    # the Members page shows their own project role, with no controls
    page.goto(f"/orgs/{org}/members")
    expect(page.get_by_role("list", name=f"Project roles of {vic}")).to_contain_text("shop: developer")
    expect(page.get_by_role("button", name=re.compile("^(Remove|Add a project role)"))).to_have_count(0)
