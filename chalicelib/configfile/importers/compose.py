"""Docker Compose (compose.yaml / docker-compose.yml, an override file, env_files and .env)
-> launchbay.yaml: one `production` environment. Services that publish a port become web
services, the rest workers. PostgreSQL, MySQL/MariaDB and Redis/Valkey containers become managed
resources, linked to the services that point at them (an env value naming the host, or
depends_on) under the variable the app reads; other data stores are named in a warning. Named
volumes of the services become volume resources (EFS), one per volume, linked by each service that
mounts it at its path (`:ro` kept); bind mounts and anonymous volumes are warnings. An SQS emulator
(ElasticMQ, GoAws) stays a service, with a warning saying how queue resources replace it."""
from __future__ import annotations

import posixpath
import re
from typing import Any, Optional

from chalicelib.cloud.naming import dns_label
from chalicelib.configfile.importers.common import (
    DEFAULT_ENVIRONMENT,
    ImportFileError,
    ImportResult,
    Notes,
    apply_size,
    build_args,
    build_document,
    duration_seconds,
    health_check,
    join_entrypoint,
    load_yaml,
    named_registry,
    registry_login,
    service_name,
    split_command,
    split_env,
    valid_image,
)
from chalicelib.configfile.importers.stores import image_kind, image_tag, resource_name, version_of
from chalicelib.configfile.importers.volumes import mount, mount_path_problem, volume_name
from chalicelib.resources.kinds import KINDS

MAIN_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_FILES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
                  "docker-compose.override.yml")
# image name (last path part, tag removed) -> (what replaces it, the variable apps usually read)
DATA_STORES = {"postgres": ("PostgreSQL", "DATABASE_URL"), "postgresql": ("PostgreSQL", "DATABASE_URL"),
               "postgis": ("PostgreSQL", "DATABASE_URL"), "mysql": ("MySQL", "DATABASE_URL"),
               "mariadb": ("MariaDB", "DATABASE_URL"), "mongo": ("MongoDB", "MONGO_URL"),
               "mongodb": ("MongoDB", "MONGO_URL"), "redis": ("Redis", "REDIS_URL"), "valkey": ("Redis", "REDIS_URL"),
               "memcached": ("Memcached", "MEMCACHED_URL"), "rabbitmq": ("RabbitMQ", "AMQP_URL"),
               "elasticsearch": ("Elasticsearch", "ELASTICSEARCH_URL")}
# image name -> an SQS emulator a queue resource replaces (not turned into one: the queues it holds are
# named in its own configuration, and the apps reach it through an endpoint override)
SQS_EMULATORS = {"elasticmq": "ElasticMQ", "elasticmq-native": "ElasticMQ", "goaws": "GoAws"}
SERVICE_KEYS = {  # keys with no Launchbay equivalent, and why
    "depends_on": "start order is not imported: Launchbay starts services independently; make the service retry "
                  "until what it needs answers",
    "networks": "networks are not imported: Launchbay manages the network",
    "links": "links are not imported: a web service is reached at <name>.<LAUNCHBAY_PRIVATE_DOMAIN>:<port> "
             "(README: Private networking)",
    "restart": "the restart policy is not imported: Launchbay always replaces a stopped task",
    "secrets": "Compose secrets (files) are not imported: declare secret names in launchbay.yaml and set values "
               "with the API or CLI",
    "configs": "configs (mounted files) are not imported: bake them into the image or pass them as env",
    "labels": "labels are not imported",
    "container_name": "container_name is not imported: the service name is used",
    "hostname": "hostname is not imported",
    "stdin_open": "stdin_open is not imported: tasks have no terminal",
    "tty": "tty is not imported: tasks have no terminal",
    "init": "init is not imported: add an init (e.g. tini) to the image if the process needs one",
    "stop_signal": "stop_signal is not imported: ECS sends SIGTERM; set STOPSIGNAL in the Dockerfile",
    "stop_grace_period": "stop_grace_period is not imported",
    "logging": "the logging driver is not imported: Launchbay collects stdout/stderr into CloudWatch Logs "
               "(`launchbay logs`)",
    "privileged": "privileged mode is not available on Fargate",
    "cap_add": "added capabilities are not imported", "cap_drop": "dropped capabilities are not imported",
    "ulimits": "ulimits are not imported", "user": "user is not imported: set USER in the Dockerfile",
    "working_dir": "working_dir is not imported: set WORKDIR in the Dockerfile",
    "extra_hosts": "extra_hosts is not imported", "dns": "dns settings are not imported",
    "pull_policy": "pull_policy is not imported", "devices": "devices are not available on Fargate",
    "network_mode": "network_mode is not imported", "read_only": "read_only is not imported",
    "tmpfs": "tmpfs mounts are not imported", "shm_size": "shm_size is not imported",
    "sysctls": "sysctls are not imported", "security_opt": "security_opt is not imported",
    "develop": "develop (watch) settings are for local development; not imported",
}


