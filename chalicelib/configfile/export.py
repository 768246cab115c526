"""Export: a project's environments and services as a launchbay.yaml document. Values equal
to what a new service would get anyway are left out; applying the export changes nothing."""
from __future__ import annotations

from typing import Any

import yaml

from chalicelib.catalog.models import DEFAULTS, WEB_HEALTH
from chalicelib.configfile.plan import SERVICE_FIELDS, current_state
from chalicelib.core.context import Ports
from chalicelib.resources import drains
from chalicelib.resources.kinds import KINDS, QUEUE_DEFAULTS

HEADER = ("# launchbay.yaml: this project's environments and services (schema: GET /v1/schema/launchbay.json).\n"
          "# Secret values are never here: set them with `launchbay secrets set`; a log drain's key is read from the\n"
          "# variable its access_key_env names where `launchbay plan`/`apply` runs.\n")


def document(ports: Ports, project_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"version": 1, "environments": {}}
    for env_name, have in sorted(current_state(ports, project_id).items()):
        env_doc = have["doc"]
        block: dict[str, Any] = {}
        if env_doc.get("aws_account_id"):   # by name: a file reads better, and apply resolves it
            conn = ports.store.collection("aws_accounts").get(env_doc["aws_account_id"]) or {}
            block["account"] = conn.get("name") or env_doc["aws_account_id"]
        if env_doc.get("region"):
            block["region"] = env_doc["region"]
        if env_doc.get("domain_suffix"):
            block["domain_suffix"] = env_doc["domain_suffix"]
        if env_doc.get("branch"):
            block["branch"] = env_doc["branch"]
        for flag in ("require_approval", "prevent_self_approval", "static_egress"):   # written only when true
            if env_doc.get(flag):
                block[flag] = True
        for kind in ("freeze_windows", "sleep_windows"):
            if env_doc.get(kind):
                block[kind] = [dict(w) for w in env_doc[kind]]
        if env_doc.get("allowed_ips"):
            block["allowed_ips"] = list(env_doc["allowed_ips"])
        target = ports.store.collection("environments").get(env_doc.get("promote_to_id") or "")
        if target is not None:
            block["promote_to"] = target["name"]
        if env_doc.get("env"):
            block["env"] = dict(env_doc["env"])
        if have["secrets"]:
            block["secrets"] = sorted(have["secrets"])
        if have["resources"]:
            block["resources"] = {name: _resource(res) for name, res in sorted(have["resources"].items())}
        services: dict[str, Any] = {}
        for name, svc in sorted(have["services"].items()):
            services[name] = _service(svc, env_doc.get("domain_suffix"), have["service_secrets"].get(name, set()))
            if have["links"].get(name):
                services[name]["links"] = dict(sorted(have["links"][name].items()))
        block["services"] = services
        out["environments"][env_name] = block
    return out


def _service(svc: dict[str, Any], suffix: Any, secrets: set[str]) -> dict[str, Any]:
    spec: dict[str, Any] = {"kind": svc["kind"]}
    if svc.get("source"):
        spec["source"] = dict(svc["source"])
    else:
        spec["image"] = svc["image"]
    for field in SERVICE_FIELDS:
        value = svc.get(field)
        if field in ("kind", "image", "source") or value in (None, {}, []) or value == DEFAULTS.get(field):
            continue
        if field == "health_check" and svc["kind"] == "web" and value == WEB_HEALTH:
            continue
        if field == "domain" and suffix and value == f"{svc['name']}.{suffix}":
            continue
        if field == "canary":   # unset limits, an empty ramp and no baseline say nothing
            value = {k: v for k, v in value.items() if v not in (None, [], False)}
        elif field == "autoscaling":   # a PATCH stores it whole: requests_per_target: null, queue: null once removed
            value = {k: v for k, v in value.items() if v is not None and v != []}
        spec[field] = value
    if svc["kind"] == "web" and suffix and not svc.get("domain"):
        # made before its environment had the suffix: say it has none, or planning the export adds one
        spec["domain"] = None
    if secrets:
        spec["secrets"] = sorted(secrets)
    return spec


def _resource(res: dict[str, Any]) -> dict[str, Any]:
    """Every setting written out (not only what differs from the defaults): the defaults of
    deletion protection depend on the environment's name, and a file says it plainly."""
    kind = KINDS[res["kind"]]
    out: dict[str, Any] = {"kind": res["kind"]}
    if kind.backups:
        out.update(size=res["size"], version=res["version"])
        if kind.storage:
            out["storage_gb"] = res["storage_gb"]
        out["backup_retention_days"] = res["backup_retention_days"]
    if kind.queue:
        out["fifo"] = bool(res.get("fifo"))
        out.update({f: res.get(f, default) for f, default in QUEUE_DEFAULTS.items()})
    if kind.drain:   # never its key: the variable it came from, when a file named one
        now = {**res, **(res.get("pending") or {})}
        out["destination"] = now["destination"]
        url = drains.endpoint_url(now)
        if url != (drains.DESTINATIONS[now["destination"]].urls or ("",))[0]:
            out["url"] = url
        if now.get("services") is not None:
            out["services"] = list(now["services"])
        if now.get("filter_pattern"):
            out["filter_pattern"] = now["filter_pattern"]
        if res.get("access_key_env"):
            out["access_key_env"] = res["access_key_env"]
    out["deletion_protection"] = bool(res.get("deletion_protection"))
    return out


def to_yaml(doc: dict[str, Any]) -> str:
    return HEADER + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True)
