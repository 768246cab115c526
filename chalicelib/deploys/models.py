"""Request bodies for deployments."""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.core.types import ImageRef


class DeploymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
    image: Optional[ImageRef] = Field(None, description="defaults to the service's image")


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    deployment_id: str = Field(min_length=1, max_length=64, description="an earlier live deployment of the service")
