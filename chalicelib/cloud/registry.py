"""Container images: pin an ECR image tag to its digest, so a release (and a rollback
to it) runs exactly the bytes it was deployed with, even if the tag moves later."""
from __future__ import annotations

import json
import re
from typing import Any, Optional

from chalicelib.cloud.base import CloudBase, aws_tags, ignoring
from chalicelib.cloud.errors import RetryLater, error_code
from chalicelib.cloud.naming import ECR_REPO

# an image in a private ECR registry (cloud/naming.ECR_REPO), [:tag], whole
ECR = re.compile(ECR_REPO.pattern + r"(:(?P<tag>[^@]+))?$")
# ... or pinned: [:tag]@sha256:<digest>
ECR_PINNED = re.compile(ECR_REPO.pattern + r"(:[^@]+)?@sha256:[0-9a-f]{64}$")
# Our statement in a repository's policy: the accounts whose tasks may pull its images (a release
# promoted from an environment in this account to one in another). Other statements are kept.
PULL_SID = "LaunchbayCrossAccountPull"
PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer"]
VERSION_TAG = "launchbay:version"   # on a registry credential's secret: the password version it holds


class CannotPull(Exception):
    """The registry refused the credentials, wants some, or has no such image: a deploy fails now
    (retrying changes nothing) instead of its tasks failing to pull for ten minutes."""


class RegistryMixin(CloudBase):
    def resolve_image(self, image: str) -> dict[str, Any]:
        """-> {"image": reference to run, "digest": sha256 or None, "pinned": bool}.
        Images outside this account's ECR are used as given (their registries are not reachable
        from here); an image already pinned with @sha256 stays as it is."""
        if "@sha256:" in image:
            return {"image": image, "digest": image.rsplit("@", 1)[1], "pinned": True}
        m = ECR.match(image)
        if not m or m["region"] != self.region:
            return {"image": image, "digest": None, "pinned": False}
        found = self.client("ecr").describe_images(
            registryId=m["account"], repositoryName=m["repo"], imageIds=[{"imageTag": m["tag"] or "latest"}])
        digest = found["imageDetails"][0]["imageDigest"]
        repo_uri = f"{m['account']}.dkr.ecr.{m['region']}.amazonaws.com/{m['repo']}"
        return {"image": f"{repo_uri}@{digest}", "digest": digest, "pinned": True}

    def resolve_private_image(self, image: str, username: str, password: str,
                              architecture: str = "x86_64") -> dict[str, Any]:
        """An image in a registry the organization has credentials for: sign in as a pull would and
        pin the tag to the digest the registry names now (a rollback runs the same bytes). -> as
        resolve_image, plus "checked" in words. The sandbox reaches no registry but one on this
        machine: elsewhere it runs the image as given and says so."""
        from chalicelib.notify.urls import local_mode
        from chalicelib.registries import references, v2

        ref = references.parse(image)
        if ref is None:
            raise CannotPull(f"{image!r} is not an image reference")
        if self.sandbox and not v2.loopback(ref.host):
            return {"image": image, "digest": None, "pinned": False,
                    "checked": "not checked: the sandbox reaches no registry but one on this machine"}
        try:
            digest = v2.manifest_digest(ref, (username, password), local_mode(self.settings))
        except v2.Problem as exc:
            if exc.kind == "unreachable":
                raise RetryLater(str(exc)) from None
            raise CannotPull(str(exc)) from None
        platform = _platform_checked(ref, (username, password), local_mode(self.settings), digest, image, architecture)
        name = image.split("@", 1)[0]
        if ":" in name.rsplit("/", 1)[-1]:
            name = name.rsplit(":", 1)[0]
        return {"image": f"{name}@{digest}", "digest": digest, "pinned": True,
                "checked": f"signed in to {ref.host} as {username}; {ref.repository}:{ref.reference} is {digest[:19]}…"
                           + (f" ({platform})" if platform else "")}

    def find_registry_credential(self, name: str) -> Optional[dict[str, Any]]:
        """-> {"arn", "version"} of the Secrets Manager secret ECS pulls with (None: not made yet)."""
        try:
            found = self.client("secretsmanager").describe_secret(SecretId=name)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise
        if found.get("DeletedDate"):
            return None
        tags = {t["Key"]: t["Value"] for t in found.get("Tags") or []}
        return {"arn": found["ARN"], "version": tags.get(VERSION_TAG)}

    def put_registry_credential(self, name: str, username: str, password: str, version: int) -> dict[str, Any]:
        """The pair as ECS reads a private registry's credentials: a Secrets Manager secret holding
        {"username", "password"} (the task execution role may read launchbay/* secrets), tagged with
        the password's version so the next deploy writes it only when it changed. -> {"arn"}."""
        value = json.dumps({"username": username, "password": password})
        tag = {"Key": VERSION_TAG, "Value": str(version)}
        sm = self.client("secretsmanager")
        for _ in range(2):   # a deploy of another service may create it between our two calls
            try:
                sm.put_secret_value(SecretId=name, SecretString=value)
                arn = sm.describe_secret(SecretId=name)["ARN"]
                sm.tag_resource(SecretId=name, Tags=[tag])
                return {"arn": arn}
            except Exception as exc:
                _still_deleting(exc)
                if error_code(exc) != "ResourceNotFoundException":
                    raise
            try:
                return {"arn": sm.create_secret(Name=name, SecretString=value, Tags=[*aws_tags(), tag],
                                                Description="Launchbay: credentials ECS pulls private images with")["ARN"]}
            except Exception as exc:
                _still_deleting(exc)
                if error_code(exc) != "ResourceExistsException":
                    raise
        raise RetryLater(f"the secret {name} was deleted and created again while this deploy wrote it")

    def delete_registry_credential(self, name: str) -> None:
        with ignoring("ResourceNotFoundException"):
            self.client("secretsmanager").delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)

    def pull_access(self, repository: str) -> list[str]:
        """The accounts our statement lets pull from this repository ([] without one)."""
        return sorted(_accounts(_our_statement(self._repository_policy(repository))))

    def allow_pull(self, repository: str, account: str) -> dict[str, Any]:
        """Let `account`'s tasks pull this repository's images: our statement in its policy gains
        the account (idempotent; other statements stay). -> {"repository", "accounts"}."""
        policy = self._repository_policy(repository) or {"Version": "2012-10-17", "Statement": []}
        ours = _our_statement(policy)
        accounts = sorted(_accounts(ours) | {account})
        statement = {"Sid": PULL_SID, "Effect": "Allow", "Action": PULL_ACTIONS,
                     "Principal": {"AWS": [f"arn:{self.partition}:iam::{a}:root" for a in accounts]}}
        policy["Statement"] = [st for st in _statements(policy) if st is not ours] + [statement]
        self.client("ecr").set_repository_policy(repositoryName=repository, policyText=json.dumps(policy))
        return {"repository": repository, "accounts": accounts}

    def _repository_policy(self, repository: str) -> dict[str, Any]:
        try:
            text = self.client("ecr").get_repository_policy(repositoryName=repository)["policyText"]
        except Exception as exc:
            if error_code(exc) == "RepositoryPolicyNotFoundException":
                return {}
            raise
        return json.loads(text)