def import_compose(files: dict[str, str]) -> ImportResult:
    notes = Notes()
    main = next((p for p in sorted(files, key=lambda p: (p.count("/"), p)) if posixpath.basename(p) in MAIN_FILES), None)
    if main is None:
        raise ImportFileError(next(iter(sorted(files)), "compose.yaml"),
                              f"no Compose file ({', '.join(MAIN_FILES)}) among the files")
    root = posixpath.dirname(main)
    data = load_yaml(main, files[main])
    origin = {main: data}
    for name in OVERRIDE_FILES:
        path = posixpath.join(root, name)
        if path in files:
            override = load_yaml(path, files[path])
            origin[path] = override
            data = _merge(data, override)
            notes.add(path, "", "override file merged into the main file as `docker compose` does by default")
    dotenv_path = posixpath.join(root, ".env")
    dotenv = _parse_env_file(files[dotenv_path]) if dotenv_path in files else {}
    data = _interpolate(data, dotenv, notes, main, "")
    services = data.get("services")
    if not isinstance(services, dict) or not services:
        raise ImportFileError(main, "no services: a Compose file lists its containers under `services:`", key="services")
    for key in data:
        if key in ("services", "version", "name"):
            continue  # version is obsolete; the project name is not part of launchbay.yaml
        if key.startswith("x-"):
            notes.add(main, key, "extension field: not imported (anchors that use it were resolved)")
        elif key == "volumes":
            continue   # with the services' volumes (_volumes)
        elif key in ("networks", "secrets", "configs"):
            notes.add(main, key, f"top-level {key} are not imported: {SERVICE_KEYS[key].split(': ', 1)[1]}")
        elif key == "include":
            notes.add(main, key, "included Compose files are not read: import them separately")
        else:
            notes.add(main, key, f"{key!r} is not imported")
    out: dict[str, dict] = {}
    names: dict[str, str] = {}                     # compose name -> imported service name
    stores: dict[str, tuple[str, str, str]] = {}   # compose name -> (image, product, usual variable)
    for raw, spec in services.items():
        if not isinstance(spec, dict):
            notes.add(main, f"services.{raw}", "not a mapping; not imported")
            continue
        store = _data_store(spec.get("image"))
        if store:
            stores[str(raw)] = (str(spec["image"]), *store)
            continue
        name = service_name(str(raw), notes, main, f"services.{raw}")
        svc = _service(str(raw), spec, notes, main, root, files, dotenv)
        if svc is not None:
            out[name] = svc
            names[str(raw)] = name
    _private_registries(out, names, notes, main)
    emulators = {str(raw) for raw, spec in services.items() if isinstance(spec, dict) and _base(spec.get("image"))
                 in SQS_EMULATORS and str(raw) in names}
    _host_references(services, {*stores, *emulators}, notes, main)
    for raw in sorted(emulators):
        notes.add(main, f"services.{raw}", _emulator_message(raw, str(services[raw]["image"]), services))
    resources: dict[str, dict] = {}
    for raw, (image, product, variable) in stores.items():
        if image_kind(image) is None:
            notes.add(main, f"services.{raw}", _store_message(raw, image, product, variable, services, out))
        else:
            resources[resource_name(raw)] = _resource(raw, image, services, out, names, notes, main)
    if not out:
        raise ImportFileError(main, "nothing to import: every service is a data store or lacks an image/build",
                              key="services")
    resources.update(_volumes(data, services, out, names, stores, set(resources), notes, main))
    return ImportResult(build_document({DEFAULT_ENVIRONMENT: {"services": out, "resources": resources}}), notes.items)


def _private_registries(out: dict[str, dict], names: dict[str, str], notes: Notes, file: str) -> None:
    """One warning per registry host (ghcr.io, registry.gitlab.com, ...) the imported services' images
    are in, at the first such service: a private one needs the organization's credentials for it."""
    hosts: dict[str, list[tuple[str, str]]] = {}   # host -> [(compose name, image)]
    for raw, name in names.items():
        image = out[name].get("image")   # a built service has none (its `image` is the build's tag)
        host = named_registry(image) if isinstance(image, str) else None
        if host:
            hosts.setdefault(host, []).append((raw, str(image)))
    for host, found in hosts.items():
        images = ", ".join(f"{image} ({raw})" for raw, image in found)
        notes.add(file, f"services.{found[0][0]}.image",
                  f"{'image' if len(found) == 1 else 'images'} {images} {'is' if len(found) == 1 else 'are'} in the "
                  f"registry {host}: a public image needs nothing; if it is private, {registry_login(host)}")


