"""Issue #9: schemathesis against GET /v1/openapi.json, in-process through the WSGI adapter the
API container serves (chalicelib/api/wsgi.py), authenticated as an organization's owner, with
REAL ids in every path (the world of tests/api/test_authz_matrix.py: a project, environments,
a web and a cron service deployed, secrets of both scopes, members, an invitation).

Each operation gets generated cases, positive (valid by the schema) and negative (invalid),
with generated query strings and bodies; one case in five keeps the generated path ids (under
the real organization) to walk the not-found paths with odd strings. Every answer must be below 500, and every 4xx must be
in the documented error shape {"error": {"code", "message", "field"[, "fields"]}}.

The engine (`fuzz`) is shared with bench/fuzz.py, which runs it at a larger size."""
from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import pytest

from tests.api.test_authz_matrix import PW, World, _module_env, built_world

# Statuses a documented error body goes with; 2xx/3xx bodies are the operation's own.
ERROR_KEYS = {"code", "message", "field", "fields"}


@dataclass
class Finding:
    key: str
    status: int
    problem: str
    request: str


@dataclass
class Report:
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    findings: list[Finding] = field(default_factory=list)
    cases: int = 0
    seconds: float = 0.0

    def table(self) -> str:
        rows = [f"{'operation':<72} {'cases':>5}  statuses"]
        for key in sorted(self.counts):
            c = self.counts[key]
            rows.append(f"{key:<72} {sum(c.values()):>5}  " + " ".join(f"{s}:{n}" for s, n in sorted(c.items())))
        return "\n".join(rows)


def error_shape_problem(status: int, raw: bytes, content_type: str) -> Optional[str]:
    """None when an error answer is in the documented shape, else what is wrong with it."""
    if "application/json" not in (content_type or ""):
        return f"content type {content_type!r}, not JSON"
    try:
        body = json.loads(raw)
    except ValueError:
        return f"body is not JSON: {raw[:120]!r}"
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return f"not {{'error': {{...}}}}: {raw[:200]!r}"
    err = body["error"]
    if not {"code", "message", "field"} <= set(err) or set(err) - ERROR_KEYS:
        return f"error keys {sorted(err)}"
    if not (isinstance(err["code"], str) and isinstance(err["message"], str) and err["message"]):
        return f"code/message not strings: {err}"
    if err["field"] is not None and not isinstance(err["field"], str):
        return f"field is {type(err['field']).__name__}"
    if "fields" in err and not (isinstance(err["fields"], list)
                                and all(isinstance(f, dict) and {"field", "message"} <= set(f) for f in err["fields"])):
        return f"fields malformed: {err['fields']}"
    return None


# --- the world's ids for each path parameter -----------------------------------------

def _fresh_token(w: World) -> str:
    return w.ok("POST", "/tokens", {"name": "f-" + uuid.uuid4().hex[:8]})["id"]


def path_values(w: World, key: str, method: str) -> dict[str, str]:
    """Real ids for the path of `key`; the last parameter of a DELETE is a fresh resource so
    that deleting never consumes the shared fixtures."""
    params = re.findall(r"{(\w+)}", key)
    env_route, group_route = "/environments/" in key, "/env-groups/" in key
    fixed = {"org": w.ids["org"], "project": w.ids["project"], "env": w.ids["env"], "dep": w.ids["dep"],
             "event": w.ids["event"], "invitation": w.ids["invitation"], "user": w.ids["victim"],
             "svc": w.ids["cron"] if key.endswith("/runs") else w.ids["web"],
             "name": w.ids["env_group_secret"] if group_route else w.ids["env_secret"] if env_route else w.ids["secret"],
             "account": w.ids["aws_account"], "group": w.ids["env_group"],
             "res": w.ids["queue"] if key.endswith(("/messages", "/redrive", "/purge", "/dead-letters")) else
             w.ids["drain"] if key.endswith("/test-line") else w.ids["resource"],
             "sub": w.ids["sub"], "host": w.ids["registry"], "hook": w.ids["deploy_hook"]}
    out = {}
    for name in params:
        if method == "DELETE" and name == params[-1] and name != "org":   # an org-wide setting: deleted in place
            fresh: dict[str, Callable[[], str]] = {
                "project": w.fresh_project, "svc": w.fresh_service, "env": w.fresh_environment,
                "name": w.fresh_env_group_secret if group_route else w.fresh_env_secret if env_route else w.fresh_secret,
                "group": w.fresh_env_group,
                "invitation": w.fresh_invitation, "user": lambda: w.fresh_member()[0],
                "token_id": lambda: _fresh_token(w), "account": w.fresh_aws_account,
                "res": lambda: w.fresh_resource(linked="/links/" in key),
                "sub": w.fresh_subscription, "host": w.fresh_registry,
                "session": lambda: w.fresh_session(w.ids["owner_email"])}
            out[name] = fresh[name]()
        elif name == "token_id":
            out[name] = _fresh_token(w)
        else:
            out[name] = fixed[name]
    return out


