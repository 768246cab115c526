"""AWS Copilot manifests (copilot/<service>/manifest.yml, copilot/environments/<env>/manifest.yml)
-> launchbay.yaml. Every environment named in any manifest gets every service, with that
environment's overrides merged in as Copilot merges them (maps merged, lists and scalars replaced).
A managed EFS volume (`storage.volumes.<name>` with `efs: true`) becomes a volume resource linked
at its path, read-only unless `read_only: false` as Copilot mounts it; a volume of an existing file
system (`efs: {id: fs-...}`), a scratch volume and ephemeral storage are warnings. A Worker Service's
queue becomes a queue resource linked to it as COPILOT_QUEUE_URI (importers/queues.py), its
`count.queue_delay` the worker's autoscaling on the queue's backlog; SNS topics are warnings.
FireLens routing to Datadog or New Relic becomes a log drain (importers/drains.py). A service placed in
private subnets (`network.vpc.placement: private`: its tasks leave through the environment's NAT
gateway) turns on the environment's `static_egress`, Launchbay's NAT gateway with one Elastic IP.
`platform: linux/arm64` becomes `architecture: arm64` (AWS Graviton); Windows is a warning. Fargate
Spot (`count.spot`, `count.range.spot_from`) becomes the service's `spot` (see _spot)."""
from __future__ import annotations

import posixpath
import re
from typing import Any, Callable, Optional

from chalicelib.configfile.importers.common import (
    DEFAULT_ENVIRONMENT,
    ImportFileError,
    ImportResult,
    Notes,
    apply_size,
    build_args,
    build_document,
    duration_seconds,
    environment_name,
    health_check,
    join_entrypoint,
    load_yaml,
    registry_login,
    schedule,
    service_name,
    split_command,
    split_env,
    valid_domain,
    valid_image,
)
from chalicelib.configfile.importers.drains import Route, add_drains, route
from chalicelib.configfile.importers.queues import backlog_per_task, import_queues
from chalicelib.configfile.importers.volumes import mount, mount_path_problem, volume_name
from chalicelib.registries import references

SERVICE_MANIFEST = re.compile(r"^(?:.*/)?copilot/([^/]+)/manifest\.ya?ml$")
ENV_MANIFEST = re.compile(r"^(?:.*/)?copilot/environments/([^/]+)/manifest\.ya?ml$")
KINDS = {"Load Balanced Web Service": "web", "Backend Service": "worker", "Worker Service": "worker",
         "Scheduled Job": "cron", "Request-Driven Web Service": "web"}
# Keys with no Launchbay equivalent, and why (the warning's message)
UNSUPPORTED = {
    "network": "security groups and service connect are not imported: Launchbay manages the network",
    "publish": "SNS topics are not imported: Launchbay has no managed topics (pub/sub). To hand work to a worker, "
               "send it to the worker's queue: a Worker Service subscribed to one of these topics gets a queue "
               "resource, linked to this service send-only",
    "subscribe": "subscriptions are only read from a Worker Service (its queue); not imported",
    "observability": "X-Ray tracing settings are not imported",
    "taskdef_overrides": "CloudFormation task-definition overrides are not imported",
    "exec": "ECS Exec is not imported: Launchbay has no shell access to tasks",
    "sidecars": "sidecar containers are not imported: a Launchbay service runs one container",
    "deployment": "deployment settings (rolling strategy, rollback alarms) are not imported: Launchbay's deploy "
                  "strategy applies",
    "retries": "job retries are not imported: a failed run is not retried",
    "timeout": "the job timeout is not imported",
    "healthcheck": "the container health-check command is not imported: Launchbay checks web services over HTTP "
                   "(health_check.path)",
    "instance_role": "the App Runner instance role is not imported: grant AWS access through Launchbay's service role",
    "tags": "resource tags are not imported",
    "variables_from_cfn": "CloudFormation outputs are not imported",
}
ENV_KEYS = {"network": "the VPC settings of the environment are not imported: Launchbay manages the network",
            "http": "load balancer settings (certificates, ingress, access logs) are not imported: set a domain per "
                    "web service and Launchbay issues its certificate",
            "observability": "container insights settings are not imported",
            "cdn": "the CloudFront distribution is not imported"}


