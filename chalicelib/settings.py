"""Every environment variable Launchbay reads, validated in one place: configuration
only. The adapters are chosen and built from these settings in chalicelib/wiring.py."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal, Optional

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    # --- identity and secrets -------------------------------------------------
    stage: Literal["local", "dev", "prod", "test"] = Field("local", alias="LAUNCHBAY_STAGE")
    # HS256 key for access tokens. The local default is only accepted outside prod.
    jwt_secret: str = Field("launchbay-local-dev-secret-change-me", alias="LAUNCHBAY_JWT_SECRET", min_length=32)
    jwt_ttl_seconds: int = Field(3600, alias="LAUNCHBAY_JWT_TTL_SECONDS", gt=0)
    # Throttles (Redis counters, fixed windows). Failed log-ins count per account and per
    # client address; sign-ups per address; API token creation per user.
    login_failures_per_account: int = Field(10, alias="LAUNCHBAY_LOGIN_FAILURES_PER_ACCOUNT", ge=1)
    login_failures_per_address: int = Field(50, alias="LAUNCHBAY_LOGIN_FAILURES_PER_ADDRESS", ge=1)
    login_window_seconds: int = Field(900, alias="LAUNCHBAY_LOGIN_WINDOW_SECONDS", ge=1)
    signups_per_address: int = Field(20, alias="LAUNCHBAY_SIGNUPS_PER_ADDRESS", ge=1)
    tokens_per_user: int = Field(30, alias="LAUNCHBAY_TOKENS_PER_USER", ge=1)
    # Organizations one person may own at once (each is a place to deploy from).
    orgs_per_user: int = Field(20, alias="LAUNCHBAY_ORGS_PER_USER", ge=1, le=10000)
    # Password resets asked per address (e-mail) and per client, in rate_window_seconds.
    resets_per_email: int = Field(5, alias="LAUNCHBAY_RESETS_PER_EMAIL", ge=1)
    resets_per_address: int = Field(20, alias="LAUNCHBAY_RESETS_PER_ADDRESS", ge=1)
    rate_window_seconds: int = Field(3600, alias="LAUNCHBAY_RATE_WINDOW_SECONDS", ge=1)
    # Fernet key (urlsafe base64, 32 bytes) for secrets at rest. Empty: derived from
    # the JWT secret in local mode only; prod must set it (or a KMS data key).
    secrets_key: str = Field("", alias="LAUNCHBAY_SECRETS_KEY")
    # Production: a KMS-encrypted data key (base64 CiphertextBlob from kms:GenerateDataKey,
    # see scripts/new_data_key.py). Only its ciphertext is configured; KMS decrypts it at start.
    secrets_data_key: str = Field("", alias="LAUNCHBAY_SECRETS_DATA_KEY")

    # --- document store -------------------------------------------------------
    mongodb_uri: str = Field("", alias="MONGODB_URI")
    mongodb_db: str = Field("launchbay", alias="MONGODB_DB")
    data_dir: Path = Field(Path(".launchbay"), alias="LAUNCHBAY_DATA_DIR")
    # Seconds an API request waits for the store (SQLite's write lock, a MongoDB server) before
    # answering 503 + Retry-After; workers keep the store's own 30 s.
    api_store_wait: float = Field(2.0, alias="LAUNCHBAY_API_STORE_WAIT", gt=0, le=30)

    # --- search ---------------------------------------------------------------
    opensearch_url: str = Field("", alias="OPENSEARCH_URL")
    search_index_prefix: str = Field("launchbay", alias="LAUNCHBAY_SEARCH_PREFIX")
    log_retention_days: int = Field(14, alias="LAUNCHBAY_LOG_RETENTION_DAYS", gt=0)

    # --- queue ----------------------------------------------------------------
    redis_url: str = Field("redis://127.0.0.1:6379/0", alias="REDIS_URL")
    queue_prefix: str = Field("launchbay", alias="LAUNCHBAY_QUEUE_PREFIX", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    # Seconds before Redis hands an unacknowledged task (its worker died) to another worker.
    # Tasks never block longer than a step, so this can be short; but a task waiting on a
    # countdown longer than this is delivered twice (the deploy lease makes that harmless;
    # notification retries wait up to 100 s), so under 120 s is for the faults bench.
    visibility_timeout: int = Field(120, alias="LAUNCHBAY_VISIBILITY_TIMEOUT", ge=5)

    # --- AWS ------------------------------------------------------------------
    aws_region: str = Field("us-east-1", alias="AWS_DEFAULT_REGION")
    # Set (by `make run`) to the moto server when no AWS credentials are configured:
    # the same boto3 code then talks to the local sandbox.
    aws_endpoint_url: str = Field("", alias="AWS_ENDPOINT_URL")
    cluster_name: str = Field("launchbay", alias="LAUNCHBAY_CLUSTER")
    subnets: str = Field("", alias="LAUNCHBAY_SUBNETS")  # comma separated; empty: default VPC
    security_groups: str = Field("", alias="LAUNCHBAY_SECURITY_GROUPS")
    # IAM roles made by the operator (e.g. by infra/); empty: Launchbay creates its own roles.
    task_execution_role_arn: str = Field("", alias="LAUNCHBAY_TASK_EXECUTION_ROLE_ARN")
    events_role_arn: str = Field("", alias="LAUNCHBAY_EVENTS_ROLE_ARN")
    # The connection role's CloudFormation template published on S3 (GET /v1/aws/template.json gives
    # it): quick-create links point there. Empty: connections return the template without a link.
    access_template_url: str = Field("", alias="LAUNCHBAY_ACCESS_TEMPLATE_URL")
    # Seconds the sandbox simulator takes to "roll out" a service.
    sandbox_delay_seconds: float = Field(1.0, alias="LAUNCHBAY_SANDBOX_DELAY", ge=0)

    # --- deploys --------------------------------------------------------------
    deploy_timeout_seconds: int = Field(900, alias="LAUNCHBAY_DEPLOY_TIMEOUT", gt=0)
    # Seconds a deploy to an environment that requires approval waits for one before it is
    # cancelled (a week: a Friday request is still there on Monday).
    approval_timeout_seconds: int = Field(7 * 86400, alias="LAUNCHBAY_APPROVAL_TIMEOUT", ge=60)
    # a deploy still waiting this long before its deadline is told about once more (0: never)
    approval_reminder_seconds: int = Field(86400, alias="LAUNCHBAY_APPROVAL_REMINDER", ge=0)
    # Seconds a worker's claim on a deployment lasts unless renewed (it is renewed while a step
    # runs): how long a deployment whose worker died waits before another worker takes it over.
    deploy_lease_seconds: int = Field(120, alias="LAUNCHBAY_DEPLOY_LEASE", ge=3, le=3600)
    # Seconds between looks at a rollout; unset: 5 on AWS, 1 in the sandbox (its rollouts are quick).
    rollout_poll: Optional[float] = Field(None, alias="LAUNCHBAY_ROLLOUT_POLL", gt=0)
    # Builds from source (issue #13): seconds a build may take before its deployment fails (and
    # CodeBuild's own timeout); the sandbox reads owner/name repositories under this directory
    # (default <data dir>/git); the role CodeBuild runs as (empty: Launchbay creates its own).
    build_timeout_seconds: int = Field(1800, alias="LAUNCHBAY_BUILD_TIMEOUT", ge=60, le=28800)
    sandbox_git_root: Optional[Path] = Field(None, alias="LAUNCHBAY_SANDBOX_GIT_ROOT")
    codebuild_role_arn: str = Field("", alias="LAUNCHBAY_CODEBUILD_ROLE_ARN")

    # --- git webhooks and preview environments (chalicelib/hooks) --------------
    # Open previews per project; a pull request beyond it gets none (the delivery records why).
    preview_limit: int = Field(5, alias="LAUNCHBAY_PREVIEW_LIMIT", ge=0, le=100)
    # Hours a preview may go without a push before beat removes it.
    preview_ttl_hours: float = Field(72, alias="LAUNCHBAY_PREVIEW_TTL_HOURS", gt=0)

    # --- HTTP -----------------------------------------------------------------
    max_body_bytes: int = Field(1024 * 1024, alias="LAUNCHBAY_MAX_BODY_BYTES", gt=0)
    xray: bool = Field(False, alias="LAUNCHBAY_XRAY")
    # Proxies in front of the API container (a load balancer: 1). The client address for the
    # audit log is then taken from X-Forwarded-For, that many hops from the right.
    trusted_proxy_hops: int = Field(0, alias="LAUNCHBAY_TRUSTED_PROXY_HOPS", ge=0, le=5)
    # Browser origins of the web UI allowed by CORS (comma separated, exact match). Unset: the
    # Vite dev server on stage local, none elsewhere (chalicelib/api/http.py reads it).
    ui_origins: Optional[str] = Field(None, alias="LAUNCHBAY_UI_ORIGINS")
    # The web UI's address (https://launchbay.example.com): links in notifications start with it.
    # Empty: they are paths (/orgs/.../deployments/...).
    public_url: str = Field("", alias="LAUNCHBAY_PUBLIC_URL")
    # --- e-mail (chalicelib/mail): Amazon SES in the platform's own account ----
    # The sender, a verified SES identity ("Launchbay <no-reply@example.com>"). Empty: no-reply@launchbay.local
    # in the sandbox; on AWS every e-mail then fails, and says why (password resets need this set).
    mail_from: str = Field("", alias="LAUNCHBAY_MAIL_FROM")
    # SES's region (SES is not in every region); empty: AWS_DEFAULT_REGION.
    mail_region: str = Field("", alias="LAUNCHBAY_MAIL_REGION")
    # SES's configuration set for Launchbay's e-mail: its event destination publishes bounces and
    # complaints to SNS (infra/ makes both). Empty: sent without one (no bounce is ever heard of).
    mail_configuration_set: str = Field("", alias="LAUNCHBAY_MAIL_CONFIGURATION_SET")
    # The SQS queue (URL) subscribed to that topic, which the worker reads. Empty: none on AWS; the
    # sandbox makes "<queue prefix>-mail-events" and plays SES's part for the mailbox simulator.
    mail_events_queue: str = Field("", alias="LAUNCHBAY_MAIL_EVENTS_QUEUE")
    # GitHub's REST API, where commit statuses of deployments go (chalicelib/hooks/statuses.py);
    # https://HOST/api/v3 for GitHub Enterprise Server.
    github_api_url: str = Field("https://api.github.com", alias="LAUNCHBAY_GITHUB_API_URL")

    @field_validator("mongodb_uri", "opensearch_url", "aws_endpoint_url")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()

    @property
    def sandbox(self) -> bool:
        return bool(self.aws_endpoint_url)

    def ui_link(self, path: str, request_base: str = "") -> str:
        """The web UI's page at `path`: under LAUNCHBAY_PUBLIC_URL; without it under `request_base`, the
        API's address as a request reached it (it serves the UI), for a link made while answering one;
        else the bare path."""
        return (self.public_url or request_base).rstrip("/") + path

    @property
    def mail_sender(self) -> str:
        return self.mail_from or ("Launchbay <no-reply@launchbay.local>" if self.sandbox else "")

    @property
    def mailbox_dir(self) -> Path:
        """The sandbox's copy of every e-mail sent (.eml files): local mode has no inbox to open."""
        return self.data_dir / "mail"

    @property
    def git_root(self) -> Path:
        return self.sandbox_git_root or self.data_dir / "git"

    @property
    def rollout_poll_seconds(self) -> float:
        return self.rollout_poll or (1.0 if self.sandbox else 5.0)

    @property
    def store_kind(self) -> str:
        return "mongodb" if self.mongodb_uri else "sqlite"

    @property
    def search_kind(self) -> str:
        return "opensearch" if self.opensearch_url else "embedded"

    def fernet_key(self) -> bytes:
        if self.secrets_data_key:
            return _kms_data_key(self.secrets_data_key, self.aws_region, self.aws_endpoint_url)
        if self.secrets_key:
            return self.secrets_key.encode()
        if self.stage == "prod":
            raise RuntimeError("set LAUNCHBAY_SECRETS_DATA_KEY (or LAUNCHBAY_SECRETS_KEY) in prod")
        import base64
        import hashlib

        return base64.urlsafe_b64encode(hashlib.sha256(b"fernet:" + self.jwt_secret.encode()).digest())


