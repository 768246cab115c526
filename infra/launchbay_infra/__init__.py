"""Launchbay's own AWS infrastructure (CDK v2). infra/app.py builds one set of stacks per stage."""
