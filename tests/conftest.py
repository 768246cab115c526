"""Shared fixtures and the two test tiers.

Fast tier (`make test-fast`, i.e. `pytest -m "not slow"`): no Redis, no moto, no worker
processes. `app_env` gives a test its own data dir and queue prefix; the queue and the AWS
endpoint point at a local port that refuses connections, so a fast test that publishes a task
or calls AWS fails at once instead of quietly depending on a service.

Slow tier: a test whose fixtures include `launchbay_env` (directly or through `ports`, `stack`,
...), `redis_url` or `moto_url`, or that carries the `services` marker, runs against the real
Redis (started by `make test` when none answers) and a real moto server. Such tests are marked
`slow` at collection; nothing else needs marking by hand.
"""
from __future__ import annotations

import base64
import os
import socket
import uuid

import pytest

from chalicelib import wiring as settings_module
from tests.support.api import Api
from tests.support.drains import Receiver
from tests.support.factories import new_org

FAILED = pytest.StashKey[bool]()
# Read before any fixture points REDIS_URL at the refusing port of the fast tier.
_REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# Fixtures that bring up real services: a test using any of them is in the slow tier.
SERVICE_FIXTURES = frozenset({"launchbay_env", "redis_url", "moto_url"})

# Tests that ask only for `api`/`client` yet need the real services. Listed here, not marked in
# their modules, so that the tier stays automatic; prefer `@pytest.mark.services` in new tests.
NEEDS_SERVICES = {
    "tests/api/test_catalog_api.py::test_health_and_openapi": "the health check pings Redis and the sandbox",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid in NEEDS_SERVICES:
            item.add_marker(pytest.mark.services)
        if item.get_closest_marker("services") or SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        item.stash[FAILED] = True  # launchbay_env then keeps the test's worker logs
    if report.failed and not item.get_closest_marker("slow"):
        report.sections.append(("fast tier", "This test ran without Redis and moto (REDIS_URL and AWS_ENDPOINT_URL "
                                "refuse connections). If it needs them, use the `launchbay_env` or `ports` "
                                "fixture, or mark it `@pytest.mark.services`."))


@pytest.fixture(scope="session")
def refused_url() -> str:
    """host:port that refuses connections: bound for the whole session but never listening."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield "127.0.0.1:%d" % sock.getsockname()[1]
    sock.close()


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    url = _REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # make test starts one; a bare `pytest` needs one too
        pytest.fail(f"no Redis answers at {url} ({exc}); run the tests with `make test`", pytrace=False)
    return url


@pytest.fixture(scope="session")
def moto_url() -> str:
    from tests.support.moto_server import start_moto_server

    url, stop = start_moto_server()
    yield url
    stop()


def _apply(monkeypatch, values: dict) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    settings_module.reset()


@pytest.fixture
def app_env(tmp_path, monkeypatch, refused_url):
    """Settings for one fast test: its own data dir and queue names; no Redis, no AWS."""
    prefix = "test-" + uuid.uuid4().hex[:10]
    values = {"LAUNCHBAY_DATA_DIR": str(tmp_path / "data"), "LAUNCHBAY_QUEUE_PREFIX": prefix,
              "LAUNCHBAY_STAGE": "test", "REDIS_URL": f"redis://{refused_url}/0",
              "AWS_ENDPOINT_URL": f"http://{refused_url}",
              "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
              "AWS_DEFAULT_REGION": "us-east-1", "LAUNCHBAY_SANDBOX_DELAY": "0",
              "LAUNCHBAY_ROLLOUT_POLL": "0.2", "LAUNCHBAY_CLUSTER": "lb-" + prefix,
              # chalice.test.Client runs requests as stage "dev", which refuses the built-in keys
              "LAUNCHBAY_JWT_SECRET": "test-jwt-" + uuid.uuid4().hex,
              "LAUNCHBAY_SECRETS_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode()}
    for key in ("MONGODB_URI", "OPENSEARCH_URL"):
        monkeypatch.delenv(key, raising=False)
    _apply(monkeypatch, values)
    yield values
    settings_module.reset()


@pytest.fixture
def launchbay_env(request, app_env, monkeypatch, redis_url, moto_url):
    """`app_env` with the real Redis and the moto sandbox. At teardown it stops the test's
    workers and removes every Redis key the test made (its queues, kombu bindings, task results).
    The workers' logs are deleted too, unless the test failed: their paths are printed then."""
    from tests.support.redis_keys import forget_test_keys

    values = {**app_env, "REDIS_URL": redis_url, "AWS_ENDPOINT_URL": moto_url}
    _apply(monkeypatch, values)
    yield values
    settings_module.reset()
    kept = forget_test_keys(redis_url, values["LAUNCHBAY_QUEUE_PREFIX"],
                            keep_logs=request.node.stash.get(FAILED, False))
    for path in kept:
        print(f"worker log kept: {path}")


@pytest.fixture
def notify_worker(launchbay_env):
    """A Celery worker on the notify queue: notification deliveries, e-mails, password-reset look-ups."""
    from tests.support.processes import CeleryWorker

    worker = CeleryWorker(launchbay_env, ["notify"], name="notify").start()
    yield worker
    worker.stop()


@pytest.fixture
def ports(launchbay_env):
    return settings_module.get_ports()


@pytest.fixture
def client(request, app_env):
    from chalice.test import Client

    import app as app_module

    if request.node.get_closest_marker("services"):
        request.getfixturevalue("launchbay_env")
    with Client(app_module.app) as c:
        yield c


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def make_org(api):
    """make_org(name="Acme", email=None) -> tests.support.factories.Org, its owner signed in."""
    return lambda name="Acme", email=None: new_org(api, name, email)


@pytest.fixture
def deployed_service(make_org, ports):
    """deployed_service(**spec) -> (org, service, deployment): an org with a service deployed
    (run in-process against the sandbox until settled; `live` unless the spec makes it fail)."""
    def make(**spec):
        org = make_org()
        svc = org.service(**spec)
        return org, svc, org.deploy(ports, svc)

    return make


@pytest.fixture
def git_root(launchbay_env, tmp_path, monkeypatch):
    """An empty sandbox git root (tests/support/git_repos.py makes repositories in it); ask for it
    before `ports` so the settings read it."""
    root = tmp_path / "git"
    root.mkdir()
    monkeypatch.setenv("LAUNCHBAY_SANDBOX_GIT_ROOT", str(root))
    launchbay_env["LAUNCHBAY_SANDBOX_GIT_ROOT"] = str(root)
    settings_module.reset()
    return root


@pytest.fixture
def registry():
    """A private container registry on loopback (tests/support/registry.py): user bot, image acme/api:1.0."""
    from tests.support.registry import Registry

    r = Registry({"bot": "s3cret-pull-pass"}, {}).start()
    r.push("acme/api", "1.0")
    yield r
    r.stop()


@pytest.fixture
def receiver():
    """A log drain's endpoint here, speaking Firehose's protocol (tests/support/drains.py)."""
    r = Receiver()
    yield r
    r.server.shutdown()
