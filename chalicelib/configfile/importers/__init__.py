"""Importers: AWS Copilot manifests, Docker Compose files and Heroku app.json + Procfile -> a
launchbay.yaml document (a plain dict) plus warnings naming each file and key that could not be
mapped. Pure functions: no I/O, the caller passes the files' text keyed by their repository path."""
from __future__ import annotations

from typing import Callable

from chalicelib.configfile.importers.common import ImportFileError, ImportResult, document_problems
from chalicelib.configfile.importers.compose import import_compose
from chalicelib.configfile.importers.copilot import import_copilot
from chalicelib.configfile.importers.heroku import import_heroku

FORMATS: dict[str, Callable[[dict[str, str]], ImportResult]] = {
    "copilot": import_copilot, "compose": import_compose, "heroku": import_heroku}

__all__ = ["FORMATS", "ImportFileError", "ImportResult", "document_problems", "import_files"]


def import_files(fmt: str, files: dict[str, str]) -> ImportResult:
    """files: {relative path: text}. Raises ImportFileError for a file that cannot be read at all
    (not YAML/JSON, wrong top-level type, nothing importable); ValueError for an unknown format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown import format {fmt!r}: use one of {', '.join(FORMATS)}")
    if not files:
        raise ImportFileError("", "no files given")
    return FORMATS[fmt](files)
