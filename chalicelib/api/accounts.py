"""/v1/auth (with two-factor authentication), /v1/me, /v1/tokens, /v1/orgs/{org} (its settings),
/v1/orgs/{org}/members and .../invitations"""
from chalice import Blueprint

from chalicelib.accounts import (
    account_deletion,
    email_change,
    invitations,
    members,
    mfa,
    org_deletion,
    orgs,
    resets,
    service,
    sessions,
    verification,
)
from chalicelib.accounts.models import (
    AccountDeleteIn,
    EmailChangeIn,
    LoginIn,
    MemberIn,
    MemberPatch,
    MfaConfirmIn,
    MfaDisableIn,
    MfaLoginIn,
    MfaSetupIn,
    NotificationPrefsIn,
    OrgIn,
    OrgPatch,
    PasswordIn,
    ProjectRoleIn,
    ResetConfirmIn,
    ResetIn,
    SignupIn,
    TokenIn,
    TokenOnlyIn,
)
from chalicelib.api.http import (
    actor,
    endpoint,
    page,
    paged,
    parse_body,
    ports,
    public_base_url,
    query,
    request,
    source_ip,
    user_agent,
)

bp = Blueprint(__name__)
TAG = "accounts"


def _authorization() -> str:
    return (request(bp).headers or {}).get("authorization") or ""


@endpoint(bp, "/auth/signup", "POST", "Create a user and its organization; with an invitation e-mail's token, join the "
          "organizations that invited the address (the organization may be left out then)", 201, SignupIn, auth=False,
          tag=TAG)
def signup():
    body = parse_body(bp, SignupIn)
    return 201, service.signup(ports(), body.email, body.password, body.organization, body.name, source_ip(bp),
                               body.invitation, public_base_url(bp, "/v1/auth/signup"), user_agent(bp))


@endpoint(bp, "/auth/verify-email", "POST", "Confirm the account's e-mail address with the token of the link e-mailed "
          "to it; invitations waiting for the address are accepted", 200, TokenOnlyIn, auth=False, tag=TAG)
def verify_email():
    body = parse_body(bp, TokenOnlyIn)
    return verification.confirm(ports(), body.token, source_ip(bp))


@endpoint(bp, "/me/verify-email", "POST", "E-mail a new link that confirms the caller's address (409 once confirmed)",
          202, tag=TAG)
def resend_verification():
    return 202, verification.resend(ports(), actor(bp), public_base_url(bp, "/v1/me/verify-email"))


@endpoint(bp, "/invitations/accept", "POST", "Accept an invitation with the token of its e-mail's link: the caller's "
          "address must be the invited one; joins every organization that invited it", 200, TokenOnlyIn, tag=TAG)
def accept_invitation():
    who = actor(bp)
    body = parse_body(bp, TokenOnlyIn)
    return invitations.accept(ports(), who, body.token, source_ip(bp))


@endpoint(bp, "/auth/login", "POST", "Exchange email and password for an access token", 200, LoginIn, auth=False, tag=TAG)
def login():
    body = parse_body(bp, LoginIn)
    return service.login(ports(), body.email, body.password, source_ip(bp), user_agent(bp))


@endpoint(bp, "/auth/login/mfa", "POST", "Second step of a log-in with two-factor authentication: the challenge and a "
          "code (or a recovery code) for an access token", 200, MfaLoginIn, auth=False, tag=TAG)
def login_mfa():
    body = parse_body(bp, MfaLoginIn)
    return service.login_second_step(ports(), body.mfa_token, body.code, body.recovery_code, source_ip(bp),
                                     user_agent(bp))


@endpoint(bp, "/auth/mfa/setup", "POST", "Start setting up two-factor authentication: a new secret and its otpauth URI "
          "(nothing is on until confirmed; the password again; log-in sessions only)", 201, MfaSetupIn, tag=TAG)
def mfa_setup():
    who = actor(bp)
    body = parse_body(bp, MfaSetupIn)
    return 201, mfa.setup(ports(), who, body.password)


@endpoint(bp, "/auth/mfa/confirm", "POST", "Turn two-factor authentication on with a code of the new secret; answers "
          "the recovery codes, once", 200, MfaConfirmIn, tag=TAG)
def mfa_confirm():
    who = actor(bp)
    body = parse_body(bp, MfaConfirmIn)
    return mfa.confirm(ports(), who, body.code)


@endpoint(bp, "/auth/mfa/recovery-codes", "POST", "Replace the recovery codes (a current code); answers the new ones, "
          "once", 200, MfaConfirmIn, tag=TAG)
def mfa_recovery_codes():
    who = actor(bp)
    body = parse_body(bp, MfaConfirmIn)
    return mfa.regenerate_recovery_codes(ports(), who, body.code)


@endpoint(bp, "/auth/mfa/disable", "POST", "Turn two-factor authentication off (the password and a code or a recovery "
          "code)", 200, MfaDisableIn, tag=TAG)
