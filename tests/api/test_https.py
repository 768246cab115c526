"""HTTPS for a verified custom domain: served once its certificate is issued, by the next deploy
or by the beat's upgrade without one; HTTP then answers a 301 to HTTPS; the certificate sits on
the environment's :443 listener (by SNI beside other services'). Driven through the API against
moto; ACM's issuing is stood in for by importing a certificate for the domain with the service's
owner tag (moto issues requested certificates only after a minute)."""
from __future__ import annotations

import datetime

import boto3
import pytest

from chalicelib.cloud.edge import OWNER_TAG
from chalicelib.deploys import https, teardown
from tests.api.test_domains_api import create, deploy, org_with_project, prove, step, zone  # noqa: F401

pytestmark = pytest.mark.services


def client(env, name):
    return boto3.client(name, endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def issue(env, domain: str, owner: str) -> str:
    """What ACM does once the DNS validation records are seen: an issued certificate, the owner's."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
            .sign(key, hashes.SHA256()))
    return client(env, "acm").import_certificate(
        Certificate=cert.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()),
        Tags=[{"Key": OWNER_TAG, "Value": owner}])["CertificateArn"]


def rules_for(env, listener_arn: str, host: str) -> list[dict]:
    rules = client(env, "elbv2").describe_rules(ListenerArn=listener_arn)["Rules"]
    return [r for r in rules if any(host in (c.get("HostHeaderConfig") or {}).get("Values", [])
                                    for c in r.get("Conditions", []))]


def test_a_domain_is_served_over_https_once_its_certificate_is_issued(api, ports, launchbay_env, zone):  # noqa: F811
    a, org, prj = org_with_project(api)
    domain = f"shop.{zone}"
    _, svc = create(a, org, prj, domain=domain)
    prove(a, org, svc["id"], launchbay_env, zone)
    dep = deploy(a, ports, org, svc["id"])
    assert dep["status"] == "live"
    routed = step(dep, "domain_rule")
    assert routed["result"]["https"] is None and "HTTP only" in routed["plan"]["description"]
    _, dom = a.call("GET", f"/orgs/{org}/services/{svc['id']}/domain")
    assert dom["https"] is False and "HTTPS is served" in dom["message"]
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["endpoints"]["url"] == f"http://{domain}/"
    assert https.upgrade(ports)["upgraded"] == 0          # still pending: nothing changes

    cert = issue(launchbay_env, domain, svc["id"])
    done = https.upgrade(ports)
    assert done["upgraded"] == 1, done
    _, service = a.call("GET", f"/orgs/{org}/services/{svc['id']}")
    assert service["endpoints"]["url"] == f"https://{domain}/" and service["endpoints"]["https"] is True
    live = ports.store.collection("deployments").get(dep["id"])
    result = step(live, "domain_rule")["result"]
    assert result["https"]["certificate"] == cert
    elb = client(launchbay_env, "elbv2")
    lb_arn = step(live, "load_balancer")["result"]["arn"]
    listeners = {l["Port"]: l for l in elb.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]}
    assert listeners[443]["Protocol"] == "HTTPS" and result["https"]["listener_arn"] == listeners[443]["ListenerArn"]
    on_listener = [c["CertificateArn"] for c in
                   elb.describe_listener_certificates(ListenerArn=listeners[443]["ListenerArn"])["Certificates"]]
    assert cert in on_listener
    (secure,) = rules_for(launchbay_env, listeners[443]["ListenerArn"], domain)
    tg = step(live, "target_group")["result"]["arn"]
    assert secure["Actions"][0]["Type"] == "forward" and secure["Actions"][0].get("TargetGroupArn", tg) == tg
    (plain,) = rules_for(launchbay_env, listeners[80]["ListenerArn"], domain)
    assert plain["Actions"][0]["Type"] == "redirect"
    assert plain["Actions"][0]["RedirectConfig"]["Protocol"] == "HTTPS"
    assert plain["Actions"][0]["RedirectConfig"]["StatusCode"] == "HTTP_301"
    _, dom = a.call("GET", f"/orgs/{org}/services/{svc['id']}/domain")
    assert dom["https"] is True and dom["message"] is None
    assert https.upgrade(ports)["upgraded"] == 0          # once is enough

    # the next deploy keeps it so, and says nothing changes
    _, plan = a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan")
    planned = {s["step"]: s for s in plan["steps"]}["domain_rule"]
    assert planned["action"] == "no-op" and "HTTPS" in planned["description"], planned
    again = deploy(a, ports, org, svc["id"])
    assert again["status"] == "live" and step(again, "domain_rule")["result"]["https"]["certificate"] == cert
    assert rules_for(launchbay_env, listeners[80]["ListenerArn"], domain)[0]["Actions"][0]["Type"] == "redirect"

    # deleting the service deletes both rules (the listener and its certificate stay for others)
    assert a.call("DELETE", f"/orgs/{org}/services/{svc['id']}")[0] == 202
    assert teardown.run(ports, svc["id"]) == "deleted"
    assert rules_for(launchbay_env, listeners[443]["ListenerArn"], domain) == []
    assert rules_for(launchbay_env, listeners[80]["ListenerArn"], domain) == []


def test_aliases_are_claimed_verified_routed_and_served_over_https_each_on_its_own(api, ports, launchbay_env, zone):  # noqa: F811
    from tests.api.test_domains_api import publish_txt

    a, org, prj = org_with_project(api)
    domain, www = f"shop.{zone}", f"www.shop.{zone}"
    for body, field in (({"aliases": [www]}, "aliases"),                                  # no domain
                        ({"domain": domain, "aliases": [domain]}, "aliases"),             # itself
                        ({"domain": domain, "aliases": ["not a host"]}, "aliases"),
                        ({"domain": domain, "aliases": [f"a{i}.{zone}" for i in range(5)]}, "aliases")):
        status, err = create(a, org, prj, **body)
        assert status == 422 and err["error"]["field"] == field, (body, err)
    status, svc = create(a, org, prj, domain=domain, aliases=[www.upper()])
    assert status == 201 and svc["aliases"] == [www]
    b, org_b, prj_b = org_with_project(api)
    status, err = create(b, org_b, prj_b, domain=f"other.{zone}", aliases=[www])
    assert status == 409 and err["error"]["field"] == "aliases"             # one holder on the platform

    # the domain proven, the alias not yet: verified, and the alias says what it lacks
    prove(a, org, svc["id"], launchbay_env, zone)
    _, dom = a.call("GET", f"/orgs/{org}/services/{svc['id']}/domain")
    (alias,) = dom["aliases"]
    assert dom["status"] == "verified" and alias["domain"] == www and alias["status"] == "pending"
    status, said = a.call("POST", f"/orgs/{org}/services/{svc['id']}/domain/verify")
    assert status == 200 and said["aliases"][0]["status"] == "pending" and www in said["message"]
    publish_txt(launchbay_env, zone, alias["verification"]["name"], alias["verification"]["value"])
    status, said = a.call("POST", f"/orgs/{org}/services/{svc['id']}/domain/verify")
    assert status == 200 and said["aliases"][0]["status"] == "verified"

    dep = deploy(a, ports, org, svc["id"])
    assert dep["status"] == "live", dep.get("error")
    routed = step(dep, "domain_rule")["result"]
    assert [h["host"] for h in routed["hosts"]] == [domain, www] and routed["host"] == domain
    certs = step(dep, "certificate")["result"]
    assert set(certs["hosts"]) == {domain, www} and certs["hosts"][www]["arn"] != certs["hosts"][domain]["arn"]
    _, service = a.call("GET", f"/orgs/{org}/services/{svc['id']}")
    assert service["endpoints"]["url"] == f"http://{domain}/" and service["endpoints"]["aliases"] == [f"http://{www}/"]

    # each name turns HTTPS when its own certificate is issued
    issue(launchbay_env, www, svc["id"])
    assert https.upgrade(ports)["upgraded"] == 1
    _, dom = a.call("GET", f"/orgs/{org}/services/{svc['id']}/domain")
    assert dom["https"] is False and dom["aliases"][0]["https"] is True and dom["aliases"][0]["routed"] is True
    _, service = a.call("GET", f"/orgs/{org}/services/{svc['id']}")
    assert service["endpoints"]["aliases"] == [f"https://{www}/"]
    live = ports.store.collection("deployments").get(dep["id"])
    secure = step(live, "domain_rule")["result"]["hosts"][1]["https"]
    assert rules_for(launchbay_env, secure["listener_arn"], www) and not rules_for(launchbay_env, secure["listener_arn"], domain)

    # dropped: its claim is freed and its rules go at once; another service may take it now
    status, _ = a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"aliases": []})
    assert status == 200
    assert rules_for(launchbay_env, secure["listener_arn"], www) == []
    http_listener = step(live, "load_balancer")["result"]["listener_arn"]
    assert rules_for(launchbay_env, http_listener, www) == []
    assert rules_for(launchbay_env, http_listener, domain)                  # the domain stays routed
    status, _ = create(b, org_b, prj_b, domain=f"other.{zone}", aliases=[www])
    assert status == 201
    _, plan = a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan")
    assert {s["step"]: s for s in plan["steps"]}["domain_rule"]["name"] == domain


def test_aliases_can_redirect_to_the_domain_keeping_path_and_query(api, ports, launchbay_env, zone):  # noqa: F811
    from tests.api.test_domains_api import publish_txt

    a, org, prj = org_with_project(api)
    domain, www = f"shop.{zone}", f"www.shop.{zone}"
    _, svc = create(a, org, prj, domain=domain, aliases=[www], redirect_aliases=True)
    assert svc["redirect_aliases"] is True
    prove(a, org, svc["id"], launchbay_env, zone)
    alias = a.call("GET", f"/orgs/{org}/services/{svc['id']}/domain")[1]["aliases"][0]
    publish_txt(launchbay_env, zone, alias["verification"]["name"], alias["verification"]["value"])
    assert a.call("POST", f"/orgs/{org}/services/{svc['id']}/domain/verify")[1]["aliases"][0]["status"] == "verified"
    dep = deploy(a, ports, org, svc["id"])
    assert dep["status"] == "live", dep.get("error")
    listener = step(dep, "load_balancer")["result"]["listener_arn"]
    (rule,) = rules_for(launchbay_env, listener, www)
    config = rule["Actions"][0]["RedirectConfig"]
    assert (config["Host"], config["Protocol"], config["StatusCode"], config["Path"]) == (domain, "HTTP", "HTTP_301", "/#{path}")
    assert rules_for(launchbay_env, listener, domain)[0]["Actions"][0]["Type"] == "forward"
    _, service = a.call("GET", f"/orgs/{org}/services/{svc['id']}")
    assert "aliases" not in service["endpoints"]                     # it is not an address of its own
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}/domain")[1]["aliases"][0]["redirects_to"] == domain

    # the domain's certificate issued: the alias sends its visitors to https:// directly
    issue(launchbay_env, domain, svc["id"])
    issue(launchbay_env, www, svc["id"])
    again = deploy(a, ports, org, svc["id"])
    assert again["status"] == "live", again.get("error")
    https = step(again, "domain_rule")["result"]["hosts"][1]["https"]
    for arn in (listener, https["listener_arn"]):
        config = rules_for(launchbay_env, arn, www)[0]["Actions"][0]["RedirectConfig"]
        assert (config["Host"], config["Protocol"], config["Port"]) == (domain, "HTTPS", "443")
    assert rules_for(launchbay_env, https["listener_arn"], domain)[0]["Actions"][0]["Type"] == "forward"

    # off again: the alias serves the service itself
    assert a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"redirect_aliases": False})[1]["redirect_aliases"] is None
    plan = a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan")[1]
    assert {s["step"]: s for s in plan["steps"]}["domain_rule"]["action"] == "update"
    back = deploy(a, ports, org, svc["id"])
    assert rules_for(launchbay_env, https["listener_arn"], www)[0]["Actions"][0]["Type"] == "forward"
    assert back["status"] == "live"


def test_a_full_https_listener_leaves_a_new_name_on_http_and_says_why(api, ports, launchbay_env, zone):  # noqa: F811
    a, org, prj = org_with_project(api)
    first, second = f"one.{zone}", f"two.{zone}"
    _, one = create(a, org, prj, domain=first)
    _, two = create(a, org, prj, name="two", domain=second)
    for svc in (one, two):
        prove(a, org, svc["id"], launchbay_env, zone)
    issue(launchbay_env, first, one["id"])
    dep = deploy(a, ports, org, one["id"])
    listener = step(dep, "domain_rule")["result"]["https"]["listener_arn"]
    elb = client(launchbay_env, "elbv2")
    held = len(elb.describe_listener_certificates(ListenerArn=listener)["Certificates"])
    for i in range(25 - held):   # other services' certificates fill the ALB's quota
        elb.add_listener_certificates(ListenerArn=listener, Certificates=[
            {"CertificateArn": issue(launchbay_env, f"filler{i}.{zone}", "svc_other")}])
    issue(launchbay_env, second, two["id"])
    dep2 = deploy(a, ports, org, two["id"])
    assert dep2["status"] == "live", dep2.get("error")                 # the deploy goes on, on HTTP
    routed = step(dep2, "domain_rule")
    assert routed["result"]["https"] is None and "holds 25 certificates" in routed["plan"]["description"]
    assert https.upgrade(ports)["upgraded"] == 0                      # nor does the beat claim it is served
