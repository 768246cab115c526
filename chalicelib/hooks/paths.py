"""Watch paths: in a monorepo, a push deploys a service built from it only when the push changes
a file under one of the service's `source.paths` (catalog/models.py Source).

The files come from the push event itself (each commit's added, modified and removed files), so
no call to GitHub is made. When the event cannot tell (no commits listed, as for a force-push to an
older commit, or GitHub's cap of 2,048 commits reached) every service deploys, as without paths.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Optional

COMMITS_CAP = 2048   # GitHub lists at most this many commits in a push event


@lru_cache(maxsize=512)
def _pattern(glob: str) -> re.Pattern[str]:
    """`*` within a folder, `**` across folders, `?` one character; a plain path also matches
    everything below it (`services/api` is `services/api/**`)."""
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out) + "(?:/.*)?")


def matches(glob: str, path: str) -> bool:
    return _pattern(glob).fullmatch(path) is not None


def changed_files(commits: list[dict[str, Any]]) -> Optional[set[str]]:
    """Every file the push's commits touch; None when the event does not say."""
    if not commits or len(commits) >= COMMITS_CAP:
        return None
    files: set[str] = set()
    for c in commits:
        for key in ("added", "modified", "removed"):
            files.update(str(f) for f in c.get(key) or [])
    return files


def skip_reason(service: dict[str, Any], changed: Optional[set[str]]) -> Optional[str]:
    """Why a push leaves the service alone (None: it deploys)."""
    globs = (service.get("source") or {}).get("paths")
    if not globs or changed is None:
        return None
    if any(matches(g, f) for g in globs for f in changed):
        return None
    return f"the push changes nothing under {', '.join(globs)}"
