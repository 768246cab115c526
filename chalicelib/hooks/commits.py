"""The commits a deployment brings: between the commit of the release before it and its own, as
GitHub's compare API lists them, kept on the deployment (`commits`) so that its Changes show them
and whoever approves a production deploy reads what goes out, not only a compare link.

A task on the notify queue fetches them when the deployment is made (hooks/statuses.publish), with
the organization's GitHub token; without one, or for a commit GitHub does not know, the deployment
keeps why (`commits.error`) and Changes still offers the compare link.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from chalicelib.core.context import Ports
from chalicelib.core.ids import now_iso
from chalicelib.hooks import github_api
from chalicelib.hooks.github_api import Transient
from chalicelib.hooks.statuses import SHA, repository

KEPT = 50              # the newest commits kept (GitHub lists up to 250; `total` says how many)
MAX_ANSWER = 4 << 20   # bytes of GitHub's answer read (it also lists the changed files)


def fetch(ports: Ports, dep_id: str) -> dict[str, Any]:
    """The task: fetch and keep the commits. -> what was kept (or why nothing was)."""
    from chalicelib.deploys.changes import default_base, sha_of

    deps = ports.store.collection("deployments")
    dep = deps.get(dep_id)
    base = default_base(ports, dep) if dep else None
    head, old = (sha_of(dep) if dep else None), (sha_of(base) if base else None)
    repo = repository(ports, dep) if dep else None
    if dep is None or not (repo and head and old and SHA.match(head) and SHA.match(old)) or head == old:
        return {"skipped": "no two commits of a GitHub repository to compare"}
    token = github_api.token_of(ports, dep["org_id"])
    if not token:
        return {"skipped": "the organization has no GitHub token"}
    sent = github_api.call(ports, token, "GET", f"/repos/{repo}/compare/{old}...{head}", keep=MAX_ANSWER)
    if github_api.transient(sent):
        raise Transient(sent.error or f"HTTP {sent.code}")
    kept: dict[str, Any] = {"base": old, "head": head, "at": now_iso(),
                            "error": github_api.refused(sent, f"read the contents of {repo}")}
    if sent.error is None:
        kept.update(_parsed(sent.body) or {"error": f"GitHub's answer was not a comparison (or over {MAX_ANSWER >> 20} MB)"})
    deps.update(dep_id, {"commits": kept})
    return kept


def _parsed(raw: bytes) -> Optional[dict[str, Any]]:
    try:
        doc = json.loads(raw)
        listed = doc["commits"]
    except (ValueError, KeyError, TypeError):
        return None
    items = []
    for c in listed[-KEPT:][::-1]:   # newest first
        commit = c.get("commit") or {}
        message = (commit.get("message") or "").strip().splitlines()
        items.append({"sha": c.get("sha"), "message": (message[0] if message else "")[:200],
                      "author": ((c.get("author") or {}).get("login") or (commit.get("author") or {}).get("name") or "")[:100],
                      "url": c.get("html_url") if str(c.get("html_url") or "").startswith("https://") else None})
    return {"total": doc.get("total_commits", len(listed)), "status": doc.get("status"), "items": items}
