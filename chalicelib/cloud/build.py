"""Builds from source with AWS CodeBuild: one project per service, which clones the service's
GitHub repository at a commit, runs `docker build` and pushes to the service's own ECR
repository. The deploy engine starts a build, then looks at it (observe_build) with a Celery
countdown between looks: no worker waits on a build. The image is read back by digest.

Shapes (besides the Cloud port's notes):
  find_build_project -> {"name", "repo", "dockerfile", "context", "timeout_minutes"} | None
  ensure_build_project -> {"name", "arn", "repository_uri"}
  start_build -> {"id", "tag", "repository_uri", "source_version", "started"} (the sandbox adds "simulated")
  observe_build -> {"state": "in_progress"|"succeeded"|"failed", "phase", "reason", "lines": [str],
                    "log_next", "image" and "digest" once succeeded}
"""
from __future__ import annotations

import json
import time
from typing import Any, Optional

from chalicelib.cloud import naming
from chalicelib.cloud.base import CloudBase, aws_tags, ignoring
from chalicelib.cloud.errors import error_code

BUILD_IMAGE = "aws/codebuild/standard:7.0"
# An arm64 service's image is built on an arm64 host (native, no emulation): CodeBuild's Graviton
# environment, Amazon Linux 2023 with Docker.
ARM_BUILD_IMAGE = "aws/codebuild/amazonlinux-aarch64-standard:3.0"
# Private registries (base images): each one's user name and password reach the build as
# SECRETS_MANAGER variables (CodeBuild reads the secret's JSON keys), never as values in a command.
# Build args are passed by name only (docker reads each value from the build's environment), so
# no value is ever part of a shell command line. Names are checked as env names by the API.
BUILDSPEC = """version: 0.2
phases:
  pre_build:
    commands:
      - aws ecr get-login-password | docker login --username AWS --password-stdin "${LB_REPOSITORY_URI%%/*}"
      - i=0; for h in $LB_REGISTRIES; do printenv "LB_REGISTRY_${i}_PASSWORD" | docker login --username "$(printenv "LB_REGISTRY_${i}_USER")" --password-stdin "$h"; i=$((i+1)); done
  build:
    commands:
      - ARGS=""; for n in $LB_BUILD_ARGS; do ARGS="$ARGS --build-arg $n"; done
      - docker build -f "$LB_DOCKERFILE" -t "$LB_REPOSITORY_URI:$LB_IMAGE_TAG" $ARGS "$LB_CONTEXT"
  post_build:
    commands:
      - docker push "$LB_REPOSITORY_URI:$LB_IMAGE_TAG"
"""
FAILED = {"FAILED", "FAULT", "STOPPED", "TIMED_OUT"}


