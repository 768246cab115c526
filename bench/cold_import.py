#!/usr/bin/env python3
"""How long a fresh interpreter takes to `import app` (the Lambda cold-start share we control).

    .venv/bin/python bench/cold_import.py [--runs 10] [--against /path/to/another/checkout]

Times `import app` in N fresh interpreters (subprocesses; the interpreter's own
start-up is not counted), prints the median and the minimum, then runs once
with `python -X importtime` and prints the 10 slowest imports by their own
time and the 10 slowest top-level packages by cumulative time. Goal (issue 14): median
<= 100 ms on a quiet machine. On a busy one, `--against` times another checkout (e.g. a
`git archive` of an older commit) in alternation with this one, so both see the same load.
Uses a temporary LAUNCHBAY_DATA_DIR; nothing is contacted.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 100.0
TIMER = "import time; t = time.perf_counter(); import app; print('%.3f' % ((time.perf_counter() - t) * 1000))"


def child_env(data_dir: str, root: Path = ROOT) -> dict:
    env = dict(os.environ)
    env.update({
        "LAUNCHBAY_DATA_DIR": data_dir,
        "PYTHONPATH": os.pathsep.join(x for x in (str(root), env.get("PYTHONPATH", "")) if x),
        "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION", "us-east-1"),
    })
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # let the first run write .pyc files
    return env


def time_imports(runs: int, env: dict, root: Path = ROOT) -> list:
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", TIMER], cwd=str(root), env=env, capture_output=True,
                             text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError("import app failed:\n" + out.stderr[-2000:])
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return times


def importtime(env: dict):
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"], cwd=str(ROOT), env=env,
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError("import app failed:\n" + out.stderr[-2000:])
    rows = []
    for line in out.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), len(m.group(3)), m.group(4)))
    return rows


def spread(times: list) -> str:
    q = statistics.quantiles(times, n=4) if len(times) > 1 else [times[0]] * 3
    return ("median %.1f ms (p25 %.1f, p75 %.1f, min %.1f, max %.1f) over %d fresh interpreters"
            % (statistics.median(times), q[0], q[2], min(times), max(times), len(times)))


def compare(runs: int, other: Path, data_dir: str) -> int:
    """This checkout and `other`, one run of each in turn: the same load for both."""
    env, other_env = child_env(data_dir), child_env(data_dir, other)
    time_imports(1, env)
    time_imports(1, other_env, other)
    mine, theirs = [], []
    for _ in range(runs):
        mine += time_imports(1, env)
        theirs += time_imports(1, other_env, other)
    print("this checkout:  " + spread(mine))
    print("%s: %s" % (other, spread(theirs)))
    print("ratio of medians: %.2f" % (statistics.median(mine) / statistics.median(theirs)))
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Time `import app` in fresh interpreters.")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--against", type=Path, help="another checkout, timed in alternation with this one")
    args = p.parse_args(argv)
    if not (ROOT / "app.py").exists():
        print("app.py does not exist yet: nothing to measure", file=sys.stderr)
        return 1
    data_dir = tempfile.mkdtemp(prefix="launchbay-cold-")
    if args.against:
        try:
            return compare(max(1, min(args.runs, 100)), args.against.resolve(), data_dir)
        except RuntimeError as e:
            print(e, file=sys.stderr)
            return 1
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
    try:
        env = child_env(data_dir)
        time_imports(1, env)  # compile .pyc files first: Lambda ships them warm too
        times = time_imports(max(1, min(args.runs, 100)), env)
        rows = importtime(env)
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    med = statistics.median(times)
    print("import app: %s (goal <= %.0f ms: %s)" % (spread(times), GOAL_MS, "met" if med <= GOAL_MS else "NOT met"))
    print("\nslowest imports by own time (python -X importtime, one run):")
    for self_us, cum_us, _, name in sorted(rows, reverse=True)[:10]:
        print("  %7.1f ms own  %7.1f ms cumulative  %s" % (self_us / 1000, cum_us / 1000, name))
    # Per top-level package, its largest cumulative line (the import that pulled it in).
    top = {}
    for _self_us, cum_us, _indent, name in rows:
        pkg = name.split(".")[0]
        if pkg != "app":
            top[pkg] = max(top.get(pkg, 0), cum_us)
    print("\nslowest packages by cumulative time (as first imported):")
    for pkg, cum_us in sorted(top.items(), key=lambda kv: -kv[1])[:10]:
        print("  %7.1f ms  %s" % (cum_us / 1000, pkg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
