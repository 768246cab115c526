"""Launchbay's HTTP API: a Chalice app (API Gateway + Lambda, or gunicorn in a container).
Routes come from the blueprints in chalicelib/api; scheduled handlers only enqueue work.

Blueprints load lazily (chalicelib/api/lazy.py): their routes are declared from
chalicelib/api/routes.json and a blueprint's module is imported by the first request that
needs it, so `import app` stays cheap on a cold start. A new blueprint: add its module to
BLUEPRINTS, then `python -m chalicelib.api.lazy` rewrites the manifest."""
import warnings

from chalice import Chalice

from chalicelib.api import lazy
from chalicelib.api.http import install as install_error_shape
from chalicelib.api.scheduled import register as register_scheduled

# The Lambda bundle leaves out charset_normalizer (infra/launchbay_infra/bundle.py); requests, which
# opensearch-py imports for its signer, warns once about it. Nothing reads a Response.text through it.
warnings.filterwarnings("ignore", message="Unable to find acceptable character detection")

# modules with a `bp` Blueprint, mounted under /v1 (the OpenAPI document keeps this order)
BLUEPRINTS: tuple[str, ...] = (
    "chalicelib.api.accounts",
    "chalicelib.api.aws_accounts",
    "chalicelib.api.catalog",
    "chalicelib.api.config",
    "chalicelib.api.cost",
    "chalicelib.api.deploys",
    "chalicelib.api.deploy_hooks",
    "chalicelib.api.env_groups",
    "chalicelib.api.environments",
    "chalicelib.api.hooks",
    "chalicelib.api.notify",
    "chalicelib.api.observe",
    "chalicelib.api.operations",
    "chalicelib.api.platform",
    "chalicelib.api.registries",
    "chalicelib.api.resources",
    "chalicelib.api.search",
)

app = Chalice(app_name="launchbay")
app.api.binary_types = []  # everything is JSON

lazy.install(app, BLUEPRINTS)
register_scheduled(app)
install_error_shape(app)  # framework errors (405, 415, unknown routes) in the project's error shape
