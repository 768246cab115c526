"""A member's role in one project: higher or lower than their organization role, for that project's
work (environments, services, secrets, deploys, approvals) and nothing else; set by admins, audited,
shown to the member, gone with the project; owners and admins act on every project as such."""
from __future__ import annotations

import pytest

from tests.api.conftest import Api, signup
from tests.support.api import confirm_address

pytestmark = pytest.mark.services


def member(org, api, email: str, role: str) -> tuple[Api, str]:
    """A member of `org` with `role`, signed in: (their Api, their user id)."""
    joined = signup(api, email, org=email.split("@")[0])
    assert org.call("POST", "/members", {"email": email, "role": role})[0] == 201
    confirm_address(api, email)   # the invitation is accepted with it
    status, body = api.call("POST", "/auth/login", {"email": email, "password": "correct horse battery"})
    assert status == 200, body
    return Api(api.client, body["token"]), joined["user"]["id"]


def test_a_viewer_deploys_the_one_project_they_are_a_developer_of(make_org, api, ports):
    org = make_org()
    shop, blog = org.project("shop"), org.project("blog")
    web = org.service(project="shop")
    other = org.service(project="blog", name="site")
    viewer, uid = member(org, api, "vic@x.io", "viewer")
    as_vic = lambda method, path, body=None: viewer.call(method, f"/orgs/{org.id}{path}", body)   # noqa: E731

    status, refused = as_vic("PATCH", f"/services/{web['id']}", {"cpu": 512, "memory": 1024})
    assert status == 403 and "your role here is viewer" in refused["error"]["message"]
    status, given = org.call("PUT", f"/members/{uid}/projects/{shop['id']}", {"role": "developer"})
    assert status == 200 and given["role"] == "viewer"
    assert given["project_roles"] == [{"project_id": shop["id"], "project": "shop", "role": "developer", "applies": True}]

    assert as_vic("PATCH", f"/services/{web['id']}", {"cpu": 512, "memory": 1024})[0] == 200
    assert as_vic("PUT", f"/services/{web['id']}/secrets/TOKEN", {"value": "t0ken"})[0] == 200
    status, dep = as_vic("POST", f"/services/{web['id']}/deployments", {})
    assert status == 202, dep
    assert as_vic("POST", f"/projects/{shop['id']}/services", {"name": "api", "image": "nginx:1.27", "port": 80})[0] == 201
    # the other project, and the organization's own settings, stay with the viewer role
    status, refused = as_vic("POST", f"/services/{other['id']}/deployments", {})
    assert status == 403 and "your role here is viewer" in refused["error"]["message"]
    assert as_vic("POST", f"/projects/{blog['id']}/services", {"name": "api", "image": "nginx:1.27", "port": 80})[0] == 403
    assert as_vic("POST", "/projects", {"name": "new"})[0] == 403
    assert as_vic("PUT", f"/members/{uid}/projects/{blog['id']}", {"role": "admin"})[0] == 403   # no self-service
    # what they see of themselves
    me = viewer.call("GET", "/me")[1]
    mine = next(o for o in me["organizations"] if o["id"] == org.id)
    assert mine["role"] == "viewer" and mine["project_roles"] == {shop["id"]: "developer"}
    audit = org.call("GET", "/audit")[1]["items"]
    entry = next(a for a in audit if a["action"] == "member.project_role")
    assert entry["details"] == {"project": "shop", "project_id": shop["id"], "from": None, "to": "developer"}


def test_a_developer_only_reads_the_project_they_are_a_viewer_of(make_org, api):
    org = make_org()
    prod = org.project("prod")
    web = org.service(project="prod")
    dev, uid = member(org, api, "dee@x.io", "developer")
    as_dee = lambda method, path, body=None: dev.call(method, f"/orgs/{org.id}{path}", body)   # noqa: E731
    assert org.call("PUT", f"/members/{uid}/projects/{prod['id']}", {"role": "viewer"})[0] == 200
    assert as_dee("GET", f"/services/{web['id']}")[0] == 200            # reading is untouched
    status, refused = as_dee("POST", f"/services/{web['id']}/deployments", {})
    assert status == 403 and "your role in this project is viewer" in refused["error"]["message"], refused
    assert as_dee("PATCH", f"/projects/{prod['id']}/environments/production", {"env": {"A": "1"}})[0] == 403
    assert as_dee("PUT", f"/projects/{prod['id']}/environments/production/secrets/K", {"value": "v"})[0] == 403
    # taken away: the organization role decides again
    status, back = org.call("DELETE", f"/members/{uid}/projects/{prod['id']}")
    assert status == 200 and back["project_roles"] == []
    assert as_dee("POST", f"/services/{web['id']}/deployments", {})[0] == 202
    again = org.call("DELETE", f"/members/{uid}/projects/{prod['id']}")   # nothing left to take: as asked
    assert again[0] == 200 and again[1]["project_roles"] == []
    assert [a["to"] for a in (x["details"] for x in org.call("GET", "/audit")[1]["items"]
                              if x["action"] == "member.project_role")] == [None, "viewer"]   # one removal


