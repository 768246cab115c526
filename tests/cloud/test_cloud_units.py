"""Pure pieces: naming, task definition building, error classification, client factory."""
from __future__ import annotations

import botocore.exceptions as bce
import pytest
from botocore.exceptions import ClientError

from chalicelib.cloud import naming, taskdef
from chalicelib.cloud.errors import RetryLater, describe, is_retryable
from chalicelib.cloud.foundation import allowed_retention
from chalicelib.cloud.session import Clients
from tests.support.cloud import make_settings

SSM_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/launchbay/org/svc/DB_PASSWORD"


def client_error(code: str, status: int = 400, message: str = "boom") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "SomeOperation")


# --- errors ------------------------------------------------------------------------

@pytest.mark.parametrize("exc", [
    client_error("ThrottlingException"),
    client_error("Throttling"),
    client_error("TooManyRequestsException", 429),
    client_error("RequestLimitExceeded"),
    client_error("ServerException", 500),
    client_error("SomethingNew", 503),
    client_error("UpdateInProgressException"),
    client_error("PriorityInUse"),
    client_error("InvalidParameterException", message="Unable to assume role and validate the listeners"),
    bce.EndpointConnectionError(endpoint_url="https://ecs.us-east-1.amazonaws.com"),
    bce.ReadTimeoutError(endpoint_url="https://ecs"),
    bce.ConnectTimeoutError(endpoint_url="https://ecs"),
    bce.ConnectionClosedError(endpoint_url="https://ecs"),
    TimeoutError(),
    RetryLater("draining"),
])
def test_retryable(exc: BaseException) -> None:
    assert is_retryable(exc)


@pytest.mark.parametrize("exc", [
    client_error("AccessDeniedException", 403),
    client_error("AccessDenied", 403),
    client_error("ValidationException"),
    client_error("InvalidParameterException", message="Task definition does not support launch_type FARGATE."),
    client_error("ClientException"),
    client_error("UnauthorizedOperation", 403),
    bce.NoCredentialsError(),
    bce.ParamValidationError(report="bad"),
    ValueError("bad cpu"),
    KeyError("x"),
])
def test_permanent(exc: BaseException) -> None:
    assert not is_retryable(exc)


def test_describe_names_code_and_operation() -> None:
    text = describe(client_error("AccessDeniedException", 403, "not authorized to perform ecs:CreateService"))
    assert text.startswith("AccessDeniedException: not authorized")
    assert "SomeOperation" in text
    assert describe(ValueError("x")) == "ValueError: x"


# --- naming ------------------------------------------------------------------------

def test_elb_name_keeps_legal_names() -> None:
    assert naming.elb_name("launchbay-prod") == "launchbay-prod"


def test_elb_name_truncates_with_stable_hash() -> None:
    a = naming.elb_name("lb-org-0123456789-project-very-long-name-web")
    b = naming.elb_name("lb-org-0123456789-project-very-long-name-api")
    assert len(a) <= 32 and len(b) <= 32
    assert a != b  # same prefix, different hash
    assert a == naming.elb_name("lb-org-0123456789-project-very-long-name-web")
    assert not a.startswith("-") and not a.endswith("-") and "--" not in a


def test_elb_name_cleans_illegal_characters() -> None:
    name = naming.elb_name("my_service.v2")
    assert len(name) <= 32 and all(c.isalnum() or c == "-" for c in name)
    assert naming.elb_name("internal-tools").startswith("lb-internal-tools")


def test_resource_label_from_arns() -> None:
    lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb1/f4cf846d59fa6ccf"
    tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg1/2610a006e3f9a056"
    assert naming.request_count_resource_label(lb, tg) == "app/lb1/f4cf846d59fa6ccf/targetgroup/tg1/2610a006e3f9a056"
    with pytest.raises(ValueError):
        naming.request_count_resource_label(tg, lb)


def test_secret_parameter_name() -> None:
    assert naming.secret_parameter_name("org_1", "svc_2", "DB_URL") == "/launchbay/org_1/svc_2/DB_URL"
    assert naming.secret_parameter_name("org_1", "svc_2", "DB_URL", 3) == "/launchbay/org_1/svc_2/DB_URL/v3"
    with pytest.raises(ValueError):
        naming.secret_parameter_name("org", "../x", "K")


def test_allowed_retention_rounds_up() -> None:
    assert allowed_retention(14) == 14
    assert allowed_retention(10) == 14
    assert allowed_retention(100000) == 3653


