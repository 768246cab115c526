"""Every environment variable the app reads (the aliases of chalicelib/settings.py) is given to
every service the stacks run, by the stack or through a secret, or is left to its default here
for the reason written next to it. A new setting fails this test until the stacks decide."""
from __future__ import annotations

import json

from chalicelib.settings import Settings
from tests.infra.conftest import environments, resources

# Read from the secrets named by LAUNCHBAY_SECRET_ARNS (chalicelib/core/secret_env.py).
FROM_SECRETS = {"MONGODB_URI", "LAUNCHBAY_JWT_SECRET", "LAUNCHBAY_SECRETS_KEY"}
# Deliberately not set in AWS: the default is the right value there.
DEFAULT_IN_AWS = {
    "LAUNCHBAY_JWT_TTL_SECONDS": "one hour, as documented",
    "LAUNCHBAY_LOGIN_FAILURES_PER_ACCOUNT": "throttle defaults (docs/accounts.md)",
    "LAUNCHBAY_LOGIN_FAILURES_PER_ADDRESS": "throttle defaults",
    "LAUNCHBAY_LOGIN_WINDOW_SECONDS": "throttle defaults",
    "LAUNCHBAY_SIGNUPS_PER_ADDRESS": "throttle defaults",
    "LAUNCHBAY_TOKENS_PER_USER": "throttle defaults",
    "LAUNCHBAY_ORGS_PER_USER": "20 organizations owned per person",
    "LAUNCHBAY_RATE_WINDOW_SECONDS": "throttle defaults",
    "LAUNCHBAY_SECRETS_DATA_KEY": "the alternative to LAUNCHBAY_SECRETS_KEY; the stacks use the secret",
    "LAUNCHBAY_LOG_RETENTION_DAYS": "14 days in the search index",
    "LAUNCHBAY_VISIBILITY_TIMEOUT": "120 s",
    "AWS_ENDPOINT_URL": "the local sandbox only: must stay unset in AWS",
    "LAUNCHBAY_SUBNETS": "customer services go to the connected account's own network",
    "LAUNCHBAY_SECURITY_GROUPS": "likewise",
    "LAUNCHBAY_TASK_EXECUTION_ROLE_ARN": "Launchbay creates the roles in each connected account",
    "LAUNCHBAY_EVENTS_ROLE_ARN": "likewise",
    "LAUNCHBAY_ACCESS_TEMPLATE_URL": "set after publishing the connection template (docs/deploy-aws.md)",
    "LAUNCHBAY_SANDBOX_DELAY": "the sandbox only",
    "LAUNCHBAY_DEPLOY_TIMEOUT": "900 s",
    "LAUNCHBAY_APPROVAL_TIMEOUT": "a week for a deploy waiting for approval, as documented",
    "LAUNCHBAY_APPROVAL_REMINDER": "a reminder a day before that deadline, as documented",
    "LAUNCHBAY_DEPLOY_LEASE": "120 s (renewed while a step runs); shorter only for the faults bench",
    "LAUNCHBAY_ROLLOUT_POLL": "5 s on AWS",
    "LAUNCHBAY_MAX_BODY_BYTES": "1 MiB",
    "LAUNCHBAY_RESETS_PER_EMAIL": "throttle defaults",
    "LAUNCHBAY_RESETS_PER_ADDRESS": "throttle defaults",
    "LAUNCHBAY_MAIL_REGION": "SES in the stack's own region, where its identity is",
    "LAUNCHBAY_GITHUB_API_URL": "api.github.com; a GitHub Enterprise Server operator sets theirs",
    "LAUNCHBAY_API_STORE_WAIT": "2 s before a locked or slow store answers 503 (Atlas: server selection)",
    "LAUNCHBAY_PREVIEW_LIMIT": "5 preview environments per project",
    "LAUNCHBAY_PREVIEW_TTL_HOURS": "72 h without a push before a preview is removed",
    "LAUNCHBAY_BUILD_TIMEOUT": "30 minutes per build from source",
    "LAUNCHBAY_SANDBOX_GIT_ROOT": "the sandbox only (its stand-in for GitHub)",
    "LAUNCHBAY_CODEBUILD_ROLE_ARN": "Launchbay creates the CodeBuild role in each connected account",
}
# The Lambda runtime sets these itself (and refuses them in the function's configuration).
LAMBDA_RUNTIME = {"AWS_DEFAULT_REGION"}


def read_by_the_app() -> set[str]:
    return {f.alias for f in Settings.model_fields.values() if f.alias}


def test_the_lists_here_name_only_real_settings():
    names = read_by_the_app()
    assert set(DEFAULT_IN_AWS) <= names and FROM_SECRETS <= names and "REDIS_URL" in names


def test_every_setting_reaches_every_service(assemblies):
    for config, stacks in assemblies.items():
        data = stacks["data"]["template"]
        in_secrets = set()
        for secret in resources(data, "AWS::SecretsManager::Secret").values():
            gen = secret["Properties"]["GenerateSecretString"]
            in_secrets |= set(json.loads(gen["SecretStringTemplate"])) | {gen["GenerateStringKey"]}
        assert FROM_SECRETS <= in_secrets
        services = environments(stacks)
        expected = {"lambda:APIHandler", "lambda:RelayOutbox", "lambda:ReapDeployments",
                    "host:WorkerTemplate", "host:BeatTemplate"} | ({"container:api"} if config == "prod" else set())
        assert set(services) >= expected, set(services)
        for service, env in services.items():
            given = set(env) | in_secrets | set(DEFAULT_IN_AWS) | (LAMBDA_RUNTIME if service.startswith("lambda") else set())
            missing = read_by_the_app() - given
            assert not missing, f"{config} {service} is not given {sorted(missing)}"
            assert env["LAUNCHBAY_STAGE"] == config
