"""Services built from source in launchbay.yaml: created, changed (switching to an image and
back) and exported with their `source` and `build_env`; an import that could not name the
repository is reported, not created; Compose build args become build_env."""
from __future__ import annotations

from tests.configfile.test_config_api import files, owner

SOURCE = """\
version: 1
environments:
  production:
    services:
      web:
        kind: web
        port: 8080
        source: {repo: acme/shop, branch: main, dockerfile: docker/web.Dockerfile}
        build_env: {NODE_ENV: production}
"""


def test_source_services_plan_apply_and_export(api):
    a, org, prj = owner(api)
    base = f"/orgs/{org}/projects/{prj}"
    status, plan = a.call("POST", f"{base}/plan", files(SOURCE))
    assert status == 200 and plan["warnings"] == [], plan
    [create] = plan["changes"]
    assert create["fields"]["source"] == {"repo": "acme/shop", "branch": "main", "dockerfile": "docker/web.Dockerfile",
                                          "context": "."}
    assert create["fields"]["build_env"] == {"NODE_ENV": "production"} and "image" not in create["fields"]
    status, out = a.call("POST", f"{base}/apply", files(SOURCE))
    assert status == 200, out
    [svc] = a.call("GET", f"{base}/services")[1]["items"]
    assert svc["image"] is None and svc["source"]["repo"] == "acme/shop" and svc["build_env"] == {"NODE_ENV": "production"}

    exported = a.call("GET", f"{base}/export")[1]
    web = exported["document"]["environments"]["production"]["services"]["web"]
    assert web["source"]["dockerfile"] == "docker/web.Dockerfile" and "image" not in web
    assert a.call("POST", f"{base}/plan", files(exported["yaml"]))[1]["changes"] == []   # export, then nothing to do

    to_image = SOURCE.replace("        source: {repo: acme/shop, branch: main, dockerfile: docker/web.Dockerfile}\n",
                              "        image: nginx:1.27\n")
    [change] = a.call("POST", f"{base}/plan", files(to_image))[1]["changes"]
    assert change["fields"]["image"] == [None, "nginx:1.27"] and change["fields"]["source"][1] is None
    assert a.call("POST", f"{base}/apply", files(to_image))[0] == 200
    [svc] = a.call("GET", f"{base}/services")[1]["items"]
    assert svc["image"] == "nginx:1.27" and svc["source"] is None
    assert a.call("POST", f"{base}/apply", files(SOURCE))[0] == 200          # and back
    [svc] = a.call("GET", f"{base}/services")[1]["items"]
    assert svc["image"] is None and svc["source"]["repo"] == "acme/shop"


def test_a_source_without_a_repository_is_reported_not_created(api):
    a, org, prj = owner(api)
    text = SOURCE.replace("repo: acme/shop, ", "")
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(text))[1]
    assert plan["changes"] == []
    assert [w["key"] for w in plan["warnings"]] == ["environments.production.services.web.source.repo"]
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan",
                         files(SOURCE.replace("acme/shop", "../etc")))
    assert 400 <= status < 500 and "source.repo must be owner/name" in err["error"]["message"]


def test_compose_build_args_become_build_env(api):
    a, org, prj = owner(api)
    compose = ("services:\n  web:\n    build:\n      context: ./web\n      args: [PYTHON_VERSION=3.12, API_TOKEN=abc]\n"
               "    ports: ['8000:8000']\n")
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan",
                          {"format": "compose", "files": {"compose.yaml": compose}})
    assert status == 200, plan
    web = plan["document"]["environments"]["production"]["services"]["web"]
    assert web["build_env"] == {"PYTHON_VERSION": "3.12"} and web["source"]["context"] == "web"
    warnings = {w["key"]: w["message"] for w in plan["warnings"]}
    assert "build_env (PYTHON_VERSION)" in warnings["services.web.build.args"]
    assert "credential" in warnings["services.web.build.args.API_TOKEN"]
    assert "abc" not in str(plan)
