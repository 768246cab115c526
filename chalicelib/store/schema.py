"""Indexes per collection, declared once and created by each adapter at start.

`unique` entries are enforced by the store (MongoDB unique indexes, SQLite unique
expression indexes); `index` entries serve the queries the services make. The entries that
end in `id` serve keyset pages (`find`: the filter's fields, the sort field, then `id`, the
tie-break), so a page is one index range with no sort step (bench/endpoints.py prints the plans).

`search` names the fields whose change re-indexes a document (its search document is built
from the whole stored document at that moment: chalicelib/search/documents.py). For such a
collection the store itself writes an outbox record in the same transaction as every insert
and delete, and every update that touches one of those fields: no domain code writes outbox
records by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Indexes:
    unique: tuple[tuple[str, ...], ...] = ()
    index: tuple[tuple[str, ...], ...] = ()
    fields: tuple[str, ...] = field(default=())  # extra fields queried often (documentation)
    search: frozenset[str] = frozenset()  # fields the search index reads; empty: not searchable


COLLECTIONS: dict[str, Indexes] = {
    "organizations": Indexes(index=(("created",),)),
    "users": Indexes(unique=(("email",),)),
    "memberships": Indexes(unique=(("org_id", "user_id"),), index=(("user_id", "created"), ("org_id", "created"),
                                                                    ("org_id", "created", "id"),
                                                                    ("user_id", "created", "id"))),
    # live_name "<user>:<name>" while a token works (its own id once ended): names are unique per user
    "tokens": Indexes(unique=(("token_hash",), ("live_name",)), index=(("user_id", "created"), ("user_id", "created", "id"),
                                                                     ("expires", "created", "id"),   # expiry notices
                                                                     ("org_id", "created"))),   # an organization's deletion
    # one per log-in; the access token names it (`sid`), so log-out and password changes revoke it
    "sessions": Indexes(index=(("user_id", "expires"),)),
    # pending "add member by email": accepted when that email signs up or logs in
    # token_hash: the SHA-256 of the token its newest e-mail carried (accounts/invitations.py)
    "invitations": Indexes(unique=(("org_id", "email"), ("token_hash",)), index=(("email", "created"), ("org_id", "created"),
                                                                   ("org_id", "created", "id"))),
    # forgotten-password links (accounts/resets.py): the token's SHA-256, one live link per user
    "password_resets": Indexes(unique=(("token_hash",),), index=(("user_id", "created"), ("expires",))),
    # links that confirm an account's address (accounts/verification.py): one live link per user
    "email_verifications": Indexes(unique=(("token_hash",),), index=(("user_id", "created"), ("expires",))),
    # deleted organizations whose purge (accounts/org_deletion.py) has not finished
    "org_deletions": Indexes(index=(("created",),)),
    "email_changes": Indexes(unique=(("token_hash",),), index=(("user_id", "created"), ("expires",))),
    # e-mails to send and sent (mail/service.py); the beat looks for lost ones by status and due time
    "emails": Indexes(unique=(("dedup",),), index=(("status", "next_attempt", "id"), ("status", "claimed", "id"), ("status", "updated"),
                                                   ("message_id",))),
    # addresses nothing is sent to: they bounced for good or complained (mail/feedback.py)
    "mail_suppressions": Indexes(unique=(("email",),)),
    "projects": Indexes(unique=(("org_id", "name"),), index=(("org_id", "created"), ("org_id", "created", "id"))),
    "services": Indexes(unique=(("environment_id", "name"),),
                        index=(("org_id", "project_id", "created"), ("org_id", "created"), ("status", "created"),
                               ("environment_id", "created"), ("org_id", "project_id", "created", "id"),
                               ("environment_id", "created", "id")),
                        search=frozenset({"org_id", "project_id", "name", "kind", "image", "domain", "command",
                                          "schedule", "env", "status", "created", "environment"})),
    # custom domain claims: one service on the whole platform per domain (chalicelib/catalog/domains.py)
    "domains": Indexes(unique=(("name",),), index=(("service_id", "created"),)),
    "secrets": Indexes(unique=(("scope_id", "name"),), index=(("service_id", "created"), ("scope_id", "created"),
                                                             ("scope_id", "name", "id"))),
    "environments": Indexes(unique=(("project_id", "name"),),
                            index=(("org_id", "created"), ("aws_account_id", "created"), ("project_id", "name", "id"),
                                   ("has_freeze_windows", "created"),     # beat: windows opening and closing
                                   ("has_sleep_windows", "created"),
                                   ("egress_reap", "created"))),   # cleanup: static egress turned off
    # connections to customers' AWS accounts (chalicelib/accounts/aws_accounts.py)
    "aws_accounts": Indexes(unique=(("org_id", "name"),), index=(("org_id", "created"),)),
    "migrations": Indexes(),
    "deployments": Indexes(unique=(("service_id", "number"), ("idempotency_scope",)),
                           index=(("service_id", "created"), ("org_id", "created"), ("status", "deadline"),
                                  ("service_id", "status", "created"), ("service_id", "number", "id"),
                                  ("service_id", "status", "number", "id"),
                                  ("status", "finished"),    # failed deployments per minute (platform_metrics)
                                  ("org_id", "status", "created"),    # deploys awaiting approval
                                  ("promote_due",)),   # live releases owing an automatic promotion (reaper)
                           # not `steps` or `reason`: they change at every step; the index reads the whole
                           # document (steps and reason included) at each status move, the last one final
                           search=frozenset({"org_id", "project_id", "service_name", "number", "image", "status",
                                             "error", "actor", "created", "environment", "commit", "replaced_by"})),
    "log_lines": Indexes(index=(("deployment_id", "seq"), ("deployment_id", "seq", "id")),
                         search=frozenset({"org_id", "deployment_id", "step", "level", "message", "ts", "created"})),
    "audit_events": Indexes(index=(("org_id", "created"), ("org_id", "created", "id")),
                            search=frozenset({"org_id", "action", "actor", "target_type", "target_id", "project_id",
                                              "source_ip", "details", "created"})),
    "outbox": Indexes(index=(("created",),)),
    "locks": Indexes(),
    # ("status", "created"): the beat's look at runs still going (deploys/runs.py _sync_open)
    "runs": Indexes(index=(("service_id", "created"), ("service_id", "created", "id"), ("status", "created")),
                    unique=(("task_arn",),)),
    # alerts (chalicelib/observe/alerts.py): one open per (service, rule) through the unique open_key
    "alerts": Indexes(unique=(("open_key",),), index=(("service_id", "created"), ("service_id", "status", "created")),
                      search=frozenset({"org_id", "project_id", "service_name", "rule", "status", "message",
                                        "created"})),
    "alert_rules": Indexes(unique=(("service_id",),)),
    # managed resources (chalicelib/resources/): one name per environment; services link them
    "resources": Indexes(unique=(("environment_id", "name"),),
                         index=(("project_id", "created"), ("project_id", "created", "id"),
                                ("project_id", "environment_id", "created", "id"), ("environment_id", "created"))),
    "resource_links": Indexes(unique=(("service_id", "resource_id"), ("service_id", "variable")),
                              index=(("resource_id", "created"), ("service_id", "created"))),
    # notifications (chalicelib/notify): subscriptions per project, one delivery per (event, subscription)
    "notify_subscriptions": Indexes(index=(("project_id", "created"), ("project_id", "created", "id"),
                                           ("project_id", "enabled", "created"),
                                           ("org_id", "kind"))),   # e-mail ones, when a member's address moves
    "notify_deliveries": Indexes(index=(("subscription_id", "created"), ("subscription_id", "created", "id"),
                                        ("status", "created"))),   # the cleanup's purge of old settled ones
    # an organization's credentials for private container registries (chalicelib/registries): one per host
    "registry_credentials": Indexes(unique=(("org_id", "host"),), index=(("org_id", "host", "id"),)),
    # an organization's environment groups (chalicelib/envgroups): shared variables, named, linked to services
    "env_groups": Indexes(unique=(("org_id", "name"),), index=(("org_id", "name", "id"),)),
    # a service's deploy hook (chalicelib/deploys/deploy_hooks.py): one per service, its key hashed
    "deploy_hooks": Indexes(unique=(("service_id",),)),
    # a project's git webhook (chalicelib/hooks): one per project, its secret encrypted
    "hooks": Indexes(unique=(("project_id",),)),
    # each delivery once: GitHub's X-GitHub-Delivery id is unique per project, so a replay is refused
    "hook_deliveries": Indexes(unique=(("project_id", "delivery"),), index=(("project_id", "created"),
                                                                            ("status", "created"))),
}


# Unique indexes an earlier schema had: dropped at start (a service name is unique per
# environment now, a secret name per scope).
RETIRED_UNIQUE: dict[str, tuple[tuple[str, ...], ...]] = {
    "services": (("project_id", "name"),),
    "secrets": (("service_id", "name"),),
}

SEARCHABLE: tuple[str, ...] = tuple(name for name, ix in COLLECTIONS.items() if ix.search)
OUTBOX = "outbox"


def outbox_record(collection: str, doc_id: str, org_id: str, op: str) -> dict:
    """The outbox record both adapters write: the indexer re-reads the document by id."""
    from chalicelib.core.ids import new_id, now_iso

    return {"id": new_id("obx"), "op": op, "collection": collection, "doc_id": doc_id, "org_id": org_id,
            "created": now_iso()}


def touches_search(name: str, changes: dict) -> bool:
    fields = COLLECTIONS[name].search
    return bool(fields) and not fields.isdisjoint(changes)


def indexes_for(name: str) -> Indexes:
    try:
        return COLLECTIONS[name]
    except KeyError:
        raise KeyError(f"unknown collection {name!r}: declare it in chalicelib/store/schema.py") from None
