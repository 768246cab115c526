"""Connections to AWS accounts (/v1/orgs/{org}/aws-accounts) and the role's policy (/v1/aws)."""
from typing import Optional

from chalice import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.accounts import aws_accounts as conns
from chalicelib.api.http import actor, endpoint, page, paged, parse_body, ports

bp = Blueprint(__name__)
BASE = "/orgs/{org}/aws-accounts"
TAG = "aws-accounts"
_STRICT = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)


class AwsAccountIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=100)
    regions: Optional[list[str]] = Field(None, max_length=40, description="regions environments may deploy to "
                                         "(default: the platform's region)")
    account_id: Optional[str] = Field(None, description="the 12-digit account the role must be in (checked on verify)")


class AwsAccountPatch(BaseModel):
    model_config = _STRICT
    name: Optional[str] = Field(None, min_length=1, max_length=100)
    regions: Optional[list[str]] = Field(None, min_length=1, max_length=40)


class VerifyIn(BaseModel):
    model_config = _STRICT
    role_arn: Optional[str] = Field(None, max_length=2048, description="the stack's RoleArn output; "
                                    "omitted: verify the recorded role again")


@endpoint(bp, BASE, "POST", "Start connecting an AWS account: an external id and the role's CloudFormation template",
          201, AwsAccountIn, tag=TAG)
def create(org):
    who = actor(bp)
    body = parse_body(bp, AwsAccountIn)
    p = ports()
    doc = conns.create(p, who, org, body.name, body.regions or [p.settings.aws_region], body.account_id)
    return 201, conns.public(p, doc, setup=True)


@endpoint(bp, BASE, "GET", "List the organization's AWS account connections", tag=TAG)
def list_(org):
    who = actor(bp)
    limit, cursor = page(bp)
    p = ports()
    docs, nxt = conns.list_(p, who, org, limit, cursor)
    return paged([conns.public(p, d) for d in docs], nxt)


@endpoint(bp, BASE + "/{account}", "GET", "One connection, with its template and setup steps", tag=TAG)
def get(org, account):
    p = ports()
    return conns.public(p, conns.get(p, actor(bp), org, account), setup=True)


@endpoint(bp, BASE + "/{account}", "PATCH", "Rename a connection or change its regions", 200, AwsAccountPatch, tag=TAG)
def patch(org, account):
    who = actor(bp)
    body = parse_body(bp, AwsAccountPatch)
    p = ports()
    return conns.public(p, conns.update(p, who, org, account, body.model_dump(exclude_unset=True, exclude_none=True)))


@endpoint(bp, BASE + "/{account}", "DELETE", "Remove a connection no environment uses", 204, tag=TAG)
def delete(org, account):
    conns.delete(ports(), actor(bp), org, account)
    return 204, None


@endpoint(bp, BASE + "/{account}/verify", "POST", "Verify the role: AssumeRole with the external id, "
          "GetCallerIdentity, and the trust checked", 200, VerifyIn, tag=TAG)
def verify(org, account):
    who = actor(bp)
    body = parse_body(bp, VerifyIn)
    p = ports()
    return conns.public(p, conns.verify(p, who, org, account, body.role_arn))


@endpoint(bp, "/orgs/{org}/sandbox/aws-account", "POST", "Sandbox only: a verified demo connection to a fresh "
          "sandbox account (its role made from the real template)", 201, tag=TAG)
def demo(org):
    who = actor(bp)
    p = ports()
    return 201, conns.public(p, conns.create_demo(p, who, org), setup=True)


@endpoint(bp, "/aws/policy.json", "GET", "The exact IAM policy of the connection role (for security review)",
          auth=False, tag=TAG)
def policy():
    from chalicelib.cloud.access import policy_document

    return policy_document()


@endpoint(bp, "/aws/template.json", "GET", "The connection role's CloudFormation template, to publish on S3 for "
          "quick-create links", auth=False, tag=TAG)
def template():
    from chalicelib.cloud.access import ROLE_PREFIX
    from chalicelib.cloud.access import template as build

    doc = build(conns.platform_account(ports()), "", ROLE_PREFIX)
    doc["Parameters"]["ExternalId"].pop("Default")  # each connection has its own
    return doc
