"""Command groups; importing a module registers its commands on cli.app.app."""
