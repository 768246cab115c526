// Reads of managed resources and links (TanStack Query), shared by the Resources page and the
// service's Resources tab; kept apart from queries.ts so neither screen loads the other.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type { Page } from "./models";
import { countable, isBusy, moving, type QueueMessages, type Resource, type ResourceLink } from "../lib/resources";
import { restorable, restoreReady, type RestoreWindow } from "../lib/restore";

export const resourceKeys = {
  all: (org: string, project: string) => ["resources", org, project] as const,
  list: (org: string, project: string, env?: string) => ["resources", org, project, env ?? ""] as const,
  // under all(): a change or delete from either screen reads both again
  one: (org: string, project: string, res: string) => ["resources", org, project, "one", res] as const,
  links: (org: string, svc: string) => ["links", org, svc] as const,
  messages: (org: string, res: string) => ["queue-messages", org, res] as const,
  restoreWindow: (org: string, res: string) => ["restore-window", org, res] as const,
};

/** A project's resources (one environment's when given); polls every 2 s while one is busy. */
export const useResources = (org: string, project: string, environment?: string, enabled = true) =>
  useQuery({
    queryKey: resourceKeys.list(org, project, environment),
    enabled: enabled && !!project,
    queryFn: () =>
      unwrap<Page<Resource>>(
        api.GET("/v1/orgs/{org}/projects/{project}/resources", {
          params: { path: { org, project }, query: { environment, limit: "200" } },
        }),
      ),
    refetchInterval: (q) => (q.state.data?.items.some((r) => isBusy(r.status)) ? 2000 : false),
  });

/** One resource (its project in the key, for the screens' shared invalidation); polls every 2 s while busy. */
export const useResource = (org: string, project: string, res: string) =>
  useQuery({
    queryKey: resourceKeys.one(org, project, res),
    queryFn: () => unwrap<Resource>(api.GET("/v1/orgs/{org}/resources/{res}", { params: { path: { org, res } } })),
    refetchInterval: (q) => (isBusy(q.state.data?.status) ? 2000 : false),
  });

/** A queue's message counts, read live from SQS (never cached long: a minute-old count misleads);
 * read again every 2 s while its dead letters are being moved back. Only once SQS has the queue. */
export const useQueueMessages = (org: string, r: Resource | undefined) =>
  useQuery({
    queryKey: resourceKeys.messages(org, r?.id ?? ""),
    enabled: !!r && r.kind === "queue" && countable(r),
    staleTime: 0,
    queryFn: () => unwrap<QueueMessages>(api.GET("/v1/orgs/{org}/resources/{res}/messages", { params: { path: { org, res: r!.id } } })),
    refetchInterval: (q) => (moving(q.state.data) ? 2000 : false),
  });

/** The moments a database can be restored to (its `latest` moves on by itself: read again each
 * time the restore dialog opens). Only for a database that is available or being changed; a 409
 * (no backups kept, no restorable time yet) says why no restore is offered. */
export const useRestoreWindow = (org: string, r: Resource | undefined) =>
  useQuery({
    // a change of backups (0 to 7 days, say) changes the answer: read again then
    queryKey: [...resourceKeys.restoreWindow(org, r?.id ?? ""), r?.backup_retention_days ?? null],
    enabled: !!r && restorable(r) && restoreReady(r),
    staleTime: 0,
    queryFn: () => unwrap<RestoreWindow>(api.GET("/v1/orgs/{org}/resources/{res}/restore-window", { params: { path: { org, res: r!.id } } })),
  });

/** The resources a service links (names, variables, a volume's mount path, read-only or send-only; never values). */
export const useLinks = (org: string, svc: string, enabled = true) =>
  useQuery({
    queryKey: resourceKeys.links(org, svc),
    enabled,
    queryFn: () => unwrap<{ items: ResourceLink[] }>(api.GET("/v1/orgs/{org}/services/{svc}/links", { params: { path: { org, svc } } })),
    refetchInterval: (q) => (q.state.data?.items.some((l) => isBusy(l.status)) ? 2000 : false),
  });
