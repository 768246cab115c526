"""What a deployment changes against the release before it: image, commit (with a compare link
for a GitHub repository), settings field by field, variable and secret names. Names only for
variables and secrets, as plans show them: values stay out of answers and logs.

The release before is, in order: the one asked for (`against`), the one that was live when the
deployment was created (`base_release_id`), the one it replaced when it went live, else the
service's live release. None: the service's first release, where everything is new.
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import NotFound
from chalicelib.deploys import service as deploys

# settings compared field by field (the image and the variables have their own entries)
SETTINGS = ("kind", "port", "command", "release_command", "cpu", "memory", "health_check", "min_instances",
            "max_instances", "autoscaling", "schedule", "domain", "deregistration_delay", "source", "build_env", "allowed_ips")


def changes(ports: Ports, actor: Actor, org_id: str, deployment_id: str, against: Optional[str] = None) -> dict[str, Any]:
    dep = deploys.get_deployment(ports, actor, org_id, deployment_id)
    base = _base(ports, actor, org_id, dep, against)
    return between(base, dep)


def _base(ports: Ports, actor: Actor, org_id: str, dep: dict[str, Any], against: Optional[str]) -> Optional[dict[str, Any]]:
    if against:
        try:
            base = deploys.get_deployment(ports, actor, org_id, against)
        except NotFound:
            base = None
        if base is None or base["service_id"] != dep["service_id"]:
            raise NotFound("no such deployment of this service to compare with", field="against")
        return base
    return default_base(ports, dep)


def default_base(ports: Ports, dep: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The release before `dep` when none is asked for (the module's docstring says the order)."""
    deps = ports.store.collection("deployments")
    if dep.get("base_release_id"):
        return deps.get(dep["base_release_id"])
    replaced = deps.find_one({"service_id": dep["service_id"], "replaced_by": dep["id"]})
    if replaced is not None:
        return replaced
    service = ports.store.collection("services").get(dep["service_id"]) or {}
    live = service.get("live_deployment_id")
    return deps.get(live) if live and live != dep["id"] else None


def _release(dep: dict[str, Any]) -> dict[str, Any]:
    return {"deployment_id": dep["id"], "number": dep["number"], "status": dep["status"],
            "image": (dep.get("spec") or {}).get("image") or dep.get("image"), "commit": sha_of(dep)}


def sha_of(dep: dict[str, Any]) -> Optional[str]:
    """The commit a deployment runs, if it knows one."""
    return (dep.get("commit") or {}).get("sha") or (dep.get("build") or {}).get("commit_sha")


def between(base: Optional[dict[str, Any]], dep: dict[str, Any]) -> dict[str, Any]:
    old, new = (base or {}).get("spec") or {}, dep.get("spec") or {}
    out: dict[str, Any] = {"deployment": _release(dep), "against": _release(base) if base else None}
    old_image, new_image = (_release(base)["image"] if base else None), _release(dep)["image"]
    out["image"] = {"from": old_image, "to": new_image} if old_image != new_image else None
    old_sha, new_sha = (sha_of(base) if base else None), sha_of(dep)
    out["commit"] = None
    if old_sha != new_sha and (old_sha or new_sha):
        repo = (new.get("source") or {}).get("repo")
        compare = f"https://github.com/{repo}/compare/{old_sha}...{new_sha}" if repo and old_sha and new_sha else None
        out["commit"] = {"from": old_sha, "to": new_sha, "compare_url": compare}
        listed = dep.get("commits") or {}
        if listed.get("base") == old_sha and listed.get("head") == new_sha:   # hooks/commits.py fetched them
            out["commit"].update(commits=listed.get("items"), total_commits=listed.get("total"),
                                 commits_error=listed.get("error"))
    out["settings"] = [{"field": f, "from": old.get(f), "to": new.get(f)} for f in SETTINGS
                       if base and old.get(f) != new.get(f)]
    out["variables"] = _names(old.get("env") or {}, new.get("env") or {}, "changed")
    if dep.get("secret_refs") is None or (base and base.get("secret_refs") is None):
        out["secrets"] = None   # read from the current versions when it runs: not known yet
    else:
        refs_old = {k: v.get("version") for k, v in ((base or {}).get("secret_refs") or {}).items()}
        refs_new = {k: v.get("version") for k, v in (dep.get("secret_refs") or {}).items()}
        out["secrets"] = _names(refs_old, refs_new, "rotated")
    out["summary"] = _summary(out, base)
    out["unchanged"] = base is not None and not out["summary"]
    return out


def _names(old: dict[str, Any], new: dict[str, Any], moved: str) -> dict[str, list[str]]:
    return {"added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)),
            moved: sorted(k for k in set(old) & set(new) if old[k] != new[k])}


def _summary(out: dict[str, Any], base: Optional[dict[str, Any]]) -> list[str]:
    """The changes in words, one line each: what the CLI prints and the UI lists."""
    if base is None:
        return ["the service's first release"]
    lines = []
    if out["image"]:
        lines.append(f"image {out['image']['from']} -> {out['image']['to']}")
    if out["commit"]:
        lines.append(f"commit {(out['commit']['from'] or '-')[:7]} -> {(out['commit']['to'] or '-')[:7]}")
    lines += [f"{s['field']} {_short(s['from'])} -> {_short(s['to'])}" for s in out["settings"]]
    for kind, moves in (("variables", out["variables"]), ("secrets", out["secrets"] or {})):
        for how, names in moves.items():
            if names:
                lines.append(f"{kind} {how}: {', '.join(names)}")
    return lines


def _short(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (dict, list)):
        import json

        text = json.dumps(value, sort_keys=True, separators=(", ", ": "))
        return text if len(text) <= 80 else text[:77] + "..."
    return str(value)
