"""Request bodies for deployments."""
from __future__ import annotations

from typing import Annotated, Optional

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.core.types import ImageRef


class CommitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
    sha: str = Field(pattern=r"^[0-9a-fA-F]{7,64}$", description="the commit deployed (hex, 7-64 characters)")
    message: str = Field("", max_length=10000, description="its message: the first line is kept (200 characters)")
    author: str = Field("", max_length=200)

    def stored(self) -> dict[str, str]:
        first = self.message.splitlines()[0].strip() if self.message.strip() else ""
        return {"sha": self.sha.lower(), "message": first[:200], "author": self.author}


class DeploymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
    image: Optional[ImageRef] = Field(None, description="defaults to the service's image; given for a service "
                                      "built from source, it is run without building")
    commit: Optional[CommitIn] = Field(None, description="the source commit this deployment is of: a service built "
                                       "from source builds it (default: the head of its branch); git pushes record it "
                                       "themselves; shown in the deployment, its log and search")


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    deployment_id: str = Field(min_length=1, max_length=64, description="an earlier live deployment of the service")


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
    reason: Optional[str] = Field(None, max_length=500, description="why: shown on the deployment and in its log")


class MaintenanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
    message: Optional[str] = Field(None, max_length=500, description="what the page says (default: we are working "
                                   "on it and will be back shortly); shown as text, never as HTML")


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    command: Optional[list[str]] = Field(None, min_length=1, max_length=64,
                                         description="run this instead of the image's command (ECS containerOverrides): "
                                         "optional for a cron service (default: its own command), required for web "
                                         "and worker services")


class PromoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True, str_strip_whitespace=True)
    to: str = Field(min_length=1, max_length=64, description="the environment (name or id) whose same-named services "
                    "get this environment's live releases")
    services: Optional[list[Annotated[str, Field(min_length=1, max_length=64)]]] = Field(
        None, min_length=1, max_length=200, description="only these services (names); default: every service here")
