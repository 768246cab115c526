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


MIGRATIONS: list[tuple[str, Callable[[Any], Any]]] = [("2026-11-environments", environments)]


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
