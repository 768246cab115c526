"""Apply: carry out a plan as one change (one store transaction where the store has them),
with one audit event. Deletes happen only when asked (allow_delete); otherwise they are
reported as skipped. Each step goes through the same domain functions as the API, so the
caller's role is checked per change."""
from __future__ import annotations

from typing import Any

from chalicelib.audit import service as audit
from chalicelib.catalog import environments as envs
from chalicelib.catalog import service as catalog
from chalicelib.configfile.model import LaunchbayFile
from chalicelib.configfile.plan import plan
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import NotFound

ORDER = {("create", "environment"): 0, ("update", "environment"): 1, ("create", "service"): 2,
         ("update", "service"): 3, ("delete", "secret"): 4, ("delete", "service"): 5, ("delete", "environment"): 6}


def apply(ports: Ports, actor: Actor, org_id: str, project_id: str, doc: LaunchbayFile,
          allow_delete: bool = False, source: str = "launchbay") -> dict[str, Any]:
    catalog.get_project(ports, actor, org_id, project_id, "service.write")   # each change checks its own role too
    planned = plan(ports, project_id, doc)
    applied, skipped = [], []
    with ports.store.transaction():
        for change in sorted(planned["changes"], key=lambda c: ORDER[(c["action"], c["type"])]):
            if change["action"] == "delete" and not allow_delete:
                skipped.append(change)
                continue
            _do(ports, actor, org_id, project_id, change)
            applied.append(change)
        event = audit.record(ports, actor, org_id, "project.apply", "project", project_id,
                             {"source": source, "applied": len(applied), "skipped_deletes": len(skipped),
                              "summary": planned["summary"]})
    return {"applied": applied, "skipped": skipped, "warnings": planned["warnings"], "audit_event": event["id"],
            "message": (f"{len(applied)} changes applied" + (f"; {len(skipped)} deletions skipped: apply with "
                                                              "allow_delete to carry them out" if skipped else ""))}


def _do(ports: Ports, actor: Actor, org_id: str, project_id: str, c: dict[str, Any]) -> None:
    kind, action, env = c["type"], c["action"], c["environment"]
    if kind == "environment" and action == "create":
        place = {k: c["fields"][k] for k in ("aws_account_id", "region") if k in c["fields"]}
        envs.create_environment(ports, actor, org_id, project_id, c["name"], c["fields"].get("domain_suffix"),
                                c["fields"].get("env"), place, branch=c["fields"].get("branch"))
    elif kind == "environment" and action == "update":
        envs.update_environment(ports, actor, org_id, project_id, env, {k: v[1] for k, v in c["fields"].items()})
    elif kind == "environment" and action == "delete":
        envs.retire_environment(ports, actor, org_id, project_id, env)
    elif kind == "service" and action == "create":
        catalog.create_service(ports, actor, org_id, project_id, {**c["fields"], "name": c["name"], "environment": env})
    elif kind == "service" and action == "update":
        catalog.update_service(ports, actor, org_id, c["id"], {k: v[1] for k, v in c["fields"].items()})
    elif kind == "service" and action == "delete":
        catalog.delete_service(ports, actor, org_id, c["id"])
    elif kind == "secret" and action == "delete":
        if c["fields"]["scope"] == "environment":
            envs.delete_env_secret(ports, actor, org_id, project_id, env, c["name"])
        else:
            target = envs.find(ports, project_id, env)
            svc = ports.store.collection("services").find_one(
                {"environment_id": (target or {}).get("id"), "name": c["fields"]["service"]})
            if svc is None:
                raise NotFound(f"service {c['fields']['service']} not found", field="service")
            catalog.delete_secret(ports, actor, org_id, svc["id"], c["name"])
