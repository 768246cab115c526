"""Request bodies for accounts. defer_build keeps import time low on Lambda."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.core.types import Email, EmailAddress

_STRICT = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
Role = Literal["owner", "admin", "developer", "viewer"]  # chalicelib/accounts/roles.py ranks them


NewPassword = Annotated[str, Field(min_length=10, max_length=256)]


class SignupIn(BaseModel):
    model_config = _STRICT
    email: EmailAddress
    password: NewPassword
    # the organization to create; left out by a person invited to one (they join it instead)
    organization: Optional[str] = Field(None, min_length=1, max_length=100)
    name: Optional[str] = Field(None, max_length=100)
    invitation: Optional[str] = Field(None, min_length=1, max_length=200,
                                      description="the token of the invitation e-mail's link: proves the address, "
                                                  "and joins the organizations that invited it")


class TokenOnlyIn(BaseModel):
    """The token of a link an e-mail gave (confirming an address, accepting an invitation)."""
    model_config = _STRICT
    token: str = Field(min_length=1, max_length=200, description="the token of the link the e-mail gave")


class LoginIn(BaseModel):
    model_config = _STRICT
    email: Email
    password: str = Field(min_length=1, max_length=256)


class PasswordIn(BaseModel):
    model_config = _STRICT
    current_password: str = Field(min_length=1, max_length=256)
    new_password: NewPassword


class ResetIn(BaseModel):
    model_config = _STRICT
    email: EmailAddress


class ResetConfirmIn(BaseModel):
    model_config = _STRICT
    token: str = Field(min_length=1, max_length=200, description="the token of the link the e-mail gave")
    password: NewPassword


class NotificationPrefsIn(BaseModel):
    model_config = _STRICT
    deploy_failures: Optional[bool] = Field(None, description="e-mail me when a deploy I started fails or is rolled back")
    approvals: Optional[bool] = Field(None, description="e-mail me when a deploy waits for my approval")
    token_expiry: Optional[bool] = Field(None, description="e-mail me a week before an API token of mine expires")


class TokenIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=100)
    organization_id: Optional[str] = Field(None, max_length=64, description="limit the token to one organization")
    expires_days: Optional[int] = Field(None, ge=1, le=3650,
                                        description="the token stops working after this many days (default: never)")


class MemberIn(BaseModel):
    model_config = _STRICT
    email: EmailAddress
    role: Role = "developer"


class MemberPatch(BaseModel):
    model_config = _STRICT
    role: Role


class ProjectRoleIn(BaseModel):
    model_config = _STRICT
    role: Literal["admin", "developer", "viewer"] = Field(description=(
        "the member's role in this project's work (environments, services, secrets, deploys, approvals), "
        "above or below their organization role; owners and admins act on every project as such"))


Code = Annotated[str, Field(min_length=6, max_length=12, description="the current 6-digit code of your authenticator app")]
RecoveryCode = Annotated[str, Field(min_length=8, max_length=40, description="one of your recovery codes (each works once)")]


class MfaSetupIn(BaseModel):
    model_config = _STRICT
    password: str = Field(min_length=1, max_length=256, description="your password again: a stolen session alone "
                          "must not be able to put its own authenticator on the account")


class MfaConfirmIn(BaseModel):
    model_config = _STRICT
    code: Code


class MfaCodeIn(BaseModel):
    """Exactly one of the two."""
    model_config = _STRICT
    code: Optional[Code] = None
    recovery_code: Optional[RecoveryCode] = None


class MfaLoginIn(MfaCodeIn):
    mfa_token: str = Field(min_length=1, max_length=2048, description="the challenge POST /auth/login answered")


class MfaDisableIn(MfaCodeIn):
    password: str = Field(min_length=1, max_length=256)


class EmailChangeIn(BaseModel):
    """The new address, the password, and (with two-factor authentication on) a code."""
    model_config = _STRICT
    email: EmailAddress = Field(description="the new address: a link is e-mailed to it, and nothing changes until "
                                            "it is followed")
    password: str = Field(min_length=1, max_length=256)
    code: Optional[Code] = Field(None, description="a current code, when two-factor authentication is on")
    recovery_code: Optional[RecoveryCode] = Field(None, description="or a recovery code instead of the code")


class AccountDeleteIn(BaseModel):
    """The password, and (with two-factor authentication on) a code or a recovery code."""
    model_config = _STRICT
    password: str = Field(min_length=1, max_length=256)
    code: Optional[Code] = Field(None, description="a current code, when two-factor authentication is on")
    recovery_code: Optional[RecoveryCode] = Field(None, description="or a recovery code instead of the code")


OrgName = Annotated[str, Field(min_length=1, max_length=100)]


class OrgIn(BaseModel):
    model_config = _STRICT
    name: OrgName


class OrgPatch(BaseModel):
    model_config = _STRICT
    name: Optional[OrgName] = Field(None, description="the organization's new name")
    require_mfa: Optional[bool] = Field(None, description="members need two-factor authentication to reach the "
                                                          "organization")