def mfa_disable():
    who = actor(bp)
    body = parse_body(bp, MfaDisableIn)
    return mfa.disable(ports(), who, body.password, body.code, body.recovery_code)


@endpoint(bp, "/orgs", "POST", "Create an organization; the caller is its owner", 201, OrgIn, tag=TAG)
def create_org():
    who = actor(bp)
    body = parse_body(bp, OrgIn)
    return 201, orgs.create(ports(), who, body.name)


@endpoint(bp, "/orgs/{org}", "DELETE", "Delete the organization (its owners; from a log-in session; once its projects "
          "are deleted): access ends at once, a worker removes the rest", 202, tag=TAG,
          query={"confirm": "the organization's name, again"})
def delete_org(org):
    who = actor(bp)
    return 202, org_deletion.delete(ports(), who, org, query(bp).get("confirm"))


@endpoint(bp, "/orgs/{org}", "PATCH", "Change the organization's settings: name, require_mfa (owners and admins)", 200,
          OrgPatch, tag=TAG)
def patch_org(org):
    who = actor(bp)
    body = parse_body(bp, OrgPatch)
    return orgs.update(ports(), who, org, body.name, body.require_mfa)


@endpoint(bp, "/auth/password", "POST", "Change the password; ends every session and API token", 200, PasswordIn,
          tag=TAG)
def change_password():
    who = actor(bp)
    body = parse_body(bp, PasswordIn)
    return service.change_password(ports(), who, body.current_password, body.new_password,
                                   public_base_url(bp, "/v1/auth/password"), user_agent(bp))


@endpoint(bp, "/auth/password-reset", "POST", "Forgot the password: e-mail a link that sets a new one (the same answer "
          "whether or not the address has an account)", 202, ResetIn, auth=False, tag=TAG)
def password_reset():
    body = parse_body(bp, ResetIn)
    return 202, resets.request(ports(), body.email, source_ip(bp), public_base_url(bp, "/v1/auth/password-reset"))


@endpoint(bp, "/auth/password-reset/confirm", "POST", "Set a new password with the token of a reset link; ends every "
          "session and API token", 200, ResetConfirmIn, auth=False, tag=TAG)
def password_reset_confirm():
    body = parse_body(bp, ResetConfirmIn)
    return resets.confirm(ports(), body.token, body.password, source_ip(bp),
                          public_base_url(bp, "/v1/auth/password-reset/confirm"))


@endpoint(bp, "/auth/logout", "POST", "End the presented session (or revoke the presented API token)", 204, tag=TAG)
def logout():
    service.logout(ports(), _authorization(), source_ip(bp))
    return 204, None


@endpoint(bp, "/me", "GET", "The caller and their organizations", tag=TAG)
def me():
    return service.me(ports(), actor(bp))


@endpoint(bp, "/me/email-suppression", "DELETE", "Send e-mail to the caller's address again after it bounced or "
          "complained (once the mailbox works); 404 when none is held back", 204, tag=TAG)
def lift_email_suppression():
    service.lift_suppression(ports(), actor(bp))
    return 204, None


@endpoint(bp, "/me/email", "POST", "Ask to change the caller's e-mail address (a log-in session, the password, and a "
          "code when two-factor authentication is on): a link goes to the new address, a notice to the current one",
          202, EmailChangeIn, tag=TAG)
def request_email_change():
    who = actor(bp)
    body = parse_body(bp, EmailChangeIn)
    return 202, email_change.request(ports(), who, body.email, body.password, body.code, body.recovery_code,
                                     public_base_url(bp, "/v1/me/email"))


@endpoint(bp, "/me/email", "DELETE", "Cancel the change of address that waits for its link; 404 when none waits",
          204, tag=TAG)
def cancel_email_change():
    email_change.cancel(ports(), actor(bp))
    return 204, None


@endpoint(bp, "/auth/email-change/confirm", "POST", "Move the account to its new address with the token of the link "
          "e-mailed there; every log-in session ends, and invitations waiting for the new address are accepted",
          200, TokenOnlyIn, auth=False, tag=TAG)
def confirm_email_change():
    body = parse_body(bp, TokenOnlyIn)
    return email_change.confirm(ports(), body.token, source_ip(bp))


@endpoint(bp, "/me/delete", "POST", "Delete the caller's account (a log-in session, the password, and a code when "
          "two-factor authentication is on); refused while it is an organization's only owner", 200, AccountDeleteIn,
          tag=TAG)
def delete_account():
    who = actor(bp)
    body = parse_body(bp, AccountDeleteIn)
    return account_deletion.delete(ports(), who, body.password, body.code, body.recovery_code)


@endpoint(bp, "/me/sessions", "GET", "The caller's log-in sessions: where and when each was opened, until when, and "
          "which is this one", tag=TAG)
