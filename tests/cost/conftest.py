"""The CLI fixtures (a served API, a logged-in CLI), for `launchbay plan`'s cost line."""
from tests.cli.conftest import account, api_url, cli  # noqa: F401
