"""Commit statuses on GitHub: each deployment of a commit of a GitHub repository shows on that
commit, and so on its pull request and branch, as `launchbay/<environment>/<service>`: pending
while it waits for approval or is under way, success once live, failure when it failed or was
rolled back, error when it was cancelled or superseded. "Details" opens the deployment's page.

A task posts it (the notify queue: GitHub is on the internet, never a deploy's slot), reading the
deployment when it runs: tasks that arrive out of order all post the newest status, which is the
one GitHub then shows. It needs the organization's GitHub token (the one builds clone with) with
permission to write commit statuses; without a token nothing is posted. What GitHub answered is
kept on the deployment (`github_status`) and shown with it.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Optional

from chalicelib.core.context import Ports
from chalicelib.core.ids import now_iso
from chalicelib.hooks import github_api

log = logging.getLogger("launchbay.hooks")
SHA = re.compile(r"^[0-9a-f]{40}$")
REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
# deployment status -> (GitHub state, words)
STATES = {"awaiting_approval": ("pending", "waiting for approval"), "queued": ("pending", "queued"),
          "building": ("pending", "building the image"), "provisioning": ("pending", "deploying"),
          "deploying": ("pending", "rolling out"), "rollback_pending": ("failure", "failed; rolling back"),
          "rolling_back": ("failure", "failed; rolling back"), "live": ("success", "live"),
          "failed": ("failure", "failed"), "rolled_back": ("failure", "failed and rolled back"),
          "cancelled": ("error", "cancelled"), "superseded": ("error", "superseded by a newer deployment")}
DESCRIPTION_CHARS = 140   # GitHub's limit


def repository(ports: Ports, dep: dict[str, Any]) -> Optional[str]:
    """owner/name of the GitHub repository the deployed commit belongs to, if any: the build's,
    else (a promotion, a rollback) the service's source."""
    repo = (dep.get("build") or {}).get("repo")
    if not repo:
        service = ports.store.collection("services").get(dep["service_id"]) or {}
        repo = (service.get("source") or {}).get("repo")
    return repo if repo and REPO.match(repo) else None


def reportable(dep: dict[str, Any]) -> bool:
    """Cheap, for the lifecycle: a deployment of a known commit (the task checks the rest)."""
    return bool(SHA.match(((dep.get("commit") or {}).get("sha")) or ""))


def publish(ports: Ports, dep: dict[str, Any]) -> None:
    """After a deployment is made or moves: a task for its commit status, and one for its preview's
    pull request comment (hooks/pr_comments.py); each checks the rest when it runs. Never raises:
    telling GitHub is a courtesy, the deployment stands."""
    from chalicelib import tasks

    try:
        if reportable(dep):
            ports.queue.publish(tasks.GITHUB_STATUS, dep["id"])
            if dep["status"] in ("queued", "awaiting_approval") and not dep.get("commits"):   # made: what it brings
                ports.queue.publish(tasks.GITHUB_COMMITS, dep["id"])
        if (dep.get("environment") or "").startswith("pr-") and dep.get("environment_id"):
            ports.queue.publish(tasks.GITHUB_PR_COMMENT, dep["environment_id"])
    except Exception as exc:   # the broker unreachable
        log.warning("telling GitHub of deployment %s was not queued (%s)", dep["id"], type(exc).__name__)


def failed_words(dep: dict[str, Any]) -> str:
    """A failure as GitHub shows it: the step, never the error itself. Statuses and comments of a
    public repository are public, and an error may name AWS accounts, ARNs or addresses: the
    reason stays on the deployment's page, behind the log-in."""
    step = next((s["name"] for s in dep.get("steps") or [] if s.get("status") == "failed"), None)
    return f"failed{f' at {step}' if step else ''} (the reason is on its page)"


def status_of(ports: Ports, dep: dict[str, Any]) -> dict[str, str]:
    from chalicelib.notify.service import link

    state, words = STATES[dep["status"]]
    if dep["status"] == "failed":
        words = failed_words(dep)
    if dep["status"] == "rolled_back" and dep.get("rollback_to_number"):
        words = f"failed and rolled back to release #{dep['rollback_to_number']}"
    text = f"#{dep['number']} {words}"
    out = {"state": state, "description": text if len(text) <= DESCRIPTION_CHARS else text[:DESCRIPTION_CHARS - 1] + "…",
           "context": f"launchbay/{dep.get('environment') or 'production'}/{dep['service_name']}"}
    url = link(ports, f"/orgs/{dep['org_id']}/deployments/{dep['id']}")
    if url.startswith(("https://", "http://")):   # GitHub takes absolute links only (LAUNCHBAY_PUBLIC_URL)
        out["target_url"] = url
    return out


def post(ports: Ports, dep_id: str) -> dict[str, Any]:
    """The task: post the deployment's current status on its commit. -> what was posted (or why not)."""
    deps = ports.store.collection("deployments")
    dep = deps.get(dep_id)
    repo = repository(ports, dep) if dep and reportable(dep) else None
    if dep is None or repo is None:
        return {"skipped": "not a deployment of a GitHub commit"}
    token = github_api.token_of(ports, dep["org_id"])
    if not token:
        return {"skipped": "the organization has no GitHub token"}
    body = status_of(ports, dep)
    sent = github_api.call(ports, token, "POST", f"/repos/{repo}/statuses/{dep['commit']['sha']}",
                           json.dumps(body).encode())
    error = github_api.refused(sent, f"write commit statuses of {repo} (classic: repo:status; fine-grained: "
                                     "Commit statuses, read and write)")
    record = {**body, "repository": repo, "response_code": sent.code, "error": error, "at": now_iso()}
    deps.update(dep_id, {"github_status": record})
    if github_api.transient(sent):
        raise github_api.Transient(error or f"HTTP {sent.code}")
    return record
