"""The `launchbay` command line: a thin client over the HTTP API (issue #10).

It imports nothing from chalicelib: it talks to the API over HTTP only, so it can be
installed on its own (requirements-cli.txt)."""
