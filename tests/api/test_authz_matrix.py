"""Issue #9: the authorization matrix, generated from GET /v1/openapi.json, so a route is
covered the day it is added (an operation missing from REQUIRED fails the test).

Every authenticated operation is called by:
  * org A's owner, admin, developer and viewer: allowed roles never get 401/403 (nor 5xx),
    lower roles get 403;
  * the owner of org B, with org A's ids in the path, under org A and under org B;
  * an API token limited to org B, held by a user who is an *owner* of org A, the same way.
Outsiders must never get a 2xx for a request that names anything of org A, and no answer to
an outsider may contain org A's ids, names, e-mails or the canaries placed in its project
description, service env and (for everyone) a secret value."""
from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import pytest

from chalicelib import wiring
from chalicelib.accounts.roles import RANK
from chalicelib.core.ids import iso_from_epoch
from chalicelib.store.port import iter_all
from tests.support.deploying import run_to_end
from tests.support.drains import Receiver
from tests.support.mailbox import invitation_token
from tests.support.totp import Authenticator

PW = "correct horse battery"
SELF = "self"  # operations on the caller's own account: every authenticated caller may call them

# The lowest role each operation needs (chalicelib/accounts/roles.py). A new route must be
# added here: the matrix fails on any operation it does not know.
REQUIRED = {
    "POST /auth/password": SELF, "POST /auth/logout": SELF, "GET /me": SELF,
    "GET /me/notifications": SELF, "PATCH /me/notifications": SELF, "DELETE /me/email-suppression": SELF, "POST /me/verify-email": SELF,
    "POST /me/email": SELF, "DELETE /me/email": SELF,
    "GET /me/sessions": SELF, "DELETE /me/sessions": SELF, "DELETE /me/sessions/{session}": SELF,
    "POST /orgs": SELF, "DELETE /orgs/{org}": "owner", "POST /me/delete": SELF,
    "POST /invitations/accept": SELF,
    "POST /tokens": SELF, "GET /tokens": SELF, "DELETE /tokens/{token_id}": SELF,
    "POST /auth/mfa/setup": SELF, "POST /auth/mfa/confirm": SELF, "POST /auth/mfa/recovery-codes": SELF,
    "POST /auth/mfa/disable": SELF, "PATCH /orgs/{org}": "admin",
    "POST /orgs/{org}/members": "admin", "GET /orgs/{org}/members": "viewer",
    "PATCH /orgs/{org}/members/{user}": "admin", "DELETE /orgs/{org}/members/{user}": "admin",
    "PUT /orgs/{org}/members/{user}/projects/{project}": "admin",
    "DELETE /orgs/{org}/members/{user}/projects/{project}": "admin",
    "GET /orgs/{org}/invitations": "admin", "DELETE /orgs/{org}/invitations/{invitation}": "admin",
    "POST /orgs/{org}/invitations/{invitation}/resend": "admin",
    "POST /orgs/{org}/projects": "admin", "GET /orgs/{org}/projects": "viewer",
    "GET /orgs/{org}/projects/{project}": "viewer", "PATCH /orgs/{org}/projects/{project}": "admin",
    "DELETE /orgs/{org}/projects/{project}": "admin",
    "POST /orgs/{org}/projects/{project}/services": "developer",
    "GET /orgs/{org}/projects/{project}/services": "viewer",
    "GET /orgs/{org}/services/{svc}": "viewer", "PATCH /orgs/{org}/services/{svc}": "developer",
    "DELETE /orgs/{org}/services/{svc}": "developer",
    "GET /orgs/{org}/services/{svc}/secrets": "viewer",
    "PUT /orgs/{org}/services/{svc}/secrets/{name}": "developer",
    "DELETE /orgs/{org}/services/{svc}/secrets/{name}": "developer",
    "POST /orgs/{org}/services/{svc}/deployments": "developer",
    "GET /orgs/{org}/services/{svc}/deployments": "viewer",
    "GET /orgs/{org}/services/{svc}/plan": "viewer", "GET /orgs/{org}/services/{svc}/releases": "viewer",
    "POST /orgs/{org}/services/{svc}/rollback": "developer", "POST /orgs/{org}/services/{svc}/restart": "developer",
    "POST /orgs/{org}/services/{svc}/suspend": "developer", "POST /orgs/{org}/services/{svc}/resume": "developer",
    "PUT /orgs/{org}/services/{svc}/maintenance": "developer", "DELETE /orgs/{org}/services/{svc}/maintenance": "developer",
    "GET /orgs/{org}/deployments/{dep}": "viewer", "POST /orgs/{org}/deployments/{dep}/cancel": "developer",
    "POST /orgs/{org}/deployments/{dep}/proceed": "developer",
    "GET /orgs/{org}/deployments/{dep}/logs": "viewer", "GET /orgs/{org}/deployments/{dep}/changes": "viewer",
    "POST /orgs/{org}/deployments/{dep}/approve": "admin", "POST /orgs/{org}/deployments/{dep}/reject": "admin",
    "GET /orgs/{org}/approvals": "viewer",
    "GET /orgs/{org}/services/{svc}/logs": "viewer",
    "POST /orgs/{org}/services/{svc}/runs": "developer", "GET /orgs/{org}/services/{svc}/runs": "viewer",
    "GET /orgs/{org}/services/{svc}/domain": "viewer",
    "GET /orgs/{org}/services/{svc}/metrics": "viewer", "GET /orgs/{org}/services/{svc}/events": "viewer",
    "GET /orgs/{org}/services/{svc}/alerts": "viewer", "GET /orgs/{org}/services/{svc}/alert-rules": "viewer",
    "PUT /orgs/{org}/services/{svc}/alert-rules": "developer",
    "POST /orgs/{org}/services/{svc}/domain/verify": "developer",
    "POST /orgs/{org}/projects/{project}/plan": "viewer", "POST /orgs/{org}/projects/{project}/apply": "developer",
    "GET /orgs/{org}/projects/{project}/export": "viewer",
    "GET /orgs/{org}/projects/{project}/environments": "viewer",
    "POST /orgs/{org}/projects/{project}/environments": "admin",
    "GET /orgs/{org}/projects/{project}/environments/{env}": "viewer",
    "PATCH /orgs/{org}/projects/{project}/environments/{env}": "admin",
    "DELETE /orgs/{org}/projects/{project}/environments/{env}": "admin",
    "POST /orgs/{org}/projects/{project}/environments/{env}/clone": "admin",
    "GET /orgs/{org}/projects/{project}/environments/{env}/plan-delete": "viewer",
    "GET /orgs/{org}/projects/{project}/environments/{env}/promote": "viewer",
    "POST /orgs/{org}/projects/{project}/environments/{env}/freeze": "admin",
    "DELETE /orgs/{org}/projects/{project}/environments/{env}/freeze": "admin",
    "POST /orgs/{org}/projects/{project}/environments/{env}/promote": "developer",
    "POST /orgs/{org}/projects/{project}/environments/{env}/wake": "developer",
    "GET /orgs/{org}/projects/{project}/environments/{env}/secrets": "viewer",
    "PUT /orgs/{org}/projects/{project}/environments/{env}/secrets/{name}": "developer",
    "DELETE /orgs/{org}/projects/{project}/environments/{env}/secrets/{name}": "developer",
    "POST /orgs/{org}/aws-accounts": "admin", "GET /orgs/{org}/aws-accounts": "viewer",
    "GET /orgs/{org}/aws-accounts/{account}": "viewer", "PATCH /orgs/{org}/aws-accounts/{account}": "admin",
    "DELETE /orgs/{org}/aws-accounts/{account}": "admin", "POST /orgs/{org}/aws-accounts/{account}/verify": "admin",
    "POST /orgs/{org}/sandbox/aws-account": "admin",
    "GET /orgs/{org}/search": "viewer",
    "POST /orgs/{org}/projects/{project}/resources": "admin", "GET /orgs/{org}/projects/{project}/resources": "viewer",
    "GET /orgs/{org}/resources/{res}": "viewer", "PATCH /orgs/{org}/resources/{res}": "admin",
    "DELETE /orgs/{org}/resources/{res}": "admin", "POST /orgs/{org}/resources/{res}/rotate": "admin", "GET /orgs/{org}/services/{svc}/links": "viewer",
    "GET /orgs/{org}/resources/{res}/restore-window": "viewer", "POST /orgs/{org}/resources/{res}/restore": "admin",
    "GET /orgs/{org}/resources/{res}/messages": "viewer", "POST /orgs/{org}/resources/{res}/redrive": "developer",
    "POST /orgs/{org}/resources/{res}/purge": "admin", "GET /orgs/{org}/resources/{res}/dead-letters": "developer", "POST /orgs/{org}/resources/{res}/test-line": "admin",
    "PUT /orgs/{org}/services/{svc}/links/{res}": "developer", "DELETE /orgs/{org}/services/{svc}/links/{res}": "developer",
    "GET /orgs/{org}/services/{svc}/cost": "viewer", "GET /orgs/{org}/projects/{project}/cost": "viewer",
    "GET /orgs/{org}/audit": "viewer", "GET /orgs/{org}/audit-events/{event}": "viewer",
    "POST /orgs/{org}/projects/{project}/notifications": "admin",
    "GET /orgs/{org}/projects/{project}/notifications": "viewer",
    "GET /orgs/{org}/projects/{project}/notifications/{sub}": "viewer",
    "PATCH /orgs/{org}/projects/{project}/notifications/{sub}": "admin",
    "DELETE /orgs/{org}/projects/{project}/notifications/{sub}": "admin",
    "POST /orgs/{org}/projects/{project}/notifications/{sub}/test": "admin",
    "POST /orgs/{org}/projects/{project}/notifications/{sub}/rotate-secret": "admin",
    "GET /orgs/{org}/projects/{project}/notifications/{sub}/deliveries": "viewer",
    "POST /orgs/{org}/projects/{project}/hooks/github": "admin",
    "GET /orgs/{org}/projects/{project}/hooks/github": "viewer",
    "GET /orgs/{org}/git/github": "viewer", "PUT /orgs/{org}/git/github": "admin", "DELETE /orgs/{org}/git/github": "admin",
    "GET /orgs/{org}/services/{svc}/deploy-hook": "viewer", "POST /orgs/{org}/services/{svc}/deploy-hook": "developer",
    "DELETE /orgs/{org}/services/{svc}/deploy-hook": "developer",
    "GET /orgs/{org}/registries": "viewer", "GET /orgs/{org}/registries/{host}": "viewer",
    "PUT /orgs/{org}/registries/{host}": "admin", "DELETE /orgs/{org}/registries/{host}": "admin",
    "GET /orgs/{org}/env-groups": "viewer", "POST /orgs/{org}/env-groups": "admin",
    "GET /orgs/{org}/env-groups/{group}": "viewer", "PATCH /orgs/{org}/env-groups/{group}": "admin",
    "DELETE /orgs/{org}/env-groups/{group}": "admin", "GET /orgs/{org}/env-groups/{group}/secrets": "viewer",
    "PUT /orgs/{org}/env-groups/{group}/secrets/{name}": "admin",
    "DELETE /orgs/{org}/env-groups/{group}/secrets/{name}": "admin",
    "POST /orgs/{org}/env-groups/{group}/deploy": "developer",
}
# Documented exceptions for outsiders, by operation and identity kind.
OUTSIDER_STATUS = {("POST /auth/password", "limited"): 403}  # a limited token cannot change the password
# two-factor settings and the organization's policy take a log-in session: API tokens get 403
OUTSIDER_STATUS.update({(k, "limited"): 403 for k in ("POST /auth/mfa/setup", "POST /auth/mfa/confirm",
                                                      "POST /auth/mfa/recovery-codes", "POST /auth/mfa/disable",
                                                      "PATCH /orgs/{org}")})
