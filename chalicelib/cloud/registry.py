"""Container images: pin an ECR image tag to its digest, so a release (and a rollback
to it) runs exactly the bytes it was deployed with, even if the tag moves later."""
from __future__ import annotations

import re
from typing import Any

from chalicelib.cloud.base import CloudBase

# <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag]
ECR = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repo>[^:@]+)(:(?P<tag>[^@]+))?$")


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