def _mount(entry: Any) -> dict[str, Any]:
    """One entry of a service's `volumes`, short (`data:/x:ro`, `./src:/app`, `/cache`) or long
    ({type, source, target, read_only, volume: {...}}) -> {"type", "source", "target", "read_only", "options"}."""
    if isinstance(entry, dict):
        source, target = entry.get("source"), entry.get("target")
        kind = entry.get("type") or ("volume" if source is None or not _host_path(str(source)) else "bind")
        options = dict(entry.get("volume") or {}) if kind == "volume" else {}
        return {"type": kind, "source": None if source in (None, "") else str(source), "target": str(target or ""),
                "read_only": entry.get("read_only") is True, "options": options}
    parts = str(entry).split(":")
    if len(parts) == 1:
        return {"type": "volume", "source": None, "target": parts[0], "read_only": False, "options": {}}
    source, target = parts[0], parts[1]
    modes = set(parts[2].split(",")) if len(parts) > 2 else set()
    return {"type": "bind" if _host_path(source) else "volume", "source": source, "target": target,
            "read_only": "ro" in modes, "options": {"nocopy": True} if "nocopy" in modes else {}}


def _host_path(source: str) -> bool:
    """A bind mount's source: a path of the machine running compose (as compose-go tells them apart)."""
    return source.startswith((".", "/", "~")) or (len(source) > 1 and source[1] == ":" and source[0].isalpha())


def _volumes(data: dict, services: dict, out: dict, names: dict[str, str], stores: dict, taken: set[str],
             notes: Notes, file: str) -> dict[str, dict]:
    """Named volumes of the imported services -> volume resources (one per volume, named after it) and
    their links; everything else that `volumes` mounts is a warning saying why it is not imported."""
    declared: dict[str, Any] = data["volumes"] if isinstance(data.get("volumes"), dict) else {}
    used: dict[str, list[tuple[str, str, bool, str]]] = {}   # volume -> [(service, target, read only, key)]
    users: dict[str, list[str]] = {}                          # volume -> the Compose services naming it
    refused: set[str] = set()                                 # named volumes at a path Launchbay refuses
    for raw, spec in services.items():
        entries = spec.get("volumes") if isinstance(spec, dict) else None
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            m, key = _mount(entry), f"services.{raw}.volumes[{i}]"
            if m["type"] == "volume" and m["source"]:
                users.setdefault(m["source"], []).append(str(raw))
            if str(raw) not in names:
                continue   # a data store (its managed resource holds the data) or a service not imported
            target = m["target"]
            if m["type"] == "bind":
                notes.add(file, key, _bind_message(str(m["source"]), target))
            elif m["type"] == "volume" and not m["source"]:
                notes.add(file, key, f"anonymous volume at {target} not imported: Compose gives each container a new, "
                                     "empty one and nothing keeps it; the task's own disk serves (what the image "
                                     "has there stays)")
            elif m["type"] == "tmpfs":
                notes.add(file, key, f"tmpfs mount at {target} not imported: the task's own disk is temporary "
                                     "anyway")
            elif m["type"] != "volume":
                notes.add(file, key, f"{m['type']} mount at {target} not imported: Launchbay mounts volumes only")
            elif mount_path_problem(target):
                refused.add(str(m["source"]))
                notes.add(file, key, f"volume {m['source']} at {target} not imported: {mount_path_problem(target)}")
            else:
                used.setdefault(str(m["source"]), []).append((str(raw), target, bool(m["read_only"]), key))
                for opt, value in m["options"].items():
                    if opt != "nocopy":   # nocopy: a new volume starts empty; a Launchbay one does anyway
                        notes.add(file, f"{key}.volume.{opt}", f"volume option {opt}: {value!r} not imported: the "
                                                               "whole volume is mounted")
    resources: dict[str, dict] = {}
    for source, mounts in used.items():
        name = volume_name(source, taken)
        linked = [how for raw, target, ro, key in mounts
                  if (how := mount(out[names[raw]], names[raw], name, target, ro, notes, file, key))]
        if not linked:
            continue
        taken.add(name)
        resources[name] = {"kind": "volume"}
        first = volume_name(source, set())
        renamed = (f" ({first!r} names another resource)" if name != first else
                   " (resource names are 2-32 lower-case letters, digits and hyphens)" if name != source else "")
        settings: dict[str, Any] = declared[source] if isinstance(declared.get(source), dict) else {}
        external = (" It is external in Compose (made outside this file): Launchbay makes a new one."
                    if settings.get("external") else "")
        notes.add(file, f"volumes.{source}",
                  f"named volume {source} imported as the volume resource {name!r} (EFS){renamed}, linked to "
                  f"{', '.join(linked)} (the variable holds the mount path). It starts empty: its "
                  "files are not copied (nor, as Docker does for a new volume, the image's files at that path); "
                  f"copy the data in once it is deployed.{external}")
        for opt in settings:
            if opt in ("driver", "driver_opts", "labels", "name"):
                notes.add(file, f"volumes.{source}.{opt}", f"volume setting {opt!r} not imported: a Launchbay "
                                                           "volume is an EFS file system")
    for source in declared:
        if source in used or source in refused:
            continue
        holders = users.get(str(source), [])
        managed = [f"{h}, which became the managed {image_kind(stores[h][0])} resource {resource_name(h)!r}"
                   for h in holders if h in stores and image_kind(stores[h][0])]
        if managed:
            why = f"used by {'; '.join(managed)}: the managed resource holds the data"
        elif holders:
            why = f"used only by {', '.join(holders)}, not imported (see services.{holders[0]})"
        else:
            why = "no imported service mounts it"
        notes.add(file, f"volumes.{source}", f"volume {source} not imported: {why}")
    return resources


