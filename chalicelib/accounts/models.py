"""Request bodies for accounts. defer_build keeps import time low on Lambda."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

_STRICT = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)


class SignupIn(BaseModel):
    model_config = _STRICT
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    password: str = Field(min_length=10, max_length=256)
    organization: str = Field(min_length=1, max_length=100)
    name: Optional[str] = Field(None, max_length=100)

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


class LoginIn(BaseModel):
    model_config = _STRICT
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


class TokenIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=100)
    organization_id: Optional[str] = Field(None, max_length=64, description="limit the token to one organization")


class MemberIn(BaseModel):
    model_config = _STRICT
    email: str = Field(min_length=3, max_length=254)
    role: Literal["owner", "admin", "developer", "viewer"] = "developer"

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


class MemberPatch(BaseModel):
    model_config = _STRICT
    role: Literal["owner", "admin", "developer", "viewer"]
