"""Listener rules and certificates belong to the service that made them (tag launchbay:service):
never re-pointed, reused or deleted by another. And the sandbox's TXT lookups (domain proofs)
read the sandbox's Route 53. Against a real moto server."""
from __future__ import annotations

import uuid

import pytest

from chalicelib.cloud.edge import OWNER_TAG, NotOwned
from chalicelib.cloud.sandbox import txt_value


def _tags(sandbox, rule_arn):
    found = sandbox.client("elbv2").describe_tags(ResourceArns=[rule_arn])["TagDescriptions"][0]["Tags"]
    return {t["Key"]: t["Value"] for t in found}


def _forward(sandbox, rule_arn):
    return sandbox.client("elbv2").describe_rules(RuleArns=[rule_arn])["Rules"][0]["Actions"][0]["TargetGroupArn"]


@pytest.fixture
def stack(sandbox, network, uid):
    lb = sandbox.ensure_load_balancer(f"own-{uid}", network)
    tg_a = sandbox.ensure_target_group(f"own-a-{uid}", 8080, {"path": "/"}, network["vpc_id"])
    tg_b = sandbox.ensure_target_group(f"own-b-{uid}", 8080, {"path": "/"}, network["vpc_id"])
    return lb["listener_arn"], tg_a, tg_b


def test_a_rule_is_its_owners_only(sandbox, stack, uid) -> None:
    listener, tg_a, tg_b = stack
    host = f"api.{uid}.example.com"
    rule = sandbox.ensure_listener_rule(listener, host, "/*", tg_a, owner="svc_a")
    assert _tags(sandbox, rule)[OWNER_TAG] == "svc_a"
    assert sandbox.find_listener_rule(listener, host, "/*")["owner"] == "svc_a"
    assert sandbox.ensure_listener_rule(listener, host.upper(), "/*", tg_a, owner="svc_a") == rule

    # another service asking for the same host: refused, nothing changes, its id is not told
    with pytest.raises(NotOwned) as refused:
        sandbox.ensure_listener_rule(listener, host, "/*", tg_b, owner="svc_b")
    assert "svc_a" not in str(refused.value)
    with pytest.raises(NotOwned):
        sandbox.ensure_listener_rule(listener, host, "/*", tg_b)          # nor a caller without an owner
    assert _forward(sandbox, rule) == tg_a
    assert sandbox.delete_listener_rule(listener, host, "/*", owner="svc_b") is False
    assert sandbox.delete_listener_rule(listener, host, "/*") is False
    assert sandbox.find_listener_rule(listener, host, "/*")["arn"] == rule

    # the owner re-points and deletes it
    assert sandbox.ensure_listener_rule(listener, host, "/*", tg_b, owner="svc_a") == rule
    assert _forward(sandbox, rule) == tg_b
    assert sandbox.delete_listener_rule(listener, host, "/*", owner="svc_a") is True
    assert sandbox.find_listener_rule(listener, host, "/*") is None


def test_an_untagged_rule_is_taken_only_by_the_service_it_already_serves(sandbox, stack, uid) -> None:
    listener, tg_a, tg_b = stack
    host = f"old.{uid}.example.com"
    rule = sandbox.ensure_listener_rule(listener, host, "/*", tg_a)     # made before ownership tags
    assert sandbox.find_listener_rule(listener, host, "/*")["owner"] is None
    with pytest.raises(NotOwned):                                        # it forwards elsewhere: not B's
        sandbox.ensure_listener_rule(listener, host, "/*", tg_b, owner="svc_b")
    assert sandbox.delete_listener_rule(listener, host, "/*", owner="svc_b", target_group_arn=tg_b) is False
    assert sandbox.ensure_listener_rule(listener, host, "/*", tg_a, owner="svc_a") == rule
    assert _tags(sandbox, rule)[OWNER_TAG] == "svc_a"                    # A's now, and says so
    with pytest.raises(NotOwned):
        sandbox.ensure_listener_rule(listener, host, "/*", tg_a)


def test_certificates_are_never_handed_to_another_service(sandbox, uid) -> None:
    domain = f"tls.{uid}.example.com"
    cert_a = sandbox.request_certificate(domain, owner="svc_a")
    assert sandbox.request_certificate(domain.upper(), owner="svc_a")["arn"] == cert_a["arn"]
    tags = sandbox.client("acm").list_tags_for_certificate(CertificateArn=cert_a["arn"])["Tags"]
    assert {"Key": OWNER_TAG, "Value": "svc_a"} in tags
    assert sandbox.find_certificate(domain, owner="svc_b") is None
    cert_b = sandbox.request_certificate(domain, owner="svc_b")
    assert cert_b["arn"] != cert_a["arn"]
    assert sandbox.find_certificate(domain, owner="svc_b")["arn"] == cert_b["arn"]
    assert sandbox.find_certificate(domain, owner="svc_a")["arn"] == cert_a["arn"]
    assert sandbox.find_certificate(domain) is None and sandbox.request_certificate(domain)["arn"] not in (
        cert_a["arn"], cert_b["arn"])


def test_sandbox_txt_lookup_reads_route53(sandbox, uid) -> None:
    zone_name = f"{uid}.example.org"
    name = f"_launchbay-challenge.api.{zone_name}"
    assert sandbox.lookup_txt(name) == []                                  # no hosted zone
    r53 = sandbox.client("route53")
    zone = r53.create_hosted_zone(Name=zone_name, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    assert sandbox.lookup_txt(name) == []                                  # no record
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT",
                                    "ResourceRecordSet": {"Name": name, "Type": "TXT", "TTL": 60, "ResourceRecords": [
                                        {"Value": '"launchbay-verify=abc"'}, {"Value": '"split " "value"'}]}}]})
    assert sorted(sandbox.lookup_txt(name.upper() + ".")) == ["launchbay-verify=abc", "split value"]
    assert sandbox.lookup_txt(f"other.{zone_name}") == []
    assert txt_value('"a\\"b"') == 'a"b' and txt_value("bare") == "bare"
