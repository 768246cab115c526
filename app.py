"""Launchbay's HTTP API: a Chalice app (API Gateway + Lambda, or gunicorn in a container).
Routes come from the blueprints in chalicelib/api; scheduled handlers only enqueue work."""
from chalice import Chalice

from chalicelib.api import (
    accounts,
    aws_accounts,
    catalog,
    config,
    deploys,
    environments,
    hooks,
    operations,
    platform,
    search,
)
from chalicelib.api import cost as cost_api
from chalicelib.api import notify as notify_api
from chalicelib.api import observe as observe_api
from chalicelib.api import resources as resources_api
from chalicelib.api.http import install as install_error_shape
from chalicelib.api.scheduled import register as register_scheduled

app = Chalice(app_name="launchbay")
app.api.binary_types = []  # everything is JSON

for blueprint in (accounts.bp, aws_accounts.bp, catalog.bp, config.bp, cost_api.bp, deploys.bp, environments.bp, hooks.bp,
                  notify_api.bp, observe_api.bp, operations.bp, platform.bp, resources_api.bp, search.bp):
    app.register_blueprint(blueprint, url_prefix="/v1")
register_scheduled(app)
install_error_shape(app)  # framework errors (405, 415, unknown routes) in the project's error shape
