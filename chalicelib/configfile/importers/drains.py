"""Copilot's FireLens log routing (`logging.destination`) -> log_drain resources. A Datadog or
New Relic output becomes a drain to that vendor (its site's Firehose intake), taking the logs of
the services that routed there; the key's SSM parameter is named in a warning, and the drain
reads it from the environment variable of that name (access_key_env) where `launchbay import`/
`apply` runs: the key is never copied. Fluent Bit's other outputs, http among them (Firehose posts
its own format, not Fluent Bit's), are warnings naming what replaces them."""
from __future__ import annotations

import re
from typing import Any, Callable, Optional

from chalicelib.configfile.importers.common import Notes
from chalicelib.resources.drains import DESTINATIONS

# Fluent Bit output -> the drain's destination
OUTPUTS = {"datadog": "datadog", "newrelic": "newrelic", "nrlogs": "newrelic"}
# the key's name among secretOptions (or, in plain text, among the destination's options)
KEY_OPTIONS = {"datadog": ("apikey", "api_key"), "newrelic": ("licensekey", "license_key", "apikey", "api_key")}
DEFAULT_VARIABLES = {"datadog": "DD_API_KEY", "newrelic": "NEW_RELIC_LICENSE_KEY"}
CLOUDWATCH = ("cloudwatch", "cloudwatch_logs")
# Datadog's site, as Fluent Bit's Host names it -> its Firehose intake
DATADOG_SITES = (("us3.datadoghq.com", 1), ("us5.datadoghq.com", 2), ("datadoghq.eu", 3), ("ap1.datadoghq.com", 4))
HANDLED = {"destination", "secretOptions", "enableMetadata", "image"}
Route = tuple[str, Optional[str], str, Optional[str]]   # destination, URL (None: its default), key variable, SSM name


def _option(options: dict, names: tuple[str, ...]) -> Optional[tuple[str, Any]]:
    """(the key as written, its value) of the first of `names` (any case) among `options`."""
    for key, value in options.items():
        if str(key).lower().replace("-", "_") in names:
            return str(key), value
    return None


def _variable(parameter: str, fallback: str) -> str:
    """An SSM parameter's name (/copilot/app/prod/secrets/DD_API_KEY, or an ARN) -> an environment
    variable's name (DD_API_KEY)."""
    last = re.sub(r"[^A-Za-z0-9_]", "_", parameter.rsplit("/", 1)[-1].rsplit(":", 1)[-1]).upper().strip("_")
    return last if re.match(r"^[A-Z_][A-Z0-9_]{0,127}$", last) else fallback


def _url(dest: str, options: dict) -> Optional[str]:
    """The Firehose intake of the site the output sent to; None: the destination's default (US)."""
    found = _option(options, ("host", "base_uri", "endpoint"))
    where = str(found[1]).lower() if found else ""
    if dest == "datadog":
        return next((DESTINATIONS["datadog"].urls[i] for site, i in DATADOG_SITES if site in where), None)
    return DESTINATIONS["newrelic"].urls[1] if ".eu." in where or "eu01" in where else None


def route(logging: Any, service: str, file: str, where: Callable[[str], str],
          notes: Notes) -> Optional[Route]:
    """A service's `logging` -> (destination, url, key variable, SSM parameter) when it routes to
    Datadog or New Relic; otherwise None, with a warning saying why and what replaces it."""
    if not isinstance(logging, dict):
        return None
    rest = [k for k in logging if k not in HANDLED]
    if rest:
        notes.add(file, where("logging"), f"logging {', '.join(map(str, rest))} not imported: Launchbay keeps the "
                                          "services' logs in CloudWatch Logs with its own settings")
    destination = logging.get("destination")
    if not isinstance(destination, dict) or not destination:
        return None
    named = _option(destination, ("name",))
    output = str(named[1] if named else "").lower()
    key = where("logging")
    if output in CLOUDWATCH:
        notes.add(file, key, f"FireLens output {output} not imported: Launchbay keeps the logs in CloudWatch Logs "
                             "already (`launchbay logs`)")
        return None
    dest = OUTPUTS.get(output)
    if dest is None:
        why = ("Firehose posts its own format (batches of records, X-Amz-Firehose-* headers), not Fluent Bit's: "
               "if the receiver takes Amazon Data Firehose deliveries, add a log_drain resource with destination "
               "http and its URL" if output == "http" else
               "a log_drain sends to Datadog, New Relic or an HTTPS endpoint that takes Amazon Data Firehose "
               "deliveries: add one if yours does")
        notes.add(file, key, f"FireLens output {output or '(no Name)'} of {service} not imported: {why}")
        return None
    secret = _option(logging.get("secretOptions") or {}, KEY_OPTIONS[dest]) if isinstance(
        logging.get("secretOptions"), dict) else None
    plain = _option(destination, KEY_OPTIONS[dest])
    if plain is not None:
        notes.add(file, f"{key}.destination.{plain[0]}", f"the manifest holds {service}'s {DESTINATIONS[dest].key_title} in "
                                             "plain text: not copied; rotate it, and keep the new one out of files")
    parameter = str(secret[1]) if secret else None
    variable = _variable(parameter, DEFAULT_VARIABLES[dest]) if parameter else DEFAULT_VARIABLES[dest]
    others = [str(k) for k in destination if str(k).lower() not in ("name", "host", "base_uri", "endpoint", "tls",
                                                                     "port", "compress", "provider",
                                                                     *KEY_OPTIONS[dest])]
    if others:
        notes.add(file, key, f"FireLens options {', '.join(others)} not imported: Firehose sends the CloudWatch Logs "
                             f"records as they are; tag or parse them in {DESTINATIONS[dest].title}")
    return dest, _url(dest, destination), variable, parameter


def add_drains(found: list[tuple[str, str, Route]], environment: dict,
               notes: Notes) -> None:
    """One drain per (destination, URL, key) among the environment's services, taking those that
    routed there (every service when they all did)."""
    groups: dict[tuple, list[tuple[str, str, Optional[str]]]] = {}
    for service, file, (dest, url, variable, parameter) in found:
        groups.setdefault((dest, url, variable), []).append((service, file, parameter))
    resources = environment.setdefault("resources", {})
    for (dest, url, variable), members in groups.items():
        name = dest
        n = 2
        while name in resources:
            name, n = f"{dest}-{n}", n + 1
        services = sorted({m[0] for m in members})
        spec: dict[str, Any] = {"kind": "log_drain", "destination": dest}
        if url:
            spec["url"] = url
        every = set(services) == set(environment.get("services") or {})
        if not every:
            spec["services"] = services
        spec["access_key_env"] = variable
        resources[name] = spec
        title = DESTINATIONS[dest]
        parameter = next((m[2] for m in members if m[2]), None)
        source = f"from SSM parameter {parameter}" if parameter else "not named in the manifest"
        notes.add(members[0][1], "logging", (
            f"FireLens logging to {title.title} of {', '.join(services)} imported as the log drain {name} "
            f"({'every service' if every else 'those services'}; Amazon Data Firehose instead of a FireLens "
            f"sidecar). Its {title.key_title} ({source}) is not copied: export it as {variable} where you run "
            f"`launchbay import`/`apply` (the plan refuses the drain without it), or create the drain first with "
            f"`launchbay resources create {name} --kind log-drain --destination {dest} --access-key-stdin`"))
