"""Launchbay's HTTP API: a Chalice app (API Gateway + Lambda, or gunicorn in a container).
Routes come from the blueprints in chalicelib/api; scheduled handlers only enqueue work."""
import warnings

from chalice import Chalice

from chalicelib.api import accounts, aws_accounts, catalog, config, deploys, environments, operations, platform, search
from chalicelib.api import observe as observe_api
from chalicelib.api.http import install as install_error_shape
from chalicelib.api.scheduled import register as register_scheduled

# The Lambda bundle leaves out charset_normalizer (infra/launchbay_infra/bundle.py); requests, which
# opensearch-py imports for its signer, warns once about it. Nothing reads a Response.text through it.
warnings.filterwarnings("ignore", message="Unable to find acceptable character detection")

app = Chalice(app_name="launchbay")
app.api.binary_types = []  # everything is JSON

for blueprint in (accounts.bp, aws_accounts.bp, catalog.bp, config.bp, deploys.bp, environments.bp, observe_api.bp, operations.bp,
                  platform.bp, search.bp):
    app.register_blueprint(blueprint, url_prefix="/v1")
register_scheduled(app)
install_error_shape(app)  # framework errors (405, 415, unknown routes) in the project's error shape
