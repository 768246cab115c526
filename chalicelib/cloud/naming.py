"""Names of the AWS resources Launchbay creates, in one place.

Callers pass logical names; these helpers make them legal for each service
deterministically, so a repeated call finds the resource the first call made.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Optional

EXECUTION_ROLE_NAME = "launchbay-task-execution"  # pulls images, writes logs, reads /launchbay/* secrets
EVENTS_ROLE_NAME = "launchbay-events-run-task"     # lets EventBridge RunTask the cron jobs
DRAIN_LOGS_ROLE = "launchbay-logs-to-firehose"    # CloudWatch Logs feeds the log drains' streams with it
TASK_ROLE_PREFIX = "launchbay-svc-"                 # + the service id's tail: one task role per service
SERVICES_SECURITY_GROUP = "launchbay-services"     # attached to every task
CODEBUILD_ROLE_NAME = "launchbay-codebuild"       # builds from source: pulls the repository, pushes to ECR
BUILD_LOG_GROUP = "/launchbay/builds"             # every CodeBuild build's log, one stream per build
SECRET_PREFIX = "/launchbay"                       # SSM parameters live under this path

ELB_NAME_MAX = 32
_ELB_BAD = re.compile(r"[^A-Za-z0-9-]+")


def _digest(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def elb_name(name: str) -> str:
    """A legal ELBv2 load balancer / target group name (<= 32 chars, [A-Za-z0-9-]).

    Names that are already legal are kept. Longer or illegal ones keep a readable
    prefix and end with 8 hex chars of a SHA-256 of the *original* name, so two
    long names sharing a prefix still differ, and the same input always maps to
    the same output.
    """
    clean = _ELB_BAD.sub("-", name).strip("-")
    clean = re.sub(r"-{2,}", "-", clean)
    if clean.lower().startswith("internal-"):  # reserved prefix for load balancers
        clean = "lb-" + clean
    if clean == name and 0 < len(clean) <= ELB_NAME_MAX:
        return clean
    suffix = _digest(name)
    head = clean[: ELB_NAME_MAX - len(suffix) - 1].rstrip("-")
    return f"{head}-{suffix}" if head else f"lb-{suffix}"


def secret_parameter_name(org_id: str, service_id: str, key: str, version: Optional[int] = None) -> str:
    """SSM parameter path for one secret: /launchbay/{org}/{service}/{KEY}[/v{version}].

    The execution role may read /launchbay/* only, so secrets must live here. With a
    version, each value gets its own (immutable) parameter, so a rollback can point a
    task definition at the exact value an older release ran with.
    """
    parts = [org_id, service_id, key]
    for p in parts:
        if not p or not re.fullmatch(r"[A-Za-z0-9_.-]+", p) or p in (".", ".."):
            raise ValueError(f"illegal secret name part {p!r}")
    name = "/".join([SECRET_PREFIX, *parts])
    return f"{name}/v{int(version)}" if version is not None else name


PRIVATE_DOMAIN_SUFFIX = "internal"
_DNS_BAD = re.compile(r"[^a-z0-9-]+")


def dns_label(text: str, n: int = 30) -> str:
    """Lower case letters, digits and hyphens, at most n (a DNS label is at most 63)."""
    label = re.sub(r"-{2,}", "-", _DNS_BAD.sub("-", text.lower())).strip("-")[:n].strip("-")
    return label or "x"


def private_domain(environment: str, project: str, org_id: str) -> str:
    """An environment's Cloud Map namespace: `<env>.<project>.<org tail>.internal`. The org id's
    last 6 characters keep two organizations (or projects) sharing a VPC apart; every name has
    four labels, so no namespace is a subdomain of another (AWS refuses overlapping ones)."""
    return ".".join([dns_label(environment), dns_label(project), dns_label(org_id.rsplit("_", 1)[-1][-6:]),
                     PRIVATE_DOMAIN_SUFFIX])


def discovery_service(service_name: str) -> str:
    """The Cloud Map service of a Launchbay service: its name, as a DNS label."""
    return dns_label(service_name, 63)


def load_balancer_security_group(lb_name: str) -> str:
    return f"launchbay-lb-{lb_name}"


def scaling_resource_id(cluster: str, service: str) -> str:
    return f"service/{cluster}/{service}"


def idempotency_token(*parts: str, n: int = 32) -> str:
    """A \\w+ token (ACM: <= 32 chars) stable for the same inputs."""
    return _digest("\x1f".join(parts), n)


def request_count_resource_label(load_balancer_arn: str, target_group_arn: str) -> str:
    """app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id> for ALBRequestCountPerTarget."""
    try:
        lb = load_balancer_arn.split(":loadbalancer/", 1)[1]
        tg = target_group_arn.split(":", 5)[5]
    except IndexError:
        raise ValueError("expected an ALB ARN and a target group ARN") from None
    if not lb.startswith("app/") or not tg.startswith("targetgroup/"):
        raise ValueError("expected an application load balancer and a target group ARN")
    return f"{lb}/{tg}"


def task_definition_family(arn: str) -> str:
    """'arn:...:task-definition/web:3' -> 'web'."""
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


@dataclass(frozen=True)
class ServiceNames:
    """Every AWS name one Launchbay service uses: stable across retries, unique per service."""
    family: str          # task definition family
    service: str         # ECS service
    log_group: str
    target_group: str    # ELBv2 target group (<= 32 chars)
    rule: str            # EventBridge rule of a cron service
    org_id: str
    service_id: str

    @property
    def canary_service(self) -> str:
        """The ECS service a canary release runs in beside the service (deploys/canary.py)."""
        return f"{self.service}-canary"

    @property
    def canary_target_group(self) -> str:
        return f"{self.target_group}-canary"

    @property
    def task_role(self) -> str:
        """The service's task role (IAM, <= 64 chars): what its containers may do with linked
        buckets and volumes. TASK_ROLE_PREFIX lets the connection role manage these and no others."""
        return f"{TASK_ROLE_PREFIX}{self.service_id.split('_', 1)[-1]}"[:64]

    @property
    def secret_prefix(self) -> str:
        return f"{SECRET_PREFIX}/{self.org_id}/{self.service_id}"

    def secret(self, name: str, version: int) -> str:
        """The SSM parameter of one secret version (immutable, so rollbacks can use it)."""
        return secret_parameter_name(self.org_id, self.service_id, name, version)


def for_service(org_id: str, service_id: str, service_name: str) -> ServiceNames:
    slug = service_id.split("_", 1)[-1]
    short = hashlib.sha1(service_id.encode(), usedforsecurity=False).hexdigest()[:10]  # a name, not a digest
    return ServiceNames(family=f"lb-{slug}", service=f"lb-{slug}", log_group=f"/launchbay/{org_id}/{service_name}",
                        target_group=f"lb-{short}", rule=f"lb-{slug}",
                        org_id=org_id, service_id=service_id)


def build_project(service_id: str) -> str:
    """The CodeBuild project of a service built from source."""
    return f"lb-{service_id.split('_', 1)[-1]}"


def source_credential(org_id: str) -> str:
    """Secrets Manager: the organization's GitHub token as CodeBuild reads it (launchbay/...)."""
    return f"launchbay/{org_id}/git/github"


def egress_name(environment_id: str) -> str:
    """An environment's static egress: its NAT gateway, Elastic IP, route table and private subnets
    (tag Name; cloud/egress.py)."""
    return f"launchbay-egress-{environment_id.split('_', 1)[-1]}"


def registry_credential(org_id: str, host: str) -> str:
    """Secrets Manager: the organization's credentials for a private registry, as ECS reads them
    (launchbay/..., which the task execution role may read); the host as a name may hold it."""
    return f"launchbay/{org_id}/registry/{re.sub(r'[^A-Za-z0-9.-]', '-', host)}"


# <account>.dkr.ecr.<region>.amazonaws.com/<repository>: an image in a private ECR registry (a prefix
# of the reference; cloud/registry.py reads the tag or digest after it)
ECR_REPO = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repo>[^:@]+)")


def image_repository(org_id: str, service_id: str) -> str:
    """The service's own ECR repository: its built images, pinned by digest in each release."""
    return f"launchbay/{org_id}/{service_id}".lower()


def of_service(service: dict) -> ServiceNames:
    return for_service(service["org_id"], service["id"], service["name"])


def of_deployment(dep: dict) -> ServiceNames:
    return for_service(dep["org_id"], dep["service_id"], dep["service_name"])


@dataclass(frozen=True)
class ResourceNames:
    """Every AWS name one managed resource (database, cache, bucket) uses."""
    ident: str            # RDS instance / ElastiCache replication group (<= 40) / S3 bucket id, subnet group
    security_group: str
    secret: str           # Secrets Manager: the connection a linked service receives (launchbay/...)
    username: str
    db_name: str
    tags: dict

    def final_snapshot(self, at: str) -> str:
        """A snapshot name per delete request (`at`: when it was asked), so a retried delete reuses it."""
        return f"{self.ident}-final-{_digest(at)}"


def resource_names(doc: dict) -> ResourceNames:
    tail = doc["id"].split("_", 1)[-1]
    ident = f"launchbay-{tail}"   # letters, digits and hyphens, 36 chars: legal for RDS, ElastiCache and S3
    return ResourceNames(ident=ident, security_group=f"launchbay-res-{tail}",
                         secret=f"launchbay/{doc['org_id']}/resources/{tail}", username="launchbay", db_name="app",
                         tags={"launchbay:org": doc["org_id"], "launchbay:resource": doc["id"],
                               "launchbay:environment": doc.get("environment_id") or ""})
