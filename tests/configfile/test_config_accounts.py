"""launchbay.yaml: an environment names the AWS account connection (by name or id) and the
region it deploys to; plan checks both, apply sets them, export writes them back."""
from __future__ import annotations

import yaml

from tests.api.test_aws_accounts import connect

DOC = """\
version: 1
environments:
  production:
    env: {}
  staging:
    account: ACCOUNT
    region: REGION
"""


def doc(account: str, region: str = "eu-west-1") -> dict:
    return {"files": {"launchbay.yaml": DOC.replace("ACCOUNT", account).replace("REGION", region)}}


def test_environments_name_their_account_and_region(make_org, launchbay_env):
    a, b = make_org("A"), make_org("B")
    conn = connect(a, launchbay_env, regions=["us-east-1", "eu-west-1"])
    foreign = connect(b, launchbay_env)
    prj = a.project()["id"]
    status, planned = a.call("POST", f"/projects/{prj}/plan", doc(conn["name"]))
    assert status == 200, planned
    [create] = [c for c in planned["changes"] if c["type"] == "environment"]
    assert create["action"] == "create" and create["fields"]["aws_account_id"] == conn["id"]
    assert create["fields"]["region"] == "eu-west-1"
    assert a.call("POST", f"/projects/{prj}/apply", doc(conn["name"]))[0] == 200
    staging = a.call("GET", f"/projects/{prj}/environments/staging")[1]
    assert staging["aws_account_id"] == conn["id"] and staging["region"] == "eu-west-1"
    assert staging["deploys_to"] == "connected account"

    # the export names the connection; planning it (or the same by id) changes nothing
    exported = a.call("GET", f"/projects/{prj}/export")[1]
    block = exported["document"]["environments"]["staging"]
    assert block["account"] == conn["name"] and block["region"] == "eu-west-1"
    assert a.call("POST", f"/projects/{prj}/plan", {"files": {"launchbay.yaml": exported["yaml"]}})[1]["changes"] == []
    assert a.call("POST", f"/projects/{prj}/plan", doc(conn["id"]))[1]["changes"] == []
    # a region change is planned field by field
    moved = a.call("POST", f"/projects/{prj}/plan", doc(conn["name"], "us-east-1"))[1]["changes"]
    assert moved == [{"action": "update", "type": "environment", "name": "staging", "environment": "staging",
                      "fields": {"region": ["eu-west-1", "us-east-1"]}}]

    # unknown connection, another organization's, a region the connection does not allow: 400 on the field
    for account in ("no-such-connection", foreign["id"], foreign["name"]):
        status, err = a.call("POST", f"/projects/{prj}/plan", doc(account))
        assert status == 400 and err["error"]["field"] == "environments.staging.account", err
        assert "no AWS account connection" in err["error"]["message"]
        # it names this organization's connections (no command that does not exist), never another's
        assert f"its connections: {conn['name']}" in err["error"]["message"]
        assert foreign["name"] not in err["error"]["message"].replace(f"{account!r}", "")
    status, err = a.call("POST", f"/projects/{prj}/apply", doc(conn["name"], "ap-south-1"))
    assert status == 400 and err["error"]["field"] == "environments.staging.region"
    assert "not allowed by connection" in err["error"]["message"] and "eu-west-1" in err["error"]["message"]
    status, err = a.call("POST", f"/projects/{prj}/plan", doc(conn["name"], "Mars"))
    assert status == 422 and err["error"]["field"] == "environments.staging.region"

    # null goes back to the platform's own account
    status, out = a.call("POST", f"/projects/{prj}/apply",
                         {"document": {"version": 1, "environments": {"production": {},
                                                                       "staging": {"account": None}}}})
    assert status == 200, out
    staging = a.call("GET", f"/projects/{prj}/environments/staging")[1]
    assert staging["aws_account_id"] is None and staging["deploys_to"] == "platform account"
    assert "account" not in yaml.safe_load(a.call("GET", f"/projects/{prj}/export")[1]["yaml"])["environments"]["staging"]


SERVICE = """\
version: 1
environments:
  staging:
    account: ACCOUNT
    region: REGION
    services:
      web: {kind: web, image: "nginx:1.27", port: 8080}
"""


def test_the_plan_prices_an_environment_in_the_region_the_file_gives_it(make_org, launchbay_env):
    """A new environment in eu-west-1 costs eu-west-1 prices in the plan, as it does once applied
    (the plan's `after` is the next plan's `before`), and a move prices the new region."""
    org = make_org()
    conn = connect(org, launchbay_env, regions=["us-east-1", "eu-west-1"])
    prj = org.project()["id"]
    body = {"files": {"launchbay.yaml": SERVICE.replace("ACCOUNT", conn["name"]).replace("REGION", "eu-west-1")}}
    planned = org.call("POST", f"/projects/{prj}/plan", body)[1]["cost"]
    [staging] = [e for e in planned["environments"] if e["name"] == "staging"]
    assert staging["region"] == "eu-west-1"
    assert org.call("POST", f"/projects/{prj}/apply", body)[0] == 200
    cost = org.call("GET", f"/projects/{prj}/cost")[1]
    assert {e["name"]: e["region"] for e in cost["environments"]}["staging"] == "eu-west-1"
    assert planned["after"]["monthly_min"] == cost["monthly_min"] != 0
    moved = {"files": {"launchbay.yaml": body["files"]["launchbay.yaml"].replace("eu-west-1", "us-east-1")}}
    back = org.call("POST", f"/projects/{prj}/plan", moved)[1]["cost"]
    assert back["before"]["monthly_min"] == cost["monthly_min"]
    assert back["after"]["monthly_min"] < back["before"]["monthly_min"]   # us-east-1 is the cheaper
