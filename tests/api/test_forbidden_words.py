"""A role too low is told in words: which role the caller has, what the action takes, and who can
change it; `field` is "role" (never the internal permission name such as service.write)."""
from __future__ import annotations

import uuid

from chalicelib.accounts import roles
from tests.api.test_members_api import login
from tests.support.api import Api, confirm_address, signup


def test_a_viewer_is_told_in_words_what_it_would_take(api, make_org):
    org = make_org()
    svc = org.service()
    email = f"v-{uuid.uuid4().hex[:8]}@example.com"
    signup(api, email, org="Home")
    assert org.call("POST", "/members", {"email": email, "role": "viewer"})[0] == 201
    confirm_address(api, email)                   # the invitation is accepted with it
    viewer = Api(api.client, login(api, email))
    status, err = viewer.call("PATCH", f"/orgs/{org.id}/services/{svc['id']}", {"env": {"A": "1"}})
    assert status == 403, err
    assert err["error"] == {"code": "forbidden", "field": "role", "message": (
        "your role here is viewer: changing services takes developer or higher "
        "(an owner or admin can change your role)")}
    status, err = viewer.call("POST", f"/orgs/{org.id}/services/{svc['id']}/restart")
    assert status == 403 and "deploying, restarting or rolling back services takes developer" in err["error"]["message"]


def test_every_permission_has_words():
    assert set(roles.ACTION_WORDS) == set(roles.PERMISSIONS)
    assert not any("." in words for words in roles.ACTION_WORDS.values())
