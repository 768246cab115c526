"""The GitHub side alone (fast tier): the signature GitHub documents, and the published payloads
parsed into the fields Launchbay uses."""
from __future__ import annotations

import pytest

from chalicelib.core.errors import BadRequest, Invalid
from chalicelib.hooks import github
from tests.hooks.conftest import FIXTURES, payload


def test_signature_matches_githubs_documented_example():
    # docs.github.com "Validating webhook deliveries": secret "It's a Secret to Everybody", body "Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert github.signature("It's a Secret to Everybody", b"Hello, World!") == expected
    assert github.signature_ok("It's a Secret to Everybody", b"Hello, World!", expected)
    for bad in (None, "", expected.upper(), expected[:-1], "sha1=" + expected[7:], expected + "0"):
        assert not github.signature_ok("It's a Secret to Everybody", b"Hello, World!", bad), bad


def test_published_payloads_parse_to_the_fields_used():
    push = github.parse("push", github.payload((FIXTURES / "push.json").read_bytes(), "application/json"))
    assert isinstance(push, github.PushEvent) and push.branch == "master"
    assert push.commit() == {"sha": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "message": "Initial commit",
                             "author": "Codertocat"}
    for action in ("opened", "synchronize", "closed"):
        pr = github.parse("pull_request", payload(f"pull_request.{action}"))
        assert isinstance(pr, github.PullRequestEvent)
        assert (pr.action, pr.number, pr.pull_request.base.ref, pr.pull_request.head.ref) == (action, 2, "master",
                                                                                              "changes")
        assert not pr.from_fork and pr.repository.full_name == "Codertocat/Hello-World"
    tag = payload("push")
    tag["ref"] = "refs/tags/v1"
    parsed = github.parse("push", tag)
    assert isinstance(parsed, github.PushEvent) and parsed.branch is None


def test_first_line_is_bounded():
    assert github.first_line("fix\n\nbody") == "fix"
    assert github.first_line("  \n") == ""
    assert len(github.first_line("x" * 1000)) == github.MESSAGE_CHARS


def test_bad_payloads_are_named_errors():
    with pytest.raises(BadRequest):
        github.payload(b"\xff\xfe", "application/json")
    with pytest.raises(BadRequest):
        github.payload(b"[]", "application/json")
    with pytest.raises(Invalid) as exc:
        github.parse("push", {"ref": "refs/heads/main", "after": "nothex", "repository": {"full_name": "a/b"}})
    assert exc.value.field == "after"