def _bind_message(source: str, target: str) -> str:
    if source.rstrip("/").endswith("docker.sock"):
        return f"{source} -> {target} not imported: Fargate tasks have no Docker daemon to reach"
    return (f"bind mount {source} -> {target} not imported: it mounts files of the machine running compose, which a "
            "Launchbay task does not have; build them into the image (COPY), or keep data in a volume resource")


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = _merge(base.get(k), v)
        return out
    return override


_INTERP = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def _interpolate(value: Any, dotenv: dict[str, str], notes: Notes, file: str, key: str) -> Any:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR:+alt}, $VAR and $$, resolved
    from the project's .env when it has the variable, else from the default (the deploying shell is unknown)."""
    if isinstance(value, dict):
        return {k: _interpolate(v, dotenv, notes, file, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, dotenv, notes, file, f"{key}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str) or "$" not in value:
        return value

    def sub(m: re.Match) -> str:
        if m.group(1):
            return "$"
        var = m.group(2) or m.group(5)
        op, arg = m.group(3), m.group(4) or ""
        if var in dotenv:
            present = dotenv[var] != "" or not (op or "").startswith(":")
            if op and op.endswith("+"):
                return arg if present else ""
            return dotenv[var] if present or not op or op.endswith("?") else arg
        if op and op.endswith("-"):
            notes.add(file, key, f"${{{var}}} is not in .env: its default {arg!r} was used; the value from the "
                                 "shell running compose, if any, is unknown here")
            return arg
        notes.add(file, key, f"${{{var}}} has no value here (not in .env, no default): replaced by an empty "
                             "string; set the real value in launchbay.yaml")
        return ""
    return _INTERP.sub(sub, value)


def _parse_env_file(text: str) -> dict[str, str]:
    """KEY=VALUE lines as Compose reads env files: comments, `export`, single or double quotes."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            continue
        if value[:1] in ("'", '"') and value.find(value[0], 1) > 0:
            quote = value[0]
            value = value[1:value.find(quote, 1)]   # anything after the closing quote is a comment
            if quote == '"':
                value = value.replace("\\n", "\n")
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[key] = value
    return out


def _base(image: Any) -> str:
    """An image's name without registry, path, tag or digest: softwaremill/elasticmq-native:1.5 -> elasticmq-native."""
    return str(image or "").split("@")[0].rsplit("/", 1)[-1].split(":")[0].lower()


def _data_store(image: Any) -> Optional[tuple[str, str]]:
    return DATA_STORES.get(_base(image)) if image else None


def _emulator_message(raw: str, image: str, services: dict) -> str:
    host = _host_pattern(raw)
    users = [f"{k} of {other}" for other, spec in services.items() if other != raw and isinstance(spec, dict)
             for k, v in _env_pairs(spec) if v is not None and host.search(str(v))]
    return (f"{raw} runs {image}, an SQS emulator ({SQS_EMULATORS[_base(image)]}): imported as a service like the "
            "others, not as managed queues, since its queues are named in its own configuration, which these files "
            "do not hold. On Launchbay a queue resource (kind: queue, SQS with a dead-letter queue) replaces each of "
            "them: add one per queue and link it to the services that use it; they get its URL (<NAME>_QUEUE_URL) "
            f"and reach SQS through their own IAM role, without an endpoint or credentials pointing at {raw}"
            + (f" ({', '.join(users)} point{'s' if len(users) == 1 else ''} at it)" if users else "")
            + f". Then remove the {raw} service")


def _store_message(raw: str, image: str, product: str, variable: str, services: dict, imported: dict) -> str:
    host = _host_pattern(raw)
    users = []
    for other, spec in services.items():
        if other != raw and isinstance(spec, dict):
            users += [f"{k} of {other}" for k, v in _env_pairs(spec) if v is not None and host.search(str(v))]
    where = (f"{', '.join(users)} point{'s' if len(users) == 1 else ''} at it: give "
             f"{'it' if len(users) == 1 else 'them'} its address (as a secret if it holds a password)"
             if users else f"No imported variable names host {raw!r}; apps usually read {variable} (set it to its "
                           "address)")
    return (f"{raw} runs {image}: not imported; Launchbay has no managed {product} (run it yourself or use a "
            f"hosted one). {where}")


def _resource(raw: str, image: str, services: dict, out: dict, names: dict[str, str], notes: Notes,
              file: str) -> dict:
    """The managed resource replacing the container, and links from the services that use it: the
    variable whose value is a URL naming its host (that value is dropped: the link provides it),
    else, for a depends_on, the kind's usual variable."""
    kind, key, name = image_kind(image) or "", f"services.{raw}", resource_name(raw)
    res = {"kind": kind, "version": version_of(kind, image_tag(image), notes, file, key, f"{raw} runs {image}")}
    base = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0].lower()
    if base == "mariadb":
        notes.add(file, key, "MariaDB becomes a MySQL resource (RDS MySQL): most apps work unchanged; test it")
    elif base == "postgis":
        notes.add(file, key, "PostGIS: RDS PostgreSQL has the postgis extension: run CREATE EXTENSION postgis")
    host, linked = _host_pattern(raw), []
    for other, spec in services.items():
        svc = out.get(names.get(str(other), ""))
        if svc is None or not isinstance(spec, dict):
            continue
        pointing = [k for k, v in _env_pairs(spec) if v is not None and host.search(str(v))]
        urls = [k for k in pointing if "://" in str(dict(_env_pairs(spec))[k])]
        variable = urls[0] if urls else (KINDS[kind].variable if raw in _depends(spec) else None)
        if variable is None:
            continue
        where = f"services.{other}.environment.{variable}"
        if not urls and variable in (svc.get("env") or {}):
            notes.add(file, where, f"{other} depends on {raw} but already sets {variable}: not linked; link "
                                   f"{name} under another variable")
            continue
        (svc.get("env") or {}).pop(variable, None)
        if variable in svc.get("secrets", []):
            svc["secrets"].remove(variable)
        # what was said about the dropped value (a credential in it, an unset ${VAR}) no longer applies
        notes.items[:] = [n for n in notes.items if n["key"] != where]
        for part in ("env", "secrets"):
            if part in svc and not svc[part]:
                del svc[part]
        svc.setdefault("links", {})[name] = variable
        linked.append(f"{names[str(other)]} as {variable}")
        for k in pointing:
            if k != variable:
                notes.add(file, f"services.{other}.environment.{k}",
                          f"{k} names host {raw!r}: the link gives {variable} (a URL); set {k} from it")
    said = (f"linked to {', '.join(linked)} (the connection URL, with generated credentials, replaces the value "
            "that named the container)" if linked else
            f"no service points at it: link it to the services that use it (they receive {KINDS[kind].variable})")
    notes.add(file, key, f"{raw} runs {image}: imported as the managed {kind} resource {name!r} "
                         f"(version {res['version']}), {said}. Its data is not copied: restore a dump into it")
    return res


def _depends(spec: dict) -> set[str]:
    deps = spec.get("depends_on") or []
    return {str(d) for d in (deps if isinstance(deps, (list, dict)) else [])}


def _env_pairs(spec: dict) -> list[tuple[str, Any]]:
    env = spec.get("environment") or {}
    if isinstance(env, dict):
        return list(env.items())
    return [(str(e).partition("=")[0], str(e).partition("=")[2]) for e in env]


def _host_pattern(name: str) -> re.Pattern:
    """`name` used as a host: db:5432, postgres://u:p@db/x, http://backend, =backend."""
    return re.compile(rf"(?:^|[/@=,\s]){re.escape(name)}(?=[:/,\s]|$)")


def _host_references(services: dict, stores: set[str], notes: Notes, file: str) -> None:
    """Compose's network lets a service call another by its name; on Launchbay the name carries the
    environment's private domain (README: Private networking). `stores`: the services that are no
    app (data stores, SQS emulators), said on their own."""
    apps = [str(n) for n, s in services.items() if isinstance(s, dict) and str(n) not in stores]
    for raw in apps:
        for var, value in _env_pairs(services[raw]):
            for other in apps:
                if other != raw and value is not None and _host_pattern(other).search(str(value)):
                    notes.add(file, f"services.{raw}.environment.{var}",
                              f"{var} calls service {other!r} by its Compose host name: on Launchbay its host is "
                              f"{dns_label(other, 63)}.<LAUNCHBAY_PRIVATE_DOMAIN> (a web service's private address, "
                              f"shown by `launchbay services show {other}`; make {other} a web service if it is "
                              f"not): set {var} to it, or build it in the app from LAUNCHBAY_PRIVATE_DOMAIN")


def _port(entry: Any, notes: Notes, file: str, key: str) -> Optional[int]:
    """Container port of one `ports` entry: '8080:80', '127.0.0.1:8080:80/tcp', 80, {target: 80, ...}."""
    if isinstance(entry, dict):
        target, published, proto = entry.get("target"), entry.get("published"), entry.get("protocol", "tcp")
    else:
        text = str(entry)
        text, _, proto = text.partition("/")
        parts = text.rsplit(":", 2) if text.count(":") <= 2 else [text]
        target = parts[-1]
        published = parts[-2] if len(parts) >= 2 else None
    proto = proto or "tcp"
    if proto != "tcp":
        notes.add(file, key, f"{proto} port {entry!r} not imported: Launchbay routes HTTP")
        return None
    target_text = str(target)
    if "-" in target_text:
        notes.add(file, key, f"port range {target_text} not imported: the first port is used")
        target_text = target_text.split("-")[0]
    try:
        port = int(target_text)
    except ValueError:
        notes.add(file, key, f"port {entry!r} is not readable; not imported")
        return None
    if published not in (None, "") and str(published).split("-")[0] != str(port):
        notes.add(file, key, f"host port {published} not imported: the service answers on HTTPS (443) at its "
                             f"domain and its container port {port} is what the load balancer calls")
    return port


# logging drivers that keep the lines on the host (Launchbay collects stdout/stderr instead)
LOCAL_DRIVERS = ("json-file", "local", "journald", "none")
DRAIN_HINT = ("to send the logs on, add a log_drain resource (destination datadog or newrelic, or http with the URL "
              "of a receiver that takes Amazon Data Firehose deliveries), e.g. `launchbay resources create logs "
              "--kind log-drain --destination datadog --access-key-env DD_API_KEY`")


def _logging(logging: Any) -> str:
    """A service's `logging` in words: a driver that keeps the lines on the host needs nothing; one
    that ships them elsewhere (syslog, fluentd, gelf, splunk, awslogs...) is what a log drain replaces."""
    driver = str(logging.get("driver") or "json-file") if isinstance(logging, dict) else "json-file"
    if driver in LOCAL_DRIVERS:
        return (f"logging driver {driver} is not imported: Launchbay collects stdout/stderr into CloudWatch Logs "
                "(`launchbay logs`)")
    return (f"logging driver {driver} (and its options) is not imported: Launchbay collects stdout/stderr into "
            f"CloudWatch Logs (`launchbay logs`); {DRAIN_HINT}")


def _service(raw: str, spec: dict, notes: Notes, file: str, root: str, files: dict[str, str],
             dotenv: dict[str, str]) -> Optional[dict]:
    key = f"services.{raw}"
    svc: dict[str, Any] = {}
    image, build = spec.get("image"), spec.get("build")
    if build is not None:
        b = {"context": build} if isinstance(build, str) else dict(build)
        context = posixpath.normpath(posixpath.join(root, str(b.get("context") or ".")))
        dockerfile = posixpath.normpath(posixpath.join(context, str(b.get("dockerfile") or "Dockerfile")))
        svc["source"] = {"dockerfile": dockerfile, "context": context}
        notes.add(file, f"{key}.build", "built from source: set source.repo (owner/name) and source.branch in "
                                        "launchbay.yaml; paths are relative to the repository root")
        if image:
            notes.add(file, f"{key}.image", f"image {image!r} is the tag Compose gives the build; the source is used")
        for k in b:
            if k == "args":
                args = build_args(b["args"], notes, file, f"{key}.build.args")
                if args:
                    svc["build_env"] = args
            elif k == "target":
                notes.add(file, f"{key}.build.target", f"build target {b['target']!r} is not imported: Launchbay "
                                                       "builds the Dockerfile's last stage")
            elif k not in ("context", "dockerfile"):
                notes.add(file, f"{key}.build.{k}", f"build option {k!r} is not imported")
    elif image:
        if not valid_image(str(image)):
            notes.add(file, f"{key}.image", f"image {image!r} is not an image reference Launchbay accepts; "
                                            "service not imported")
            return None
        svc["image"] = str(image)
    else:
        notes.add(file, key, "neither image nor build: not imported")
        return None
    ports = [p for i, e in enumerate(spec.get("ports") or [])
             if (p := _port(e, notes, file, f"{key}.ports[{i}]")) is not None]
    exposed = [str(e).split("/")[0].split("-")[0] for e in spec.get("expose") or []]
    if ports:
        svc = {"kind": "web", **svc, "port": ports[0]}
        if len(set(ports)) > 1:
            notes.add(file, f"{key}.ports", f"a web service has one port: {ports[0]} kept, "
                                            f"{', '.join(map(str, sorted(set(ports[1:]))))} not imported")
        if exposed:
            notes.add(file, f"{key}.expose", "expose is not imported: only the published port is served")
    else:
        svc = {"kind": "worker", **svc}
        if exposed:
            notes.add(file, f"{key}.expose", f"port {', '.join(exposed)} is open only to other services in Compose: "
                                             "imported as a worker so nothing private becomes public. Only web "
                                             "services get a private address: if other services call it, make it a "
                                             f"web service with port {exposed[0]}; they reach it at "
                                             f"{dns_label(raw, 63)}.<LAUNCHBAY_PRIVATE_DOMAIN>:{exposed[0]} (it then answers on the "
                                             "load balancer too)")
    cmd = split_command(spec.get("command"), notes, file, f"{key}.command")
    entry = split_command(spec.get("entrypoint"), notes, file, f"{key}.entrypoint")
    cmd = join_entrypoint(entry, cmd, notes, file, f"{key}.entrypoint")
    if cmd:
        svc["command"] = cmd
    env = _environment(raw, spec, notes, file, root, files, dotenv)
    env_vars, secrets = split_env(env, notes, file, f"{key}.environment")
    if env_vars:
        svc["env"] = env_vars
    if secrets:
        svc["secrets"] = sorted(secrets)
    if "healthcheck" in spec:
        _healthcheck(svc, spec["healthcheck"], notes, file, f"{key}.healthcheck")
    _deploy(svc, spec, notes, file, key)
    _platform(svc, spec.get("platform"), notes, file, f"{key}.platform")
    handled = {"image", "build", "ports", "expose", "command", "entrypoint", "environment", "env_file", "healthcheck",
               "deploy", "cpus", "mem_limit", "scale", "profiles", "volumes", "platform"}   # volumes: _volumes
    for k in spec:
        if k in handled:
            continue
        if k.startswith("x-"):
            notes.add(file, f"{key}.{k}", "extension field: not imported")
        elif k == "logging":
            notes.add(file, f"{key}.{k}", _logging(spec[k]))
        else:
            notes.add(file, f"{key}.{k}", SERVICE_KEYS.get(k, f"{k!r} is not imported"))
    if spec.get("profiles"):
        notes.add(file, f"{key}.profiles", f"Compose starts this service only with profile(s) "
                                           f"{', '.join(map(str, spec['profiles']))}; it was imported into "
                                           "production anyway: remove it there if it is a development helper")
    return svc


def _platform(svc: dict, platform: Any, notes: Notes, file: str, key: str) -> None:
    """`platform: linux/arm64` (os/arch[/variant], as Docker names it) -> architecture: arm64 (AWS
    Graviton); linux/amd64 is Launchbay's default. What Fargate does not run (Windows, 32-bit ARM,
    386, ...) is a warning: the service runs on x86_64."""
    if platform in (None, ""):
        return
    family, _, arch = str(platform).strip().lower().partition("/")
    arch = arch.split("/")[0]   # linux/arm64/v8: the variant says nothing more
    if family == "linux" and arch in ("arm64", "aarch64"):
        svc["architecture"] = "arm64"
    elif family == "linux" and arch in ("amd64", "x86_64", ""):
        return
    elif family != "linux":
        notes.add(file, key, f"platform {platform}: Windows and other non-Linux containers are not supported: "
                             "Launchbay runs Linux containers on Fargate (linux/amd64 or linux/arm64); not imported")
    else:
        notes.add(file, key, f"platform {platform} is not one Fargate runs (linux/amd64 or linux/arm64); not "
                             "imported: the service runs on x86_64 (linux/amd64), so its image needs that variant")


def _environment(raw: str, spec: dict, notes: Notes, file: str, root: str, files: dict[str, str],
                 dotenv: dict[str, str]) -> dict[str, Any]:
    key = f"services.{raw}"
    env: dict[str, Any] = {}
    env_files = spec.get("env_file")
    for i, item in enumerate([env_files] if isinstance(env_files, str) else (env_files or [])):
        path, required = (item.get("path"), item.get("required", True)) if isinstance(item, dict) else (item, True)
        full = posixpath.normpath(posixpath.join(root, str(path)))
        if full in files:
            env.update(_parse_env_file(files[full]))
        else:
            notes.add(file, f"{key}.env_file[{i}]", f"env file {full} was not given{'' if required else ' (optional)'}"
                                                    ": its variables are not imported")
    listed = spec.get("environment") or {}
    pairs = listed.items() if isinstance(listed, dict) else ((str(e).partition("=")[0], str(e).partition("=")[2]
                                                               if "=" in str(e) else None) for e in listed)
    for name, value in pairs:
        if value is None:
            if name in dotenv:
                value = dotenv[name]
            else:
                notes.add(file, f"{key}.environment.{name}", f"{name} takes its value from the shell running "
                                                             "compose: not imported; set it in launchbay.yaml")
                continue
        env[name] = value
    return env


_HTTP_URL = re.compile(r"(?:https?://)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::\d+)?(/[^\s'\"|;&)]*)?")


def _healthcheck(svc: dict, hc: Any, notes: Notes, file: str, key: str) -> None:
    if not isinstance(hc, dict):
        return
    test = hc.get("test")
    if hc.get("disable") or test == ["NONE"] or test == "NONE":
        notes.add(file, key, "health check disabled in Compose: Launchbay's default HTTP check applies to web services")
        return
    text = " ".join(map(str, test[1:] if isinstance(test, list) and test and test[0] in ("CMD", "CMD-SHELL")
                        else test if isinstance(test, list) else [test]))
    if svc["kind"] != "web":
        notes.add(file, key, f"container health check {text!r} not imported: Launchbay checks only web services, "
                             "over HTTP")
        return
    m = _HTTP_URL.search(text)
    path = (m.group(1) or "/") if m else "/"
    notes.add(file, key, f"container health check {text!r} replaced by an HTTP check of path {path}"
                         f"{' (found in the command)' if m else ' (no URL in the command: check the path)'} on the "
                         "service port")
    values: dict[str, Any] = {"path": path}
    for src, dst in (("interval", "interval_seconds"), ("timeout", "timeout_seconds"),
                     ("start_period", "grace_period_seconds")):
        if src in hc:
            values[dst] = duration_seconds(hc[src])
    if "retries" in hc:
        values["unhealthy_threshold"] = hc["retries"]
    for k in hc:
        if k not in ("test", "interval", "timeout", "start_period", "retries", "disable"):
            notes.add(file, f"{key}.{k}", f"health check setting {k!r} is not imported")
    svc["health_check"] = health_check(values, notes, file, key)


_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bkmg]?)i?b?\s*$", re.I)


