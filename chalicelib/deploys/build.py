"""The `building` phase of a deployment from source (issue #13): two steps before provisioning.

  build.start  plans the service's CodeBuild project (created or updated as planned Calls, like
               every other resource) and starts a build of the commit (or the branch head);
  build        looks at the build until it settles, streaming its log lines into the
               deployment log; its result is the image pinned by digest (repo@sha256:...),
               which the following steps run and a rollback to this release reuses unbuilt.

Waiting is a Celery countdown between looks (the engine's `Pending`), never a sleep.
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.cloud import naming
from chalicelib.deploys.logs import append_log
from chalicelib.deploys.plan import Call, FromCall, SecretValue, StepPlan
from chalicelib.deploys.steps import Ctx, Pending, Step, StepFailed, _plan
from chalicelib.hooks import credentials

BUILD_POLL_SECONDS = 5.0   # on AWS; the sandbox uses its rollout poll


def build_of(service: dict[str, Any], commit: Optional[dict[str, Any]] = None) -> Optional[dict[str, Any]]:
    """What a new deployment of the service builds (None: it runs an image)."""
    source = service.get("source")
    if not source:
        return None
    ref = (commit or {}).get("sha") or source.get("branch") or "main"
    return {"repo": source["repo"], "branch": source.get("branch") or "main", "ref": ref,
            "dockerfile": source.get("dockerfile") or "Dockerfile", "context": source.get("context") or ".",
            "build_env": dict(service.get("build_env") or {})}


def start(ctx: Ctx) -> StepPlan:
    b, names = ctx.dep["build"], _names(ctx)
    timeout = ctx.ports.settings.build_timeout_seconds
    found = ctx.cloud.find_build_project(names["project"])
    token = credentials.github_token_version(ctx.ports, ctx.dep["org_id"])
    arch = ctx.spec.get("architecture") or "x86_64"   # built natively on a host of the CPU it runs on
    wanted = {"repo": b["repo"], "dockerfile": b["dockerfile"], "context": b["context"],
              "private_access": token is not None, "architecture": arch}
    now = {**(found or {}), "private_access": bool((found or {}).get("source_auth"))}
    changes = {k: [now.get(k), v] for k, v in wanted.items() if found and now.get(k) != v}
    calls: list[Call] = []
    if token is not None:   # private repositories: CodeBuild clones with the organization's token
        calls.append(Call("put_source_credential", {"name": names["credential"],
                                                    "token": SecretValue(ctx.dep["org_id"], credentials.GITHUB_TOKEN, token)}))
    registries = _registry_logins(ctx, calls)
    project = len(calls)
    calls.append(Call("ensure_build_project", {"name": names["project"], "repo": b["repo"], "repository": names["repository"],
                                               "dockerfile": b["dockerfile"], "context": b["context"],
                                               "timeout_seconds": timeout,
                                               "source_auth": FromCall(0, "arn") if token is not None else None,
                                               **({"architecture": arch} if arch != "x86_64" else {})}))
    if token is None and now.get("private_access"):   # the token was removed: the secret goes too
        calls.append(Call("delete_source_credential", {"name": names["credential"]}))
    calls.append(Call("start_build", {"project": names["project"], "repository_uri": FromCall(project, "repository_uri"),
                                      "source_version": b["ref"],
                                      "tag": f"{ctx.dep['number']}-{ctx.dep['id'].rsplit('_', 1)[-1][-8:]}",
                                      "build_env": b.get("build_env") or {}, "idempotency_token": ctx.dep["id"],
                                      "registries": registries,
                                      # the sandbox's LAUNCHBAY_SANDBOX_* switches (AWS reads none of it)
                                      "run_env": {k: v for k, v in (ctx.spec.get("env") or {}).items()
                                                  if k.startswith("LAUNCHBAY_SANDBOX_")}}))
    # always: the project converges and a build starts on every deploy from source
    return _plan("build.start", "CodeBuild project", names["project"], found, changes, calls, None,
                 lambda outs: {**outs[-1], "project": names["project"], "private_access": token is not None},
                 always=True)


def _registry_logins(ctx: Ctx, calls: list[Call]) -> list[dict[str, str]]:
    """The organization's private registries, which the build signs in to (a FROM line may name
    any of them): each one's credentials written to the account's secret when their version
    changed (the calls, added to `calls`). -> [{"host", "secret"}] for start_build."""
    from chalicelib.deploys.pull import credential_secret
    from chalicelib.registries.service import all_for_org

    out = []
    for cred in all_for_org(ctx.ports, ctx.dep["org_id"]):
        name, _, writes = credential_secret(ctx, cred)
        calls += writes
        out.append({"host": cred.host, "secret": name})
    return out


def _names(ctx: Ctx) -> dict[str, str]:
    return {"project": naming.build_project(ctx.dep["service_id"]),
            "repository": naming.image_repository(ctx.dep["org_id"], ctx.dep["service_id"]),
            "credential": naming.source_credential(ctx.dep["org_id"])}


def wait(ctx: Ctx) -> dict[str, Any] | Pending:
    started = ctx.results["build.start"]
    deps = ctx.ports.store.collection("deployments")
    seen = deps.get(ctx.dep["id"]) or ctx.dep
    status = ctx.cloud.observe_build(started, seen.get("build_log_next"))
    for line in status.get("lines") or []:
        append_log(ctx.ports, ctx.dep, line[:2000], "build", "error" if "error" in line.lower()[:30] else "info")
    if status.get("log_next") != seen.get("build_log_next"):
        deps.update(ctx.dep["id"], {"build_log_next": status.get("log_next")})
    if status["state"] == "succeeded":
        return {"image": status["image"], "digest": status["digest"], "commit": started.get("commit"),
                "build_id": started["id"]}
    if status["state"] == "failed":
        raise StepFailed(f"the build failed: {status.get('reason') or 'no reason given'}")
    poll = ctx.ports.settings.rollout_poll_seconds if ctx.ports.settings.sandbox else BUILD_POLL_SECONDS
    return Pending(poll, f"building {ctx.dep['build']['repo']}@{ctx.dep['build']['ref']}: {status.get('reason') or ''}")


def stop(ports: Any, dep: dict[str, Any]) -> Optional[str]:
    """Stop the deployment's build if it started one (a cancel, the time limit, a newer deploy)
    -> words for the log, or None when no build was started."""
    started = next((s.get("result") for s in dep.get("steps") or []
                    if s["name"] == "build.start" and s.get("status") == "done"), None)
    if not started or not started.get("id"):
        return None
    status = ports.cloud_for(dep.get("target")).stop_build(started["id"])
    return f"build {started['id']} stopped ({status})" if status else f"build {started['id']} had already ended"


def describe(ctx: Ctx) -> StepPlan:
    """The build wait, for a plan."""
    b = ctx.dep["build"]
    return StepPlan("build", "build", _names(ctx)["project"], "wait",
                    description=f"build {b['repo']} at {b['ref']} ({b['dockerfile']}) and wait for the image")


STEPS = [Step("build.start", "building", start), Step("build", "building", wait=wait, describe=describe)]
