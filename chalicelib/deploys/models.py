"""Request bodies for deployments."""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.catalog.models import IMAGE


class DeploymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
    image: Optional[str] = Field(None, max_length=512, description="defaults to the service's image")

    @field_validator("image")
    @classmethod
    def _image(cls, v):
        if v is not None and not IMAGE.match(v):
            raise ValueError("image must be a container image reference such as nginx:1.27")
        return v


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    deployment_id: str = Field(min_length=1, max_length=64, description="an earlier live deployment of the service")