# so does moving the account to another address (a log-in session and the password only)
OUTSIDER_STATUS.update({(k, "limited"): 403 for k in ("POST /me/email", "DELETE /me/email")})
# and creating another organization
OUTSIDER_STATUS[("POST /orgs", "limited")] = 403
OUTSIDER_STATUS[("DELETE /orgs/{org}", "limited")] = 403   # a log-in session deletes an organization
OUTSIDER_STATUS[("POST /me/delete", "limited")] = 403      # and an account
# and log-in sessions, which reach every organization of the user
OUTSIDER_STATUS.update({(k, "limited"): 403 for k in ("GET /me/sessions", "DELETE /me/sessions",
                                                      "DELETE /me/sessions/{session}")})
# joining an organization reaches beyond a token limited to one
OUTSIDER_STATUS[("POST /invitations/accept", "limited")] = 403
# Statuses an allowed caller may get besides 2xx: a conflict with the fixtures' state
# (cancelling a live deployment, a deploy already running).
ALLOWED_CONFLICT = {409}


def _hex() -> str:
    return uuid.uuid4().hex[:10]


@dataclass
class Who:
    name: str
    kind: str                   # "member" (of org A), "foreign" (org B's owner), "limited" (B-limited token)
    role: Optional[str]         # role in org A for members
    token: str
    org: str                    # the org id placed in {org}
    email: str
    fresh: Callable[[], str]    # a new credential of the same kind (for logout and password change)


