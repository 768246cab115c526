"""cfn-lint (the CloudFormation linter, offline) over every synthesized template: no errors."""
from __future__ import annotations

import subprocess
import sys


def test_cfn_lint_finds_no_errors(assemblies):
    paths = [str(s["path"]) for stacks in assemblies.values() for s in stacks.values()]
    # informational and warning findings are printed, errors fail (exit code bit 2)
    proc = subprocess.run([sys.executable, "-m", "cfnlint", "--format", "parseable", *paths],
                          capture_output=True, text=True, timeout=600)
    errors = [line for line in proc.stdout.splitlines() if ":E" in line]
    assert not errors and not proc.returncode & 2, proc.stdout[-4000:] + proc.stderr[-2000:]
