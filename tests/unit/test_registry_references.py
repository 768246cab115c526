"""Image references read as Docker reads them, and the registry hosts that can hold credentials."""
from __future__ import annotations

import pytest

from chalicelib.registries.references import host_problem, normal_host, parse


@pytest.mark.parametrize("image,host,repository,reference", [
    ("nginx", "docker.io", "library/nginx", "latest"),
    ("nginx:1.27", "docker.io", "library/nginx", "1.27"),
    ("bitnami/redis:7", "docker.io", "bitnami/redis", "7"),
    ("index.docker.io/acme/api:2", "docker.io", "acme/api", "2"),
    ("ghcr.io/acme/api:1.4", "ghcr.io", "acme/api", "1.4"),
    ("registry.gitlab.com/acme/group/api", "registry.gitlab.com", "acme/group/api", "latest"),
    ("localhost:5000/api:dev", "localhost:5000", "api", "dev"),
    ("127.0.0.1:5000/acme/api@sha256:" + "a" * 64, "127.0.0.1:5000", "acme/api", "sha256:" + "a" * 64),
    ("Ghcr.IO/acme/api:1", "ghcr.io", "acme/api", "1"),
])
def test_references_name_their_registry_repository_and_tag(image, host, repository, reference):
    ref = parse(image)
    assert ref is not None and (ref.host, ref.repository, ref.reference) == (host, repository, reference)


@pytest.mark.parametrize("image", ["", "UPPER/case", "acme/api@sha256:short", "a b:1"])
def test_what_is_not_a_reference_is_none(image):
    assert parse(image) is None


def test_hosts_that_take_credentials_and_those_that_do_not():
    assert normal_host("Registry-1.Docker.io") == "docker.io"
    assert host_problem("ghcr.io") is None and host_problem("127.0.0.1:5000") is None
    assert "task execution role" in host_problem("123456789012.dkr.ecr.eu-west-1.amazonaws.com")
    assert "public" in host_problem("public.ecr.aws")
    assert "registry host name" in host_problem("ghcr.io/acme")


def test_a_registry_name_not_in_dns_is_told_apart_from_one_that_does_not_answer():
    from chalicelib.registries import v2

    with pytest.raises(v2.Problem) as found:
        v2.check_login("registry.example.invalid", ("bot", "pw"), local=False)
    assert found.value.kind == "no_such_host" and "does not resolve" in str(found.value)
    with pytest.raises(v2.Problem) as closed:   # nothing listens there: unreachable, not a typo
        v2.check_login("127.0.0.1:9", ("bot", "pw"), local=True)
    assert closed.value.kind == "unreachable"
