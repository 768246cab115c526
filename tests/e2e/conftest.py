"""The browser fixtures (`base`: a whole stack's URL, `page`: a chromium page on it) for every
tests/e2e/test_ui_*.py module; see ui_browser.py."""
from tests.e2e.ui_browser import base, page  # noqa: F401  (pytest finds fixtures here)
