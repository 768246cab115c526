"""Request bodies for projects, services and secrets. Unknown fields are refused."""
from __future__ import annotations

import re
from typing import Any, Literal, Optional, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_serializer, model_validator
from pydantic_core import PydanticCustomError

from chalicelib.catalog.schedule import ScheduleError, to_eventbridge
from chalicelib.core.types import ImageRef, ServiceName

_STRICT = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# Fargate's allowed CPU units -> memory (MiB) range and step
FARGATE = {256: (512, 2048, 512), 512: (1024, 4096, 1024), 1024: (2048, 8192, 1024),
           2048: (4096, 16384, 1024), 4096: (8192, 30720, 1024)}
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
INTERNAL_DOMAIN = "launchbay.internal"   # every web service's default host: <name>-<id tail>.<org>.launchbay.internal
RESERVED_ENV = ("AWS_", "ECS_")
SCHEDULE_HELP = (
    "Cron services only; times are UTC. Accepted: standard five-field cron `minute hour day-of-month month "
    "day-of-week` (e.g. `0 3 * * *` daily at 03:00, `*/15 * * * *`, `0 9 * * 1-5`; day-of-week 0-7 with "
    "Sunday 0 or 7, names `mon`-`sun` and `jan`-`dec` allowed; day-of-month and day-of-week cannot both be "
    "set); `@hourly`, `@daily`/`@midnight`, `@weekly`, `@monthly`, `@yearly`/`@annually`; or EventBridge's "
    "`cron(min hour day-of-month month day-of-week year)` (one of the two day fields `?`, day-of-week 1-7 "
    "with Sunday 1) and `rate(N minutes|hours|days)`. Stored and returned in EventBridge's form: "
    "`0 3 * * *` becomes `cron(0 3 * * ? *)`.")


class ProjectIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=1000)


class ProjectPatch(BaseModel):
    model_config = _STRICT
    name: Optional[str] = Field(None, min_length=1, max_length=100)
    description: Optional[str] = Field(None, max_length=1000)


class HealthCheck(BaseModel):
    model_config = _STRICT
    path: str = Field("/", max_length=512, json_schema_extra={"pattern": r"^/[^\s]*$"})
    interval_seconds: int = Field(30, ge=5, le=300)
    timeout_seconds: int = Field(5, ge=2, le=120)
    healthy_threshold: int = Field(3, ge=2, le=10)
    unhealthy_threshold: int = Field(3, ge=2, le=10)
    grace_period_seconds: int = Field(60, ge=0, le=3600)

    @field_validator("path")
    @classmethod
    def _path(cls, v):
        if not v.startswith("/") or any(c.isspace() for c in v):
            raise ValueError("health_check.path must start with / and contain no spaces, e.g. /healthz")
        return v

    @model_validator(mode="after")
    def _timeout_below_interval(self):
        if self.timeout_seconds >= self.interval_seconds:
            raise ValueError("health_check.timeout_seconds must be less than interval_seconds")
        return self


def _known_zone(name: str) -> str:
    """An IANA time zone name, as given (ValueError naming it when unknown)."""
    from chalicelib.catalog.windows import zone

    zone(name)
    return name


class ScaleAt(BaseModel):
    """From `at` on (a five-field cron in `timezone`), the service runs between these counts, until
    the next entry's time: e.g. 0 8 * * 1-5 -> 4..10 and 0 20 * * 1-5 -> 1..4 (deploys/scaling.py)."""
    model_config = _STRICT
    at: str = Field(max_length=100, description="five cron fields: minute hour day-of-month month day-of-week")
    min_instances: int = Field(ge=0, le=100)
    max_instances: int = Field(ge=1, le=100)
    timezone: str = Field("UTC", max_length=64, description="an IANA time zone, e.g. Europe/Berlin")

    @field_validator("at")
    @classmethod
    def _at(cls, v):
        from chalicelib.catalog.windows import check_cron

        check_cron(v)
        from chalicelib.catalog.schedule import ScheduleError, to_eventbridge

        try:   # Application Auto Scaling takes EventBridge's form: the same refusals
            to_eventbridge(v)
        except ScheduleError as exc:
            raise ValueError(str(exc)) from None
        return " ".join(v.split())

    _timezone = field_validator("timezone")(lambda v: _known_zone(v))

    @model_validator(mode="after")
    def _counts(self):
        if self.max_instances < self.min_instances:
            raise ValueError("max_instances must be at least min_instances")
        return self


