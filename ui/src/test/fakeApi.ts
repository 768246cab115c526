// The network is the one thing replaced in component tests: fetch answers like the API.
export type Answer = (req: Request) => [number, unknown];

export function fakeApi(answers: Record<string, Answer>): Request[] {
  const calls: Request[] = [];
  globalThis.fetch = (async (input: Request) => {
    calls.push(input);
    const path = new URL(input.url).pathname;
    const key = `${input.method} ${path}`;
    const hit = Object.entries(answers).find(([k]) => new RegExp(`^${k}$`).test(key));
    const [status, body] = hit ? hit[1](input) : [404, { error: { code: "not_found", message: key, field: null } }];
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  }) as typeof fetch;
  return calls;
}

export const me = (): [number, unknown] => [200, { user: { id: "u", email: "a@b.c" }, organizations: [{ id: "o", name: "Acme", role: "owner" }] }];

export const service = {
  id: "s", name: "web", kind: "web", project_id: "p", status: "live", image: "nginx:1.27", cpu: 256, memory: 512,
  min_instances: 1, max_instances: 1, port: 80, health_check: { path: "/" }, env: {}, environment: "production",
  live_deployment_id: "d0", live_image: "nginx:1.26", needs_deploy: true, last_error: null,
};