@dataclass
class World:
    """Org A's fixtures and the strings that must never reach an outsider."""
    client: Any
    ports: Any
    ids: dict[str, str] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)
    secret_value: str = ""
    owner_token: str = ""
    dual_token: str = ""        # the session of the user behind the limited token
    identities: list[Who] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)  # e-mail -> password, once changed
    authenticators: dict[str, Authenticator] = field(default_factory=dict)  # e-mail -> its 2FA app, once on
    recovery: dict[str, list[str]] = field(default_factory=dict)  # e-mail -> its unused recovery codes
    n: int = 0
    receiver: Any = None        # a log drain's endpoint (tests/support/drains.py)

    def call(self, method, path, body=None, token=None, query=None):
        h = {"Content-Type": "application/json"}
        if token:
            h["Authorization"] = f"Bearer {token}"
        url = "/v1" + path + ("?" + query if query else "")
        data = json.dumps(body) if body is not None else None
        r = getattr(self.client.http, method.lower())(url, headers=h, body=data)
        raw = r.body.decode() if isinstance(r.body, bytes) else str(r.body or "")
        return r.status_code, raw, r.headers

    def ok(self, method, path, body=None, token=None, status=(200, 201, 202, 204)):
        code, raw, _ = self.call(method, path, body, self.owner_token if token is None else token)
        assert code in status, (method, path, code, raw)
        return json.loads(raw) if raw else None

    # --- fresh org A resources, so DELETE checks never consume the shared fixtures ---

    def fresh_project(self) -> str:
        return self.ok("POST", f"/orgs/{self.ids['org']}/projects", {"name": "tmp-" + _hex()})["id"]

    def fresh_service(self) -> str:
        return self.ok("POST", f"/orgs/{self.ids['org']}/projects/{self.ids['project']}/services",
                       {"name": "tmp-" + _hex(), "image": "nginx:1.27", "port": 80})["id"]

    def fresh_secret(self) -> str:
        name = "TMP_" + _hex().upper()
        self.ok("PUT", f"/orgs/{self.ids['org']}/services/{self.ids['web']}/secrets/{name}", {"value": "x"})
        return name

    def fresh_environment(self) -> str:
        return self.ok("POST", f"/orgs/{self.ids['org']}/projects/{self.ids['project']}/environments",
                       {"name": "tmp-" + _hex()})["id"]

    def fresh_env_secret(self) -> str:
        name = "TMP_" + _hex().upper()
        self.ok("PUT", f"/orgs/{self.ids['org']}/projects/{self.ids['project']}/environments/{self.ids['env']}"
                       f"/secrets/{name}", {"value": "x"})
        return name

    def fresh_resource(self, linked: bool = False) -> str:
        """A bucket (unprotected; no worker runs, so it stays `creating`), linked to the web service if asked."""
        res = self.ok("POST", f"/orgs/{self.ids['org']}/projects/{self.ids['project']}/resources",
                      {"name": "tmp-" + _hex(), "kind": "bucket", "deletion_protection": False,
                       "environment": self.ids["env"]})   # by id: a fuzzed PATCH may have renamed production
        if linked:
            self.ok("PUT", f"/orgs/{self.ids['org']}/services/{self.ids['web']}/links/{res['id']}",
                    {"variable": "B_" + _hex().upper()})
        return res["id"]

    def fresh_aws_account(self) -> str:
        return self.ok("POST", f"/orgs/{self.ids['org']}/aws-accounts", {"name": "tmp-" + _hex()})["id"]

    def fresh_registry(self) -> str:
        """Credentials for a new registry host (the sandbox signs in to none but loopback ones)."""
        host = f"reg-{_hex()}.example.com"
        self.ok("PUT", f"/orgs/{self.ids['org']}/registries/{host}", {"username": "bot", "password": "pull-" + _hex()})
        return host

    def fresh_env_group(self) -> str:
        """A new environment group (linked to nothing: deleting it is allowed)."""
        return self.ok("POST", f"/orgs/{self.ids['org']}/env-groups", {"name": "tmp-" + _hex()})["name"]

    def fresh_env_group_secret(self) -> str:
        name = "TMP_" + _hex().upper()
        self.ok("PUT", f"/orgs/{self.ids['org']}/env-groups/{self.ids['env_group']}/secrets/{name}", {"value": "x"})
        return name

    def fresh_subscription(self) -> str:
        return self.ok("POST", f"/orgs/{self.ids['org']}/projects/{self.ids['project']}/notifications",
                       {"kind": "webhook", "url": "https://hooks.example.com/" + _hex()})["id"]

    def fresh_invitation(self, email=None) -> str:
        return self.ok("POST", f"/orgs/{self.ids['org']}/members",
                       {"email": email or f"inv-{_hex()}@a.test", "role": "viewer"})["id"]

    def fresh_member(self, role="viewer") -> tuple[str, str]:
        email = f"m-{_hex()}@a.test"
        self.ok("POST", f"/orgs/{self.ids['org']}/members", {"email": email, "role": role})
        body = self.ok("POST", "/auth/signup", {"email": email, "password": PW, "organization": "home-" + _hex(),
                                                "invitation": invitation_token(email)}, token="")
        return body["user"]["id"], body["token"]

    def invitation_for(self, email) -> dict:
        """The body that accepts a new organization's invitation of `email` (as its e-mail's link would)."""
        host = self.ok("POST", "/auth/signup", {"email": f"host-{_hex()}@c.test", "password": PW,
                                                "organization": "inviter-" + _hex()}, token="")
        self.ok("POST", f"/orgs/{host['organization']['id']}/members", {"email": email, "role": "viewer"},
                token=host["token"])
        return {"token": invitation_token(email)}

    def fresh_token(self, token, org_id=None) -> str:
        return self.ok("POST", "/tokens", {"name": "t-" + _hex(), "organization_id": org_id}, token=token)["id"]

    def fresh_session(self, email) -> str:
        """A new log-in session of `email`'s -> its id (the newest of theirs)."""
        self.login(email)
        user = self.ports.store.collection("users").find_one({"email": email})
        found, _ = self.ports.store.collection("sessions").find({"user_id": user["id"]}, order="-created", limit=1)
        return found[0]["id"]

    def login(self, email) -> str:
        out = self.ok("POST", "/auth/login", {"email": email, "password": self.passwords.get(email, PW)}, token="")
        if out.get("mfa_required"):   # two-factor authentication on: the second step, with a recovery code
            out = self.ok("POST", "/auth/login/mfa", {"mfa_token": out["mfa_token"],
                                                      "recovery_code": self.recovery[email].pop()}, token="")
        return out["token"]

    # --- two-factor authentication, as each identity's own authenticator app ---

    def mfa_confirm_body(self, who) -> dict:
        """A new pending secret for the caller, and a code of it (a placeholder when setup is refused)."""
        status, raw, _ = self.call("POST", "/auth/mfa/setup", {"password": self.passwords.get(who.email, PW)},
                                   token=who.token)
        if status != 201:
            return {"code": "000000"}
        app = Authenticator(json.loads(raw)["secret"])
        self.authenticators[who.email] = app
        return {"code": app.code()}

    def email_change_body(self, who) -> dict:
        """A move to a fresh address, with the password, and a recovery code when two-factor is on."""
        from chalicelib.accounts import mfa

        body = {"email": f"moved-{_hex()}@x.test", "password": self.passwords.get(who.email, PW)}
        user = self.ports.store.collection("users").find_one({"email": who.email})
        if user and mfa.enabled(user):
            body["recovery_code"] = self.recovery_code(who.email)
        return body

    def account_delete_body(self, who) -> dict:
        """The password, and a recovery code when two-factor is on (the call runs last: it ends the account)."""
        body = self.email_change_body(who)
        body.pop("email")
        return body

    def mfa_code(self, email) -> str:
        app = self.authenticators.get(email)
        return app.code() if app else "000000"

    def recovery_code(self, email) -> str:
        codes = self.recovery.get(email)
        return codes.pop() if codes else "aaaa-bbbb-cccc-dddd"


