"""The account-level screens in a real browser against the whole stack (gunicorn, Celery, Redis,
the moto sandbox): sign up, a demo AWS connection, an environment on it, cloned, the 409s of
deleting what is still used, an invitation revoked, the password changed (every session ends,
sign in again with the new one), log out. Needs `make ui` and chromium (skipped otherwise)."""
from __future__ import annotations

import re
import uuid

from tests.e2e.ui_browser import BROWSER_MARKS, expect, shot

pytestmark = BROWSER_MARKS


def _api(page, method: str, path: str, body: dict | None = None) -> dict:
    """A call with the browser's own session (for setup the screens under test do not cover)."""
    return page.evaluate(
        """async ([method, path, body]) => {
            const r = await fetch(path, {method, body: body ? JSON.stringify(body) : undefined,
              headers: {'Content-Type': 'application/json', Authorization: 'Bearer ' + localStorage.getItem('launchbay.token')}});
            return {status: r.status, body: r.status === 204 ? null : await r.json()};
        }""", [method, path, body])


def test_demo_connection_environments_invitation_password_and_log_out(page, base):
    email = f"acct-{uuid.uuid4().hex[:6]}@example.com"
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a long password")
    page.get_by_label("Organization").fill("Acme")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Acme")).to_be_visible()
    org = re.search(r"/orgs/([^/]+)", page.url).group(1)

    # AWS accounts: none yet, so deploys go to the sandbox; the policy is linked
    page.get_by_role("navigation", name="Main").get_by_role("link", name="AWS accounts").click()
    expect(page.get_by_text("No AWS account connected")).to_be_visible()
    expect(page.get_by_text(re.compile("Deploys go to the sandbox"))).to_be_visible()
    assert page.get_by_role("link", name="the role's exact policy").get_attribute("href") == "/v1/aws/policy.json"
    page.get_by_role("button", name="Create a demo connection").click()
    accounts = page.get_by_role("table", name="AWS accounts")
    row = accounts.locator("tr[data-connection^='sandbox demo']")
    expect(row.locator(".badge")).to_have_attribute("data-status", "connected", timeout=30_000)
    demo = row.get_attribute("data-connection")
    # a connection created by hand stays pending; a made-up role fails to verify, with the reason in words
    page.get_by_role("button", name="Connect an AWS account").click()
    page.get_by_label("Connection name").fill("hand made")
    page.get_by_role("button", name="Create connection").click()
    setup = page.get_by_role("region", name="Set up hand made")
    expect(setup.get_by_label("CloudFormation template")).to_contain_text("AWS::IAM::Role")
    setup.get_by_label("Role ARN").fill("not an arn")
    setup.get_by_role("button", name="Verify").click()
    expect(page.locator(".field-error").filter(has=page.get_by_label("Role ARN"))).to_contain_text("not an IAM role ARN")
    shot(page, "aws-accounts")

    # a project, an environment deploying through the demo connection, a service in it
    page.get_by_role("link", name="Projects").click()
    page.get_by_label("New project").fill("shop")
    page.get_by_role("button", name="Create project").click()
    envs = page.get_by_role("table", name="Environments")
    # a new project's production environment has no connection: it deploys to the sandbox
    expect(envs.locator("tr[data-environment=production]")).to_contain_text("the sandbox")
    form = page.get_by_role("form", name="New environment")
    form.get_by_label("Environment name").fill("staging")
    form.get_by_label("Domain suffix").fill("staging.example.com")
    form.get_by_label("AWS account").select_option(label=demo)
    expect(form.get_by_label("Region")).to_be_enabled()
    form.get_by_role("button", name="Create environment").click()
    expect(envs.locator("tr[data-environment=staging]")).to_contain_text(f"{demo} · ")
    project = re.search(r"/projects/([^/?]+)", page.url).group(1)
    created = _api(page, "POST", f"/v1/orgs/{org}/projects/{project}/services",
                   {"name": "web", "image": "nginx:1.27", "port": 80, "environment": "staging"})
    assert created["status"] == 201, created

    # clone it with its secret values
    envs.get_by_role("button", name="Clone staging").click()
    clone = page.get_by_role("form", name="Clone staging")
    clone.get_by_label("New environment name").fill("preview")
    clone.get_by_label("Copy secret values").check()
    clone.get_by_role("button", name="Clone").click()
    expect(page.get_by_role("status").filter(has_text="Cloned into preview")).to_contain_text("1 service and their secret values")
    expect(envs.locator("tr[data-environment=preview]")).to_contain_text(demo)
    # the copied service shows in the project's list, in the new environment
    expect(page.get_by_role("table", name="Services").get_by_role("row").filter(has_text="preview")).to_contain_text("web")
    shot(page, "environments")

    # what is still used cannot go: the API's 409 in words
    envs.get_by_role("button", name="Delete staging").click()
    page.get_by_role("group", name="Delete staging?").get_by_role("button", name="Yes, delete").click()
    refusal = page.get_by_role("alert").filter(has_text="still has services")
    expect(refusal).to_be_visible()
    expect(refusal.get_by_role("link", name="web")).to_have_attribute("href", f"/orgs/{org}/services/{created['body']['id']}")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="AWS accounts").click()
    page.get_by_role("button", name=f"Remove {demo}").click()
    page.get_by_role("group", name=f"Remove {demo}?").get_by_role("button", name="Yes, remove").click()
    expect(page.get_by_role("alert").filter(has_text="environments deploy through this connection")).to_contain_text("preview")

    # invite a member: pending whether or not the address has an account; then revoke it
    page.get_by_role("link", name="Members").click()
    page.get_by_label("Invite by email").fill("friend@example.com")
    page.get_by_role("button", name="Invite").click()
    expect(page.locator(".notice")).to_contain_text("friend@example.com (developer) is pending")
    invitations = page.get_by_role("table", name="Invitations")
    expect(invitations.get_by_role("row").filter(has_text="friend@example.com")).to_contain_text("pending")
    invitations.get_by_role("button", name="Revoke the invitation for friend@example.com").click()
    page.get_by_role("group", name="Revoke the invitation for friend@example.com?").get_by_role("button", name="Yes, revoke").click()
    expect(page.get_by_text("No pending invitations")).to_be_visible()

    # change the password: a wrong current one is shown by its field; success ends every session
    page.get_by_role("navigation", name="User").get_by_role("link", name=email).click()
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill("an even longer password")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".field-error").filter(has=page.get_by_label("Current password"))).to_contain_text("wrong")
    page.get_by_label("Current password").fill("a long password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password was changed and every session ended")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(email)
    page.get_by_label("Password").fill("a long password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".field-error, .form-error").first).to_be_visible()  # the old password no longer works
    page.get_by_label("Password").fill("an even longer password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Acme")).to_be_visible()

    # log out: the session ends at the API too, so the old token is refused
    token = page.evaluate("localStorage.getItem('launchbay.token')")
    page.get_by_role("navigation", name="User").get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert page.evaluate("localStorage.getItem('launchbay.token')") is None
    status = page.evaluate("async (t) => (await fetch('/v1/me', {headers: {Authorization: 'Bearer ' + t}})).status", token)
    assert status == 401
    page.goto(f"/orgs/{org}/aws-accounts")
    expect(page.get_by_role("heading", name="Sign in to Launchbay")).to_be_visible()
