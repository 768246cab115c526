import json

from chalicelib.core.ids import new_id, now_iso
from tests.api.conftest import Api, signup

SERVICE = {"name": "web", "image": "nginx:1.27", "port": 80, "env": {"MODE": "prod"}}


def owner_api(api, org="Acme"):
    body = signup(api, org=org)
    return Api(api.client, body["token"]), body["organization"]["id"], body


def make_service(a, org, **over):
    status, prj = a.call("POST", f"/orgs/{org}/projects", {"name": "shop"})
    assert status == 201, prj
    status, svc = a.call("POST", f"/orgs/{org}/projects/{prj['id']}/services", {**SERVICE, **over})
    assert status == 201, svc
    return prj, svc


def test_project_crud(api):
    a, org, _ = owner_api(api)
    status, prj = a.call("POST", f"/orgs/{org}/projects", {"name": "shop", "description": "the shop"})
    assert status == 201
    assert a.call("POST", f"/orgs/{org}/projects", {"name": "shop"})[1]["error"]["field"] == "name"
    assert a.call("GET", f"/orgs/{org}/projects/{prj['id']}")[1]["description"] == "the shop"
    status, patched = a.call("PATCH", f"/orgs/{org}/projects/{prj['id']}", {"name": "store"})
    assert status == 200 and patched["name"] == "store" and patched["description"] == "the shop"
    status, listing = a.call("GET", f"/orgs/{org}/projects")
    assert [p["name"] for p in listing["items"]] == ["store"]
    assert a.call("DELETE", f"/orgs/{org}/projects/{prj['id']}")[0] == 204
    assert a.call("GET", f"/orgs/{org}/projects/{prj['id']}")[0] == 404


def test_a_project_with_services_is_not_deleted_and_the_refusal_names_them(api):
    a, org, _ = owner_api(api)
    prj, svc = make_service(a, org)
    status, err = a.call("DELETE", f"/orgs/{org}/projects/{prj['id']}")
    assert status == 409 and err["error"]["field"] == "project"
    assert err["error"]["resources"] == [{"type": "service", "id": svc["id"], "name": svc["name"]}]
    assert a.call("GET", f"/orgs/{org}/projects/{prj['id']}")[0] == 200


def test_project_listing_pages(api):
    a, org, _ = owner_api(api)
    for i in range(5):
        a.call("POST", f"/orgs/{org}/projects", {"name": f"p{i}"})
    names, cursor = [], None
    while True:
        _, page = a.call("GET", f"/orgs/{org}/projects?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        names += [p["name"] for p in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert names == ["p4", "p3", "p2", "p1", "p0"]
    assert a.call("GET", f"/orgs/{org}/projects?cursor=garbage")[0] == 400
    assert a.call("GET", f"/orgs/{org}/projects?limit=0")[1]["error"]["field"] == "limit"


def test_service_create_validate_and_patch(api):
    a, org, _ = owner_api(api)
    prj, svc = make_service(a, org)
    assert svc["kind"] == "web" and svc["cpu"] == 256 and svc["memory"] == 512 and svc["status"] == "new"
    base = f"/orgs/{org}/projects/{prj['id']}/services"
    bad = [({"name": "Bad Name", "image": "x"}, "name"),
           ({"name": "w2", "image": "nginx", "cpu": 300}, "cpu"),
           ({"name": "w2", "image": "nginx", "cpu": 256, "memory": 4096}, "memory"),
           ({"name": "w2", "image": "nginx", "kind": "cron"}, "schedule"),
           ({"name": "w2", "image": "nginx", "kind": "cron", "schedule": "every day"}, "schedule"),
           ({"name": "w2", "image": "nginx", "env": {"1BAD": "x"}}, "env"),
           ({"name": "w2", "image": "nginx", "min_instances": 3, "max_instances": 2}, "min_instances"),
           ({"name": "w2", "image": "nginx", "port": "eighty"}, "port"),
           ({"name": "w2", "image": "nginx", "surprise": 1}, "surprise"),
           ({"name": "web", "image": "nginx"}, "name")]
    for body, field in bad:
        status, out = a.call("POST", base, body)
        assert status in (409, 422), (body, out)
        assert out["error"]["field"] == field, (body, out)
    status, patched = a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"memory": 1024, "env": {"A": "1"}})
    assert status == 200 and patched["memory"] == 1024 and patched["env"] == {"A": "1"}
    assert patched["needs_deploy"] is True
    assert a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"memory": 100000})[0] == 422
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["memory"] == 1024  # nothing lost
    status, cron = a.call("POST", base, {"name": "nightly", "image": "busybox", "kind": "cron",
                                         "schedule": "cron(0 3 * * ? *)"})
    assert status == 201 and cron["port"] is None


