"""Routes without their modules: `import app` declares every route from a manifest
(routes.json) and imports a blueprint's module, with its models and domain code, on the
first request that reaches one of its routes. Why: a cold start (Lambda, a new worker
process) imports app.py, and most requests need one area, not all of them with every
pydantic model built; `import app` is then mostly Chalice itself (bench/cold_import.py).

The manifest is what the modules declare, written by `python -m chalicelib.api.lazy`;
tests/api/test_lazy_routes.py fails when it differs. A module missing from it is registered
the eager way, so a new blueprint works before its manifest is written, only not lazily.
"""
from __future__ import annotations

import importlib
import json
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Sequence

PREFIX = "/v1"
MANIFEST = Path(__file__).with_name("routes.json")

_lock = threading.RLock()
_modules: dict[str, Any] = {}


def module(name: str) -> Any:
    """`name`, imported on its first use only (so that `import app` stays cheap), then without an
    import statement: on a module already imported, `from x import y` still costs a few µs (it
    raises and discards two AttributeErrors), which the request path would pay ten times."""
    found = _modules.get(name)
    if found is None:
        found = _modules[name] = importlib.import_module(name)
    return found

# module -> its routes as (path, method, chalice RouteEntry); a blueprint registers once only
# (Chalice pops the route's keyword arguments when it registers), on a scratch app, here
_tables: dict[str, list[tuple[str, str, Any]]] = {}
_installed: dict[str, Any] = {}


def _table(module: str) -> list[tuple[str, str, Any]]:
    with _lock:
        if module not in _tables:
            from chalice import Chalice

            bp = importlib.import_module(module).bp
            scratch = Chalice(app_name="lazy")
            scratch.register_blueprint(bp, url_prefix=PREFIX)
            if "app" in _installed:
                bp._current_app = _installed["app"]   # its views read the serving app's current request
            _tables[module] = [(path, method, entry) for path, methods in scratch.routes.items()
                               for method, entry in methods.items()]
            _sort_routes()
        return _tables[module]


def declared(modules: Sequence[str]) -> list[dict[str, Any]]:
    """Each module's routes as its blueprint declares them: the manifest's content."""
    out: list[dict[str, Any]] = []
    for module in modules:
        for path, method, entry in _table(module):
            if entry.cors or entry.api_key_required or entry.authorizer:
                raise ValueError(f"{method} {path}: lazy routes carry content types only")
            out.append({"module": module, "path": path, "method": method,
                        "name": entry.view_name.rsplit(".", 1)[-1], "content_types": entry.content_types})
    return out


def install(app: Any, modules: Sequence[str]) -> None:
    """Declares the routes of `modules` on `app`; each module loads on its routes' first request."""
    routes = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else []
    listed = {r["module"] for r in routes}
    _installed.update(app=app, modules=tuple(modules), order={(r["path"], r["method"]): i for i, r in enumerate(routes)})
    for module in _tables:
        importlib.import_module(module).bp._current_app = app
    for module in modules:
        if module not in listed:   # not in the manifest yet: the eager way
            for path, method, entry in _table(module):
                app.route(path, methods=[method], name=entry.view_name.rsplit(".", 1)[-1],
                          content_types=entry.content_types)(entry.view_function)
    for r in routes:
        if r["module"] in modules:
            app.route(r["path"], methods=[r["method"]], name=r["name"],
                      content_types=r["content_types"])(_proxy(r["module"], r["path"], r["method"], r["name"]))


def _proxy(module: str, path: str, method: str, name: str) -> Callable[..., Any]:
    handler: list[Callable[..., Any]] = []

    def view(**params: Any) -> Any:
        if not handler:
            found = [e.view_function for p, m, e in _table(module) if (p, m) == (path, method)]
            if not found:
                raise LookupError(f"{method} {path} is in routes.json but {module} no longer declares it: "
                                  "run `python -m chalicelib.api.lazy`")
            handler.append(found[0])
        return handler[0](**params)

    view.__name__ = name
    return view


def load_all() -> None:
    """Imports every installed module (the OpenAPI document lists every route)."""
    for module in _installed.get("modules", ()):
        _table(module)


def _sort_routes() -> None:
    """Keeps http.ROUTES (the OpenAPI document's order) in the manifest's order, whatever order
    the modules loaded in; routes the manifest does not know stay after, as they came."""
    from chalicelib.api import http

    order = _installed.get("order", {})
    http.ROUTES.sort(key=lambda r: order.get((PREFIX + r.path, r.method), len(order)))


def write(modules: Sequence[str]) -> None:
    lines = ",\n".join(" " + json.dumps(r) for r in declared(modules))   # a route a line: small diffs
    MANIFEST.write_text("[\n" + lines + "\n]\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from app import BLUEPRINTS
    from chalicelib.api import lazy as registry  # the module app.py uses, not this __main__ copy

    registry.write(BLUEPRINTS)
    print(f"{MANIFEST}: {len(json.loads(MANIFEST.read_text()))} routes")
