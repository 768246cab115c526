"""Request bodies for deployments."""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.core.types import ImageRef


class CommitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
    sha: str = Field(min_length=7, max_length=40, pattern=r"^[0-9a-f]{7,40}$", description="the git commit to build")
    message: Optional[str] = Field(None, max_length=2000)
    author: Optional[str] = Field(None, max_length=200)


class DeploymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
    image: Optional[ImageRef] = Field(None, description="defaults to the service's image; given for a service "
                                      "built from source, it is run without building")
    commit: Optional[CommitIn] = Field(None, description="a service built from source builds this commit "
                                       "(default: the head of its branch)")


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    deployment_id: str = Field(min_length=1, max_length=64, description="an earlier live deployment of the service")
