// Who may do what: a copy of chalicelib/accounts/roles.py (roles.test.ts compares the two), so a
// screen shows only the actions the caller's role allows. The API still decides (403 otherwise).
export type RoleName = "owner" | "admin" | "developer" | "viewer";
export const RANK: Record<RoleName, number> = { owner: 4, admin: 3, developer: 2, viewer: 1 };
export const PERMISSIONS = {
  read: "viewer",
  deploy: "developer",
  "deploy.approve": "admin",   // a deploy to an environment that requires approval goes out
  "service.write": "developer",
  "queue.redrive": "developer",   // a queue's dead letters moved back: operations, like a restart
  "secret.write": "developer",
  "project.write": "admin",
  "project.delete": "admin",
  "member.write": "admin",
  "aws_account.write": "admin",
  "git.write": "admin",
  "registry.write": "admin",   // private registries' credentials: they read the organization's images
  "org.write": "admin",   // the organization's settings (name, require_mfa)
  "org.delete": "owner",   // the organization itself, once its projects are gone
  "env_group.write": "admin",   // environment groups: shared variables and secrets of the services linking them
} as const satisfies Record<string, RoleName>;
export type Action = keyof typeof PERMISSIONS;

/** Unknown role (not loaded yet): allowed, so buttons do not flicker; the API answers 403 if not. */
export function allows(role: string | undefined, action: Action): boolean {
  if (!role || !(role in RANK)) return true;
  return RANK[role as RoleName] >= RANK[PERMISSIONS[action]];
}

// What a developer's or viewer's role in one project decides there, above or below their organization
// role: that project's work (environments, services, secrets, resources, deploys, approvals). The
// organization's own settings, members, connections, credentials and new projects keep the org role.
export const PROJECT_ACTIONS: ReadonlySet<Action> = new Set<Action>([
  "deploy", "deploy.approve", "service.write", "queue.redrive", "secret.write", "project.write", "project.delete",
]);
export type ProjectRoleName = "admin" | "developer" | "viewer";   // an owner's powers are the organization's
export const PROJECT_ROLES: readonly ProjectRoleName[] = ["admin", "developer", "viewer"];

/** The role that decides `action` (in project `projectId`, where it has one) and whether a project
 * role decided it: chalicelib/accounts/roles.py's `effective`. Owners and admins act on every
 * project as such; a developer's or viewer's role in the project decides its project actions. */
export function effective(
  orgRole: string | undefined, projectRoles: Record<string, string> | undefined, action: Action, projectId?: string | null,
): { role: string | undefined; byProject: boolean } {
  if (projectId && PROJECT_ACTIONS.has(action) && orgRole !== "owner" && orgRole !== "admin") {
    const scoped = projectRoles?.[projectId];
    if (scoped) return { role: scoped, byProject: true };
  }
  return { role: orgRole, byProject: false };
}

/** allows() with the caller's role in the project counted (see effective). */
export function allowsIn(
  orgRole: string | undefined, projectRoles: Record<string, string> | undefined, action: Action, projectId?: string | null,
): boolean {
  return allows(effective(orgRole, projectRoles, action, projectId).role, action);
}