def _module_env(tmp_path_factory, redis_url, moto_url):
    """tests/conftest.py launchbay_env, once for the module (the fixtures take a while to build)."""
    prefix = "test-" + _hex()
    values = {"LAUNCHBAY_DATA_DIR": str(tmp_path_factory.mktemp("authz") / "data"), "LAUNCHBAY_QUEUE_PREFIX": prefix,
              "LAUNCHBAY_STAGE": "test", "REDIS_URL": redis_url, "AWS_ENDPOINT_URL": moto_url,
              "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
              "AWS_DEFAULT_REGION": "us-east-1", "LAUNCHBAY_SANDBOX_DELAY": "0",
              "LAUNCHBAY_ROLLOUT_POLL": "0.2", "LAUNCHBAY_CLUSTER": "lb-" + prefix,
              "LAUNCHBAY_JWT_SECRET": "test-jwt-" + uuid.uuid4().hex,
              "LAUNCHBAY_SECRETS_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
              # the matrix signs up and makes tokens far more often than a person would
              "LAUNCHBAY_SIGNUPS_PER_ADDRESS": "100000", "LAUNCHBAY_TOKENS_PER_USER": "100000"}
    return prefix, values


@contextlib.contextmanager
def built_world(prefix: str, values: dict, redis_url: str):
    """The module's environment applied, org A and the outsiders built through the API; undone
    (settings, adapters, the module's queues) afterwards. Shared with tests/api/test_fuzz.py."""
    from chalice.test import Client

    import app as app_module

    with pytest.MonkeyPatch.context() as mp:
        for key in ("MONGODB_URI", "OPENSEARCH_URL"):
            mp.delenv(key, raising=False)
        for key, value in values.items():
            mp.setenv(key, value)
        wiring.reset()
        try:
            with Client(app_module.app) as client:
                w = World(client, wiring.get_ports())
                _build(w)
                yield w
        finally:
            wiring.reset()
            _forget_queues(redis_url, prefix)


@pytest.fixture(scope="module")
def world(tmp_path_factory, redis_url, moto_url):
    from chalicelib.search.indexer import relay_outbox

    prefix, values = _module_env(tmp_path_factory, redis_url, moto_url)
    with built_world(prefix, values, redis_url) as w:
        while relay_outbox(w.ports.store, w.ports.search, batch_size=500):
            pass  # org A's documents are in the search index, where a leak would show
        yield w


