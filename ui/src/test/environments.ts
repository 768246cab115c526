/** An environments page under test: an environment as the API answers it, and a project's answers
 * around its environments list (the windows dialogs' tests share them). */
import { type Answer, signedIn } from "./fakeApi";

export const ENVS = "/v1/orgs/o/projects/p/environments";

export const env = (name: string, over: Record<string, unknown> = {}) => ({
  id: "env_" + name, project_id: "p", name, domain_suffix: null, env: {}, status: "active", aws_account_id: null, region: null,
  effective_region: "us-east-1", deploys_to: "platform account", require_approval: false, prevent_self_approval: false,
  promote_to: null, freeze: null as unknown, freeze_windows: [] as unknown[], next_freeze: null as unknown,
  sleep_windows: [] as unknown[], sleeping: null as unknown, next_sleep: null as unknown, allowed_ips: null as string[] | null,
  created: "2026-11-26T00:00:00Z", updated: "2026-11-26T00:00:00Z", ...over,
});

export const project = (items: () => unknown[], over: Record<string, Answer> = {}, role = "owner"): Record<string, Answer> => ({
  ...signedIn(),
  "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com" }, organizations: [{ id: "o", name: "Acme", role }] }],
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  "GET /v1/orgs/o/aws-accounts": () => [200, { items: [], next: null }],
  "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
  [`GET ${ENVS}`]: () => [200, { items: items(), next: null }],
  ...over,
});
