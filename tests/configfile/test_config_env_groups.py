"""launchbay.yaml and environment groups: a service says which of the organization's groups it
links (`env_groups`, in order); plan shows the change, apply sets it, export writes it, and a
group the organization does not have is a plan error naming the service's field. Groups
themselves are the organization's (the API, `launchbay env-groups`), never defined in a file."""
from __future__ import annotations

from tests.support.factories import new_org

DOC = """\
version: 1
environments:
  production:
    services:
      web:
        kind: web
        image: nginx:1.27
        port: 8080
        env_groups: [datadog, stripe-live]
      jobs:
        kind: worker
        image: busybox:1
"""


def files(text: str) -> dict:
    return {"files": {"launchbay.yaml": text}}


def test_env_groups_plan_apply_export(api):
    org = new_org(api)
    prj = org.project("shop")["id"]
    status, err = org.call("POST", f"/projects/{prj}/plan", files(DOC))
    assert status == 422, err
    assert err["error"]["field"] == "environments.production.services.web.env_groups"
    assert "datadog" in err["error"]["message"]
    for name in ("datadog", "stripe-live"):
        assert org.call("POST", "/env-groups", {"name": name, "env": {name.upper().replace("-", "_"): "1"}})[0] == 201

    status, plan = org.call("POST", f"/projects/{prj}/plan", files(DOC))
    assert status == 200, plan
    web = next(c for c in plan["changes"] if c["name"] == "web")
    assert web["action"] == "create" and web["fields"]["env_groups"] == ["datadog", "stripe-live"]
    jobs = next(c for c in plan["changes"] if c["name"] == "jobs")
    assert "env_groups" not in jobs["fields"]
    status, out = org.call("POST", f"/projects/{prj}/apply", files(DOC))
    assert status == 200, out
    services = {s["name"]: s for s in org.call("GET", f"/projects/{prj}/services")[1]["items"]}
    assert services["web"]["env_groups"] == ["datadog", "stripe-live"] and services["jobs"]["env_groups"] is None

    exported = org.call("GET", f"/projects/{prj}/export")[1]
    block = exported["document"]["environments"]["production"]["services"]
    assert block["web"]["env_groups"] == ["datadog", "stripe-live"] and "env_groups" not in block["jobs"]
    assert "env_groups: [datadog, stripe-live]" in exported["yaml"] or "- datadog" in exported["yaml"]
    assert org.call("POST", f"/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []

    # the order is part of it; dropping the line unlinks them
    reordered = DOC.replace("[datadog, stripe-live]", "[stripe-live, datadog]")
    [change] = org.call("POST", f"/projects/{prj}/plan", files(reordered))[1]["changes"]
    assert change["fields"] == {"env_groups": [["datadog", "stripe-live"], ["stripe-live", "datadog"]]}
    assert org.call("POST", f"/projects/{prj}/apply", files(reordered))[0] == 200
    assert org.call("GET", f"/services/{services['web']['id']}")[1]["env_groups"] == ["stripe-live", "datadog"]
    dropped = DOC.replace("        env_groups: [datadog, stripe-live]\n", "")
    [change] = org.call("POST", f"/projects/{prj}/plan", files(dropped))[1]["changes"]
    assert change["fields"] == {"env_groups": [["stripe-live", "datadog"], None]}
    assert org.call("POST", f"/projects/{prj}/apply", files(dropped))[0] == 200
    assert org.call("GET", f"/services/{services['web']['id']}")[1]["env_groups"] is None
    # a bad name is the model's refusal, at its line
    status, err = org.call("POST", f"/projects/{prj}/plan", files(DOC.replace("datadog,", "Data_Dog,")))
    assert status == 422 and err["error"]["field"].startswith("environments.production.services.web.env_groups"), err