def import_copilot(files: dict[str, str]) -> ImportResult:
    notes = Notes()
    env_names: list[str] = []
    manifests: list[tuple[str, str, dict]] = []   # (file, directory name, manifest)
    for path in sorted(files):
        m_env, m_svc = ENV_MANIFEST.match(path), SERVICE_MANIFEST.match(path)
        if m_env:
            data = load_yaml(path, files[path])
            name = environment_name(str(data.get("name") or m_env.group(1)), notes, path, "name")
            if name not in env_names:
                env_names.append(name)
            for key in data:
                if key not in ("name", "type"):
                    notes.add(path, key, ENV_KEYS.get(key, f"environment setting {key!r} is not imported"))
        elif m_svc and m_svc.group(1) not in ("environments", "pipelines"):
            manifests.append((path, m_svc.group(1), load_yaml(path, files[path])))
        elif posixpath.basename(path) == ".workspace":
            continue  # the application's name only
        elif "/addons/" in path or path.startswith("copilot/addons/"):
            notes.add(path, "", "Copilot addon templates (CloudFormation) are not imported: managed resources "
                                "will replace databases and buckets (issue #16)")
        else:
            notes.add(path, "", "not a Copilot service or environment manifest; not read")
    if not manifests:
        raise ImportFileError(next(iter(sorted(files)), "copilot/"), "no Copilot service manifest "
                              "(copilot/<service>/manifest.yml) among the files")
    for path, _, data in manifests:
        for raw in (data.get("environments") or {}):
            name = environment_name(str(raw), notes, path, f"environments.{raw}")
            if name not in env_names:
                env_names.append(name)
    env_names = env_names or [DEFAULT_ENVIRONMENT]
    environments: dict[str, dict] = {name: {"services": {}, "resources": {}} for name in env_names}
    volumes: dict[str, list[tuple[str, str, dict, str]]] = {name: [] for name in env_names}   # env -> mounts
    workers: dict[str, list[tuple[str, str, dict, Callable[[str], str]]]] = {name: [] for name in env_names}
    routes: dict[str, list[tuple[str, str, Route]]] = {name: [] for name in env_names}   # env -> FireLens routes
    for path, folder, data in manifests:
        kind = KINDS.get(str(data.get("type")))
        raw_name = str(data.get("name") or folder)
        if data.get("type") == "Static Site":
            notes.add(path, "type", "Static Site is not supported: Launchbay runs containers; serve the files "
                                    "from a web service (e.g. an nginx image) or a CDN")
            continue
        if kind is None:
            notes.add(path, "type", f"manifest type {data.get('type')!r} is not a Copilot service type; not imported")
            continue
        name = service_name(raw_name, notes, path, "name")
        overrides_by_env = {environment_name(str(k), Notes(), path, ""): v or {}
                            for k, v in (data.get("environments") or {}).items()}
        base = {k: v for k, v in data.items() if k != "environments"}
        for env in env_names:
            override = overrides_by_env.get(env) or {}
            if not isinstance(override, dict):
                notes.add(path, f"environments.{env}", "override is not a mapping; ignored")
                override = {}
            where = _origin(override, env)
            merged = _interpolate(_merge(base, override), env, notes, path, where)
            service = _service(merged, kind, name, notes, path, where, env)
            if service is not None:
                environments[env]["services"][name] = service
                if _private(merged.get("network"), notes, path, where):
                    environments[env]["static_egress"] = True
                volumes[env] += [(name, path, vol, key) for vol, key in _storage(merged.get("storage"), notes, path,
                                                                                 where)]
                if data.get("type") == "Worker Service":
                    workers[env].append((name, path, merged, where))
                # the same warnings for every environment: Notes keeps each once
                routed = route(merged.get("logging"), name, path, where, notes)
                if routed is not None:
                    routes[env].append((name, path, routed))
    for env, found in volumes.items():
        _volumes(found, environments[env], notes)
    for env, subscribers in workers.items():   # after every service: a subscription's publisher gets a link
        import_queues(subscribers, environments[env], notes)
    for env, routed_here in routes.items():
        if routed_here:
            add_drains(routed_here, environments[env], notes)
    return ImportResult(build_document(environments), notes.items)


