"""What every command needs: the saved login, an API client, the output mode, and name -> id
resolution for organizations, projects, environments and services."""
from __future__ import annotations

import contextvars
import os
from typing import Any, Optional

from cli import config
from cli.client import ApiError, Client, segment
from cli.output import Out

# The current command's output mode, for the error handler (it runs outside the command).
JSON_MODE: contextvars.ContextVar[bool] = contextvars.ContextVar("launchbay_json", default=False)


class CliError(Exception):
    """A usage or resolution problem found by the CLI itself: exit code 1."""


class Session:
    def __init__(self, json_mode: bool = False, org: Optional[str] = None, project: Optional[str] = None,
                 env: Optional[str] = None, api: Optional[str] = None, need_login: bool = True):
        JSON_MODE.set(json_mode)
        self.out = Out(json_mode)
        self.saved = config.load()
        self.api = config.api_url(self.saved, api)
        token = os.environ.get("LAUNCHBAY_TOKEN") or self.saved.get("token")
        if need_login and not token:
            raise CliError("not logged in: run `launchbay login` (or set LAUNCHBAY_TOKEN)")
        self.client = Client(self.api, token)
        self._org_ref = org or os.environ.get("LAUNCHBAY_ORG") or self.saved.get("org")
        self._project_ref = project or os.environ.get("LAUNCHBAY_PROJECT") or self.saved.get("project")
        self._env_ref = env or os.environ.get("LAUNCHBAY_ENV") or self.saved.get("env")
        self._org: Optional[str] = None
        self._project: Optional[dict[str, Any]] = None
        self._env: Optional[dict[str, Any]] = None

    # --- organization ----------------------------------------------------------------
    def orgs(self) -> list[dict[str, Any]]:
        return self.client.get("/me").get("organizations") or []

    def org(self) -> str:
        if self._org:
            return self._org
        ref = self._org_ref
        if not ref:
            raise CliError("no organization chosen: run `launchbay orgs use ORG` or pass --org")
        if not ref.startswith("org_"):
            ref = pick(self.orgs(), ref, "organization")["id"]
        self._org = ref
        return ref

    def org_path(self, tail: str = "") -> str:
        return f"/orgs/{segment(self.org())}{tail}"

    # --- project ---------------------------------------------------------------------
    def project(self) -> dict[str, Any]:
        if self._project is None:
            ref = self._project_ref
            if not ref:
                raise CliError("no project chosen: run `launchbay projects use PROJECT` or pass --project")
            if ref.startswith("prj_"):
                self._project = self.client.get(self.org_path(f"/projects/{segment(ref)}"))
            else:
                self._project = pick(self.client.items(self.org_path("/projects")), ref, "project")
        return self._project

    def project_path(self, tail: str = "") -> str:
        return self.org_path(f"/projects/{segment(self.project()['id'])}{tail}")

    # --- environment -----------------------------------------------------------------
    def env_ref(self) -> Optional[str]:
        return self._env_ref

    def environment(self, ref: Optional[str] = None) -> dict[str, Any]:
        ref = ref or self._env_ref
        if not ref:
            raise CliError("no environment chosen: run `launchbay envs use ENV` or pass --env")
        if self._env is not None and ref in (self._env.get("id"), self._env.get("name")):
            return self._env
        env = pick(self.client.items(self.project_path("/environments")), ref, "environment")
        if ref == self._env_ref:
            self._env = env
        return env

    # --- service ---------------------------------------------------------------------
    def services(self) -> list[dict[str, Any]]:
        """The project's services; with an environment chosen, that environment's (the API filters)."""
        env = self._env_ref
        if env:
            return self.client.items(self.project_path("/services"), environment=env)
        return self.client.items(self.project_path("/services"))

    def service(self, ref: str) -> dict[str, Any]:
        if ref.startswith("svc_"):
            return self.client.get(self.org_path(f"/services/{segment(ref)}"))
        items = self.services()
        if not self._env_ref:
            items = production_first(items, ref)
        return pick(items, ref, "service", hint="pass --env to choose the environment")

    def service_path(self, ref: str, tail: str = "") -> str:
        return self.org_path(f"/services/{segment(self.service(ref)['id'])}{tail}")


def production_first(items: list[dict[str, Any]], ref: str) -> list[dict[str, Any]]:
    """With no environment chosen, a name found in several environments (after `envs clone`, or
    a preview) means production's, where `services create`, `secrets set` and `resources create`
    put things by default: -> just that one, else `items` as they are (for `pick` to judge)."""
    named = [i for i in items if i.get("name") == ref]
    mains = [i for i in named if i.get("environment") == "production"]
    return mains if len(named) > 1 and len(mains) == 1 else items


def pick(items: list[dict[str, Any]], ref: str, what: str, hint: str = "") -> dict[str, Any]:
    """The item whose id is `ref`, else the one named `ref` (case-sensitive, then not)."""
    for item in items:
        if item.get("id") == ref:
            return item
    named = [i for i in items if i.get("name") == ref] or [i for i in items if str(i.get("name", "")).lower() == ref.lower()]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        ids = ", ".join(i["id"] for i in named)
        raise CliError(f"{len(named)} {what}s are named {ref!r} ({ids}): give the id" + (f" or {hint}" if hint else ""))
    known = ", ".join(sorted({str(i.get("name")) for i in items})[:20]) or "none"   # a clone repeats names
    raise CliError(f"no {what} {ref!r} (known: {known})")


__all__ = ["ApiError", "CliError", "Session", "pick", "production_first", "JSON_MODE"]
