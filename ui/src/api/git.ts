// Git webhooks, preview environments and notifications (issue #13): response bodies typed by hand
// (the OpenAPI document has none) and their reads, kept apart from queries.ts so the two pages'
// code loads with them only.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type { Deployment, Environment, Page } from "./models";
import { keys } from "./queries";

/** The commit a deployment from source records (a push names it; a manual deploy of a branch head has none). */
export interface Commit { sha: string; message?: string | null; author?: string | null }
export type DeploymentWithCommit = Deployment & { commit?: Commit | null };

export interface Preview { pr: number; head_sha: string; head_ref?: string; base_environment_id?: string; last_push?: string }
/** GET …/environments with the git fields: the branch it tracks, or the pull request it previews. */
export interface GitEnvironment extends Environment { branch?: string | null; preview?: Preview | null; created?: string; updated?: string }

export interface HookDelivery {
  id: string; delivery: string; event: "push" | "pull_request"; status: "received" | "processing" | "done" | "failed";
  result: Record<string, unknown> | null; created: string; finished?: string | null;
}
export interface Hook { configured: true; id: string; provider: "github"; url: string; events: string[]; created: string; updated: string; deliveries: HookDelivery[] }
/** GET …/hooks/github before one is made: a 200 saying so (a first visit makes no failing request). */
export interface NoHook { configured: false; id: null; provider: "github"; url: string; events: string[]; created: null; updated: null; deliveries: [] }
/** POST …/hooks/github: the secret is in this answer only. */
export interface HookSecret { id: string; provider: "github"; url: string; secret: string; content_type: string; events: string[]; rotated: boolean }

export const EVENTS = [
  "deployment.awaiting_approval", "deployment.approval_reminder", "deployment.approval_expired", "deployment.started", "deployment.building", "deployment.live", "deployment.failed",
  "deployment.rolled_back", "preview.created", "preview.deleted", "alert.opened", "alert.resolved", "service.suspended",
  "service.resumed", "service.maintenance", "service.maintenance_over", "environment.frozen", "environment.unfrozen",
  "environment.asleep", "environment.awake", "queue.dead_letters", "log_drain.failing", "log_drain.recovered",
] as const;
export type NotifyKind = "webhook" | "slack" | "teams" | "email";
/** Kind "email" has `emails` (members' addresses) and no URL (`url_hint` empty or null). */
export interface Subscription {
  id: string; project_id: string; kind: NotifyKind; name: string; url_hint: string | null; emails?: string[] | null; events: string[];
  enabled: boolean; created: string; updated: string; secret_rotated: string | null; signed: boolean; secret?: string;
}

/** What a subscription is called: its name, else where it sends. */
export const subscriptionTitle = (s: Subscription) =>
  s.name || (s.kind === "email" ? (s.emails ?? []).join(", ") : s.url_hint) || s.id;
export type DeliveryStatus = "queued" | "sending" | "retrying" | "delivered" | "failed";
export interface Attempt { attempt: number; at: string; response_code: number | null; error: string | null; duration_ms: number | null }
export interface NotifyDelivery {
  id: string; subscription_id: string; event: string; status: DeliveryStatus; attempts: number; response_code: number | null;
  error: string | null; duration_ms: number | null; history: Attempt[]; next_attempt: string | null; created: string; updated: string;
}

/** GET /v1/orgs/{org}/git/github: whether the organization has a token for private repositories (never the token). */
export interface GitToken { provider: "github"; configured: boolean; version?: number; hint?: string | null; set_by?: string | null; created?: string; updated?: string }

export const gitKeys = {
  token: (org: string) => ["git-token", org] as const,
  hook: (org: string, p: string) => ["hook", org, p] as const,
  subs: (org: string, p: string) => ["notifications", org, p] as const,
  deliveries: (org: string, p: string, sub: string) => ["notifications", org, p, sub, "deliveries"] as const,
};

/** The project's webhook; null while none is made (the API's `configured: false`). */
export const useHook = (org: string, project: string) =>
  useQuery({
    queryKey: gitKeys.hook(org, project),
    queryFn: async () => {
      const got = await unwrap<Hook | NoHook>(api.GET("/v1/orgs/{org}/projects/{project}/hooks/github", { params: { path: { org, project } } }));
      return got.configured ? got : null;
    },
    // a delivery is worked on by a task: look again until each has an outcome
    refetchInterval: (q) => (q.state.data?.deliveries.some((d) => d.status === "received" || d.status === "processing") ? 2000 : false),
  });

export const useGitToken = (org: string) =>
  useQuery({
    queryKey: gitKeys.token(org),
    queryFn: () => unwrap<GitToken>(api.GET("/v1/orgs/{org}/git/github", { params: { path: { org } } })),
  });

/** The same cache entry as useEnvironments, typed with the git fields. */
export const useGitEnvironments = (org: string, project: string) =>
  useQuery({
    queryKey: keys.envs(org, project),
    queryFn: () =>
      unwrap<Page<GitEnvironment>>(api.GET("/v1/orgs/{org}/projects/{project}/environments", { params: { path: { org, project } } })),
    refetchInterval: 10_000,   // previews come and go with pull requests
  });

export const useSubscriptions = (org: string, project: string) =>
  useQuery({
    queryKey: gitKeys.subs(org, project),
    queryFn: () =>
      unwrap<Page<Subscription>>(api.GET("/v1/orgs/{org}/projects/{project}/notifications", { params: { path: { org, project } } })),
  });

export const isSettled = (s: DeliveryStatus) => s === "delivered" || s === "failed";

/** A subscription's delivery log, newest first: every 2 s while one is on its way, else every 10 s
 * (a deploy can add one at any time). */
export const useNotifyDeliveries = (org: string, project: string, sub: string) =>
  useQuery({
    queryKey: gitKeys.deliveries(org, project, sub),
    queryFn: () =>
      unwrap<Page<NotifyDelivery>>(api.GET("/v1/orgs/{org}/projects/{project}/notifications/{sub}/deliveries", {
        params: { path: { org, project, sub } },
      })),
    refetchInterval: (q) => (q.state.data?.items.some((d) => !isSettled(d.status)) ? 2000 : 10_000),
  });
