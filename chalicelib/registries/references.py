"""Image references read as Docker reads them: `ghcr.io/acme/api:1.4` is repository `acme/api`
in registry `ghcr.io`; `nginx:1.27` is `library/nginx` on Docker Hub (`docker.io`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

DOCKER_HUB = "docker.io"
# what people write for Docker Hub; credentials for any of them are Docker Hub's
_HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?$")
HOST_HELP = "a registry host name, with its port if not 443: ghcr.io, registry.gitlab.com, docker.io, 127.0.0.1:5000"
PRIVATE_ECR = re.compile(r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
PUBLIC_ECR = "public.ecr.aws"
_PATH = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")


@dataclass(frozen=True)
class Reference:
    host: str            # the registry, normalized (docker.io for Docker Hub)
    repository: str      # acme/api (library/nginx on Docker Hub)
    reference: str       # the tag, or sha256:<digest>

    @property
    def pinned(self) -> bool:
        return self.reference.startswith("sha256:")


def normal_host(host: str) -> str:
    host = (host or "").strip().lower().rstrip("/")
    return DOCKER_HUB if host in _HUB_ALIASES else host


def host_problem(host: str) -> Optional[str]:
    """Why `host` cannot hold credentials (None: it can)."""
    if not HOST.match(host or ""):
        return f"must be {HOST_HELP}"
    if PRIVATE_ECR.match(host.split(":")[0]):
        return "is an Amazon ECR registry: its images are pulled with the task execution role, no credentials needed"
    if host == PUBLIC_ECR:
        return "is Amazon ECR Public: its images are public, no credentials needed"
    return None


def split_host(name: str) -> tuple[str, str]:
    """An image name -> (its registry host, normalized; the rest). The first path component is a
    host when it has a '.' or ':' or is `localhost` (Docker's rule); otherwise the name is Docker Hub's."""
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return normal_host(first), rest
    return DOCKER_HUB, name


def parse(image: str) -> Optional[Reference]:
    """-> the image's registry, repository and tag or digest; None when it is not a reference."""
    image = (image or "").strip()
    name, digest = (image.split("@", 1) + [""])[:2] if "@" in image else (image, "")
    host, path = split_host(name)
    tag = ""
    if ":" in path.rsplit("/", 1)[-1]:
        path, tag = path.rsplit(":", 1)
    if host == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    if not _PATH.match(path) or (digest and not re.match(r"^sha256:[0-9a-f]{64}$", digest)):
        return None
    return Reference(host, path, digest or tag or "latest")
