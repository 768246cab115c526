"""A search request checks the caller's membership once (review note on #9), and stays inside
the caller's organization: the single check is the one that scopes the query."""
from __future__ import annotations

import pytest

from chalicelib.accounts import service as accounts
from chalicelib.search import service
from tests.api.test_search_api import org_with_service, relay


@pytest.fixture
def authorize_calls(monkeypatch):
    """Counts the search service's calls to the real accounts.authorize (which still runs)."""
    calls: list[tuple[str, str]] = []

    def counted(ports, actor, org_id, action):
        calls.append((org_id, action))
        return accounts.authorize(ports, actor, org_id, action)

    monkeypatch.setattr(service, "authorize", counted)
    return calls


def test_one_membership_check_per_search_and_no_other_org(api, ports, authorize_calls):
    a, org_a, _, svc_a = org_with_service(api, "A", "billing-api", "billing:1")
    b, org_b, _, svc_b = org_with_service(api, "B", "billing-web", "billing:2")
    relay(ports)

    status, out = a.call("GET", f"/orgs/{org_a}/search?q=billing&type=service")
    assert status == 200, out
    assert [r["id"] for r in out["results"]] == [svc_a["id"]]       # B's billing-web is not there
    assert authorize_calls == [(org_a, "read")]

    authorize_calls.clear()
    status, out = a.call("GET", f"/orgs/{org_b}/search?q=billing")
    assert status == 404 and out["error"]["field"] == "org"         # another org does not exist for A
    assert authorize_calls == [(org_b, "read")]

    authorize_calls.clear()
    status, out = b.call("GET", f"/orgs/{org_b}/search?q=billing&type=service")
    assert status == 200 and [r["id"] for r in out["results"]] == [svc_b["id"]]
    assert authorize_calls == [(org_b, "read")]


def test_search_refuses_an_unchecked_org_id(ports):
    with pytest.raises(TypeError):
        service.search(ports, "org_123", "billing")  # type: ignore[arg-type]
