"""Request bodies for managed resources. Unknown fields are refused; `problems` lists what a
kind does not offer, each with its field."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.resources.kinds import BACKUP_DAYS, KINDS, MAX_RECEIVES, RETENTION_DAYS, STORAGE_GB, VISIBILITY_SECONDS

_STRICT = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
NAME = r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"
VARIABLE = r"^[A-Z_][A-Z0-9_]{0,127}$"


QUEUE_FIELDS = ("fifo", "visibility_timeout_seconds", "retention_days", "max_receives")


def problems(kind: str, size: Optional[str] = None, version: Optional[str] = None, storage: Optional[int] = None,
             backups: Optional[int] = None, queue: Optional[dict] = None) -> list[tuple[str, str]]:
    """(field, message) for each setting the kind does not offer (the service raises them as a 422).
    `queue`: the queue settings given (QUEUE_FIELDS), which only a queue has."""
    k, out = KINDS[kind], []
    if not k.queue:
        out += [(f, f"only a queue has {f}") for f in QUEUE_FIELDS if (queue or {}).get(f) is not None]
    if size is not None and size not in k.sizes:
        out.append(("size", f"{kind} offers {', '.join(k.sizes)}" if k.sizes else f"a {kind} has no size"))
    if version is not None and version not in k.versions:
        out.append(("version", f"{kind} offers {', '.join(k.versions)}" if k.versions else f"a {kind} has no version"))
    if storage is not None and not k.storage:
        out.append(("storage_gb", f"a {kind} has no allocated storage"))
    if backups is not None and k.aws == "s3":
        out.append(("backup_retention_days", "buckets have no automated backups"))
    if backups is not None and k.queue:
        out.append(("backup_retention_days", "a queue has no backups: its messages are kept `retention_days`"))
    if backups is not None and k.aws == "efs":
        out.append(("backup_retention_days", "a volume is backed up daily by AWS Backup and kept 35 days: "
                                             "there is nothing to set"))
    return out


class ResourceIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=2, max_length=32, pattern=NAME,
                      description="lower-case letters, digits and hyphens; unique in the environment")
    kind: Literal["postgres", "mysql", "redis", "bucket", "volume", "queue", "log_drain"]
    environment: str = Field("production", max_length=32, description="the environment it belongs to (name or id)")
    size: Optional[str] = Field(None, description="instance class (databases) or node type (redis); default the smallest")
    version: Optional[str] = Field(None, description="engine version; default the kind's current one")
    storage_gb: Optional[int] = Field(None, ge=STORAGE_GB[0], le=STORAGE_GB[1], description="databases: 20 by default")
    backup_retention_days: Optional[int] = Field(None, ge=BACKUP_DAYS[0], le=BACKUP_DAYS[1],
                                                 description="automated backups kept (default 7)")
    deletion_protection: Optional[bool] = Field(None, description="default: on in production environments")
    fifo: Optional[bool] = Field(None, description="queues: first in, first out, each message delivered once "
                                 "(senders give a MessageGroupId); fixed at creation, default false")
    visibility_timeout_seconds: Optional[int] = Field(
        None, ge=VISIBILITY_SECONDS[0], le=VISIBILITY_SECONDS[1],
        description="queues: how long a received message stays hidden from other consumers (default 60)")
    retention_days: Optional[int] = Field(None, ge=RETENTION_DAYS[0], le=RETENTION_DAYS[1],
                                          description="queues: how long a message nobody received is kept (default 4)")
    max_receives: Optional[int] = Field(None, ge=MAX_RECEIVES[0], le=MAX_RECEIVES[1],
                                        description="queues: a message received this many times without being "
                                                    "deleted moves to the dead-letter queue (default 5)")
    destination: Optional[Literal["datadog", "newrelic", "http"]] = Field(
        None, description="log drains: where the services' logs go (required for a drain)")
    url: Optional[str] = Field(None, max_length=1000, description="log drains: the receiver's HTTPS URL (required "
                               "for http; Datadog and New Relic default to their US intake, give the EU one there)")
    access_key: Optional[str] = Field(None, min_length=1, max_length=4096,
                                      description="log drains: the Datadog API key or New Relic license key "
                                      "(required there), or what an http receiver checks; encrypted, never shown")
    services: Optional[list[Annotated[str, Field(min_length=1, max_length=64)]]] = Field(
        None, max_length=100, description="log drains: the names of the services whose logs it takes; "
        "null: every service of the environment, those deployed later too")
    filter_pattern: Optional[str] = Field(
        None, max_length=1024, description="log drains: a CloudWatch Logs filter pattern; only the lines it matches "
        "go (e.g. `?ERROR ?WARN`, or `{ $.level = \"error\" }` for JSON lines); default: every line")


class ResourcePatch(BaseModel):
    """Resize, change backups, protection or a queue's settings; the engine and version stay (a new
    resource changes them), as does a queue's FIFO order."""
    model_config = _STRICT
    size: Optional[str] = None
    storage_gb: Optional[int] = Field(None, ge=STORAGE_GB[0], le=STORAGE_GB[1], description="can only grow")
    backup_retention_days: Optional[int] = Field(None, ge=BACKUP_DAYS[0], le=BACKUP_DAYS[1])
    deletion_protection: Optional[bool] = None
    visibility_timeout_seconds: Optional[int] = Field(None, ge=VISIBILITY_SECONDS[0], le=VISIBILITY_SECONDS[1])
    retention_days: Optional[int] = Field(None, ge=RETENTION_DAYS[0], le=RETENTION_DAYS[1])
    max_receives: Optional[int] = Field(None, ge=MAX_RECEIVES[0], le=MAX_RECEIVES[1])
    url: Optional[str] = Field(None, max_length=1000, description="log drains: a new receiver URL")
    access_key: Optional[str] = Field(None, min_length=1, max_length=4096, description="log drains: a new key")
    services: Optional[list[Annotated[str, Field(min_length=1, max_length=64)]]] = Field(
        None, max_length=100, description="log drains: the services it takes; null: every service")
    filter_pattern: Optional[str] = Field(None, max_length=1024,
                                          description="log drains: the lines it takes; \"\": every line")


