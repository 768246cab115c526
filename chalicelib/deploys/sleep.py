"""Sleep schedules: an environment's services suspended while one of its `sleep_windows` is open
(staging at night and at weekends, say) and resumed when it closes, so nothing runs, or is paid
for, while nobody uses it.

Beat looks every minute (`tend`). When a window opens, each live service of the environment is
suspended as by `launchbay suspend` (deploys/suspend.py), its suspension marked `sleep`; a service
with a deployment under way is left awake until it is done (`sleep_pending` on the environment),
then put to sleep at beat's next look. When the window closes, the services
it put to sleep are resumed (a resume deployment each, keyed by the window, so a second beat makes
none twice); services suspended by hand stay suspended, and one resumed by hand during the window
simply stays up. The environment keeps `sleep_state` (asleep/awake), moved by compare-and-set once
the services were acted on: a beat that dies half-way is finished by the next, which finds the
state unchanged and acts again (each service's move is a compare-and-set of its own).
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from chalicelib.catalog import windows
from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.core.errors import StateConflict
from chalicelib.deploys import service as deploys
from chalicelib.deploys import suspend
from chalicelib.lifecycle import suspension
from chalicelib.store.port import iter_all

log = logging.getLogger("launchbay.deploys")


def _actor(env: dict[str, Any]) -> Actor:
    return Actor(user_id=SYSTEM.user_id, email=f"launchbay (sleep schedule of {env['name']})")


def tend(ports: Ports) -> dict[str, int]:
    """Beat: put environments to sleep and wake them as their windows open and close."""
    envs = ports.store.collection("environments")
    out = {"slept": 0, "woke": 0}
    for env in iter_all(envs, {"has_sleep_windows": True}):
        window = None if env.get("status") == "deleting" else \
            windows.open_unless_lifted(env.get("sleep_windows") or [], env.get("sleep_lifted_until"))   # woken by hand
        state, before = ("asleep" if window else "awake"), env.get("sleep_state")
        if state == (before or "awake"):
            if window and env.get("sleep_pending"):   # left awake for a deploy under way: asleep once it is done
                out["slept"] += len(_sleep_pending(ports, env, window))
            continue
        pending: list[str] = []
        if window:
            names, pending = _sleep(ports, env, window)
            out["slept"] += len(names)
        else:
            names, unsettled = _wake(ports, env)
            out["woke"] += len(names)
            if unsettled:   # one is still being suspended: woken at a next look, once it is
                continue
        moved = envs.update(env["id"], {"sleep_state": state, "sleep_until": window["until"] if window else None,
                                        "sleep_pending": pending or None},
                            expect={"sleep_state": before})
        if moved is not None and names:   # one message for the environment, not one per service
            _tell(ports, env, state, names, window)
    return out


def _tell(ports: Ports, env: dict[str, Any], state: str, names: list[str], window: Optional[dict[str, Any]]) -> None:
    from chalicelib.notify import service as notify

    notify.environment_changed(ports, env, state, {"services": sorted(names), "by": "sleep schedule",
                                                   **({"until": window["until"], "reason": window["reason"]}
                                                      if window else {})})


def _sleep(ports: Ports, env: dict[str, Any], window: dict[str, Any],
           only: Optional[list[str]] = None) -> tuple[list[str], list[str]]:
    """-> (the names of the services put to sleep, the ids of those left awake for a deploy under
    way: beat puts each to sleep at its first look after the deploy is done). `only`: those ids."""
    actor, slept, left = _actor(env), [], []
    where = {"environment_id": env["id"], **({"id": {"$in": only}} if only is not None else {})}
    for svc in iter_all(ports.store.collection("services"), where):
        if svc["status"] != "live" or not svc.get("live_deployment_id"):
            continue
        busy = deploys.under_way(ports, svc["id"])
        if busy:   # a deploy is someone's work in progress: not cut short, the service stays up until it is done
            log.info("sleep of %s: %s left awake, deployment #%s is %s", env["name"], svc["name"], busy["number"],
                     busy["status"])
            left.append(svc["id"])
            continue
        if suspension.begin(ports, svc, actor, None, sleep=True, reason=window["reason"], until=window["until"]):
            suspend.queue(ports, svc["id"])
            slept.append(svc["name"])
    return slept, left


def _sleep_pending(ports: Ports, env: dict[str, Any], window: dict[str, Any]) -> list[str]:
    """The services left awake when the window opened, now that their deploy is done (one resumed
    by hand meanwhile was never among them: it was asleep). -> the names put to sleep."""
    slept, left = _sleep(ports, env, window, only=list(env["sleep_pending"]))
    ports.store.collection("environments").update(env["id"], {"sleep_pending": left or None},
                                                  expect={"sleep_state": "asleep"})
    return slept


def _wake(ports: Ports, env: dict[str, Any]) -> tuple[list[str], int]:
    """-> (the services resumed, how many the schedule is still suspending: the environment stays
    asleep for beat until they are suspended and can be resumed)."""
    woke = []
    unsettled = sum(1 for svc in iter_all(ports.store.collection("services"),
                                          {"environment_id": env["id"], "status": "suspending"})
                    if (svc.get("suspended") or {}).get("sleep"))
    for svc, live in _sleepers(ports, env):
        try:
            _, created = deploys._new_deployment(ports, _actor(env), svc, None, _wake_key(svc), resume_of=live,
                                                 extra={"woken_by_schedule": True})
        except StateConflict as exc:   # changed meanwhile (being deleted, say)
            log.info("wake of %s: %s not resumed: %s", env["name"], svc["name"], exc.message)
            continue
        if created:
            woke.append(svc["name"])
    return woke, unsettled


def _sleepers(ports: Ports, env: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(service, its live release) of each service the schedule put to sleep and that still sleeps."""
    out = []
    for svc in iter_all(ports.store.collection("services"), {"environment_id": env["id"]}):
        if svc["status"] != "suspended" or not (svc.get("suspended") or {}).get("sleep"):
            continue
        live = ports.store.collection("deployments").get(svc.get("live_deployment_id") or "")
        if live is not None:
            out.append((svc, live))
    return out


