"""Static egress: an environment's services leave the VPC through one NAT gateway with an Elastic
IP (the moto sandbox holds real EC2 objects for each piece); each environment its own; turned
off, services move back at their next deploy and the cleanup beat releases the address; deleting
the environment removes every piece; every call is one the connection policy allows."""
from __future__ import annotations

import ipaddress

import pytest

from chalicelib import wiring
from chalicelib.cloud import access, naming
from chalicelib.deploys import egress, env_teardown
from tests.deploys.test_env_teardown import delete_services, env_call
from tests.resources.test_resources import connected_and_recorded

pytestmark = pytest.mark.services


def ec2_of(ports, dep):
    return ports.cloud_for(dep.get("target")).client("ec2")


def pieces(ec2, name) -> dict:
    """Every piece tagged with the name (checked here: moto's NAT gateway filter is ignored)."""
    def named(found):
        return [x for x in found if {"Key": "Name", "Value": name} in (x.get("Tags") or [])]

    return {"nats": [n for n in named(ec2.describe_nat_gateways()["NatGateways"]) if n["State"] == "available"],
            "addresses": named(ec2.describe_addresses()["Addresses"]),
            "tables": named(ec2.describe_route_tables()["RouteTables"]),
            "subnets": named(ec2.describe_subnets()["Subnets"])}


def awsvpc(ports, dep) -> dict:
    ecs = ports.cloud_for(dep["target"]).client("ecs")
    svc = ecs.describe_services(cluster=dep["target"]["cluster"], services=[naming.of_deployment(dep).service])
    return svc["services"][0]["networkConfiguration"]["awsvpcConfiguration"]


def test_an_environment_s_services_leave_from_its_one_address(make_org, ports):
    org = make_org()
    prj = org.project()["id"]
    status, env = env_call(org, prj, "PATCH", "production", body={"static_egress": True})
    assert status == 200 and env["static_egress"] is True and env["egress_ips"] == []
    assert "next deploy makes the NAT gateway" in env["egress"]
    web = org.service()
    planned = {s["step"]: s for s in org.call("GET", f"/services/{web['id']}/plan")[1]["steps"]}["network"]
    assert planned["action"] == "create" and planned["changes"]["egress"][1].startswith("static: a NAT gateway")

    dep = org.deploy(ports, web)
    assert dep["status"] == "live", dep.get("error")
    name = naming.egress_name(env["id"])
    assert dep["target"]["egress"] == name
    ec2 = ec2_of(ports, dep)
    found = pieces(ec2, name)
    [nat], [addr], [table] = found["nats"], found["addresses"], found["tables"]
    assert nat["NatGatewayAddresses"][0]["AllocationId"] == addr["AllocationId"]
    shown = env_call(org, prj, "GET", "production")[1]
    assert shown["egress_ips"] == [addr["PublicIp"]] and addr["PublicIp"] in shown["egress"]
    # the tasks run in the private subnets, one per zone of the public ones, without a public IP
    public = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    private = found["subnets"]
    assert sorted(s["AvailabilityZone"] for s in private) == sorted(s["AvailabilityZone"] for s in public)
    assert not any(ipaddress.ip_network(p["CidrBlock"]).overlaps(ipaddress.ip_network(q["CidrBlock"]))
                   for p in private for q in public)
    cfg = awsvpc(ports, dep)
    assert sorted(cfg["subnets"]) == sorted(s["SubnetId"] for s in private) and cfg["assignPublicIp"] == "DISABLED"
    assert {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat["NatGatewayId"]}.items() <= \
        next(r for r in table["Routes"] if r.get("NatGatewayId")).items()
    assert {a["SubnetId"] for a in table["Associations"]} >= {s["SubnetId"] for s in private}
    # a second service, and another environment: the same address here, another there
    worker = org.service(name="worker", kind="worker")
    assert org.deploy(ports, worker)["status"] == "live"
    assert len(pieces(ec2, name)["nats"]) == 1
    # its cost: half the NAT gateway and its address each, and no public IPv4 per task
    cost = org.call("GET", f"/services/{web['id']}/cost")[1]
    items = {line["item"]: line for line in cost["lines"]}
    nat_line = items["NAT gateway hours (1/2 of the environment's, static egress)"]
    assert nat_line["monthly"] == round(730 / 2 * 0.045, 2) and "public IPv4 address of each task" not in items
    assert any("static egress: 1/2" in a for a in cost["assumptions"])
    status, staging = env_call(org, prj, "POST", body={"name": "staging", "static_egress": True})
    assert status == 201 and staging["static_egress"] is True
    other = org.deploy(ports, org.service(name="web", environment="staging"))
    assert other["status"] == "live", other.get("error")
    theirs = pieces(ec2, naming.egress_name(staging["id"]))
    assert len(theirs["nats"]) == 1 and theirs["nats"][0]["NatGatewayId"] != nat["NatGatewayId"]
    assert theirs["addresses"][0]["PublicIp"] != addr["PublicIp"]
    assert env_call(org, prj, "GET", "staging")[1]["egress_ips"] == [theirs["addresses"][0]["PublicIp"]]
    assert not any(ipaddress.ip_network(p["CidrBlock"]).overlaps(ipaddress.ip_network(q["CidrBlock"]))
                   for p in private for q in theirs["subnets"])


