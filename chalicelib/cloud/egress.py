"""Static outbound addresses for an environment: its tasks leave the VPC through one NAT gateway
with an Elastic IP, so a database or partner API can allow that one address.

In the VPC Launchbay already uses (the default VPC's public subnets), an environment with static
egress gets, all named `launchbay-egress-<env>` (tagged Name, found by that tag):
- an Elastic IP and a NAT gateway on it in the first public subnet;
- a route table whose default route goes to the NAT gateway;
- one private subnet (a /24 from the VPC's unused space) per Availability Zone of the public
  subnets, associated with that route table.
Its services' tasks then run in the private subnets without a public IP (ensure_network with the
place's `egress`): the load balancer (in the public subnets) still reaches them; what they call
sees the Elastic IP. One NAT gateway per environment, in one zone: a zone outage stops egress
until AWS recovers it (docs/cloud.md).

Shapes: find_static_egress / ensure_static_egress -> {"name", "nat_gateway_id", "state", "ips",
"subnets", "route_table_id", "allocation_id"} (find: None when nothing exists; "complete": every
piece there and the NAT gateway available).
"""
from __future__ import annotations

import ipaddress
from typing import Any, Optional

from chalicelib.cloud.base import CloudBase, aws_tags, ignoring
from chalicelib.cloud.errors import RetryLater, error_code

LIVE_NAT = ("pending", "available")
SUBNET_PREFIX = 24


def _tagged(name: str) -> list[dict[str, Any]]:
    return [{"Name": "tag:Name", "Values": [name]}]


def _named(found: dict[str, Any], name: str) -> bool:
    return any(t.get("Key") == "Name" and t.get("Value") == name for t in found.get("Tags") or [])