def _wake_key(svc: dict[str, Any]) -> str:
    """One resume per service per sleep, whoever wakes it (the window's end or a person)."""
    return f"wake:{(svc.get('suspended') or {}).get('at')}"


def wake_now(ports: Ports, actor: Actor, org_id: str, project_id: str, ref: str) -> dict[str, Any]:
    """Wake an environment's sleeping services before their window ends (a late evening's work):
    one resume deployment each, asked for by `actor` (developer role; `deploy`). They stay up until
    the schedule next puts the environment to sleep. -> {environment, deployments}."""
    from chalicelib.accounts.service import authorize
    from chalicelib.catalog.environments import get_environment

    env = get_environment(ports, actor, org_id, project_id, ref)
    authorize(ports, actor, org_id, "deploy", env["project_id"])
    window = windows.open_window(env.get("sleep_windows") or []) if env.get("sleep_windows") else None
    if window:   # beat leaves it awake until this window ends (it sleeps again at the next)
        ports.store.collection("environments").update(env["id"], {"sleep_lifted_until": window["until"]})
    made = []
    for svc, live in _sleepers(ports, env):
        dep, _ = deploys._new_deployment(ports, actor, svc, None, _wake_key(svc), resume_of=live)
        made.append(deploys.summary(dep))
    return {"environment": env["name"], "deployments": made}


def sleeping_words(service: dict[str, Any]) -> Optional[str]:
    """How a sleeping service's refusals say it ("web sleeps until …: outside working hours")."""
    asleep = service.get("suspended") or {}
    if not asleep.get("sleep"):
        return None
    return (f"{service['name']} sleeps until {asleep.get('until')} ({asleep.get('reason')}; its environment's sleep "
            f"schedule): `launchbay resume {service['name']}` wakes it now")
