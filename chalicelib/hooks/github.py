"""GitHub webhook deliveries: the signature check over the raw body, and the few fields of
`push` and `pull_request` events Launchbay uses (pydantic models that ignore the rest, so a
payload GitHub grows keeps parsing)."""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Optional
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.core.errors import BadRequest, Invalid

SIGNATURE_PREFIX = "sha256="
ZERO_SHA = "0" * 40
MESSAGE_CHARS = 200   # a commit's first line as deployments keep it
HEADS = "refs/heads/"


def signature(secret: str, raw: bytes) -> str:
    """What GitHub puts in X-Hub-Signature-256 for this body."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def signature_ok(secret: str, raw: bytes, header: Optional[str]) -> bool:
    """Constant-time comparison over the exact bytes received (never a re-encoded body)."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(signature(secret, raw).encode(), header.strip().encode())


def first_line(message: str) -> str:
    line = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    return line[:MESSAGE_CHARS]


_LAX = ConfigDict(extra="ignore", defer_build=True)


class Repo(BaseModel):
    model_config = _LAX
    full_name: str = Field(max_length=200)


class Person(BaseModel):
    model_config = _LAX
    name: str = Field("", max_length=200)
    username: Optional[str] = Field(None, max_length=200)


class Commit(BaseModel):
    model_config = _LAX
    id: str = Field(pattern=r"^[0-9a-f]{40}$")
    message: str = ""
    author: Person = Person()


class Sender(BaseModel):
    model_config = _LAX
    login: str = Field("", max_length=200)


class PushedCommit(BaseModel):
    model_config = _LAX
    added: list[str] = Field(default_factory=list)
    modified: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)


class PushEvent(BaseModel):
    model_config = _LAX
    ref: str = Field(max_length=500)
    after: str = Field(pattern=r"^[0-9a-f]{40}$")
    deleted: bool = False
    head_commit: Optional[Commit] = None
    commits: list[PushedCommit] = Field(default_factory=list)   # the files each changed (hooks/paths.py)
    repository: Repo
    sender: Sender = Sender()

    @property
    def branch(self) -> Optional[str]:
        """The branch pushed to; None for tags."""
        return self.ref[len(HEADS):] if self.ref.startswith(HEADS) else None

    def commit(self) -> dict[str, str]:
        head = self.head_commit
        author = (head.author.username or head.author.name) if head else ""
        return {"sha": self.after, "message": first_line(head.message if head else ""),
                "author": author or self.sender.login}


class Branch(BaseModel):
    model_config = _LAX
    ref: str = Field(max_length=500)
    sha: str = Field(pattern=r"^[0-9a-f]{40}$")
    repo: Optional[Repo] = None   # null when the fork was deleted


class PullRequest(BaseModel):
    model_config = _LAX
    number: int = Field(ge=1)
    title: str = ""
    merged: Optional[bool] = None
    head: Branch
    base: Branch
    user: Sender = Sender()


class PullRequestEvent(BaseModel):
    model_config = _LAX
    action: str = Field(max_length=64)
    number: int = Field(ge=1)
    pull_request: PullRequest
    repository: Repo
    sender: Sender = Sender()

    @property
    def from_fork(self) -> bool:
        head_repo = self.pull_request.head.repo
        return head_repo is None or head_repo.full_name.lower() != self.repository.full_name.lower()

    def commit(self) -> dict[str, str]:
        pr = self.pull_request
        return {"sha": pr.head.sha, "message": first_line(f"#{pr.number} {pr.title}"),
                "author": self.sender.login or pr.user.login}


MODELS: dict[str, type[BaseModel]] = {"push": PushEvent, "pull_request": PullRequestEvent}


def payload(raw: bytes, content_type: str) -> dict[str, Any]:
    """The JSON document of a delivery: GitHub sends it as the body (application/json) or as the
    `payload` form field (application/x-www-form-urlencoded), as the hook was configured."""
    try:
        text = raw.decode("utf-8")
        if content_type.startswith("application/x-www-form-urlencoded"):
            text = (parse_qs(text).get("payload") or [""])[0]
        data = json.loads(text)
    except RecursionError:
        raise BadRequest("malformed JSON: nested too deeply", field="body") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"malformed JSON payload: {exc}", field="body") from None
    if not isinstance(data, dict):
        raise BadRequest("the payload must be a JSON object", field="body")
    return data


def parse(event: str, data: dict[str, Any]) -> BaseModel:
    try:
        return MODELS[event].model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "body"
        raise Invalid(f"{event} payload: {where}: {err.get('msg')}", field=where) from None