class QueueScaling(BaseModel):
    """Scale on a linked queue's backlog: the tasks are kept near `messages_per_task` waiting
    messages each (SQS's visible messages over the running tasks, target-tracked)."""
    model_config = _STRICT
    name: str = Field(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$",
                      description="a queue the service links (the resource's name)")
    messages_per_task: int = Field(100, ge=1, le=100000, description=(
        "the backlog one task should have: how many messages it works through in the time you accept a "
        "message waiting (e.g. 10 per second x 30 s = 300)"))


class Autoscaling(BaseModel):
    model_config = _STRICT
    cpu_target: float = Field(60.0, ge=10, le=95)
    requests_per_target: Optional[int] = Field(None, ge=1, le=100000)
    queue: Optional[QueueScaling] = Field(None, description="also scale on a linked queue's backlog (workers, "
                                          "mostly); null: not")
    schedule: list[ScaleAt] = Field(default_factory=list, max_length=10, description=(
        "scheduled scaling: at these times the task counts change to the entry's (the service's own "
        "min_instances/max_instances apply until the first entry fires); empty: none"))

    @model_serializer(mode="wrap")
    def _without_empty_schedule(self, handler):
        out = handler(self)
        if isinstance(out, dict):   # settings without these stay as they were stored before them
            if not out.get("schedule") and "schedule" not in self.model_fields_set:
                out.pop("schedule", None)
            if out.get("queue") is None and "queue" not in self.model_fields_set:
                out.pop("queue", None)
        return out


# the alert rules (chalicelib/observe/alerts.py DEFAULTS gives each its threshold), one name list for both
AlertRule = Literal["http_5xx_rate", "latency_p95", "cpu", "memory", "restarts"]
ALERT_RULES: tuple[str, ...] = get_args(AlertRule)


class AutoRollback(BaseModel):
    """Roll a new release back by itself when one of these alerts opens soon after it went live."""
    model_config = _STRICT
    window_minutes: int = Field(15, ge=1, le=240, description="how long after a release goes live an alert rolls "
                                "it back (later, an alert is only an alert)")
    rules: list[AlertRule] = Field(
        default_factory=lambda: list[AlertRule](["http_5xx_rate", "restarts"]), min_length=1, max_length=len(ALERT_RULES),
        description="the alerts that roll back: " + ", ".join(ALERT_RULES))

    @field_validator("rules")
    @classmethod
    def _rules(cls, v):
        return [r for r in ALERT_RULES if r in v]   # each once, in one order: export then plan is a no-op


class Canary(BaseModel):
    """Roll a new release out to a share of the traffic first, watch its 5xx answers for a few
    minutes, then to every task; a canary that answers too many 5xx is rolled back before the
    rest of the traffic ever sees it (deploys/canary.py)."""
    model_config = _STRICT
    percent: int = Field(10, ge=1, le=50, description="share of the requests the new release answers while watched")
    minutes: int = Field(5, ge=1, le=60, description="how long the new release is watched before it takes all traffic")
    max_5xx_percent: float = Field(2.0, ge=0, le=100, description="the share of 5xx answers above which the canary "
                                   "fails and the deploy rolls back")
    max_p95_ms: Optional[int] = Field(None, ge=1, le=60000, description="the 95th percentile response time, in ms, "
                                      "above which the canary fails too; null: latency is not judged")
    baseline: bool = Field(False, description="judge the 5xx share against the live release's over the same "
                           "minutes: the canary fails above the live release's share plus `max_5xx_percent` points "
                           "(false: above `max_5xx_percent` itself)")
    ramp: list[int] = Field(default_factory=list, max_length=4, description=(
        "larger shares to move to after `percent`, each watched `minutes` with the same limits (e.g. [25, 50]: "
        "10 % -> 25 % -> 50 %, then every task); ascending, above `percent`, at most 50"))

    @field_validator("ramp")
    @classmethod
    def _ramp_ascends(cls, v, info):
        first = info.data.get("percent", 10)
        shares = [first, *v]
        if any(b <= a for a, b in zip(shares, shares[1:])) or any(p > 50 for p in v):
            raise ValueError(f"each share above the one before it ({first} % first) and at most 50")
        return v