def _forget_queues(url: str, prefix: str) -> None:
    """The module's queues and kombu's bindings for them (no worker ran: nothing else is left)."""
    import redis

    r = redis.Redis.from_url(url)
    for pattern in (f"{prefix}.*", f"_kombu.binding.{prefix}.*", f"_kombu.binding_permanent.{prefix}.*"):
        keys = list(r.scan_iter(pattern))
        if keys:
            r.delete(*keys)


def _build(w: World) -> None:
    tag = _hex()
    canary = f"CANARY-{tag}"
    w.secret_value = f"SECRET-VALUE-{tag}"
    owner = w.ok("POST", "/auth/signup", {"email": f"owner-{tag}@a.test", "password": PW,
                                          "organization": f"OrgA-{tag}"}, token="")
    w.owner_token = owner["token"]
    org = owner["organization"]["id"]
    w.ids.update(org=org, owner_email=owner["user"]["email"], owner_id=owner["user"]["id"])
    prj = w.ok("POST", f"/orgs/{org}/projects", {"name": f"proj-{tag}", "description": f"about {canary}"})
    web = w.ok("POST", f"/orgs/{org}/projects/{prj['id']}/services",
               {"name": f"web-{tag}", "image": "nginx:1.27", "port": 80, "env": {"CANARY": canary},
                "domain": f"app-{tag}.example.com"})
    cron = w.ok("POST", f"/orgs/{org}/projects/{prj['id']}/services",
                {"name": f"cron-{tag}", "kind": "cron", "image": "busybox", "schedule": "@daily",
                 "env": {"CANARY": canary}})
    w.ok("PUT", f"/orgs/{org}/services/{web['id']}/secrets/DB_PASSWORD", {"value": w.secret_value})
    deps = {}
    for svc in (web, cron):
        dep = w.ok("POST", f"/orgs/{org}/services/{svc['id']}/deployments", {})
        deps[svc["id"]] = run_to_end(w.ports, dep["id"])
        assert deps[svc["id"]]["status"] == "live", deps[svc["id"]]
    env = w.ok("GET", f"/orgs/{org}/projects/{prj['id']}/environments/production")
    w.ok("PUT", f"/orgs/{org}/projects/{prj['id']}/environments/production/secrets/SHARED_KEY", {"value": w.secret_value})
    staging = w.ok("POST", f"/orgs/{org}/projects/{prj['id']}/environments", {"name": "staging"})   # promoted to
    w.ids.update(project=prj["id"], web=web["id"], cron=cron["id"], dep=deps[web["id"]]["id"], secret="DB_PASSWORD",
                 canary=canary, web_name=web["name"], env=env["id"], env_secret="SHARED_KEY", env2=staging["id"])
    # members with each role; an invitation is accepted by signing up with its e-mail's link
    roles = {}
    for role in ("admin", "developer", "viewer"):
        email = f"{role}-{tag}@a.test"
        w.ok("POST", f"/orgs/{org}/members", {"email": email, "role": role})
        roles[role] = w.ok("POST", "/auth/signup", {"email": email, "password": PW, "organization": f"{role}home-{tag}",
                                                    "invitation": invitation_token(email)}, token="")
    victim, _ = w.fresh_member("viewer")  # PATCH .../members/{user} changes this viewer's role
    w.ids.update(victim=victim, invitation=w.fresh_invitation(f"pending-{tag}@a.test"))
    # org B, and "dual": an owner of org A who is also an admin of org B
    b = w.ok("POST", "/auth/signup", {"email": f"bowner-{tag}@b.test", "password": PW, "organization": f"OrgB-{tag}"},
             token="")
    dual_email = f"dual-{tag}@a.test"
    w.ok("POST", f"/orgs/{org}/members", {"email": dual_email, "role": "owner"})
    w.ok("POST", f"/orgs/{b['organization']['id']}/members", {"email": dual_email, "role": "admin"}, token=b["token"])
    dual = w.ok("POST", "/auth/signup", {"email": dual_email, "password": PW, "organization": f"dualhome-{tag}",
                                         "invitation": invitation_token(dual_email)}, token="")
    w.dual_token = dual["token"]
    w.fresh_token(w.dual_token, org)  # a token of dual's limited to org A: the B-limited token must not see it
    limited = w.ok("POST", "/tokens", {"name": "b-only", "organization_id": b["organization"]["id"]},
                   token=w.dual_token)
    w.ids.update(org_b=b["organization"]["id"], b_owner_email=b["user"]["email"], dual_email=dual_email,
                 dual_id=dual["user"]["id"])
    w.ok("POST", f"/orgs/{org}/projects/{prj['id']}/hooks/github")   # so that reading it shows a hook
    conn = w.ok("POST", f"/orgs/{org}/sandbox/aws-account")    # a verified connection (sandbox account)
    w.ids.update(aws_account=conn["id"], aws_external_id=conn["external_id"])
    db = w.ok("POST", f"/orgs/{org}/projects/{prj['id']}/resources", {"name": f"db-{tag[:6]}", "kind": "postgres"})
    _settle_resource(w, db["id"])
    w.ok("PUT", f"/orgs/{org}/services/{web['id']}/links/{db['id']}", {})
    w.ids.update(resource=db["id"])
    jobs = w.ok("POST", f"/orgs/{org}/projects/{prj['id']}/resources", {"name": f"q-{tag[:6]}", "kind": "queue"})
    _settle_resource(w, jobs["id"])
    w.ids.update(queue=jobs["id"])   # the routes only a queue has
    w.receiver = Receiver()   # a log drain's endpoint (stopped with the process: a daemon thread)
    drain = w.ok("POST", f"/orgs/{org}/projects/{prj['id']}/resources",
                 {"name": f"lg-{tag[:6]}", "kind": "log_drain", "destination": "http", "url": w.receiver.url})
    _settle_resource(w, drain["id"])
    w.ids.update(drain=drain["id"])   # the route only a log drain has
    w.ids["sub"] = w.fresh_subscription()
    w.ids["registry"] = w.fresh_registry()
    # an environment group with a variable and a secret, linked to a service never deployed (its deploy skips it)
    grp = w.ok("POST", f"/orgs/{org}/env-groups", {"name": f"grp-{tag}", "env": {"CANARY": canary}})
    w.ok("PUT", f"/orgs/{org}/env-groups/{grp['name']}/secrets/GROUP_KEY", {"value": w.secret_value})
    w.ok("POST", f"/orgs/{org}/projects/{prj['id']}/services",
         {"name": f"grouped-{tag}", "image": "nginx:1.27", "port": 80, "env_groups": [grp["name"]]})
    w.ids.update(env_group=grp["name"], env_group_id=grp["id"], env_group_secret="GROUP_KEY")
    hook = w.ok("POST", f"/orgs/{org}/services/{web['id']}/deploy-hook")   # its URL, called unauthenticated
    w.ids.update(deploy_hook=hook["id"], deploy_hook_key=hook["key"])
    audit = w.ok("GET", f"/orgs/{org}/audit")["items"]
    w.ids["event"] = audit[0]["id"]

    # what must never reach an outsider: org A's ids, names, members' addresses and the canaries
    w.markers = {org, f"OrgA-{tag}", prj["id"], f"proj-{tag}", web["id"], cron["id"], f"web-{tag}", f"cron-{tag}",
                 canary, f"app-{tag}.example.com", w.ids["env"], w.ids["env_group_id"], f"grouped-{tag}", w.ids["env2"], db["id"], f"db-{tag[:6]}", conn["id"], conn["external_id"], w.ids["dep"], deps[cron["id"]]["id"], w.ids["event"], w.ids["sub"], w.ids["invitation"], victim,
                 owner["user"]["id"], owner["user"]["email"], f"pending-{tag}@a.test",
                 *(r["user"]["id"] for r in roles.values()), *(r["user"]["email"] for r in roles.values())}
    b_org = b["organization"]["id"]
    w.identities = [Who("owner", "member", "owner", w.owner_token, org, owner["user"]["email"],
                        lambda e=owner["user"]["email"]: w.login(e))]
    for role, body in roles.items():
        w.identities.append(Who(role, "member", role, body["token"], org, body["user"]["email"],
                                lambda e=body["user"]["email"]: w.login(e)))
    fresh_b = lambda: w.login(b["user"]["email"])  # noqa: E731
    fresh_limited = lambda: w.ok("POST", "/tokens", {"name": "b-" + _hex(), "organization_id": b_org},  # noqa: E731
                                 token=w.dual_token)["token"]
    w.identities += [Who("foreign", "foreign", None, b["token"], org, b["user"]["email"], fresh_b),
                     Who("foreign@B", "foreign", None, b["token"], b_org, b["user"]["email"], fresh_b),
                     Who("limited", "limited", None, limited["token"], org, dual_email, fresh_limited),
                     Who("limited@B", "limited", None, limited["token"], b_org, dual_email, fresh_limited)]


