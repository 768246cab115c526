"""Private networking: each environment's Cloud Map private DNS namespace, a Cloud Map service
per web service that ECS registers its tasks in, the private address in the API, and their
removal with the service and the environment. Everything runs against the moto sandbox."""
from __future__ import annotations

from chalicelib.deploys import env_teardown
from tests.api.test_aws_accounts import as_account, connected_project
from tests.deploys.test_env_teardown import delete_services, env_call
from tests.support.deploying import run_to_end


def _sd(ports, dep):
    return ports.cloud_for(dep["target"]).client("servicediscovery")


def _discover(launchbay_env, namespace, name):
    """DiscoverInstances as an app would call it (botocore's `data-` host prefix cannot go before an IP)."""
    import boto3
    from botocore.config import Config

    sd = boto3.client("servicediscovery", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing",
                      config=Config(inject_host_prefix=False))
    return sd.discover_instances(NamespaceName=namespace, ServiceName=name)["Instances"]


def _namespaces(sd, name):
    return [n for n in sd.list_namespaces()["Namespaces"] if n["Name"] == name and n["Type"] == "DNS_PRIVATE"]


def _services_in(sd, namespace_id):
    return sorted(s["Name"] for s in sd.list_services()["Services"]
                  if sd.get_service(Id=s["Id"])["Service"]["NamespaceId"] == namespace_id)


def _step(dep, name):
    return next(s for s in dep["steps"] if s["name"] == name)


def test_a_web_service_gets_a_private_address_that_ecs_registers_its_tasks_at(make_org, ports, launchbay_env):
    org = make_org()
    org.project("shop")
    api = org.service(project="shop", name="api", port=8080)
    dep = org.deploy(ports, api)
    assert dep["status"] == "live", dep.get("error")
    domain = dep["target"]["private_domain"]
    assert domain == f"production.shop.{org.id[-6:]}.internal"
    sd = _sd(ports, dep)
    [ns] = _namespaces(sd, domain)
    assert _services_in(sd, ns["Id"]) == ["api"]
    assert _step(dep, "private_dns")["plan"]["action"] == "create"
    assert _step(dep, "discovery")["result"]["address"] == f"api.{domain}:8080"
    registry = _step(dep, "discovery")["result"]["arn"]
    cloud = ports.cloud_for(dep["target"])
    ecs = cloud.client("ecs").describe_services(cluster=dep["target"]["cluster"], services=[f"lb-{api['id'].split('_', 1)[1]}"])
    assert ecs["services"][0]["serviceRegistries"] == [{"registryArn": registry}]
    # the sandbox registered the simulated task, as ECS would: the name resolves to its private IP
    found = _discover(launchbay_env, domain, "api")
    assert len(found) == 1 and found[0]["Attributes"]["AWS_INSTANCE_IPV4"].count(".") == 3
    td = cloud.client("ecs").describe_task_definition(taskDefinition=dep["task_definition"])["taskDefinition"]
    env = {e["name"]: e["value"] for e in td["containerDefinitions"][0]["environment"]}
    assert env["LAUNCHBAY_PRIVATE_DOMAIN"] == domain

    # the task group admits its own members on every protocol and port: 8080 included
    [group] = cloud.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [dep["target"]["security_group"]]}])["SecurityGroups"]
    assert {"IpProtocol": "-1", "self": True} in [
        {"IpProtocol": p["IpProtocol"], "self": any(g["GroupId"] == group["GroupId"] for g in p.get("UserIdGroupPairs", []))}
        for p in group["IpPermissions"]]
    assert group["GroupId"] in ecs["services"][0]["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"]

    status, shown = org.call("GET", f"/services/{api['id']}")
    assert status == 200 and shown["private_address"] == f"api.{domain}:8080"

    # a second release finds both again: nothing is duplicated, the ECS service keeps its registry
    assert org.call("PATCH", f"/services/{api['id']}", {"env": {"COLOR": "blue"}})[0] == 200
    second = org.deploy(ports, api)
    assert second["status"] == "live", second.get("error")
    assert _step(second, "private_dns")["plan"]["action"] == "no-op"
    assert _step(second, "discovery")["plan"]["action"] == "no-op"
    assert len(_namespaces(sd, domain)) == 1 and _services_in(sd, ns["Id"]) == ["api"]
    assert _step(second, "discovery")["result"]["arn"] == registry
    assert "service_registries" not in _step(second, "service")["plan"]["changes"]
    assert len(_discover(launchbay_env, domain, "api")) == 1   # the old task left

    # a worker has no port: no address, no registry, but its tasks know the domain
    jobs = org.service(project="shop", name="jobs", kind="worker")
    wdep = org.deploy(ports, jobs)
    assert wdep["status"] == "live", wdep.get("error")
    assert "private_dns" not in {s["name"] for s in wdep["steps"]}
    assert org.call("GET", f"/services/{jobs['id']}")[1]["private_address"] is None
    wtd = cloud.client("ecs").describe_task_definition(taskDefinition=wdep["task_definition"])["taskDefinition"]
    assert {"name": "LAUNCHBAY_PRIVATE_DOMAIN", "value": domain} in wtd["containerDefinitions"][0]["environment"]

    # deleting the service removes its Cloud Map service (after the ECS service); the namespace stays
    delete_services(org, ports, api)
    assert _services_in(sd, ns["Id"]) == [] and len(_namespaces(sd, domain)) == 1


