"""Plan: what applying a launchbay document to a project would create, change (field by
field) and delete, per environment. The same plan serves the API, the CLI, imports and the UI.

A change: {"action": "create"|"update"|"delete", "type": "environment"|"service"|"secret"|"resource"|"link",
"name", "environment", "fields": {field: value} (create) | {field: [old, new]} (update)}.
Secret values are never part of a document or a plan: only names are compared. A resource
delete says what it costs ("deletes_data") and, when the resource's own rules will refuse it
(deletion protection), "refused" with the reason: apply then refuses the whole change.
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.catalog.models import with_defaults
from chalicelib.catalog.schedule import ScheduleError, to_eventbridge
from chalicelib.configfile.model import EnvironmentSpec, LaunchbayFile, Link, ResourceSpec, ServiceSpec
from chalicelib.core.context import Ports
from chalicelib.core.errors import BadRequest, Invalid
from chalicelib.cost.plans import project_change
from chalicelib.resources import drains
from chalicelib.resources.kinds import KINDS, PRODUCTION_NAMES, QUEUE_DEFAULTS
from chalicelib.resources.models import QUEUE_FIELDS, problems
from chalicelib.store.port import iter_all

# the service fields a document sets (the services API's names); kind cannot change in place
SERVICE_FIELDS = ("kind", "image", "source", "port", "command", "release_command", "cpu", "memory", "env", "build_env", "health_check",
                  "min_instances", "max_instances", "schedule", "domain", "deregistration_delay", "autoscaling",
                  "auto_rollback", "canary", "allowed_ips", "aliases", "redirect_aliases", "architecture", "spot",
                  "env_groups")
ENV_FIELDS = ("domain_suffix", "env", "branch")
# yes/no settings of an environment, changed only when the file names them
FLAG_FIELDS = ("require_approval", "prevent_self_approval", "static_egress")
DRAIN_FIELDS = ("destination", "url", "services", "filter_pattern")   # a log drain's key is never in a document: access_key_env
RESOURCE_FIELDS = ("kind", "size", "version", "storage_gb", "backup_retention_days", "deletion_protection",
                   *QUEUE_FIELDS, *DRAIN_FIELDS)
# the variable a drain's key is usually in, for the words of a refusal
KEY_VARIABLES = {"datadog": "DD_API_KEY", "newrelic": "NEW_RELIC_LICENSE_KEY", "http": "LOG_DRAIN_KEY"}
# resources.update_resource; a queue's FIFO order, like a database's version, is fixed when it is made
RESIZABLE = ("size", "storage_gb", "backup_retention_days", "deletion_protection", *QUEUE_DEFAULTS)


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


def desired_resource(spec: ResourceSpec, env_name: str) -> dict[str, Any]:
    """The resource as resources.service.create_resource would record it (defaults filled in)."""
    kind = KINDS[spec.kind]
    out: dict[str, Any] = {"kind": spec.kind, "size": spec.size or kind.default_size, "version": spec.version or kind.default_version,
           "storage_gb": (spec.storage_gb or 20) if kind.storage else None,
           "backup_retention_days": None if not kind.backups else (
               7 if spec.backup_retention_days is None else spec.backup_retention_days),
           "deletion_protection": env_name in PRODUCTION_NAMES and kind.holds_data if spec.deletion_protection is None
           else spec.deletion_protection}
    if kind.drain:   # the URL it sends to, the destination's default when not given
        dest = drains.DESTINATIONS.get(spec.destination or "")
        out.update(destination=spec.destination, services=spec.services, filter_pattern=spec.filter_pattern or "",
                   url=spec.url or (dest.urls[0] if dest and dest.urls else None))
    if kind.queue:
        out["fifo"] = bool(spec.fifo)
        out.update({f: default if getattr(spec, f) is None else getattr(spec, f) for f, default in QUEUE_DEFAULTS.items()})
    return out


def _check_resource(spec: ResourceSpec, key: str, local: bool) -> None:
    found = problems(spec.kind, spec.size, spec.version, spec.storage_gb, spec.backup_retention_days,
                     {f: getattr(spec, f) for f in QUEUE_FIELDS})
    drain = KINDS[spec.kind].drain
    # the key is not in the document: whether it is there is the plan's question (_drain_key)
    found += drains.problems({"destination": spec.destination, "url": spec.url, "services": spec.services,
                              "filter_pattern": spec.filter_pattern,
                              "access_key": "(checked apart)" if drain else None}, drain, local, creating=True)
    if spec.access_key_env and not drain:
        found.append(("access_key_env", "only a log drain has access_key_env"))
    if found:
        raise Invalid("; ".join(f"launchbay.yaml: {key}.{f}: {m}" for f, m in found), field=f"{key}.{found[0][0]}",
                      fields=[{"field": f"{key}.{f}", "message": m} for f, m in found])


def resource_delete(res: dict[str, Any]) -> dict[str, Any]:
    """A resource delete change, with what it costs and whether the resource's rules allow it."""
    kind = KINDS[res["kind"]]
    fields: dict[str, Any] = {"kind": res["kind"], "status": res["status"]}
    if kind.holds_data:
        fields["deletes_data"] = f"deletes its data ({kind.deletion_note})"
    if res.get("deletion_protection"):
        fields["refused"] = (f"{res['name']!r} has deletion protection: set deletion_protection: false and apply "
                             "first")
    return {"action": "delete", "type": "resource", "name": res["name"], "environment": res["environment"],
            "fields": fields, "id": res["id"]}


