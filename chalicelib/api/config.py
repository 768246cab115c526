"""Config as code: plan and apply a launchbay.yaml (or an import from Copilot, Compose or
Heroku), export a project back to YAML, and the document's JSON Schema."""
from typing import Any, Literal, Optional

from chalice import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.http import actor, endpoint, parse_body, ports
from chalicelib.catalog.service import get_project
from chalicelib.configfile import apply as applier
from chalicelib.configfile import export, parse
from chalicelib.configfile import plan as planner
from chalicelib.configfile.model import LaunchbayFile, json_schema
from chalicelib.core.errors import BadRequest

bp = Blueprint(__name__)
PRJ = "/orgs/{org}/projects/{project}"
TAG = "config"


class ConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    format: Literal["launchbay", "copilot", "compose", "heroku"] = "launchbay"
    files: Optional[dict[str, str]] = Field(None, description="path in the repository -> text of the file")
    document: Optional[dict[str, Any]] = Field(None, description="a launchbay document as JSON (instead of files)")
    allow_delete: bool = Field(False, description="apply only: also delete what the document leaves out")
    access_keys: Optional[dict[str, str]] = Field(None, max_length=20, description=(
        "the values of the environment variables the document's log drains name in access_key_env (the CLI reads "
        "them where it runs): a new drain's key, or an existing one's when it differs; never stored as given, "
        "never in the answer"))


def _document(body: ConfigIn) -> tuple[LaunchbayFile, list[dict[str, Any]]]:
    if body.document is not None:
        if body.format != "launchbay" or body.files:
            raise BadRequest("give a launchbay `document` or `files`, not both", field="document")
        return parse.validate(body.document, "document"), []
    if not body.files:
        raise BadRequest("give `files` ({path: content}) or a `document`", field="files")
    if body.format == "launchbay":
        doc, _ = parse.read(body.files)
        return doc, []
    from chalicelib.configfile.importers import ImportFileError, import_files

    try:
        result = import_files(body.format, body.files)
    except ImportFileError as exc:
        where = f"{exc.file}:{exc.line}" if exc.line else exc.file
        raise BadRequest(f"{where}: {exc.message}" if where else exc.message, field="files") from None
    return parse.validate(result.document, f"(imported from {body.format})"), result.warnings


def _request(org: str, project: str):
    """The caller, the body, and the document it carries (validated, imported if need be)."""
    who = actor(bp)
    body = parse_body(bp, ConfigIn)
    get_project(ports(), who, org, project)
    doc, warnings = _document(body)
    return who, body, doc, warnings


@endpoint(bp, PRJ + "/plan", "POST", "What applying a launchbay.yaml (or an import) would change, per environment",
          200, ConfigIn, tag=TAG)
def plan(org, project):
    _, body, doc, warnings = _request(org, project)
    out = planner.plan(ports(), project, doc, body.access_keys)
    return {**out, "warnings": warnings + out["warnings"], "document": doc.model_dump(exclude_none=True)}


@endpoint(bp, PRJ + "/apply", "POST", "Apply a launchbay.yaml (or an import) as one change; deletes need allow_delete",
          200, ConfigIn, tag=TAG)
def apply(org, project):
    who, body, doc, warnings = _request(org, project)
    out = applier.apply(ports(), who, org, project, doc, body.allow_delete, source=body.format, keys=body.access_keys)
    return {**out, "warnings": warnings + out["warnings"]}


@endpoint(bp, PRJ + "/export", "GET", "The project's environments and services as launchbay.yaml", tag=TAG)
def export_(org, project):
    get_project(ports(), actor(bp), org, project)
    doc = export.document(ports(), project)
    return {"yaml": export.to_yaml(doc), "document": doc}


@endpoint(bp, "/schema/launchbay.json", "GET", "JSON Schema of launchbay.yaml", auth=False, tag=TAG)
def schema():
    return json_schema()
