// Organizations created, renamed and deleted; the account's log-in sessions; deleting the account.
// Response bodies typed by hand like models.ts (the OpenAPI document has no response bodies).
import type { QueryClient } from "@tanstack/react-query";
import type { Me, Org } from "./models";
import { keys } from "./queries";

/** DELETE /v1/orgs/{org}?confirm=NAME: access ends at once for everyone, a worker removes the rest. */
export interface OrgDeleted { status: "deleting"; id: string; name: string; members_removed: number; revoked_api_tokens: number }
/** POST /v1/me/delete: every session and token of the account is dead. */
export interface AccountDeleted { status: "deleted"; email: string; left_organizations: string[] }
/** GET /v1/me/sessions: one log-in session of the caller's; `current`: the one asking. */
export interface SignInSession {
  id: string; created: string; expires: string; source_ip: string | null; user_agent: string | null; current: boolean;
}

export const sessionKeys = { sessions: ["me", "sessions"] as const };

/** Where an organization's settings are (the Members page's section: its name, two-factor policy, deletion). */
export const orgSettingsPath = (org: string) => `/orgs/${org}/members#settings`;

/** The cached GET /v1/me, with an organization added (or replaced, same id) or taken away; /me is read again after. */
export function putOrg(qc: QueryClient, org: Org) {
  qc.setQueryData<Me>(keys.me, (me) => me && {
    ...me,
    organizations: me.organizations.some((o) => o.id === org.id)
      ? me.organizations.map((o) => (o.id === org.id ? { ...o, ...org } : o))
      : [...me.organizations, org],
  });
  void qc.invalidateQueries({ queryKey: keys.me });
}
export function dropOrg(qc: QueryClient, id: string) {
  qc.setQueryData<Me>(keys.me, (me) => me && { ...me, organizations: me.organizations.filter((o) => o.id !== id) });
}

/** Passed in the router's state to the page after an organization's deletion (Layout shows it). */
export interface OrgDeletedState { orgDeleted?: { name: string; others_removed: number } }
