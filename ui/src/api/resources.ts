// Reads of managed resources and links (TanStack Query), shared by the Resources page and the
// service's Resources tab; kept apart from queries.ts so neither screen loads the other.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type { Page } from "./models";
import { isBusy, type Resource, type ResourceLink } from "../lib/resources";

export const resourceKeys = {
  all: (org: string, project: string) => ["resources", org, project] as const,
  list: (org: string, project: string, env?: string) => ["resources", org, project, env ?? ""] as const,
  links: (org: string, svc: string) => ["links", org, svc] as const,
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

/** The resources a service links (names, variables, a volume's mount path, read-only; never values). */
export const useLinks = (org: string, svc: string) =>
  useQuery({
    queryKey: resourceKeys.links(org, svc),
    queryFn: () => unwrap<{ items: ResourceLink[] }>(api.GET("/v1/orgs/{org}/services/{svc}/links", { params: { path: { org, svc } } })),
    refetchInterval: (q) => (q.state.data?.items.some((l) => isBusy(l.status)) ? 2000 : false),
  });