def _spec(kind: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": aws_tags({"Name": name})}]


def free_cidr(vpc_cidr: str, taken: list[str], prefix: int = SUBNET_PREFIX) -> Optional[str]:
    """The highest /prefix block of the VPC's range that overlaps no existing subnet (the default
    VPC's subnets fill its range from the bottom)."""
    used = [ipaddress.IPv4Network(c) for c in taken]
    for block in reversed(list(ipaddress.IPv4Network(vpc_cidr).subnets(new_prefix=prefix))):
        if not any(block.overlaps(u) for u in used):
            return str(block)
    return None


class EgressMixin(CloudBase):
    def vpc_and_subnets(self) -> tuple[str, list[str], bool]:   # FoundationMixin's, which builds on this
        raise NotImplementedError

    def _nat_gateways(self, name: str) -> list[dict[str, Any]]:
        # DescribeNatGateways names its filter `Filter`; the tag is checked here too (moto ignores it)
        found = self.client("ec2").describe_nat_gateways(Filter=_tagged(name))["NatGateways"]
        return [n for n in found if _named(n, name)]

    def _egress_parts(self, name: str) -> dict[str, Any]:
        ec2 = self.client("ec2")
        every = self._nat_gateways(name)
        nats = [n for n in every if n["State"] in LIVE_NAT]
        failed = sorted((n for n in every if n["State"] == "failed"), key=lambda n: str(n.get("CreateTime")))
        addrs = [a for a in ec2.describe_addresses(Filters=_tagged(name))["Addresses"] if _named(a, name)]
        tables = [t for t in ec2.describe_route_tables(Filters=_tagged(name))["RouteTables"] if _named(t, name)]
        subnets = [s for s in ec2.describe_subnets(Filters=_tagged(name))["Subnets"] if _named(s, name)]
        return {"nat": nats[0] if nats else None, "failed": failed[-1] if failed else None,
                "address": addrs[0] if addrs else None,
                "table": tables[0] if tables else None,
                "subnets": sorted(subnets, key=lambda s: s.get("AvailabilityZone", ""))}

    @staticmethod
    def _shape(name: str, parts: dict[str, Any]) -> dict[str, Any]:
        nat, addr, table = parts["nat"], parts["address"], parts["table"]
        ips = [a["PublicIp"] for a in (nat or {}).get("NatGatewayAddresses") or [] if a.get("PublicIp")] or \
            ([addr["PublicIp"]] if addr and addr.get("PublicIp") else [])
        routed = bool(table) and any(r.get("NatGatewayId") == (nat or {}).get("NatGatewayId")
                                     and r.get("DestinationCidrBlock") == "0.0.0.0/0" for r in table.get("Routes") or [])
        associated = {a.get("SubnetId") for a in (table or {}).get("Associations") or []}
        subnets = [s["SubnetId"] for s in parts["subnets"]]
        complete = bool(nat and nat["State"] == "available" and routed and subnets
                        and set(subnets) <= associated)
        failure = None if nat else (parts.get("failed") or {}).get("FailureMessage")
        return {"name": name, "nat_gateway_id": (nat or {}).get("NatGatewayId"), "state": (nat or {}).get("State"),
                "failure": failure,
                "allocation_id": (addr or {}).get("AllocationId"), "ips": ips, "subnets": subnets,
                "route_table_id": (table or {}).get("RouteTableId"), "complete": complete}

    def find_static_egress(self, name: str) -> Optional[dict[str, Any]]:
        parts = self._egress_parts(name)
        if not any((parts["nat"], parts["failed"], parts["address"], parts["table"], parts["subnets"])):
            return None
        return self._shape(name, parts)

    def ensure_static_egress(self, name: str) -> dict[str, Any]:
        """Make what is missing (idempotent: found by tag); RetryLater while the NAT gateway starts."""
        if self.configured(self.settings.subnets):
            raise ValueError("static egress needs the VPC Launchbay manages; with LAUNCHBAY_SUBNETS set, the "
                             "subnets' own routing (your NAT gateway) decides the outbound address")
        parts = self._egress_parts(name)
        found = self._shape(name, parts)
        if found["complete"]:   # every deploy of the environment asks: one look when nothing is missing
            return found
        vpc_id, public, _ = self.vpc_and_subnets()
        ec2 = self.client("ec2")
        addr = parts["address"] or ec2.allocate_address(Domain="vpc", TagSpecifications=_spec("elastic-ip", name))
        nat = parts["nat"]
        if nat is None:
            nat = ec2.create_nat_gateway(SubnetId=public[0], AllocationId=addr["AllocationId"],
                                         ClientToken=f"{name}-{addr['AllocationId']}"[:64],
                                         TagSpecifications=_spec("natgateway", name))["NatGateway"]
        table = parts["table"] or ec2.create_route_table(VpcId=vpc_id, TagSpecifications=_spec("route-table", name))[
            "RouteTable"]
        if not any(r.get("DestinationCidrBlock") == "0.0.0.0/0" for r in table.get("Routes") or []):
            try:
                with ignoring("RouteAlreadyExists"):
                    ec2.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                                     NatGatewayId=nat["NatGatewayId"])
            except Exception as exc:   # a NAT gateway made a moment ago is not known everywhere yet
                if error_code(exc) in ("InvalidNatGatewayID.NotFound", "InvalidRouteTableID.NotFound"):
                    raise RetryLater(f"AWS does not know the new NAT gateway or route table yet: {exc}") from None
                raise
        have = {s.get("AvailabilityZone") for s in parts["subnets"]}
        zones = [s["AvailabilityZone"] for s in ec2.describe_subnets(SubnetIds=public)["Subnets"]]
        vpc_cidr = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"]
        for zone in sorted(set(zones) - have):
            taken = [s["CidrBlock"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
                "Subnets"]]
            cidr = free_cidr(vpc_cidr, taken)
            if cidr is None:
                raise ValueError(f"the VPC {vpc_id} ({vpc_cidr}) has no free /{SUBNET_PREFIX} left for a private subnet")
            try:
                ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone,
                                  TagSpecifications=_spec("subnet", name))
            except Exception as exc:
                if error_code(exc) == "InvalidSubnet.Conflict":   # another environment took it meanwhile
                    raise RetryLater(f"{cidr} was taken while this environment's subnet was made") from None
                raise
        parts = self._egress_parts(name)
        associated = {a.get("SubnetId") for a in (parts["table"] or {}).get("Associations") or []}
        for subnet in parts["subnets"]:
            if subnet["SubnetId"] not in associated:
                with ignoring("Resource.AlreadyAssociated"):
                    ec2.associate_route_table(RouteTableId=parts["table"]["RouteTableId"], SubnetId=subnet["SubnetId"])
        found = self._shape(name, self._egress_parts(name))
        if found["state"] != "available":   # the deploy's network step waits for it (deploys/egress.py)
            raise RetryLater(f"the NAT gateway {found['nat_gateway_id']} is {found['state']}: AWS takes a minute or two")
        return found

    def delete_static_egress(self, name: str) -> None:
        """Remove every piece, in an order AWS accepts (tolerates what is gone): the subnets (once no
        task's interface is left in them), the route table, the NAT gateway, then, once AWS has
        deleted that, the Elastic IP. RetryLater while the NAT gateway is still being deleted."""
        ec2 = self.client("ec2")
        parts = self._egress_parts(name)
        for subnet in parts["subnets"]:
            with ignoring("InvalidSubnetID.NotFound"):
                ec2.delete_subnet(SubnetId=subnet["SubnetId"])
        if parts["table"]:
            for assoc in parts["table"].get("Associations") or []:
                with ignoring("InvalidAssociationID.NotFound"):
                    ec2.disassociate_route_table(AssociationId=assoc["RouteTableAssociationId"])
            with ignoring("InvalidRouteTableID.NotFound"):
                ec2.delete_route_table(RouteTableId=parts["table"]["RouteTableId"])
        if parts["nat"]:
            with ignoring("NatGatewayNotFound", "InvalidNatGatewayID.NotFound"):
                ec2.delete_nat_gateway(NatGatewayId=parts["nat"]["NatGatewayId"])
        deleting = [n for n in self._nat_gateways(name) if n["State"] in ("pending", "available", "deleting")]
        if parts["address"]:
            if deleting:
                raise RetryLater(f"the NAT gateway {deleting[0]['NatGatewayId']} is being deleted; its Elastic IP "
                                 "is released after")
            with ignoring("InvalidAllocationID.NotFound"):
                ec2.release_address(AllocationId=parts["address"]["AllocationId"])
