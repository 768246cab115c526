"""Deploy freezes of an environment: one set by hand (`freeze`, with a reason and an optional end)
and recurring windows (`freeze_windows`, catalog/windows.py). While either holds, no new
release goes out there: deploys are refused (409, field `environment`), approvals wait, promotions
and git pushes skip it, a queued deploy is cancelled when a worker reaches it; rollbacks, restarts
and resumes still run (an incident needs them). Freezes starting and ending are told to the
project's subscriptions (environment.frozen / environment.unfrozen)."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.audit import service as audit
from chalicelib.catalog import windows
from chalicelib.catalog.environments import get_environment, writable
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import Invalid, StateConflict
from chalicelib.core.ids import now_iso
from chalicelib.store.port import iter_all


def shown(env: dict[str, Any]) -> dict[str, Any]:
    """What an environment's API document says of its freezes: `freeze` (in force now),
    `freeze_windows`, and `next_freeze` (the next window opening, when none is in force)."""
    freeze = freeze_of(env)
    recurring = env.get("freeze_windows") or []
    upcoming = windows.next_window(recurring) if not freeze else None
    return {"freeze": freeze, "freeze_windows": recurring,
            "next_freeze": {k: upcoming[k] for k in ("starts", "until", "reason")} if upcoming else None}


def freeze_of(env: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The environment's freeze while it lasts ({reason, until, by, at}), else None: one set by
    hand first, else an open recurring window's (by "freeze window", with its `window`)."""
    freeze = env.get("freeze")
    if freeze and not (freeze.get("until") and freeze["until"] <= now_iso()):
        return freeze
    return windows.open_unless_lifted(env.get("freeze_windows") or [], env.get("windows_lifted_until"))


def frozen_message(env: dict[str, Any], freeze: dict[str, Any]) -> str:
    until = f" until {freeze['until']}" if freeze.get("until") else ""
    lift = f"an admin lifts it with `launchbay envs unfreeze {env['name']}`"
    if freeze.get("window"):
        lift = f"a recurring freeze, {windows.describe(freeze['window'])}; {lift} (this time only)"
    return f"the {env['name']} environment is frozen{until}: {freeze['reason']} (rollbacks and restarts still run; {lift})"


def refuse_if_frozen(env: dict[str, Any]) -> None:
    """A new release may not go out to a frozen environment (409, field `environment`)."""
    freeze = freeze_of(env)
    if freeze:
        raise StateConflict(frozen_message(env, freeze), field="environment")


def freeze_environment(ports: Ports, actor: Actor, org_id: str, project_id: str, ref: str, reason: str,
                       until: Optional[str]) -> dict[str, Any]:
    """No new release goes out until `until` (None: until lifted): deploys, approvals, git pushes
    and promotions there are refused or skipped, with the reason; rollbacks, restarts and
    resumes still run (an incident needs them). Deploys already queued still run."""
    env = writable(get_environment(ports, actor, org_id, project_id, ref, "project.write"))
    if until is not None and until <= now_iso():
        raise Invalid("until must be in the future", field="until")
    freeze = {"reason": reason, "until": until, "by": actor.label, "at": now_iso()}
    with ports.store.transaction():
        doc = ports.store.collection("environments").update(env["id"], {"freeze": freeze, "updated": now_iso()})
        audit.record(ports, actor, org_id, "environment.freeze", "environment", env["id"],
                     {"name": env["name"], "reason": reason, "until": until})
    _tell(ports, env, "frozen", {"freeze": freeze})
    return doc or env


def unfreeze_environment(ports: Ports, actor: Actor, org_id: str, project_id: str, ref: str) -> dict[str, Any]:
    """Lift the freeze set by hand and, if a recurring window is open, this time of it (until its
    end: the next time the window opens, it freezes again)."""
    env = get_environment(ports, actor, org_id, project_id, ref, "project.write")
    was = freeze_of(env)
    changes: dict[str, Any] = {"freeze": None, "updated": now_iso()}
    window = windows.open_window(env.get("freeze_windows") or []) if env.get("freeze_windows") else None
    if window and (env.get("windows_lifted_until") or "") <= now_iso():
        changes["windows_lifted_until"] = window["until"]
    with ports.store.transaction():
        doc = ports.store.collection("environments").update(env["id"], changes)
        audit.record(ports, actor, org_id, "environment.unfreeze", "environment", env["id"],
                     {"name": env["name"], "was": was, **({"window_lifted_until": window["until"]} if window else {})})
    if was:   # lifting a freeze that had ended (or never was) tells nobody
        _tell(ports, env, "unfrozen", {"by": actor.label})
    return doc or env


def announce_windows(ports: Ports) -> int:
    """Beat, every minute: tell the project's subscriptions when a freeze window opens or closes
    (environment.frozen / environment.unfrozen, as a freeze set by hand does). What was last told
    is kept on the environment (`window_told`) and moved by compare-and-set, so two beats never
    tell it twice; a window already open when it is set is told at once. -> how many were told."""
    envs = ports.store.collection("environments")
    told = 0
    for env in iter_all(envs, {"has_freeze_windows": True}):
        lifted = (env.get("windows_lifted_until") or "") > now_iso()
        window = None if env.get("status") == "deleting" else \
            windows.open_unless_lifted(env.get("freeze_windows") or [], env.get("windows_lifted_until"))
        state = "open" if window else "closed"
        before = env.get("window_told")
        if state == (before or "closed"):
            continue
        if envs.update(env["id"], {"window_told": state}, expect={"window_told": before}) is None:
            continue   # another beat moved it first
        if state == "open":
            _tell(ports, env, "frozen", {"freeze": window})
        elif not lifted:   # an unfreeze by hand was told already
            _tell(ports, env, "unfrozen", {"by": "freeze window"})
        told += 1
    return told


def _tell(ports: Ports, env: dict[str, Any], change: str, data: dict[str, Any]) -> None:
    from chalicelib.notify import service as notify

    notify.environment_changed(ports, env, change, data)
