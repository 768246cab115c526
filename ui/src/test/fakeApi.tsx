// The network is the one thing replaced in component tests: fetch answers like the API would
// (its paths, status codes and error shape), and every request is kept for assertions.
import { render } from "@testing-library/react";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../App";

/** [status, body] or [status, body, headers] (a 429's Retry-After). */
type Reply = [number, unknown] | [number, unknown, Record<string, string>];
export type Answer = (req: Request) => Reply | Promise<Reply>;
export interface Call { method: string; url: string; path: string; headers: Headers; auth: string | null; body: unknown }

export function fakeApi(answers: Record<string, Answer>): Call[] {
  const calls: Call[] = [];
  globalThis.fetch = (async (input: Request) => {
    const path = new URL(input.url).pathname;
    const text = input.method === "GET" ? "" : await input.clone().text();
    calls.push({ method: input.method, url: input.url, path, headers: input.headers, auth: input.headers.get("Authorization"), body: text ? JSON.parse(text) : null });
    const key = `${input.method} ${path}`;
    const hit = Object.entries(answers).find(([k]) => new RegExp(`^${k}$`).test(key));
    const [status, body, headers = {}] = hit ? await hit[1](input) : [404, { error: { code: "not_found", message: key, field: null } }];
    if (status === 204) return new Response(null, { status, headers });
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
  }) as typeof fetch;
  return calls;
}

export const err = (code: string, message: string, field: string | null) => ({ error: { code, message, field } });

/** What every signed-in screen asks: who am I (an owner of org "o") and the health (sandbox or not);
 * and the account page's sessions (none listed). */
export const signedIn = (sandbox = true): Record<string, Answer> => ({
  "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com" }, organizations: [{ id: "o", name: "Acme", role: "owner" }] }],
  "GET /v1/health": () => [200, { mode: sandbox ? "sandbox" : "aws", sandbox }],
  "GET /v1/me/sessions": () => [200, { items: [], next: null }],
});

export function renderAt(path: string) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={router} /></QueryClientProvider>);
  return router;
}

export const me = (): [number, unknown] => [200, { user: { id: "u", email: "a@b.c" }, organizations: [{ id: "o", name: "Acme", role: "owner" }] }];

/** A live web service's `endpoints` with a verified custom domain (chalicelib/deploys/endpoints.py). */
export const endpoints = {
  load_balancer: "lb-e1-1.us-east-1.elb.amazonaws.com", host: "web-abc123.o.launchbay.internal",
  domain: "shop.example.com", url: "http://shop.example.com/",
  try: "curl -H 'Host: web-abc123.o.launchbay.internal' http://lb-e1-1.us-east-1.elb.amazonaws.com/",
};

export const service = {
  id: "s", name: "web", kind: "web", project_id: "p", status: "live", image: "nginx:1.27", cpu: 256, memory: 512,
  min_instances: 1, max_instances: 1, port: 80, health_check: { path: "/" }, env: {}, environment: "production",
  live_deployment_id: "d0", live_image: "nginx:1.26", needs_deploy: true, last_error: null,
};

/** What the Metrics tab of service "s" asks (the service, its project, metrics, events, alerts),
 * with these metrics; `over` replaces any of the answers. */
export const metricsTab = (metrics: Record<string, unknown>, over: Record<string, Answer> = {}): Record<string, Answer> => ({
  "GET /v1/orgs/o/services/s": () => [200, service],
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  "GET /v1/orgs/o/services/s/metrics": () => [200, { units: {}, from: "", to: "", period: 60, deployments: [], ...metrics }],
  "GET /v1/orgs/o/services/s/alerts": () => [200, { items: [], next: null }],
  "GET /v1/orgs/o/services/s/events": () => [200, { items: [], detail: null }],
  ...over,
});
