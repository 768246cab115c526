from tests.api.conftest import Api, signup
from tests.support.api import confirm_address


def login(api, email, password="correct horse battery"):
    status, body = api.call("POST", "/auth/login", {"email": email, "password": password})
    assert status == 200, body
    return body["token"]


def test_members_roles_and_the_last_owner(api):
    owner = signup(api, "owner@x.io", org="A")
    dev = signup(api, "dev@x.io", org="DevHome")
    o = Api(api.client, owner["token"])
    d = Api(api.client, dev["token"])
    org = owner["organization"]["id"]
    assert d.call("GET", f"/orgs/{org}/projects")[0] == 404                  # not a member yet
    status, m = o.call("POST", f"/orgs/{org}/members", {"email": "DEV@x.io", "role": "developer"})
    assert status == 201 and m["role"] == "developer" and m["email"] == "dev@x.io" and m["status"] == "pending"
    assert o.call("POST", f"/orgs/{org}/members", {"email": "dev@x.io"})[0] == 409   # already invited
    assert o.call("POST", f"/orgs/{org}/members", {"email": "dev@x.io", "role": "god"})[1]["error"]["field"] == "role"
    assert o.call("POST", f"/orgs/{org}/members", {"email": "not-an-email"})[1]["error"]["field"] == "email"
    confirm_address(api, "dev@x.io")                                          # the invitation is accepted
    d = Api(api.client, login(api, "dev@x.io"))
    assert d.call("GET", f"/orgs/{org}/projects")[0] == 200                  # now a member
    assert o.call("POST", f"/orgs/{org}/members", {"email": "dev@x.io"})[0] == 409   # already a member
    assert d.call("POST", f"/orgs/{org}/projects", {"name": "x"})[0] == 403  # developers do not create projects
    assert d.call("PATCH", f"/orgs/{org}/members/{dev['user']['id']}", {"role": "admin"})[0] == 403
    status, promoted = o.call("PATCH", f"/orgs/{org}/members/{dev['user']['id']}", {"role": "admin"})
    assert status == 200 and promoted["role"] == "admin"
    assert d.call("POST", f"/orgs/{org}/projects", {"name": "x"})[0] == 201
    # an admin cannot touch owners; the last owner cannot step down
    assert d.call("PATCH", f"/orgs/{org}/members/{owner['user']['id']}", {"role": "viewer"})[0] == 403
    assert o.call("PATCH", f"/orgs/{org}/members/{owner['user']['id']}", {"role": "viewer"})[0] == 409
    _, listing = o.call("GET", f"/orgs/{org}/members")
    assert sorted(x["role"] for x in listing["items"]) == ["admin", "owner"]
    assert d.call("DELETE", f"/orgs/{org}/members/{dev['user']['id']}")[0] == 204   # leave
    assert d.call("GET", f"/orgs/{org}/projects")[0] == 404
