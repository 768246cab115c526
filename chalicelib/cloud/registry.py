"""Container images: pin an ECR image tag to its digest, so a release (and a rollback
to it) runs exactly the bytes it was deployed with, even if the tag moves later."""
from __future__ import annotations

import json
import re
from typing import Any

from chalicelib.cloud.base import CloudBase
from chalicelib.cloud.errors import error_code
from chalicelib.cloud.naming import ECR_REPO

# an image in a private ECR registry (cloud/naming.ECR_REPO), [:tag], whole
ECR = re.compile(ECR_REPO.pattern + r"(:(?P<tag>[^@]+))?$")
# ... or pinned: [:tag]@sha256:<digest>
ECR_PINNED = re.compile(ECR_REPO.pattern + r"(:[^@]+)?@sha256:[0-9a-f]{64}$")
# Our statement in a repository's policy: the accounts whose tasks may pull its images (a release
# promoted from an environment in this account to one in another). Other statements are kept.
PULL_SID = "LaunchbayCrossAccountPull"
PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer"]


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
