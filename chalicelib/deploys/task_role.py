"""The `task_role` step: the service's own IAM role, which its containers run as, allowed exactly
what its links need: the objects of a linked bucket (read, or read and write), mounting a
linked volume through its access point (read-only, or read and write), and a linked queue's
messages (send only, or send, receive and delete). A service that links none of those runs
without a role, as before.

Planned like every step (a read of the role and its policy, then create / update / no-op), so a
plan shows the permissions a deploy would grant before it grants them. Its result also carries
the volumes to mount and the variables holding their paths, for the task definition.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.deploys.plan import Call, KnownAfterApply, StepPlan

if TYPE_CHECKING:
    from chalicelib.deploys.steps import Ctx

RESOURCE = "task role (IAM)"


def policy(grants: list[dict[str, Any]], partition: str = "aws") -> dict[str, Any]:
    """The role's inline policy for these grants (resources/links.py): one statement per bucket
    or volume, each naming that resource only."""
    statements: list[dict[str, Any]] = []
    for g in grants:
        sid = "".join(ch for ch in g["name"].title() if ch.isalnum())
        if g["kind"] == "queue":
            actions = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"] + (
                [] if g["send_only"] else ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"])
            statements.append({"Sid": f"Queue{sid}", "Effect": "Allow", "Action": actions, "Resource": g["arn"]})
        elif g["kind"] == "bucket":
            bucket = f"arn:{partition}:s3:::{g['bucket']}"
            objects = ["s3:GetObject"] if g["read_only"] else ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                                                                "s3:AbortMultipartUpload"]
            statements += [
                {"Sid": f"List{sid}", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                 "Resource": bucket},
                {"Sid": f"Objects{sid}", "Effect": "Allow", "Action": objects, "Resource": f"{bucket}/*"}]
        else:
            actions = ["elasticfilesystem:ClientMount"] + ([] if g["read_only"] else ["elasticfilesystem:ClientWrite"])
            statements.append({"Sid": f"Mount{sid}", "Effect": "Allow", "Action": actions, "Resource": g["arn"],
                               "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn": g["access_point_arn"]}}})
    return {"Version": "2012-10-17", "Statement": statements}


def _summary(grants: list[dict[str, Any]]) -> list[str]:
    return [f"queue {g['name']}: {'send' if g['send_only'] else 'send, receive and delete'}" if g["kind"] == "queue"
            else f"{g['kind']} {g['name']}: {'read' if g['read_only'] else 'read and write'}" for g in grants]


def task_role(ctx: "Ctx") -> StepPlan:
    from chalicelib.deploys.steps import StepFailed
    from chalicelib.resources.links import linked

    found = linked(ctx.ports, ctx.dep["service_id"])
    if found.broken and not ctx.preview:   # the resources step waited; one that broke since fails here
        raise StepFailed("; ".join(found.broken))
    name = ctx.names.task_role
    carried = {"mounts": found.mounts, "env": found.env, "queues": found.queues}
    if not found.grants:
        return StepPlan("task_role", RESOURCE, name, "skip", {}, [], {"arn": None, **carried},
                        description="the service links no bucket, volume or queue: its tasks run without a role")
    desired = policy(found.grants, ctx.cloud.partition)
    current = ctx.cloud.find_task_role(name)
    allows = _summary(found.grants)
    if current is not None and current.get("policy") == desired:
        return StepPlan("task_role", RESOURCE, name, "no-op", {}, [], {"arn": current["arn"], **carried},
                        description="allows " + "; ".join(allows))
    step = StepPlan("task_role", RESOURCE, name, "create" if current is None else "update",
                    {"allows": [statements(current.get("policy")) if current else None, statements(desired)]},
                    [Call("ensure_task_role", {"name": name, "policy": desired})],
                    shape=lambda outs: {"arn": outs[0], **carried}, description="allows " + "; ".join(allows))
    if ctx.preview:   # for the task definition's diff: the ARN it would name
        step.result = KnownAfterApply("task_role")
        step.result.update(arn=current["arn"] if current else preview_arn(ctx), **carried)
    return step


def statements(doc: Any) -> list[str]:
    """A policy's statements as "actions on resource" lines: what a plan compares."""
    return sorted(f"{', '.join(s.get('Action') or [])} on {s.get('Resource')}"
                  for s in ((doc or {}).get("Statement") or []))


def preview_arn(ctx: "Ctx") -> str:
    """The role's ARN in a display plan before it exists: the task definition's diff compares
    names only, so a stand-in account id does."""
    account = (ctx.target or {}).get("account") or "000000000000"
    return f"arn:{ctx.cloud.partition}:iam::{account}:role/{ctx.names.task_role}"
