"""Heroku (Procfile + app.json) -> launchbay.yaml. Process types become services (web -> web on
port 8080 with PORT set, others -> workers), app.json's env becomes the environment's variables
and secret names, and `review` apps become a `review` environment. The heroku-postgresql and
heroku-redis add-ons become managed resources (plan -> size, stated in a warning) linked to every
process under the variable Heroku sets; other add-ons are named in a warning."""
from __future__ import annotations

import copy
import re
from typing import Any, Optional

from chalicelib.configfile.importers.common import (
    DEFAULT_ENVIRONMENT,
    ImportFileError,
    ImportResult,
    Notes,
    build_document,
    environment_name,
    load_json,
    service_name,
    shell_command,
    snap_size,
    split_env,
    valid_image,
)
from chalicelib.configfile.importers.stores import resource_name, version_of

WEB_PORT = 8080
PROCESS_LINE = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(.*)$")
CLOCK_TYPES = re.compile(r"^(clock|scheduler|cron|beat|celerybeat|celery-beat|schedule|scheduled|timer)$", re.I)
# dyno size -> (Fargate cpu, memory MiB) giving at least the dyno's RAM
DYNO_SIZES = {"free": (256, 512), "eco": (256, 512), "hobby": (256, 512), "basic": (256, 512),
              "standard-1x": (256, 512), "standard-2x": (512, 1024), "performance-m": (1024, 3072),
              "performance-l": (4096, 14336), "performance-l-ram": (4096, 30720),
              "performance-xl": (4096, 30720), "performance-2xl": (4096, 30720),
              "private-s": (512, 1024), "private-m": (1024, 3072), "private-l": (4096, 14336),
              "shield-s": (512, 1024), "shield-m": (1024, 3072), "shield-l": (4096, 14336)}
# add-on -> (what it is, the variable it sets)
ADDONS = {"heroku-postgresql": ("a PostgreSQL database", "DATABASE_URL"),
          "heroku-redis": ("a Redis instance", "REDIS_URL"),
          "rediscloud": ("a Redis instance", "REDISCLOUD_URL"),
          "openredis": ("a Redis instance", "OPENREDIS_URL"),
          "memcachier": ("a Memcached cache", "MEMCACHIER_SERVERS"),
          "cloudamqp": ("a RabbitMQ broker", "CLOUDAMQP_URL"),
          "mongolab": ("a MongoDB database", "MONGODB_URI"),
          "heroku-kafka": ("a Kafka cluster", "KAFKA_URL"),
          "bonsai": ("an Elasticsearch cluster", "BONSAI_URL"),
          "searchbox": ("an Elasticsearch cluster", "SEARCHBOX_URL")}
# add-on -> (resource kind, its name in launchbay.yaml); plan tier -> size with at least the plan's memory
ADDON_RESOURCES = {"heroku-postgresql": ("postgres", "db"), "heroku-redis": ("redis", "redis")}
PG_SIZES = {"mini": "db.t4g.micro", "basic": "db.t4g.micro", "hobby-dev": "db.t4g.micro",
            "hobby-basic": "db.t4g.micro", "essential-0": "db.t4g.micro", "essential-1": "db.t4g.micro",
            "essential-2": "db.t4g.small", "0": "db.t4g.medium", "2": "db.t4g.large", "3": "db.r7g.large",
            "4": "db.r7g.xlarge"}
REDIS_SIZES = {"mini": "cache.t4g.micro", "hobby-dev": "cache.t4g.micro", "0": "cache.t4g.micro",
               "1": "cache.t4g.micro", "2": "cache.t4g.micro", "3": "cache.t4g.micro", "5": "cache.t4g.small",
               "7": "cache.r7g.large", "9": "cache.r7g.large"}
LOG_ADDONS = ("papertrail", "logentries", "timber-logging", "loggly", "logdna", "sumologic", "coralogix",
              "solarwinds", "mezmo", "sematext")