def _phase(method: str, key: str) -> int:
    """Reads first, then writes, then config apply (it may delete), deletes, and last the calls
    that end credentials (log-out, password change)."""
    if key.endswith(("/auth/logout", "/auth/password")):
        return 4
    return {"GET": 0, "DELETE": 3}.get(method, 2 if key.endswith("/apply") else 1)


# --- the run ---------------------------------------------------------------------------

def fuzz(w: World, wsgi_app: Any, per_operation: int, progress: Callable[[str], None] = print) -> Report:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", wsgi_app)
    ops = [r.ok() for r in schema.get_all_operations()]
    ops.sort(key=lambda o: (_phase(o.method.upper(), o.path), o.path, o.method))
    report = Report()
    start = time.monotonic()
    # the user whose password the fuzzer changes and whose sessions it ends
    pw_user = {"email": f"pw-{uuid.uuid4().hex[:8]}@fuzz.test", "password": PW}
    pw_user["token"] = w.ok("POST", "/auth/signup", {"email": pw_user["email"], "password": PW,
                                                     "organization": "pw-home"}, token="")["token"]
    for op in ops:
        method, key = op.method.upper(), op.path.removeprefix("/v1")
        label = f"{method} {key}"
        authed = bool(op.definition.raw.get("security"))
        strategy = st.one_of(op.as_strategy(GenerationMode.POSITIVE), op.as_strategy(GenerationMode.NEGATIVE))
        n_before = report.cases

        @settings(max_examples=per_operation, deadline=None, database=None, derandomize=True,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case):
            _call(w, report, pw_user, method, key, label, authed, case)  # noqa: B023  # run at once

        run()
        progress(f"{label}: {report.cases - n_before} cases")
    report.seconds = time.monotonic() - start
    return report


def _header(headers: Any, name: str) -> str:
    """schemathesis' responses keep each header as a list of values."""
    for k, v in (headers or {}).items():
        if k.lower() == name:
            return v[0] if isinstance(v, list) else v
    return ""


def _call(w: World, report: Report, pw_user: dict, method: str, key: str, label: str, authed: bool, case) -> None:
    real = path_values(w, key, method)
    if report.counts[label].total() % 5 == 4 and len(real) > 1:
        # one case in five keeps the generated ids (odd strings) below the real organization
        real = {**{k: v for k, v in (case.path_parameters or {}).items() if k in real}, "org": real["org"]}
    case.path_parameters = real
    token = w.owner_token
    if key in ("/auth/logout", "/auth/password"):
        token = pw_user["token"]
        if key == "/auth/password" and isinstance(case.body, dict) and report.counts[label].total() % 2:
            case.body["current_password"] = pw_user["password"]  # half the cases get past the check
    headers = dict(case.headers or {})
    if authed:
        headers["Authorization"] = f"Bearer {token}"
    case.headers = headers
    resp = case.call()
    report.cases += 1
    report.counts[label][resp.status_code] += 1
    raw = resp.content or b""
    where = f"{method} {case.formatted_path} query={case.query!r} body={str(case.body)[:300]!r}"
    if resp.status_code >= 500:
        report.findings.append(Finding(label, resp.status_code, "server error: " + raw[:200].decode(errors="replace"), where))
    elif resp.status_code >= 400:
        problem = error_shape_problem(resp.status_code, raw, _header(resp.headers, "content-type"))
        if problem:
            report.findings.append(Finding(label, resp.status_code, problem, where))
    # keep the credentials of the next case alive
    if key == "/auth/password" and resp.status_code == 200:
        pw_user["password"] = case.body["new_password"]
        pw_user["token"] = json.loads(raw)["token"]
    if key == "/auth/logout" and resp.status_code == 204:
        pw_user["token"] = w.ok("POST", "/auth/login", {"email": pw_user["email"],
                                                        "password": pw_user["password"]}, token="")["token"]


def fuzz_env(tmp_path_factory, redis_url, moto_url) -> tuple[str, dict[str, str]]:
    prefix, values = _module_env(tmp_path_factory, redis_url, moto_url)
    # generated log-ins fail by the hundred from one address; the throttle is tested elsewhere
    values.update(LAUNCHBAY_LOGIN_FAILURES_PER_ADDRESS="1000000", LAUNCHBAY_LOGIN_FAILURES_PER_ACCOUNT="1000000")
    return prefix, values


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory, redis_url, moto_url):
    import app as app_module
    from chalicelib.api.wsgi import make_wsgi_app

    prefix, values = fuzz_env(tmp_path_factory, redis_url, moto_url)
    with built_world(prefix, values, redis_url) as w:
        yield w, make_wsgi_app(app_module.app)


PER_OPERATION = 6  # ~55 operations x 6: a few hundred cases, well under a minute


def test_fuzz_every_operation(fuzz_world):
    w, wsgi_app = fuzz_world
    report = fuzz(w, wsgi_app, PER_OPERATION, progress=lambda _: None)
    print(f"\nfuzz: {report.cases} cases over {len(report.counts)} operations in {report.seconds:.1f} s")
    print(report.table())
    for f in report.findings:
        print(f"  {f.key} -> {f.status}: {f.problem}\n      {f.request}")
    assert len(report.counts) >= 50, sorted(report.counts)
    assert report.cases >= 250
    assert report.findings == []
