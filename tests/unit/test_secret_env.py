"""In AWS the processes get secret ARNs, not values: chalicelib/core/secret_env.py reads them
from Secrets Manager (here the moto sandbox) before the settings are built."""
from __future__ import annotations

import json

import boto3

from chalicelib.core import secret_env


def test_secrets_fill_the_environment_and_the_urls(moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sm = boto3.client("secretsmanager", region_name="us-east-1", endpoint_url=moto_url,
                      aws_access_key_id="testing", aws_secret_access_key="testing")  # nosec B106
    app = sm.create_secret(Name="t/app", SecretString=json.dumps(
        {"MONGODB_URI": "mongodb+srv://u:p@atlas.example/x", "LAUNCHBAY_JWT_SECRET": "j" * 40}))["ARN"]
    redis = sm.create_secret(Name="t/redis", SecretString=json.dumps({"REDIS_PASSWORD": "a/b@c"}))["ARN"]
    search = sm.create_secret(Name="t/os", SecretString=json.dumps(
        {"OPENSEARCH_USERNAME": "launchbay", "OPENSEARCH_PASSWORD": "p:w"}))["ARN"]
    env = {"LAUNCHBAY_SECRET_ARNS": f"{app},{redis}, {search}", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": moto_url,
           "LAUNCHBAY_JWT_SECRET": "set-by-the-operator-" * 2,
           "REDIS_URL": "rediss://cache.example:6379/0", "OPENSEARCH_URL": "https://search.example"}
    secret_env.load(env)
    assert env["MONGODB_URI"] == "mongodb+srv://u:p@atlas.example/x"
    assert env["LAUNCHBAY_JWT_SECRET"] == "set-by-the-operator-" * 2   # what is already set wins
    assert env["REDIS_URL"] == "rediss://:a%2Fb%40c@cache.example:6379/0"
    assert env["OPENSEARCH_URL"] == "https://launchbay:p%3Aw@search.example"
    assert "LAUNCHBAY_SECRET_ARNS" not in env


def test_nothing_happens_without_arns():
    env = {"REDIS_URL": "redis://127.0.0.1:6379/0"}
    secret_env.load(env)
    assert env == {"REDIS_URL": "redis://127.0.0.1:6379/0"}


def test_urls_keep_credentials_they_already_have():
    assert secret_env.with_credentials("rediss://:x@h:1/0", "", "y") == "rediss://:x@h:1/0"
    assert secret_env.with_credentials("", "", "y") == ""