# logging add-ons whose vendor also takes Amazon Data Firehose's HTTP endpoint deliveries
FIREHOSE_LOG_ADDONS = {"coralogix": "Coralogix", "sumologic": "Sumo Logic"}
# set by Heroku itself (dyno metadata), not by the app's owner
DYNO_METADATA = {"HEROKU_APP_ID", "HEROKU_APP_NAME", "HEROKU_RELEASE_CREATED_AT", "HEROKU_RELEASE_VERSION",
                 "HEROKU_SLUG_COMMIT", "HEROKU_SLUG_DESCRIPTION", "HEROKU_DYNO_ID", "DYNO", "PORT"}
METADATA_KEYS = ("name", "description", "keywords", "website", "logo", "repository")
GITHUB_REPO = re.compile(r"^(?:https?://|git@)github\.com[/:]([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(?:\.git)?/?$")


def import_heroku(files: dict[str, str]) -> ImportResult:
    notes = Notes()
    app_path = _find(files, "app.json")
    proc_path = _find(files, "Procfile")
    for path in files:
        if path not in (app_path, proc_path):
            notes.add(path, "", "not app.json or a Procfile; not read")
    app = load_json(app_path, files[app_path]) if app_path else {}
    processes: dict[str, Optional[str]] = dict(_procfile(proc_path, files[proc_path], notes)) if proc_path else {}
    app_file = app_path or "app.json"
    formation = app.get("formation") or {}
    if not isinstance(formation, dict):
        notes.add(app_file, "formation", "formation is not a mapping; not imported")
        formation = {}
    if not processes:
        if proc_path is None and formation:
            processes = {name: None for name in formation}
            notes.add(app_file, "formation", "no Procfile: process types taken from formation, each running the "
                                             "image's default command")
        else:
            raise ImportFileError(proc_path or app_path or "Procfile", "no process types: a Procfile lists them as "
                                  "`web: <command>` lines (and app.json's formation names them)")
    base = _base(app, app_path, notes)
    services: dict[str, dict] = {}
    for ptype, command in processes.items():
        key = ptype
        if ptype == "release":   # given to a service below, once the services exist
            continue
        name = service_name(ptype, notes, proc_path or app_file, key)
        svc: dict[str, Any] = {"kind": "web" if ptype == "web" else "worker", **base}
        if ptype == "web":
            svc["port"] = WEB_PORT
            svc["env"] = {"PORT": str(WEB_PORT)}
            notes.add(proc_path or app_file, key, f"Heroku gives web dynos $PORT: Launchbay sets PORT={WEB_PORT} "
                                                  f"and sends traffic to port {WEB_PORT}")
        elif CLOCK_TYPES.match(ptype):
            notes.add(proc_path or app_file, key, f"{ptype!r} looks like a clock process (it schedules work "
                                                  "itself): imported as a worker running one instance; if it only "
                                                  "triggers jobs, a cron service with a schedule can replace it")
        if command:
            svc["command"] = shell_command(command)
            if svc["command"][:2] == ["sh", "-c"]:
                notes.add(proc_path or app_file, key, "command uses shell features ($VAR, &&, pipes ...): run "
                                                      "through sh -c as Heroku does")
        _formation(svc, formation.get(ptype), notes, app_file, f"formation.{ptype}")
        services[name] = svc
    for ptype in formation:
        if ptype not in processes:
            notes.add(app_file, f"formation.{ptype}", f"process type {ptype!r} is not in the Procfile; not imported")
    if not services:
        raise ImportFileError(proc_path or app_file, "nothing to import: the only process type is release")
    release = processes.get("release")
    if release:
        # Heroku runs the release phase once per release of the app; Launchbay runs a service's
        # release_command before each of its deploys: the web process's (else the first one's).
        owner = "web" if "web" in services else next(iter(services))
        services[owner]["release_command"] = shell_command(release)
        notes.add(proc_path or app_file, "release", f"release phase ({release}) -> release_command of "
                                                    f"{owner!r}: it runs before each deploy of {owner!r} goes out (a "
                                                    "failure stops the deploy), not for the other services")
    env, secrets = _env(app.get("env") or {}, notes, app_file, "env")
    environments = {DEFAULT_ENVIRONMENT: {"env": env, "secrets": secrets, "services": services}}
    app_resources = _addons(app.get("addons") or [], notes, app_file, "addons")
    _with_resources(environments[DEFAULT_ENVIRONMENT], app_resources)
    scripts = app.get("scripts") or {}
    for k, v in scripts.items():
        hint = "run it as a one-off task after the first deploy" if k == "postdeploy" else "no equivalent"
        notes.add(app_file, f"scripts.{k}", f"script {k!r} ({v}) is not imported: {hint}")
    for raw, block in (app.get("environments") or {}).items():
        env_name = environment_name(str(raw), notes, app_file, f"environments.{raw}")
        _environment(env_name, block or {}, services, env, secrets, environments, notes, app_file, app_resources)
    for k in app:
        if k not in (*METADATA_KEYS, "env", "formation", "addons", "scripts", "environments", "buildpacks", "stack",
                     "image"):
            notes.add(app_file, k, f"{k!r} is not imported")
    return ImportResult(build_document(environments), notes.items)


