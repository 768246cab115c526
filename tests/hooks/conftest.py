"""What the git webhook tests share: real GitHub payloads (fixtures/, from @octokit/webhooks-examples),
signed the way GitHub signs them, and a project whose production environment tracks `master`
with a service built from the payloads' repository (Codertocat/Hello-World)."""
from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest

from chalicelib.hooks.github import signature
from tests.support.factories import Org

FIXTURES = Path(__file__).parent / "fixtures"
REPO = "Codertocat/Hello-World"
SUFFIX = "shop.example.com"


def payload(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))


def sha(n: int) -> str:
    return f"{n:040x}"


def raw_of(body: Any) -> bytes:
    """GitHub's bytes: the fixture file itself when unchanged, else the changed copy, pretty-printed."""
    if isinstance(body, bytes):
        return body
    return (json.dumps(body, indent=2) + "\n").encode()


@dataclass
class Hooked:
    """An organisation's project with its GitHub hook: deliver() signs and posts like GitHub."""
    org: Org
    project: dict
    url: str
    secret: str
    web: dict
    client: Any

    def deliver(self, event: str, body: Any, delivery: Optional[str] = None, secret: Optional[str] = None,
                sig: Optional[str] = "auto", project: Optional[str] = None) -> tuple[int, Any]:
        raw = raw_of(body)
        headers = {"Content-Type": "application/json", "X-GitHub-Event": event,
                   "X-GitHub-Delivery": delivery or str(uuid.uuid4()), "User-Agent": "GitHub-Hookshot/abc"}
        if sig == "auto":
            sig = signature(secret or self.secret, raw)
        if sig is not None:
            headers["X-Hub-Signature-256"] = sig
        r = self.client.http.post(f"/v1/hooks/github/{project or self.project['id']}", headers=headers, body=raw)
        return r.status_code, json.loads(r.body) if r.body else None


def source(org, service_id: str, repo: str = REPO, branch: str = "master") -> None:
    """The service builds from `repo` (a PATCH with `source` switches it from its image)."""
    status, svc = org.call("PATCH", f"/services/{service_id}", {"source": {"repo": repo, "branch": branch}})
    assert status == 200 and svc["source"]["repo"] == repo, svc


@pytest.fixture
def hooked(make_org, ports, client):
    org = make_org()
    prj = org.project("shop")
    status, env = org.call("PATCH", f"/projects/{prj['id']}/environments/production",
                           {"branch": "master", "domain_suffix": SUFFIX})
    assert status == 200 and env["branch"] == "master", env
    web = org.service("shop", name="web")
    source(org, web["id"])
    status, hook = org.call("POST", f"/projects/{prj['id']}/hooks/github")
    assert status == 201, hook
    return Hooked(org, prj, hook["url"], hook["secret"], web, client)


def deployments_of(ports, service_id: str) -> list[dict]:
    docs, _ = ports.store.collection("deployments").find({"service_id": service_id}, order="number", limit=100)
    return docs


def process(delivery_id: str) -> dict:
    """The delivery's task, run in this process through its Celery task function."""
    from worker.tasks.hooks import process_hook

    return process_hook(delivery_id)