def stored_link(link: dict[str, Any], res: dict[str, Any]) -> str:
    """A link document of the store, spelled as launchbay.yaml spells it (Link.spelled)."""
    return Link(link["variable"], link.get("path"), bool(link.get("read_only")),
                bool(link.get("send_only"))).spelled(res["name"], res["kind"])


def current_state(ports: Ports, project_id: str) -> dict[str, dict[str, Any]]:
    """env name -> {"doc", "services": {name: doc}, "secrets": {names}, "service_secrets": {svc: {names}},
    "resources": {name: doc}, "links": {svc: {resource name: the link as launchbay.yaml spells it}}}."""
    state: dict[str, dict[str, Any]] = {}
    for env in iter_all(ports.store.collection("environments"), {"project_id": project_id}):
        if env.get("preview"):   # pull requests make and remove previews (chalicelib/hooks), not the file
            continue
        services = {s["name"]: s for s in iter_all(ports.store.collection("services"), {"environment_id": env["id"]})
                    if s.get("status") != "deleting"}
        resources = {r["name"]: r for r in iter_all(ports.store.collection("resources"), {"environment_id": env["id"]})
                      if r.get("status") != "deleting"}
        by_id = {r["id"]: r for r in resources.values()}
        links = {n: {by_id[lk["resource_id"]]["name"]: stored_link(lk, by_id[lk["resource_id"]])
                     for lk in iter_all(ports.store.collection("resource_links"), {"service_id": d["id"]})
                     if lk["resource_id"] in by_id} for n, d in services.items()}
        state[env["name"]] = {
            "doc": env, "services": services, "resources": resources, "links": links,
            "secrets": {s["name"] for s in iter_all(ports.store.collection("secrets"), {"scope_id": env["id"]})},
            "service_secrets": {n: {s["name"] for s in iter_all(ports.store.collection("secrets"), {"scope_id": d["id"]})}
                                for n, d in services.items()}}
    return state


def _unset_dropped(value: Any) -> Any:
    """A setting without its unset fields (null, or an empty list), so that a stored one and the
    file's compare by what they say: a PATCH stores autoscaling whole (`requests_per_target: null`,
    `queue: null` once removed, `schedule: []`), the file leaves out what it does not set."""
    if isinstance(value, dict):
        return {k: _unset_dropped(v) for k, v in value.items() if v is not None and v != []}
    return value


def _diff(old: dict[str, Any], new: dict[str, Any], fields: tuple[str, ...]) -> dict[str, list[Any]]:
    return {f: [old.get(f), new.get(f)] for f in fields if old.get(f) != new.get(f)}