def _settle_resource(w: World, res_id: str) -> None:
    from chalicelib.resources import engine

    while engine.run(w.ports, res_id).state == "later":
        pass


# --- one call of the matrix -----------------------------------------------------------

def _operations(w: World):
    code, raw, _ = w.call("GET", "/openapi.json")
    assert code == 200
    for path, item in json.loads(raw)["paths"].items():
        for method, op in item.items():
            yield method.upper(), path.removeprefix("/v1"), op


def _path_value(w: World, who: Who, key: str, name: str, delete: bool) -> tuple[Optional[str], bool]:
    """(value, names org A's resource) for one path parameter; `delete`: a fresh target."""
    if name == "org":
        return who.org, who.org == w.ids["org"]
    if name == "token_id":
        if who.kind == "member":   # their own token
            return w.fresh_token(who.token), False
        holder = w.dual_token if who.kind == "limited" else w.owner_token
        return w.fresh_token(holder, w.ids["org"]), True   # a token of org A's (limited to A)
    if name == "session":   # a member's own; an outsider aims at org A's owner's
        if who.kind == "member":
            return w.fresh_session(who.email), False
        return w.fresh_session(w.ids["owner_email"]), True
    env_route, group_route = "/environments/" in key, "/env-groups/" in key
    fresh = {"project": w.fresh_project, "svc": w.fresh_service,
             "name": w.fresh_env_group_secret if group_route else w.fresh_env_secret if env_route else w.fresh_secret,
             "env": w.fresh_environment, "group": w.fresh_env_group,
             "invitation": w.fresh_invitation, "user": lambda: w.fresh_member()[0], "account": w.fresh_aws_account,
             "res": lambda: w.fresh_resource(linked="/links/" in key),
             "sub": w.fresh_subscription, "host": w.fresh_registry}
    if delete and name in fresh:
        return fresh[name](), True
    if name == "svc":
        return (w.ids["cron"] if key.endswith("/runs") else w.ids["web"]), True
    if name == "res" and key.endswith(("/messages", "/redrive", "/purge", "/dead-letters")):
        return w.ids["queue"], True
    if name == "res" and key.endswith("/test-line"):
        return w.ids["drain"], True
    if name == "host":   # a registry's name is no organization's: another may hold credentials for it too
        return w.ids["registry"], False
    value = {"project": "project", "name": "env_group_secret" if group_route else "env_secret" if env_route else "secret",
             "invitation": "invitation", "user": "victim", "dep": "dep", "event": "event", "env": "env",
             "account": "aws_account", "res": "resource", "sub": "sub", "group": "env_group"}.get(name)
    return (w.ids[value], True) if value else (None, False)


