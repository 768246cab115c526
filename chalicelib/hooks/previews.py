"""Preview environments: a pull request against a tracked branch gets `pr-<number>`, a clone of
the environment tracking that branch (its services, variables and secrets), on host names under
`pr-<number>.<that environment's domain suffix>`, deployed from the PR's head; each push to the
PR redeploys it; closing or merging it (or the idle TTL, enforced by beat) removes it with
everything it created in AWS. At most `preview_limit` previews per project."""
from __future__ import annotations

import logging
import time
from typing import Any, Optional

from chalicelib.catalog import environments as envs
from chalicelib.catalog.service import delete_service
from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.core.ids import now_iso, parse_iso
from chalicelib.hooks import github
from chalicelib.hooks.service import acting_actor, deploy, source_services, tracked_environments
from chalicelib.notify import service as notify
from chalicelib.store.port import iter_all

OPENING = frozenset({"opened", "reopened"})
CLOSING = frozenset({"closed"})
PUSHED = frozenset({"synchronize"})
log = logging.getLogger("launchbay.hooks")


def name_of(number: int) -> str:
    return f"pr-{number}"


def find(ports: Ports, project_id: str, number: int) -> Optional[dict[str, Any]]:
    env = envs.find(ports, project_id, name_of(number))
    return env if env and (env.get("preview") or {}).get("pr") == number else None


def active(ports: Ports, project_id: str) -> list[dict[str, Any]]:
    return [e for e in iter_all(ports.store.collection("environments"), {"project_id": project_id})
            if e.get("preview") and not e.get("retiring")]


def on_pull_request(ports: Ports, actor: Actor, delivery: dict[str, Any],
                    event: github.PullRequestEvent) -> dict[str, Any]:
    number, project_id = event.number, delivery["project_id"]
    if event.action in CLOSING:
        why = "merged" if event.pull_request.merged else "closed"
        return close(ports, actor, delivery["org_id"], project_id, number, f"pull request #{number} {why}")
    if event.action not in OPENING | PUSHED:
        return {"skipped": f"pull_request action {event.action!r} changes nothing here"}
    existing = find(ports, project_id, number)
    if existing and existing.get("retiring"):
        return {"skipped": f"{name_of(number)} is still being removed; a later push opens it again"}
    if existing:
        return update(ports, actor, delivery, existing, event)
    return open_preview(ports, actor, delivery, event)


def _skip(reason: str) -> dict[str, Any]:
    return {"skipped": reason}


def open_preview(ports: Ports, actor: Actor, delivery: dict[str, Any],
                 event: github.PullRequestEvent) -> dict[str, Any]:
    pr, org_id, project_id = event.pull_request, delivery["org_id"], delivery["project_id"]
    if event.from_fork:   # a fork's code would run with the project's secrets
        return _skip(f"pull request #{event.number} comes from a fork: no preview")
    bases = tracked_environments(ports, project_id, pr.base.ref)
    if not bases:
        return _skip(f"no environment tracks {pr.base.ref!r}, the base of pull request #{event.number}")
    limit = ports.settings.preview_limit
    if len(active(ports, project_id)) >= limit:
        return _skip(f"the project has {limit} preview environments, its limit: no preview for #{event.number}")
    base = bases[0]
    suffix = f"{name_of(event.number)}.{base['domain_suffix']}" if base.get("domain_suffix") else None
    made = envs.clone_environment(ports, actor, org_id, project_id, base["id"], name_of(event.number),
                                  with_secrets=True, domain_suffix=suffix)
    envs.mark_preview(ports, made["id"], {"pr": event.number, "head_sha": pr.head.sha, "head_ref": pr.head.ref,
                                          "base_environment_id": base["id"], "last_push": now_iso(),
                                          "repo": event.repository.full_name}, base)   # its comment goes there
    services = _follow_head(ports, base, made["id"], pr.head.ref)
    repo = event.repository.full_name
    built = [s for s in services if ((s.get("source") or {}).get("repo") or "").lower() == repo.lower()]
    others = [s for s in services if s not in built]
    deployments = deploy(ports, actor, built, delivery, event.commit()) + deploy(ports, actor, others, delivery, None)
    notify.emit(ports, org_id, project_id, "preview.created",
                {"name": name_of(event.number), "environment": name_of(event.number), "pr": event.number,
                 "head_sha": pr.head.sha, "domain_suffix": suffix})   # its web services answer at <name>.<suffix>
    return {"preview": name_of(event.number), "environment_id": made["id"], "domain_suffix": suffix,
            "from": base["name"], "deployments": deployments}


