"""The setup most API and deploy tests share, through the API as a user would: an organisation
(its owner signed up), a project, a service, a deployment queued or run to its end.

    org = new_org(api)                       # or the `make_org` fixture
    svc = org.service(env={"A": "1"})        # web, nginx:1.27, port 80 unless overridden
    dep = org.deploy(ports, svc)             # queued, then run in-process until settled
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from tests.support.api import Api, confirm_address, signup
from tests.support.deploying import run_to_end

SERVICE = {"name": "web", "image": "nginx:1.27", "port": 80}


@dataclass
class Org:
    api: Api      # authenticated as the owner
    id: str
    owner: dict   # the signup answer: user, organization, token
    projects: dict[str, dict] = field(default_factory=dict)

    def call(self, method: str, path: str, body: Any = None, **kw) -> tuple[int, Any]:
        """`path` below /orgs/<id>."""
        return self.api.call(method, f"/orgs/{self.id}{path}", body, **kw)

    def project(self, name: str = "p") -> dict:
        """The project of that name, created on first use."""
        if name not in self.projects:
            status, prj = self.call("POST", "/projects", {"name": name})
            assert status == 201, prj
            self.projects[name] = prj
        return self.projects[name]

    def service(self, project: Optional[str] = None, **spec: Any) -> dict:
        prj = self.project(project or "p")
        base = SERVICE if spec.get("kind", "web") == "web" else {k: v for k, v in SERVICE.items() if k != "port"}
        status, svc = self.call("POST", f"/projects/{prj['id']}/services", {**base, **spec})   # a port: web only
        assert status == 201, svc
        return svc

    def queue_deployment(self, service: dict, **body: Any) -> dict:
        status, dep = self.call("POST", f"/services/{service['id']}/deployments", body)
        assert status == 202, dep
        return dep

    def deploy(self, ports, service: dict, **body: Any) -> dict:
        """Queue a deployment and drive it to a settled status in-process (no worker needed)."""
        return run_to_end(ports, self.queue_deployment(service, **body)["id"])


def new_org(api: Api, name: str = "Acme", email: Optional[str] = None) -> Org:
    """The owner signs up and follows the link that confirms their address, as most do."""
    owner = signup(api, email, org=name)
    confirm_address(api, owner["user"]["email"])
    owner["user"]["email_verified"] = True
    return Org(Api(api.client, owner["token"]), owner["organization"]["id"], owner)
