"""What a team meets on its second day: changing services that already run."""
from tests.api.test_catalog_api import make_service, owner_api


def test_a_worker_or_cron_job_with_a_port_is_refused_naming_port(api):
    a, org, _ = owner_api(api)
    prj, web = make_service(a, org)
    base = f"/orgs/{org}/projects/{prj['id']}/services"
    for body in ({"name": "jobs", "kind": "worker", "image": "busybox:1", "port": 9000},
                 {"name": "nightly", "kind": "cron", "image": "busybox:1", "schedule": "@daily", "port": 9000}):
        status, out = a.call("POST", base, body)
        assert status == 422 and out["error"]["field"] == "port", out
        assert "only web services take a port" in out["error"]["message"]
    status, jobs = a.call("POST", base, {"name": "jobs", "kind": "worker", "image": "busybox:1"})
    assert status == 201 and jobs["port"] is None
    status, out = a.call("PATCH", f"/orgs/{org}/services/{jobs['id']}", {"port": 9000})
    assert status == 422 and out["error"]["field"] == "port"
    assert a.call("GET", f"/orgs/{org}/services/{jobs['id']}")[1]["port"] is None
    # a web service keeps its port
    assert a.call("PATCH", f"/orgs/{org}/services/{web['id']}", {"port": 8081})[1]["port"] == 8081


def test_a_worker_stored_with_a_port_before_the_rule_still_reads_and_changes(api, ports):
    a, org, _ = owner_api(api)
    prj, _ = make_service(a, org)
    _, jobs = a.call("POST", f"/orgs/{org}/projects/{prj['id']}/services",
                     {"name": "jobs", "kind": "worker", "image": "busybox:1"})
    ports.store.collection("services").update(jobs["id"], {"port": 9000})   # as an older version stored it
    assert a.call("GET", f"/orgs/{org}/services/{jobs['id']}")[1]["port"] == 9000
    status, out = a.call("PATCH", f"/orgs/{org}/services/{jobs['id']}", {"memory": 1024})
    assert status == 200 and out["memory"] == 1024, out
    status, out = a.call("PATCH", f"/orgs/{org}/services/{jobs['id']}", {"port": 9001})
    assert status == 422 and out["error"]["field"] == "port"
    status, out = a.call("PATCH", f"/orgs/{org}/services/{jobs['id']}", {"port": None})
    assert status == 200 and out["port"] is None


def test_an_environment_says_the_region_it_deploys_to(api, ports):
    """`region` is what was set (null: the default); `effective_region` where its services go,
    the platform's region when neither the environment nor a connection names one."""
    a, org, _ = owner_api(api)
    prj, svc = make_service(a, org)
    envs = f"/orgs/{org}/projects/{prj['id']}/environments"
    _, production = a.call("GET", f"{envs}/production")
    assert production["region"] is None and production["effective_region"] == ports.settings.aws_region
    status, eu = a.call("POST", envs, {"name": "eu", "region": "eu-west-1"})
    assert status == 201 and eu["region"] == eu["effective_region"] == "eu-west-1"
    listed = {e["name"]: e["effective_region"] for e in a.call("GET", envs)[1]["items"]}
    assert listed == {"production": ports.settings.aws_region, "eu": "eu-west-1"}
    # the same region a deploy of its service is planned in
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan")[1]["target"]["region"] == production["effective_region"]


def test_a_patch_of_the_health_check_changes_the_fields_it_names_and_keeps_the_others(api):
    """`services update --health-path` sent {"path": ...}: the service then held that alone, lost
    the intervals set before, and export then plan showed a change nobody made."""
    a, org, _ = owner_api(api)
    prj, web = make_service(a, org)
    svc = f"/orgs/{org}/services/{web['id']}"
    status, out = a.call("PATCH", svc, {"health_check": {"interval_seconds": 60, "timeout_seconds": 20}})
    assert status == 200 and out["health_check"]["interval_seconds"] == 60 and out["health_check"]["path"] == "/"
    status, out = a.call("PATCH", svc, {"health_check": {"path": "/healthz"}})
    assert status == 200 and out["health_check"] == {
        "path": "/healthz", "interval_seconds": 60, "timeout_seconds": 20, "healthy_threshold": 3,
        "unhealthy_threshold": 3, "grace_period_seconds": 60}
    # checked whole: the kept timeout (20) must stay below a new interval
    status, err = a.call("PATCH", svc, {"health_check": {"interval_seconds": 10}})
    assert status == 422 and err["error"]["field"] == "health_check", err
    assert "timeout_seconds must be less than interval_seconds" in err["error"]["message"]
    status, out = a.call("PATCH", svc, {"autoscaling": {"cpu_target": 70}, "max_instances": 3})
    assert status == 200 and out["autoscaling"] == {"cpu_target": 70.0, "requests_per_target": None}
    status, out = a.call("PATCH", svc, {"autoscaling": {"requests_per_target": 500}})
    assert out["autoscaling"] == {"cpu_target": 70.0, "requests_per_target": 500}
    assert a.call("PATCH", svc, {"autoscaling": None})[1]["autoscaling"] is None
    # the project as code: export, then plan, changes nothing
    exported = a.call("GET", f"/orgs/{org}/projects/{prj['id']}/export")[1]
    plan = a.call("POST", f"/orgs/{org}/projects/{prj['id']}/plan", {"files": {"launchbay.yaml": exported["yaml"]}})[1]
    assert plan["changes"] == [], plan["changes"]
