// A service's deploy hook (GET/POST/DELETE /v1/orgs/{org}/services/{svc}/deploy-hook,
// chalicelib/deploys/deploy_hooks.py): response bodies typed by hand (the OpenAPI document has
// none) and the read, kept apart from queries.ts so that only the Settings tab loads them.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";

/** A service's deploy hook, never its key: `path` to POST to (on the API's origin) with the key in
 * the `header`; `hint` is the key's last four characters ("…abcd"); `acts_as` the member whose
 * rights its calls deploy with (whoever made or last rotated it); `uses` counts its deploys. */
export interface DeployHook {
  configured: true; id: string; path: string; url?: string; hint: string | null; header: string;
  created_by: string | null; created: string; rotated: string | null; rotated_by: string | null;
  acts_as: string | null; last_used: string | null; uses: number;
}
export type DeployHookState = DeployHook | { configured: false };
/** POST …/deploy-hook (201): the hook with its key, in this answer only. */
export interface DeployHookKey extends DeployHook { key: string; message: string }

export const deployHookKeys = {
  hook: (org: string, svc: string) => ["deploy-hook", org, svc] as const,
};

export const useDeployHook = (org: string, svc: string) =>
  useQuery({
    queryKey: deployHookKeys.hook(org, svc),
    enabled: !!org && !!svc,
    queryFn: () => unwrap<DeployHookState>(api.GET("/v1/orgs/{org}/services/{svc}/deploy-hook", { params: { path: { org, svc } } })),
  });

/** Make the hook, or rotate its key (the old one stops working at once). */
export const makeDeployHook = (org: string, svc: string) =>
  unwrap<DeployHookKey>(api.POST("/v1/orgs/{org}/services/{svc}/deploy-hook", { params: { path: { org, svc } } }));

export const removeDeployHook = (org: string, svc: string) =>
  unwrap<null>(api.DELETE("/v1/orgs/{org}/services/{svc}/deploy-hook", { params: { path: { org, svc } } }));

/** The URL a CI job calls: the API's own `url` (from where it was reached), else this page's origin
 * (the UI is served from the API) and the hook's path. */
export const hookUrl = (path: string, origin: string = location.origin, url?: string) => url || origin + path;

/** The line a CI job runs (the header, as the README's example); the key in single quotes as given. */
export const curlLine = (url: string, header: string, key: string) => `curl -X POST -H '${header}: ${key}' ${url}`;

/** For a tool that sends no headers of its own (Docker Hub's webhook): the key in the query string. */
export const urlWithKey = (url: string, key: string) => `${url}?key=${encodeURIComponent(key)}`;