def test_secrets_are_encrypted_and_never_returned(api, ports):
    a, org, _ = owner_api(api)
    _, svc = make_service(a, org)
    status, out = a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/DATABASE_URL", {"value": "postgres://u:hunter2@db"})
    assert status == 200 and out["version"] == 1 and out["redeploy_needed"] is True
    assert "hunter2" not in json.dumps(out)
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/DATABASE_URL", {"value": "postgres://u:hunter3@db"})
    status, listing = a.call("GET", f"/orgs/{org}/services/{svc['id']}/secrets")
    assert listing["items"] == [{"name": "DATABASE_URL", "version": 2, "created": listing["items"][0]["created"],
                                 "updated": listing["items"][0]["updated"], "scope": "service"}]
    stored = ports.store.collection("secrets").find_one({"service_id": svc["id"]})
    assert "hunter3" not in json.dumps(stored) and stored["ciphertext"]
    assert a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/lower", {"value": "x"})[1]["error"]["field"] == "name"
    assert a.call("DELETE", f"/orgs/{org}/services/{svc['id']}/secrets/DATABASE_URL")[0] == 204
    assert a.call("DELETE", f"/orgs/{org}/services/{svc['id']}/secrets/DATABASE_URL")[0] == 404
    for doc in ports.store.collection("audit_events").find({"org_id": org}, limit=200)[0]:
        assert "hunter" not in json.dumps(doc)


def test_other_orgs_resources_are_404_and_low_roles_403(api, ports):
    a, org_a, _ = owner_api(api, "A")
    b, org_b, b_body = owner_api(api, "B")
    prj, svc = make_service(a, org_a)
    # B cannot see A's org, even by using A's ids under B's org
    assert b.call("GET", f"/orgs/{org_a}/projects")[0] == 404
    assert b.call("GET", f"/orgs/{org_b}/projects/{prj['id']}")[0] == 404
    assert b.call("GET", f"/orgs/{org_b}/services/{svc['id']}")[0] == 404
    assert b.call("POST", f"/orgs/{org_b}/services/{svc['id']}/deployments", {})[0] == 404
    assert b.call("PUT", f"/orgs/{org_a}/services/{svc['id']}/secrets/X", {"value": "y"})[0] == 404
    # a viewer of A can read but not write
    ports.store.collection("memberships").insert({"id": new_id("mem"), "org_id": org_a, "user_id": b_body["user"]["id"],
                                                  "role": "viewer", "created": now_iso()})
    assert b.call("GET", f"/orgs/{org_a}/services/{svc['id']}")[0] == 200
    status, out = b.call("POST", f"/orgs/{org_a}/services/{svc['id']}/deployments", {})
    assert status == 403 and out["error"]["code"] == "forbidden"
    assert b.call("PATCH", f"/orgs/{org_a}/services/{svc['id']}", {"memory": 1024})[0] == 403


def test_deployment_is_queued_and_idempotent(api, ports):
    a, org, _ = owner_api(api)
    _, svc = make_service(a, org)
    url = f"/orgs/{org}/services/{svc['id']}/deployments"
    status, dep = a.call("POST", url, {}, headers={"Idempotency-Key": "k-1"})
    assert status == 202 and dep["status"] == "queued" and dep["number"] == 1 and dep["sandbox"] is True
    status, again = a.call("POST", url, {}, headers={"Idempotency-Key": "k-1"})
    assert status == 200 and again["id"] == dep["id"]
    status, second = a.call("POST", url, {"image": "nginx:1.28"})
    assert status == 202 and second["number"] == 2 and second["image"] == "nginx:1.28"
    assert ports.store.collection("deployments").get(dep["id"])["status"] == "superseded"
    _, listing = a.call("GET", url)
    assert [d["number"] for d in listing["items"]] == [2, 1]
    assert a.call("GET", url + "?status=bogus")[1]["error"]["field"] == "status"
    status, got = a.call("GET", f"/orgs/{org}/deployments/{second['id']}")
    assert status == 200 and "lease_owner" not in got
    status, logs = a.call("GET", f"/orgs/{org}/deployments/{second['id']}/logs")
    assert status == 200 and logs["lines"] == [] and logs["final"] is False
    status, cancelled = a.call("POST", f"/orgs/{org}/deployments/{second['id']}/cancel")
    assert status == 200 and cancelled["status"] == "cancelled"
    assert a.call("POST", f"/orgs/{org}/deployments/{second['id']}/cancel")[0] == 409
    _, audit = a.call("GET", f"/orgs/{org}/audit")
    actions = [e["action"] for e in audit["items"]]
    assert "deployment.create" in actions and "deployment.cancelled" in actions and "service.create" in actions
    # a deployment's events name its service and number, so the audit log can say "web #2 was cancelled"
    moves = [e["details"] for e in audit["items"] if e["action"] in ("deployment.create", "deployment.cancelled")]
    assert {(d["service"], d["number"]) for d in moves} == {(svc["name"], 1), (svc["name"], 2)}


