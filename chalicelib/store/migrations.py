"""Data migrations, run once per store at start (chalicelib.wiring). Each is idempotent and
safe to run from several processes at once; the `migrations` collection records which ran."""
from __future__ import annotations

import logging
from typing import Any, Callable

from chalicelib.core.ids import now_iso
from chalicelib.store.port import Conflict, iter_all

log = logging.getLogger("launchbay.migrations")


def environments(store: Any) -> int:
    """Every project gets a `production` environment; services and secrets from before
    environments existed move into it (secrets get their scope)."""
    from chalicelib.core.ids import new_id

    envs, services, secrets = store.collection("environments"), store.collection("services"), store.collection("secrets")
    moved = 0
    for project in iter_all(store.collection("projects"), {}):
        env = envs.find_one({"project_id": project["id"], "name": "production"})
        if env is None:
            now = now_iso()
            try:
                env = envs.insert({"id": new_id("env"), "org_id": project["org_id"], "project_id": project["id"],
                                   "name": "production", "domain_suffix": None, "env": {}, "created": now,
                                   "updated": now})
            except Conflict:
                env = envs.find_one({"project_id": project["id"], "name": "production"})
        for svc in iter_all(services, {"project_id": project["id"], "environment_id": None}):
            services.update(svc["id"], {"environment_id": env["id"], "environment": env["name"]},
                            expect={"environment_id": None})
            moved += 1
    for secret in iter_all(secrets, {"scope_id": None}):
        secrets.update(secret["id"], {"scope_id": secret["service_id"]}, expect={"scope_id": None})
    return moved


def endpoints(store: Any) -> int:
    """Web services live from before services carried `endpoints` (where the live release
    answers) get them from that release, as the lifecycle now writes them at go-live."""
    from chalicelib.deploys.endpoints import of_release

    services, deployments, filled = store.collection("services"), store.collection("deployments"), 0
    for svc in iter_all(services, {"kind": "web"}):
        live = deployments.get(svc.get("live_deployment_id") or "") if "endpoints" not in svc else None
        if live is not None:
            services.update(svc["id"], {"endpoints": of_release(live)},
                            expect={"live_deployment_id": live["id"]})   # a newer go-live wrote its own
            filled += 1
    return filled


def replaced(store: Any) -> int:
    """Releases that were live before a later one went live say so (`replaced_by`), as the
    lifecycle now writes at go-live: search then shows only the serving release as live."""
    deployments, marked = store.collection("deployments"), 0
    for svc in iter_all(store.collection("services"), {}):
        current = svc.get("live_deployment_id")
        if not current:
            continue
        for dep in iter_all(deployments, {"service_id": svc["id"], "status": "live"}):
            if dep["id"] != current and not dep.get("replaced_by"):
                deployments.update(dep["id"], {"replaced_by": current})
                marked += 1
    return marked


def open_alerts(store: Any) -> int:
    """Services with alerts opened before services carried `open_alerts` get the list."""
    from chalicelib.observe.alerts import open_rules

    services, marked = store.collection("services"), 0
    for svc_id in {a["service_id"] for a in iter_all(store.collection("alerts"), {"status": "open"})}:
        if services.update(svc_id, {"open_alerts": open_rules(store, svc_id)}) is not None:   # None: gone
            marked += 1
    return marked


def membership_policy(store: Any) -> int:
    """Memberships from before they carried their organization's 2FA policy (`require_mfa`) get it,
    so that authorizing a request reads no organization (accounts/service.authorize)."""
    memberships, orgs, marked = store.collection("memberships"), store.collection("organizations"), 0
    for m in iter_all(memberships, {}):
        if "require_mfa" not in m:
            memberships.update(m["id"], {"require_mfa": bool((orgs.get(m["org_id"]) or {}).get("require_mfa"))})
            marked += 1
    return marked


def token_names(store: Any) -> int:
    """Working tokens from before names were held by a unique `live_name` get it (two working
    tokens of one name from before the rule: the older keeps it, the newer is left as it was)."""
    tokens, now, marked = store.collection("tokens"), now_iso(), 0
    for tok in sorted(iter_all(tokens, {}), key=lambda t: t.get("created") or ""):
        if "live_name" in tok or (tok.get("expires") and str(tok["expires"]) <= now):
            continue
        try:
            tokens.update(tok["id"], {"live_name": f"{tok['user_id']}:{tok['name']}"})
            marked += 1
        except Conflict:
            pass
    return marked


MIGRATIONS: list[tuple[str, Callable[[Any], Any]]] = [("2026-11-environments", environments),
                                                      ("2026-11-endpoints", endpoints),
                                                      ("2026-11-replaced", replaced),
                                                      ("2026-11-open-alerts", open_alerts),
                                                      ("2026-11-membership-mfa", membership_policy),
                                                      ("2026-11-token-names", token_names)]


def migrate(store: Any) -> list[str]:
    """Run the migrations this store has not recorded yet; -> the ids that ran."""
    done = store.collection("migrations")
    ran = []
    for mid, fn in MIGRATIONS:
        if done.get(mid):
            continue
        result = fn(store)
        try:
            done.insert({"id": mid, "finished": now_iso(), "result": str(result)})
        except Conflict:  # another process finished it too: both runs were idempotent
            pass
        log.info("migration %s: %s", mid, result)
        ran.append(mid)
    return ran
