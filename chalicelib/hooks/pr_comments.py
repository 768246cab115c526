"""The preview's comment on its pull request: one comment per preview environment, made when its
first deployment moves and edited in place after every later move, so the pull request always
says where each service of the preview answers, how its deployment went and at which commit.

Like commit statuses (hooks/statuses.py), a task on the notify queue writes it with the
organization's GitHub token (which then needs permission to write pull request or issue comments)
and renders it from the store when it runs, so tasks out of order still leave the newest state.
The comment's id is kept on the environment (`pr_comment_id`); its creation is claimed first
(`pr_comment_claim`, compare-and-set), so two tasks never make two comments: the loser tries again
shortly and edits it.
"""
from __future__ import annotations

import json
import time
from typing import Any, Optional

from chalicelib.core.context import Ports
from chalicelib.core.ids import epoch_from_iso, now_iso
from chalicelib.hooks import github_api
from chalicelib.hooks.github_api import Transient
from chalicelib.hooks.statuses import REPO, failed_words
from chalicelib.store.port import iter_all

MARK = "<!-- launchbay-preview -->"
STALE_CLAIM = 120   # seconds after which a creation claim whose task died is taken over
WORDS = {"awaiting_approval": "waiting for approval", "queued": "queued", "building": "building",
         "provisioning": "deploying", "deploying": "rolling out", "rollback_pending": "failed, rolling back",
         "rolling_back": "failed, rolling back", "live": "live", "failed": "failed",
         "rolled_back": "failed, rolled back", "cancelled": "cancelled", "superseded": "superseded"}


class Busy(Transient):
    """Another task is making the comment: this one edits it a little later."""


def render(ports: Ports, env: dict[str, Any]) -> str:
    """The comment's Markdown, from the preview's services and their newest deployments."""
    from chalicelib.notify.service import link

    if env.get("retiring") or env.get("status") == "deleting":   # the pull request was closed (previews.close)
        return "\n".join([MARK, f"**Launchbay preview `{env['name']}`** is removed: the pull request was closed, so "
                                 "its services and what they made in AWS are being deleted."])
    rows = []
    for svc in iter_all(ports.store.collection("services"), {"environment_id": env["id"]}, order="name"):
        found, _ = ports.store.collection("deployments").find({"service_id": svc["id"]}, order="-number", limit=1)
        dep = found[0] if found else None
        where = svc.get("endpoints") or {}
        url = where.get("url") or (f"http://{where['host']}/" if where.get("host") else "")
        status = str(WORDS.get(dep["status"], dep["status"])) if dep else "not deployed"
        if dep and dep["status"] == "failed":
            status = failed_words(dep)
        page = link(ports, f"/orgs/{env['org_id']}/deployments/{dep['id']}") if dep else ""
        number = f"[#{dep['number']}]({page})" if dep and page.startswith("http") else (f"#{dep['number']}" if dep else "-")
        sha = ((dep or {}).get("commit") or {}).get("sha", "")[:7]
        rows.append(f"| {_cell(svc['name'])} | {_cell(status)} | {url or '-'} | {number} | {sha or '-'} |")
    return "\n".join([
        MARK, f"**Launchbay preview `{env['name']}`**", "",
        "| Service | Status | Address | Deployment | Commit |", "|---|---|---|---|---|", *rows, "",
        f"Updated {now_iso()[:16].replace('T', ' ')} UTC. Closing or merging the pull request removes the preview."])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def sync(ports: Ports, env_id: str) -> dict[str, Any]:
    """The task: make or edit the preview's comment. -> what was done (or why not)."""
    envs = ports.store.collection("environments")
    env = envs.get(env_id)
    preview = (env or {}).get("preview") or {}
    repo, number = preview.get("repo"), preview.get("pr")
    if env is None or not repo or not REPO.match(repo) or not isinstance(number, int):
        return {"skipped": "not a preview of a GitHub pull request"}
    token = github_api.token_of(ports, env["org_id"])
    if not token:
        return {"skipped": "the organization has no GitHub token"}
    body = json.dumps({"body": render(ports, env)}).encode()
    comment_id = env.get("pr_comment_id")
    if comment_id:
        sent = github_api.call(ports, token, "PATCH", f"/repos/{repo}/issues/comments/{comment_id}", body)
        if sent.code == 404:   # deleted on GitHub: a new one
            envs.update(env_id, {"pr_comment_id": None}, expect={"pr_comment_id": comment_id})
            raise Busy("the comment was deleted on GitHub: making it again")
        return _settled(ports, env_id, repo, sent, comment_id)
    held = env.get("pr_comment_claim")
    stale = isinstance(held, str) and epoch_from_iso(held) < time.time() - STALE_CLAIM
    claim = now_iso()
    if envs.update(env_id, {"pr_comment_claim": claim},
                   expect={"pr_comment_id": None, "pr_comment_claim": held if stale else None}) is None:
        raise Busy("another task is making the comment")
    sent = github_api.call(ports, token, "POST", f"/repos/{repo}/issues/{number}/comments", body, keep=65536)
    made: Optional[int] = None
    if sent.code is not None and 200 <= sent.code < 300:
        try:
            made = int(json.loads(sent.body)["id"])
        except (ValueError, KeyError, TypeError):
            made = None
    envs.update(env_id, {"pr_comment_id": made, "pr_comment_url": _html_url(sent.body), "pr_comment_claim": None},
                expect={"pr_comment_claim": claim})
    return _settled(ports, env_id, repo, sent, made)


def _html_url(raw: bytes) -> Optional[str]:
    try:
        url = json.loads(raw).get("html_url")
    except (ValueError, AttributeError):
        return None
    return url if isinstance(url, str) and url.startswith("https://") else None


def _settled(ports: Ports, env_id: str, repo: str, sent: Any, comment_id: Optional[int]) -> dict[str, Any]:
    error = github_api.refused(sent, f"write pull request comments of {repo} (classic: repo; fine-grained: Pull "
                                     "requests, read and write)")
    record = {"response_code": sent.code, "error": error, "comment_id": comment_id, "at": now_iso()}
    ports.store.collection("environments").update(env_id, {"pr_comment_result": record})
    if github_api.transient(sent):
        raise Transient(error or f"HTTP {sent.code}")
    return record