def list_sessions():
    return sessions.list_sessions(ports(), actor(bp))


@endpoint(bp, "/me/sessions", "DELETE", "Sign out every log-in session of the caller but this one (all of them, "
          "called with an API token)", tag=TAG)
def end_other_sessions():
    return sessions.end_others(ports(), actor(bp))


@endpoint(bp, "/me/sessions/{session}", "DELETE", "Sign out one log-in session of the caller's (this one: a log-out)",
          204, tag=TAG)
def end_session(session):
    sessions.end(ports(), actor(bp), session)
    return 204, None


@endpoint(bp, "/me/notifications", "GET", "Which e-mails about your own work you get (deploys you started that "
          "fail, deploys waiting for your approval)", tag=TAG)
def my_notifications():
    return service.notification_preferences(ports(), actor(bp))


@endpoint(bp, "/me/notifications", "PATCH", "Turn e-mails about your own work on or off", 200, NotificationPrefsIn,
          tag=TAG)
def patch_my_notifications():
    who = actor(bp)
    body = parse_body(bp, NotificationPrefsIn)
    return service.notification_preferences(ports(), who, body.model_dump(exclude_none=True))


@endpoint(bp, "/tokens", "POST", "Create an API token (shown once)", 201, TokenIn, tag=TAG)
def create_token():
    who = actor(bp)
    body = parse_body(bp, TokenIn)
    return 201, service.create_token(ports(), who, body.name, body.organization_id, body.expires_days)


@endpoint(bp, "/tokens", "GET", "List the caller's API tokens (never their values)", tag=TAG)
def list_tokens():
    who = actor(bp)
    limit, cursor = page(bp)
    return paged(*service.list_tokens(ports(), who, limit, cursor))


@endpoint(bp, "/tokens/{token_id}", "DELETE", "Revoke an API token", 204, tag=TAG)
def delete_token(token_id):
    service.delete_token(ports(), actor(bp), token_id)
    return 204, None


@endpoint(bp, "/orgs/{org}/members", "POST",
          "Invite a member by email with a role (joins at their next sign-up or log-in)", 201, MemberIn, tag=TAG)
def add_member(org):
    who = actor(bp)
    body = parse_body(bp, MemberIn)
    return 201, invitations.invite(ports(), who, org, body.email, body.role,
                                   public_base_url(bp, f"/v1/orgs/{org}/members"))


@endpoint(bp, "/orgs/{org}/invitations", "GET", "List invitations not yet accepted", tag=TAG)
def list_invitations(org):
    who = actor(bp)
    limit, cursor = page(bp)
    return paged(*invitations.list_invitations(ports(), who, org, limit, cursor))


@endpoint(bp, "/orgs/{org}/invitations/{invitation}/resend", "POST", "E-mail the invitation again; its 14 days start "
          "over", 202, tag=TAG)
def resend_invitation(org, invitation):
    return 202, invitations.resend(ports(), actor(bp), org, invitation,
                                   public_base_url(bp, f"/v1/orgs/{org}/invitations/{invitation}/resend"))


@endpoint(bp, "/orgs/{org}/invitations/{invitation}", "DELETE", "Revoke an invitation", 204, tag=TAG)
def revoke_invitation(org, invitation):
    invitations.revoke(ports(), actor(bp), org, invitation)
    return 204, None


@endpoint(bp, "/orgs/{org}/members", "GET", "List members and their roles", tag=TAG)
def list_members(org):
    who = actor(bp)
    limit, cursor = page(bp)
    return paged(*members.list_members(ports(), who, org, limit, cursor))


@endpoint(bp, "/orgs/{org}/members/{user}", "PATCH", "Change a member's role", 200, MemberPatch, tag=TAG)
def change_role(org, user):
    who = actor(bp)
    body = parse_body(bp, MemberPatch)
    return members.change_role(ports(), who, org, user, body.role)


@endpoint(bp, "/orgs/{org}/members/{user}/projects/{project}", "PUT", "Give a developer or viewer a role in one "
          "project (above or below their organization role, for that project's work only; admins and owners)", 200,
          ProjectRoleIn, tag=TAG)
def put_project_role(org, user, project):
    who = actor(bp)
    body = parse_body(bp, ProjectRoleIn)
    return members.set_project_role(ports(), who, org, user, project, body.role)


@endpoint(bp, "/orgs/{org}/members/{user}/projects/{project}", "DELETE", "Take a member's project role away: their "
          "organization role applies there again", 200, tag=TAG)
def delete_project_role(org, user, project):
    return members.set_project_role(ports(), actor(bp), org, user, project, None)


@endpoint(bp, "/orgs/{org}/members/{user}", "DELETE", "Remove a member (or leave)", 204, tag=TAG)
def remove_member(org, user):
    members.remove(ports(), actor(bp), org, user)
    return 204, None
