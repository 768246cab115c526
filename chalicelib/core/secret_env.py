"""Secrets Manager into the environment, once, before the settings are read.

In AWS (infra/) no secret sits in a template or a plain environment variable: each process
gets `LAUNCHBAY_SECRET_ARNS` (comma separated) and reads those JSON secrets at start. Their
keys are environment variable names (MONGODB_URI, LAUNCHBAY_JWT_SECRET, ...); a variable
already set wins. REDIS_PASSWORD and OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD are put into
REDIS_URL and OPENSEARCH_URL, whose hosts come from the stack as plain variables."""
from __future__ import annotations

import json
import os
from typing import MutableMapping
from urllib.parse import quote, urlsplit, urlunsplit

ARNS = "LAUNCHBAY_SECRET_ARNS"


def with_credentials(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    if not url or parts.password or not password:
        return url
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.hostname}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def apply(values: dict, env: MutableMapping[str, str]) -> None:
    for key, value in values.items():
        if key.isupper() and isinstance(value, str):
            env.setdefault(key, value)
    env["REDIS_URL"] = with_credentials(env.get("REDIS_URL", ""), "", env.get("REDIS_PASSWORD", ""))
    env["OPENSEARCH_URL"] = with_credentials(env.get("OPENSEARCH_URL", ""), env.get("OPENSEARCH_USERNAME", ""),
                                             env.get("OPENSEARCH_PASSWORD", ""))


def load(env: MutableMapping[str, str] = os.environ) -> None:
    arns = [a.strip() for a in env.get(ARNS, "").split(",") if a.strip()]
    if not arns:
        return
    import boto3  # only in AWS, where the Lambda runtime and the images bring it

    client = boto3.client("secretsmanager", region_name=env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION"),
                          endpoint_url=env.get("AWS_ENDPOINT_URL") or None)
    for arn in arns:
        apply(json.loads(client.get_secret_value(SecretId=arn)["SecretString"]), env)
    env.pop(ARNS, None)  # once: a reset() of the settings must not fetch them again
