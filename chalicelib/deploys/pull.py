"""The `image` step for an image in a private registry the organization has credentials for
(chalicelib/registries): the credentials go to a Secrets Manager secret in the account the deploy
runs in (written only when their version changed), then the executor signs in to the registry as a
pull would and pins the tag to its digest, so a wrong password or a missing tag fails the deploy at
once with the registry's answer, and a rollback runs the same bytes. The task definition names the
secret (`repositoryCredentials`), which ECS reads to pull. The password never enters the plan: the
calls name it (SecretValue) and the executor reads it as it calls."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.cloud import naming
from chalicelib.deploys.plan import Action, Call, KnownAfterApply, SecretValue, StepPlan
from chalicelib.registries.service import Credential


def credential_secret(ctx: Any, cred: Credential) -> tuple[str, Optional[dict[str, Any]], list[Call]]:
    """The Secrets Manager secret the account holds the credentials in: -> (its name, what is there
    now, the call that writes them when their version changed: [] when it holds this version).
    The image step and a build's registry logins (deploys/build.py) both use it."""
    org_id = ctx.dep["org_id"]
    name = naming.registry_credential(org_id, cred.host)
    found = ctx.cloud.find_registry_credential(name)
    if found is not None and found.get("version") == str(cred.version):
        return name, found, []
    return name, found, [Call("put_registry_credential", {
        "name": name, "username": cred.username, "version": cred.version,
        "password": SecretValue(org_id, cred.secret_name, cred.version)})]


def private_image(ctx: Any, wanted: str, cred: Credential) -> StepPlan:
    name, found, calls = credential_secret(ctx, cred)
    stale = bool(calls)
    password = SecretValue(ctx.dep["org_id"], cred.secret_name, cred.version)
    calls.append(Call("resolve_private_image", {"image": wanted, "username": cred.username, "password": password,
                                                **({"architecture": ctx.spec["architecture"]}
                                                   if ctx.spec.get("architecture") else {})}))
    who = f"{cred.host} as {cred.username} (v{cred.version})"
    changes = {"registry credentials": [f"v{found.get('version')}" if found else None, who]} if stale else {}

    def shape(outs: list[Any]) -> dict[str, Any]:
        arn = outs[0]["arn"] if stale else (found or {}).get("arn")
        return {**outs[-1], "credentials": {"host": cred.host, "username": cred.username, "arn": arn}}

    action: Action = "create" if found is None else "update" if stale else "no-op"
    step = StepPlan("image", "container image", wanted, action, changes, calls, None, shape, always=True,
                    description=f"signs in to {cred.host} as {cred.username} and pins the image to the digest the "
                                f"registry names now; ECS pulls it with these credentials (Secrets Manager {name})")
    if ctx.preview:
        # what the task definition's diff needs: the pinned image is known once signed in (so the
        # diff says "(known after apply: image.image)"); the secret's ARN (a stand-in account id
        # where it is not made yet: only its name is compared)
        step.result = KnownAfterApply("image")
        region = (ctx.target or {}).get("region") or "us-east-1"
        step.result["credentials"] = {"host": cred.host, "username": cred.username,
                                      "arn": found["arn"] if found else
                                      f"arn:aws:secretsmanager:{region}:000000000000:secret:{name}"}
    return step
