"""scripts/install_cli.py writes a working, idempotent `launchbay` script; `python -m cli` runs."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

from scripts.install_cli import install
from tests.support.processes import ROOT


def test_shim_is_written_once_and_runs_the_cli(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    script, written = install(venv, ROOT)
    assert written and script == venv / "bin" / "launchbay"
    assert script.read_text().splitlines()[0] == f"#!{venv / 'bin' / 'python'}"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert install(venv, ROOT) == (script, False)   # idempotent

    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "LAUNCHBAY_TOKEN": ""}
    out = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, env=env, timeout=60,
                         cwd=tmp_path)
    assert out.returncode == 0 and "launchbay" in out.stdout and "deploy" in out.stdout
    usage = subprocess.run([sys.executable, "-m", "cli", "status"], capture_output=True, text=True, env=env,
                           timeout=60, cwd=ROOT)
    assert usage.returncode == 1 and "not logged in" in usage.stderr and usage.stdout == ""