# A load balancer rule matches at most 5 values, and the host takes one (AWS's quota: "condition
# values per rule"), so a service's rule holds 4 source addresses.
MAX_ALLOWED_IPS = 4
MAX_ALIASES = 4   # host names beside the domain: a listener rule, a claim and a certificate each
MAX_ENV_GROUPS = 10   # environment groups a service links (chalicelib/envgroups)
ENV_GROUP_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


def env_group_names(values: list[str]) -> Optional[list[str]]:
    """A service's environment groups: names, each once, in the order given (a later one wins); none: None."""
    bad = [v for v in values if not isinstance(v, str) or not ENV_GROUP_NAME.match(v)]
    if bad:
        raise ValueError(f"env_groups: {bad[0]!r} is not an environment group name (lower-case letters, digits and "
                         "hyphens, starting with a letter, at most 63)")
    if len(set(values)) != len(values):
        raise ValueError("env_groups: each group once")
    return list(values) or None   # none: stored as null, as never set (fingerprints stay as they were)


def allowed_networks(values: list[str]) -> list[str]:
    """Addresses as CIDR blocks, each once, in the order given: "203.0.113.7" -> "203.0.113.7/32"."""
    import ipaddress

    out: list[str] = []
    for i, raw in enumerate(values):
        try:
            net = ipaddress.ip_network(str(raw).strip(), strict=False)
        except ValueError:
            raise PydanticCustomError("allowed_ip", "allowed_ips[{i}]: {raw!r} is not an IP address or CIDR block "
                                      "(e.g. 203.0.113.0/24 or 2001:db8::/32)", {"i": i, "raw": raw}) from None
        if str(net) not in out:
            out.append(str(net))
    return out


def _check_env(env: dict[str, str]) -> dict[str, str]:
    if len(env) > 200:
        raise ValueError("at most 200 environment variables")
    for key, value in env.items():
        if not ENV_NAME.match(key):
            raise ValueError(f"env name {key!r}: env names are letters, digits and _, not starting with a digit, "
                             "at most 128 characters")
        if key.upper().startswith(RESERVED_ENV):
            raise ValueError(f"env name {key!r} uses a prefix AWS reserves")
        if len(value) > 32768:
            raise ValueError(f"env {key!r} is longer than 32 KiB")
    return env


REPO = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}/[A-Za-z0-9_.-]{1,100}$"
GIT_REF = re.compile(r"^(?!-)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]{1,200}(?<![/.])$")
REL_PATH = re.compile(r"^(?!/)(?!.*(^|/)\.\.(/|$))[A-Za-z0-9._/ -]{1,300}$")


class Spot(BaseModel):
    """Fargate Spot: spare AWS capacity at up to 70 % off, which AWS may take back with two minutes'
    notice (the task gets SIGTERM, ECS starts another). ECS's capacity provider strategy, in words."""
    model_config = ConfigDict(extra="forbid", defer_build=True)
    percent: int = Field(100, ge=1, le=100, description="the share of the tasks above on_demand_base that run on "
                         "Fargate Spot; the others run on regular Fargate")
    on_demand_base: int = Field(0, ge=0, le=100, description="this many tasks always run on regular Fargate, placed "
                                "first: a web service with 1 keeps answering while AWS takes Spot capacity back")


