"""Plan, then apply (after Chalice's deployer: PlanStage -> Plan -> Executor).

A deploy step first *plans*: it looks at what exists in AWS (read-only find_* lookups)
and returns a StepPlan, data that says what it would create, update or leave alone,
field by field, and the Cloud port calls that would do it. One executor runs plans;
the display executor only collects them (`GET .../services/{svc}/plan`). Values that
exist only once an earlier step has run are `KnownAfterApply` placeholders there.
Secret values never enter a plan: a call names them (SecretValue) and the executor
reads them at the moment it calls.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Optional

Action = Literal["create", "update", "delete", "no-op", "wait", "skip"]   # delete: environment teardown


@dataclass(frozen=True)
class SecretValue:
    """Stands for a secret's plaintext in a call; resolved by the executor only."""
    scope_id: str          # the environment or service the secret belongs to
    name: str
    version: int


@dataclass(frozen=True)
class FromCall:
    """Stands for a key of an earlier call's answer in the same step (e.g. the DNS records
    a certificate request returns)."""
    index: int
    key: str


@dataclass
class Call:
    method: str                      # a Cloud port method
    kwargs: dict[str, Any]

    def public(self) -> dict[str, Any]:
        shown = {k: _shown(v) for k, v in self.kwargs.items() if k not in ("network", "container")}
        if isinstance(shown.get("build_env"), dict):   # build arg names only, as env in task definitions
            shown["build_env"] = sorted(shown["build_env"])
        return {"method": self.method, "args": _jsonable(shown)}


@dataclass
class StepPlan:
    step: str
    resource: str                    # what a person calls it: "ECS service", "target group"
    name: str                        # the AWS name (or ARN) it acts on
    action: Action
    changes: dict[str, Any] = field(default_factory=dict)   # field -> [old, new] (names only for env/secrets)
    calls: list[Call] = field(default_factory=list)
    result: Any = None               # the step's result when no call is needed (no-op)
    shape: Optional[Callable[[list[Any]], Any]] = None      # call outputs -> the step's recorded result
    always: bool = False             # run the calls even on no-op (they are idempotent and say more)
    description: str = ""            # what the step does, in words, where the action alone does not say (waits)
    where: Optional[dict[str, Any]] = None   # the target its calls run in (placement.py); None: the deployment's

    def public(self) -> dict[str, Any]:
        out = {"step": self.step, "resource": self.resource, "name": self.name, "action": self.action,
               "changes": _jsonable(self.changes), "calls": [c.public() for c in self.calls]
               if self.action in ("create", "update", "delete") or self.always else []}
        if self.description:
            out["description"] = self.description
        if self.where is not None:
            out["account"] = self.where.get("account") or "platform"
        return out


class KnownAfterApply(dict):
    """A result that exists only once an earlier step has run (display plans only)."""

    def __init__(self, step: str):
        super().__init__()
        self.step = step

    def __missing__(self, key: str) -> str:
        return f"(known after apply: {self.step}.{key})"

    def get(self, key: str, default: Any = None) -> Any:
        return self[key]


def _shown(value: Any) -> Any:
    if isinstance(value, SecretValue):
        return f"<secret {value.name} v{value.version}>"
    if isinstance(value, FromCall):
        return f"<{value.key} of call {value.index + 1}>"
    return value


def known(value: Any) -> bool:
    return not (isinstance(value, str) and value.startswith("(known after apply"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def execute(cloud: Any, plan: StepPlan, reveal: Callable[[SecretValue], str]) -> Any:
    """Run a step's plan: its calls in order (none for a no-op), then its result."""
    if plan.action in ("no-op", "skip") and not plan.always:
        return plan.result
    outs: list[Any] = []

    def value(v: Any) -> Any:
        if isinstance(v, SecretValue):
            return reveal(v)
        if isinstance(v, FromCall):
            return (outs[v.index] or {}).get(v.key) or []
        return v

    for call in plan.calls:
        outs.append(getattr(cloud, call.method)(**{k: value(v) for k, v in call.kwargs.items()}))
    return plan.shape(outs) if plan.shape else (outs[-1] if outs else plan.result)


def summary(plans: list[StepPlan]) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in plans:
        out[p.action] = out.get(p.action, 0) + 1
    return out
