// Every server read the UI makes, as TanStack Query hooks with their cache keys and polling.
import { useEffect, useRef } from "react";
import { useQuery, useQueryClient, type UseQueryOptions } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type {
  ApiToken, Deployment, DeploymentChanges, Environment, Health, Invitation, Me, Member, Page, Project,
  Release, SearchAnswer, Secret, Service,
} from "./models";
import { isFinal } from "../lib/format";

type Opts<T> = Omit<UseQueryOptions<T>, "queryKey" | "queryFn">;

export const keys = {
  me: ["me"] as const,
  health: ["health"] as const,
  projects: (org: string) => ["projects", org] as const,
  project: (org: string, p: string) => ["project", org, p] as const,
  envs: (org: string, p: string) => ["envs", org, p] as const,
  // under the list's key: what refreshes the project's environments (a freeze, say) refreshes it too
  env: (org: string, p: string, env: string) => ["envs", org, p, env] as const,
  services: (org: string, p: string, env?: string) => ["services", org, p, env ?? ""] as const,
  service: (org: string, s: string) => ["service", org, s] as const,
  deployments: (org: string, s: string) => ["deployments", org, s] as const,
  releases: (org: string, s: string) => ["releases", org, s] as const,
  secrets: (org: string, s: string) => ["secrets", org, s] as const,
  deployment: (org: string, d: string) => ["deployment", org, d] as const,
  changes: (org: string, d: string, status: string) => ["changes", org, d, status] as const,
  tokens: ["tokens"] as const,
  members: (org: string) => ["members", org] as const,
  invitations: (org: string) => ["invitations", org] as const,
  audit: (org: string) => ["audit", org] as const,
  search: (org: string, q: string, type: string) => ["search", org, q, type] as const,
};

export const useMe = (o?: Opts<Me>) => useQuery({ queryKey: keys.me, queryFn: () => unwrap<Me>(api.GET("/v1/me")), ...o });

export const useHealth = () =>
  useQuery({ queryKey: keys.health, queryFn: () => unwrap<Health>(api.GET("/v1/health")).catch(() => ({}) as Health), staleTime: 60_000 });

export const useProjects = (org: string) =>
  useQuery({
    queryKey: keys.projects(org),
    queryFn: () => unwrap<Page<Project>>(api.GET("/v1/orgs/{org}/projects", { params: { path: { org } } })),
  });

// (`enabled`: a screen that learns the id from another read asks nothing until it has it)
export const useProject = (org: string, project: string) =>
  useQuery({
    queryKey: keys.project(org, project),
    enabled: !!project,
    queryFn: () => unwrap<Project>(api.GET("/v1/orgs/{org}/projects/{project}", { params: { path: { org, project } } })),
  });

export const useEnvironments = (org: string, project: string) =>
  useQuery({
    queryKey: keys.envs(org, project),
    queryFn: () =>
      unwrap<Page<Environment>>(api.GET("/v1/orgs/{org}/projects/{project}/environments", { params: { path: { org, project } } })),
  });

/** One environment (by id or name), e.g. a service's: read again every 30 s, and when its freeze
 * ends by itself (the API no longer reports it), so a freeze set or lifted elsewhere shows. */
export const useEnvironment = (org: string, project: string, env: string) =>
  useQuery({
    queryKey: keys.env(org, project, env),
    enabled: !!project && !!env,
    queryFn: () =>
      unwrap<Environment>(api.GET("/v1/orgs/{org}/projects/{project}/environments/{env}", { params: { path: { org, project, env } } })),
    refetchInterval: (q) => {
      const until = q.state.data?.freeze?.until;
      const left = until ? Date.parse(until) - Date.now() + 1000 : Infinity;
      return Math.max(1000, Math.min(30_000, left));
    },
  });

// being deleted and changing by itself (a delete that failed waits for a person to retry it)
const deleting = (x: { status?: string; teardown?: { state: string } | null }) =>
  x.status === "deleting" && x.teardown?.state !== "failed";
const busy = (s: Pick<Service, "status" | "teardown">) => s.status === "deploying" || s.status === "suspending" || deleting(s);

