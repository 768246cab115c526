"""`python -m cli ...` runs the same app as the `launchbay` console script."""
from cli.main import run

run()
