"""A service whose cluster does not exist (never deployed, or the sandbox was restarted) is
simply missing: teardown, health watch and plans go on instead of failing."""
from __future__ import annotations

from chalicelib.cloud.sandbox import SandboxCloud
from tests.support.cloud import make_settings


def test_no_cluster_means_no_service(moto_url, uid):
    cloud = SandboxCloud(make_settings(moto_url, LAUNCHBAY_CLUSTER=f"never-{uid}"))
    assert cloud.describe_service(f"svc-{uid}") is None
    cloud.delete_service(f"svc-{uid}")   # nothing to delete: no error
