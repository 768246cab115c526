"""The launchbay.yaml document, version 1. Field names are the services API's; the JSON
Schema is generated from these models (GET /v1/schema/launchbay.json, schema/launchbay.json)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.catalog.models import (
    ENVIRONMENT_NAME,
    MAX_ALLOWED_IPS,
    Autoscaling,
    FreezeWindowIn,
    HealthCheck,
    SleepWindowIn,
    _check_env,
    _ServiceFields,
    _suffix,
    check_branch,
)
from chalicelib.catalog.models import Source as CatalogSource
from chalicelib.core.types import ServiceName
from chalicelib.resources.kinds import (
    BACKUP_DAYS,
    KINDS,
    MAX_RECEIVES,
    QUEUE_DEFAULTS,
    RETENTION_DAYS,
    STORAGE_GB,
    VISIBILITY_SECONDS,
)
from chalicelib.resources.models import NAME as RESOURCE_NAME
from chalicelib.resources.models import VARIABLE, mount_path_problem

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
SECRET_NAME = r"^[A-Z_][A-Z0-9_]{0,127}$"


def _names_matching(names, pattern: str, rule: str):
    """The names (a list or a mapping's keys) when each matches `pattern`; else the rule and the bad ones."""
    import re

    bad = [n for n in names if not re.match(pattern, n)]
    if bad:
        raise ValueError(f"{rule}: {', '.join(bad)}")
    return names


READ_ONLY = ":ro"
SEND_ONLY = ":send"
LINK = (r"^(?:[A-Z_][A-Z0-9_]{0,127}(?:=/[A-Za-z0-9._@+/-]*)?|/[A-Za-z0-9._@+/-]*)(?::ro)?$"
        r"|^[A-Z_][A-Z0-9_]{0,127}:send$")   # for editors
LINK_SPELLING = ("a variable (DATABASE_URL), or for a volume the path it is mounted at (/data, or "
                 "MEDIA_ROOT=/data to name its variable), either followed by :ro for read-only; or a queue's "
                 "variable followed by :send for send-only (JOBS_QUEUE_URL:send)")


@dataclass(frozen=True)
class Link:
    """One value of a service's `links`: `VARIABLE[:ro]` (a database, cache or bucket: the variable
    its connection arrives in), `[VARIABLE=]/path[:ro]` (a volume: where it is mounted; its
    variable, <NAME>_PATH unless named, holds the path) or `VARIABLE[:send]` (a queue: the variable
    its URL arrives in; :send, the tasks may only send to it)."""
    variable: Optional[str]
    path: Optional[str] = None
    read_only: bool = False
    send_only: bool = False

    @classmethod
    def parse(cls, value: str) -> "Link":
        """ValueError, in words, for a string of neither spelling."""
        import re

        text = value.strip()
        read_only = text.endswith(READ_ONLY)
        send_only = not read_only and text.endswith(SEND_ONLY)
        text = text[:-len(READ_ONLY)] if read_only else text[:-len(SEND_ONLY)] if send_only else text
        variable, path = (text.split("=", 1) if "=" in text else (None, text) if text.startswith("/") else (text, None))
        if variable is not None and not re.match(VARIABLE, variable):
            raise ValueError(f"{value!r} is not {LINK_SPELLING}")
        if path is not None:
            why = mount_path_problem(path)
            if why:
                raise ValueError(f"{value!r}: the mount path: {why}")
            path = path.rstrip("/") or "/"
        if send_only and path is not None:
            raise ValueError(f"{value!r}: :send is for a queue's variable (JOBS_QUEUE_URL:send), not a mount path")
        return cls(variable, path, read_only, send_only)

    def problem(self, name: str, kind: str, where: str = "") -> Optional[str]:
        """Why the link does not fit its resource's kind (None: it does); `where`: " in production"."""
        k = KINDS[kind]
        if k.drain:
            return (f"{name} is a log drain{where}: nothing links it; it takes the logs of every service of its "
                    f"environment, or of those its services name")
        if k.mounted and self.path is None:
            return (f"{name} is a volume{where}: give the path it is mounted at ({name}: /data, or /data:ro "
                    "read-only), not a variable")
        if not k.mounted and self.path is not None:
            return (f"only a volume is mounted at a path; {name} is a {kind}{where}: give the variable it arrives "
                    f"in (e.g. {k.variable_for(name)})")
        if self.read_only and k.queue:
            return (f"a queue link cannot be read-only (:ro); it may be send-only ({name}: "
                    f"{self.variable or k.variable_for(name)}:send): the tasks may only send to it")
        if self.read_only and not k.read_only_links:
            return f"a {kind} link cannot be read-only (:ro): its credentials decide what it may do"
        if self.send_only and not k.queue:
            return f"only a queue link can be send-only (:send); {name} is a {kind}{where}"
        return None

    def effective_variable(self, name: str, kind: str) -> str:
        return self.variable or KINDS[kind].variable_for(name)

    def spelled(self, name: str, kind: str) -> str:
        """The one spelling of this link (export writes it; plan compares it): a volume's variable
        only when it is not the default, the path without a trailing /."""
        if KINDS[kind].mounted:
            named = self.variable if self.variable and self.variable != KINDS[kind].variable_for(name) else None
            text = f"{named}={self.path}" if named else str(self.path)
        else:
            text = str(self.variable)
        return text + (READ_ONLY if self.read_only else SEND_ONLY if self.send_only else "")


def _link_text(value: str) -> str:
    Link.parse(value)
    return value.strip()


LinkText = Annotated[str, Field(max_length=400, json_schema_extra={"pattern": LINK}), AfterValidator(_link_text)]


class Source(CatalogSource):
    """Build from a repository (the services API's `source`). An import may leave `repo` out: such a
    service is reported by plan, not created, until launchbay.yaml names its repository."""
    model_config = _STRICT
    repo: Optional[str] = Field(None, max_length=201, description="owner/name of the git repository")  # type: ignore[assignment]


class ServiceSpec(_ServiceFields):
    model_config = _STRICT
    kind: Literal["web", "worker", "cron"] = "web"
    source: Optional[Source] = None
    secrets: list[str] = Field(default_factory=list, description="names of the service's secrets (values via API/CLI)")
    health_check: Optional[HealthCheck] = None
    autoscaling: Optional[Autoscaling] = None
    links: dict[str, LinkText] = Field(default_factory=dict, description=(
        "managed resources of the environment the service receives, resource name -> one string. A database, "
        "cache or bucket: the variable its connection arrives in, as a secret reference (db: DATABASE_URL); a "
        "bucket the service may only read: files: S3_BUCKET:ro. A volume: the absolute path it is mounted at "
        "(uploads: /app/uploads; read-only: /app/uploads:ro), and its variable, <NAME>_PATH (UPLOADS_PATH), "
        "holds that path; to name the variable: MEDIA_ROOT=/app/uploads. A queue: the variable its URL arrives "
        "in (jobs: JOBS_QUEUE_URL), the tasks sending, receiving and deleting its messages; a service that only "
        "hands work over: jobs: JOBS_QUEUE_URL:send"))

    @field_validator("links")
    @classmethod
    def _links(cls, v):
        import re

        bad = [r for r in v if not re.match(RESOURCE_NAME, r)]
        if bad:
            raise ValueError("links are keyed by resource name (2-32 lower-case letters, digits and hyphens): "
                             + ", ".join(bad))
        return v   # the variables each gives: _links_known (a volume's default depends on its kind)

    @field_validator("secrets")
    @classmethod
    def _secret_names(cls, v):
        return _names_matching(v, SECRET_NAME, "secret names are upper case letters, digits and _")

    @model_validator(mode="after")
    def _image_or_source(self):
        if not self.image and not self.source:
            raise ValueError("a service needs an image (or a source to build from)")
        if self.image and self.source:
            raise ValueError("give an image or a source, not both")
        return self

    @model_validator(mode="after")
    def _rules_of_its_kind(self):
        """The services API's rules across fields (a cron job needs a schedule, only a web service
        takes a port or a domain, memory fits cpu...), each reported at its own key, so that plan
        refuses what apply would."""
        from pydantic import ValidationError
        from pydantic_core import InitErrorDetails, PydanticCustomError

        from chalicelib.catalog.models import service_problems, with_defaults

        doc = with_defaults({**self.model_dump(exclude={"secrets", "links"}, exclude_none=True), "name": "-"})
        found = [(f, m) for f, m in service_problems(doc) if f not in ("image", "source")]   # _image_or_source's
        if found:
            raise ValidationError.from_exception_data(type(self).__name__, [
                InitErrorDetails(type=PydanticCustomError("service_rule", m), loc=(f,), input=doc.get(f))
                for f, m in found])
        return self


class ResourceSpec(BaseModel):
    """A managed resource (the resources API's fields); left-out settings take the kind's defaults."""
    model_config = _STRICT
    kind: Literal["postgres", "mysql", "redis", "bucket", "volume", "queue", "log_drain"]
    size: Optional[str] = Field(None, description="instance class or node type (default the smallest)")
    version: Optional[str] = Field(None, description="engine version (default the kind's current one)")
    storage_gb: Optional[int] = Field(None, ge=STORAGE_GB[0], le=STORAGE_GB[1], description="databases: default 20")
    backup_retention_days: Optional[int] = Field(None, ge=BACKUP_DAYS[0], le=BACKUP_DAYS[1], description="default 7")
    deletion_protection: Optional[bool] = Field(None, description="default: on in production environments")
    fifo: Optional[bool] = Field(None, description="queues: first in, first out, each message delivered once; "
                                 "fixed when the queue is made (default false)")
    visibility_timeout_seconds: Optional[int] = Field(
        None, ge=VISIBILITY_SECONDS[0], le=VISIBILITY_SECONDS[1],
        description=f"queues: how long a received message stays hidden from other consumers (default "
                    f"{QUEUE_DEFAULTS['visibility_timeout_seconds']})")
    retention_days: Optional[int] = Field(None, ge=RETENTION_DAYS[0], le=RETENTION_DAYS[1], description=(
        f"queues: how long a message nobody received is kept (default {QUEUE_DEFAULTS['retention_days']})"))
    max_receives: Optional[int] = Field(None, ge=MAX_RECEIVES[0], le=MAX_RECEIVES[1], description=(
        "queues: a message received this many times without being deleted moves to the dead-letter queue "
        f"(default {QUEUE_DEFAULTS['max_receives']})"))
    destination: Optional[Literal["datadog", "newrelic", "http"]] = Field(None, description=(
        "log drains (required): where the logs of the environment's services go: Datadog, New Relic, or any HTTPS "
        "receiver that takes Amazon Data Firehose's HTTP endpoint deliveries (http); fixed when the drain is made"))
    url: Optional[str] = Field(None, max_length=1000, description=(
        "log drains: the receiver's HTTPS URL (required for http; Datadog and New Relic default to their US "
        "intake: give the EU or another site's here)"))
    services: Optional[list[Annotated[str, Field(min_length=1, max_length=64)]]] = Field(
        None, max_length=100, description="log drains: the names of the services whose logs it takes; left out: "
                                          "every service of the environment, those added later too")
    filter_pattern: Optional[str] = Field(None, max_length=1024, description=(
        "log drains: a CloudWatch Logs filter pattern; only the lines it matches go (e.g. `?ERROR ?WARN`); left "
        "out: every line"))
    access_key_env: Optional[str] = Field(None, pattern=SECRET_NAME, description=(
        "log drains: the name of the environment variable holding the Datadog API key, New Relic license key or "
        "the receiver's access key, read by `launchbay plan`/`apply` on your machine and sent with the request; "
        "the key itself is never in this file, kept encrypted, never shown. Left out, or the variable unset: an "
        "existing drain keeps its key (set it with `launchbay resources update NAME --access-key-stdin`); a "
        "Datadog or New Relic drain cannot be made without one"))


class EnvironmentSpec(BaseModel):
    model_config = _STRICT
    account: Optional[str] = Field(None, max_length=100, description=(
        "the AWS account connection it deploys to, by name or id (null: the platform's own account); "
        "left out: kept as it is"))
    region: Optional[str] = Field(None, pattern=r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$", description=(
        "the region it deploys to, one the connection allows (default: the connection's first)"))
    domain_suffix: Optional[str] = Field(None, max_length=200)
    branch: Optional[str] = Field(None, max_length=255, description="the git branch it tracks (deploys on push, "
                                  "previews for pull requests against it)")
    require_approval: Optional[bool] = Field(None, description="deploys of new releases wait for an admin or owner "
                                             "to approve them; left out: kept as it is")
    prevent_self_approval: Optional[bool] = Field(None, description="the person who asked for a deploy cannot "
                                                  "approve it; left out: kept as it is")
    promote_to: Optional[str] = Field(None, max_length=32, description="another environment of this file: each new "
                                      "release that goes live here is promoted there; null: none; left out: kept as "
                                      "it is")
    freeze_windows: Optional[list[FreezeWindowIn]] = Field(None, max_length=10, description=(
        "recurring deploy freezes, each {start, end, timezone, reason} with cron schedules: inside one, new releases "
        "are refused; []: none; left out: kept as they are"))
    sleep_windows: Optional[list[SleepWindowIn]] = Field(None, max_length=10, description=(
        "when its services sleep, each {start, end, timezone, reason}: suspended when a window opens, resumed when it "
        "closes; []: never; left out: kept as they are"))
    allowed_ips: Optional[list[str]] = Field(None, max_length=MAX_ALLOWED_IPS, description=(
        "only clients from these addresses (IPv4/IPv6, CIDR or single) reach its web services that set none of their "
        "own; []: everyone; left out: kept as they are"))
    static_egress: Optional[bool] = Field(None, description=(
        "its services' outbound traffic leaves from one fixed address (an Elastic IP on a NAT gateway, about 33 USD a "
        "month), made by the next deploy, each service moving at its own next deploy; false: each task's own public "
        "IP again (the address is released once none runs behind it); left out: kept as it is"))
    env: dict[str, str] = Field(default_factory=dict)
    secrets: list[str] = Field(default_factory=list, description="names of the environment's secrets")

    @field_validator("allowed_ips")
    @classmethod
    def _allowed_ips(cls, v):
        from chalicelib.catalog.models import allowed_networks

        return None if v is None else allowed_networks(v)
    resources: dict[str, ResourceSpec] = Field(default_factory=dict, description=(
        "managed databases, caches, buckets, volumes, queues and log drains by name (lower-case letters, digits, "
        "hyphens)"))
    services: dict[ServiceName, ServiceSpec] = Field(default_factory=dict)

    @field_validator("resources")
    @classmethod
    def _resource_names(cls, v):
        return _names_matching(v, RESOURCE_NAME, "resource names are 2-32 lower-case letters, digits and hyphens")

    @model_validator(mode="after")
    def _links_known(self):
        """Each link names a resource of this environment and fits its kind (a volume takes a path,
        the others a variable; only volumes and buckets are read-only, only queues send-only), and a
        service scaling on a queue's backlog links that queue; each problem at its key."""
        from pydantic import ValidationError
        from pydantic_core import InitErrorDetails, PydanticCustomError

        for svc_name, svc in self.services.items():
            unknown = sorted(set(svc.links) - set(self.resources))
            if unknown:
                raise ValueError(f"service {svc_name} links {', '.join(unknown)}: not a resource of this environment")
        found = []
        for svc_name, svc in self.services.items():
            variables: dict[str, str] = {}
            for res_name, text in svc.links.items():
                link, kind = Link.parse(text), self.resources[res_name].kind
                why = link.problem(res_name, kind)
                variable = link.effective_variable(res_name, kind)
                if why is None and variable in variables:
                    why = f"{res_name} and {variables[variable]} both give {variable}: name another variable"
                variables[variable] = res_name
                if why:
                    found.append(InitErrorDetails(type=PydanticCustomError("link_kind", why),
                                                  loc=("services", svc_name, "links", res_name), input=text))
            scaling = svc.autoscaling.queue if svc.autoscaling else None
            if scaling is not None:   # a deploy fails for a queue the service does not link: said here instead
                queue = self.resources.get(scaling.name)
                why = (f"{scaling.name} is not a resource of this environment" if queue is None else
                       f"{scaling.name} is a {queue.kind}, not a queue" if queue.kind != "queue" else
                       f"{svc_name} does not link {scaling.name}: add it to links ({scaling.name}: "
                       f"{KINDS['queue'].variable_for(scaling.name)}) to scale on its backlog"
                       if scaling.name not in svc.links else None)
                if why:
                    found.append(InitErrorDetails(type=PydanticCustomError("queue_scaling", why),
                                                  loc=("services", svc_name, "autoscaling", "queue", "name"),
                                                  input=scaling.name))
        if found:
            raise ValidationError.from_exception_data(type(self).__name__, found)
        return self

    @field_validator("env")
    @classmethod
    def _env(cls, v):
        return _check_env(v)

    @field_validator("domain_suffix")
    @classmethod
    def _domain_suffix(cls, v):
        return _suffix(v)

    @field_validator("branch")
    @classmethod
    def _branch(cls, v):
        return check_branch(v)


class LaunchbayFile(BaseModel):
    """A project's environments and their services."""
    model_config = ConfigDict(extra="forbid", title="launchbay.yaml")
    version: Literal[1] = 1
    environments: dict[str, EnvironmentSpec] = Field(min_length=1)

    @field_validator("environments")
    @classmethod
    def _names(cls, v):
        import re

        bad = [n for n in v if not re.match(ENVIRONMENT_NAME, n)]
        if bad:
            raise ValueError(f"environment names are lower-case letters, digits and hyphens, starting with a letter: "
                             f"{', '.join(bad)}")
        return v


def json_schema() -> dict:
    schema = LaunchbayFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://launchbay.dev/schema/launchbay.json"
    return schema


if __name__ == "__main__":  # python -m chalicelib.configfile.model: write schema/launchbay.json
    import json
    from pathlib import Path

    target = Path(__file__).resolve().parents[2] / "schema" / "launchbay.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {target}")