def test_the_plan_shows_the_namespace_before_the_first_deploy_and_a_new_service_has_no_address(make_org, ports):
    org = make_org()
    web = org.service()
    assert org.call("GET", f"/services/{web['id']}")[1]["private_address"] is None
    status, planned = org.call("GET", f"/services/{web['id']}/plan")
    assert status == 200, planned
    steps = {s["step"]: s for s in planned["steps"]}
    assert steps["private_dns"]["action"] == "create", steps["private_dns"]
    assert steps["private_dns"]["name"].endswith(".internal")
    assert steps["private_dns"]["calls"][0]["method"] == "ensure_namespace"
    assert steps["discovery"]["action"] == "create"
    assert steps["discovery"]["changes"]["address"][1] == f"web.{steps['private_dns']['name']}:80"


def test_two_environments_get_two_namespaces_and_deleting_one_removes_only_its_own(make_org, ports, launchbay_env):
    org = make_org()
    conn, prj = connected_project(org, launchbay_env)
    assert env_call(org, prj, "POST", body={"name": "staging", "aws_account_id": conn["id"]})[0] == 201
    prod, stag = org.service(), org.service(environment="staging")
    deps = [org.deploy(ports, s) for s in (prod, stag)]
    assert [d["status"] for d in deps] == ["live", "live"], [d.get("error") for d in deps]
    domains = [d["target"]["private_domain"] for d in deps]
    assert domains[0].startswith("production.") and domains[1].startswith("staging.") and domains[0] != domains[1]
    sd = as_account(launchbay_env, conn["account_id"], "servicediscovery")   # in the connected account
    for d in domains:
        [ns] = _namespaces(sd, d)
        assert _services_in(sd, ns["Id"]) == ["web"]

    status, planned = env_call(org, prj, "GET", "staging", "/plan-delete")
    assert status == 200
    steps = {(s["step"], s["name"]): s for p in planned["places"] for s in p["steps"]}
    assert steps[("private_dns", domains[1])]["action"] == "delete"

    delete_services(org, ports, stag)
    status, env = env_call(org, prj, "DELETE", "staging")
    assert status == 202
    assert env_teardown.run(ports, env["id"]).startswith("deleted")
    assert _namespaces(sd, domains[1]) == []
    [ns] = _namespaces(sd, domains[0])           # production's is untouched
    assert _services_in(sd, ns["Id"]) == ["web"]
    assert org.call("GET", f"/services/{prod['id']}")[1]["private_address"] == f"web.{domains[0]}:80"


def test_a_restart_and_a_rolled_back_release_keep_the_registry(make_org, ports):
    org = make_org()
    web = org.service()
    first = org.deploy(ports, web)
    assert first["status"] == "live", first.get("error")
    registry = _step(first, "discovery")["result"]["arn"]
    cloud = ports.cloud_for(first["target"])

    def registries():
        svc = cloud.client("ecs").describe_services(cluster=first["target"]["cluster"],
                                                    services=[f"lb-{web['id'].split('_', 1)[1]}"])["services"][0]
        return [r["registryArn"] for r in svc.get("serviceRegistries") or []]

    status, queued = org.call("POST", f"/services/{web['id']}/restart")
    assert status == 202, queued
    restarted = run_to_end(ports, queued["id"])
    assert restarted["status"] == "live", restarted.get("error")
    assert registries() == [registry]

    assert org.call("PATCH", f"/services/{web['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": "crash"}})[0] == 200
    failed = org.deploy(ports, web)
    assert failed["status"] == "rolled_back", failed.get("error")
    assert registries() == [registry]
    assert org.call("GET", f"/services/{web['id']}")[1]["private_address"] == f"web.{first['target']['private_domain']}:80"
