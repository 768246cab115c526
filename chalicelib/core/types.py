"""Field types shared by request models, validated the same way everywhere."""
from __future__ import annotations

import re

from pydantic import AfterValidator, Field
from typing_extensions import Annotated

IMAGE = re.compile(r"^[a-z0-9][a-z0-9._/:@-]{0,511}$")


def _image(value: str) -> str:
    if not IMAGE.match(value):
        raise ValueError("image must be a container image reference such as nginx:1.27 or 123.dkr.ecr.../app@sha256:...")
    return value


# e-mail addresses compare case-insensitively: store and look them up in lower case
Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(str.lower)]
ImageRef = Annotated[str, Field(max_length=512), AfterValidator(_image)]