def test_turned_off_services_move_back_and_the_address_is_released_after(make_org, ports):
    org = make_org()
    prj = org.project()["id"]
    env = env_call(org, prj, "PATCH", "production", body={"static_egress": True})[1]
    web = org.service()
    first = org.deploy(ports, web)
    assert first["status"] == "live"
    name = naming.egress_name(env["id"])
    ec2 = ec2_of(ports, first)
    ip = pieces(ec2, name)["addresses"][0]["PublicIp"]

    assert org.call("GET", f"/services/{web['id']}")[1]["needs_deploy"] is False
    off = env_call(org, prj, "PATCH", "production", body={"static_egress": False})[1]
    assert org.call("GET", f"/services/{web['id']}")[1]["needs_deploy"] is True   # its network moves back
    audit = org.call("GET", "/audit")[1]["items"]
    assert next(a for a in audit if a["action"] == "environment.update")["details"]["fields"] == ["static_egress"]
    assert off["static_egress"] is False and off["egress_ips"] == [ip] and "turned off" in off["egress"]
    assert egress.reap(ports)["released"] == []              # the live release still runs behind it
    assert len(pieces(ec2, name)["nats"]) == 1
    again = org.deploy(ports, web)
    assert again["status"] == "live" and "egress" not in again["target"]
    cfg = awsvpc(ports, again)
    assert cfg["assignPublicIp"] == "ENABLED" and not set(cfg["subnets"]) & {s["SubnetId"] for s in pieces(ec2, name)["subnets"]}
    reaped = egress.reap(ports)
    assert reaped["released"] == [env["id"]], reaped
    assert pieces(ec2, name) == {"nats": [], "addresses": [], "tables": [], "subnets": []}
    shown = env_call(org, prj, "GET", "production")[1]
    assert shown["egress_ips"] == [] and "own public IP" in shown["egress"]
    assert egress.reap(ports)["released"] == []              # nothing left to do


def test_deleting_the_environment_removes_its_egress_and_every_call_is_allowed(make_org, ports):
    org, conn, seen = connected_and_recorded(make_org, ports)
    prj = org.project()["id"]
    status, staging = env_call(org, prj, "POST", body={"name": "staging", "aws_account_id": conn["id"],
                                                      "static_egress": True})
    assert status == 201
    svc = org.service(environment="staging")
    dep = org.deploy(ports, svc)
    assert dep["status"] == "live" and dep["target"]["account"] == conn["account_id"], dep.get("error")
    name = naming.egress_name(staging["id"])
    ec2 = ec2_of(ports, dep)
    assert len(pieces(ec2, name)["nats"]) == 1
    delete_services(org, ports, svc)
    planned = env_call(org, prj, "GET", "staging", "/plan-delete")[1]
    [place] = planned["places"]
    step = next(s for s in place["steps"] if s["step"] == "static_egress")
    assert step["action"] == "delete" and step["name"] == name
    assert env_call(org, prj, "DELETE", "staging")[0] == 202
    assert env_teardown.run(ports, staging["id"]).startswith("deleted")
    assert pieces(ec2, name) == {"nats": [], "addresses": [], "tables": [], "subnets": []}
    assert {"ec2:CreateNatGateway", "ec2:AllocateAddress", "ec2:CreateSubnet", "ec2:DeleteNatGateway",
            "ec2:ReleaseAddress", "ec2:DeleteSubnet"} <= seen
    sandbox_only = {"logs:CreateLogStream", "logs:PutLogEvents", "servicediscovery:RegisterInstance"}
    assert seen - access.allowed_actions() - sandbox_only - {"sts:GetCallerIdentity"} == set()
    wiring.reset_clients()


def test_a_deploy_waits_while_aws_starts_the_nat_gateway(make_org, ports, monkeypatch):
    """AWS takes a minute or two to make a NAT gateway available (the sandbox: LAUNCHBAY_SANDBOX_DELAY
    seconds): the first look retries, then the network step waits (logged once), then goes on."""
    import time

    from chalicelib.deploys import engine
    from chalicelib.lifecycle import states as rules

    monkeypatch.setenv("LAUNCHBAY_SANDBOX_DELAY", "3")
    wiring.reset()
    try:
        ports = wiring.get_ports()
        org = make_org()
        prj = org.project()["id"]
        assert env_call(org, prj, "PATCH", "production", body={"static_egress": True})[0] == 200
        dep_id = org.queue_deployment(org.service(name="worker", kind="worker"))["id"]
        owner, seq, retried, dep = None, 0, 0, {}
        for _ in range(200):
            try:
                out = engine.run(ports, dep_id, owner, seq)
            except engine.Retryable as exc:   # the worker task retries it with a countdown
                owner, seq, retried = exc.owner, exc.seq, retried + 1
                continue
            dep = ports.store.collection("deployments").get(dep_id)
            if rules.settled(dep):
                break
            if out.state == "later":
                owner, seq = out.owner, out.seq
                time.sleep(min(out.countdown, 0.5))
        assert dep["status"] == "live", dep.get("error")
        assert retried >= 1
        lines = [x["message"] for x in org.call("GET", f"/deployments/{dep_id}/logs?after=0&limit=500")[1]["lines"]]
        waits = [x for x in lines if "waiting for the NAT gateway" in x]
        assert len(waits) == 1, lines   # said once, not at every look
        shown = env_call(org, prj, "GET", "production")[1]   # and the address is known once it is up
        assert len(shown["egress_ips"]) == 1 and shown["egress_ips"][0] in shown["egress"], shown
    finally:
        monkeypatch.undo()
        wiring.reset()
