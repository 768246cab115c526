"""Roles, highest first. A permission names the lowest role allowed."""
from __future__ import annotations

ROLES = ("owner", "admin", "developer", "viewer")
RANK = {role: len(ROLES) - i for i, role in enumerate(ROLES)}

# action -> lowest role that may do it
PERMISSIONS = {
    "read": "viewer",
    "deploy": "developer",
    "deploy.approve": "admin",      # a deploy to an environment that requires approval goes out
    "service.write": "developer",
    "queue.redrive": "developer",   # operations, like a restart
    "secret.write": "developer",
    "project.write": "admin",
    "project.delete": "admin",
    "member.write": "admin",
    "aws_account.write": "admin",   # connections to AWS accounts: where the organization's code runs
    "git.write": "admin",           # the GitHub token builds clone with: it reads the source code
    "registry.write": "admin",      # private registries' credentials: they read the organization's images
    "org.write": "admin",           # the organization's own settings (name, require_mfa)
    "org.delete": "owner",          # the organization itself, once its projects are gone
    "env_group.write": "admin",     # shared variables and secrets: every service linking the group gets them
}

# each permission as a refusal says it: "your role here is viewer: deploying services takes developer or higher"
ACTION_WORDS = {
    "read": "reading this organization",
    "deploy": "deploying, restarting or rolling back services",
    "queue.redrive": "moving a queue's dead letters back",
    "deploy.approve": "approving or rejecting deploys to protected environments",
    "service.write": "changing services",
    "secret.write": "setting secrets",
    "project.write": "changing projects, environments, resources, webhooks and notifications",
    "project.delete": "deleting projects, environments and resources",
    "member.write": "managing members and invitations",
    "aws_account.write": "connecting AWS accounts",
    "git.write": "setting the GitHub token",
    "registry.write": "setting container registry credentials",
    "org.write": "changing the organization's settings",
    "org.delete": "deleting the organization",
    "env_group.write": "changing environment groups (shared variables and secrets)",
}


# What a member's role in one project (a membership's `project_roles`) decides there, above or below
# their role in the organization: work on that project's environments, services and deploys.
# The organization's own settings, members, connections and credentials stay with the org role.
PROJECT_ACTIONS = frozenset({"deploy", "deploy.approve", "service.write", "queue.redrive", "secret.write",
                             "project.write", "project.delete"})
PROJECT_ROLES = ("admin", "developer", "viewer")   # an owner's powers are the organization's


def effective(membership: dict, action: str, project_id: str | None) -> tuple[str, bool]:
    """(the role that decides `action`, whether a project role decided it). Owners and admins of
    the organization act on every project as such: a project role is for developers and viewers."""
    role = membership["role"]
    if project_id and action in PROJECT_ACTIONS and role not in ("owner", "admin"):
        scoped = (membership.get("project_roles") or {}).get(project_id)
        if scoped:
            return scoped, True
    return role, False


def allows(role: str, action: str) -> bool:
    return RANK.get(role, 0) >= RANK[PERMISSIONS[action]]
