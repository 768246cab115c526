"""Apply: carry out a plan as one change (one store transaction where the store has them),
with one audit event. Deletes happen only when asked (allow_delete); otherwise they are
reported as skipped. Each step goes through the same domain functions as the API, so the
caller's role is checked per change. Resources go through resources/service.py like the API's
(their tasks are queued once the change is committed, so the worker finds them); a resource
delete the plan marks "refused" (deletion protection) refuses the whole apply."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.audit import service as audit
from chalicelib.catalog import environments as envs
from chalicelib.catalog import service as catalog
from chalicelib.configfile.model import LaunchbayFile
from chalicelib.configfile.plan import plan
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import NotFound, StateConflict
from chalicelib.resources import service as resources

# a secret goes before links are made: a file may replace a secret with a link of the same name; and
# links go before others are made: another resource may take over a link's variable or mount path
ORDER = {("create", "environment"): 0, ("update", "environment"): 1, ("create", "resource"): 2,
         ("update", "resource"): 3, ("create", "service"): 4, ("update", "service"): 5, ("delete", "secret"): 6,
         ("delete", "link"): 7, ("create", "link"): 8, ("update", "link"): 8, ("delete", "service"): 9,
         ("delete", "resource"): 10, ("delete", "environment"): 11}


def apply(ports: Ports, actor: Actor, org_id: str, project_id: str, doc: LaunchbayFile,
          allow_delete: bool = False, source: str = "launchbay", keys: Optional[dict[str, str]] = None) -> dict[str, Any]:
    """`keys`: the values of the variables the document's log drains name in access_key_env (plan)."""
    catalog.get_project(ports, actor, org_id, project_id, "service.write")   # each change checks its own role too
    keys = keys or {}
    planned = plan(ports, project_id, doc, keys)
    # a delete refused (deletion protection) matters when deletes are carried out; a create refused
    # (a log drain without its key) always does
    refused = [c for c in planned["changes"] if c["type"] == "resource" and "refused" in c["fields"]
               and (allow_delete or c["action"] != "delete")]
    if refused:
        raise StateConflict("; ".join(c["fields"]["refused"] for c in refused) + ": nothing was applied",
                            field="resources")
    applied, skipped, started = [], [], []
    with ports.store.transaction():
        for change in sorted(planned["changes"], key=lambda c: ORDER[(c["action"], c["type"])]):
            if change["action"] == "delete" and not allow_delete:
                skipped.append(change)
                continue
            res = _do(ports, actor, org_id, project_id, change, keys)
            if res is not None:
                started.append(res)
            applied.append(change)
        event = audit.record(ports, actor, org_id, "project.apply", "project", project_id,
                             {"source": source, "applied": len(applied), "skipped_deletes": len(skipped),
                              "summary": planned["summary"]})
    for res in started:
        resources.queue_task(ports, res)
    return {"applied": applied, "skipped": skipped, "warnings": planned["warnings"], "audit_event": event["id"],
            "message": (f"{len(applied)} changes applied" + (f"; {len(skipped)} deletions skipped: apply with "
                                                              "allow_delete to carry them out" if skipped else ""))}


def _do(ports: Ports, actor: Actor, org_id: str, project_id: str, c: dict[str, Any],
        keys: dict[str, str]) -> Optional[dict[str, Any]]:
    """-> a resource whose task is to be queued after the commit."""
    kind, action, env = c["type"], c["action"], c["environment"]
    if kind == "resource":
        return _resource(ports, actor, org_id, project_id, c, keys)
    if kind == "link":
        _link(ports, actor, org_id, project_id, c)
        return None
    if kind == "environment" and action == "create":
        place = {k: c["fields"][k] for k in ("aws_account_id", "region") if k in c["fields"]}
        approval = {k: c["fields"][k] for k in ("require_approval", "prevent_self_approval", "freeze_windows",
                                                "sleep_windows", "allowed_ips", "static_egress") if k in c["fields"]}
        envs.create_environment(ports, actor, org_id, project_id, c["name"], c["fields"].get("domain_suffix"),
                                c["fields"].get("env"), place, branch=c["fields"].get("branch"), approval=approval)
    elif kind == "environment" and action == "update":
        envs.update_environment(ports, actor, org_id, project_id, env, {k: v[1] for k, v in c["fields"].items()})
    elif kind == "environment" and action == "delete":
        envs.retire_environment(ports, actor, org_id, project_id, env)
    elif kind == "service" and action == "create":
        catalog.create_service(ports, actor, org_id, project_id, {**c["fields"], "name": c["name"], "environment": env})
    elif kind == "service" and action == "update":
        catalog.update_service(ports, actor, org_id, c["id"], {k: _whole(k, *v) for k, v in c["fields"].items()})
    elif kind == "service" and action == "delete":
        for link in resources.list_links(ports, actor, org_id, c["id"]):   # its resources may go too
            resources.unlink(ports, actor, org_id, c["id"], link["resource_id"])
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
    return None


