"""Settings for tests that build a cloud adapter against a moto server."""
from __future__ import annotations

from typing import Any


def make_settings(endpoint_url: str = "", **overrides: Any):
    """Settings from explicit values only (aliases as kwargs), so the process
    environment cannot change what a test sees. endpoint_url="" -> real-AWS mode."""
    from chalicelib.settings import Settings

    values: dict[str, Any] = {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "LAUNCHBAY_CLUSTER": "launchbay-test",
        "LAUNCHBAY_SUBNETS": "",
        "LAUNCHBAY_SECURITY_GROUPS": "",
        "LAUNCHBAY_SANDBOX_DELAY": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)
