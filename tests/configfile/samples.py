"""Where the import samples and fixtures are, and how a test reads one case into the importer's
{relative path: text} form."""
from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The samples sit beside the repository (<repo>/../shared/import-samples): in CI shared/ is copied next
# to the clone. A git worktree is one level deeper (<root>/wt/<name>), hence the second candidate.
_REPO = Path(__file__).resolve().parents[2]
_CANDIDATES = [(_REPO / up / "shared/import-samples").resolve() for up in ("..", "../..")]
SAMPLES = next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[0])


def read_case(folder: Path) -> dict[str, str]:
    """Every file of a case under its path relative to the case folder (SOURCE is provenance, not input)."""
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "SOURCE"}


def sample(fmt: str, case: str) -> dict[str, str]:
    folder = SAMPLES / fmt / case
    if not folder.is_dir():
        pytest.skip(f"import sample {fmt}/{case} not found at {folder}: the shared/import-samples folder is "
                    "expected beside the repository")
    return read_case(folder)


def sample_cases(fmt: str) -> list[str]:
    folder = SAMPLES / fmt
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def keys_of(result, file: str) -> set[str]:
    return {w["key"] for w in result.warnings if w["file"] == file}


def message(result, file: str, key: str) -> str:
    found = [w["message"] for w in result.warnings if w["file"] == file and w["key"] == key]
    assert found, f"no warning for {file} {key}: {result.warnings}"
    return " | ".join(found)
