"""Field types shared by request models, validated the same way everywhere. Their messages
say in words what is allowed: a regular expression means nothing to the person typing."""
from __future__ import annotations

import re

from pydantic import AfterValidator, Field
from typing_extensions import Annotated

IMAGE = re.compile(r"^[a-z0-9][a-z0-9._/:@-]{0,511}$")
SLUG = re.compile(r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _image(value: str) -> str:
    if not IMAGE.match(value):
        raise ValueError("image must be a container image reference such as nginx:1.27 or 123.dkr.ecr.../app@sha256:...")
    return value


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError("service names are lower case letters, digits and hyphens, starting with a letter "
                         "and not ending with a hyphen (e.g. web or api-v2)")
    return value


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError("an e-mail address looks like name@example.com: one @, a domain with a dot, no spaces")
    return value


# e-mail addresses compare case-insensitively: store and look them up in lower case
Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(str.lower)]
EmailAddress = Annotated[Email, Field(json_schema_extra={"format": "email"}), AfterValidator(_email)]  # new ones
ImageRef = Annotated[str, Field(max_length=512), AfterValidator(_image)]
ServiceName = Annotated[str, Field(min_length=1, max_length=40, json_schema_extra={"pattern": SLUG.pattern}),
                        AfterValidator(_slug)]