def test_a_project_admin_approves_their_project_s_deploys_and_nothing_else(make_org, api):
    org = make_org()
    shop = org.project("shop")
    assert org.call("PATCH", f"/projects/{shop['id']}/environments/production", {"require_approval": True})[0] == 200
    web = org.service(project="shop")
    lead, uid = member(org, api, "lea@x.io", "developer")
    assert org.call("PUT", f"/members/{uid}/projects/{shop['id']}", {"role": "admin"})[0] == 200
    dep = org.call("POST", f"/services/{web['id']}/deployments", {})[1]
    assert dep["status"] == "awaiting_approval", dep
    status, approved = lead.call("POST", f"/orgs/{org.id}/deployments/{dep['id']}/approve", {})
    assert status == 200 and approved["status"] == "queued", approved
    assert lead.call("POST", f"/orgs/{org.id}/projects/{shop['id']}/environments", {"name": "staging"})[0] == 201
    # members, connections and the organization's settings need the organization role
    assert lead.call("POST", f"/orgs/{org.id}/members", {"email": "x@x.io"})[0] == 403
    assert lead.call("PATCH", f"/orgs/{org.id}", {"require_mfa": False})[0] == 403


def test_admins_and_owners_take_no_project_role_and_bad_input_is_named(make_org, api):
    org, other = make_org(), make_org("Other", "o@other.io")
    shop = org.project("shop")
    _, admin_id = member(org, api, "ada@x.io", "admin")
    status, answer = org.call("PUT", f"/members/{admin_id}/projects/{shop['id']}", {"role": "viewer"})
    assert status == 422 and answer["error"]["field"] == "role" and "act on every project" in answer["error"]["message"]
    assert org.call("PUT", f"/members/{org.owner['user']['id']}/projects/{shop['id']}", {"role": "viewer"})[0] == 422
    dev = member(org, api, "dev@x.io", "developer")[1]
    status, answer = org.call("PUT", f"/members/{dev}/projects/{shop['id']}", {"role": "owner"})
    assert status == 422 and answer["error"]["field"] == "role"
    theirs = other.project("theirs")
    assert org.call("PUT", f"/members/{dev}/projects/{theirs['id']}", {"role": "admin"})[0] == 404   # another org's
    assert org.call("PUT", f"/members/usr_nobody/projects/{shop['id']}", {"role": "admin"})[0] == 404
    # promoted to admin: the project role is kept but does not apply; a deleted project takes it away
    assert org.call("PUT", f"/members/{dev}/projects/{shop['id']}", {"role": "viewer"})[0] == 200
    promoted = org.call("PATCH", f"/members/{dev}", {"role": "admin"})[1]
    assert promoted["project_roles"][0]["applies"] is False
    assert org.call("DELETE", f"/projects/{shop['id']}")[0] == 204
    listed = {m["user"]["id"]: m for m in org.call("GET", "/members")[1]["items"]}
    assert listed[dev]["project_roles"] == []


def test_a_project_developer_deploys_their_project_s_services_of_an_environment_group(make_org, api, ports):
    org = make_org()
    shop = org.project("shop")
    assert org.call("POST", "/env-groups", {"name": "keys", "env": {"A": "1"}})[0] == 201
    web = org.service(project="shop", env_groups=["keys"])
    site = org.service(project="blog", name="site", env_groups=["keys"])
    for svc in (web, site):
        assert org.deploy(ports, svc)["status"] == "live"
    assert org.call("PATCH", "/env-groups/keys", {"env": {"A": "2"}})[0] == 200
    viewer, uid = member(org, api, "vic@x.io", "viewer")
    assert viewer.call("POST", f"/orgs/{org.id}/env-groups/keys/deploy", {})[0] == 403   # may deploy nowhere
    assert org.call("PUT", f"/members/{uid}/projects/{shop['id']}", {"role": "developer"})[0] == 200
    status, out = viewer.call("POST", f"/orgs/{org.id}/env-groups/keys/deploy", {})
    assert status == 202, out
    assert [d["service_id"] for d in out["deployments"]] == [web["id"]]
    [skipped] = out["skipped"]
    assert skipped["service_id"] == site["id"] and "your role here is viewer" in skipped["reason"]
