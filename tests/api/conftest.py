"""The `client` and `api` fixtures live in tests/conftest.py (tests/deploys uses them too).
Test modules import these helpers from here; they are defined in tests/support/api.py."""
from tests.support.api import Api, signup  # noqa: F401
