"""Blueprints load on first use (chalicelib/api/lazy.py): the route manifest must say exactly
what the modules declare, `import app` must import none of them, and a request loads only
the area it reaches."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.processes import ROOT


def test_the_manifest_is_what_the_blueprints_declare():
    import app
    from chalicelib.api import lazy

    assert json.loads(lazy.MANIFEST.read_text()) == lazy.declared(app.BLUEPRINTS), \
        "chalicelib/api/routes.json is stale: run `python -m chalicelib.api.lazy`"
    assert {(r["path"], r["method"]) for r in lazy.declared(app.BLUEPRINTS)} == _api_routes(app.app)


def _api_routes(chalice_app) -> set[tuple[str, str]]:
    """The app's routes but the framework-error catch-alls (chalicelib/api/http.py install)."""
    return {(path, method) for path, methods in chalice_app.routes.items() for method in methods
            if path.startswith("/v1/") and method != "OPTIONS"}


PROBE = r"""
import io, json, sys
import app
before = sorted(m for m in sys.modules if m.startswith(("chalicelib.api.", "pydantic", "chalicelib.configfile")))
from chalicelib.api.wsgi import make_wsgi_app
wsgi = make_wsgi_app(app.app)
out = {}
body = b"".join(wsgi({"REQUEST_METHOD": "GET", "PATH_INFO": "/v1/aws/policy.json", "QUERY_STRING": "",
                      "SERVER_NAME": "t", "SERVER_PORT": "80", "wsgi.input": io.BytesIO(b""),
                      "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1"},
                     lambda status, headers, exc_info=None: out.setdefault("status", status)))
after = sorted(m for m in sys.modules if m.startswith(("chalicelib.api.", "chalicelib.configfile")))
print(json.dumps({"before": before, "after": after, "status": out["status"], "policy": json.loads(body)["Version"]}))
"""


def test_import_app_loads_no_blueprint_and_a_request_only_its_own(app_env):
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **app_env, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["before"] == ["chalicelib.api.http", "chalicelib.api.lazy", "chalicelib.api.scheduled"]
    assert out["status"].startswith("200") and out["policy"] == "2012-10-17"
    loaded = set(out["after"]) - set(out["before"])
    assert "chalicelib.api.aws_accounts" in loaded
    assert not loaded & {"chalicelib.api.catalog", "chalicelib.api.config", "chalicelib.api.search",
                         "chalicelib.api.deploys", "chalicelib.configfile.model"}, loaded


def test_openapi_lists_every_route_whatever_loaded_first(client):
    import app

    status = client.http.get("/v1/aws/policy.json").status_code   # one area first
    doc = json.loads(client.http.get("/v1/openapi.json").body)
    listed = {(path, method.upper()) for path, item in doc["paths"].items() for method in item}
    assert status == 200 and listed == _api_routes(app.app)