def _storage(storage: Any, notes: Notes, file: str, where: Callable[[str], str]) -> list[tuple[dict, str]]:
    """The managed EFS volumes of a service's `storage` -> [({"name", "path", "read_only"}, key)];
    what else it sets is a warning."""
    if storage in (None, False, {}):
        return []
    if not isinstance(storage, dict):
        notes.add(file, where("storage"), "storage is not a mapping; not imported")
        return []
    found = []
    for key, value in storage.items():
        if key == "ephemeral":
            notes.add(file, where("storage.ephemeral"), f"ephemeral storage of {value} GiB is not imported: a "
                                                         "Launchbay task has Fargate's default 20 GiB of disk")
        elif key == "readonly_fs":
            if value:
                notes.add(file, where("storage.readonly_fs"), "a read-only root file system is not imported: the "
                                                              "container's own files stay writable")
        elif key == "volumes" and isinstance(value, dict):
            for name, vol in value.items():
                got = _volume(str(name), vol, notes, file, where(f"storage.volumes.{name}"))
                if got:
                    found.append((got, where(f"storage.volumes.{name}")))
        else:
            notes.add(file, where(f"storage.{key}"), f"storage setting {key!r} is not imported")
    return found


def _volume(name: str, vol: Any, notes: Notes, file: str, key: str) -> Optional[dict]:
    """One `storage.volumes.<name>`: a managed EFS volume -> {"name", "path", "read_only"}; else None, said."""
    if not isinstance(vol, dict):
        notes.add(file, key, f"volume {name} is not a mapping; not imported")
        return None
    efs, path = vol.get("efs"), vol.get("path")
    if efs in (None, False):
        notes.add(file, key, f"volume {name} is not on EFS (a scratch volume of the task, for its sidecars): not "
                             "imported; sidecars are not, and the task's own disk serves")
        return None
    if isinstance(efs, dict) and efs.get("id"):
        notes.add(file, key, f"volume {name} mounts the existing EFS file system {efs['id']}: not imported; "
                             "Launchbay makes and manages its own volumes: add a volume resource, link it at "
                             f"{path or 'the same path'}, and copy the files over")
        return None
    if efs is not True and not (isinstance(efs, dict) and set(efs) <= {"uid", "gid"}):
        notes.add(file, f"{key}.efs", f"efs {efs!r} is not readable (true, or uid and gid); not imported")
        return None
    if not path or mount_path_problem(str(path)):
        notes.add(file, key, f"volume {name} not imported: path: "
                             f"{mount_path_problem(str(path)) if path else 'none given'}")
        return None
    if isinstance(efs, dict):
        notes.add(file, f"{key}.efs", "uid and gid are not imported: a Launchbay volume's root directory is "
                                      "writable by every user of the container")
    read_only = vol.get("read_only") is not False
    if "read_only" not in vol:
        notes.add(file, key, f"volume {name} sets no read_only: Copilot mounts it read-only then, so the link is "
                             "read-only (:ro); drop :ro in launchbay.yaml if the service writes to it")
    for k in vol:
        if k not in ("efs", "path", "read_only"):
            notes.add(file, f"{key}.{k}", f"volume setting {k!r} is not imported")
    return {"name": name, "path": str(path), "read_only": read_only}


def _volumes(found: list[tuple[str, str, dict, str]], env: dict, notes: Notes) -> None:
    """An environment's managed EFS volumes -> volume resources and links. Copilot gives each service its
    own directory of the environment's file system: a volume name two services use is two resources."""
    shared: dict[str, int] = {}
    for _, _, vol, _ in found:
        shared[volume_name(vol["name"], set())] = shared.get(volume_name(vol["name"], set()), 0) + 1
    taken = set(env["resources"])
    for svc_name, file, vol, key in found:
        raw = vol["name"] if shared[volume_name(vol["name"], set())] == 1 else f"{svc_name}-{vol['name']}"
        name = volume_name(raw, taken)
        how = mount(env["services"][svc_name], svc_name, name, vol["path"], vol["read_only"], notes, file, key)
        if how is None:
            continue
        taken.add(name)
        env["resources"][name] = {"kind": "volume"}
        own = (f" (named after {svc_name} too: Copilot gives each service its own directory, so each has its own "
               "volume)" if raw != vol["name"] else "")
        notes.add(file, key, f"managed EFS volume {vol['name']} imported as the volume resource {name!r}{own}, "
                             f"linked to {how} (the variable holds the mount path). It starts empty: copy the files "
                             "over from Copilot's file system once it is deployed")


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            if v is not None:
                out[k] = _merge(base.get(k), v)
        return out
    return base if override is None else override