class RestoreIn(BaseModel):
    """A database restored to a point in time, as a new resource beside it."""
    model_config = _STRICT
    name: str = Field(min_length=2, max_length=32, pattern=NAME,
                      description="the new resource's name (the source stays as it is)")
    to: Optional[AwareDatetime] = Field(None, description="the moment to restore, with its time zone, within "
                                        "GET …/restore-window; null: the latest restorable time (a few minutes ago)")
    size: Optional[str] = Field(None, description="instance class; default the source's")
    switch_links: bool = Field(False, description="once it is available, move the source's links to it and "
                               "redeploy the linked services (they then read the restored data)")


class ResourceDelete(BaseModel):
    model_config = _STRICT
    confirm: str = Field(min_length=1, max_length=64, description="the resource's name, typed again")


MOUNT_PATH = r"^/[A-Za-z0-9._@+-][A-Za-z0-9._@+/-]{0,254}$"
_SYSTEM = ("/proc", "/sys", "/dev", "/etc", "/bin", "/sbin", "/lib", "/usr", "/boot", "/run")


def mount_path_problem(path: str) -> Optional[str]:
    """Why a volume may not be mounted at `path` (None: it may). The container's system folders
    would hide its own files; `..` would leave the path."""
    import re

    clean = path.rstrip("/") or "/"
    if not re.match(MOUNT_PATH, clean):
        return "an absolute path of letters, digits and . _ - @ + / (e.g. /data)"
    if any(part in (".", "..") for part in clean.split("/")) or "//" in clean:
        return "no '.', '..' or empty parts"
    if any(clean == s or clean.startswith(s + "/") for s in _SYSTEM):
        return f"{clean} is a system folder of the container: mount it elsewhere (e.g. /data)"
    return None


class LinkIn(BaseModel):
    model_config = _STRICT
    variable: Optional[str] = Field(None, pattern=VARIABLE,
                                    description="the variable the service receives (default DATABASE_URL, "
                                                "REDIS_URL, S3_BUCKET, or <NAME>_PATH for a volume: its path)")
    path: Optional[str] = Field(None, max_length=256,
                                description="volumes: where it is mounted in the container (required), e.g. /data")
    read_only: Optional[bool] = Field(None, description="volumes: mounted read-only; buckets: the tasks may only "
                                                        "read and list (default false)")
    send_only: Optional[bool] = Field(None, description="queues: the tasks may only send to it (a web service "
                                                        "that hands work to a worker); default false: send, "
                                                        "receive and delete")