class BuildMixin(CloudBase):
    def ensure_image_repository(self, name: str) -> str:
        ecr = self.client("ecr")
        with ignoring("RepositoryAlreadyExistsException"):
            ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE", tags=aws_tags())
        return ecr.describe_repositories(repositoryNames=[name])["repositories"][0]["repositoryUri"]

    def codebuild_role_arn(self) -> str:
        if self.settings.codebuild_role_arn:
            return self.settings.codebuild_role_arn
        p, r = self.partition, self.region
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
            {"Effect": "Allow", "Resource": f"arn:{p}:ecr:{r}:*:repository/launchbay/*", "Action": [
                "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]},
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:CreateLogGroup"],
             "Resource": f"arn:{p}:logs:{r}:*:log-group:{naming.BUILD_LOG_GROUP}*"},
            # private repositories: the organization's GitHub token (put_source_credential)
            {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
             "Resource": f"arn:{p}:secretsmanager:{r}:*:secret:launchbay/*/git/*"},
            # private base images: the organization's registry credentials (put_registry_credential)
            {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
             "Resource": f"arn:{p}:secretsmanager:{r}:*:secret:launchbay/*/registry/*"},
        ]}
        return self.ensure_role(naming.CODEBUILD_ROLE_NAME, "codebuild.amazonaws.com", policy)  # type: ignore[attr-defined]

    def find_build_project(self, name: str) -> Optional[dict[str, Any]]:
        found = self.client("codebuild").batch_get_projects(names=[name]).get("projects") or []
        if not found:
            return None
        p = found[0]
        env = {e["name"]: e.get("value") for e in (p.get("environment") or {}).get("environmentVariables") or []}
        source = p.get("source") or {}
        repo = source.get("location", "").removeprefix("https://github.com/").removesuffix(".git")
        return {"name": p["name"], "arn": p.get("arn"), "repo": repo, "dockerfile": env.get("LB_DOCKERFILE"),
                "context": env.get("LB_CONTEXT"), "timeout_minutes": p.get("timeoutInMinutes"),
                "architecture": "arm64" if (p.get("environment") or {}).get("type") == "ARM_CONTAINER" else "x86_64",
                "repository_uri": env.get("LB_REPOSITORY_URI"),
                "source_auth": (source.get("auth") or {}).get("resource")}

    def _project_args(self, name: str, repo: str, repository_uri: str, dockerfile: str, context: str,
                      timeout_seconds: int, source_auth: Optional[str] = None,
                      architecture: str = "x86_64") -> dict[str, Any]:
        variables = {"LB_REPOSITORY_URI": repository_uri, "LB_DOCKERFILE": dockerfile, "LB_CONTEXT": context}
        source: dict[str, Any] = {"type": "GITHUB", "location": f"https://github.com/{repo}.git", "buildspec": BUILDSPEC}
        if source_auth:   # a private repository: CodeBuild clones with the token in this secret
            source["auth"] = {"type": "SECRETS_MANAGER", "resource": source_auth}
        return {"name": name, "description": "Managed by Launchbay",
                "source": source,
                "artifacts": {"type": "NO_ARTIFACTS"},
                "environment": {**({"type": "ARM_CONTAINER", "image": ARM_BUILD_IMAGE} if architecture == "arm64" else
                                   {"type": "LINUX_CONTAINER", "image": BUILD_IMAGE}),
                                "computeType": "BUILD_GENERAL1_SMALL",
                                "privilegedMode": True,   # docker build needs the Docker daemon
                                "environmentVariables": [{"name": k, "value": v, "type": "PLAINTEXT"}
                                                         for k, v in variables.items()]},
                "serviceRole": self.codebuild_role_arn(),
                "timeoutInMinutes": max(5, min(480, -(-timeout_seconds // 60))),
                "logsConfig": {"cloudWatchLogs": {"status": "ENABLED", "groupName": naming.BUILD_LOG_GROUP}},
                "tags": [{"key": t["Key"], "value": t["Value"]} for t in aws_tags()]}

    def ensure_build_project(self, name: str, repo: str, repository: str, dockerfile: str, context: str,
                             timeout_seconds: int, source_auth: Optional[str] = None,
                             architecture: str = "x86_64") -> dict[str, Any]:
        uri = self.ensure_image_repository(repository)
        args = self._project_args(name, repo, uri, dockerfile, context, timeout_seconds, source_auth or None,
                                  architecture)
        try:
            project = self.client("codebuild").create_project(**args)["project"]
        except Exception as exc:
            if error_code(exc) != "ResourceAlreadyExistsException":
                raise
            project = self._update_build_project(args)
        return {"name": name, "arn": project.get("arn"), "repository_uri": uri}

    def _update_build_project(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.client("codebuild").update_project(**args)["project"]

    def start_build(self, project: str, repository_uri: str, source_version: str, tag: str,
                    build_env: Optional[dict[str, str]] = None, idempotency_token: Optional[str] = None,
                    run_env: Optional[dict[str, str]] = None,
                    registries: Optional[list[dict[str, str]]] = None) -> dict[str, Any]:
        """run_env: the service's run-time env, read by the sandbox only (LAUNCHBAY_SANDBOX_*).
        registries: [{"host", "secret"}] to sign in to before building (put_registry_credential's)."""
        args = dict(build_env or {})
        overrides = [{"name": k, "value": v, "type": "PLAINTEXT"} for k, v in sorted(args.items())]
        overrides += [{"name": "LB_IMAGE_TAG", "value": tag, "type": "PLAINTEXT"},
                      {"name": "LB_BUILD_ARGS", "value": " ".join(sorted(args)), "type": "PLAINTEXT"},
                      {"name": "LB_REGISTRIES", "value": " ".join(r["host"] for r in registries or []),
                       "type": "PLAINTEXT"}]
        for i, reg in enumerate(registries or []):
            overrides += [{"name": f"LB_REGISTRY_{i}_USER", "value": f"{reg['secret']}:username",
                           "type": "SECRETS_MANAGER"},
                          {"name": f"LB_REGISTRY_{i}_PASSWORD", "value": f"{reg['secret']}:password",
                           "type": "SECRETS_MANAGER"}]
        kwargs: dict[str, Any] = {"projectName": project, "sourceVersion": source_version,
                                  "environmentVariablesOverride": overrides}
        if idempotency_token:
            kwargs["idempotencyToken"] = idempotency_token
        build = self.client("codebuild").start_build(**kwargs)["build"]
        return {"id": build["id"], "tag": tag, "repository_uri": repository_uri, "source_version": source_version,
                "started": time.time()}

    def observe_build(self, build: dict[str, Any], log_next: Optional[str] = None) -> dict[str, Any]:
        got = self.client("codebuild").batch_get_builds(ids=[build["id"]]).get("builds") or []
        if not got:
            return {"state": "failed", "reason": f"CodeBuild has no build {build['id']}", "lines": [], "log_next": log_next}
        b = got[0]
        logs = b.get("logs") or {}
        lines, log_next = self._build_log_lines(logs.get("groupName"), logs.get("streamName"), log_next)
        status, phase = b.get("buildStatus", "IN_PROGRESS"), b.get("currentPhase", "")
        out: dict[str, Any] = {"phase": phase, "lines": lines, "log_next": log_next}
        if status == "IN_PROGRESS":
            return {**out, "state": "in_progress", "reason": f"CodeBuild phase {phase or 'QUEUED'}"}
        if status in FAILED:
            failed = [p for p in b.get("phases") or [] if p.get("phaseStatus") in FAILED]
            why = "; ".join(c.get("message", "") for p in failed for c in p.get("contexts") or [] if c.get("message"))
            where = failed[0]["phaseType"] if failed else phase
            return {**out, "state": "failed",
                    "reason": f"the build {status.lower().replace('_', ' ')} in phase {where}" + (f": {why}" if why else "")}
        return {**out, "state": "succeeded", **self.image_digest(build["repository_uri"], build["tag"])}

    def image_digest(self, repository_uri: str, tag: str) -> dict[str, Any]:
        repo = repository_uri.split("/", 1)[1]
        found = self.client("ecr").describe_images(repositoryName=repo, imageIds=[{"imageTag": tag}])
        digest = found["imageDetails"][0]["imageDigest"]
        return {"image": f"{repository_uri}@{digest}", "digest": digest}

    def _build_log_lines(self, group: Optional[str], stream: Optional[str],
                         log_next: Optional[str]) -> tuple[list[str], Optional[str]]:
        """New lines of the build's CloudWatch stream since log_next (forward tokens)."""
        if not group or not stream:
            return [], log_next
        kwargs: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "startFromHead": True, "limit": 500}
        if log_next:
            kwargs["nextToken"] = log_next
        try:
            resp = self.client("logs").get_log_events(**kwargs)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":   # the build has not logged yet
                return [], log_next
            raise
        lines = [e["message"].rstrip("\n") for e in resp.get("events", [])]
        return [line for line in lines if line.strip()], resp.get("nextForwardToken") or log_next

    def put_source_credential(self, name: str, token: str) -> dict[str, Any]:
        """The organization's GitHub token as CodeBuild takes a source credential from Secrets
        Manager: a JSON secret tagged codebuild:source (CodeBuild's user guide, "Create and store a
        token in a Secrets Manager secret") -> {"arn"}. Written on every build: a replaced token
        reaches the next build."""
        value = json.dumps({"ServerType": "GITHUB", "AuthType": "PERSONAL_ACCESS_TOKEN", "Token": token})
        tags = [*aws_tags(), {"Key": "codebuild:source", "Value": ""},
                {"Key": "codebuild:source:type", "Value": "personal_access_token"},
                {"Key": "codebuild:source:provider", "Value": "github"}]
        sm = self.client("secretsmanager")
        for _ in range(2):   # a build of another service may create it between our two calls
            try:
                sm.put_secret_value(SecretId=name, SecretString=value)
                return {"arn": sm.describe_secret(SecretId=name)["ARN"]}
            except Exception as exc:
                if error_code(exc) != "ResourceNotFoundException":
                    raise
            try:
                return {"arn": sm.create_secret(Name=name, SecretString=value, Tags=tags)["ARN"]}
            except Exception as exc:
                if error_code(exc) != "ResourceExistsException":
                    raise
        raise RuntimeError(f"the secret {name} was deleted and created again while this build wrote it")

    def delete_source_credential(self, name: str) -> None:
        with ignoring("ResourceNotFoundException"):
            self.client("secretsmanager").delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)

    def stop_build(self, build_id: str) -> Optional[str]:
        """-> the build's status as StopBuild answers it (None: already finished, or gone)."""
        with ignoring("InvalidInputException", "ResourceNotFoundException"):
            return self.client("codebuild").stop_build(id=build_id)["build"].get("buildStatus")
        return None

    def delete_build_project(self, name: str, repository: str) -> None:
        """A deleted service's project and its images (releases of a deleted service are not kept)."""
        with ignoring("ResourceNotFoundException", "InvalidInputException"):
            self.client("codebuild").delete_project(name=name)
        with ignoring("RepositoryNotFoundException"):
            self.client("ecr").delete_repository(repositoryName=repository, force=True)
