"""GET …/deployments/{dep}/changes: what a deployment changes against the release before it
(image, commit and compare link, settings, variable and secret names; never values)."""
from __future__ import annotations

import pytest

from tests.support.deploying import run_to_end
from tests.support.factories import new_org

pytestmark = pytest.mark.services


def test_a_release_says_what_it_changed_names_only(api, ports):
    org = new_org(api)
    svc = org.service(name="web", image="nginx:1.27", env={"MODE": "one", "OLD": "x"})
    first = org.deploy(ports, svc, commit={"sha": "1111111aaaa"})
    status, got = org.call("GET", f"/deployments/{first['id']}/changes")
    assert status == 200 and got["against"] is None and got["summary"] == ["the service's first release"]

    assert org.call("PATCH", f"/services/{svc['id']}", {"cpu": 512, "memory": 1024,
                                                         "env": {"MODE": "two-secret-ish", "NEW": "y"}})[0] == 200
    assert org.call("PUT", f"/services/{svc['id']}/secrets/API_KEY", {"value": "sk-live-abcdef"})[0] == 200
    queued = org.queue_deployment(svc, image="nginx:1.28", commit={"sha": "2222222bbbb"})
    status, pending = org.call("GET", f"/deployments/{queued['id']}/changes")
    assert status == 200 and pending["against"]["deployment_id"] == first["id"]
    assert pending["secrets"] is None                       # read from the current versions when it runs
    second = run_to_end(ports, queued["id"])
    status, got = org.call("GET", f"/deployments/{second['id']}/changes")
    assert status == 200, got
    assert got["image"] == {"from": "nginx:1.27", "to": "nginx:1.28"}
    assert got["commit"] == {"from": "1111111aaaa", "to": "2222222bbbb", "compare_url": None}   # not built from git
    assert {s["field"]: (s["from"], s["to"]) for s in got["settings"]} == {"cpu": (256, 512), "memory": (512, 1024)}
    assert got["variables"] == {"added": ["NEW"], "removed": ["OLD"], "changed": ["MODE"]}
    assert got["secrets"] == {"added": ["API_KEY"], "removed": [], "rotated": []}
    assert got["summary"] == ["image nginx:1.27 -> nginx:1.28", "commit 1111111 -> 2222222", "cpu 256 -> 512",
                              "memory 512 -> 1024", "variables added: NEW", "variables removed: OLD",
                              "variables changed: MODE", "secrets added: API_KEY"]
    assert "two-secret-ish" not in str(got) and "sk-live" not in str(got)   # names only

    assert org.call("PUT", f"/services/{svc['id']}/secrets/API_KEY", {"value": "sk-live-rotated"})[0] == 200
    third = org.deploy(ports, svc)
    _, got = org.call("GET", f"/deployments/{third['id']}/changes")
    assert got["secrets"]["rotated"] == ["API_KEY"] and got["image"] == {"from": "nginx:1.28", "to": "nginx:1.27"}
    _, back = org.call("GET", f"/deployments/{third['id']}/changes?against={first['id']}")
    assert back["against"]["number"] == first["number"] and back["image"] is None
    restart = run_to_end(ports, org.call("POST", f"/services/{svc['id']}/restart")[1]["id"])
    _, same = org.call("GET", f"/deployments/{restart['id']}/changes")
    assert same["unchanged"] is True and same["summary"] == []

    other = org.service(name="api", image="nginx:1.27")
    other_dep = org.deploy(ports, other)
    status, err = org.call("GET", f"/deployments/{third['id']}/changes?against={other_dep['id']}")
    assert status == 404 and err["error"]["field"] == "against", err
    stranger = new_org(api, name="Other")
    assert stranger.api.call("GET", f"/orgs/{org.id}/deployments/{third['id']}/changes")[0] == 404
    status, err = stranger.call("GET", f"/deployments/{third['id']}/changes")
    assert status == 404


def test_a_release_built_from_github_links_the_commits_between():
    from chalicelib.deploys.changes import between

    spec = {"image": "acct.dkr.ecr.us-east-1.amazonaws.com/x@sha256:" + "a" * 64, "source": {"repo": "acme/shop"},
            "env": {}}
    base = {"id": "dep_1", "number": 1, "status": "live", "spec": spec, "build": {"commit_sha": "abc1234def"},
            "secret_refs": {}}
    dep = {"id": "dep_2", "number": 2, "status": "live", "spec": {**spec, "image": spec["image"][:-64] + "b" * 64},
           "commit": {"sha": "0123456fff"}, "secret_refs": {}}
    got = between(base, dep)
    assert got["commit"] == {"from": "abc1234def", "to": "0123456fff",
                             "compare_url": "https://github.com/acme/shop/compare/abc1234def...0123456fff"}
    assert got["summary"][1] == "commit abc1234 -> 0123456" and got["secrets"] == {"added": [], "removed": [], "rotated": []}
