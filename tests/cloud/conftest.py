"""Fixtures for the cloud adapter tests: one real moto server for the whole session."""
from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `.venv/bin/pytest` does not put the repo root on sys.path
    sys.path.insert(0, str(ROOT))

from tests.support.cloud import make_settings  # noqa: E402
from tests.support.moto_server import start_moto_server  # noqa: E402


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    url, stop = start_moto_server()
    try:
        yield url
    finally:
        stop()


@pytest.fixture(scope="session")
def sandbox(moto_url: str):
    from chalicelib.cloud.sandbox import SandboxCloud

    return SandboxCloud(make_settings(moto_url))


@pytest.fixture(scope="session")
def network(sandbox):
    sandbox.ensure_cluster()
    return sandbox.ensure_network()


@pytest.fixture
def uid() -> str:
    """A short unique suffix: tests share one moto server, so names must not collide."""
    return uuid.uuid4().hex[:8]