def test_health_and_openapi(api):
    status, health = api.call("GET", "/health")
    assert status == 200, health
    assert health["mode"] == "sandbox" and health["checks"]["store"]["ok"] and health["checks"]["redis"]["ok"]
    status, doc = api.call("GET", "/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")
    op = doc["paths"]["/v1/orgs/{org}/projects/{project}/services"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("ServiceIn")
    assert "memory" in doc["components"]["schemas"]["ServiceIn"]["properties"]


def test_schedules_as_people_type_them_are_stored_for_eventbridge(api):
    a, org, _ = owner_api(api)
    _, prj = a.call("POST", f"/orgs/{org}/projects", {"name": "jobs"})
    base = f"/orgs/{org}/projects/{prj['id']}/services"
    status, cron = a.call("POST", base, {"name": "nightly", "image": "busybox", "kind": "cron", "schedule": "0 3 * * *"})
    assert status == 201 and cron["schedule"] == "cron(0 3 * * ? *)", cron
    status, cron = a.call("PATCH", f"/orgs/{org}/services/{cron['id']}", {"schedule": "0 9 * * 1-5"})
    assert status == 200 and cron["schedule"] == "cron(0 9 ? * 2-6 *)"
    status, cron = a.call("PATCH", f"/orgs/{org}/services/{cron['id']}", {"schedule": "@hourly"})
    assert status == 200 and cron["schedule"] == "cron(0 * * * ? *)"
    status, out = a.call("PATCH", f"/orgs/{org}/services/{cron['id']}", {"schedule": "0 3 1 * 1"})
    assert status == 422 and out["error"]["field"] == "schedule" and "not both" in out["error"]["message"]
    status, out = a.call("PATCH", f"/orgs/{org}/services/{cron['id']}", {"schedule": "61 3 * * *"})
    assert status == 422 and out["error"]["message"] == "minute must be 0-59, not 61"
    status, doc = a.call("GET", "/openapi.json")
    described = doc["components"]["schemas"]["ServiceIn"]["properties"]["schedule"]
    assert "0 3 * * *" in json.dumps(described) and "@daily" in json.dumps(described)


def test_every_invalid_field_is_reported_in_words(api):
    a, org, _ = owner_api(api)
    _, prj = a.call("POST", f"/orgs/{org}/projects", {"name": "shop"})
    base = f"/orgs/{org}/projects/{prj['id']}/services"
    status, out = a.call("POST", base, {"name": "Web App", "port": 0, "cpu": 300, "env": {"1X": "y"}})
    assert status == 422
    err = out["error"]
    assert err["field"] == "name"  # the first one, as the request gave them
    assert [f["field"] for f in err["fields"]] == ["name", "port", "cpu", "env", "image"]
    by_field = {f["field"]: f["message"] for f in err["fields"]}
    assert by_field["name"].startswith("service names are lower case letters, digits and hyphens, starting with a letter")
    assert by_field["image"] == "image is required"
    assert "letters, digits and _" in by_field["env"]
    assert not any("[a-z" in m or "^" in m for m in by_field.values()), by_field
    # rules across fields: all of them too
    status, out = a.call("POST", base, {"name": "w", "image": "nginx", "kind": "worker", "schedule": "@daily",
                                        "memory": 4096, "min_instances": 3, "max_instances": 2})
    assert status == 422 and out["error"]["field"] == "schedule"
    assert [f["field"] for f in out["error"]["fields"]] == ["schedule", "memory", "min_instances"]
    # one problem: `fields` lists it too
    status, out = a.call("POST", base, {"name": "ok", "image": "nginx", "port": 70000})
    assert status == 422 and out["error"]["fields"] == [{"field": "port", "message": out["error"]["message"]}]


def test_signup_email_message_is_in_words(api):
    status, out = api.call("POST", "/auth/signup", {"email": "not-an-address", "password": "x", "organization": ""})
    assert status == 422 and out["error"]["field"] == "email"
    by_field = {f["field"]: f["message"] for f in out["error"]["fields"]}
    assert set(by_field) == {"email", "password", "organization"}
    assert by_field["email"].startswith("an e-mail address looks like name@example.com")


def test_cursors_that_are_not_ours_are_400(api):
    import base64

    a, org, _ = owner_api(api)
    for value in (b'[[1,2],"prj_1"]', b'[{"$gt":""},"prj_1"]', b'[100000000000000000000000,"prj_1"]',
                  b"[" * 5000 + b"]" * 5000):
        cursor = base64.urlsafe_b64encode(value).decode().rstrip("=")
        status, out = a.call("GET", f"/orgs/{org}/projects?cursor={cursor}")
        assert status == 400 and out["error"]["field"] == "cursor", (value[:20], out)
        assert out["error"]["code"] == "bad_request"
