"""Build the RegisterTaskDefinition request from a ContainerSpec (pure, no AWS calls)."""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from chalicelib.cloud.port import ContainerSpec

SPEC_TAG = "launchbay:spec-sha256"  # hash of the request, to reuse an identical revision
HEALTH_LABEL = "launchbay.health-check-path"

# Fargate's legal (cpu units -> memory MiB) combinations.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}

# valueFrom must be a reference (an SSM parameter or Secrets Manager ARN). Anything
# else is probably a secret value passed by mistake and must not reach ECS.
_SECRET_REF = re.compile(r"^arn:aws[a-z-]*:(ssm|secretsmanager):[a-z0-9-]+:\d{12}:(parameter/|secret:)\S+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_fargate_size(cpu: int, memory: int) -> None:
    allowed = FARGATE_SIZES.get(cpu)
    if allowed is None:
        raise ValueError(f"Fargate cpu must be one of {sorted(FARGATE_SIZES)}, got {cpu}")
    if memory not in allowed:
        raise ValueError(f"Fargate cpu {cpu} allows memory {allowed[0]}-{allowed[-1]} MiB "
                         f"in steps of {allowed[1] - allowed[0]}, got {memory}")


def build_request(family: str, container: ContainerSpec, region: str, execution_role_arn: str) -> dict[str, Any]:
    """The kwargs for ecs.register_task_definition (without tags)."""
    name = container.get("name") or family
    cpu, memory = int(container.get("cpu", 256)), int(container.get("memory", 512))
    check_fargate_size(cpu, memory)
    env = {str(k): str(v) for k, v in (container.get("env") or {}).items()}
    secrets = dict(container.get("secrets") or {})
    for key in list(env) + list(secrets):
        if not _ENV_NAME.match(key):
            raise ValueError(f"illegal environment variable name {key!r}")
    both = sorted(set(env) & set(secrets))
    if both:
        raise ValueError(f"names set both as env and as secret: {', '.join(both)}")
    for key, ref in secrets.items():
        if not isinstance(ref, str) or not _SECRET_REF.match(ref):
            # Never echo the value: it may be the secret itself.
            raise ValueError(f"secret {key} must reference an SSM parameter or Secrets Manager ARN")
    definition: dict[str, Any] = {
        "name": name,
        "image": container["image"],
        "essential": True,
        "environment": [{"name": k, "value": env[k]} for k in sorted(env)],
        "secrets": [{"name": k, "valueFrom": secrets[k]} for k in sorted(secrets)],
    }
    pull_with = container.get("repository_credentials")
    if pull_with:
        if not re.match(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:\S+$", str(pull_with)):
            raise ValueError("repository credentials must reference a Secrets Manager secret ARN")
        # a private registry's image: ECS signs in with this secret's {"username", "password"}
        definition["repositoryCredentials"] = {"credentialsParameter": pull_with}
    port, command = container.get("port"), container.get("command")
    if port:
        definition["portMappings"] = [{"containerPort": int(port), "protocol": "tcp"}]
    if command:
        definition["command"] = list(command)
    if container.get("log_group"):
        definition["logConfiguration"] = {"logDriver": "awslogs", "options": {
            "awslogs-group": container["log_group"],
            "awslogs-region": region,
            "awslogs-stream-prefix": container.get("log_stream_prefix") or name,
        }}
    mounts = container.get("mounts") or []
    if mounts:
        definition["mountPoints"] = [{"sourceVolume": m["name"], "containerPath": m["path"],
                                      "readOnly": bool(m.get("read_only"))} for m in mounts]
    if container.get("health_check_path"):
        # The ALB target group does the checking; the label records the path for
        # people and for the sandbox simulator (images may lack curl for an ECS check).
        definition["dockerLabels"] = {HEALTH_LABEL: str(container["health_check_path"])}
    request: dict[str, Any] = {
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": str(cpu),
        "memory": str(memory),
        "executionRoleArn": execution_role_arn,
        "runtimePlatform": {"operatingSystemFamily": "LINUX",
                            "cpuArchitecture": "ARM64" if container.get("architecture") == "arm64" else "X86_64"},
        "containerDefinitions": [definition],
    }
    if container.get("task_role_arn"):
        request["taskRoleArn"] = container["task_role_arn"]
    if mounts:
        # EFS through its access point, encrypted in transit, the task role's IAM identity checked
        # by EFS (the role's policy says which file systems it may mount, and whether it may write)
        request["volumes"] = [{"name": m["name"], "efsVolumeConfiguration": {
            "fileSystemId": m["file_system_id"], "transitEncryption": "ENABLED",
            "authorizationConfig": {"accessPointId": m["access_point_id"], "iam": "ENABLED"}}} for m in mounts]
    return request


def spec_hash(request: dict[str, Any]) -> str:
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