class Source(BaseModel):
    """Build the service's image from a git repository (issue #13) instead of naming an image."""
    model_config = _STRICT
    repo: str = Field(max_length=201, description="owner/name of the git repository",
                      json_schema_extra={"pattern": REPO})
    branch: str = Field("main", max_length=200, description="built at its head, unless a deployment names a commit")
    dockerfile: str = Field("Dockerfile", max_length=300, description="path of the Dockerfile in the repository")
    context: str = Field(".", max_length=300, description="build context directory in the repository")
    paths: Optional[list[str]] = Field(None, max_length=20, description=(
        "watch paths: a push deploys the service only when it changes a file matching one of these (e.g. "
        "services/api/**, shared/**, Dockerfile; * within a folder, ** across folders, a folder alone for all "
        "below it); null: every push deploys it (a monorepo's other services' changes too)"))

    @model_serializer(mode="wrap")
    def _without_unset_paths(self, handler):
        out = handler(self)
        if isinstance(out, dict) and out.get("paths") is None:
            out.pop("paths", None)   # sources without watch paths stay as they were stored before them
        return out

    @field_validator("paths")
    @classmethod
    def _paths(cls, v):
        if v is None:
            return v
        bad = [p for p in v if not p or len(p) > 200 or p.startswith("/") or ".." in p.split("/")
               or not re.match(r"^[A-Za-z0-9._*?/@+-]+$", p)]
        if bad:
            raise ValueError(f"source.paths: relative paths or globs in the repository such as services/api/** "
                             f"(no leading /, no ..): {', '.join(repr(b) for b in bad[:3])}")
        return list(dict.fromkeys(p.rstrip("/") or p for p in v)) or None

    @field_validator("repo")
    @classmethod
    def _repo(cls, v):
        if v is None:   # launchbay.yaml's Source allows it left out (an import); the API's requires it
            return v
        if not re.match(REPO, v) or ".." in v:
            raise ValueError("source.repo must be owner/name, e.g. acme/shop")
        return v

    @field_validator("branch")
    @classmethod
    def _branch(cls, v):
        if not GIT_REF.match(v):
            raise ValueError("source.branch must be a branch name such as main or release/1.2 "
                             "(letters, digits, . _ / -; not starting with -, no ..)")
        return v

    @field_validator("dockerfile", "context")
    @classmethod
    def _path(cls, v, info):
        if not REL_PATH.match(v):
            raise ValueError(f"source.{info.field_name} must be a path inside the repository "
                             "(relative, no .., e.g. Dockerfile or docker/web.Dockerfile)")
        return v


