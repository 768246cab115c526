from tests.api.conftest import Api, signup


def test_members_roles_and_the_last_owner(api):
    owner = signup(api, "owner@x.io", org="A")
    dev = signup(api, "dev@x.io", org="DevHome")
    o = Api(api.client, owner["token"])
    d = Api(api.client, dev["token"])
    org = owner["organization"]["id"]
    assert d.call("GET", f"/orgs/{org}/projects")[0] == 404                  # not a member yet
    status, m = o.call("POST", f"/orgs/{org}/members", {"email": "DEV@x.io", "role": "developer"})
    assert status == 201 and m["role"] == "developer" and m["user"]["email"] == "dev@x.io"
    assert o.call("POST", f"/orgs/{org}/members", {"email": "dev@x.io"})[0] == 409
    assert o.call("POST", f"/orgs/{org}/members", {"email": "ghost@x.io"})[1]["error"]["field"] == "email"
    assert o.call("POST", f"/orgs/{org}/members", {"email": "dev@x.io", "role": "god"})[1]["error"]["field"] == "role"
    assert d.call("GET", f"/orgs/{org}/projects")[0] == 200                  # now a member
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
