"""Synthesizes the CDK app (infra/) offline, once per configuration per session: the cloud
assembly that `cdk synth` writes, from the same `build()`. Needs requirements-infra.txt
(`make infra-test` installs it); skipped with the reason when aws-cdk-lib is missing."""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"

# the two shapes that matter: dev with the Lambda API only, prod with the container fallback on
CONFIGS = {"dev": {"stage": "dev"}, "prod": {"stage": "prod", "api_container": True}}


def synth(tmp: Path, context: dict) -> dict[str, dict]:
    pytest.importorskip("aws_cdk", reason="aws-cdk-lib is installed by `make infra-test` (requirements-infra.txt)")
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    if str(INFRA) not in sys.path:
        sys.path.append(str(INFRA))   # after the root: chalice must import the API's app.py, not infra/app.py
    import aws_cdk as cdk
    from launchbay_infra import config

    base = json.loads((INFRA / "cdk.json").read_text())["context"]
    app = cdk.App(outdir=str(tmp), context={**base, **context})
    cwd, environ = os.getcwd(), dict(os.environ)
    os.chdir(ROOT)  # chalice.cdk writes chalice.out/ in the working directory (git-ignored)
    try:
        import importlib.util

        # by path: `import app` is the API's app.py
        spec = importlib.util.spec_from_file_location("launchbay_infra_app", INFRA / "app.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        stacks = module.build(app, config.from_context(app.node))
        assembly = app.synth()
    finally:
        os.chdir(cwd)
        # chalice's packaging loads app.py with the stage's environment_variables put into
        # os.environ (LAUNCHBAY_STAGE=prod...): tests run after these in one process must not see them
        os.environ.clear()
        os.environ.update(environ)
    out = {}
    for name, stack in stacks.items():
        path = Path(assembly.directory) / stack.template_file
        out[name] = {"path": path, "template": json.loads(path.read_text()), "stack": stack}
    return out


@pytest.fixture(scope="session")
def assemblies(tmp_path_factory) -> dict[str, dict[str, dict]]:
    return {name: synth(tmp_path_factory.mktemp(f"cdk-{name}"), ctx) for name, ctx in CONFIGS.items()}


def resources(template: dict, kind: str) -> dict[str, dict]:
    return {k: v for k, v in template.get("Resources", {}).items() if v["Type"] == kind}


def _flatten(value) -> str:
    """A template string with its intrinsic functions reduced to placeholders (enough to read user data)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Fn::Base64" in value:
            return _flatten(value["Fn::Base64"])
        if "Fn::Join" in value:
            sep, parts = value["Fn::Join"]
            return sep.join(_flatten(p) for p in parts)
        return "<%s>" % next(iter(value))
    return str(value)


def environments(stacks: dict[str, dict]) -> dict[str, dict[str, str]]:
    """Each service's environment as the templates give it: Lambda functions, the API container,
    and the env file each EC2 host's boot script writes."""
    out: dict[str, dict[str, str]] = {}
    for rid, fn in resources(stacks["api"]["template"], "AWS::Serverless::Function").items():
        out[f"lambda:{rid}"] = {k: _flatten(v) for k, v in fn["Properties"]["Environment"]["Variables"].items()}
    for task in resources(stacks["web"]["template"], "AWS::ECS::TaskDefinition").values():
        for c in task["Properties"]["ContainerDefinitions"]:
            if c["Name"] == "api":
                out["container:api"] = {e["Name"]: _flatten(e["Value"]) for e in c.get("Environment", [])}
    for name in ("workers",):   # the UI host runs nginx only: no Launchbay process
        for rid, lt in resources(stacks[name]["template"], "AWS::EC2::LaunchTemplate").items():
            script = _flatten(lt["Properties"]["LaunchTemplateData"]["UserData"])
            body = script.split("cat > /etc/launchbay.env <<'ENV'\n", 1)[1].split("\nENV\n", 1)[0]
            out["host:" + re.sub("[0-9A-F]{8}$", "", rid)] = dict(line.split("=", 1) for line in body.splitlines())
    return out
