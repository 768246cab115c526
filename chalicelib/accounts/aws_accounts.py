"""Connections to customers' AWS accounts: each is an IAM role in the customer's account that
trusts Launchbay's account with a per-connection external id (chalicelib/cloud/access.py builds
its policy and CloudFormation template). Created `pending`, `connected` once verified
(sts:AssumeRole + GetCallerIdentity + Launchbay's own trust check), `broken` when a later use
of the role fails. Environments name a connection and a region (catalog/environments.py);
deployments then act there (deploys/placement.py). Owners and admins manage them."""
from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any, Optional

from chalicelib.accounts.service import authorize, load_in_org
from chalicelib.audit import service as audit
from chalicelib.cloud import access
from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.core.errors import AlreadyExists, Invalid, NotFound, StateConflict, named
from chalicelib.core.ids import new_id, now_iso
from chalicelib.store.port import Conflict, Store

COLLECTION = "aws_accounts"
WRITE = "aws_account.write"
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
PUBLIC = ("id", "org_id", "name", "regions", "status", "status_reason", "account_id", "role_arn", "external_id",
          "role_name", "demo", "verified", "checked", "created", "updated")


def check_regions(regions: list[str], field: str = "regions") -> list[str]:
    if not regions:
        raise Invalid("name at least one region (e.g. us-east-1)", field=field)
    bad = [r for r in regions if not isinstance(r, str) or not REGION.match(r)]
    if bad:
        raise Invalid(f"not AWS region names: {', '.join(map(str, bad))}", field=field)
    return sorted(set(regions))


def public(ports: Ports, doc: dict[str, Any], setup: bool = False) -> dict[str, Any]:
    """The connection; with `setup`, what the customer needs to create the role."""
    out = {k: doc.get(k) for k in PUBLIC}
    if setup:
        out["setup"] = setup_for(ports, doc)
    return out


def platform_account(ports: Ports) -> str:
    return ports.cloud.account_id()


def setup_for(ports: Ports, doc: dict[str, Any]) -> dict[str, Any]:
    account = platform_account(ports)
    tpl = access.template(account, doc["external_id"], doc["role_name"])
    url = ports.settings.access_template_url
    return {"platform_account": account, "external_id": doc["external_id"], "role_name": doc["role_name"],
            "template": tpl, "policy_url": "/v1/aws/policy.json",
            "quick_create_url": access.quick_create_url(url, doc["regions"][0], doc["external_id"], account,
                                                        doc["role_name"]) if url else None,
            "steps": ["create the stack from this template in the AWS account (CloudFormation console, or "
                      "`aws cloudformation create-stack --capabilities CAPABILITY_NAMED_IAM`)"
                      + ("" if url else "; a quick-create link needs LAUNCHBAY_ACCESS_TEMPLATE_URL (the "
                         "template published on S3)"),
                      f"POST /v1/orgs/{doc['org_id']}/aws-accounts/{doc['id']}/verify with the stack's RoleArn output"]}


# --- managing connections -------------------------------------------------------------

def create(ports: Ports, actor: Actor, org_id: str, name: str, regions: list[str],
           account_id: Optional[str] = None, demo: bool = False) -> dict[str, Any]:
    authorize(ports, actor, org_id, WRITE)
    if account_id is not None and not re.fullmatch(r"\d{12}", account_id):
        raise Invalid("an AWS account id is 12 digits", field="account_id")
    now = now_iso()
    conn_id = new_id("awsacc")
    doc = {"id": conn_id, "org_id": org_id, "name": name, "regions": check_regions(regions),
           # unguessable, one per connection: only this organization's role trusts it (confused deputy)
           "external_id": "lb-" + secrets.token_urlsafe(24), "role_name": access.role_name(conn_id),
           "role_arn": None, "account_id": account_id, "status": "pending",
           "status_reason": "create the role from the template, then verify its ARN", "demo": demo,
           "verified": None, "checked": None, "created": now, "updated": now}
    try:
        with ports.store.transaction():
            ports.store.collection(COLLECTION).insert(doc)
            audit.record(ports, actor, org_id, "aws_account.create", "aws_account", conn_id,
                         {"name": name, "regions": doc["regions"], "account_id": account_id})
    except Conflict:
        raise AlreadyExists(f"a connection named {name!r} already exists", field="name") from None
    return doc


def get(ports: Ports, actor: Actor, org_id: str, conn_id: str, action: str = "read") -> dict[str, Any]:
    return load_in_org(ports, actor, org_id, action, COLLECTION, conn_id, "aws_account")


def list_(ports: Ports, actor: Actor, org_id: str, limit: int, after: Optional[str]):
    authorize(ports, actor, org_id, "read")
    return ports.store.collection(COLLECTION).find({"org_id": org_id}, order="name", limit=limit, after=after)


def users(ports: Ports, conn_id: str) -> list[dict[str, Any]]:
    envs, _ = ports.store.collection("environments").find({"aws_account_id": conn_id}, limit=100)
    return envs


