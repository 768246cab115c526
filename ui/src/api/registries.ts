// The organization's container registry credentials (GET/PUT/DELETE /v1/orgs/{org}/registries…):
// response bodies typed by hand (the OpenAPI document has none) and the read, kept apart from
// queries.ts so that only the registries page and the service page load them.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";

/** Whether the last check signed in: ok true, or null when it did not look (`message` says why). */
export interface RegistryCheck { ok: boolean | null; message?: string | null; at?: string | null }

/** One registry's credentials: never the password, only its last four characters (`hint`, "…abcd"). */
export interface RegistryCredential {
  host: string; username: string; password_set: boolean; hint: string | null; version: number | null;
  check: RegistryCheck | null; set_by: string | null; created: string; updated: string;
  /** PUT only: what the new credentials do ("deploys of images in ghcr.io pull with these credentials…") */
  message?: string;
}

export const registryKeys = {
  list: (org: string) => ["registries", org] as const,
};

export const useRegistries = (org: string, enabled = true) =>
  useQuery({
    queryKey: registryKeys.list(org),
    enabled: enabled && !!org,
    queryFn: () => unwrap<{ items: RegistryCredential[] }>(api.GET("/v1/orgs/{org}/registries", { params: { path: { org } } })),
  });

// (openapi-fetch encodes path parameters with encodeURIComponent: 127.0.0.1:5000 goes as 127.0.0.1%3A5000)
export const putRegistry = (org: string, host: string, username: string, password: string) =>
  unwrap<RegistryCredential>(api.PUT("/v1/orgs/{org}/registries/{host}", { params: { path: { org, host } }, body: { username, password } }));

export const deleteRegistry = (org: string, host: string) =>
  unwrap<null>(api.DELETE("/v1/orgs/{org}/registries/{host}", { params: { path: { org, host } } }));