def _find(files: dict[str, str], name: str) -> Optional[str]:
    found = sorted((p for p in files if p.rsplit("/", 1)[-1] == name), key=lambda p: (p.count("/"), p))
    return found[0] if found else None


def _procfile(path: str, text: str, notes: Notes) -> dict[str, str]:
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = PROCESS_LINE.match(stripped)
        if not m or not m.group(2).strip():
            notes.add(path, f"line {n}", f"not a `type: command` line: {stripped[:80]!r}; ignored")
            continue
        if m.group(1) in out:
            notes.add(path, m.group(1), f"process type {m.group(1)!r} given twice (line {n}); the last one is used")
        out[m.group(1)] = m.group(2).strip()
    return out


def _base(app: dict, app_path: Optional[str], notes: Notes) -> dict:
    """image or source shared by every process type: Heroku builds one slug for the whole app."""
    file = app_path or "app.json"
    image = app.get("image")
    buildpacks = [b.get("url") if isinstance(b, dict) else b for b in app.get("buildpacks") or []]
    if buildpacks:
        notes.add(file, "buildpacks", f"buildpacks ({', '.join(map(str, buildpacks))}) are not used: Launchbay builds "
                                      "from a Dockerfile; write one (or build an image with Cloud Native Buildpacks, "
                                      "`pack build`) before deploying")
    if app.get("stack"):
        notes.add(file, "stack", f"stack {app['stack']!r} is not imported: the Dockerfile's base image decides")
    if isinstance(image, str) and valid_image(image):
        notes.add(file, "image", f"image {image!r} was the heroku-docker base image: imported as the image every "
                                 "process runs; replace it with the app's own image")
        return {"image": image}
    if image:
        notes.add(file, "image", f"image {image!r} is not an image reference Launchbay accepts; built from source instead")
    source: dict[str, str] = {}
    m = GITHUB_REPO.match(str(app.get("repository") or ""))
    if m:
        source["repo"] = m.group(1)
    source.update({"dockerfile": "Dockerfile", "context": "."})
    notes.add(file, "repository", "built from source with ./Dockerfile (Heroku built a slug with "
                                               f"buildpacks): {'set' if m else 'set source.repo (owner/name) and'} "
                                               "source.branch in launchbay.yaml and add a Dockerfile")
    return {"source": source}


def _formation(svc: dict, spec: Any, notes: Notes, file: str, key: str) -> None:
    if not isinstance(spec, dict):
        return
    if "quantity" in spec:
        n = max(0, min(int(spec["quantity"]), 100))
        svc["min_instances"], svc["max_instances"] = n, max(1, n)
        if n == 0:
            notes.add(file, f"{key}.quantity", "quantity 0: imported with min_instances 0")
    if "size" in spec:
        size = str(spec["size"]).lower()
        if size in DYNO_SIZES:
            svc["cpu"], svc["memory"] = DYNO_SIZES[size]
            notes.add(file, f"{key}.size", f"dyno size {size} approximated as Fargate cpu {svc['cpu']} / memory "
                                           f"{svc['memory']} MiB")
        else:
            svc["cpu"], svc["memory"] = snap_size(None, None)
            notes.add(file, f"{key}.size", f"dyno size {size!r} is unknown: Launchbay's smallest size used")
    for k in spec:
        if k not in ("quantity", "size"):
            notes.add(file, f"{key}.{k}", f"formation setting {k!r} is not imported")


