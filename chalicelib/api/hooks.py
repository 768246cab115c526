"""Git webhooks: a project's GitHub hook (made and rotated by admins) and the delivery endpoint
GitHub calls, authenticated by the HMAC signature of the body instead of a token."""
from chalice import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.http import actor, endpoint, parse_body, ports, public_base_url, request
from chalicelib.hooks import credentials, service

bp = Blueprint(__name__)
HOOK = "/orgs/{org}/projects/{project}/hooks/github"
TAG = "hooks"
GIT_TOKEN = "/orgs/{org}/git/github"


class GitTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
    token: str = Field(min_length=1, max_length=255, description=credentials.TOKEN_HELP)


@endpoint(bp, HOOK, "POST", "Make the project's GitHub webhook, or rotate its secret: answers the delivery URL and "
          "the secret (shown once)", 201, tag=TAG)
def create(org, project):
    who = actor(bp)
    return 201, service.create_or_rotate(ports(), who, org, project,
                                         public_base_url(bp, f"/v1/orgs/{org}/projects/{project}/hooks/github"))


@endpoint(bp, HOOK, "GET", "The project's GitHub webhook (never its secret) and its latest deliveries; before one is "
          "made, 200 with configured false and no deliveries", tag=TAG)
def get(org, project):
    return service.describe(ports(), actor(bp), org, project, public_base_url(bp, f"/v1/orgs/{org}/projects/{project}/hooks/github"))


@endpoint(bp, "/hooks/github/{project}", "POST", "GitHub delivers push and pull_request events here, signed with "
          "the hook's secret (X-Hub-Signature-256); 202 once stored, the work runs in a task", 202, auth=False,
          tag=TAG)
def deliver(project):
    req = request(bp)
    headers = {k.lower(): v for k, v in (req.headers or {}).items()}
    return service.receive(ports(), project, headers, req.raw_body or b"")


@endpoint(bp, GIT_TOKEN, "GET", "Whether the organization has a GitHub token for private repositories (never the token)",
          tag=TAG)
def git_token(org):
    return credentials.github_token_status(ports(), actor(bp), org)


@endpoint(bp, GIT_TOKEN, "PUT", "Set or replace the GitHub token builds clone private repositories with (admins)",
          200, GitTokenIn, tag=TAG)
def put_git_token(org):
    who = actor(bp)
    return credentials.put_github_token(ports(), who, org, parse_body(bp, GitTokenIn).token)


@endpoint(bp, GIT_TOKEN, "DELETE", "Remove the organization's GitHub token (admins): builds clone public repositories "
          "only", 204, tag=TAG)
def delete_git_token(org):
    credentials.delete_github_token(ports(), actor(bp), org)
    return 204, None
