"""Helpers the three importers share: parsing with line numbers, warnings, names, env, sizes,
durations, health checks and schedules in launchbay.yaml's shape."""
from __future__ import annotations

import json
import math
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Optional

import yaml

from chalicelib.catalog.models import ENV_NAME, FARGATE, HOSTNAME, RESERVED_ENV
from chalicelib.catalog.schedule import ScheduleError, to_eventbridge
from chalicelib.core.types import IMAGE, SLUG
from chalicelib.registries import references

ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
DEFAULT_ENVIRONMENT = "production"
# (field, low, high) of launchbay's health check, as the services API validates it
HEALTH_LIMITS = {"interval_seconds": (5, 300), "timeout_seconds": (2, 120), "healthy_threshold": (2, 10),
                 "unhealthy_threshold": (2, 10), "grace_period_seconds": (0, 3600)}
# Names and values that are credentials: such variables become secret names, their values are not copied
SECRET_NAME_HINT = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY)", re.I)
URL_WITH_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@:\s]+:[^@\s]*@", re.I)  # user:password@ (even empty)
SHELL_FEATURES = re.compile(r"[$`|;&<>(){}*?~\\]|^\s*[A-Za-z_][A-Za-z0-9_]*=")


class ImportFileError(ValueError):
    """A file that cannot be imported at all; `line` is 1-based when the parser gave one."""

    def __init__(self, file: str, message: str, key: Optional[str] = None, line: Optional[int] = None):
        self.file, self.key, self.line, self.message = file, key, line, message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}")


@dataclass
class ImportResult:
    document: dict
    warnings: list[dict] = field(default_factory=list)


class Notes:
    """Warnings in the order found, each (file, key, message) once."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, file: str, key: str, message: str) -> None:
        if (file, key, message) not in self._seen:
            self._seen.add((file, key, message))
            self.items.append({"file": file, "key": key, "message": message})


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader (safe constructors only) resolving plain scalars as YAML 1.2 does, like Compose and
    Copilot (Go's yaml.v3): `80:80` stays a string (YAML 1.1 reads a base-60 integer), yes/no/on/off and dates
    stay strings."""


Yaml12Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag.rsplit(":", 1)[-1] not in ("bool", "int", "float", "timestamp")]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+)$"),
                                   list("-+0123456789"))
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def parse_yaml(text: str) -> tuple[Any, Any]:
    """(data, root node) read with the safe loader above; the node keeps every line number.
    yaml.YAMLError propagates: see error_line()."""
    loader = Yaml12Loader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def error_line(exc: yaml.YAMLError) -> Optional[int]:
    """The 1-based line a YAML error points at, if it points at one."""
    mark = (exc.problem_mark or exc.context_mark) if isinstance(exc, yaml.MarkedYAMLError) else None
    return mark.line + 1 if mark else None


def load_yaml(file: str, text: str, want: type = dict) -> Any:
    """Parsed with the safe loader above; the node is kept so that a wrong top-level type has a line too."""
    try:
        data, node = parse_yaml(text)
    except yaml.YAMLError as exc:
        problem = exc.problem if isinstance(exc, yaml.MarkedYAMLError) and exc.problem else exc
        raise ImportFileError(file, f"not valid YAML: {problem}", line=error_line(exc)) from None
    if not isinstance(data, want):
        line = node.start_mark.line + 1 if node is not None else None
        raise ImportFileError(file, f"expected a {'mapping' if want is dict else want.__name__} at the top level, "
                                    f"found {type(data).__name__ if data is not None else 'an empty document'}", line=line)
    return data


