"""Credentials for a connected AWS account: sts:AssumeRole with the connection's external id,
then Launchbay's own check of the role's trust policy (access.trust_problem). botocore keeps
them as refreshable credentials: renewed shortly before they expire (15 minutes ahead, under a
lock), so a deploy that runs across the expiry never sees it."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from chalicelib.cloud.access import parse_role_arn, trust_problem
from chalicelib.cloud.errors import describe, error_code, is_retryable
from chalicelib.cloud.session import make_config, pin_account

if TYPE_CHECKING:
    from chalicelib.cloud.session import Clients

SESSION_SECONDS = 3600


class AccessBroken(ValueError):
    """The connected account's role cannot be used (gone, no longer trusting Launchbay, wrong
    account). Permanent (a ValueError is never retried); the message says what to do."""


def assume(platform: "Clients", role_arn: str, external_id: str, platform_account: str,
           session_name: str, expected_account: Optional[str] = None) -> dict[str, Any]:
    """-> botocore credential metadata (+ "account"). Raises AccessBroken when the role refuses
    or breaks Launchbay's rules; throttling and network errors propagate as they are (retried)."""
    parsed = parse_role_arn(role_arn)
    if parsed is None:
        raise AccessBroken(f"{role_arn!r} is not an IAM role ARN")
    partition, account, name = parsed
    if expected_account and account != expected_account:
        raise AccessBroken(f"the role is in account {account}, but this connection is for account {expected_account}")
    try:
        creds = platform.get("sts").assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64],
                                                ExternalId=external_id, DurationSeconds=SESSION_SECONDS)["Credentials"]
    except Exception as exc:
        if is_retryable(exc):
            raise
        # the same words before a first verify (not made yet) and after (deleted, trust changed)
        raise AccessBroken(f"cannot assume role {role_arn} ({describe(exc)}): it does not exist or does not "
                           "trust Launchbay with this connection's external id; create it from the connection's "
                           "template (or fix its trust policy) and verify the connection again") from exc
    clients = _clients(platform, creds, account)
    identity = clients("sts").get_caller_identity()
    if identity.get("Account") != account:
        raise AccessBroken(f"assuming {role_arn} acts in account {identity.get('Account')}, not {account}")
    try:
        role = clients("iam").get_role(RoleName=name)["Role"]
    except Exception as exc:
        if is_retryable(exc):
            raise
        if error_code(exc) == "NoSuchEntity":
            raise AccessBroken(f"the role {role_arn} does not exist: create it from the connection's "
                               "template and verify the connection") from exc
        raise AccessBroken(f"cannot read the trust policy of {role_arn} ({describe(exc)})") from exc
    problem = trust_problem(role.get("AssumeRolePolicyDocument"), platform_account, external_id)
    if problem:
        raise AccessBroken(f"{problem}: Launchbay will not use {role_arn}")
    return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"], "expiry_time": creds["Expiration"].isoformat(), "account": account,
            "partition": partition}


def _clients(platform: "Clients", creds: dict[str, Any], account: str) -> Callable[[str], Any]:
    import boto3

    session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                    aws_session_token=creds["SessionToken"], region_name=platform.region)

    def client(service: str) -> Any:
        made = session.client(service, region_name=platform.region, endpoint_url=platform.endpoint_url,
                              config=make_config(max_attempts=platform.max_attempts))
        return pin_account(made, account) if platform.sandbox else made
    return client


def refreshable(fetch: Callable[[], dict[str, Any]]) -> Any:
    """Credentials fetched on first use and renewed before expiry by botocore."""
    from botocore.credentials import DeferredRefreshableCredentials

    return DeferredRefreshableCredentials(refresh_using=fetch, method="sts-assume-role")
