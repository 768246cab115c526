"""Environment groups: an organization's shared variables and secrets, linked by name to its
services (every member reads them, secrets by name only; admins write them)."""
from chalice import Blueprint

from chalicelib.api.http import actor, endpoint, parse_body, ports
from chalicelib.catalog.models import SecretIn
from chalicelib.envgroups import service
from chalicelib.envgroups.models import EnvGroupIn, EnvGroupPatch

bp = Blueprint(__name__)
TAG = "env-groups"
ALL = "/orgs/{org}/env-groups"
ONE = ALL + "/{group}"


@endpoint(bp, ALL, "GET", "The organization's environment groups, by name (variables, secret names and versions, "
          "the services linking each)", tag=TAG)
def list_groups(org):
    return {"items": service.list_groups(ports(), actor(bp), org)}


@endpoint(bp, ALL, "POST", "Create an environment group (admins); services link it by name in their env_groups",
          201, EnvGroupIn, tag=TAG)
def create_group(org):
    who = actor(bp)
    body = parse_body(bp, EnvGroupIn)
    return 201, service.create_group(ports(), who, org, body.name, body.description, body.env)


@endpoint(bp, ONE, "GET", "One environment group: its variables, secret names and versions, the services linking it",
          tag=TAG)
def get_group(org, group):
    return service.get_group(ports(), actor(bp), org, group)


@endpoint(bp, ONE, "PATCH", "Change an environment group's description or variables (admins; env replaces the whole "
          "map); the services linking it need a deploy to get them", 200, EnvGroupPatch, tag=TAG)
def patch_group(org, group):
    who = actor(bp)
    body = parse_body(bp, EnvGroupPatch)
    return service.update_group(ports(), who, org, group, body.model_dump(exclude_unset=True))


@endpoint(bp, ONE, "DELETE", "Delete an environment group and its secrets (admins); refused (409) while a service "
          "links it", 204, tag=TAG)
def delete_group(org, group):
    service.delete_group(ports(), actor(bp), org, group)
    return 204, None


@endpoint(bp, ONE + "/secrets", "GET", "An environment group's secrets (names and versions, never values)", tag=TAG)
def list_secrets(org, group):
    return {"items": service.list_secrets(ports(), actor(bp), org, group)}


@endpoint(bp, ONE + "/secrets/{name}", "PUT", "Set an environment group's secret (admins; encrypted at rest, never "
          "answered)", 200, SecretIn, tag=TAG)
def put_secret(org, group, name):
    who = actor(bp)
    body = parse_body(bp, SecretIn)
    return service.put_secret(ports(), who, org, group, name, body.value)


@endpoint(bp, ONE + "/secrets/{name}", "DELETE", "Delete an environment group's secret (admins)", 204, tag=TAG)
def delete_secret(org, group, name):
    service.delete_secret(ports(), actor(bp), org, group, name)
    return 204, None


@endpoint(bp, ONE + "/deploy", "POST", "Deploy every service linking the group whose configuration differs from its "
          "live release, each as POST .../deployments would (its approval rules, freezes and your role apply; a "
          "refusal skips that service only)", 202, tag=TAG)
def deploy_group(org, group):
    return 202, service.deploy_group(ports(), actor(bp), org, group)