def _env(spec: Any, notes: Notes, file: str, key: str) -> tuple[dict[str, str], list[str]]:
    """app.json env: "NAME": "value" or {value, description, required, generator}."""
    if not isinstance(spec, dict):
        notes.add(file, key, "env is not a mapping; not imported")
        return {}, []
    values: dict[str, Any] = {}
    secrets: list[str] = []
    for name, item in spec.items():
        where = f"{key}.{name}"
        if name in DYNO_METADATA:
            notes.add(file, where, f"{name} is set by Heroku (dyno metadata / runtime); Launchbay does not set it: "
                                   "give it a value in launchbay.yaml if the app reads it")
            continue
        if not isinstance(item, dict):
            values[name] = item
            continue
        if item.get("generator") == "secret":
            secrets.append(name)
            notes.add(file, where, f"{name} was generated by Heroku (generator: secret): listed as a secret; set a "
                                   "random value with the API or CLI")
        elif "value" in item and item["value"] not in (None, ""):
            values[name] = item["value"]
        elif item.get("required", True) is not False:
            secrets.append(name)
            notes.add(file, where, f"{name} is required and has no value in app.json: listed as a secret; set its "
                                   "value with the API or CLI (or move it to env if it is not sensitive)")
        else:
            notes.add(file, where, f"{name} is optional and has no value: not imported")
        for k in item:
            if k not in ("value", "description", "required", "generator"):
                notes.add(file, f"{where}.{k}", f"env setting {k!r} is not imported")
    env, more = split_env(values, notes, file, key)
    return env, secrets + more


def _with_resources(environment: dict, resources: dict[str, tuple[dict, str]]) -> None:
    """Add the resources to the environment, each linked to every process (as Heroku attaches an
    add-on to the whole app)."""
    environment["resources"] = {name: spec for name, (spec, _) in resources.items()}
    for svc in environment["services"].values():
        svc.pop("links", None)
        if resources:
            svc["links"] = {name: variable for name, (_, variable) in resources.items()}
        taken = set(svc.get("env") or {}) & set(svc.get("links", {}).values())
        for variable in taken:   # the link provides it
            svc["env"].pop(variable)


def _resource(name: str, plan: str, addon: Any, variable: str, notes: Notes, file: str, where: str) -> dict:
    kind = ADDON_RESOURCES[name][0]
    tier = plan.split(":", 1)[1] if ":" in plan else ""
    sizes = PG_SIZES if kind == "postgres" else REDIS_SIZES
    number = tier.rsplit("-", 1)[-1] if tier.startswith(("standard-", "premium-", "private-", "shield-")) else tier
    size = sizes.get(tier) or sizes.get(number)
    spec: dict[str, Any] = {"kind": kind}
    if not tier:
        said = "no plan named: the smallest size"
    elif size is None:
        size = (PG_SIZES["4"] if kind == "postgres" else REDIS_SIZES["9"])
        said = f"plan {tier!r} is larger than the sizes offered: {size}, the largest, is used"
    else:
        said = f"plan {tier!r} -> {size}"
        if tier.startswith(("premium-", "private-", "shield-")) and kind == "postgres":
            said += " (a single instance: the plan's high availability is not matched)"
    if size:
        spec["size"] = size
    options = addon.get("options") if isinstance(addon, dict) else None
    if isinstance(options, dict) and options.get("version"):
        spec["version"] = version_of(kind, str(options["version"]), notes, file, where, f"add-on {plan}")
    notes.add(file, where, f"add-on {plan} imported as the managed {kind} resource, linked to every process as {variable}; {said}. "
                           "Its data is not copied: restore a dump into it")
    return spec