/** A project's services; polls every 2 s while one of them is changing, else every 15 s. */
export const useServices = (org: string, project: string, environment?: string) =>
  useQuery({
    queryKey: keys.services(org, project, environment),
    queryFn: () =>
      unwrap<Page<Service>>(
        api.GET("/v1/orgs/{org}/projects/{project}/services", {
          params: { path: { org, project }, query: { environment, limit: "200" } },
        }),
      ),
    refetchInterval: (q) => (q.state.data?.items.some(busy) ? 2000 : 15000),
  });

/** One service; polls every 1.5 s while it changes, else every 15 s, so that a deploy started
 * elsewhere (the CLI, a git push) shows here too. */
export const useService = (org: string, svc: string) =>
  useQuery({
    queryKey: keys.service(org, svc),
    enabled: !!svc,
    queryFn: () => unwrap<Service>(api.GET("/v1/orgs/{org}/services/{svc}", { params: { path: { org, svc } } })),
    refetchInterval: (q) => (q.state.data && busy(q.state.data) ? 1500 : 15000),
  });

/** The service's status, live release and last error change when one of its deployments starts or
 * settles, and the service is not polled closely unless it is busy (a queued deployment leaves it
 * `live`; a push or the CLI may start one while the page is open): read it again when one of these
 * deployments appears unfinished or reaches a final status. Its live release keys the releases. */
export function useServiceFollows(org: string, svc: string, deployments: Pick<Deployment, "id" | "status">[] | undefined) {
  const qc = useQueryClient();
  const seen = useRef<Map<string, string> | null>(null);
  const signature = (deployments ?? []).map((d) => `${d.id}:${d.status}`).join(",");
  useEffect(() => {
    if (!deployments || !svc) return;
    const before = seen.current;
    seen.current = new Map(deployments.map((d) => [d.id, d.status]));
    if (before && deployments.some((d) => (isFinal(d.status) ? before.get(d.id) !== d.status : !before.has(d.id)))) {
      void qc.invalidateQueries({ queryKey: keys.service(org, svc) });
    }
  }, [org, svc, signature]);   // the signature stands for the list: a new array each poll is no change
}

export const useDeployments = (org: string, svc: string) =>
  useQuery({
    queryKey: keys.deployments(org, svc),
    queryFn: () =>
      unwrap<Page<Deployment>>(api.GET("/v1/orgs/{org}/services/{svc}/deployments", { params: { path: { org, svc } } })),
    refetchInterval: (q) => (q.state.data?.items.some((d) => !isFinal(d.status)) ? 1500 : false),
  });

/** The releases, read again whenever `live` (the service's live_deployment_id) changes: nothing
 * polls them, so a deploy that goes live while the page is open would otherwise not show up. */
export const useReleases = (org: string, svc: string, live?: string | null) =>
  useQuery({
    queryKey: [...keys.releases(org, svc), live ?? ""],
    // the previous list stays on screen while the new one is read (no flash of "loading")
    placeholderData: (prev) => prev,
    queryFn: () => unwrap<Page<Release>>(api.GET("/v1/orgs/{org}/services/{svc}/releases", { params: { path: { org, svc } } })),
  });

export const useSecrets = (org: string, svc: string) =>
  useQuery({
    queryKey: keys.secrets(org, svc),
    queryFn: () => unwrap<{ items: Secret[] }>(api.GET("/v1/orgs/{org}/services/{svc}/secrets", { params: { path: { org, svc } } })),
  });

/** One deployment; polls every second until it reaches a final status. */
export const useDeployment = (org: string, dep: string, enabled = true) =>
  useQuery({
    queryKey: keys.deployment(org, dep),
    enabled: enabled && !!dep,
    queryFn: () => unwrap<Deployment>(api.GET("/v1/orgs/{org}/deployments/{dep}", { params: { path: { org, dep } } })),
    refetchInterval: (q) => (q.state.data && isFinal(q.state.data.status) ? false : 1000),
  });

/** What the deployment changes against the release before it (or `against`, another deployment of
 * the same service), asked again as its status moves (the secrets' versions are known once it
 * runs); the last answer stays on screen meanwhile. */
