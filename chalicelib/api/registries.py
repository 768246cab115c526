"""Private container registries: the organization's credentials for each (admins set them; every
member sees which exist, never a password)."""
from chalice import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.http import actor, endpoint, parse_body, ports
from chalicelib.registries import service
from chalicelib.registries.references import HOST_HELP

bp = Blueprint(__name__)
TAG = "registries"
ONE = "/orgs/{org}/registries/{host}"


class CredentialsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    username: str = Field(min_length=1, max_length=255, description="the user name (GHCR: your GitHub user; "
                          "Docker Hub: your Docker ID; GitLab: a deploy token's user name)")
    password: str = Field(min_length=1, max_length=service.MAX_PASSWORD, description="the password or access token "
                          "with read (pull) access; stored encrypted, never answered")


@endpoint(bp, "/orgs/{org}/registries", "GET", "The organization's private registry credentials (user names, never "
          "passwords)", tag=TAG)
def list_registries(org):
    return {"items": service.list_credentials(ports(), actor(bp), org)}


@endpoint(bp, ONE, "GET", f"One registry's credentials (never the password); host: {HOST_HELP}", tag=TAG)
def get_registry(org, host):
    return service.get_credentials(ports(), actor(bp), org, host)


@endpoint(bp, ONE, "PUT", "Set or replace the credentials deploys pull this registry's images with (admins); the "
          "registry is asked whether they sign in first, and a refusal is a 422", 200, CredentialsIn, tag=TAG)
def put_registry(org, host):
    who = actor(bp)
    body = parse_body(bp, CredentialsIn)
    return service.put_credentials(ports(), who, org, host, body.username, body.password)


@endpoint(bp, ONE, "DELETE", "Remove a registry's credentials (admins): later deploys pull its images without "
          "credentials", 204, tag=TAG)
def delete_registry(org, host):
    service.delete_credentials(ports(), actor(bp), org, host)
    return 204, None
