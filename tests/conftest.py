"""Shared fixtures: a real Redis (started by `make test` when none answers), a real moto
server for the AWS sandbox, and per-test settings pointing at temporary storage."""
from __future__ import annotations

import os
import uuid

import pytest

from chalicelib import settings as settings_module


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
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


@pytest.fixture
def launchbay_env(tmp_path, monkeypatch, redis_url, moto_url):
    """Settings for one test: its own data dir and queue names, the sandbox, no delays."""
    prefix = "test-" + uuid.uuid4().hex[:10]
    values = {"LAUNCHBAY_DATA_DIR": str(tmp_path / "data"), "LAUNCHBAY_QUEUE_PREFIX": prefix,
              "LAUNCHBAY_STAGE": "test", "REDIS_URL": redis_url, "AWS_ENDPOINT_URL": moto_url,
              "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
              "AWS_DEFAULT_REGION": "us-east-1", "LAUNCHBAY_SANDBOX_DELAY": "0",
              "LAUNCHBAY_ROLLOUT_POLL": "0.2", "LAUNCHBAY_CLUSTER": "lb-" + prefix}
    for key in ("MONGODB_URI", "OPENSEARCH_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    settings_module.reset()
    yield values
    settings_module.reset()
    _drop_queues(redis_url, prefix)


def _drop_queues(url: str, prefix: str) -> None:
    import redis

    r = redis.Redis.from_url(url)
    keys = list(r.scan_iter(f"{prefix}.*"))
    if keys:
        r.delete(*keys)


@pytest.fixture
def ports(launchbay_env):
    return settings_module.get_ports()


@pytest.fixture
def client(launchbay_env):
    from chalice.test import Client

    import app as app_module

    with Client(app_module.app) as c:
        yield c


@pytest.fixture
def api(client):
    from tests.support.api import Api

    return Api(client)