def load_json(file: str, text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(file, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    if not isinstance(data, dict):
        raise ImportFileError(file, f"expected a JSON object at the top level, found {type(data).__name__}", line=1)
    return data


def slug(raw: str, limit: int) -> str:
    """Lower-case letters, digits and hyphens, starting with a letter: what launchbay names allow."""
    s = re.sub(r"[^a-z0-9]+", "-", str(raw).lower()).strip("-")
    if not s or not s[0].isalpha():
        s = "s-" + s if s else "service"
    return s[:limit].rstrip("-")


def service_name(raw: str, notes: Notes, file: str, key: str) -> str:
    name = slug(raw, 40)
    if name != raw or not SLUG.match(name):
        notes.add(file, key, f"service name {raw!r} renamed to {name!r}: service names are lower-case letters, "
                             "digits and hyphens, starting with a letter, at most 40 characters")
    return name


def environment_name(raw: str, notes: Notes, file: str, key: str) -> str:
    name = slug(raw, 32)
    if name != raw:
        notes.add(file, key, f"environment name {raw!r} renamed to {name!r}: environment names are lower-case "
                             "letters, digits and hyphens, starting with a letter, at most 32 characters")
    return name


def scalar_text(value: Any) -> str:
    """YAML scalars as the string a container sees (true -> "true", 5432 -> "5432")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def looks_secret(name: str, value: str) -> bool:
    return bool(value) and (bool(SECRET_NAME_HINT.search(name)) or bool(URL_WITH_PASSWORD.match(value)))


def build_args(raw: Any, notes: Notes, file: str, key: str) -> dict[str, str]:
    """Docker build args (a mapping, or a list of NAME=value) -> the service's build_env. A credential
    is left out: a build arg ends up in the image's history, so it cannot hold a secret."""
    pairs: dict[str, Any] = dict(raw) if isinstance(raw, dict) else {}
    for item in raw if isinstance(raw, list) else []:   # NAME=value, or NAME alone (an empty value)
        name, _, value = str(item).partition("=")
        pairs[name] = value
    found = Notes()
    env, credentials = split_env(pairs, found, file, key)
    for item in found.items:   # names not imported, in split_env's words; credentials in ours below
        if item["key"] not in {f"{key}.{n}" for n in credentials}:
            notes.add(item["file"], item["key"], item["message"])
    for name in credentials:
        notes.add(file, f"{key}.{name}", f"build arg {name} looks like a credential: not imported (a build arg "
                                          "stays in the image's history; read it at run time as a secret instead)")
    if env:
        notes.add(file, key, f"build args imported as build_env ({', '.join(sorted(env))}): build-time values, "
                             "never given to the running task")
    return env


def split_env(pairs: dict[str, Any], notes: Notes, file: str, key: str) -> tuple[dict[str, str], list[str]]:
    """Variables -> (env, secret names). Credentials are not copied into the document (it is meant for
    version control): they become secret names whose values are set with the API or CLI."""
    env: dict[str, str] = {}
    secrets: list[str] = []
    for name, raw in pairs.items():
        name = str(name)
        where = f"{key}.{name}"
        if not ENV_NAME.match(name):
            notes.add(file, where, f"variable {name!r} not imported: names are letters, digits and _, "
                                   "not starting with a digit")
            continue
        if name.upper().startswith(RESERVED_ENV):
            notes.add(file, where, f"variable {name!r} not imported: AWS reserves the {name[:4]} prefix")
            continue
        if isinstance(raw, (dict, list)):
            notes.add(file, where, f"variable {name!r} has a structured value; not imported")
            continue
        value = scalar_text(raw)
        if looks_secret(name, value):
            secrets.append(name)
            notes.add(file, where, f"{name} looks like a credential: listed under secrets, its value not copied; "
                                   "set it with the API or CLI")
            continue
        env[name] = value
    return env, secrets


def split_command(value: Any, notes: Notes, file: str, key: str) -> Optional[list[str]]:
    """A string is split like a shell would split it (no expansion), a list is kept."""
    if value is None:
        return None
    if isinstance(value, list):
        return [scalar_text(v) for v in value]
    try:
        return shlex.split(str(value))
    except ValueError as exc:
        notes.add(file, key, f"command {value!r} could not be split ({exc}); run through sh -c instead")
        return ["sh", "-c", str(value)]


def shell_command(text: str) -> list[str]:
    """A command written for a shell: run through `sh -c` when it uses shell features, else split."""
    if SHELL_FEATURES.search(text):
        return ["sh", "-c", text]
    try:
        return shlex.split(text)
    except ValueError:
        return ["sh", "-c", text]


def join_entrypoint(entrypoint: Optional[list[str]], command: Optional[list[str]], notes: Notes, file: str,
                    key: str) -> Optional[list[str]]:
    if not entrypoint:
        return command
    notes.add(file, key, "Launchbay sets only the container command, not the entrypoint: the entrypoint "
                         f"{entrypoint!r} was put in front of the command; the image's own ENTRYPOINT, if any, "
                         "still runs first (check the image, or rebuild it without one)")
    return entrypoint + (command or [])


def snap_size(cpu: Optional[int], memory: Optional[int]) -> tuple[int, int]:
    """Any CPU units / MiB -> the smallest valid Fargate pair that gives at least as much of both
    (capped at the largest Fargate task)."""
    cpu = cpu or 256
    memory = min(memory or 0, FARGATE[4096][1])
    for units in sorted(FARGATE):
        lo, hi, step = FARGATE[units]
        if units >= cpu and memory <= hi:
            return units, max(lo, math.ceil(memory / step) * step)
    return 4096, max(FARGATE[4096][0], math.ceil(memory / 1024) * 1024)


def apply_size(service: dict, cpu: Optional[float], memory: Optional[float], notes: Notes, file: str,
               key: str) -> None:
    if cpu is None and memory is None:
        return
    want_cpu = int(math.ceil(cpu)) if cpu is not None else None
    want_mem = int(math.ceil(memory)) if memory is not None else None
    if want_cpu is not None and want_cpu > 4096:
        notes.add(file, key, f"cpu {want_cpu} exceeds Fargate's largest task (4096 units); capped")
    if want_mem is not None and want_mem > 30720:
        notes.add(file, key, f"memory {want_mem} MiB exceeds Fargate's largest task (30720 MiB); capped")
    service["cpu"], service["memory"] = snap_size(want_cpu, want_mem)
    if (want_cpu is not None and want_cpu != service["cpu"]) or (want_mem is not None and want_mem != service["memory"]):
        notes.add(file, key, f"cpu {want_cpu if want_cpu is not None else '-'} / memory "
                             f"{want_mem if want_mem is not None else '-'} MiB is not a Fargate size: set to "
                             f"cpu {service['cpu']} / memory {service['memory']}")


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(value: Any) -> Optional[float]:
    """'10s', '1m30s', '2h', 30 (seconds) -> seconds; None when unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * _UNITS[u] for n, u in parts)


def health_check(values: dict[str, Any], notes: Notes, file: str, key: str) -> dict:
    """{path, interval_seconds, ...} (missing ones left to Launchbay's defaults) clamped to what the
    services API accepts, with a warning for each value moved."""
    out: dict[str, Any] = {"path": values.get("path") or "/"}
    if not str(out["path"]).startswith("/") or any(c.isspace() for c in str(out["path"])):
        notes.add(file, key, f"health check path {out['path']!r} is not a URL path; / used")
        out["path"] = "/"
    for name, (lo, hi) in HEALTH_LIMITS.items():
        value = values.get(name)
        if value is None:
            continue
        n = int(math.ceil(value))
        if not lo <= n <= hi:
            clamped = min(max(n, lo), hi)
            notes.add(file, key, f"health check {name} {n} is outside {lo}-{hi}; set to {clamped}")
            n = clamped
        out[name] = n
    interval, timeout = out.get("interval_seconds", 30), out.get("timeout_seconds", 5)
    if timeout >= interval:
        fixed = max(2, interval - 1)
        if fixed >= interval:
            interval = fixed + 1
            out["interval_seconds"] = interval
        notes.add(file, key, f"health check timeout {timeout}s must be shorter than the interval {interval}s; "
                             f"timeout set to {fixed}s")
        out["timeout_seconds"] = fixed
    return out


_EVERY = re.compile(r"^@every\s+(.+)$", re.I)


def schedule(value: Any, notes: Notes, file: str, key: str) -> Optional[str]:
    """A schedule launchbay accepts (five-field cron, @daily, cron()/rate()); '@every 1h30m' -> rate(90 minutes).
    None (with a warning) when it cannot be expressed."""
    text = " ".join(str(value).split()) if value is not None else ""
    m = _EVERY.match(text)
    if m:
        seconds = duration_seconds(m.group(1))
        if not seconds:
            notes.add(file, key, f"schedule {text!r}: unreadable duration")
            return None
        minutes = max(1, math.ceil(seconds / 60))
        if minutes * 60 != seconds:
            notes.add(file, key, f"schedule {text!r}: EventBridge rates are whole minutes; every {minutes} minute(s) used")
        if minutes % 1440 == 0:
            n, unit = minutes // 1440, "day"
        elif minutes % 60 == 0:
            n, unit = minutes // 60, "hour"
        else:
            n, unit = minutes, "minute"
        return f"rate({n} {unit}{'' if n == 1 else 's'})"
    try:
        to_eventbridge(text)
    except ScheduleError as exc:
        notes.add(file, key, f"schedule {text!r} cannot be used ({exc})")
        return None
    return text


def valid_image(value: str) -> bool:
    return bool(IMAGE.match(value))


def named_registry(image: str) -> Optional[str]:
    """The registry host an image reference names in its first path component, as Docker reads it
    (`ghcr.io/acme/api:1` -> ghcr.io, `localhost:5000/app` -> localhost:5000); None for Docker Hub (a
    short name like `nginx:1.27`, or docker.io written out) and for Amazon ECR, whose images are pulled
    with the task execution role: neither is a registry that needs `launchbay registries login` here."""
    host, _ = references.split_host(image.strip())
    return None if host == references.DOCKER_HUB or references.host_problem(host) else host


def registry_login(host: str) -> str:
    """What to do so that deploys pull from a private registry: the organization's credentials for it."""
    return (f"an organization admin runs `launchbay registries login {host} -u <user>` before the first deploy (the "
            "password or a read-only access token is asked, or read with --password-stdin); deploys of images in "
            f"{host} then pull with those credentials")


def valid_domain(value: str) -> bool:
    return bool(HOSTNAME.match(value.lower()))


def build_document(environments: dict[str, dict]) -> dict:
    """{env name: {"env":..., "secrets":..., "services": {...}}} -> the document, empty parts left out."""
    out: dict[str, dict] = {}
    for name, env in environments.items():
        body: dict[str, Any] = {}
        if env.get("static_egress"):
            body["static_egress"] = True
        if env.get("env"):
            body["env"] = dict(env["env"])
        if env.get("secrets"):
            body["secrets"] = sorted(set(env["secrets"]))
        if env.get("resources"):
            body["resources"] = dict(env["resources"])
        body["services"] = env.get("services", {})
        out[name] = body
    return {"version": 1, "environments": out}


def document_problems(doc: dict) -> list[str]:
    """What in a produced document breaks launchbay.yaml's rules (used by the tests until the lead's
    pydantic model lands): kinds, required fields, names, sizes, schedules, health checks."""
    from pydantic import ValidationError

    from chalicelib.catalog.models import Autoscaling, HealthCheck, Spot

    out: list[str] = []
    if doc.get("version") != 1 or not isinstance(doc.get("environments"), dict) or not doc["environments"]:
        return ["version must be 1 and environments a non-empty mapping"]
    allowed = {"kind", "image", "source", "build_env", "port", "cpu", "memory", "command", "release_command", "env",
               "secrets", "health_check",
               "min_instances", "max_instances", "autoscaling", "schedule", "domain", "links", "architecture", "spot"}
    for env_name, env in doc["environments"].items():
        if not ENVIRONMENT_NAME.match(env_name):
            out.append(f"environment name {env_name!r}")
        known = {"domain_suffix", "env", "secrets", "services", "resources", "static_egress"}
        if set(env) - known:
            out.append(f"{env_name}: unknown keys {sorted(set(env) - known)}")
        for name, svc in (env.get("services") or {}).items():
            where = f"{env_name}.{name}"
            if not SLUG.match(name):
                out.append(f"{where}: service name")
            if set(svc) - allowed:
                out.append(f"{where}: unknown keys {sorted(set(svc) - allowed)}")
            kind = svc.get("kind")
            if kind not in ("web", "worker", "cron"):
                out.append(f"{where}: kind {kind!r}")
            if ("image" in svc) == ("source" in svc):
                out.append(f"{where}: exactly one of image and source")
            if "image" in svc and not valid_image(svc["image"]):
                out.append(f"{where}: image {svc['image']!r}")
            if "source" in svc and (set(svc["source"]) - {"repo", "branch", "dockerfile", "context"}):
                out.append(f"{where}: source keys")
            if kind == "web" and not isinstance(svc.get("port"), int):
                out.append(f"{where}: a web service needs a port")
            if "port" in svc and not (isinstance(svc["port"], int) and 1 <= svc["port"] <= 65535):
                out.append(f"{where}: port")
            if (kind == "cron") != ("schedule" in svc):
                out.append(f"{where}: schedule is required for cron and only for cron")
            if "schedule" in svc:
                try:
                    to_eventbridge(svc["schedule"])
                except ScheduleError as exc:
                    out.append(f"{where}: schedule {exc}")
            if "domain" in svc and (kind != "web" or not valid_domain(svc["domain"])):
                out.append(f"{where}: domain")
            cpu, mem = svc.get("cpu", 256), svc.get("memory", 512)
            if cpu not in FARGATE or not (FARGATE[cpu][0] <= mem <= FARGATE[cpu][1] and mem % FARGATE[cpu][2] == 0):
                out.append(f"{where}: cpu {cpu} / memory {mem}")
            for key in ("command", "release_command"):
                if svc.get(key) is not None and not all(isinstance(c, str) for c in svc[key]):
                    out.append(f"{where}: {key} must be a list of strings")
            for k, v in (svc.get("env") or {}).items():
                if not (ENV_NAME.match(k) and isinstance(v, str)):
                    out.append(f"{where}: env {k!r}")
            lo, hi = svc.get("min_instances", 1), svc.get("max_instances", 1)
            if not (0 <= lo <= hi and 1 <= hi <= 100):
                out.append(f"{where}: min/max instances {lo}/{hi}")
            if svc.get("architecture", "arm64") not in ("x86_64", "arm64"):
                out.append(f"{where}: architecture {svc['architecture']!r}")
            if "spot" in svc and (svc["spot"] or {}).get("on_demand_base", 0) >= (1 if kind == "cron" else hi):
                out.append(f"{where}: spot.on_demand_base puts every task on regular Fargate")
            for model, part in ((HealthCheck, "health_check"), (Autoscaling, "autoscaling"), (Spot, "spot")):
                if part in svc:
                    try:
                        model.model_validate(svc[part])
                    except ValidationError as exc:
                        out.append(f"{where}: {part} {exc.errors()[0]['msg']}")
    return out
