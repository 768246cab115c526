"""Indexes per collection, declared once and created by each adapter at start.

`unique` entries are enforced by the store (MongoDB unique indexes, SQLite unique
expression indexes); `index` entries serve the queries the services make.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Indexes:
    unique: tuple[tuple[str, ...], ...] = ()
    index: tuple[tuple[str, ...], ...] = ()
    fields: tuple[str, ...] = field(default=())  # extra fields queried often (documentation)


COLLECTIONS: dict[str, Indexes] = {
    "organizations": Indexes(index=(("created",),)),
    "users": Indexes(unique=(("email",),)),
    "memberships": Indexes(unique=(("org_id", "user_id"),), index=(("user_id", "created"), ("org_id", "created"))),
    "tokens": Indexes(unique=(("token_hash",),), index=(("user_id", "created"),)),
    # one per log-in; the access token names it (`sid`), so log-out and password changes revoke it
    "sessions": Indexes(index=(("user_id", "expires"),)),
    # pending "add member by email": accepted when that email signs up or logs in
    "invitations": Indexes(unique=(("org_id", "email"),), index=(("email", "created"), ("org_id", "created"))),
    "projects": Indexes(unique=(("org_id", "name"),), index=(("org_id", "created"),)),
    "services": Indexes(unique=(("project_id", "name"),),
                        index=(("org_id", "project_id", "created"), ("org_id", "created"), ("status", "created"))),
    "secrets": Indexes(unique=(("service_id", "name"),), index=(("service_id", "created"),)),
    "deployments": Indexes(unique=(("service_id", "number"), ("idempotency_scope",)),
                           index=(("service_id", "created"), ("org_id", "created"), ("status", "deadline"),
                                  ("service_id", "status", "created"))),
    "log_lines": Indexes(index=(("deployment_id", "seq"),)),
    "audit_events": Indexes(index=(("org_id", "created"),)),
    "outbox": Indexes(index=(("created",),)),
    "locks": Indexes(),
    "runs": Indexes(index=(("service_id", "created"),), unique=(("task_arn",),)),
}


def indexes_for(name: str) -> Indexes:
    try:
        return COLLECTIONS[name]
    except KeyError:
        raise KeyError(f"unknown collection {name!r}: declare it in chalicelib/store/schema.py") from None
