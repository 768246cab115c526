"""Estimated monthly cost of services, environments and projects, from the dated list-price
table in prices.json: prices.py reads it, runs.py counts a cron schedule's runs, estimate.py does
the arithmetic (pure), service.py reads the store for the API and plans.py prices a plan's change."""
