"""Store documents -> flat search documents.

Only four collections are searchable. Everything else (secrets, tokens, users, ...)
maps to None, and the converters below copy named fields only, never a whole
document: a secret value, a token hash, an env value or a password must not reach
an index, where it would be searchable and shown in snippets.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from chalicelib.search.port import SearchDoc
from chalicelib.store.schema import SEARCHABLE

INDEXED = SEARCHABLE  # one list (store/schema.py): the store writes these collections' outbox records
TYPE_OF = {"services": "service", "deployments": "deployment", "log_lines": "log", "audit_events": "audit",
           "alerts": "alert"}
FIELDS = ("id", "type", "org_id", "project_id", "title", "body", "status", "image", "actor", "created", "link")

# Keys in free-form audit details whose values are never indexed.
_SENSITIVE = ("secret", "token", "password", "passwd", "hash", "cipher", "key", "credential", "env", "value",
              "otp", "recovery_code", "mfa_")   # two-factor secrets and codes (accounts/mfa.py)


def _text(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p not in (None, "", [], {}))


def _sensitive(key: str) -> bool:
    k = key.lower()
    return any(s in k for s in _SENSITIVE)


def _details_text(details: Any, depth: int = 0) -> str:
    """Scalars of audit details, skipping sensitive keys at every level."""
    if depth > 3:
        return ""
    if isinstance(details, dict):
        return _text(*(f"{k} {_details_text(v, depth + 1)}" for k, v in details.items() if not _sensitive(str(k))))
    if isinstance(details, list):
        return _text(*(_details_text(v, depth + 1) for v in details[:20]))
    if isinstance(details, (str, int, float)) and not isinstance(details, bool):
        return str(details)[:500]
    return ""


def _service(doc: dict) -> dict:
    org = doc["org_id"]
    return {
        "project_id": doc.get("project_id"),
        # the default environment goes unsaid; others are part of the name people see
        "title": _text(doc.get("name") or doc["id"], f"({doc['environment']})"
                       if doc.get("environment") not in (None, "production") else None),
        # env KEYS help find a service ("DATABASE_URL"); env VALUES are never indexed.
        "body": _text(doc.get("name"), doc.get("environment"), doc.get("kind"), doc.get("image"), doc.get("domain"),
                      doc.get("command") if isinstance(doc.get("command"), str) else _text(*(doc.get("command") or [])),
                      doc.get("schedule"), _text(*sorted(doc.get("env") or {}))),
        "status": doc.get("status"),
        "image": doc.get("image"),
        "created": doc.get("created"),
        "link": f"/v1/orgs/{org}/services/{doc['id']}",
    }


def _steps_text(steps: Any) -> str:
    out = []
    for s in steps or []:
        if isinstance(s, dict):
            out.append(_text(s.get("name"), s.get("status"), s.get("error")))
        elif isinstance(s, str):
            out.append(s)
    return _text(*out)


def _commit_text(commit: Any) -> str:
    """A deployment's source commit: found by its full or short sha, its message or its author."""
    if not isinstance(commit, dict) or not commit.get("sha"):
        return ""
    sha = str(commit["sha"])
    return _text(sha, sha[:7], commit.get("message"), commit.get("author"))


REPLACED = "replaced"   # a release that was live, as search shows it once another went live


def _deployment(doc: dict) -> dict:
    org = doc["org_id"]
    name = doc.get("service_name") or doc.get("service_id") or "service"
    number = doc.get("number")
    # `live` stays a deployment's status for good (final); a later release that went live marks it
    # replaced_by, so search's live ones are the ones serving now
    status = REPLACED if doc.get("status") == "live" and doc.get("replaced_by") else doc.get("status")
    return {
        "project_id": doc.get("project_id"),
        "title": f"{name} deployment #{number}" if number is not None else f"{name} deployment",
        "body": _text(doc.get("service_name"), doc.get("environment"), doc.get("image"), status, doc.get("reason"),
                      doc.get("error"), doc.get("actor"), _steps_text(doc.get("steps")), _commit_text(doc.get("commit"))),
        "status": status,
        "image": doc.get("image"),
        "actor": doc.get("actor"),
        "created": doc.get("created"),
        "link": f"/v1/orgs/{org}/deployments/{doc['id']}",
    }


def _log(doc: dict) -> dict:
    org = doc["org_id"]
    message = str(doc.get("message") or "")
    return {
        "title": _text(doc.get("step"), doc.get("level")) or "log",
        "body": message[:8000],
        "status": doc.get("level"),  # a log line's "status" facet is its level
        "created": doc.get("ts") or doc.get("created"),
        "link": f"/v1/orgs/{org}/deployments/{doc.get('deployment_id')}",
    }


def _audit(doc: dict) -> dict:
    org = doc["org_id"]
    target = _text(doc.get("target_type"), doc.get("target_id"))
    return {
        "project_id": doc.get("target_id") if doc.get("target_type") == "project" else doc.get("project_id"),
        "title": _text(doc.get("action"), target) or "audit event",
        "body": _text(doc.get("action"), doc.get("actor"), target, doc.get("source_ip"),
                      _details_text(doc.get("details"))),
        "actor": doc.get("actor"),
        "created": doc.get("created"),
        "link": f"/v1/orgs/{org}/audit-events/{doc['id']}",
    }


def _alert(doc: dict) -> dict:
    return {"project_id": doc.get("project_id"), "title": _text(doc.get("service_name"), "alert", doc.get("rule")),
            "body": _text(doc.get("message"), doc.get("rule"), doc.get("status")), "status": doc.get("status"),
            "created": doc.get("created"),
            "link": f"/v1/orgs/{doc['org_id']}/services/{doc.get('service_id')}/alerts"}


_CONVERT: dict[str, Callable[[dict], dict]] = {
    "services": _service, "deployments": _deployment, "log_lines": _log, "audit_events": _audit, "alerts": _alert,
}


def to_search_doc(collection: str, doc: Optional[dict], *, project_id: Optional[str] = None) -> Optional[SearchDoc]:
    """The search document for a store document, or None when it is not searchable.

    `project_id` fills in the project for documents that do not carry one (log lines:
    the indexer looks up their deployment)."""
    convert = _CONVERT.get(collection)
    if convert is None or not doc or not doc.get("id") or not doc.get("org_id"):
        return None
    out = convert(doc)
    out.update(id=doc["id"], type=TYPE_OF[collection], org_id=doc["org_id"])
    if project_id and not out.get("project_id"):
        out["project_id"] = project_id
    return {k: (str(out[k]) if out.get(k) not in (None, "") else None) for k in FIELDS}
