"""Request bodies for environment groups. Unknown fields are refused; variables are checked as a
service's are (chalicelib/catalog/models.py)."""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.catalog.models import _check_env

_STRICT = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
NAME_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
MAX_DESCRIPTION = 500


class EnvGroupIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=63, pattern=NAME_PATTERN, description="lower-case letters, digits and "
                      "hyphens, starting with a letter (e.g. datadog, stripe-live); the group's key: it cannot be renamed")
    description: Optional[str] = Field(None, max_length=MAX_DESCRIPTION)
    env: Optional[dict[str, str]] = Field(None, description="the variables every service linking the group gets "
                                          "(under the service's own, over its environment's)")

    @field_validator("env")
    @classmethod
    def _env(cls, v):
        return None if v is None else _check_env(v)


class EnvGroupPatch(BaseModel):
    model_config = _STRICT
    description: Optional[str] = Field(None, max_length=MAX_DESCRIPTION)
    env: Optional[dict[str, str]] = Field(None, description="the whole map of variables (replaces the group's)")

    @field_validator("env")
    @classmethod
    def _env(cls, v):
        return None if v is None else _check_env(v)
