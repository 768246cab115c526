"""A 422's field messages in words that name the field (a form shows each next to its field; the
CLI prints them): pydantic's own ("String should have at least 1 character") name none."""
from typing import List

import pytest
from pydantic import BaseModel, Field, ValidationError

from chalicelib.api.http import invalid


class Body(BaseModel):
    name: str = Field(min_length=1, max_length=3)
    password: str = Field(min_length=10)
    port: int = Field(ge=1, le=65535)
    tags: List[int] = Field(max_length=2)


def messages(data: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        Body.model_validate(data)
    return {p["field"]: p["message"] for p in invalid(caught.value.errors(include_url=False, include_input=False)).fields}


def test_limits_and_types_in_words_naming_the_field():
    assert messages({"name": "", "password": "short", "port": 0, "tags": [1, 2, 3]}) == {
        "name": "name is required", "password": "password must be at least 10 characters",
        "port": "port must be at least 1", "tags": "tags must have at most 2 items"}
    assert messages({"name": "abcd", "password": 7, "port": "x", "tags": "q"}) == {
        "name": "name must be at most 3 characters", "password": "password must be text",
        "port": "port must be a whole number", "tags": "tags must be a list"}
    assert messages({"password": "a long password", "port": 70000, "tags": []}) == {
        "name": "name is required", "port": "port must be at most 65535"}
