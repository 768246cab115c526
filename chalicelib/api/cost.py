"""Estimated monthly cost of a service and of a project (per environment), from the dated
list-price table in chalicelib/cost/prices.json."""
from chalice import Blueprint

from chalicelib.api.http import actor, endpoint, ports
from chalicelib.cost import service as cost

bp = Blueprint(__name__)
ORG = "/orgs/{org}"
TAG = "cost"


@endpoint(bp, ORG + "/services/{svc}/cost", "GET",
          "Estimated monthly cost of the service (min-max from its scaling), line by line, with the assumptions",
          tag=TAG)
def service_cost(org, svc):
    return cost.service_cost(ports(), actor(bp), org, svc)


@endpoint(bp, ORG + "/projects/{project}/cost", "GET",
          "Estimated monthly cost of the project: per environment and service, and the total", tag=TAG)
def project_cost(org, project):
    return cost.project_cost(ports(), actor(bp), org, project)
