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


# What each `pattern=` of a request model (and launchbay.yaml) allows, in words: a failed match
# says this instead of the regular expression (tests/api/test_errors_in_words.py checks that
# every pattern in the OpenAPI document has its words).
PATTERN_WORDS = {
    r"^/[^\s]*$": "a path starting with / and without spaces (e.g. /healthz)",
    r"^[0-9a-fA-F]{7,64}$": "a commit sha: 7 to 64 hexadecimal digits (e.g. 3f2c9e1)",
    r"^[0-9a-f]{40}$": "a full commit sha: 40 lower-case hexadecimal digits",
    r"^[A-Z_][A-Z0-9_]{0,127}$": "upper-case letters, digits and _, not starting with a digit (e.g. DATABASE_URL)",
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}/[A-Za-z0-9_.-]{1,100}$": "owner/name of a repository (e.g. acme/shop)",
    SLUG.pattern: "lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen "
                  "(e.g. web or api-v2)",
    r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$": "2 to 32 lower-case letters, digits and hyphens, starting with a letter and "
                                       "not ending with a hyphen (e.g. db)",
    r"^[a-z][a-z0-9-]{0,31}$": "at most 32 lower-case letters, digits and hyphens, starting with a letter "
                               "(e.g. staging)",
    r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$": "an AWS region such as eu-west-1",
    r"^[a-z][a-z0-9-]{0,62}$": "at most 63 lower-case letters, digits and hyphens, starting with a letter "
                               "(e.g. datadog or stripe-live)",
}


def pattern_mismatch(field: str, err: dict) -> str:
    """The message of a pydantic string_pattern_mismatch error, in words."""
    words = PATTERN_WORDS.get(str((err.get("ctx") or {}).get("pattern")))
    return f"{field} has the wrong format" + (f": {words}" if words else "")


# e-mail addresses compare case-insensitively: store and look them up in lower case
Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(str.lower)]
EmailAddress = Annotated[Email, Field(json_schema_extra={"format": "email"}), AfterValidator(_email)]  # new ones
ImageRef = Annotated[str, Field(max_length=512), AfterValidator(_image)]
ServiceName = Annotated[str, Field(min_length=1, max_length=40, json_schema_extra={"pattern": SLUG.pattern}),
                        AfterValidator(_slug)]
