"""Shared state and helpers for the AwsCloud mixins (one per AWS area)."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Optional

from chalicelib.cloud import naming
from chalicelib.cloud.errors import error_code
from chalicelib.cloud.session import Clients

if TYPE_CHECKING:
    from chalicelib.settings import Settings

MANAGED_TAG = "launchbay:managed"


@dataclass(frozen=True)
class Place:
    """Where an adapter acts, besides the account and region its Clients carry: the names of the
    shared resources (one cluster per organization, one task security group per environment)."""
    cluster: Optional[str] = None                       # None: settings.cluster_name
    services_group: str = naming.SERVICES_SECURITY_GROUP
    # LAUNCHBAY_SUBNETS / LAUNCHBAY_SECURITY_GROUPS describe the platform's own account: a
    # connected account never gets them (its default VPC is used).
    configured_network: bool = True
    # an environment with static egress: the name of its NAT gateway and private subnets (egress.py)
    egress: Optional[str] = None


class CloudBase:
    sandbox: bool = False

    def __init__(self, settings: "Settings", clients: Optional[Clients] = None, place: Optional[Place] = None) -> None:
        self.settings = settings
        self.clients = clients or Clients(settings)
        self.place = place or Place()
        # Values that never change for a process: role ARNs, the account id.
        self._memo: dict[str, Any] = {}

    def configured(self, value: str) -> list[str]:
        """A comma-separated network setting, when this adapter acts in the platform's own account."""
        return [v.strip() for v in value.split(",") if v.strip()] if self.place.configured_network else []

    def client(self, service: str) -> Any:
        return self.clients.get(service)

    @property
    def cluster(self) -> str:
        return self.place.cluster or self.settings.cluster_name

    @property
    def region(self) -> str:
        return self.clients.region

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    def account_id(self) -> str:
        if "account" not in self._memo:
            self._memo["account"] = self.client("sts").get_caller_identity()["Account"]
        return self._memo["account"]

    def cluster_arn(self) -> str:
        return f"arn:{self.partition}:ecs:{self.region}:{self.account_id()}:cluster/{self.cluster}"


@contextlib.contextmanager
def ignoring(*codes: str) -> Iterator[None]:
    """Swallow AWS errors with these codes (e.g. 'already exists' on a create)."""
    try:
        yield
    except Exception as exc:  # botocore ClientError; matched by code, not class
        if error_code(exc) not in codes:
            raise


def aws_tags(extra: Optional[dict[str, str]] = None, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    tags = {MANAGED_TAG: "true", **(extra or {})}
    return [{key: k, value: v} for k, v in sorted(tags.items())]
