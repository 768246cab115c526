"""Data stores an importer meets (a Compose `postgres:15` service, a Heroku add-on) as managed
resources: the kind, the version when the source names one Launchbay offers, and a warning
naming what could not be matched."""
from __future__ import annotations

import re
from typing import Optional

from chalicelib.configfile.importers.common import Notes, slug
from chalicelib.resources.kinds import KINDS

# image name (last path part, tag removed) -> resource kind
IMAGE_KINDS = {"postgres": "postgres", "postgresql": "postgres", "postgis": "postgres", "mysql": "mysql",
               "mariadb": "mysql", "redis": "redis", "valkey": "redis"}
_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?")


def image_kind(image: str) -> Optional[str]:
    return IMAGE_KINDS.get(image.split("@")[0].rsplit("/", 1)[-1].split(":")[0].lower())


def image_tag(image: str) -> str:
    last = image.split("@")[0].rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "latest"


def version_of(kind: str, tag: str, notes: Notes, file: str, key: str, what: str) -> str:
    """The offered version the tag names (major, or major.minor), else the kind's default, said."""
    k = KINDS[kind]
    m = _VERSION.match(tag)
    if m:
        for candidate in (f"{m.group(1)}.{m.group(2)}" if m.group(2) else None, m.group(1)):
            if candidate in k.versions:
                return candidate
    notes.add(file, key, f"{what}: version {tag!r} is not one Launchbay offers for {kind} "
                         f"({', '.join(k.versions)}): {k.default_version} is used; check the app works with it")
    return str(k.default_version)


def resource_name(raw: str) -> str:
    name = slug(raw, 32)
    return name if len(name) >= 2 else f"{name}-db"