# --- task definition request ------------------------------------------------------

def _container(**over):
    spec = {"name": "web", "image": "nginx@sha256:abc", "port": 8080, "cpu": 256, "memory": 512,
            "env": {"B": "2", "A": "1"}, "secrets": {"DB_PASSWORD": SSM_ARN},
            "log_group": "/launchbay/org/web", "log_stream_prefix": "web", "health_check_path": "/healthz"}
    spec.update(over)
    return spec


def test_build_request_shape() -> None:
    req = taskdef.build_request("web", _container(), "us-east-1", "arn:aws:iam::123456789012:role/x")
    assert req["cpu"] == "256" and req["memory"] == "512"
    assert req["networkMode"] == "awsvpc" and req["requiresCompatibilities"] == ["FARGATE"]
    c = req["containerDefinitions"][0]
    assert c["environment"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]  # sorted
    assert c["secrets"] == [{"name": "DB_PASSWORD", "valueFrom": SSM_ARN}]
    assert c["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]
    assert c["logConfiguration"]["options"] == {"awslogs-group": "/launchbay/org/web",
                                                "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"}


def test_build_request_refuses_secret_values() -> None:
    with pytest.raises(ValueError) as err:
        taskdef.build_request("web", _container(secrets={"DB_PASSWORD": "hunter2"}), "us-east-1", "arn:role")
    assert "hunter2" not in str(err.value)
    with pytest.raises(ValueError):
        taskdef.build_request("web", _container(env={"DB_PASSWORD": "x"}), "us-east-1", "arn:role")


def test_build_request_checks_fargate_sizes() -> None:
    with pytest.raises(ValueError):
        taskdef.build_request("web", _container(cpu=256, memory=4096), "us-east-1", "arn:role")
    taskdef.build_request("web", _container(cpu=1024, memory=3072), "us-east-1", "arn:role")


def test_spec_hash_ignores_dict_order() -> None:
    a = taskdef.build_request("web", _container(env={"A": "1", "B": "2"}), "us-east-1", "r")
    b = taskdef.build_request("web", _container(env={"B": "2", "A": "1"}), "us-east-1", "r")
    assert taskdef.spec_hash(a) == taskdef.spec_hash(b)


# --- client factory -----------------------------------------------------------------

def test_clients_are_cached_and_configured() -> None:
    clients = Clients(make_settings("http://127.0.0.1:1"))
    ecs = clients.get("ecs")
    assert clients.get("ecs") is ecs
    assert clients.get("ecs", fast=True) is not ecs
    assert ecs.meta.endpoint_url == "http://127.0.0.1:1"
    assert ecs.meta.region_name == "us-east-1"
    assert ecs.meta.config.retries["mode"] == "standard"
    assert ecs.meta.config.retries["total_max_attempts"] == 5
    fast = clients.get("ecs", fast=True).meta.config
    assert fast.connect_timeout == 2 and fast.retries["total_max_attempts"] == 1


def test_real_clients_use_aws_endpoints() -> None:
    clients = Clients(make_settings("", AWS_DEFAULT_REGION="eu-west-1"))
    assert "eu-west-1.amazonaws.com" in clients.get("ecs").meta.endpoint_url


def test_ping_never_raises() -> None:
    from chalicelib.cloud.sandbox import SandboxCloud

    result = SandboxCloud(make_settings("http://127.0.0.1:1")).ping()  # nothing listens on port 1
    assert result["ok"] is False and result["mode"] == "sandbox" and result["detail"]


def test_private_domains_are_dns_safe_four_labels_and_differ_per_org_and_project():
    org = "org_01m8e9xnhs7h4wz8f6xsneyshj"
    assert naming.private_domain("production", "shop", org) == "production.shop.neyshj.internal"
    odd = naming.private_domain("pr-12", "My Shop!  (EU)", org)
    assert odd == "pr-12.my-shop-eu.neyshj.internal"
    long = naming.private_domain("staging", "x" * 80, org)
    assert all(0 < len(label) <= 63 for label in long.split(".")) and len(long.split(".")) == 4
    assert naming.private_domain("production", "shop", "org_01m8e9xnhs7h4wz8f6xsabcdef") != \
        naming.private_domain("production", "shop", org)
    assert naming.private_domain("production", "---", org).split(".")[1] == "x"   # never an empty label
    assert naming.discovery_service("api") == "api"