def _body(w: World, who: Who, key: str) -> Optional[dict]:
    a = w.ids
    bodies: dict[str, Callable[[], dict]] = {
        "POST /auth/password": lambda: {"current_password": w.passwords.get(who.email, PW),
                                        "new_password": "new password " + _hex()},
        "POST /tokens": lambda: {"name": "m-" + _hex(), "organization_id": a["org"]},
        "PATCH /me/notifications": lambda: {"approvals": True},
        "POST /invitations/accept": lambda: w.invitation_for(who.email),
        "POST /me/email": lambda: w.email_change_body(who),
        "POST /orgs": lambda: {"name": "new-" + _hex()},
        "POST /me/delete": lambda: w.account_delete_body(who),
        "POST /auth/mfa/setup": lambda: {"password": w.passwords.get(who.email, PW)},
        "POST /auth/mfa/confirm": lambda: w.mfa_confirm_body(who),
        "POST /auth/mfa/recovery-codes": lambda: {"code": w.mfa_code(who.email)},
        "POST /auth/mfa/disable": lambda: {"password": w.passwords.get(who.email, PW),
                                           "recovery_code": w.recovery_code(who.email)},
        "PATCH /orgs/{org}": lambda: {"require_mfa": False},   # true would shut the members without 2FA out
        "POST /orgs/{org}/members": lambda: {"email": f"new-{_hex()}@x.test", "role": "viewer"},
        "PATCH /orgs/{org}/members/{user}": lambda: {"role": "viewer"},
        "PUT /orgs/{org}/members/{user}/projects/{project}": lambda: {"role": "developer"},
        "POST /orgs/{org}/projects": lambda: {"name": "new-" + _hex()},
        "PATCH /orgs/{org}/projects/{project}": lambda: {"description": f"about {a['canary']}"},
        "POST /orgs/{org}/projects/{project}/services":
            lambda: {"name": "new-" + _hex(), "image": "nginx:1.27", "port": 80},
        "PATCH /orgs/{org}/services/{svc}": lambda: {"env": {"CANARY": a["canary"]}},
        "PUT /orgs/{org}/services/{svc}/secrets/{name}": lambda: {"value": w.secret_value},
        "POST /orgs/{org}/services/{svc}/deployments": dict,
        "PUT /orgs/{org}/services/{svc}/maintenance": lambda: {"message": f"back soon {a['canary']}"},
        "POST /orgs/{org}/services/{svc}/rollback": lambda: {"deployment_id": a["dep"]},
        "POST /orgs/{org}/deployments/{dep}/reject": lambda: {"reason": "not on a Friday"},
        "POST /orgs/{org}/services/{svc}/runs": lambda: {"command": ["echo", a["canary"]]},   # a one-off command
        "POST /orgs/{org}/projects/{project}/environments": lambda: {"name": "e-" + _hex()},
        "PATCH /orgs/{org}/projects/{project}/environments/{env}": lambda: {"env": {"CANARY": a["canary"]}},
        "POST /orgs/{org}/projects/{project}/environments/{env}/clone": lambda: {"name": "c-" + _hex()},
        "POST /orgs/{org}/projects/{project}/environments/{env}/promote": lambda: {"to": a["env2"]},
        "POST /orgs/{org}/projects/{project}/environments/{env}/freeze":   # ends by itself, so later calls deploy
            lambda: {"reason": "matrix", "until": iso_from_epoch(time.time() + 1)},
        "PUT /orgs/{org}/projects/{project}/environments/{env}/secrets/{name}": lambda: {"value": w.secret_value},
        "POST /orgs/{org}/projects/{project}/plan": lambda: _apply_doc(w),
        "POST /orgs/{org}/projects/{project}/apply": lambda: _apply_doc(w),
        "POST /orgs/{org}/aws-accounts": lambda: {"name": "c-" + _hex()},
        "PATCH /orgs/{org}/aws-accounts/{account}": lambda: {"name": "conn-" + _hex()},
        "POST /orgs/{org}/aws-accounts/{account}/verify": dict,   # verify the recorded role again
        "PUT /orgs/{org}/services/{svc}/alert-rules": lambda: {"rules": [{"metric": "cpu", "threshold": 80}]},
        "POST /orgs/{org}/projects/{project}/resources": lambda: {"name": "r-" + _hex(), "kind": "bucket"},
        "PATCH /orgs/{org}/resources/{res}": lambda: {"backup_retention_days": 3},
        "POST /orgs/{org}/resources/{res}/restore": lambda: {"name": "r-" + _hex()},
        "PUT /orgs/{org}/services/{svc}/links/{res}": dict,
        "POST /orgs/{org}/projects/{project}/notifications":
            lambda: {"kind": "webhook", "url": "https://hooks.example.com/" + _hex()},
        "PATCH /orgs/{org}/projects/{project}/notifications/{sub}": lambda: {"name": a["canary"]},
        "PUT /orgs/{org}/git/github": lambda: {"token": "ghp_" + _hex() * 3},
        "PUT /orgs/{org}/registries/{host}": lambda: {"username": "bot", "password": "pull-" + _hex()},
        "POST /orgs/{org}/env-groups": lambda: {"name": "g-" + _hex(), "env": {"LEVEL": "debug"}},
        "PATCH /orgs/{org}/env-groups/{group}": lambda: {"env": {"CANARY": a["canary"]}},
        "PUT /orgs/{org}/env-groups/{group}/secrets/{name}": lambda: {"value": w.secret_value},
    }
    make = bodies.get(key)
    return make() if make else None


def _apply_doc(w: World) -> dict:
    """A launchbay document that adds one worker to production and changes nothing else there
    (what the document leaves out would be deleted only with allow_delete)."""
    a = w.ids
    env = w.ok("GET", f"/orgs/{a['org']}/projects/{a['project']}/environments/production")
    block = {"env": env["env"], "domain_suffix": env.get("domain_suffix"),
             "services": {"m-" + _hex(): {"kind": "worker", "image": "busybox:1"}}}
    return {"document": {"version": 1, "environments": {"production": block}}}


def _names_a(w: World, body: dict) -> bool:
    """A body naming org A's organization or deployment (POST /tokens, rollback) targets org A."""
    return bool(set(map(str, body.values())) & {w.ids["org"], w.ids["dep"]})