export const useDeploymentChanges = (org: string, dep: string, status: string, against = "") =>
  useQuery({
    queryKey: [...keys.changes(org, dep, status), against],
    enabled: !!dep,
    queryFn: () => unwrap<DeploymentChanges>(api.GET("/v1/orgs/{org}/deployments/{dep}/changes", {
      params: { path: { org, dep }, query: against ? { against } : {} },
    })),
    // not another deployment's, nor a comparison with another release
    placeholderData: (prev, before) => (before?.queryKey[2] === dep && before.queryKey[4] === against ? prev : undefined),
  });

export const useTokens = () =>
  useQuery({ queryKey: keys.tokens, queryFn: () => unwrap<Page<ApiToken>>(api.GET("/v1/tokens")) });

export const useMembers = (org: string) =>
  useQuery({
    queryKey: keys.members(org),
    queryFn: () => unwrap<Page<Member>>(api.GET("/v1/orgs/{org}/members", { params: { path: { org } } })),
  });

export const useInvitations = (org: string, enabled: boolean) =>
  useQuery({
    queryKey: keys.invitations(org),
    enabled,
    queryFn: () => unwrap<Page<Invitation>>(api.GET("/v1/orgs/{org}/invitations", { params: { path: { org } } })),
  });

export const useSearch = (org: string, q: string, type: string) =>
  useQuery({
    queryKey: keys.search(org, q, type),
    enabled: q.trim().length > 0,
    placeholderData: (prev) => prev,
    queryFn: () =>
      unwrap<SearchAnswer>(
        api.GET("/v1/orgs/{org}/search", { params: { path: { org }, query: { q, type: type || undefined, limit: "20" } } }),
      ),
  });

// --- account-level screens (AWS connections, environments with their placement) ---
// (imported here, not at the top, so this block stays an append)
import type { AwsAccount, PlacedEnvironment } from "./accountModels";
import { allowsIn, effective, type Action } from "../lib/roles";

export const accountKeys = {
  awsAccounts: (org: string) => ["aws-accounts", org] as const,
  awsAccount: (org: string, id: string) => ["aws-account", org, id] as const,
};

export const useAwsAccounts = (org: string) =>
  useQuery({
    queryKey: accountKeys.awsAccounts(org),
    queryFn: () =>
      unwrap<Page<AwsAccount>>(api.GET("/v1/orgs/{org}/aws-accounts", { params: { path: { org } } })),
  });

/** One connection with its setup (template, external id, quick-create link). */
export const useAwsAccount = (org: string, account: string | null) =>
  useQuery({
    queryKey: accountKeys.awsAccount(org, account ?? ""),
    enabled: !!account,
    queryFn: () =>
      unwrap<AwsAccount>(api.GET("/v1/orgs/{org}/aws-accounts/{account}", { params: { path: { org, account: account ?? "" } } })),
  });

/** The same cache entry as useEnvironments, typed with the placement fields; polls every 2 s while
 * one is being deleted (until it is gone, or its delete failed and waits for a retry). */
export const usePlacedEnvironments = (org: string, project: string) =>
  useQuery({
    queryKey: keys.envs(org, project),
    queryFn: () =>
      unwrap<Page<PlacedEnvironment>>(api.GET("/v1/orgs/{org}/projects/{project}/environments", { params: { path: { org, project } } })),
    refetchInterval: (q) =>
      (q.state.data?.items.some(deleting) ? 2000 : false),
  });

/** can(action): whether the caller's role in `org` allows it (lib/roles.ts, the API's table); inside
 * a project (`project`: its id), a developer's or viewer's role in it decides that project's work. */
export function useCan(org: string, project?: string | null): (action: Action) => boolean {
  const me = useMe();
  const mine = me.data?.organizations.find((o) => o.id === org);
  return (action: Action) => allowsIn(mine?.role, mine?.project_roles, action, project);
}

/** The caller's role in `project` where it decides that project's work (a developer's or viewer's); else undefined. */
export function useProjectRole(org: string, project: string | null | undefined): string | undefined {
  const mine = useMe().data?.organizations.find((o) => o.id === org);
  const e = effective(mine?.role, mine?.project_roles, "service.write", project);
  return e.byProject ? e.role : undefined;
}

