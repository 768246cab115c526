"""cfn-lint (the CloudFormation linter, offline) over every synthesized template: no errors."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")


def lint(paths: list[str]) -> list[dict]:
    proc = subprocess.run([CFN_LINT, "--format", "json", *paths], capture_output=True, text=True, timeout=600)
    # exit status: bit 2 errors, 4 warnings, 8 informational; anything else (1: it failed to run) is a failure
    assert proc.returncode & ~(2 | 4 | 8) == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout or "[]")


def test_cfn_lint_finds_no_errors(assemblies):
    paths = [str(s["path"]) for stacks in assemblies.values() for s in stacks.values()]
    errors = [f for f in lint(paths) if f["Level"] == "Error"]
    assert not errors, json.dumps(errors, indent=1)[:4000]


def test_cfn_lint_does_report_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"Bogus": 1}}}}')
    assert any(f["Level"] == "Error" for f in lint([str(bad)]))