def update(ports: Ports, actor: Actor, org_id: str, conn_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    current = get(ports, actor, org_id, conn_id, WRITE)
    if "regions" in changes:
        changes["regions"] = check_regions(changes["regions"])
        envs = [e for e in users(ports, conn_id) if e.get("region") and e["region"] not in changes["regions"]]
        used = sorted({str(e["region"]) for e in envs})
        if used:
            raise StateConflict(f"environments deploy to {', '.join(used)} through this connection: keep "
                                "those regions or move the environments first", field="regions",
                                resources=named("environment", sorted(envs, key=lambda e: (e["name"], e["id"]))))
    try:
        with ports.store.transaction():
            doc = ports.store.collection(COLLECTION).update(current["id"], {**changes, "updated": now_iso()})
            audit.record(ports, actor, org_id, "aws_account.update", "aws_account", conn_id, {"fields": sorted(changes)})
    except Conflict:
        raise AlreadyExists(f"a connection named {changes.get('name')!r} already exists", field="name") from None
    if doc is None:
        raise NotFound("aws account not found", field="aws_account")
    return doc


def delete(ports: Ports, actor: Actor, org_id: str, conn_id: str) -> None:
    current = get(ports, actor, org_id, conn_id, WRITE)
    envs = users(ports, conn_id)
    if envs:
        names = ", ".join(sorted(e["name"] for e in envs))
        raise StateConflict(f"environments deploy through this connection ({names}): point them elsewhere first",
                            field="aws_account", resources=named("environment", sorted(envs, key=lambda e: (e["name"], e["id"]))))
    with ports.store.transaction():
        ports.store.collection(COLLECTION).delete(current["id"])
        audit.record(ports, actor, org_id, "aws_account.delete", "aws_account", conn_id,
                     {"name": current["name"], "account_id": current.get("account_id")})


def verify(ports: Ports, actor: Actor, org_id: str, conn_id: str, role_arn: Optional[str]) -> dict[str, Any]:
    """Assume the role with the external id, read who we are, check the trust; record the outcome.
    A failure is recorded (status `broken`) and answered 422 on role_arn, with the reason."""
    from chalicelib.cloud.assumed import AccessBroken

    current = get(ports, actor, org_id, conn_id, WRITE)
    role_arn = role_arn or current.get("role_arn")
    if not role_arn:
        raise Invalid("give the ARN of the role the template created (its RoleArn output)", field="role_arn")
    parsed = access.parse_role_arn(role_arn)
    if parsed is None:
        raise Invalid("not an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)", field="role_arn")
    if current.get("account_id") and parsed[1] != current["account_id"]:
        raise Invalid(f"the role is in account {parsed[1]}, but this connection is for account "
                      f"{current['account_id']}", field="role_arn")
    try:
        meta = ports.cloud.assume_access(role_arn, current["external_id"], f"launchbay-verify-{conn_id}",
                                         current.get("account_id") or parsed[1])
        problem = None
    except AccessBroken as exc:
        meta, problem = None, str(exc)
    now = now_iso()
    fields: dict[str, Any] = {"role_arn": role_arn, "checked": now, "updated": now}
    if meta:
        fields.update(status="connected", status_reason=None, account_id=meta["account"], verified=now)
    else:
        fields.update(status="broken", status_reason=problem)
    with ports.store.transaction():
        doc = ports.store.collection(COLLECTION).update(conn_id, fields)
        audit.record(ports, actor, org_id, "aws_account.verify", "aws_account", conn_id,
                     {"name": current.get("name"), "role_arn": role_arn, "status": fields["status"], "reason": problem})
    if problem:
        raise Invalid(f"the role could not be used: {problem}", field="role_arn")
    return doc or current


def create_demo(ports: Ports, actor: Actor, org_id: str) -> dict[str, Any]:
    """Sandbox only: a connection to a fresh sandbox account, its role created there from the real
    template (moto's CloudFormation), then verified like any other."""
    if not ports.settings.sandbox:
        raise NotFound("demo connections exist in the sandbox only", field="aws_account")
    doc = create(ports, actor, org_id, f"sandbox demo {secrets.token_hex(3)}", [ports.settings.aws_region],
                 demo=True)
    account = str(int(hashlib.sha256(doc["id"].encode()).hexdigest(), 16) % 10**12).zfill(12)
    tpl = access.template(platform_account(ports), doc["external_id"], doc["role_name"])
    role_arn = ports.cloud.create_demo_role(account, tpl)  # type: ignore[attr-defined]
    ports.store.collection(COLLECTION).update(doc["id"], {"account_id": account})
    return verify(ports, actor, org_id, doc["id"], role_arn)


# --- what environments and the workers ask -----------------------------------------------

def usable(ports: Ports, org_id: str, conn_id: str, region: Optional[str]) -> dict[str, Any]:
    """The connection an environment may name: this organization's (another's is a 404, as if it
    did not exist), verified, and allowing the region."""
    doc = ports.store.collection(COLLECTION).get(conn_id)
    if doc is None or doc["org_id"] != org_id:
        raise NotFound("aws account connection not found", field="aws_account_id")
    if doc["status"] == "pending" or not doc.get("role_arn"):
        raise StateConflict("verify the connection before deploying through it", field="aws_account_id")
    if region is not None and region not in doc["regions"]:
        raise Invalid(f"region {region} is not allowed by connection {doc['name']!r} "
                      f"(allowed: {', '.join(doc['regions'])})", field="region")
    return doc


def record_access(store: Store, conn_id: str, problem: Optional[str]) -> None:
    """A worker's AssumeRole outcome: a failure shows the connection as broken (with the reason),
    a success after one shows it connected again."""
    coll = store.collection(COLLECTION)
    doc = coll.get(conn_id)
    if doc is None:
        return
    if problem and (doc["status"] != "broken" or doc.get("status_reason") != problem):
        coll.update(conn_id, {"status": "broken", "status_reason": problem, "checked": now_iso()})
        audit.record(Ports(store=store, queue=None, settings=None),  # type: ignore[arg-type]  # audit writes only
                     SYSTEM, doc["org_id"], "aws_account.broken", "aws_account", conn_id, {"reason": problem})
    elif not problem and doc["status"] == "broken":
        coll.update(conn_id, {"status": "connected", "status_reason": None, "checked": now_iso()})