class _ServiceFields(BaseModel):
    model_config = _STRICT
    # source before image: ServiceIn's image check reads whether a source was given
    source: Optional[Source] = Field(None, description="build from a git repository instead of an image "
                                     "(exactly one of image and source)")
    image: Optional[ImageRef] = None
    port: Optional[int] = Field(None, ge=1, le=65535)
    command: Optional[list[str]] = Field(None, max_length=64)
    release_command: Optional[list[str]] = Field(
        None, min_length=1, max_length=64, description="run as one task of the new release before each deploy "
        "rolls out (migrations); a non-zero exit stops the deploy and the old release keeps serving; null: none")
    cpu: Optional[Literal[256, 512, 1024, 2048, 4096]] = None
    memory: Optional[int] = Field(None, ge=512, le=30720)
    env: Optional[dict[str, str]] = None
    build_env: Optional[dict[str, str]] = Field(None, description="build-time values, never given to the running task")
    health_check: Optional[HealthCheck] = None
    min_instances: Optional[int] = Field(None, ge=0, le=100)
    max_instances: Optional[int] = Field(None, ge=1, le=100)
    schedule: Optional[str] = Field(None, max_length=140, description=SCHEDULE_HELP)
    domain: Optional[str] = Field(None, max_length=253)
    aliases: Optional[list[str]] = Field(
        None, max_length=MAX_ALIASES, description="more host names a web service with a `domain` answers on (e.g. "
        "www.example.com beside example.com): each claimed, verified by its own TXT record, routed and given its own "
        "certificate like the domain; null or []: none")
    redirect_aliases: Optional[bool] = Field(None, description="the aliases answer a 301 to the domain (same path "
                                             "and query; https:// once the domain is served so) instead of serving "
                                             "the service themselves: one address for search engines and cookies")
    deregistration_delay: Optional[int] = Field(None, ge=0, le=3600)
    autoscaling: Optional[Autoscaling] = None
    auto_rollback: Optional[AutoRollback] = Field(None, description="roll a release back to the one before when "
                                                  "one of these alerts opens within the window after it went live; "
                                                  "null: off")
    canary: Optional[Canary] = Field(None, description="a web service's new releases first answer this share of its "
                                     "traffic and are watched before they take it all; null: off (rolling deploys)")
    architecture: Optional[Literal["x86_64", "arm64"]] = Field(None, description=(
        "the CPU its tasks run on: x86_64 (null: the default) or arm64 (AWS Graviton, about 20 % cheaper for the same "
        "vCPU and memory). The image must have a linux/arm64 variant; a service built from source is built for it. "
        "Applies with the next deploy"))
    spot: Optional[Spot] = Field(None, description=(
        "run tasks on Fargate Spot (up to 70 % cheaper; AWS may stop a task with two minutes' notice and ECS starts "
        "another). null: regular Fargate only. Release commands always run on regular Fargate. Applies with the "
        "next deploy"))
    allowed_ips: Optional[list[str]] = Field(
        None, max_length=MAX_ALLOWED_IPS, description="only clients from these addresses (IPv4 or IPv6, a CIDR block or "
        "one address) reach a web service through its load balancer; others get its 404; null or []: everyone. "
        "Applies with the next deploy")
    env_groups: Optional[list[str]] = Field(
        None, max_length=MAX_ENV_GROUPS, description="the organization's environment groups whose variables and "
        "secrets the service gets, by name, in order: its environment's < each group in turn (a later one wins) < "
        "its own; null or []: none. Applies with the next deploy")

    @field_validator("env_groups")
    @classmethod
    def _env_groups(cls, v):
        return None if v is None else env_group_names(v)

    @field_validator("env", "build_env")
    @classmethod
    def _env(cls, v):
        return None if v is None else _check_env(v)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v):
        if v is None:
            return v
        try:
            return to_eventbridge(v)  # stored in EventBridge's form: what the deploy engine hands on
        except ScheduleError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("architecture")
    @classmethod
    def _architecture(cls, v):
        return None if v == "x86_64" else v   # the default is stored as never set: fingerprints stay as they were

    @field_validator("allowed_ips")
    @classmethod
    def _allowed_ips(cls, v):
        return None if v is None else allowed_networks(v)

    @field_validator("domain")
    @classmethod
    def _domain(cls, v):
        return None if v is None else _host_name(v, "domain")

    @field_validator("redirect_aliases")
    @classmethod
    def _redirect_aliases(cls, v):
        return True if v else None   # off is stored as never set: fingerprints and exports stay as they were

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, v):
        if v is None:
            return v
        names = [_host_name(x, "aliases") for x in v]
        if len(set(names)) != len(names):
            raise ValueError("aliases: each name once")
        return names or None   # none: stored as null, as never set


class ServiceIn(_ServiceFields):
    name: ServiceName
    kind: Literal["web", "worker", "cron"] = "web"
    image: Optional[ImageRef] = Field(None, validate_default=True, description="the container image to run; "
                                      "required unless the service has a source to build from")
    environment: Optional[str] = Field(None, max_length=32, pattern=r"^[a-z][a-z0-9-]{0,31}$",
                                       description="the project environment it belongs to (default: production)")

    @field_validator("image")
    @classmethod
    def _image_unless_source(cls, v, info):
        # an invalid source is reported as itself (it is then absent from info.data), not here too
        if v is None and "source" in info.data and info.data["source"] is None:
            raise PydanticCustomError("missing", "image is required (or a source to build from)")
        return v