def _platform_checked(ref: Any, creds: tuple[str, str], local: bool, digest: str, image: str,
                      architecture: str) -> Optional[str]:
    """The image has a variant for the CPU the service runs on: a task of the other kind would fail
    with "exec format error" after the rollout began. -> the platform, or None when the registry
    does not say (then nothing is refused)."""
    from chalicelib.registries import v2

    want = "linux/arm64" if architecture == "arm64" else "linux/amd64"
    try:
        found = v2.platforms(ref, creds, local, digest)
    except v2.Problem:
        return None
    if found is None:
        return None
    if want not in found:
        raise CannotPull(f"{image} has no {want} image (it has {', '.join(found) or 'none'}), and the service runs "
                         f"on {architecture}: push one built for {want} (docker buildx build --platform {want} ...) "
                         f"or set the service's architecture to {'x86_64' if architecture == 'arm64' else 'arm64'}")
    return want


def _still_deleting(exc: Exception) -> None:
    """Credentials removed and set again within seconds: AWS still deletes the old secret (its name
    is taken until then), so the deploy tries again shortly instead of failing."""
    if error_code(exc) == "InvalidRequestException" and "deletion" in str(exc).lower():
        raise RetryLater(f"the previous credentials' secret is still being deleted: {exc}") from None


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    found = policy.get("Statement") or []
    return [found] if isinstance(found, dict) else list(found)


def _our_statement(policy: dict[str, Any]) -> Any:
    return next((st for st in _statements(policy) if st.get("Sid") == PULL_SID), None)


def _accounts(statement: Any) -> set[str]:
    """The account ids a statement's AWS principals name (arn:...:iam::<id>:root, or the bare id)."""
    if not statement:
        return set()
    principals = (statement.get("Principal") or {}).get("AWS") or []
    principals = [principals] if isinstance(principals, str) else principals
    return {p.split(":")[4] if p.startswith("arn:") else p for p in principals}
