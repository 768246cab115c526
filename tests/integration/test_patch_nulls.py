"""A PATCH of a service with null sizes (found by bench/fuzz.py: `{"memory": null, "cpu": 4096}`
answered 500) is a 422 naming the field, and changes nothing."""
from tests.support.factories import new_org


def test_null_sizes_in_a_patch_are_422_with_the_field(api, ports):
    org = new_org(api)
    svc = org.service(name="w", image="nginx")
    for body, field in (({"memory": None, "cpu": 4096}, "memory"), ({"cpu": None}, "cpu"),
                        ({"min_instances": None}, "min_instances"), ({"max_instances": None}, "max_instances")):
        status, out = org.call("PATCH", f"/services/{svc['id']}", body)
        assert status == 422 and out["error"]["field"] == field, (body, status, out)
    assert ports.store.collection("services").get(svc["id"])["memory"] == svc["memory"]
