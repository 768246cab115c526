"""Reading a launchbay.yaml (or .json) with its line numbers, so that every validation error
names the file, the line and the field."""
from __future__ import annotations

from typing import Any, Optional

import yaml
from pydantic import ValidationError

from chalicelib.configfile.importers.common import error_line, parse_yaml
from chalicelib.configfile.model import LaunchbayFile
from chalicelib.core.errors import BadRequest, Invalid
from chalicelib.core.types import pattern_mismatch


def _lines(node: Any, path: tuple = ()) -> dict[tuple, int]:
    """(key, key, ...) -> 1-based line of each mapping key / sequence item."""
    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = (*path, k.value)
            out[key] = k.start_mark.line + 1
            out.update({p: n for p, n in _lines(v, key).items() if p != key})
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.update(_lines(item, (*path, i)))
    return out


def load(file: str, text: str) -> tuple[dict, dict[tuple, int]]:
    try:
        data, node = parse_yaml(text)
    except yaml.YAMLError as exc:
        line = error_line(exc)
        problem = exc.problem if isinstance(exc, yaml.MarkedYAMLError) and exc.problem else exc
        raise BadRequest(f"{file}{f':{line}' if line else ''}: not valid YAML: {problem}", field="files") from None
    if not isinstance(data, dict):
        raise BadRequest(f"{file}: expected a mapping with `version` and `environments` at the top", field="files")
    return data, (_lines(node) if node is not None else {})


def validate(data: dict, file: str = "launchbay.yaml", lines: Optional[dict[tuple, int]] = None) -> LaunchbayFile:
    try:
        return LaunchbayFile.model_validate(data)
    except ValidationError as exc:
        problems: list[dict[str, Any]] = []
        for err in exc.errors(include_url=False, include_input=False):
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            field = ".".join(str(p) for p in loc) or "(top)"
            line = _line_of(lines or {}, loc)
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = f"unknown field {str(loc[-1])!r}"
            elif err["type"] == "missing":
                message = f"{loc[-1]} is required"
            elif err["type"] == "string_pattern_mismatch":
                message = pattern_mismatch(str(loc[-1]), dict(err))
            where = f"{file}:{line}" if line else file
            problems.append({"field": field, "message": f"{where}: {field}: {message}", "file": file, "line": line})
        # every problem in the message, each with its line: a CLI user sees only the message
        message = "; ".join(str(p["message"]) for p in problems)
        raise Invalid(message, field=str(problems[0]["field"]), fields=problems) from None


def _line_of(lines: dict[tuple, int], loc: tuple) -> Optional[int]:
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def read(files: dict[str, str]) -> tuple[LaunchbayFile, str]:
    """The launchbay document among `files` (launchbay.yaml, .yml or .json)."""
    names = [n for n in files if n.rsplit("/", 1)[-1] in ("launchbay.yaml", "launchbay.yml", "launchbay.json")]
    if len(names) != 1:
        names = list(files) if len(files) == 1 else names
    if len(names) != 1:
        raise BadRequest("give exactly one launchbay.yaml in files", field="files")
    data, lines = load(names[0], files[names[0]])
    return validate(data, names[0], lines), names[0]