def _connection(ports: Ports, org_id: str, ref: str, field: str) -> dict[str, Any]:
    """This organization's connection by name or id (another's does not exist for it)."""
    coll = ports.store.collection("aws_accounts")
    conn = coll.get(ref) if ref.startswith("awsacc_") else coll.find_one({"org_id": org_id, "name": ref})
    if conn is None or conn["org_id"] != org_id:
        known = sorted(c["name"] for c in iter_all(coll, {"org_id": org_id}))
        raise BadRequest(f"launchbay.yaml: {field}: no AWS account connection {ref!r} in this organization "
                         f"(its connections: {', '.join(known) or 'none yet'})", field=field)
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


def _egress_possible(ports: Ports, env_name: str, place: dict[str, Any]) -> None:
    """As the API refuses static egress (catalog/environments.egress_refusal), naming the file's field."""
    from chalicelib.catalog.environments import egress_refusal

    why = egress_refusal(ports, place)
    if why:
        field = f"environments.{env_name}.static_egress"
        raise Invalid(f"launchbay.yaml: {field}: {why}", field=field)


def plan(ports: Ports, project_id: str, doc: LaunchbayFile, keys: Optional[dict[str, str]] = None) -> dict[str, Any]:
    """`keys`: the values of the environment variables the document's log drains name in
    access_key_env, as the caller's machine has them (the CLI reads them); never part of the answer."""
    from chalicelib.resources.service import local_mode

    state = current_state(ports, project_id)
    local = local_mode(ports)
    project = ports.store.collection("projects").get(project_id) or {}
    changes: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    places: dict[str, dict[str, Any]] = {}   # where each environment deploys, and what else its cost depends on
    for env_name, env_spec in doc.environments.items():
        have = state.get(env_name)
        place = placement(ports, project.get("org_id", ""), env_name, env_spec, (have or {}).get("doc"))
        approval: dict[str, Any] = {k: bool(getattr(env_spec, k)) for k in FLAG_FIELDS
                                    if k in env_spec.model_fields_set and getattr(env_spec, k) is not None}
        if approval.get("static_egress") and not (have or {}).get("doc", {}).get("static_egress"):
            _egress_possible(ports, env_name, place)
        places[env_name] = {**place, **{k: approval[k] for k in ("static_egress",) if k in approval}}
        for kind in ("freeze_windows", "sleep_windows"):   # the whole list, when the file names it
            if kind in env_spec.model_fields_set:
                approval[kind] = [w.model_dump() for w in getattr(env_spec, kind) or []]
        if "allowed_ips" in env_spec.model_fields_set:
            approval["allowed_ips"] = list(env_spec.allowed_ips or [])
        wanted_env = {"domain_suffix": env_spec.domain_suffix, "env": dict(env_spec.env), "branch": env_spec.branch,
                      **place, **approval}
        env_fields = ENV_FIELDS + tuple(place) + tuple(approval)
        if have is None:
            changes.append({"action": "create", "type": "environment", "name": env_name, "environment": env_name,
                            "fields": wanted_env})
        else:
            now = {k: bool(have["doc"].get(k)) if k in FLAG_FIELDS else
                   have["doc"].get(k) or ({} if k == "env" else [] if k in ("freeze_windows", "sleep_windows", "allowed_ips") else None)
                   for k in env_fields}
            fields = _diff(now, wanted_env, env_fields)
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
        _plan_resources(ports, env_name, env_spec, have, changes, warnings, keys or {}, local)
        # a resource's kind as it will be: the environment's (it cannot change in place), else the file's
        kinds = {**{n: r.kind for n, r in env_spec.resources.items()},
                 **{n: r["kind"] for n, r in (have or {}).get("resources", {}).items()}}
        for svc_name, spec in env_spec.services.items():
            if spec.source is not None and not spec.source.repo:  # an import that could not name the repository
                warnings.append({"file": "launchbay.yaml", "key": f"environments.{env_name}.services.{svc_name}.source.repo",
                                 "message": f"service {svc_name} builds from source: set source.repo (owner/name) "
                                            "to create it"})
                continue
            wanted = desired_service(spec, svc_name, env_spec.domain_suffix)
            if spec.env_groups:
                _groups_known(ports, project.get("org_id", ""), f"environments.{env_name}.services.{svc_name}",
                              spec.env_groups)
            current = (have or {}).get("services", {}).get(svc_name)
            if current is not None and "domain" in spec.model_fields_set and spec.domain is None:
                wanted["domain"] = None   # `domain: null` (export writes it): none, though the environment has a suffix
            if current is None:
                changes.append({"action": "create", "type": "service", "name": svc_name, "environment": env_name,
                                "fields": {k: v for k, v in wanted.items() if v not in (None, {}, [])}})
            else:
                now = {k: _unset_dropped(current.get(k)) for k in SERVICE_FIELDS}
                fields = {k: [now[k], wanted[k]] for k in SERVICE_FIELDS if now[k] != _unset_dropped(wanted[k])}
                if "kind" in fields:
                    warnings.append({"file": "launchbay.yaml", "key": f"environments.{env_name}.services.{svc_name}.kind",
                                     "message": f"service {svc_name} cannot change kind in place "
                                                f"({fields['kind'][0]} -> {fields['kind'][1]}): delete it first"})
                    fields.pop("kind")
                if fields:
                    changes.append({"action": "update", "type": "service", "name": svc_name, "environment": env_name,
                                    "fields": fields, "id": current["id"]})
            _plan_links(env_name, svc_name, spec, (have or {}).get("links", {}).get(svc_name, {}), current, kinds,
                        changes)
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
    changes += _plan_promotions(doc, state)
    for env_name, have in sorted(state.items()):
        if env_name not in doc.environments:
            for svc_name, current in sorted(have["services"].items()):
                changes.append({"action": "delete", "type": "service", "name": svc_name, "environment": env_name,
                                "fields": {"kind": current["kind"], "status": current["status"]}, "id": current["id"]})
            for res in sorted(have["resources"].values(), key=lambda r: r["name"]):
                changes.append(resource_delete(res))
            changes.append({"action": "delete", "type": "environment", "name": env_name, "environment": env_name,
                            "fields": {"services": len(have["services"]), "resources": len(have["resources"])}})
    summary: dict[str, int] = {}
    refused = [c["fields"]["refused"] for c in changes if c["type"] == "resource" and "refused" in c["fields"]]
    warnings += [{"file": "launchbay.yaml", "key": "resources", "message": f"apply will refuse this plan: {r}"}
                 for r in refused]
    for c in changes:
        summary[c["action"]] = summary.get(c["action"], 0) + 1
    return {"changes": changes, "warnings": warnings, "summary": summary,
            "cost": project_change(ports, project_id, doc, places)}


