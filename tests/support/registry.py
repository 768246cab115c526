"""A private container registry on loopback for the tests: scripts/sandbox_registry.py's, which
`make run` users start by hand (the sandbox reaches no other registry)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "scripts" / "sandbox_registry.py"
_spec = importlib.util.spec_from_file_location("sandbox_registry", _PATH)
assert _spec is not None and _spec.loader is not None
sandbox_registry = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sandbox_registry)
Registry = sandbox_registry.Registry