class ServicePatch(_ServiceFields):
    pass


def _host_name(value: str, field: str) -> str:
    v = value.strip().lower().rstrip(".")
    if not HOSTNAME.match(v):
        raise ValueError(f"{field} must be host names such as api.example.com" if field == "aliases"
                         else "domain must be a host name such as api.example.com")
    if v == INTERNAL_DOMAIN or v.endswith("." + INTERNAL_DOMAIN):
        raise ValueError(f"{field}: names under {INTERNAL_DOMAIN} are Launchbay's own")
    return v


DEFAULTS: dict[str, Any] = {"image": None, "source": None, "port": None, "command": None, "release_command": None, "cpu": 256, "memory": 512, "env": {}, "build_env": {},
            "health_check": None, "min_instances": 1, "max_instances": 1, "schedule": None, "domain": None,
            "deregistration_delay": 30, "autoscaling": None, "auto_rollback": None,
            "canary": None, "allowed_ips": None, "architecture": None, "spot": None}


WEB_HEALTH = {"path": "/", "interval_seconds": 30, "timeout_seconds": 5, "healthy_threshold": 3,
              "unhealthy_threshold": 3, "grace_period_seconds": 60}


def with_defaults(spec: dict, domain_suffix: Optional[str] = None) -> dict:
    """A new service's settings: DEFAULTS under what was given; a web service also gets port 8080,
    the default health check and, in an environment with a domain suffix, <name>.<suffix>.
    The API's create and launchbay.yaml's plan (which must predict it exactly) both use this."""
    service = {**DEFAULTS, **{k: v for k, v in spec.items() if v is not None}}
    if service["kind"] == "web":
        service["port"] = service["port"] or 8080
        service["health_check"] = service["health_check"] or dict(WEB_HEALTH)
        if not service.get("domain") and domain_suffix:
            service["domain"] = f"{service['name']}.{domain_suffix}"
    return service


def service_problems(doc: dict) -> list[tuple[str, str]]:
    """Rules across fields, checked on the merged document: every (field, message) that fails."""
    kind, out = doc["kind"], []
    if doc.get("image") and doc.get("source"):
        out.append(("source", "give an image or a source, not both (a PATCH with one switches to it)"))
    elif not doc.get("image") and not doc.get("source"):
        out.append(("image", "a service needs an image (e.g. nginx:1.27) or a source to build from "
                             "(e.g. {\"repo\": \"acme/shop\", \"branch\": \"main\"})"))
    if kind == "web" and not doc.get("port"):
        out.append(("port", "a web service needs a port"))
    if kind != "web" and doc.get("port"):
        out.append(("port", f"only web services take a port: a {kind} service receives no traffic "
                            "(leave port out, or make it a web service)"))
    if kind == "cron" and not doc.get("schedule"):
        out.append(("schedule", "a cron service needs a schedule"))
    if kind != "cron" and doc.get("schedule"):
        out.append(("schedule", "only cron services take a schedule"))
    if kind != "web" and doc.get("domain"):
        out.append(("domain", "only web services take a domain"))
    if doc.get("aliases"):
        if kind != "web":
            out.append(("aliases", "only web services take aliases"))
        elif not doc.get("domain"):
            out.append(("aliases", "aliases come beside a domain: set `domain` too"))
        elif (doc.get("domain") or "").lower().rstrip(".") in doc["aliases"]:
            out.append(("aliases", "the domain itself is not an alias of it"))
    if doc.get("redirect_aliases") and kind != "web":
        out.append(("redirect_aliases", "only web services have aliases to redirect"))
    if kind == "cron" and doc.get("auto_rollback"):
        out.append(("auto_rollback", "a cron service has no alerts to roll back on (its runs report their exit codes)"))
    if kind != "web" and doc.get("allowed_ips"):
        out.append(("allowed_ips", f"only web services take allowed_ips: a {kind} service answers no requests"))
    if kind != "web" and doc.get("canary"):
        out.append(("canary", f"only web services take a canary: a {kind} service answers no traffic to share"))
    # A PATCH may carry null for these (fuzzing found it): a 422 with the field, not a TypeError.
    if doc.get("cpu") not in FARGATE:
        out.append(("cpu", f"cpu must be one of {', '.join(str(c) for c in sorted(FARGATE))}"))
    else:
        lo, hi, step = FARGATE[doc["cpu"]]
        memory = doc.get("memory")
        if not isinstance(memory, int) or not (lo <= memory <= hi and memory % step == 0):
            out.append(("memory", f"with cpu {doc['cpu']}, memory must be {lo}-{hi} MiB in steps of {step}"))
    low, high = doc.get("min_instances"), doc.get("max_instances")
    if not isinstance(low, int) or not isinstance(high, int):
        out.append(("min_instances" if not isinstance(low, int) else "max_instances", "instances must be numbers"))
    elif low > high:
        out.append(("min_instances", "min_instances must not exceed max_instances"))
    elif (doc.get("spot") or {}).get("on_demand_base", 0) >= (1 if kind == "cron" else high):
        # ECS would place every task on regular Fargate: a Spot setting that saves nothing is a mistake
        out.append(("spot", "a cron job's run is one task: with spot, on_demand_base must be 0" if kind == "cron" else
                            f"spot.on_demand_base {doc['spot']['on_demand_base']} would keep all of at most "
                            f"{high} task{'s' if high != 1 else ''} on regular Fargate: lower it or raise max_instances"))
    return out


class SecretIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    value: str = Field(min_length=1, max_length=65536)


SECRET_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")


ENVIRONMENT_NAME = r"^[a-z][a-z0-9-]{0,31}$"


def _suffix(v: Optional[str]) -> Optional[str]:
    if v is not None:
        v = v.lower().strip(".")
        if not HOSTNAME.match(v):
            raise ValueError("domain_suffix must be a domain such as staging.example.com")
        if v == INTERNAL_DOMAIN or v.endswith("." + INTERNAL_DOMAIN):
            raise ValueError(f"domain_suffix: names under {INTERNAL_DOMAIN} are Launchbay's own")
    return v


BRANCH = re.compile(r"^(?![/.-])(?!.*(?:\.\.|//|@\{|\.lock$|[/.]$))[A-Za-z0-9._/+@-]{1,255}$")


def check_branch(v: Optional[str]) -> Optional[str]:
    """A git branch name (as `git check-ref-format --branch` takes it, in the usual characters)."""
    if v is not None and not BRANCH.match(v):
        raise ValueError("branch must be a git branch name such as main or release/2.0")
    return v


class _Window(BaseModel):
    """A recurring window (chalicelib/catalog/windows.py)."""
    model_config = _STRICT
    start: str = Field(min_length=1, max_length=100, description="when it opens each time: five cron fields in "
                       "`timezone` (minute hour day-of-month month day-of-week), e.g. 0 18 * * 5 (Fridays 18:00)")
    end: str = Field(min_length=1, max_length=100, description="when it closes, the same way, e.g. 0 8 * * 1 (Mondays 08:00)")
    timezone: str = Field("UTC", min_length=1, max_length=64, description="an IANA time zone, e.g. Europe/Berlin")

    @field_validator("start", "end")
    @classmethod
    def _cron(cls, v):
        from chalicelib.catalog.windows import check_cron

        return check_cron(v)

    _zone = field_validator("timezone")(lambda v: _known_zone(v))

    @model_validator(mode="after")
    def _different(self):
        if self.start == self.end:
            raise ValueError("start and end are the same schedule: the window would never be open")
        return self


class FreezeWindowIn(_Window):
    """A recurring deploy freeze (chalicelib/catalog/freezes.py)."""
    reason: str = Field(min_length=1, max_length=200, description="why: every deploy refused in the window says it")


