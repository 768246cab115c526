"""Projects, services and secrets under /v1/orgs/{org}."""
from chalice import Blueprint

from chalicelib.api.http import actor, endpoint, page, paged, parse_body, ports, query
from chalicelib.catalog import service
from chalicelib.catalog.models import ProjectIn, ProjectPatch, SecretIn, ServiceIn, ServicePatch

bp = Blueprint(__name__)
ORG = "/orgs/{org}"


def _service_out(svc: dict) -> dict:
    out = service.public_service(svc)
    out["sandbox"] = ports().settings.sandbox  # where it runs: the local AWS sandbox or real AWS
    out["private_address"] = service.private_address(ports(), svc)
    if out["needs_deploy"] and svc.get("live_deployment_id"):
        out["pending_changes"] = "saved; they take effect with the next deploy"
    return out


@endpoint(bp, ORG + "/projects", "POST", "Create a project", 201, ProjectIn, tag="projects")
def create_project(org):
    who = actor(bp)
    body = parse_body(bp, ProjectIn)
    return 201, service.create_project(ports(), who, org, body.name, body.description)


@endpoint(bp, ORG + "/projects", "GET", "List projects, newest first", tag="projects")
def list_projects(org):
    who = actor(bp)
    limit, cursor = page(bp)
    return paged(*service.list_projects(ports(), who, org, limit, cursor))


@endpoint(bp, ORG + "/projects/{project}", "GET", "Read a project", tag="projects")
def get_project(org, project):
    return service.get_project(ports(), actor(bp), org, project)


@endpoint(bp, ORG + "/projects/{project}", "PATCH", "Rename or describe a project", 200, ProjectPatch, tag="projects")
def patch_project(org, project):
    who = actor(bp)
    body = parse_body(bp, ProjectPatch)
    return service.update_project(ports(), who, org, project, body.model_dump(exclude_unset=True))


@endpoint(bp, ORG + "/projects/{project}", "DELETE", "Delete a project without services", 204, tag="projects")
def delete_project(org, project):
    service.delete_project(ports(), actor(bp), org, project)
    return 204, None


@endpoint(bp, ORG + "/projects/{project}/services", "POST", "Create a service", 201, ServiceIn, tag="services")
def create_service(org, project):
    who = actor(bp)
    body = parse_body(bp, ServiceIn)
    return 201, _service_out(service.create_service(ports(), who, org, project, body.model_dump()))


@endpoint(bp, ORG + "/projects/{project}/services", "GET", "List a project's services", tag="services",
          query={"environment": "only this environment's (name or id)", "limit": "1-200", "cursor": "from `next`"})
def list_services(org, project):
    who = actor(bp)
    limit, cursor = page(bp)
    docs, nxt = service.list_services(ports(), who, org, project, limit, cursor, query(bp).get("environment"))
    return paged([_service_out(d) for d in docs], nxt)


@endpoint(bp, ORG + "/services/{svc}", "GET", "Read a service", tag="services")
def get_service(org, svc):
    return _service_out(service.get_service(ports(), actor(bp), org, svc))


@endpoint(bp, ORG + "/services/{svc}", "PATCH", "Change any setting of a service", 200, ServicePatch, tag="services")
def patch_service(org, svc):
    who = actor(bp)
    body = parse_body(bp, ServicePatch)
    return _service_out(service.update_service(ports(), who, org, svc, body.model_dump(exclude_unset=True)))


@endpoint(bp, ORG + "/services/{svc}", "DELETE", "Delete a service and its AWS resources", 202, tag="services")
def delete_service(org, svc):
    return 202, service.delete_service(ports(), actor(bp), org, svc)


@endpoint(bp, ORG + "/services/{svc}/secrets", "GET", "List secret names and versions (never values)", tag="secrets")
def list_secrets(org, svc):
    return {"items": service.list_secrets(ports(), actor(bp), org, svc)}


@endpoint(bp, ORG + "/services/{svc}/secrets/{name}", "PUT", "Set a secret (encrypted at rest)", 200, SecretIn, tag="secrets")
def put_secret(org, svc, name):
    who = actor(bp)
    body = parse_body(bp, SecretIn)
    return service.put_secret(ports(), who, org, svc, name, body.value)


@endpoint(bp, ORG + "/services/{svc}/secrets/{name}", "DELETE", "Delete a secret", 204, tag="secrets")
def delete_secret(org, svc, name):
    service.delete_secret(ports(), actor(bp), org, svc, name)
    return 204, None