def _groups_known(ports: Ports, org_id: str, key: str, names: list[str]) -> None:
    """The environment groups a service links are the organization's (groups are not defined in a
    document: `launchbay env-groups create`), or the plan is refused naming the service's field."""
    from chalicelib.envgroups.service import check_known

    field = f"{key}.env_groups"
    try:
        check_known(ports, org_id, names, field=field)
    except Invalid as exc:
        raise Invalid(f"launchbay.yaml: {field}: {exc.message}", field=field) from None


def _plan_promotions(doc: LaunchbayFile, state: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """`promote_to` of each environment that names it, after every environment exists (a file may
    create both ends): an environment of the file, never itself, never round in a circle.
    Changes that clear one come first, so that reversing a chain in one apply is not refused."""
    names = {e["doc"]["id"]: n for n, e in state.items()}
    final: dict[str, Optional[str]] = {n: names.get((e["doc"].get("promote_to_id") or "")) for n, e in state.items()}
    changes = []
    for env_name, spec in doc.environments.items():
        if "promote_to" not in spec.model_fields_set:
            continue   # left out: kept as it is
        key = f"environments.{env_name}.promote_to"
        if spec.promote_to is not None and spec.promote_to not in doc.environments:
            raise Invalid(f"launchbay.yaml: {key}: {spec.promote_to!r} is not an environment of this file", field=key)
        if spec.promote_to == env_name:
            raise Invalid(f"launchbay.yaml: {key}: an environment cannot promote to itself", field=key)
        now = final.get(env_name)
        final[env_name] = spec.promote_to
        if now != spec.promote_to:
            changes.append({"action": "update", "type": "environment", "name": env_name, "environment": env_name,
                            "fields": {"promote_to": [now, spec.promote_to]}})
    for start in doc.environments:
        seen, step = {start}, final.get(start)
        while step is not None and step in doc.environments:
            if step in seen:
                raise Invalid(f"launchbay.yaml: environments.{start}.promote_to: promotions go round in a circle "
                              f"({start} -> ... -> {step})", field=f"environments.{start}.promote_to")
            seen.add(step)
            step = final.get(step)
    return sorted(changes, key=lambda c: c["fields"]["promote_to"][1] is not None)


def _plan_resources(ports: Ports, env_name: str, env_spec: EnvironmentSpec, have: Optional[dict[str, Any]],
                    changes: list[dict[str, Any]], warnings: list[dict[str, Any]], keys: dict[str, str],
                    local: bool) -> None:
    current = (have or {}).get("resources", {})
    services = set(env_spec.services) | set((have or {}).get("services", {}))
    for name, spec in env_spec.resources.items():
        key = f"environments.{env_name}.resources.{name}"
        _check_resource(spec, key, local)
        wanted = desired_resource(spec, env_name)
        res = current.get(name)
        if KINDS[spec.kind].drain:
            for svc in [s for s in spec.services or [] if s not in services]:
                warnings.append({"file": "launchbay.yaml", "key": f"{key}.services",
                                 "message": f"log drain {name} takes the logs of {svc}, not a service of {env_name}: "
                                            "it takes them once a service of that name is deployed there"})
        if res is None:
            change = {"action": "create", "type": "resource", "name": name, "environment": env_name,
                      "fields": {k: v for k, v in wanted.items() if v is not None and (k, v) != ("filter_pattern", "")}}
            if KINDS[spec.kind].drain:
                _drain_key(spec, None, keys, change, key)
            changes.append(change)
            continue
        now = {**res, **(res.get("pending") or {})}   # a resize under way counts as done
        was = {k: now.get(k) for k in RESOURCE_FIELDS}
        if KINDS[res["kind"]].drain:
            was["url"] = drains.endpoint_url(now)
            was["filter_pattern"] = now.get("filter_pattern") or ""
        fields = _diff(was, wanted, RESOURCE_FIELDS)
        if "kind" in fields:   # it stays what it is: a queue's settings are no other kind's, nor the reverse
            fields = {k: v for k, v in fields.items() if k not in QUEUE_FIELDS + DRAIN_FIELDS}
        for fixed in ("kind", "version", "fifo", "destination"):
            if fixed in fields:
                old, new = fields.pop(fixed)
                what = "its FIFO order" if fixed == "fifo" else fixed
                then = ("create another drain, then delete this one" if fixed == "destination" else
                        "create a new resource and move the data")
                warnings.append({"file": "launchbay.yaml", "key": f"{key}.{fixed}",
                                 "message": f"resource {name} cannot change {what} in place ({old} -> {new}): {then}"})
        change = {"action": "update", "type": "resource", "name": name, "environment": env_name,
                  "fields": fields, "id": res["id"]}
        if KINDS[res["kind"]].drain and spec.kind == res["kind"]:
            _drain_key(spec, now, keys, change, key, ports)
        if "storage_gb" in fields and (fields["storage_gb"][1] or 0) < (fields["storage_gb"][0] or 0):
            warnings.append({"file": "launchbay.yaml", "key": f"{key}.storage_gb",
                             "message": f"resource {name}: storage can only grow (now {res['storage_gb']} GB)"})
            fields.pop("storage_gb")
        if fields:
            changes.append(change)
    for name, res in sorted(current.items()):
        if name not in env_spec.resources:
            changes.append(resource_delete(res))


def _drain_key(spec: ResourceSpec, now: Optional[dict[str, Any]], keys: dict[str, str], change: dict[str, Any],
               key: str, ports: Optional[Ports] = None) -> None:
    """A drain's key, from the variable its access_key_env names (`keys`: as the caller's machine
    has them). A new drain takes it, or, when its destination needs one (or the file names a
    variable that is not set), the change is refused in words. An existing drain changes key only
    when the variable is set to another value (compared here, never shown); otherwise it keeps its
    own. The change says the variable's name ("access_key_env"), never the value."""

    dest = drains.DESTINATIONS[spec.destination or "http"]
    var = spec.access_key_env
    value = keys.get(var) if var else None
    if var:
        change["access_key_env"] = var
    if now is None:
        if var:
            change["fields"]["access_key_env"] = var
        if value:
            return
        if var:
            change["fields"]["refused"] = (f"{key}.access_key_env: {var} is not set where `launchbay plan`/`apply` runs: "
                                 f"export it with your {dest.key_title}, then plan again")
        elif dest.key_required:
            change["fields"]["refused"] = (f"{key}: a {dest.title} drain needs your {dest.key_title}: name the environment "
                                 f"variable holding it (access_key_env: {KEY_VARIABLES[dest.name]}) and export it "
                                 "where `launchbay apply` runs; the key itself is never written in launchbay.yaml")
        return
    if not value:
        return   # the file says nothing the machine can read: the drain keeps its key
    stored = drains.plain_key(ports, now) if ports else None
    if value != stored:
        change["fields"]["access_key"] = ["(set)" if now.get("access_key") else None, f"(the value of {var})"]
    if var != now.get("access_key_env"):
        change["fields"]["access_key_env"] = [now.get("access_key_env"), var]


def _plan_links(env_name: str, svc_name: str, spec: ServiceSpec, have: dict[str, str],
                current: Optional[dict[str, Any]], kinds: dict[str, str], changes: list[dict[str, Any]]) -> None:
    """Links by resource name; the service and resource ids are found at apply time (either may be new).
    `kinds`: each resource's kind as it will be (the environment's, which cannot change in place, else
    the file's). A change names the variable, and for a volume its path; read_only when it is read-only,
    send_only when a queue's link is send-only."""
    key = f"environments.{env_name}.services.{svc_name}.links"
    for res_name, text in sorted(spec.links.items()):
        kind = kinds[res_name]
        link = Link.parse(text)
        why = link.problem(res_name, kind, f" in {env_name}")
        if why:   # the file says another kind (plan warns that the kind stays): the link must fit the one there
            raise Invalid(f"launchbay.yaml: {key}.{res_name}: {why}", field=f"{key}.{res_name}")
        wanted = _link_fields(link, res_name, kind)
        old = have.get(res_name)
        if old is None:
            changes.append({"action": "create", "type": "link", "name": f"{svc_name}:{res_name}",
                            "environment": env_name, "fields": {"service": svc_name, "resource": res_name,
                                                                **{k: v for k, v in wanted.items() if v}}})
        elif old != link.spelled(res_name, kind):
            was = _link_fields(Link.parse(old), res_name, kind)
            changes.append({"action": "update", "type": "link", "name": f"{svc_name}:{res_name}",
                            "environment": env_name, "fields": {"service": svc_name, "resource": res_name,
                                                                **_diff(was, wanted, tuple(wanted))}})
    for res_name, text in sorted(have.items()):
        if res_name not in spec.links and current is not None:
            gone = _link_fields(Link.parse(text), res_name, kinds[res_name])
            changes.append({"action": "delete", "type": "link", "name": f"{svc_name}:{res_name}",
                            "environment": env_name, "fields": {"service": svc_name, "resource": res_name,
                                                                **{k: v for k, v in gone.items() if v}}})


def _link_fields(link: Link, res_name: str, kind: str) -> dict[str, Any]:
    """{"variable", "path" (a volume), "read_only"} or, for a queue, {"variable", "send_only"}: what a
    link gives, as the resources API names it."""
    out: dict[str, Any] = {"variable": link.effective_variable(res_name, kind)}
    if KINDS[kind].queue:
        out["send_only"] = link.send_only
        return out
    if KINDS[kind].mounted:
        out["path"] = link.path
    out["read_only"] = link.read_only
    return out
