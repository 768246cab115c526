"""The web UI's budget (issue 12), measured on the built UI (make ui) in headless Debian chromium:

  1. initial JavaScript, gzipped (limit 200 KB), and the largest chunks;
  2. first render of a project's services page with 100 services (limit 1 s), against the real
     stack (tests/e2e/ui_stack.py), from navigation start to the 100th row in the DOM;
  3. the deployment page with 10,000 log lines (the logs answer is served by the browser's
     route handler): time to show them, rows in the DOM (virtualized), and the time a search
     keystroke and a scroll take.

    .venv/bin/python scripts/with_redis.py -- .venv/bin/python bench/ui_budget.py
"""
from __future__ import annotations

import gzip
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.ui_stack import DIST, call, stack_env, ui_stack  # noqa: E402

CHROMIUM = os.environ.get("LAUNCHBAY_CHROMIUM", "/usr/bin/chromium")


def initial_js() -> tuple[int, list[tuple[str, int]]]:
    html = (DIST / "index.html").read_text()
    names = re.findall(r'(?:src|href)="/(assets/[^"]+\.js)"', html)
    sizes = {p.name: len(gzip.compress(p.read_bytes(), 9)) for p in (DIST / "assets").glob("*.js")}
    initial = sum(len(gzip.compress((DIST / n).read_bytes(), 9)) for n in names)
    return initial, sorted(sizes.items(), key=lambda kv: -kv[1])[:5]


def main() -> int:
    from playwright.sync_api import sync_playwright

    from tests.support.moto_server import start_moto_server

    total, largest = initial_js()
    print(f"initial JS gzipped: {total / 1024:.1f} KB (limit 200 KB)")
    for name, size in largest:
        print(f"  {name}: {size / 1024:.1f} KB gzipped")
    ok = total <= 200 * 1024

    moto, stop = start_moto_server()
    try:
        env = stack_env(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), moto, tempfile.mkdtemp(prefix="lb-bench-ui-"))
        with ui_stack(env) as base:
            _, body = call(base, "POST", "/auth/signup", {"email": "bench@example.com", "password": "a long password",
                                                          "organization": "Bench"})
            token, org = body["token"], body["organization"]["id"]
            _, prj = call(base, "POST", f"/orgs/{org}/projects", {"name": "many"}, token)
            for i in range(100):
                call(base, "POST", f"/orgs/{org}/projects/{prj['id']}/services",
                     {"name": f"svc-{i:03d}", "image": "nginx:1.27", "port": 80}, token)
            _, svc = call(base, "GET", f"/orgs/{org}/projects/{prj['id']}/services?limit=1", None, token)
            _, dep = call(base, "POST", f"/orgs/{org}/services/{svc['items'][0]['id']}/deployments", {}, token)

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_page(base_url=base, bypass_csp=True)  # wait_for_function evaluates strings
                page.goto("/login")
                page.evaluate("t => localStorage.setItem('launchbay.token', t)", token)
                runs = []
                for _ in range(3):
                    page.goto(f"/orgs/{org}/projects/{prj['id']}")
                    page.wait_for_function("document.querySelectorAll('table[aria-label=Services] tbody tr').length === 100")
                    runs.append(page.evaluate("performance.now()"))
                first = min(runs)
                print(f"services page, 100 services, navigation to 100 rows: {first:.0f} ms "
                      f"(best of 3; all {', '.join(f'{r:.0f}' for r in runs)}; limit 1000 ms)")
                ok = ok and first < 1000

                lines = [{"seq": i + 1, "ts": "2026-01-01T00:00:00Z", "level": "info", "step": "rollout",
                          "message": f"line {i + 1}: rollout progress {i % 97} tasks"} for i in range(10_000)]
                page.route(re.compile(r".*/deployments/dep_[^/]+/logs.*"), lambda route: route.fulfill(
                    status=200, content_type="application/json",
                    body=json.dumps({"lines": lines, "next": "10000", "more": False, "status": "live", "final": True})))
                t0 = time.perf_counter()
                page.goto(f"/orgs/{org}/deployments/{dep['id']}")
                page.get_by_text("10000 lines").wait_for()
                shown = (time.perf_counter() - t0) * 1000
                rows = page.locator(".log-line").count()
                t1 = time.perf_counter()
                page.get_by_placeholder("Search the log").fill("line 9999")
                page.get_by_text("1 of 10000 lines").wait_for()
                search = (time.perf_counter() - t1) * 1000
                page.get_by_placeholder("Search the log").fill("")
                t2 = time.perf_counter()
                page.locator(".log-scroll").evaluate("el => { el.scrollTop = el.scrollHeight / 2 }")
                page.wait_for_function("[...document.querySelectorAll('.log-line')].some(e => e.textContent.includes('line 5000:'))")
                scroll = (time.perf_counter() - t2) * 1000
                print(f"deployment page, 10,000 log lines: shown in {shown:.0f} ms, {rows} rows in the DOM; "
                      f"search keystroke to result {search:.0f} ms; scroll to the middle {scroll:.0f} ms")
                ok = ok and rows < 200
                browser.close()
    finally:
        stop()
    print("budget:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
