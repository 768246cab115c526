"""The browser fixtures (`base`: a whole stack's URL, `page`: a chromium page on it) for every
tests/e2e/test_ui_*.py module; see ui_browser.py."""
import pytest

from tests.e2e.ui_browser import base, page  # noqa: F401  (pytest finds fixtures here)
from tests.e2e.ui_stack import stack_env
from tests.support.processes import CeleryWorker


@pytest.fixture
def notify_worker(launchbay_env, tmp_path, base):  # noqa: F811  (base: the stack, started first)
    """The notify queue's worker (deliveries, e-mails, password-reset look-ups) with the stack's
    settings: ui_stack runs deploys, default and search only."""
    env = stack_env(launchbay_env["REDIS_URL"], launchbay_env["AWS_ENDPOINT_URL"], str(tmp_path / "data"))
    env["LAUNCHBAY_QUEUE_PREFIX"] = launchbay_env["LAUNCHBAY_QUEUE_PREFIX"]
    worker = CeleryWorker(env, ["notify"], name="notify").start()
    yield worker
    worker.stop()