@functools.lru_cache(maxsize=4)
def _kms_data_key(ciphertext_b64: str, region: str, endpoint: str) -> bytes:
    """Envelope encryption: KMS decrypts the data key once per process; it lives only in memory."""
    import base64

    import boto3

    kms = boto3.client("kms", region_name=region, endpoint_url=endpoint or None)
    plain = kms.decrypt(CiphertextBlob=base64.b64decode(ciphertext_b64))["Plaintext"]
    if len(plain) != 32:
        raise RuntimeError("LAUNCHBAY_SECRETS_DATA_KEY must be a 256-bit data key (kms GenerateDataKey, AES_256)")
    return base64.urlsafe_b64encode(plain)


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    from chalicelib.core import secret_env

    secret_env.load()  # in AWS: the secrets named by LAUNCHBAY_SECRET_ARNS, before anything reads them
    s = Settings()
    # Built-in keys are public (they are in this file): only a developer's machine and the
    # tests may run on them. dev shares a deployed API with other people, so it refuses them too.
    if s.stage not in ("local", "test"):
        if s.jwt_secret.startswith("launchbay-local"):
            raise RuntimeError(f"LAUNCHBAY_JWT_SECRET must be set (stage {s.stage!r} refuses the built-in key)")
        if not (s.secrets_data_key or s.secrets_key):
            raise RuntimeError(f"LAUNCHBAY_SECRETS_DATA_KEY (or LAUNCHBAY_SECRETS_KEY) must be set "
                               f"(stage {s.stage!r} refuses the key derived from the JWT secret)")
    return s


def reset() -> None:
    """Forget the cached settings (tests change the environment); chalicelib.wiring.reset()
    also forgets the adapters built from them."""
    get_settings.cache_clear()