def _mib(value: Any) -> Optional[float]:
    """'512M', '1g', '1.5gb', 536870912 (bytes) -> MiB."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value / 1048576
    m = _MEMORY.match(str(value))
    if not m:
        return None
    scale = {"": 1 / 1048576, "b": 1 / 1048576, "k": 1 / 1024, "m": 1, "g": 1024}[m.group(2).lower()]
    return float(m.group(1)) * scale


def _deploy(svc: dict, spec: dict, notes: Notes, file: str, key: str) -> None:
    deploy = spec.get("deploy") or {}
    limits = ((deploy.get("resources") or {}).get("limits") or {}) if isinstance(deploy, dict) else {}
    cpus = limits.get("cpus", spec.get("cpus"))
    memory = limits.get("memory", spec.get("mem_limit"))
    cpu_units = mib = None
    try:
        cpu_units = float(cpus) * 1024 if cpus is not None else None
    except (TypeError, ValueError):
        notes.add(file, f"{key}.deploy.resources.limits.cpus", f"cpus {cpus!r} is not a number; not imported")
    if memory is not None:
        mib = _mib(memory)
        if mib is None:
            notes.add(file, f"{key}.deploy.resources.limits.memory", f"memory {memory!r} is not readable; not imported")
    size_key = f"{key}.deploy.resources.limits" if limits else f"{key}.{'cpus' if 'cpus' in spec else 'mem_limit'}"
    apply_size(svc, cpu_units, mib, notes, file, size_key)
    replicas = deploy.get("replicas", spec.get("scale")) if isinstance(deploy, dict) else spec.get("scale")
    if replicas is not None:
        n = max(0, min(int(replicas), 100))
        svc["min_instances"], svc["max_instances"] = n, max(1, n)
    for k, v in (deploy.items() if isinstance(deploy, dict) else []):
        if k == "replicas":
            continue
        if k == "resources":
            for part in v or {}:
                if part == "limits":
                    for lk in v[part] or {}:
                        if lk not in ("cpus", "memory"):
                            notes.add(file, f"{key}.deploy.resources.limits.{lk}", f"limit {lk!r} is not imported")
                else:
                    notes.add(file, f"{key}.deploy.resources.{part}", f"resource {part} are not imported: Fargate "
                                                                      "reserves the task size (limits) in full")
            continue
        notes.add(file, f"{key}.deploy.{k}", f"deploy.{k} is not imported")
