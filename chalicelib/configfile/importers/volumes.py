"""Volumes an importer meets (a Compose named volume, a Copilot managed EFS volume) as `volume`
resources (EFS) and the links that mount them: a legal, unused resource name, and a link at the
container path, `:ro` kept, unless the service cannot take it (a path Launchbay refuses, a path
inside another of its volumes, the same volume twice), said in a warning."""
from __future__ import annotations

import re
from typing import Optional

from chalicelib.configfile.importers.common import Notes, slug
from chalicelib.resources.kinds import KINDS
from chalicelib.resources.models import mount_path_problem

__all__ = ["mount", "mount_path_problem", "volume_name"]

VOLUME = KINDS["volume"]


def volume_name(raw: str, taken: set[str], clash: str = "-volume") -> str:
    """A resource name (2-32 lower-case letters, digits, hyphens) for the volume `raw`, not in `taken`
    (the first clash adds `clash`, the next ones -3, -4...)."""
    base = slug(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", raw), 32)   # myVolume -> my-volume
    base = base if len(base) >= 2 else f"{base}-data"
    name, n = base, 1
    while name in taken:
        n += 1
        suffix = clash if n == 2 else f"-{n}"
        name = base[:32 - len(suffix)].rstrip("-") + suffix
    return name


def mount(svc: dict, svc_name: str, resource: str, path: str, read_only: bool, notes: Notes, file: str,
          key: str) -> Optional[str]:
    """Link the volume resource `resource` into `svc` at `path` (`:ro` when read-only) -> how it was
    linked, in words ("web at /data read-only as DATA_PATH"); None, with a warning at `key`, when the
    service cannot take it."""
    path = path.rstrip("/") or "/"
    links = svc.setdefault("links", {})
    if resource in links:
        notes.add(file, key, f"{svc_name} mounts volume {resource!r} a second time, at {path}: not imported (a "
                             f"service links a resource once; it is mounted at {links[resource].split(':')[0]})")
        return None
    for other, there in links.items():
        there = there.rsplit("=", 1)[-1].removesuffix(":ro")
        if there.startswith("/") and (path == there or path.startswith(there + "/") or there.startswith(path + "/")):
            notes.add(file, key, f"{path} is inside volume {other!r} at {there} (or holds it): not imported; "
                                 "mount it at a path apart from the other")
            return None
    variable, env = VOLUME.variable_for(resource), svc.get("env") or {}
    named = ""
    if variable in env and env[variable] == path:
        del env[variable]   # the link gives the same value
        if not env:
            svc.pop("env", None)
    elif variable in env or variable in svc.get("secrets", []):
        named = f"{variable.removesuffix('_PATH')}_MOUNT_PATH="
        notes.add(file, key, f"{svc_name} already sets {variable}: the link gives the mount path as "
                             f"{named[:-1]} instead")
    links[resource] = f"{named}{path}{':ro' if read_only else ''}"
    return f"{svc_name} at {path}{' read-only' if read_only else ''} as {named[:-1] or variable}"