def _whole(key: str, old: Any, new: Any) -> Any:
    """A service setting as the file has it. The services API merges a PATCH of autoscaling (or
    health_check, auto_rollback, canary, spot) into what is stored: a field the file no longer sets (a
    queue to scale on, a schedule, spot's on_demand_base) is sent as its default, or it would stay."""
    from pydantic import BaseModel

    from chalicelib.catalog.models import AutoRollback, Autoscaling, Canary, HealthCheck, Spot

    models: dict[str, type[BaseModel]] = {"health_check": HealthCheck, "autoscaling": Autoscaling,
                                          "auto_rollback": AutoRollback, "canary": Canary, "spot": Spot}
    if key not in models or not isinstance(old, dict) or not isinstance(new, dict):
        return new
    fields = models[key].model_fields
    return {**{k: fields[k].get_default(call_default_factory=True) for k in old if k not in new and k in fields},
            **new}


def _resource(ports: Ports, actor: Actor, org_id: str, project_id: str, c: dict[str, Any],
              keys: dict[str, str]) -> Optional[dict[str, Any]]:
    """A log drain's key is the value of the variable the change names (never in the change); the
    variable's name is kept on the drain, for export."""
    var = c.get("access_key_env")
    if c["action"] == "create":
        body = {k: v for k, v in c["fields"].items() if k != "access_key_env"}
        if var and keys.get(var):
            body["access_key"] = keys[var]
        made = resources.create_resource(ports, actor, org_id, project_id,
                                         {**body, "name": c["name"], "environment": c["environment"]}, start=False)
        return _named_key(ports, made, var)
    if c["action"] == "update":
        body = {k: v[1] for k, v in c["fields"].items() if k != "access_key_env"}
        if "access_key" in body and var:
            body["access_key"] = keys[var]
        changed = resources.update_resource(ports, actor, org_id, c["id"], body, start=False)
        _named_key(ports, changed, var if "access_key_env" in c["fields"] else None)
        return changed
    # allow_delete is the explicit confirmation the API asks with ?confirm=<name>
    return resources.delete_resource(ports, actor, org_id, c["id"], c["name"], start=False)


def _named_key(ports: Ports, res: dict[str, Any], var: Optional[str]) -> dict[str, Any]:
    """Keep the name of the variable a drain's key came from (export writes it back)."""
    if var and res.get("access_key_env") != var:
        res = ports.store.collection("resources").update(res["id"], {"access_key_env": var}) or res
    return res


def _link(ports: Ports, actor: Actor, org_id: str, project_id: str, c: dict[str, Any]) -> None:
    target = envs.find(ports, project_id, c["environment"])
    where = {"environment_id": (target or {}).get("id")}
    svc = ports.store.collection("services").find_one({**where, "name": c["fields"]["service"]})
    res = ports.store.collection("resources").find_one({**where, "name": c["fields"]["resource"]})
    if svc is None or res is None:
        raise NotFound(f"link {c['name']}: service or resource not found", field="links")
    if c["action"] == "delete":
        resources.unlink(ports, actor, org_id, svc["id"], res["id"])
        return
    # a link is made whole each time: an update names what changes, the rest is as the store has it
    was = (ports.store.collection("resource_links").find_one({"service_id": svc["id"], "resource_id": res["id"]})
           if c["action"] == "update" else None) or {}

    def wanted(key: str) -> Any:
        value = c["fields"].get(key, was.get(key))
        return value[1] if c["action"] == "update" and isinstance(value, list) else value

    resources.link(ports, actor, org_id, svc["id"], res["id"], wanted("variable"), path=wanted("path"),
                   read_only=True if wanted("read_only") else None,
                   send_only=True if wanted("send_only") else None)