def _origin(override: dict, env: str) -> Callable[[str], str]:
    """Names a key after the block it came from: `environments.prod.count` when prod's override set it."""
    def where(key: str) -> str:
        node: Any = override
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return key
            node = node[part]
        return f"environments.{env}.{key}"
    return where


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _interpolate(value: Any, env: str, notes: Notes, file: str, where: Callable[[str], str], key: str = "") -> Any:
    """Copilot substitutes ${VAR} from the deploying shell; the environment's name is known here."""
    if isinstance(value, dict):
        return {k: _interpolate(v, env, notes, file, where, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env, notes, file, where, f"{key}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def sub(m: re.Match) -> str:
        if m.group(1) == "COPILOT_ENVIRONMENT_NAME":
            notes.add(file, where(key), f"${{COPILOT_ENVIRONMENT_NAME}} replaced by the environment name {env!r}")
            return env
        notes.add(file, where(key), f"${{{m.group(1)}}} is read from the shell running `copilot deploy`: "
                                    "left as written; put the real value in launchbay.yaml")
        return m.group(0)
    return _VAR.sub(sub, value)


def _service(m: dict, kind: str, name: str, notes: Notes, file: str, where: Callable[[str], str],
             env: str) -> Optional[dict]:
    svc: dict[str, Any] = {"kind": kind}
    kind_note = {"Backend Service": "Backend Service has no public endpoint in Copilot: imported as a worker so "
                                    "that nothing private becomes public. Only Launchbay web services get a "
                                    "private address (<name>.<LAUNCHBAY_PRIVATE_DOMAIN>, as Copilot's service "
                                    "discovery): if other services call it over HTTP, make it a web service (it "
                                    "then answers on the load balancer too)",
                 "Request-Driven Web Service": "Request-Driven Web Service (App Runner) imported as a web service on "
                                               "Fargate: it no longer scales to zero between requests",
                 "Worker Service": "Worker Service imported as a worker with its queue (see subscribe)"}
    if m.get("type") in kind_note:
        notes.add(file, "type", kind_note[m["type"]])
    image = m.get("image") or {}
    if isinstance(image, str):
        image = {"location": image}
    _image(svc, image, notes, file, where)
    if "image" not in svc and "source" not in svc:
        notes.add(file, where("image"), f"service {name!r} has no usable image.location or image.build; not imported")
        return None
    port = image.get("port")
    if port is not None:
        try:
            port = int(port)
        except (TypeError, ValueError):
            notes.add(file, where("image.port"), f"port {port!r} is not a number; not imported")
            port = None
    if kind == "web":
        if port is None:
            port = 8080 if m.get("type") == "Request-Driven Web Service" else 80
            notes.add(file, where("image.port"), f"no image.port: port {port} assumed (Copilot's default)")
        svc["port"] = port
    elif port is not None:
        notes.add(file, where("image.port"), f"port {port} not imported: a {kind} takes no traffic in Launchbay")
    if kind == "web":
        _http(svc, m.get("http"), notes, file, where)
    elif m.get("http") not in (None, False):
        notes.add(file, where("http"), "http settings (internal load balancer) are not imported for a worker")
    if kind == "cron":
        on = m.get("on") or {}
        value = schedule(on.get("schedule") if isinstance(on, dict) else None, notes, file, where("on.schedule"))
        if value is None:
            notes.add(file, where("on.schedule"), f"job {name!r} has no schedule Launchbay can run; not imported")
            return None
        svc["schedule"] = value
        for k in (on if isinstance(on, dict) else {}):
            if k != "schedule":
                notes.add(file, where(f"on.{k}"), f"trigger {k!r} is not imported")
    if "cpu" in m or "memory" in m:
        try:
            apply_size(svc, float(m["cpu"]) if m.get("cpu") is not None else None,
                       float(m["memory"]) if m.get("memory") is not None else None, notes, file, where("cpu"))
        except (TypeError, ValueError):
            notes.add(file, where("cpu"), "cpu/memory are not numbers; Launchbay's default size used")
    _count(svc, m.get("count"), kind, notes, file, where, queue=m.get("type") == "Worker Service")
    _platform(svc, m.get("platform"), notes, file, where)
    cmd = split_command(m.get("command"), notes, file, where("command"))
    entry = split_command(m.get("entrypoint"), notes, file, where("entrypoint"))
    cmd = join_entrypoint(entry, cmd, notes, file, where("entrypoint"))
    if cmd:
        svc["command"] = cmd
    env_vars, secret_names = split_env({k: v for k, v in (m.get("variables") or {}).items()
                                        if not isinstance(v, dict)}, notes, file, where("variables"))
    for k, v in (m.get("variables") or {}).items():
        if isinstance(v, dict):
            notes.add(file, where(f"variables.{k}"), f"{k} comes from a CloudFormation output ({v}); not imported")
    if env_vars:
        svc["env"] = env_vars
    for k, v in (m.get("secrets") or {}).items():
        secret_names.append(str(k))
        source = "Secrets Manager" if isinstance(v, dict) and "secretsmanager" in v else "SSM Parameter Store"
        notes.add(file, where(f"secrets.{k}"), f"secret {k} (from {source}) listed by name: set its value with the "
                                               "Launchbay API or CLI before deploying")
    if secret_names:
        svc["secrets"] = sorted(set(secret_names))
    # storage: _storage; logging: importers/drains.py; network: _private (for the environment, in import_copilot)
    handled = {"name", "type", "image", "http", "on", "cpu", "memory", "count", "command", "entrypoint", "variables",
               "secrets", "storage", "logging", "network", "platform"}
    if m.get("type") == "Worker Service":
        handled.add("subscribe")      # import_queues
    for key, value in m.items():
        if key in handled:
            continue
        if key == "healthcheck" or key == "image.healthcheck":
            notes.add(file, where(key), UNSUPPORTED["healthcheck"])
        elif key in UNSUPPORTED:
            if value not in (None, False, {}):
                notes.add(file, where(key), UNSUPPORTED[key])
        else:
            notes.add(file, where(key), f"{key!r} is not imported")
    return svc


# Copilot's architectures (its string form takes linux/arm for ARM64 too, as its own templates do)
ARM = ("arm64", "arm", "aarch64")
X86 = ("x86_64", "amd64")


def _platform(svc: dict, platform: Any, notes: Notes, file: str, where: Callable[[str], str]) -> None:
    """`platform: linux/arm64` (or `{osfamily: linux, architecture: arm64}`) -> architecture: arm64
    (AWS Graviton); linux/x86_64 (amd64) is Launchbay's default too. Windows is a warning: Launchbay
    runs Linux containers (the service is imported all the same, for its other settings)."""
    if platform in (None, "", {}):
        return
    if isinstance(platform, dict):
        family = str(platform.get("osfamily") or "linux").lower()
        arch = str(platform.get("architecture") or "x86_64").lower()
        for k in platform:
            if k not in ("osfamily", "architecture"):
                notes.add(file, where(f"platform.{k}"), f"platform setting {k!r} is not imported")
        said = f"osfamily {family}, architecture {arch}"
    elif isinstance(platform, str):
        family, _, arch = platform.strip().lower().partition("/")
        arch, said = arch or "x86_64", platform.strip()
    else:
        notes.add(file, where("platform"), f"platform {platform!r} is not readable (e.g. linux/arm64); not imported")
        return
    if family != "linux":
        notes.add(file, where("platform"), f"platform {said}: Windows containers are not supported: Launchbay runs "
                                           "Linux containers on Fargate (x86_64 or arm64); the service is imported, "
                                           "but its image must be rebuilt for linux/amd64 or linux/arm64 to run")
    elif arch in ARM:
        svc["architecture"] = "arm64"
    elif arch not in X86:
        notes.add(file, where("platform"), f"platform {said}: architecture {arch} is not one Fargate runs (x86_64 "
                                           "or arm64); not imported: the service runs on x86_64")


def _spot(svc: dict, count: dict, notes: Notes, file: str, where: Callable[[str], str]) -> None:
    """Fargate Spot, as Copilot places tasks on it (the capacity provider strategy its templates give
    the ECS service), in Launchbay's `spot` ({percent, on_demand_base}: the first on_demand_base tasks on
    regular Fargate, `percent` of the others on Spot):
    - `count: {spot: N}`: N tasks, every one on Spot (FARGATE_SPOT, weight 1) -> spot: {percent: 100}
      (_count made it N..N tasks);
    - `count.range.spot_from: N`: the first N-1 tasks on regular Fargate, the N-th and those after on
      Spot (FARGATE base N-1 weight 0, FARGATE_SPOT weight 1) -> spot: {percent: 100, on_demand_base: N-1}.
    Both say exactly what Copilot runs. A spot_from beyond the range's max puts no task on Spot: Launchbay
    refuses such a setting (it saves nothing), so it is left out, said in a warning; so is a value that
    is not a whole number."""
    rng = count.get("range")
    spot_from = rng.get("spot_from") if isinstance(rng, dict) else None
    if spot_from is not None:
        key = where("count.range.spot_from")
        if isinstance(spot_from, bool) or not isinstance(spot_from, int):
            notes.add(file, key, f"spot_from {spot_from!r} is not a whole number; Fargate Spot not imported: tasks "
                                 "run on regular Fargate")
            return
        base = max(0, spot_from - 1)
        if base >= svc.get("max_instances", 1):
            notes.add(file, key, f"spot_from {spot_from} is beyond the range's max ({svc.get('max_instances', 1)}): "
                                 "no task ever runs on Fargate Spot, so spot is not imported (Launchbay refuses a "
                                 "Spot setting that puts no task on it)")
            return
        svc["spot"] = {"percent": 100, "on_demand_base": base}
    elif count.get("spot") is not None:
        if rng is not None:
            notes.add(file, where("count.spot"), "count.spot and count.range together (Copilot takes one or the "
                                                 "other): the range is imported and no task runs on Fargate Spot; "
                                                 "for Spot above a number of tasks, use range.spot_from")
            return
        if "max_instances" in svc:   # _count read it as the number of tasks
            svc["spot"] = {"percent": 100, "on_demand_base": 0}


def _private(network: Any, notes: Notes, file: str, where: Callable[[str], str]) -> bool:
    """A service's `network`: True when it places its tasks in private subnets (they leave through
    the environment's NAT gateway, from its fixed address(es)): the environment's static_egress.
    Chosen subnets, security groups and service connect are warnings."""
    if network in (None, False, {}):
        return False
    if not isinstance(network, dict):
        notes.add(file, where("network"), "network is not a mapping; not imported")
        return False
    private = False
    for key, value in network.items():
        if key == "vpc" and isinstance(value, dict):
            for k, v in value.items():
                at = where(f"network.vpc.{k}")
                if k == "placement" and str(v).lower() == "private":
                    private = True
                    notes.add(file, at, "placement: private (tasks in private subnets, leaving through the "
                                        "environment's NAT gateway) imported as static_egress: true on the "
                                        "environment: a NAT gateway with one Elastic IP, about 33 USD a month. It is "
                                        "the whole environment's setting in Launchbay: every service there leaves "
                                        "from that address; inbound traffic still comes through the load balancer")
                elif k == "placement" and str(v).lower() == "public":
                    continue   # Launchbay's default: each task has its own public IP
                elif k == "placement":
                    notes.add(file, at, "placement in chosen subnets is not imported: Launchbay places tasks in the "
                                        "VPC it manages (static_egress: true puts them in private subnets behind a "
                                        "NAT gateway)")
                else:
                    notes.add(file, at, UNSUPPORTED["network"] if k == "security_groups"
                              else f"network setting vpc.{k} is not imported: Launchbay manages the network")
        elif value not in (None, False, {}):
            notes.add(file, where(f"network.{key}"), UNSUPPORTED["network"] if key in ("connect", "vpc")
                      else f"network setting {key!r} is not imported: Launchbay manages the network")
    return private


def _image(svc: dict, image: dict, notes: Notes, file: str, where: Callable[[str], str]) -> None:
    location, build = image.get("location"), image.get("build")
    if location:
        if valid_image(str(location)):
            svc["image"] = str(location)
        else:
            notes.add(file, where("image.location"), f"image {location!r} is not an image reference Launchbay accepts")
    elif build:
        if isinstance(build, str):
            dockerfile = posixpath.normpath(build)
            context = posixpath.dirname(dockerfile) or "."
        else:
            context = posixpath.normpath(str(build.get("context") or "."))
            dockerfile = posixpath.normpath(str(build.get("dockerfile") or posixpath.join(context, "Dockerfile")))
            if build.get("args"):
                args = build_args(build["args"], notes, file, where("image.build.args"))
                if args:
                    svc["build_env"] = args
            for k in build:
                if k not in ("context", "dockerfile", "args"):
                    notes.add(file, where(f"image.build.{k}"), f"build option {k!r} is not imported (Launchbay runs "
                                                               "a plain docker build of the Dockerfile)")
        svc["source"] = {"dockerfile": dockerfile, "context": context}
        notes.add(file, where("image.build"), "built from source: set source.repo (owner/name) and source.branch "
                                              "in launchbay.yaml; paths are relative to the repository root")
    for k in image:
        if k == "healthcheck":
            notes.add(file, where("image.healthcheck"), UNSUPPORTED["healthcheck"])
        elif k == "credentials":
            notes.add(file, where("image.credentials"), _credentials(svc.get("image"), image["credentials"]))
        elif k not in ("location", "build", "port"):
            notes.add(file, where(f"image.{k}"), f"image setting {k!r} is not imported")


def _credentials(location: Optional[str], secret: Any) -> str:
    """`image.credentials`: the Secrets Manager secret ECS pulls image.location's private registry with
    (its value is not read: it stays in AWS) -> what to do on Launchbay instead, naming the registry."""
    arn = f" (Secrets Manager {secret})" if isinstance(secret, str) and secret else ""
    if not location:
        return f"credentials{arn} not imported: they are for pulling image.location, and there is none to pull"
    ref = references.parse(location)
    host = ref.host if ref else None
    problem = references.host_problem(host) if host else "is not readable"
    if host is None or problem:
        return f"credentials{arn} not imported: the registry {host or location} {problem}"
    return (f"image {location} is pulled from the private registry {host} with credentials{arn}; they are not "
            f"imported (their value stays in AWS): {registry_login(host)}")


def _http(svc: dict, http: Any, notes: Notes, file: str, where: Callable[[str], str]) -> None:
    if http is False:
        notes.add(file, where("http"), "http: false (no load balancer) has no equivalent: a Launchbay web service "
                                       "is always behind the load balancer")
        return
    if not isinstance(http, dict):
        return
    for key, value in http.items():
        if key == "path":
            if str(value).strip("/"):
                notes.add(file, where("http.path"), f"path prefix {value!r} not imported: Launchbay routes by host "
                                                    "name, so the service receives every path of its domain")
        elif key == "healthcheck":
            hc = {"path": value} if isinstance(value, str) else dict(value or {})
            values: dict[str, Any] = {"path": hc.get("path")}
            for src, dst in (("interval", "interval_seconds"), ("timeout", "timeout_seconds"),
                             ("grace_period", "grace_period_seconds")):
                if src in hc:
                    values[dst] = duration_seconds(hc[src])
            for k in ("healthy_threshold", "unhealthy_threshold"):
                if k in hc:
                    values[k] = hc[k]
            for k in hc:
                if k not in ("path", "interval", "timeout", "grace_period", "healthy_threshold", "unhealthy_threshold"):
                    notes.add(file, where(f"http.healthcheck.{k}"), f"health check setting {k!r} is not imported "
                                                                    "(Launchbay checks the service port for a 2xx/3xx)")
            svc["health_check"] = health_check(values, notes, file, where("http.healthcheck"))
        elif key == "alias":
            aliases = value if isinstance(value, list) else [value]
            names = [str(n) for n in (a.get("name") if isinstance(a, dict) else a for a in aliases) if n]
            if names and valid_domain(names[0]):
                svc["domain"] = names[0].lower()
            elif names:
                notes.add(file, where("http.alias"), f"alias {names[0]!r} is not a host name; not imported")
            if len(names) > 1:
                notes.add(file, where("http.alias"), f"a service has one domain in Launchbay: {names[0]} kept, "
                                                     f"{', '.join(names[1:])} not imported")
            if any(isinstance(a, dict) and a.get("hosted_zone") for a in aliases):
                notes.add(file, where("http.alias"), "hosted_zone not imported: Launchbay tells you the DNS record "
                                                     "to create for the domain")
        elif key == "hosted_zone":
            notes.add(file, where("http.hosted_zone"), "hosted_zone not imported: Launchbay tells you the DNS record "
                                                       "to create for the domain")
        else:
            notes.add(file, where(f"http.{key}"), f"load balancer setting {key!r} is not imported")


def _count(svc: dict, count: Any, kind: str, notes: Notes, file: str, where: Callable[[str], str],
           queue: bool = False) -> None:
    """`queue`: a Worker Service, whose count.queue_delay scales it on its queue's backlog (the
    queue's name is filled in by import_queues)."""
    if count is None:
        return
    if isinstance(count, (int, float)) and not isinstance(count, bool):
        n = max(0, int(count))
        svc["min_instances"], svc["max_instances"] = n, max(1, n)
        return
    if not isinstance(count, dict):
        notes.add(file, where("count"), f"count {count!r} is not a number or a mapping; not imported")
        return
    rng = count.get("range")
    lo = hi = None
    if isinstance(rng, str) and re.fullmatch(r"\s*\d+\s*-\s*\d+\s*", rng):
        lo, hi = (int(x) for x in rng.split("-"))
    elif isinstance(rng, dict):
        lo, hi = rng.get("min"), rng.get("max")
        for k in rng:
            if k not in ("min", "max", "spot_from"):
                notes.add(file, where(f"count.range.{k}"), f"range setting {k!r} is not imported")
    elif rng is not None:
        notes.add(file, where("count.range"), f"range {rng!r} is not 'min-max'; not imported")
    if lo is None and count.get("spot") is not None:
        if isinstance(count["spot"], int) and not isinstance(count["spot"], bool):
            lo = hi = count["spot"]
        else:
            notes.add(file, where("count.spot"), f"count.spot {count['spot']!r} is not a whole number; not imported")
    if lo is not None and hi is not None:
        lo, hi = max(0, min(int(lo), 100)), max(1, min(int(hi), 100))
        svc["min_instances"], svc["max_instances"] = min(lo, hi), hi
    _spot(svc, count, notes, file, where)
    scaling: dict[str, Any] = {}
    cpu_pct = count.get("cpu_percentage")
    if isinstance(cpu_pct, dict):
        cpu_pct = cpu_pct.get("value")
    if cpu_pct is not None:
        scaling["cpu_target"] = float(min(max(float(cpu_pct), 10), 95))
        if scaling["cpu_target"] != float(cpu_pct):
            notes.add(file, where("count.cpu_percentage"), f"cpu target {cpu_pct}% set to {scaling['cpu_target']:g}% "
                                                           "(Launchbay accepts 10-95)")
    per_task = count.get("requests")
    if isinstance(per_task, dict):
        per_task = per_task.get("value")
    if per_task is not None:
        if kind == "web":
            scaling["requests_per_target"] = int(min(max(int(per_task), 1), 100000))
            scaling.setdefault("cpu_target", 60.0)
        else:
            notes.add(file, where("count.requests"), "request-based scaling applies to web services only")
    if queue and count.get("queue_delay") is not None:
        per_task = backlog_per_task(count["queue_delay"], notes, file, where("count.queue_delay"))
        if per_task is not None:
            notes.add(file, where("count.queue_delay"), f"queue_delay imported as scaling on the queue's backlog: "
                                                        f"{per_task} waiting messages per task (acceptable_latency / "
                                                        "msg_processing_time)" + (
                                                            "; Launchbay keeps a CPU target too (60%)"
                                                            if "cpu_target" not in scaling else ""))
            scaling.setdefault("cpu_target", 60.0)
            scaling["queue"] = {"name": "", "messages_per_task": per_task}   # the name: import_queues
    if scaling:
        svc["autoscaling"] = scaling
        if svc.get("max_instances", 1) <= svc.get("min_instances", 1):
            notes.add(file, where("count"), "autoscaling targets given without a range: nothing to scale between")
    elif lo is not None and hi is not None and hi > lo:
        notes.add(file, where("count.range"), f"range {lo}-{hi} has no scaling metric: Launchbay scales on CPU (60%)")
    for k in count:
        if k in ("range", "cpu_percentage", "requests", "spot") or (k == "queue_delay" and queue):
            if isinstance(count[k], dict) and "cooldown" in count[k]:
                notes.add(file, where(f"count.{k}.cooldown"), "scaling cooldowns are not imported")
            continue
        notes.add(file, where(f"count.{k}"), f"scaling on {k!r} is not imported: Launchbay scales on CPU and per_task")
