// The organization's environment groups (GET/POST /v1/orgs/{org}/env-groups, GET/PATCH/DELETE
// …/{group}, its secrets and deploy): response bodies typed by hand (the OpenAPI document has none),
// kept apart from queries.ts so that only the groups' pages and a service's settings load them.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";

/** A group's secret: its name and version only (the value is never answered). */
export interface EnvGroupSecret { name: string; version: number; updated: string }
/** A service linking the group. */
export interface EnvGroupService { id: string; name: string; project_id: string; project: string | null; environment: string | null }
export interface EnvGroup {
  id: string; name: string; description: string; env: Record<string, string>; secrets: EnvGroupSecret[];
  services: EnvGroupService[]; created: string; updated: string; created_by: string | null;
}
/** POST …/{group}/deploy: the services deployed, and those skipped with the reason in the API's words. */
export interface EnvGroupDeploy {
  deployments: { service_id: string; service: string; project: string | null; environment: string | null; deployment_id: string }[];
  skipped: { service_id: string; service: string; reason: string }[];
}

export const envGroupKeys = {
  list: (org: string) => ["env-groups", org] as const,
  // under the list's key: what refreshes the list refreshes each group too
  one: (org: string, group: string) => ["env-groups", org, group] as const,
};

export const useEnvGroups = (org: string, enabled = true) =>
  useQuery({
    queryKey: envGroupKeys.list(org),
    enabled: enabled && !!org,
    queryFn: () => unwrap<{ items: EnvGroup[] }>(api.GET("/v1/orgs/{org}/env-groups", { params: { path: { org } } })),
  });

export const useEnvGroup = (org: string, group: string) =>
  useQuery({
    queryKey: envGroupKeys.one(org, group),
    enabled: !!org && !!group,
    queryFn: () => unwrap<EnvGroup>(api.GET("/v1/orgs/{org}/env-groups/{group}", { params: { path: { org, group } } })),
  });

export const createEnvGroup = (org: string, body: { name: string; description?: string; env?: Record<string, string> }) =>
  unwrap<EnvGroup>(api.POST("/v1/orgs/{org}/env-groups", { params: { path: { org } }, body }));

export const patchEnvGroup = (org: string, group: string, body: { description?: string | null; env?: Record<string, string> }) =>
  unwrap<EnvGroup>(api.PATCH("/v1/orgs/{org}/env-groups/{group}", { params: { path: { org, group } }, body }));

export const deleteEnvGroup = (org: string, group: string) =>
  unwrap<null>(api.DELETE("/v1/orgs/{org}/env-groups/{group}", { params: { path: { org, group } } }));

export const putEnvGroupSecret = (org: string, group: string, name: string, value: string) =>
  unwrap<EnvGroupSecret>(api.PUT("/v1/orgs/{org}/env-groups/{group}/secrets/{name}", { params: { path: { org, group, name } }, body: { value } }));

export const deleteEnvGroupSecret = (org: string, group: string, name: string) =>
  unwrap<null>(api.DELETE("/v1/orgs/{org}/env-groups/{group}/secrets/{name}", { params: { path: { org, group, name } } }));

export const deployEnvGroup = (org: string, group: string) =>
  unwrap<EnvGroupDeploy>(api.POST("/v1/orgs/{org}/env-groups/{group}/deploy", { params: { path: { org, group } } }));