def _addons(addons: Any, notes: Notes, file: str, key: str) -> dict[str, tuple[dict, str]]:
    """-> {resource name: (spec, variable)} for the add-ons Launchbay offers as managed resources."""
    made: dict[str, tuple[dict, str]] = {}
    for i, addon in enumerate(addons if isinstance(addons, list) else []):
        plan = str(addon.get("plan") if isinstance(addon, dict) else addon)
        name = plan.split(":")[0]
        alias = addon.get("as") if isinstance(addon, dict) else None
        where = f"{key}[{i}]"
        if name in ADDON_RESOURCES:
            variable = f"{alias}_URL" if alias else ADDONS[name][1]
            res_name = resource_name(str(alias)) if alias else ADDON_RESOURCES[name][1]
            while res_name in made:
                res_name = f"{res_name}-{i}"
            made[res_name] = (_resource(name, plan, addon, variable, notes, file, where), variable)
        elif name in ADDONS:
            what, variable = ADDONS[name]
            if alias:
                variable = f"{alias}_URL"
            hint = (f"declare a redis resource in launchbay.yaml and link it as {variable}, or"
                    if "Redis" in what else f"Launchbay has no managed {what.split(' ', 1)[1]};")
            notes.add(file, where, f"add-on {plan} ({what}) is not imported: {hint} set {variable} (as a secret) to "
                                   "one you run")
        elif name == "scheduler":
            notes.add(file, where, "Heroku Scheduler's jobs are not in app.json: recreate each job as a cron "
                                   "service with its command and schedule")
        elif name in LOG_ADDONS or "log" in name:
            takes = (f"; {FIREHOSE_LOG_ADDONS[name]} takes Firehose deliveries: an http drain with its Firehose "
                     "endpoint URL replaces the add-on" if name in FIREHOSE_LOG_ADDONS else "")
            notes.add(file, where, f"logging add-on {plan} is not imported: Launchbay keeps the services' logs in "
                                   "CloudWatch Logs (`launchbay logs`); to send them on, add a log_drain resource "
                                   "(destination datadog or newrelic, or http with the URL of a receiver that takes "
                                   f"Amazon Data Firehose deliveries){takes}. Heroku's log drains (`heroku "
                                   "drains`) are not in app.json: recreate each as a log_drain")
        else:
            notes.add(file, where, f"add-on {plan} is not imported: provision it yourself and set its variables")
    return made


def _environment(name: str, block: Any, services: dict, env: dict, secrets: list, environments: dict, notes: Notes,
                 file: str, resources: Optional[dict[str, tuple[dict, str]]] = None) -> None:
    key = f"environments.{name}"
    if name == "test" or not isinstance(block, dict):
        notes.add(file, key, "Heroku CI's test setup (scripts, add-ons, env for test runs) is not imported: "
                             "Launchbay does not run tests")
        return
    if name in environments:
        notes.add(file, key, f"settings for {name} are not imported: that environment is the base app")
        return
    over_env, over_secrets = _env(block.get("env") or {}, notes, file, f"{key}.env")
    environments[name] = {"env": {**env, **over_env}, "secrets": secrets + over_secrets,
                          "services": copy.deepcopy(services)}
    label = "review apps" if name == "review" else f"the {name!r} environment"
    notes.add(file, key, f"{label} imported as the {name!r} environment with the same services; Launchbay creates "
                         "no per-pull-request apps")
    for k in block:
        if k == "formation":
            for ptype, spec in (block[k] or {}).items():
                svc_name = next((s for s in services if s == ptype), None)
                if svc_name:
                    _formation(environments[name]["services"][svc_name], spec, notes, file, f"{key}.formation.{ptype}")
        elif k == "addons":   # these add-ons replace the app's in that environment
            resources = _addons(block[k], notes, file, f"{key}.addons")
        elif k != "env":
            notes.add(file, f"{key}.{k}", f"{k!r} is not imported")
    _with_resources(environments[name], resources or {})
