"""The launchbay.yaml document, version 1. Field names are the services API's; the JSON
Schema is generated from these models (GET /v1/schema/launchbay.json, schema/launchbay.json)."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.catalog.models import (
    ENVIRONMENT_NAME,
    Autoscaling,
    HealthCheck,
    _check_env,
    _ServiceFields,
    _suffix,
    check_branch,
)
from chalicelib.catalog.models import Source as CatalogSource
from chalicelib.core.types import ServiceName

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
SECRET_NAME = r"^[A-Z_][A-Z0-9_]{0,127}$"


class Source(CatalogSource):
    """Build from a repository (the services API's `source`). An import may leave `repo` out: such a
    service is reported by plan, not created, until launchbay.yaml names its repository."""
    model_config = _STRICT
    repo: Optional[str] = Field(None, max_length=201, description="owner/name of the git repository")  # type: ignore[assignment]


class ServiceSpec(_ServiceFields):
    model_config = _STRICT
    kind: Literal["web", "worker", "cron"] = "web"
    source: Optional[Source] = None
    secrets: list[str] = Field(default_factory=list, description="names of the service's secrets (values via API/CLI)")
    health_check: Optional[HealthCheck] = None
    autoscaling: Optional[Autoscaling] = None

    @field_validator("secrets")
    @classmethod
    def _secret_names(cls, v):
        import re

        bad = [n for n in v if not re.match(SECRET_NAME, n)]
        if bad:
            raise ValueError(f"secret names are upper case letters, digits and _: {', '.join(bad)}")
        return v

    @model_validator(mode="after")
    def _image_or_source(self):
        if not self.image and not self.source:
            raise ValueError("a service needs an image (or a source to build from)")
        if self.image and self.source:
            raise ValueError("give an image or a source, not both")
        return self


class EnvironmentSpec(BaseModel):
    model_config = _STRICT
    account: Optional[str] = Field(None, max_length=100, description=(
        "the AWS account connection it deploys to, by name or id (null: the platform's own account); "
        "left out: kept as it is"))
    region: Optional[str] = Field(None, pattern=r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$", description=(
        "the region it deploys to, one the connection allows (default: the connection's first)"))
    domain_suffix: Optional[str] = Field(None, max_length=200)
    branch: Optional[str] = Field(None, max_length=255, description="the git branch it tracks (deploys on push, "
                                  "previews for pull requests against it)")
    env: dict[str, str] = Field(default_factory=dict)
    secrets: list[str] = Field(default_factory=list, description="names of the environment's secrets")
    services: dict[ServiceName, ServiceSpec] = Field(default_factory=dict)

    @field_validator("env")
    @classmethod
    def _env(cls, v):
        return _check_env(v)

    @field_validator("domain_suffix")
    @classmethod
    def _domain_suffix(cls, v):
        return _suffix(v)

    @field_validator("branch")
    @classmethod
    def _branch(cls, v):
        return check_branch(v)


class LaunchbayFile(BaseModel):
    """A project's environments and their services."""
    model_config = ConfigDict(extra="forbid", title="launchbay.yaml")
    version: Literal[1] = 1
    environments: dict[str, EnvironmentSpec] = Field(min_length=1)

    @field_validator("environments")
    @classmethod
    def _names(cls, v):
        import re

        bad = [n for n in v if not re.match(ENVIRONMENT_NAME, n)]
        if bad:
            raise ValueError(f"environment names are lower-case letters, digits and hyphens, starting with a letter: "
                             f"{', '.join(bad)}")
        return v


def json_schema() -> dict:
    schema = LaunchbayFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://launchbay.dev/schema/launchbay.json"
    return schema


if __name__ == "__main__":  # python -m chalicelib.configfile.model: write schema/launchbay.json
    import json
    from pathlib import Path

    target = Path(__file__).resolve().parents[2] / "schema" / "launchbay.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {target}")
