"""Store documents -> search documents: the right fields, and never a secret."""
from __future__ import annotations

import json

import pytest

from chalicelib.search.documents import FIELDS, INDEXED, to_search_doc

ORG = "org_1"
SECRET = "hunter2-very-secret-value"

SERVICE = {
    "id": "svc_1", "org_id": ORG, "project_id": "prj_1", "name": "api", "kind": "web", "image": "nginx:1.25",
    "port": 8080, "command": ["gunicorn", "app:app"], "cpu": 256, "memory": 512,
    "env": {"DATABASE_URL": f"postgres://u:{SECRET}@db/x", "API_TOKEN": SECRET}, "health_check_path": "/health",
    "min_instances": 1, "max_instances": 3, "schedule": None, "domain": "api.example.com", "status": "live",
    "created": "2026-11-25T15:00:00.000000Z", "updated": "2026-11-25T15:00:00.000000Z",
}
DEPLOYMENT = {
    "id": "dep_1", "org_id": ORG, "project_id": "prj_1", "service_id": "svc_1", "service_name": "api", "number": 7,
    "image": "nginx:1.26", "status": "failed",
    "steps": [{"name": "pull", "status": "ok"}, {"name": "rollout", "status": "failed", "error": "unhealthy"}],
    "actor": "alice@example.com", "error": "health check failed", "reason": "new image",
    "created": "2026-11-25T15:01:00.000000Z", "updated": "2026-11-25T15:02:00.000000Z",
}
LOG = {"id": "log_1", "org_id": ORG, "deployment_id": "dep_1", "service_id": "svc_1", "seq": 3,
       "ts": "2026-11-25T15:01:05.000000Z", "level": "error", "step": "rollout", "message": "connection refused"}
AUDIT = {"id": "aud_1", "org_id": ORG, "actor": "alice@example.com", "action": "secret.set",
         "target_type": "service", "target_id": "svc_1", "source_ip": "203.0.113.9",
         "created": "2026-11-25T15:03:00.000000Z",
         "details": {"name": "API_TOKEN", "value": SECRET, "token_hash": SECRET, "nested": {"password": SECRET,
                                                                                              "note": "rotated"}}}


def test_service():
    d = to_search_doc("services", SERVICE)
    assert set(d) == set(FIELDS)
    assert d["id"] == "svc_1" and d["type"] == "service" and d["org_id"] == ORG and d["project_id"] == "prj_1"
    assert d["title"] == "api" and d["status"] == "live" and d["image"] == "nginx:1.25"
    assert d["created"] == SERVICE["created"] and d["link"] == f"/v1/orgs/{ORG}/services/svc_1"
    for word in ("web", "nginx:1.25", "api.example.com", "gunicorn app:app", "DATABASE_URL", "API_TOKEN"):
        assert word in d["body"]
    assert d["actor"] is None


def test_deployment():
    d = to_search_doc("deployments", DEPLOYMENT)
    assert d["type"] == "deployment" and d["title"] == "api deployment #7"
    assert d["status"] == "failed" and d["image"] == "nginx:1.26" and d["actor"] == "alice@example.com"
    assert d["link"] == f"/v1/orgs/{ORG}/deployments/dep_1"
    for word in ("health check failed", "new image", "rollout", "unhealthy"):
        assert word in d["body"]


def test_a_live_release_another_replaced_is_found_as_replaced_not_live():
    live = {**DEPLOYMENT, "status": "live", "error": None}
    assert to_search_doc("deployments", live)["status"] == "live"
    d = to_search_doc("deployments", {**live, "replaced_by": "dep_2"})
    assert d["status"] == "replaced" and "replaced" in d["body"] and " live" not in d["body"]
    assert to_search_doc("deployments", {**DEPLOYMENT, "replaced_by": "dep_2"})["status"] == "failed"   # only live


def test_log_line_links_to_its_deployment_and_takes_a_project():
    d = to_search_doc("log_lines", LOG, project_id="prj_9")
    assert d["type"] == "log" and d["body"] == "connection refused" and d["status"] == "error"
    assert d["created"] == LOG["ts"] and d["link"] == f"/v1/orgs/{ORG}/deployments/dep_1"
    assert d["project_id"] == "prj_9" and d["title"] == "rollout error"
    assert to_search_doc("log_lines", LOG)["project_id"] is None


def test_audit_event():
    d = to_search_doc("audit_events", AUDIT)
    assert d["type"] == "audit" and d["actor"] == "alice@example.com"
    assert d["title"] == "secret.set service svc_1" and d["link"] == f"/v1/orgs/{ORG}/audit-events/aud_1"
    assert "203.0.113.9" in d["body"] and "API_TOKEN" in d["body"] and "rotated" in d["body"]
    project = to_search_doc("audit_events", {**AUDIT, "target_type": "project", "target_id": "prj_3"})
    assert project["project_id"] == "prj_3"


@pytest.mark.parametrize("collection,doc", [("services", SERVICE), ("audit_events", AUDIT),
                                            ("deployments", DEPLOYMENT), ("log_lines", LOG)])
def test_no_secret_value_ever_reaches_a_search_doc(collection, doc):
    assert SECRET not in json.dumps(to_search_doc(collection, doc))


@pytest.mark.parametrize("collection,doc", [
    ("secrets", {"id": "sec_1", "org_id": ORG, "service_id": "svc_1", "name": "API_TOKEN", "ciphertext": SECRET}),
    ("tokens", {"id": "tok_1", "org_id": ORG, "user_id": "usr_1", "name": "ci", "token_hash": SECRET}),
    ("users", {"id": "usr_1", "email": "a@example.com", "name": "A", "password_hash": SECRET}),
    ("memberships", {"id": "mem_1", "org_id": ORG, "user_id": "usr_1", "role": "owner"}),
    ("organizations", {"id": ORG, "name": "Acme"}), ("projects", {"id": "prj_1", "org_id": ORG, "name": "p"}),
    ("outbox", {"id": "obx_1", "op": "upsert", "collection": "secrets", "doc_id": "sec_1", "org_id": ORG}),
])
def test_other_collections_are_never_indexed(collection, doc):
    assert collection not in INDEXED
    assert to_search_doc(collection, doc) is None


def test_missing_or_orgless_documents_give_none():
    assert to_search_doc("services", None) is None
    assert to_search_doc("services", {**SERVICE, "org_id": None}) is None
    assert to_search_doc("services", {k: v for k, v in SERVICE.items() if k != "id"}) is None


def test_sparse_documents_still_convert():
    d = to_search_doc("deployments", {"id": "dep_2", "org_id": ORG, "created": "2026-11-25T15:00:00.000000Z"})
    assert d["title"] == "service deployment" and d["body"] is None and d["status"] is None
    assert all(v is None or isinstance(v, str) for v in d.values())