def _check(w: World, who: Who, method: str, key: str, op: dict, problems: list[str]) -> None:
    required = REQUIRED.get(key)
    if required is None:
        problems.append(f"{key}: not in REQUIRED; declare the lowest role it needs")
        return
    names_a = False
    path = key.split(" ", 1)[1]
    params = re.findall(r"{(\w+)}", key)
    for name in params:  # a DELETE removes a fresh resource (its last parameter), never a shared fixture
        value, is_a = _path_value(w, who, key, name, method == "DELETE" and name == params[-1])
        if value is None:
            problems.append(f"{key}: no org A value for path parameter {name!r}; add one to _path_value")
            return
        names_a = names_a or is_a
        path = path.replace("{" + name + "}", value)
    body = _body(w, who, key)
    if op.get("requestBody") and body is None:
        problems.append(f"{key}: takes a body; add a valid one to _body")
        return
    if body and _names_a(w, body):
        names_a = True
    token = who.token
    if key in ("POST /auth/logout", "POST /auth/password", "POST /me/delete"):
        token = who.fresh()  # they end the credential they are called with (a password change: all)
    query = f"q={w.ids['web_name']}" if key == "GET /orgs/{org}/search" else None  # would find org A's service
    if key == "GET /orgs/{org}/projects/{project}/environments/{env}/promote":
        query = f"to={w.ids['env2']}"
    if key == "DELETE /orgs/{org}/resources/{res}":   # confirmed by name, as a person would
        query = "confirm=" + (w.ports.store.collection("resources").get(path.rsplit("/", 1)[-1]) or {}).get("name", "")
    if key == "POST /orgs/{org}/resources/{res}/purge":
        query = "confirm=" + (w.ports.store.collection("resources").get(path.rsplit("/", 2)[-2]) or {}).get("name", "")
    if key == "DELETE /me/email-suppression":   # the caller's address bounced: there is one to lift
        from chalicelib.mail import feedback
        feedback.suppress(w.ports, who.email, "bounce", "smtp; 550 5.1.1 user unknown", None)
    if key == "DELETE /orgs/{org}":   # named as asked (org A: refused while its projects stand)
        query = "confirm=" + (w.ports.store.collection("organizations").get(path.rsplit("/", 1)[-1]) or {}).get("name", "")
    if key == "DELETE /me/email":   # a change of address waits: there is one to cancel
        from chalicelib.accounts import links
        user = w.ports.store.collection("users").find_one({"email": who.email})
        links.issue(w.ports, "email_changes", user, 3600, "emc", email=f"later-{_hex()}@x.test", old_email=who.email)
    if key == "POST /me/verify-email":   # the sign-up's link went over a minute ago: not throttled
        links = w.ports.store.collection("email_verifications")
        for link in list(iter_all(links, {"email": who.email})):
            links.update(link["id"], {"created": iso_from_epoch(time.time() - 120)})
    if key == "POST /orgs/{org}/invitations/{invitation}/resend":   # e-mailed over a minute ago: not throttled
        w.ports.store.collection("invitations").update(path.rsplit("/", 2)[-2], {"last_sent": iso_from_epoch(time.time() - 120)})
    status, raw, headers = w.call(method, path, body, token, query)
    w.n += 1
    if key == "POST /auth/password" and status == 200:
        w.passwords[who.email] = body["new_password"]
    if key in ("POST /auth/mfa/confirm", "POST /auth/mfa/recovery-codes") and status == 200:
        w.recovery[who.email] = json.loads(raw)["recovery_codes"]
    seen = f"{who.name:>10} {key} -> {status}"
    if status >= 500:
        problems.append(f"{seen}: server error {raw[:200]}")
    if w.secret_value in raw:
        problems.append(f"{seen}: LEAK of a secret value")
    if who.kind == "member":
        if required == SELF or RANK[who.role] >= RANK[required]:
            if not (200 <= status < 300 or status in ALLOWED_CONFLICT):
                problems.append(f"{seen}: allowed ({required}) but refused: {raw[:200]}")
        elif status != 403:
            problems.append(f"{seen}: needs {required}, expected 403: {raw[:200]}")
        return
    expected = OUTSIDER_STATUS.get((key, who.kind))
    if expected and status != expected:
        problems.append(f"{seen}: expected {expected}")
    if names_a and 200 <= status < 300:
        problems.append(f"{seen}: LEAK: an outsider got a 2xx for org A's resource")
    text = raw + " " + " ".join(f"{k}: {v}" for k, v in headers.items())
    found = sorted(m for m in w.markers if m in text)
    if found:
        problems.append(f"{seen}: LEAK of org A data {found}: {raw[:300]}")


def _phase(method: str, key: str) -> int:
    """Calls that end the caller's credentials run last: deletes, log-out, password change, and
    deleting the account (the only owners of A and B are refused: 409)."""
    return {"DELETE": 1}.get(method, 0) + (2 if key == "POST /auth/logout" else 3 if key == "POST /auth/password"
                                           else 4 if key == "POST /me/delete" else 0)


def test_authorization_matrix(world):
    w = world
    ops = [(m, k, op) for m, k, op in _operations(w) if op.get("security")]
    assert len(ops) >= 35, len(ops)
    stale = set(REQUIRED) - {f"{m} {k}" for m, k, _ in ops}
    problems = [f"{k}: in REQUIRED but no longer in the OpenAPI document" for k in sorted(stale)]
    for method, path, op in sorted(ops, key=lambda o: _phase(o[0], f"{o[0]} {o[1]}")):
        key = f"{method} {path}"
        for who in w.identities:
            _check(w, who, method, key, op, problems)
    leaks = [p for p in problems if "LEAK" in p]
    print(f"\nauthz matrix: {len(ops)} operations x {len(w.identities)} identities = {w.n} calls; "
          f"{len(leaks)} leaks, {len(problems) - len(leaks)} other findings")
    for p in problems:
        print("  " + p)
    assert leaks == [] and problems == []