def _follow_head(ports: Ports, base: dict[str, Any], preview_id: str, head_ref: str) -> list[dict[str, Any]]:
    """The clone's services build from the PR's branch: `source` as in the base, on head_ref."""
    services = ports.store.collection("services")
    originals = {s["name"]: s for s in iter_all(services, {"environment_id": base["id"]})}
    out = []
    for svc in iter_all(services, {"environment_id": preview_id}):
        source = (originals.get(svc["name"]) or {}).get("source")
        if source:
            svc = services.update(svc["id"], {"source": {**source, "branch": head_ref}}) or svc
        out.append(svc)
    return out


def update(ports: Ports, actor: Actor, delivery: dict[str, Any], env: dict[str, Any],
           event: github.PullRequestEvent) -> dict[str, Any]:
    pr = event.pull_request
    envs.mark_preview(ports, env["id"], {**env["preview"], "head_sha": pr.head.sha, "head_ref": pr.head.ref,
                                         "last_push": now_iso(), "repo": event.repository.full_name})
    built = source_services(ports, env["id"], event.repository.full_name)
    deployments = deploy(ports, actor, built, delivery, event.commit())
    return {"preview": env["name"], "environment_id": env["id"], "head_sha": pr.head.sha, "deployments": deployments}


def close(ports: Ports, actor: Actor, org_id: str, project_id: str, number: int, reason: str) -> dict[str, Any]:
    """Delete the preview's services (each teardown removes its AWS resources) and retire the
    environment (removed with its last service). Idempotent: a second call finds less or nothing."""
    env = find(ports, project_id, number)
    if env is None:
        return _skip(f"no preview {name_of(number)}")
    services = [s for s in iter_all(ports.store.collection("services"), {"environment_id": env["id"]})]
    for svc in services:
        delete_service(ports, actor, org_id, svc["id"])
    envs.retire_environment(ports, actor, org_id, project_id, env["id"])
    _tell_pull_request(ports, env["id"])
    notify.emit(ports, org_id, project_id, "preview.deleted",
                {"name": env["name"], "environment": env["name"], "pr": number, "reason": reason})
    return {"preview": env["name"], "environment_id": env["id"], "removed": True, "reason": reason,
            "services": [s["id"] for s in services]}


def _tell_pull_request(ports: Ports, env_id: str) -> None:
    """Its comment on the pull request says it is gone (hooks/pr_comments.py; nothing if it has none)."""
    from chalicelib import tasks

    env = ports.store.collection("environments").get(env_id)
    if env is None or not env.get("pr_comment_id"):
        return
    try:
        ports.queue.publish(tasks.GITHUB_PR_COMMENT, env_id)
    except Exception as exc:   # a courtesy
        log.warning("telling pull request of %s it is removed was not queued (%s)", env_id, type(exc).__name__)


def expire(ports: Ports, now: Optional[float] = None) -> dict[str, int]:
    """Beat: close previews idle longer than the TTL (no push since), acting as their hook's admin."""
    ttl = ports.settings.preview_ttl_hours * 3600
    now = time.time() if now is None else now
    closed = failed = 0
    for env in iter_all(ports.store.collection("environments"), {"preview": {"$ne": None}}):
        last = parse_iso((env.get("preview") or {}).get("last_push") or env["created"])
        if env.get("retiring") or now - last.timestamp() < ttl:
            continue
        hook = ports.store.collection("hooks").find_one({"project_id": env["project_id"]})
        actor = acting_actor(ports, {"hook_id": hook["id"], "payload": {"sender": {"login": "ttl"}}}) if hook else SYSTEM
        try:
            close(ports, actor, env["org_id"], env["project_id"], env["preview"]["pr"],
                  f"idle for more than {ports.settings.preview_ttl_hours} h")
            closed += 1
        except Exception:   # e.g. the hook's admin left: the others are still closed
            log.exception("preview %s of project %s not closed", env["name"], env["project_id"])
            failed += 1
    return {"closed": closed, "failed": failed}
