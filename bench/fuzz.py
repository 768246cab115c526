#!/usr/bin/env python3
"""Fuzz every operation of GET /v1/openapi.json with schemathesis (issue #9), larger than the
CI-sized run in tests/api/test_fuzz.py (the same engine, the same world of real ids).

    .venv/bin/python scripts/with_redis.py -- .venv/bin/python bench/fuzz.py [--per-operation 25] [--json out.json]

In-process through the WSGI adapter, authenticated as an organization's owner, positive and
negative cases (generated bodies and query strings) with real ids in every path. Starts its
own moto server; needs Redis (REDIS_URL). Prints the cases per operation and status, and every
finding: a 5xx, or a 4xx not in the documented error shape. Exits 1 on any finding.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)


class _TmpFactory:
    """The one method of pytest's tmp_path_factory the world needs."""

    def __init__(self, root: Path):
        self.root = root

    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=name, dir=self.root))


def run(per_operation: int) -> dict:
    import app as app_module
    from chalicelib.api.wsgi import make_wsgi_app
    from tests.api.test_authz_matrix import built_world
    from tests.api.test_fuzz import fuzz, fuzz_env
    from tests.support.moto_server import start_moto_server

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    moto_url, stop_moto = start_moto_server()
    with tempfile.TemporaryDirectory(prefix="lb-fuzz-") as tmp:
        prefix, values = fuzz_env(_TmpFactory(Path(tmp)), redis_url, moto_url)
        try:
            with built_world(prefix, values, redis_url) as w:
                report = fuzz(w, make_wsgi_app(app_module.app), per_operation,
                              progress=lambda line: print("  " + line, file=sys.stderr, flush=True))
        finally:
            stop_moto()
    statuses: Counter = Counter()
    for c in report.counts.values():
        statuses.update(c)
    return {"cases": report.cases, "operations": len(report.counts), "seconds": round(report.seconds, 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "server_errors": sum(v for k, v in statuses.items() if k >= 500),
            "per_operation": {k: {str(s): n for s, n in sorted(c.items())} for k, c in sorted(report.counts.items())},
            "findings": [f.__dict__ for f in report.findings], "table": report.table()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-operation", type=int, default=25, help="generated cases per operation (default 25)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    out = run(args.per_operation)
    print(out["table"])
    print(f"\n{out['cases']} cases over {out['operations']} operations in {out['seconds']} s; "
          f"statuses {out['statuses']}; 5xx: {out['server_errors']}; findings: {len(out['findings'])}")
    for f in out["findings"]:
        print(f"  {f['key']} -> {f['status']}: {f['problem']}\n      {f['request']}")
    if args.json:
        Path(args.json).write_text(json.dumps({k: v for k, v in out.items() if k != "table"}, indent=1))
    return 1 if out["findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
