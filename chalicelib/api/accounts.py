"""/v1/auth, /v1/me, /v1/tokens"""
from chalice import Blueprint

from chalicelib.accounts import members, service
from chalicelib.accounts.models import LoginIn, MemberIn, MemberPatch, SignupIn, TokenIn
from chalicelib.api.http import actor, endpoint, page, paged, parse_body, ports, source_ip

bp = Blueprint(__name__)
TAG = "accounts"


@endpoint(bp, "/auth/signup", "POST", "Create a user and its organization", 201, SignupIn, auth=False, tag=TAG)
def signup():
    body = parse_body(bp, SignupIn)
    return 201, service.signup(ports(), body.email, body.password, body.organization, body.name, source_ip(bp))


@endpoint(bp, "/auth/login", "POST", "Exchange email and password for an access token", 200, LoginIn, auth=False, tag=TAG)
def login():
    body = parse_body(bp, LoginIn)
    return service.login(ports(), body.email, body.password)


@endpoint(bp, "/me", "GET", "The caller and their organizations", tag=TAG)
def me():
    return service.me(ports(), actor(bp))


@endpoint(bp, "/tokens", "POST", "Create an API token (shown once)", 201, TokenIn, tag=TAG)
def create_token():
    who = actor(bp)
    body = parse_body(bp, TokenIn)
    return 201, service.create_token(ports(), who, body.name, body.organization_id)


@endpoint(bp, "/tokens", "GET", "List the caller's API tokens (never their values)", tag=TAG)
def list_tokens():
    who = actor(bp)
    limit, cursor = page(bp)
    return paged(*service.list_tokens(ports(), who, limit, cursor))


@endpoint(bp, "/tokens/{token_id}", "DELETE", "Revoke an API token", 204, tag=TAG)
def delete_token(token_id):
    service.delete_token(ports(), actor(bp), token_id)
    return 204, None


@endpoint(bp, "/orgs/{org}/members", "POST", "Add a member by email with a role", 201, MemberIn, tag=TAG)
def add_member(org):
    who = actor(bp)
    body = parse_body(bp, MemberIn)
    return 201, members.add(ports(), who, org, body.email, body.role)


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


@endpoint(bp, "/orgs/{org}/members/{user}", "DELETE", "Remove a member (or leave)", 204, tag=TAG)
def remove_member(org, user):
    members.remove(ports(), actor(bp), org, user)
    return 204, None