class SleepWindowIn(_Window):
    """When the environment's services sleep (chalicelib/deploys/sleep.py): suspended at `start`,
    resumed at `end`."""
    reason: str = Field("outside working hours", min_length=1, max_length=200, description="said in the services' "
                        "suspension and in their deploy logs")


class EnvironmentIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=32, pattern=ENVIRONMENT_NAME,
                      description="lower-case letters, digits and hyphens, starting with a letter")
    domain_suffix: Optional[str] = Field(None, max_length=200,
                                         description="web services created here without a domain get <name>.<suffix>")
    env: Optional[dict[str, str]] = Field(None, description="variables every service of the environment inherits")
    aws_account_id: Optional[str] = Field(None, max_length=64, description="the AWS account connection its services "
                                          "deploy through (POST /orgs/{org}/aws-accounts); null: the platform's own")
    region: Optional[str] = Field(None, max_length=32, description="the AWS region (one the connection allows); "
                                  "null: the connection's first region, or the platform's")
    branch: Optional[str] = Field(None, max_length=255, description="the git branch it tracks: a push there deploys "
                                  "its services built from the pushed repository, and a pull request against it "
                                  "gets a preview environment cloned from it")
    require_approval: Optional[bool] = Field(None, description="deploys of new releases here wait for an admin or "
                                             "owner to approve them (rollbacks and restarts do not)")
    prevent_self_approval: Optional[bool] = Field(None, description="with require_approval: the person who asked for "
                                                  "a deploy cannot approve it")
    allowed_ips: Optional[list[str]] = Field(
        None, max_length=MAX_ALLOWED_IPS, description="only clients from these addresses reach the environment's web "
        "services that set none of their own (a service's own allowed_ips win); null or []: everyone")
    static_egress: Optional[bool] = Field(None, description="its services' outbound traffic leaves from one fixed "
                                          "address (a NAT gateway with an Elastic IP, about 33 USD a month), made by "
                                          "the next deploy; false: each task's own public IP again")
    promote_to: Optional[str] = Field(None, max_length=64, description="another environment of the project (name or "
                                      "id): each new release that goes live here is promoted there, service by "
                                      "service (the same image by digest; its approval rules apply); null: none")
    freeze_windows: Optional[list[FreezeWindowIn]] = Field(None, max_length=10, description="recurring deploy freezes "
                                                           "(the whole list; [] removes them): inside one, new releases "
                                                           "are refused as under a freeze set by hand")
    sleep_windows: Optional[list[SleepWindowIn]] = Field(None, max_length=10, description="when its services sleep "
                                                         "(the whole list; [] removes them): each live service is "
                                                         "suspended when a window opens and resumed when it closes")

    @field_validator("branch")
    @classmethod
    def _branch(cls, v):
        return check_branch(v)

    @field_validator("env")
    @classmethod
    def _env(cls, v):
        return None if v is None else _check_env(v)

    @field_validator("allowed_ips")
    @classmethod
    def _allowed_ips(cls, v):
        return None if v is None else allowed_networks(v)

    @field_validator("domain_suffix")
    @classmethod
    def _domain_suffix(cls, v):
        return _suffix(v)


class EnvironmentPatch(EnvironmentIn):
    name: Optional[str] = Field(None, min_length=1, max_length=32, pattern=ENVIRONMENT_NAME)  # type: ignore[assignment]


class CloneIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=32, pattern=ENVIRONMENT_NAME)
    with_secrets: bool = Field(False, description="copy secret values too (otherwise names are listed to set)")
    domain_suffix: Optional[str] = Field(None, max_length=200)

    @field_validator("domain_suffix")
    @classmethod
    def _domain_suffix(cls, v):
        return _suffix(v)


class FreezeIn(BaseModel):
    model_config = _STRICT
    reason: str = Field(min_length=1, max_length=200, description="why: every refused deploy says it")
    until: Optional[AwareDatetime] = Field(None, description="when the freeze ends by itself (ISO 8601 with a time "
                                           "zone, in the future); null: until someone lifts it")
