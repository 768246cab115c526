"""The OpenAPI document, built from the route registry and the same pydantic models
that validate requests (so the two cannot drift)."""
from __future__ import annotations

import functools
import re
from typing import Any

from chalicelib.api.http import ROUTES

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "properties": {
    "code": {"type": "string"}, "message": {"type": "string"},
    "field": {"type": ["string", "null"], "description": "the (first) field at fault, as the request names it"},
    "fields": {"type": "array", "description": "invalid input (422): every field at fault, in the request's order",
               "items": {"type": "object", "required": ["field", "message"],
                         "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
    "resources": {"type": "array", "description": "what a refusal names (409: the organizations an account is the "
                  "only owner of, say), to link to by id",
                  "items": {"type": "object", "required": ["type", "id", "name"],
                            "properties": {"type": {"type": "string"}, "id": {"type": "string"},
                                           "name": {"type": "string"}}}}},
    "required": ["code", "message", "field"]}}}

_ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


@functools.lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    from chalicelib.api import lazy

    lazy.load_all()   # blueprints load on first use (app.py): the document lists every route
    paths: dict[str, dict] = {}
    schemas: dict[str, Any] = {"Error": ERROR}
    for r in ROUTES:
        path = "/v1" + r.path
        op: dict[str, Any] = {"summary": r.summary, "tags": [r.tag] if r.tag else [],
                              "operationId": f"{r.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', r.path.lower()).strip('_')}",
                              "responses": {str(r.status): {"description": "success"},
                                            "4XX": {"description": "error", "content": _ERROR_BODY},
                                            "5XX": {"description": "internal_error or unavailable",
                                                    "content": _ERROR_BODY}}}
        params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                  for n in re.findall(r"{(\w+)}", r.path)]
        params += [{"name": n, "in": "query", "required": False, "description": d, "schema": {"type": "string"}}
                   for n, d in r.query.items()]
        if params:
            op["parameters"] = params
        if r.body is not None:
            schema = r.body.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in schema.pop("$defs", {}).items():
                schemas[name] = sub
            schemas[r.body.__name__] = schema
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{r.body.__name__}"}}}}
        if r.auth:
            op["security"] = [{"bearer": []}]
        paths.setdefault(path, {})[r.method.lower()] = op
    return {"openapi": "3.1.0",
            "info": {"title": "Launchbay API", "version": "1.0.0",
                     "description": "Deploy containers to your own AWS account."},
            "paths": paths,
            "components": {"schemas": schemas,
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                          "description": "a JWT from /v1/auth/login or an API token (lb_...)"}}}}
