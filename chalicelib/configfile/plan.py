"""Plan: what applying a launchbay document to a project would create, change (field by
field) and delete, per environment. The same plan serves the API, the CLI, imports and the UI.

A change: {"action": "create"|"update"|"delete", "type": "environment"|"service"|"secret",
"name", "environment", "fields": {field: value} (create) | {field: [old, new]} (update)}.
Secret values are never part of a document or a plan: only names are compared.
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.catalog.models import with_defaults
from chalicelib.catalog.schedule import ScheduleError, to_eventbridge
from chalicelib.configfile.model import EnvironmentSpec, LaunchbayFile, ServiceSpec
from chalicelib.core.context import Ports
from chalicelib.core.errors import BadRequest
from chalicelib.cost.plans import project_change
from chalicelib.store.port import iter_all

# the service fields a document sets (the services API's names); kind cannot change in place
SERVICE_FIELDS = ("kind", "image", "source", "port", "command", "cpu", "memory", "env", "build_env", "health_check",
                  "min_instances", "max_instances", "schedule", "domain", "deregistration_delay", "autoscaling")
ENV_FIELDS = ("domain_suffix", "env", "branch")


def desired_service(spec: ServiceSpec, name: str, env_suffix: Optional[str]) -> dict[str, Any]:
    """The service as the store would hold it once created from this spec (defaults filled in),
    so that comparing with the store is exact: export then apply changes nothing."""
    raw = spec.model_dump(exclude={"secrets"}, exclude_none=True)
    out = with_defaults({**{k: v for k, v in raw.items() if k in SERVICE_FIELDS}, "name": name}, env_suffix)
    if out.get("schedule"):
        try:
            out["schedule"] = to_eventbridge(out["schedule"])
        except ScheduleError:
            pass  # the model already refused it
    return {k: out.get(k) for k in SERVICE_FIELDS}


def current_state(ports: Ports, project_id: str) -> dict[str, dict[str, Any]]:
    """env name -> {"doc", "services": {name: doc}, "secrets": {names}, "service_secrets": {svc: {names}}}."""
    state: dict[str, dict[str, Any]] = {}
    for env in iter_all(ports.store.collection("environments"), {"project_id": project_id}):
        if env.get("preview"):   # pull requests make and remove previews (chalicelib/hooks), not the file
            continue
        services = {s["name"]: s for s in iter_all(ports.store.collection("services"), {"environment_id": env["id"]})
                    if s.get("status") != "deleting"}
        state[env["name"]] = {
            "doc": env, "services": services,
            "secrets": {s["name"] for s in iter_all(ports.store.collection("secrets"), {"scope_id": env["id"]})},
            "service_secrets": {n: {s["name"] for s in iter_all(ports.store.collection("secrets"), {"scope_id": d["id"]})}
                                for n, d in services.items()}}
    return state


def _diff(old: dict[str, Any], new: dict[str, Any], fields: tuple[str, ...]) -> dict[str, list[Any]]:
    return {f: [old.get(f), new.get(f)] for f in fields if old.get(f) != new.get(f)}


def _connection(ports: Ports, org_id: str, ref: str, field: str) -> dict[str, Any]:
    """This organization's connection by name or id (another's does not exist for it)."""
    coll = ports.store.collection("aws_accounts")
    conn = coll.get(ref) if ref.startswith("awsacc_") else coll.find_one({"org_id": org_id, "name": ref})
    if conn is None or conn["org_id"] != org_id:
        raise BadRequest(f"launchbay.yaml: {field}: no AWS account connection {ref!r} in this organization "
                         "(`launchbay accounts` lists them)", field=field)
    if not conn.get("role_arn"):
        raise BadRequest(f"launchbay.yaml: {field}: connection {conn['name']!r} is not verified yet", field=field)
    return conn


def placement(ports: Ports, org_id: str, env_name: str, spec: EnvironmentSpec,
              current: Optional[dict[str, Any]]) -> dict[str, Any]:
    """{"aws_account_id", "region"} the document asks of the environment ({} when it names neither:
    the environment stays where it is), checked: an unknown connection or a region the connection
    does not allow is a 400 naming the field."""
    named = spec.model_fields_set & {"account", "region"}
    if not named:
        return {}
    where = f"environments.{env_name}"
    conn_id = (current or {}).get("aws_account_id")
    conn = None
    if "account" in named:
        conn = _connection(ports, org_id, spec.account, f"{where}.account") if spec.account else None
        conn_id = conn["id"] if conn else None
    elif conn_id:
        conn = ports.store.collection("aws_accounts").get(conn_id)
    region = spec.region if "region" in named else (current or {}).get("region")
    if conn is not None:
        if region is not None and region not in conn["regions"]:
            field = f"{where}.region"
            raise BadRequest(f"launchbay.yaml: {field}: region {region} is not allowed by connection "
                             f"{conn['name']!r} (allowed: {', '.join(conn['regions'])})", field=field)
        region = region or conn["regions"][0]
    return {"aws_account_id": conn_id, "region": region}


def plan(ports: Ports, project_id: str, doc: LaunchbayFile) -> dict[str, Any]:
    state = current_state(ports, project_id)
    project = ports.store.collection("projects").get(project_id) or {}
    changes: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for env_name, env_spec in doc.environments.items():
        have = state.get(env_name)
        place = placement(ports, project.get("org_id", ""), env_name, env_spec, (have or {}).get("doc"))
        wanted_env = {"domain_suffix": env_spec.domain_suffix, "env": dict(env_spec.env), "branch": env_spec.branch,
                      **place}
        env_fields = ENV_FIELDS + tuple(place)
        if have is None:
            changes.append({"action": "create", "type": "environment", "name": env_name, "environment": env_name,
                            "fields": wanted_env})
        else:
            fields = _diff({k: have["doc"].get(k) or ({} if k == "env" else None) for k in env_fields}, wanted_env,
                           env_fields)
            if fields:
                changes.append({"action": "update", "type": "environment", "name": env_name,
                                "environment": env_name, "fields": fields})
        for secret in env_spec.secrets:
            if not have or secret not in have["secrets"]:
                warnings.append({"file": "launchbay.yaml", "key": f"environments.{env_name}.secrets",
                                 "message": f"secret {secret} of environment {env_name} has no value yet: set it "
                                            f"with `launchbay secrets set {secret} --env {env_name}`"})
        for secret in sorted((have or {}).get("secrets", set()) - set(env_spec.secrets)):
            changes.append({"action": "delete", "type": "secret", "name": secret, "environment": env_name,
                            "fields": {"scope": "environment"}})
        for svc_name, spec in env_spec.services.items():
            if spec.source is not None and not spec.source.repo:  # an import that could not name the repository
                warnings.append({"file": "launchbay.yaml", "key": f"environments.{env_name}.services.{svc_name}.source.repo",
                                 "message": f"service {svc_name} builds from source: set source.repo (owner/name) "
                                            "to create it"})
                continue
            wanted = desired_service(spec, svc_name, env_spec.domain_suffix)
            current = (have or {}).get("services", {}).get(svc_name)
            if current is None:
                changes.append({"action": "create", "type": "service", "name": svc_name, "environment": env_name,
                                "fields": {k: v for k, v in wanted.items() if v not in (None, {}, [])}})
            else:
                fields = _diff({k: current.get(k) for k in SERVICE_FIELDS}, wanted, SERVICE_FIELDS)
                if "kind" in fields:
                    warnings.append({"file": "launchbay.yaml", "key": f"environments.{env_name}.services.{svc_name}.kind",
                                     "message": f"service {svc_name} cannot change kind in place "
                                                f"({fields['kind'][0]} -> {fields['kind'][1]}): delete it first"})
                    fields.pop("kind")
                if fields:
                    changes.append({"action": "update", "type": "service", "name": svc_name, "environment": env_name,
                                    "fields": fields, "id": current["id"]})
            have_secrets = (have or {}).get("service_secrets", {}).get(svc_name, set())
            for secret in spec.secrets:
                if secret not in have_secrets:
                    warnings.append({"file": "launchbay.yaml",
                                     "key": f"environments.{env_name}.services.{svc_name}.secrets",
                                     "message": f"secret {secret} of {svc_name} ({env_name}) has no value yet: set it "
                                                f"with `launchbay secrets set {secret} -s {svc_name} --env {env_name}`"})
            for secret in sorted(have_secrets - set(spec.secrets)):
                changes.append({"action": "delete", "type": "secret", "name": secret, "environment": env_name,
                                "fields": {"scope": "service", "service": svc_name}})
        for svc_name, current in sorted((have or {}).get("services", {}).items()):
            if svc_name not in env_spec.services:
                changes.append({"action": "delete", "type": "service", "name": svc_name, "environment": env_name,
                                "fields": {"kind": current["kind"], "status": current["status"]}, "id": current["id"]})
    for env_name, have in sorted(state.items()):
        if env_name not in doc.environments:
            for svc_name, current in sorted(have["services"].items()):
                changes.append({"action": "delete", "type": "service", "name": svc_name, "environment": env_name,
                                "fields": {"kind": current["kind"], "status": current["status"]}, "id": current["id"]})
            changes.append({"action": "delete", "type": "environment", "name": env_name, "environment": env_name,
                            "fields": {"services": len(have["services"])}})
    summary: dict[str, int] = {}
    for c in changes:
        summary[c["action"]] = summary.get(c["action"], 0) + 1
    return {"changes": changes, "warnings": warnings, "summary": summary, "cost": project_change(ports, project_id, doc)}
