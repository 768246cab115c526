import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../App";
import { session } from "../api/client";

// The network is the one thing replaced: fetch answers like the API (its 422 shape).
function fakeApi(answers: Record<string, (req: Request) => [number, unknown]>) {
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

test("create service: the API's field errors show next to their fields; only valid Fargate pairs", async () => {
  session.set("t");
  const calls = fakeApi({
    "GET /v1/me": () => [200, { user: { id: "u", email: "a@b.c" }, organizations: [{ id: "o", name: "Acme", role: "owner" }] }],
    "GET /v1/health": () => [200, { mode: "sandbox" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => [422, { error: { code: "invalid", message: "2 problems", field: "name",
      fields: [{ field: "name", message: "service names are lower case" }, { field: "image", message: "image must be a reference" }] } }],
  });
  const router = createMemoryRouter(routes, { initialEntries: ["/orgs/o/projects/p/new"] });
  render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={router} /></QueryClientProvider>);
  const user = userEvent.setup();

  const name = await screen.findByLabelText("Name");
  await user.type(name, "Web!");
  await user.selectOptions(screen.getByLabelText("CPU"), "2048");
  const memory = screen.getByLabelText("Memory") as HTMLSelectElement;
  expect([...memory.options].map((o) => o.value)).toEqual(["4096", "5120", "6144", "7168", "8192", "9216", "10240", "11264", "12288", "13312", "14336", "15360", "16384"]);
  await user.type(screen.getByLabelText("Release command"), "python{Enter}manage.py{Enter}migrate");
  await user.click(screen.getByRole("button", { name: "Create service" }));

  const nameField = name.closest(".field") as HTMLElement;
  expect(await within(nameField).findByRole("alert")).toHaveProperty("textContent", "service names are lower case");
  const imageField = screen.getByLabelText("Image").closest(".field") as HTMLElement;
  expect(within(imageField).getByRole("alert").textContent).toBe("image must be a reference");
  expect(name.getAttribute("aria-invalid")).toBe("true");

  const post = calls.find((r) => r.method === "POST")!;
  const body = await post.json();
  expect(body).toMatchObject({ name: "Web!", kind: "web", cpu: 2048, memory: 4096, port: 80,
                               release_command: ["python", "manage.py", "migrate"] });   // one argument per line
  expect(post.headers.get("Authorization")).toBe("Bearer t");
});

import { waitFor } from "@testing-library/react";
import { fakeApi as fakeApiShared, renderAt, service, signedIn } from "../test/fakeApi";

test("create from a git repository: source fields and build args in the body, the API's source errors next to their fields", async () => {
  session.set("t");
  let answer: [number, unknown] = [422, { error: { code: "invalid", message: "2 problems", field: "source.repo",
    fields: [{ field: "source.repo", message: "source.repo must be owner/name, e.g. acme/shop" },
      { field: "source.dockerfile", message: "source.dockerfile must be a path inside the repository" }] } }];
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => answer,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, image: null, source: { repo: "acme/shop", branch: "main", dockerfile: "Dockerfile", context: "." } }],
  });
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name"), "web");
  await user.selectOptions(screen.getByLabelText("Deploy from"), "git");
  expect(screen.queryByLabelText("Image")).toBeNull();   // one of image and source
  await user.type(screen.getByLabelText("Repository"), "shop");
  await user.clear(screen.getByLabelText("Dockerfile path"));
  await user.type(screen.getByLabelText("Dockerfile path"), "/etc/passwd");
  await user.type(screen.getByLabelText("Build args"), "NODE_ENV=production\nbroken line");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  // a build-args line without "=" is caught before asking the API
  const args = screen.getByLabelText("Build args").closest(".field") as HTMLElement;
  expect(within(args).getByRole("alert").textContent).toBe('"broken line" is not KEY=value');
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

  await user.clear(screen.getByLabelText("Build args"));
  await user.type(screen.getByLabelText("Build args"), "NODE_ENV=production");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  const repo = screen.getByLabelText("Repository").closest(".field") as HTMLElement;
  expect((await within(repo).findByRole("alert")).textContent).toBe("source.repo must be owner/name, e.g. acme/shop");
  const dockerfile = screen.getByLabelText("Dockerfile path").closest(".field") as HTMLElement;
  expect(within(dockerfile).getByRole("alert").textContent).toBe("source.dockerfile must be a path inside the repository");
  // the "Deploy from" choice itself carries no copy of a sub-field's error
  expect(within(screen.getByLabelText("Deploy from").closest(".field") as HTMLElement).queryByRole("alert")).toBeNull();
  const post = calls.filter((c) => c.method === "POST")[0]!;
  expect(post.body).toMatchObject({ name: "web", source: { repo: "shop", branch: "main", dockerfile: "/etc/passwd", context: "." },
    build_env: { NODE_ENV: "production" } });
  expect(post.body).not.toHaveProperty("image");

  answer = [201, { ...service, image: null, source: { repo: "acme/shop", branch: "main", dockerfile: "Dockerfile", context: "." } }];
  await user.clear(screen.getByLabelText("Repository"));
  await user.type(screen.getByLabelText("Repository"), "acme/shop");
  await user.clear(screen.getByLabelText("Dockerfile path"));
  await user.type(screen.getByLabelText("Dockerfile path"), "Dockerfile");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  expect((await screen.findByTestId("service-source", {}, { timeout: 5000 })).textContent).toBe("acme/shop · branch main · Dockerfile");
});

test("edit: switching a source-built service to an image sends the image (the API drops the source); commits on deployments", async () => {
  session.set("t");
  const built = { ...service, image: null, source: { repo: "acme/shop", branch: "main", dockerfile: "docker/web.Dockerfile", context: "app" },
    build_env: { NODE_ENV: "production" }, project_id: "p", updated: "2026-11-26T10:00:00Z" };
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, built],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [
      { id: "d2", number: 2, status: "building", service_id: "s", image: null, steps: [], created: "2026-11-26T10:00:00Z", actor: "github:ann",
        build: { repo: "acme/shop", branch: "main", ref: "main", dockerfile: "Dockerfile", context: "." },
        commit: { sha: "0123456789abcdef0123456789abcdef01234567", message: "Fix the checkout\n\nlong body", author: "Ann" } },
      { id: "d1", number: 1, status: "live", service_id: "s", image: "123.dkr.ecr/x@sha256:ab", steps: [], created: "2026-11-26T09:00:00Z", actor: "me",
        build: { repo: "acme/shop", branch: "main", ref: "main", dockerfile: "Dockerfile", context: ".", commit_sha: "fedcba9876543210" }, commit: null },
    ], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
    "PATCH /v1/orgs/o/services/s": () => [200, { ...built, image: "nginx:1.27", source: null }],
  });
  renderAt("/orgs/o/services/s");
  expect((await screen.findByTestId("service-source")).textContent).toBe("acme/shop · branch main · docker/web.Dockerfile in app · build args NODE_ENV ");
  const rows = await screen.findAllByRole("link", { name: /^#\d/ });
  expect(rows[0]!.textContent).toContain("0123456");
  expect(rows[0]!.textContent).toContain("Fix the checkout");
  expect(rows[0]!.textContent).not.toContain("long body");
  expect(rows[0]!.textContent).toContain("Ann");
  expect(rows[0]!.querySelector("[data-status]")?.getAttribute("data-status")).toBe("building");
  expect(rows[1]!.textContent).toContain("fedcba9");   // the commit the build resolved

  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const from = await screen.findByLabelText("Deploy from");
  expect((from as HTMLSelectElement).value).toBe("git");
  expect((screen.getByLabelText("Build context") as HTMLInputElement).value).toBe("app");
  await user.selectOptions(from, "image");
  await user.type(screen.getByLabelText("Image"), "nginx:1.27");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
  expect(calls.find((c) => c.method === "PATCH")!.body).toEqual({ image: "nginx:1.27", source: null });
});

test("number fields: what is not a whole number is refused at its field, 0 is sent as typed, a health check error sits under its own field", async () => {
  session.set("t");
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => [422, { error: { code: "invalid", message: "health_check.interval_seconds must be at least 5",
      field: "health_check.interval_seconds", fields: [{ field: "health_check.interval_seconds", message: "health_check.interval_seconds must be at least 5" }] } }],
  });
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name"), "web");
  await user.type(screen.getByLabelText("Image"), "nginx:1.27");
  const fieldOf = (label: string) => screen.getByLabelText(label).closest(".field") as HTMLElement;
  // "abc" was sent as null (so the API's default port 8080), a bad interval replaced by 30
  await user.clear(screen.getByLabelText("Port"));
  await user.type(screen.getByLabelText("Port"), "abc");
  await user.clear(screen.getByLabelText("Interval (s)"));
  await user.type(screen.getByLabelText("Interval (s)"), "1O");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  expect(within(fieldOf("Port")).getByRole("alert").textContent).toBe('"abc" is not a whole number');
  expect(within(fieldOf("Interval (s)")).getByRole("alert").textContent).toBe('"1O" is not a whole number');
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

  await user.clear(screen.getByLabelText("Port"));
  await user.type(screen.getByLabelText("Port"), "80");
  await user.clear(screen.getByLabelText("Interval (s)"));
  await user.type(screen.getByLabelText("Interval (s)"), "0");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  expect((await within(fieldOf("Interval (s)")).findByRole("alert")).textContent).toBe("health_check.interval_seconds must be at least 5");
  expect(within(fieldOf("Health check path")).queryByRole("alert")).toBeNull();
  expect(within(fieldOf("Port")).queryByRole("alert")).toBeNull();
  expect(calls.filter((c) => c.method === "POST")[0]!.body).toMatchObject({ port: 80, health_check: { interval_seconds: 0 } });
});

test("roll back on alerts: ticked with a window and the rules chosen, sent as auto_rollback; none chosen is refused at the setting", async () => {
  session.set("t");
  let current: Record<string, unknown> = { ...service, project_id: "p", updated: "2026-11-26T10:00:00Z", auto_rollback: null };
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
    "PATCH /v1/orgs/o/services/s": async (req) => {
      const body = await req.json() as { auto_rollback?: { rules: string[] } };
      if (body.auto_rollback && !body.auto_rollback.rules.length) {
        return [422, { error: { code: "invalid", message: "auto_rollback.rules: List should have at least 1 item", field: "auto_rollback.rules" } }];
      }
      current = { ...current, ...body };
      return [200, current];
    },
  });
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const tick = await screen.findByRole("checkbox", { name: /Roll a new release back by itself/ }, { timeout: 5000 });
  expect(screen.queryByLabelText("Within (minutes)")).toBeNull();
  await user.click(tick);
  const rules = screen.getByRole("group", { name: "Alerts that roll back" });
  expect(within(rules).getAllByRole("checkbox").map((c) => c.parentElement!.textContent!.trim()))
    .toEqual(["5xx responses", "p95 latency", "CPU", "Memory", "Stopped tasks"]);
  // none chosen: the API's refusal shows at the setting
  await user.click(within(rules).getByRole("checkbox", { name: "5xx responses" }));
  await user.click(within(rules).getByRole("checkbox", { name: "Stopped tasks" }));
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  const field = screen.getByLabelText("Within (minutes)").closest(".field") as HTMLElement;
  expect((await within(field).findByRole("alert")).textContent).toContain("at least 1 item");

  await user.click(within(rules).getByRole("checkbox", { name: "p95 latency" }));
  await user.click(within(rules).getByRole("checkbox", { name: "5xx responses" }));
  const window = screen.getByLabelText("Within (minutes)");
  await user.clear(window);
  await user.type(window, "30");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(2));
  expect(calls.filter((c) => c.method === "PATCH")[1]!.body).toEqual({ auto_rollback: { window_minutes: 30, rules: ["http_5xx_rate", "latency_p95"] } });
});

test("roll back on alerts for a worker offers the rules a worker has", async () => {
  session.set("t");
  fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, { ...service, kind: "worker", port: null, project_id: "p", auto_rollback: { window_minutes: 10, rules: ["restarts"] } }],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
  });
  renderAt("/orgs/o/services/s/settings");
  expect(((await screen.findByRole("checkbox", { name: /Roll a new release back by itself/ }, { timeout: 5000 })) as HTMLInputElement).checked).toBe(true);
  expect((screen.getByLabelText("Within (minutes)") as HTMLInputElement).value).toBe("10");
  const rules = screen.getByRole("group", { name: "Alerts that roll back" });
  expect(within(rules).getAllByRole("checkbox").map((c) => [c.parentElement!.textContent!.trim(), (c as HTMLInputElement).checked]))
    .toEqual([["CPU", false], ["Memory", false], ["Stopped tasks", true]]);
});

test("canary releases on create: ticked, the share, minutes and 5xx limit are sent; the API's refusal of the share shows at its field", async () => {
  session.set("t");
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => [422, { error: { code: "invalid", message: "canary.percent: Input should be less than or equal to 50",
      field: "canary.percent", fields: [{ field: "canary.percent", message: "canary.percent: Input should be less than or equal to 50" }] } }],
  });
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name"), "web");
  await user.type(screen.getByLabelText("Image"), "nginx:1.27");
  const tick = screen.getByRole("checkbox", { name: "Send a share of the traffic to each new release first" });
  expect((tick as HTMLInputElement).checked).toBe(false);
  expect(screen.getByText(/The first release takes all the traffic/).id).toBe(tick.getAttribute("aria-describedby"));
  expect(screen.queryByLabelText("Share of traffic (%)")).toBeNull();
  await user.click(tick);
  // the defaults, as the API has them
  expect((screen.getByLabelText("Share of traffic (%)") as HTMLInputElement).value).toBe("10");
  expect((screen.getByLabelText("Watch for (minutes)") as HTMLInputElement).value).toBe("5");
  expect((screen.getByLabelText("Roll back above (% 5xx)") as HTMLInputElement).value).toBe("2");
  await user.clear(screen.getByLabelText("Share of traffic (%)"));
  await user.type(screen.getByLabelText("Share of traffic (%)"), "60");
  await user.clear(screen.getByLabelText("Roll back above (% 5xx)"));
  await user.type(screen.getByLabelText("Roll back above (% 5xx)"), "0.5");
  await user.click(screen.getByRole("button", { name: "Create service" }));

  const share = screen.getByLabelText("Share of traffic (%)");
  const field = share.closest(".field") as HTMLElement;
  expect((await within(field).findByRole("alert")).textContent).toBe("canary.percent: Input should be less than or equal to 50");
  expect(share.getAttribute("aria-invalid")).toBe("true");
  expect(within(screen.getByLabelText("Watch for (minutes)").closest(".field") as HTMLElement).queryByRole("alert")).toBeNull();
  expect(document.querySelector(".form-error")).toBeNull();   // at its field, not again under the form
  expect(calls.filter((c) => c.method === "POST")[0]!.body).toMatchObject({ kind: "web", canary: { percent: 60, minutes: 5, max_5xx_percent: 0.5 } });
});

test("canary releases: what is not a number is refused at its field; unticked, a new web service sends none (null); a worker has no canary", async () => {
  session.set("t");
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => [422, { error: { code: "invalid", message: "stop here", field: "name" } }],
  });
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name"), "web");
  await user.type(screen.getByLabelText("Image"), "nginx:1.27");
  const tick = screen.getByRole("checkbox", { name: "Send a share of the traffic to each new release first" });
  await user.click(tick);
  await user.clear(screen.getByLabelText("Watch for (minutes)"));
  await user.type(screen.getByLabelText("Watch for (minutes)"), "2.5");
  await user.clear(screen.getByLabelText("Roll back above (% 5xx)"));
  await user.type(screen.getByLabelText("Roll back above (% 5xx)"), "two");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  const fieldOf = (label: string) => screen.getByLabelText(label).closest(".field") as HTMLElement;
  expect(within(fieldOf("Watch for (minutes)")).getByRole("alert").textContent).toBe('"2.5" is not a whole number');
  expect(within(fieldOf("Roll back above (% 5xx)")).getByRole("alert").textContent).toBe('"two" is not a number');
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

  await user.click(tick);   // unticked: its fields go, and their errors with them
  expect(screen.queryByLabelText("Watch for (minutes)")).toBeNull();
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
  expect(calls.filter((c) => c.method === "POST")[0]!.body).toMatchObject({ kind: "web", canary: null });

  await user.selectOptions(screen.getByLabelText("Kind"), "worker");
  expect(screen.queryByRole("checkbox", { name: "Send a share of the traffic to each new release first" })).toBeNull();
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(2));
  expect(calls.filter((c) => c.method === "POST")[1]!.body).not.toHaveProperty("canary");   // the API refuses it for a worker
});

test("canary releases on edit: a changed minute count sends the canary, unticking sends null, nothing changed sends no canary", async () => {
  session.set("t");
  let current: Record<string, unknown> = { ...service, project_id: "p", updated: "2026-11-26T10:00:00Z",
    canary: { percent: 10, minutes: 5, max_5xx_percent: 2, max_p95_ms: null } };
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
    "PATCH /v1/orgs/o/services/s": async (req) => {
      current = { ...current, ...(await req.json() as object) };
      return [200, current];
    },
  });
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const tick = await screen.findByRole("checkbox", { name: "Send a share of the traffic to each new release first" }, { timeout: 5000 });
  expect((tick as HTMLInputElement).checked).toBe(true);
  const patches = () => calls.filter((c) => c.method === "PATCH").map((c) => c.body);

  await user.clear(screen.getByLabelText("Min instances"));
  await user.type(screen.getByLabelText("Min instances"), "2");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(1));
  expect(patches()[0]).toEqual({ min_instances: 2 });   // the canary unchanged: not sent

  const minutes = screen.getByLabelText("Watch for (minutes)");
  await user.clear(minutes);
  await user.type(minutes, "10");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(2));
  expect(patches()[1]).toEqual({ canary: { percent: 10, minutes: 10, max_5xx_percent: 2, max_p95_ms: null } });

  await user.type(screen.getByLabelText("Roll back above p95 (ms)"), "800");   // latency judged too
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(3));
  expect(patches()[2]).toEqual({ canary: { percent: 10, minutes: 10, max_5xx_percent: 2, max_p95_ms: 800 } });

  await user.click(tick);
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(4));
  expect(patches()[3]).toEqual({ canary: null });
});

const ONLY = "Only these addresses";

test("who can reach it on create: unticked sends no addresses; ticked, the lines and commas are sent trimmed, each once; a worker has none", async () => {
  session.set("t");
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => [422, { error: { code: "invalid", message: "stop here", field: "name" } }],
  });
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name"), "web");
  await user.type(screen.getByLabelText("Image"), "nginx:1.27");
  const tick = screen.getByRole("checkbox", { name: ONLY });
  expect((tick as HTMLInputElement).checked).toBe(false);
  expect(screen.getByText(/Others get a 404 from the load balancer\. Applies with the next deploy\./).id).toBe(tick.getAttribute("aria-describedby"));
  expect(screen.queryByLabelText("Addresses")).toBeNull();
  const posts = () => calls.filter((c) => c.method === "POST").map((c) => c.body);
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(posts()).toHaveLength(1));
  expect(posts()[0]).not.toHaveProperty("allowed_ips");   // everyone

  await user.click(tick);
  await user.type(screen.getByLabelText("Addresses"), " 203.0.113.0/24 {Enter}{Enter}2001:db8::/32, 198.51.100.7{Enter}203.0.113.0/24");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(posts()).toHaveLength(2));
  expect(posts()[1]).toMatchObject({ kind: "web", allowed_ips: ["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"] });

  await user.selectOptions(screen.getByLabelText("Kind"), "worker");
  expect(screen.queryByRole("checkbox", { name: ONLY })).toBeNull();
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(posts()).toHaveLength(3));
  expect(posts()[2]).not.toHaveProperty("allowed_ips");   // the API refuses it for a worker
});

test("who can reach it: more than 4 addresses are refused before sending; the API's refusal of an address shows at the addresses", async () => {
  session.set("t");
  const message = "allowed_ips[1]: 'office' is not an IP address or CIDR block (e.g. 203.0.113.0/24 or 2001:db8::/32)";
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => [422, { error: { code: "invalid", message, field: "allowed_ips" } }],
  });
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name"), "web");
  await user.type(screen.getByLabelText("Image"), "nginx:1.27");
  await user.click(screen.getByRole("checkbox", { name: ONLY }));
  const addresses = screen.getByLabelText("Addresses");
  await user.type(addresses, "10.0.0.1{Enter}10.0.0.2{Enter}10.0.0.3{Enter}10.0.0.4{Enter}10.0.0.5");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  const field = addresses.closest(".field") as HTMLElement;
  expect(within(field).getByRole("alert").textContent).toBe("at most 4 addresses: the load balancer matches at most 5 values per rule, one is the host");
  expect(addresses.getAttribute("aria-invalid")).toBe("true");
  expect(document.activeElement).toBe(addresses);
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

  await user.clear(addresses);   // ticked with none: refused too (it would let everyone in)
  await user.click(screen.getByRole("button", { name: "Create service" }));
  expect(within(field).getByRole("alert").textContent).toBe("give at least one address, or untick Only these addresses to let everyone in");
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

  await user.type(addresses, "10.0.0.1{Enter}office");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  expect((await within(field).findByRole("alert")).textContent).toBe(message);
  expect(document.querySelector(".form-error")).toBeNull();   // at its field, not again under the form
  expect(calls.filter((c) => c.method === "POST")[0]!.body).toMatchObject({ allowed_ips: ["10.0.0.1", "office"] });
});

test("who can reach it on edit: the addresses shown, nothing changed sends none, a new list is sent, unticking sends []", async () => {
  session.set("t");
  let current: Record<string, unknown> = { ...service, project_id: "p", updated: "2026-11-26T10:00:00Z", allowed_ips: ["203.0.113.0/24"] };
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
    "PATCH /v1/orgs/o/services/s": async (req) => {
      const body = await req.json() as { allowed_ips?: string[] };
      // the API writes an address as its CIDR block
      const ips = body.allowed_ips?.map((a) => (a.includes("/") ? a : `${a}/32`));
      current = { ...current, ...body, ...(ips ? { allowed_ips: ips } : {}), updated: new Date().toISOString() };
      return [200, current];
    },
  });
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const tick = await screen.findByRole("checkbox", { name: ONLY }, { timeout: 5000 });
  expect((tick as HTMLInputElement).checked).toBe(true);
  expect((screen.getByLabelText("Addresses") as HTMLTextAreaElement).value).toBe("203.0.113.0/24");
  const patches = () => calls.filter((c) => c.method === "PATCH").map((c) => c.body);

  await user.clear(screen.getByLabelText("Min instances"));
  await user.type(screen.getByLabelText("Min instances"), "2");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(1));
  expect(patches()[0]).toEqual({ min_instances: 2 });   // the addresses unchanged: not sent

  await user.type(await screen.findByLabelText("Addresses"), "{Enter}198.51.100.7");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(2));
  expect(patches()[1]).toEqual({ allowed_ips: ["203.0.113.0/24", "198.51.100.7"] });
  await waitFor(() => expect((screen.getByLabelText("Addresses") as HTMLTextAreaElement).value).toBe("203.0.113.0/24\n198.51.100.7/32"));

  await user.click(screen.getByRole("checkbox", { name: ONLY }));
  expect(screen.queryByLabelText("Addresses")).toBeNull();
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(3));
  expect(patches()[2]).toEqual({ allowed_ips: [] });   // everyone
});

const RAMP = "Then ramp to (%)";

test("a canary's ramp on create: refused before sending when it does not climb, exceeds 50 or has more than 4 shares; sent as numbers; the API's refusal at its field", async () => {
  session.set("t");
  let answer: [number, unknown] = [422, { error: { code: "invalid", message: "stop here", field: "name" } }];
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => answer,
  });
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name"), "web");
  await user.type(screen.getByLabelText("Image"), "nginx:1.27");
  expect(screen.queryByLabelText(RAMP)).toBeNull();
  await user.click(screen.getByRole("checkbox", { name: "Send a share of the traffic to each new release first" }));
  const ramp = screen.getByLabelText(RAMP);
  expect((ramp as HTMLInputElement).value).toBe("");
  expect(document.getElementById(ramp.getAttribute("aria-describedby")!)!.textContent).toContain("10 % → 25 % → 50 %, then every task");
  const field = ramp.closest(".field") as HTMLElement;
  const posts = () => calls.filter((c) => c.method === "POST").map((c) => c.body as Record<string, unknown>);
  const refused = async (typed: string, message: string) => {
    await user.clear(ramp);
    await user.type(ramp, typed);
    await user.click(screen.getByRole("button", { name: "Create service" }));
    expect(within(field).getByRole("alert").textContent).toBe(message);
    expect(ramp.getAttribute("aria-invalid")).toBe("true");
    expect(posts()).toHaveLength(0);
  };
  await refused("5", "each share above the one before it (10 % first) and at most 50");
  await refused("25, 25", "each share above the one before it (10 % first) and at most 50");
  await refused("25, 60", "each share above the one before it (10 % first) and at most 50");
  await refused("20, 30, 40, 45, 50", "at most 4 shares after the first");
  await refused("25, half", '"half" is not a whole number');
  expect(document.activeElement).toBe(ramp);

  // none: the canary is sent as before, with no ramp (the API's default: one share)
  await user.clear(ramp);
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(posts()).toHaveLength(1));
  expect(posts()[0]!.canary).toEqual({ percent: 10, minutes: 5, max_5xx_percent: 2, max_p95_ms: null });

  await user.clear(screen.getByLabelText("Share of traffic (%)"));
  await user.type(screen.getByLabelText("Share of traffic (%)"), "5");
  await user.type(ramp, "20 35,50");   // commas or spaces
  answer = [422, { error: { code: "invalid", message: "canary.ramp: each share above the one before it (5 % first) and at most 50",
    field: "canary.ramp", fields: [{ field: "canary.ramp", message: "each share above the one before it (5 % first) and at most 50" }] } }];
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(posts()).toHaveLength(2));
  expect(posts()[1]!.canary).toEqual({ percent: 5, minutes: 5, max_5xx_percent: 2, max_p95_ms: null, ramp: [20, 35, 50] });
  expect((await within(field).findByRole("alert")).textContent).toBe("each share above the one before it (5 % first) and at most 50");
  expect(document.querySelector(".form-error")).toBeNull();   // at its field, not again under the form
  expect(within(screen.getByLabelText("Share of traffic (%)").closest(".field") as HTMLElement).queryByRole("alert")).toBeNull();
});

test("a canary's ramp on edit: shown as typed, said in the summary; a new ramp is sent, emptied the canary goes without one", async () => {
  session.set("t");
  let current: Record<string, unknown> = { ...service, project_id: "p", updated: "2026-11-26T10:00:00Z",
    canary: { percent: 10, minutes: 5, max_5xx_percent: 2, max_p95_ms: null, ramp: [25, 50] } };
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
    "PATCH /v1/orgs/o/services/s": async (req) => {
      const body = await req.json() as { canary?: Record<string, unknown> };
      // the API fills the canary's defaults in: no ramp is []
      current = { ...current, ...body, ...(body.canary ? { canary: { ramp: [], ...body.canary } } : {}), updated: new Date().toISOString() };
      return [200, current];
    },
  });
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  expect((await screen.findByTestId("canary-setting", {}, { timeout: 5000 })).textContent).toBe("10 % → 25 % → 50 %, 5 min each, rolls back above 2 % 5xx");
  const ramp = screen.getByLabelText(RAMP) as HTMLInputElement;
  expect(ramp.value).toBe("25, 50");
  const patches = () => calls.filter((c) => c.method === "PATCH").map((c) => c.body);

  await user.clear(screen.getByLabelText("Min instances"));
  await user.type(screen.getByLabelText("Min instances"), "2");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(1));
  expect(patches()[0]).toEqual({ min_instances: 2 });   // the ramp unchanged: not sent

  await user.clear(screen.getByLabelText(RAMP));
  await user.type(screen.getByLabelText(RAMP), "30");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(2));
  expect(patches()[1]).toEqual({ canary: { percent: 10, minutes: 5, max_5xx_percent: 2, max_p95_ms: null, ramp: [30] } });
  await waitFor(() => expect(screen.getByTestId("canary-setting").textContent).toBe("10 % → 30 %, 5 min each, rolls back above 2 % 5xx"));

  await user.clear(screen.getByLabelText(RAMP));
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(3));
  expect(patches()[2]).toEqual({ canary: { percent: 10, minutes: 5, max_5xx_percent: 2, max_p95_ms: null } });
  await waitFor(() => expect(screen.getByTestId("canary-setting").textContent).toBe("10 % for 5 min, rolls back above 2 % 5xx"));
});

test("aliases on create: added and removed one input each, up to 4; the domain itself or no domain refused before sending; the API's 409 at the aliases", async () => {
  session.set("t");
  let answer: [number, unknown] = [409, { error: { code: "already_exists",
    message: "domain www.shop.example.com is already claimed by another service", field: "aliases" } }];
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => answer,
  });
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name"), "web");
  await user.type(screen.getByLabelText("Image"), "nginx:1.27");
  const group = screen.getByRole("group", { name: "Aliases" });
  expect(within(group).queryByRole("textbox")).toBeNull();
  expect(document.getElementById(group.getAttribute("aria-describedby")!)!.textContent).toContain("up to 4 more host names");
  const add = within(group).getByRole("button", { name: "Add an alias" });
  await user.click(add);
  expect(document.activeElement).toBe(within(group).getByLabelText("Alias 1"));   // the new input takes the focus
  await user.type(within(group).getByLabelText("Alias 1"), "WWW.Shop.example.com");
  const posts = () => calls.filter((c) => c.method === "POST").map((c) => c.body as Record<string, unknown>);

  // an alias without the domain: refused at the aliases
  await user.click(screen.getByRole("button", { name: "Create service" }));
  expect(within(group).getByRole("alert").textContent).toBe("aliases come beside a custom domain: give the domain too, or remove the aliases");
  expect(within(group).getByLabelText("Alias 1").getAttribute("aria-invalid")).toBe("true");
  expect(posts()).toHaveLength(0);

  await user.type(screen.getByLabelText("Custom domain"), "shop.example.com");
  await user.click(within(group).getByRole("button", { name: "Add an alias" }));
  await user.type(within(group).getByLabelText("Alias 2"), "shop.example.com");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  expect(within(group).getByRole("alert").textContent).toBe("shop.example.com is the custom domain itself, not an alias of it");
  expect(posts()).toHaveLength(0);

  await user.click(within(group).getByRole("button", { name: "Remove alias 2 (shop.example.com)" }));
  expect(within(group).queryByLabelText("Alias 2")).toBeNull();
  await user.click(within(group).getByRole("button", { name: "Add an alias" }));   // an empty row is left out
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(posts()).toHaveLength(1));
  expect(posts()[0]).toMatchObject({ domain: "shop.example.com", aliases: ["www.shop.example.com"] });
  expect((await within(group).findByRole("alert")).textContent).toBe("domain www.shop.example.com is already claimed by another service");
  expect(document.querySelector(".form-error")).toBeNull();   // at the aliases, not again under the form

  // up to 4: the button goes once there are 4 rows
  for (const n of [3, 4]) {
    await user.click(within(group).getByRole("button", { name: "Add an alias" }));
    await user.type(within(group).getByLabelText(`Alias ${n}`), `a${n}.shop.example.com`);
  }
  expect(within(group).queryByRole("button", { name: "Add an alias" })).toBeNull();
  answer = [422, { error: { code: "invalid", message: "stop here", field: "name" } }];
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(posts()).toHaveLength(2));
  expect(posts()[1]!.aliases).toEqual(["www.shop.example.com", "a3.shop.example.com", "a4.shop.example.com"]);

  await user.selectOptions(screen.getByLabelText("Kind"), "worker");   // web services only
  expect(screen.queryByRole("group", { name: "Aliases" })).toBeNull();
  await user.clear(screen.getByLabelText("Name"));
  await user.type(screen.getByLabelText("Name"), "jobs");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(posts()).toHaveLength(3));
  expect(posts()[2]).not.toHaveProperty("aliases");
});

test("aliases on edit: shown, nothing changed sends none, a name added is sent, the API's 422 at the aliases, all removed sends null", async () => {
  session.set("t");
  let current: Record<string, unknown> = { ...service, project_id: "p", updated: "2026-11-26T10:00:00Z",
    domain: "shop.example.com", aliases: ["www.shop.example.com"] };
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
    "PATCH /v1/orgs/o/services/s": async (req) => {
      const body = await req.json() as { aliases?: string[] | null };
      if (body.aliases?.some((a) => a.includes(" "))) {
        return [422, { error: { code: "invalid", message: "aliases must be host names such as api.example.com", field: "aliases" } }];
      }
      current = { ...current, ...body, updated: new Date().toISOString() };
      return [200, current];
    },
  });
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const group = await screen.findByRole("group", { name: "Aliases" }, { timeout: 5000 });
  expect((within(group).getByLabelText("Alias 1") as HTMLInputElement).value).toBe("www.shop.example.com");
  const patches = () => calls.filter((c) => c.method === "PATCH").map((c) => c.body);

  await user.clear(screen.getByLabelText("Min instances"));
  await user.type(screen.getByLabelText("Min instances"), "2");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(1));
  expect(patches()[0]).toEqual({ min_instances: 2 });   // the aliases unchanged: not sent

  await user.click(within(screen.getByRole("group", { name: "Aliases" })).getByRole("button", { name: "Add an alias" }));
  await user.type(screen.getByLabelText("Alias 2"), "not a host");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(2));
  expect(patches()[1]).toEqual({ aliases: ["www.shop.example.com", "not a host"] });
  const again = screen.getByRole("group", { name: "Aliases" });
  expect((await within(again).findByRole("alert")).textContent).toBe("aliases must be host names such as api.example.com");

  await user.clear(screen.getByLabelText("Alias 2"));
  await user.type(screen.getByLabelText("Alias 2"), "shop.example.org");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(3));
  expect(patches()[2]).toEqual({ aliases: ["www.shop.example.com", "shop.example.org"] });
  await screen.findByText("Saved. Runtime settings take effect with the next deploy.");

  for (const name of ["Remove alias 2 (shop.example.org)", "Remove alias 1 (www.shop.example.com)"]) {
    await user.click(within(screen.getByRole("group", { name: "Aliases" })).getByRole("button", { name }));
  }
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(4));
  expect(patches()[3]).toEqual({ aliases: null });   // none
});

const BASELINE = "Judge errors against the live release";

test("a canary's baseline on edit: ticked and explained, sent as baseline: true, said in the summary; unticked, sent without it", async () => {
  session.set("t");
  let current: Record<string, unknown> = { ...service, project_id: "p", updated: "2026-11-26T10:00:00Z",
    canary: { percent: 10, minutes: 5, max_5xx_percent: 2, max_p95_ms: null, ramp: [] } };
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
    "PATCH /v1/orgs/o/services/s": async (req) => {
      const body = await req.json() as { canary?: Record<string, unknown> };
      // the API fills the canary's defaults in: no baseline is false
      current = { ...current, ...body, ...(body.canary ? { canary: { ramp: [], baseline: false, ...body.canary } } : {}), updated: new Date().toISOString() };
      return [200, current];
    },
  });
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const box = await screen.findByRole("checkbox", { name: BASELINE }, { timeout: 5000 }) as HTMLInputElement;
  expect(box.checked).toBe(false);   // a canary from before baselines: none
  expect(document.getElementById(box.getAttribute("aria-describedby")!)!.textContent).toBe(
    "The 5xx limit then counts points above the live release's own 5xx share over the same minutes, so errors both releases " +
    "answer (a flaky dependency) do not roll the new one back: with a limit of 2 and a live release answering 1.5 % 5xx, the new one " +
    "rolls back above 3.5 %. While the live release has fewer than 20 requests in those minutes, the limit alone is judged.");
  const limit = screen.getByLabelText("Roll back above (% 5xx)");
  const hint = () => document.getElementById(limit.getAttribute("aria-describedby")!)!.textContent;
  expect(hint()).toBe("Of the new release's answers, 0 to 100; judged once 20 requests reached it.");
  await user.click(box);
  expect(hint()).toBe("Points above the live release's own 5xx share, 0 to 100; judged once 20 requests reached the new release.");
  await user.clear(limit);
  await user.type(limit, "5");
  expect(document.getElementById(box.getAttribute("aria-describedby")!)!.textContent).toContain("with a limit of 5 and a live release answering 1.5 % 5xx, the new one rolls back above 6.5 %");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  const patches = () => calls.filter((c) => c.method === "PATCH").map((c) => c.body);
  await waitFor(() => expect(patches()).toHaveLength(1));
  expect(patches()[0]).toEqual({ canary: { percent: 10, minutes: 5, max_5xx_percent: 5, max_p95_ms: null, baseline: true } });
  await waitFor(() => expect(screen.getByTestId("canary-setting").textContent).toBe("10 % for 5 min, rolls back above the live release's 5xx share + 5 points"));
  expect((screen.getByRole("checkbox", { name: BASELINE }) as HTMLInputElement).checked).toBe(true);

  await user.click(screen.getByRole("checkbox", { name: BASELINE }));
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(2));
  expect(patches()[1]).toEqual({ canary: { percent: 10, minutes: 5, max_5xx_percent: 5, max_p95_ms: null } });   // the API's default: false
  await waitFor(() => expect(screen.getByTestId("canary-setting").textContent).toBe("10 % for 5 min, rolls back above 5 % 5xx"));
});

test("who can reach it: without a list of its own, the environment's addresses are said (read only); a new service's follow the environment picked", async () => {
  session.set("t");
  const env = (id: string, name: string, allowed_ips: string[] | null) =>
    ({ id, project_id: "p", name, domain_suffix: null, env: {}, freeze: null, allowed_ips });
  fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [env("env_prod", "production", ["203.0.113.0/24", "2001:db8::/32"]),
      env("env_stg", "staging", null)], next: null }],
    "GET /v1/orgs/o/projects/p/environments/env_prod": () => [200, env("env_prod", "production", ["203.0.113.0/24"])],
    "GET /v1/orgs/o/services/s": () => [200, { ...service, project_id: "p", environment_id: "env_prod", allowed_ips: null }],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
  });
  renderAt("/orgs/o/services/s/settings");
  const tick = await screen.findByRole("checkbox", { name: ONLY }, { timeout: 5000 });
  expect((tick as HTMLInputElement).checked).toBe(false);
  await waitFor(() => expect(document.getElementById(tick.getAttribute("aria-describedby")!)!.textContent).toBe(
    "Unticked: the clients its environment (production) allows, 203.0.113.0/24 (set on the project's environments); ticked, its own " +
    "list replaces that one. Others get a 404 from the load balancer. Applies with the next deploy."));
  expect(screen.getByTestId("inherited-ips").textContent).toBe("203.0.113.0/24");
  expect(screen.queryByLabelText("Addresses")).toBeNull();   // nothing to edit here: the environment's own dialog changes it

  // a new service: the environment picked (production unless another)
  cleanup();
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name"), "web");
  await waitFor(() => expect(screen.getByTestId("inherited-ips").textContent).toBe("203.0.113.0/24, 2001:db8::/32"));
  await user.selectOptions(screen.getByLabelText("Environment"), "staging");
  expect(screen.queryByTestId("inherited-ips")).toBeNull();
  expect(screen.getByText(/^Unticked: everyone\. Others get a 404/)).toBeTruthy();
});

test("redirecting aliases on edit: offered once there is an alias, explained; ticked sends true, unticked null; the summary says so", async () => {
  session.set("t");
  let current: Record<string, unknown> = { ...service, project_id: "p", updated: "2026-11-26T10:00:00Z",
    domain: "shop.example.com", aliases: ["www.shop.example.com"] };
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "PATCH /v1/orgs/o/services/s": async (req) => {
      const body = await req.json() as Record<string, unknown>;
      current = { ...current, ...body, updated: new Date().toISOString() };
      return [200, current];
    },
  });
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const box = await screen.findByRole("checkbox", { name: "Redirect the aliases to the domain" }, { timeout: 5000 });
  expect(box).toHaveProperty("checked", false);
  expect(document.getElementById(box.getAttribute("aria-describedby")!)!.textContent).toContain("answers a 301 to the custom domain");
  const patches = () => calls.filter((c) => c.method === "PATCH").map((c) => c.body);

  await user.click(box);
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(1));
  expect(patches()[0]).toEqual({ redirect_aliases: true });
  await screen.findByText("Saved. Runtime settings take effect with the next deploy.");
  expect((await screen.findByTestId("redirect-aliases")).textContent).toBe("www.shop.example.com redirects to shop.example.com (a 301, path and query kept)");

  const ticked = await screen.findByRole("checkbox", { name: "Redirect the aliases to the domain" });
  expect(ticked).toHaveProperty("checked", true);
  await user.click(ticked);
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(2));
  expect(patches()[1]).toEqual({ redirect_aliases: null });   // off is stored as never set

  // no alias: nothing to redirect, no box
  await user.click(within(screen.getByRole("group", { name: "Aliases" })).getByRole("button", { name: "Remove alias 1 (www.shop.example.com)" }));
  expect(screen.queryByRole("checkbox", { name: "Redirect the aliases to the domain" })).toBeNull();
});

test("watch paths on create: added one input each, refused before sending when absolute or with .., sent trimmed; the API's 422 at the paths", async () => {
  session.set("t");
  let answer: [number, unknown] = [422, { error: { code: "invalid", field: "source.paths",
    message: "source.paths: relative paths or globs in the repository such as services/api/** (no leading /, no ..): 'a\\\\b'" } }];
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => answer,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, image: null,
      source: { repo: "acme/shop", branch: "main", dockerfile: "Dockerfile", context: ".", paths: ["services/api/**", "shared"] } }],
  });
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name"), "api");
  expect(screen.queryByRole("group", { name: "Watch paths" })).toBeNull();   // from source only
  await user.selectOptions(screen.getByLabelText("Deploy from"), "git");
  await user.type(screen.getByLabelText("Repository"), "acme/shop");
  const group = screen.getByRole("group", { name: "Watch paths" });
  expect(document.getElementById(group.getAttribute("aria-describedby")!)!.textContent).toContain("None: every push deploys it.");
  await user.click(within(group).getByRole("button", { name: "Add a watch path" }));
  expect(document.activeElement).toBe(within(group).getByLabelText("Watch path 1"));
  await user.type(within(group).getByLabelText("Watch path 1"), " services/api/** ");
  await user.click(within(group).getByRole("button", { name: "Add a watch path" }));
  await user.type(within(group).getByLabelText("Watch path 2"), "/shared");
  const posts = () => calls.filter((c) => c.method === "POST").map((c) => c.body as Record<string, unknown>);

  await user.click(screen.getByRole("button", { name: "Create service" }));
  expect(within(group).getByRole("alert").textContent).toBe(
    'relative paths or globs in the repository such as services/api/** (no leading /, no .., no spaces): "/shared"');
  expect(within(group).getByLabelText("Watch path 2").getAttribute("aria-invalid")).toBe("true");
  expect(posts()).toHaveLength(0);

  await user.clear(within(group).getByLabelText("Watch path 2"));
  await user.type(within(group).getByLabelText("Watch path 2"), "shared/");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(posts()).toHaveLength(1));
  expect(posts()[0]!.source).toEqual({ repo: "acme/shop", branch: "main", dockerfile: "Dockerfile", context: ".", paths: ["services/api/**", "shared"] });
  expect((await within(group).findByRole("alert")).textContent).toContain("source.paths: relative paths");
  expect(within(screen.getByLabelText("Deploy from").closest(".field") as HTMLElement).queryByRole("alert")).toBeNull();
  expect(document.querySelector(".form-error")).toBeNull();

  answer = [201, { ...service, image: null }];
  await user.click(screen.getByRole("button", { name: "Create service" }));
  expect((await screen.findByTestId("service-source", {}, { timeout: 5000 })).textContent)
    .toBe("acme/shop · branch main · Dockerfile · deploys on pushes touching services/api/**, shared");
});

test("scheduled scaling on a worker's edit: rows added and checked before sending, sent under autoscaling; the API's 422 at the schedule; emptied sends []", async () => {
  session.set("t");
  let current: Record<string, unknown> = { ...service, kind: "worker", port: null, health_check: null, project_id: "p",
    updated: "2026-11-26T10:00:00Z", min_instances: 1, max_instances: 4, autoscaling: null };
  let refuse = true;
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "PATCH /v1/orgs/o/services/s": async (req) => {
      const body = await req.json() as Record<string, unknown>;
      if (refuse) return [422, { error: { code: "invalid", field: "autoscaling",
        message: "autoscaling.schedule.1.timezone: unknown time zone 'Mars/Base'" } }];
      current = { ...current, ...body, updated: new Date().toISOString() };
      return [200, current];
    },
  });
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("checkbox", { name: "Scale on CPU" }, { timeout: 5000 }));
  const group = screen.getByRole("group", { name: "Scheduled scaling" });
  expect(document.getElementById(group.getAttribute("aria-describedby")!)!.textContent).toContain("0 8 * * 1-5 → 4..10 and 0 20 * * 1-5 → 1..4");
  const add = () => user.click(within(group).getByRole("button", { name: "Add a scheduled range" }));
  const fill = async (n: number, at: string, min: string, max: string, zone: string) => {
    const r = within(group).getByRole("group", { name: `Scheduled range ${n}` });
    await user.type(within(r).getByLabelText("At (cron)"), at);
    await user.type(within(r).getByLabelText("Min"), min);
    await user.type(within(r).getByLabelText("Max"), max);
    await user.clear(within(r).getByLabelText("Time zone"));
    await user.type(within(r).getByLabelText("Time zone"), zone);
  };
  await add();
  expect(document.activeElement).toBe(within(group).getByRole("group", { name: "Scheduled range 1" }).querySelector("input"));
  await fill(1, "0 8 * * 1-5", "4", "10", "Europe/Berlin");
  expect(within(group).getByRole("group", { name: "Scheduled range 1" }).textContent).toContain("= weekdays 08:00");
  await add();
  await fill(2, "0 20 * *", "4", "1", "Mars/Base");
  const patches = () => calls.filter((c) => c.method === "PATCH").map((c) => c.body);

  await user.click(screen.getByRole("button", { name: "Save changes" }));
  expect(within(group).getByRole("alert").textContent).toBe("entry 2: five cron fields (minute hour day-of-month month day-of-week), e.g. 0 8 * * 1-5");
  const second = within(group).getByRole("group", { name: "Scheduled range 2" });
  await user.type(within(second).getByLabelText("At (cron)"), " 1-5");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  expect(within(group).getByRole("alert").textContent).toBe("entry 2: the minimum (4) is above the maximum (1)");
  expect(patches()).toHaveLength(0);

  await user.clear(within(second).getByLabelText("Min"));
  await user.type(within(second).getByLabelText("Min"), "1");
  await user.clear(within(second).getByLabelText("Max"));
  await user.type(within(second).getByLabelText("Max"), "4");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(1));
  expect(patches()[0]).toEqual({ autoscaling: { cpu_target: 60, schedule: [
    { at: "0 8 * * 1-5", min_instances: 4, max_instances: 10, timezone: "Europe/Berlin" },
    { at: "0 20 * * 1-5", min_instances: 1, max_instances: 4, timezone: "Mars/Base" }] } });
  expect((await within(group).findByRole("alert")).textContent).toBe("autoscaling.schedule.1.timezone: unknown time zone 'Mars/Base'");
  // at the schedule, not at the CPU target
  expect(within(screen.getByLabelText("Target CPU %").closest(".field") as HTMLElement).queryByRole("alert")).toBeNull();

  refuse = false;
  await user.clear(within(second).getByLabelText("Time zone"));
  await user.type(within(second).getByLabelText("Time zone"), "Europe/Berlin");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(2));
  expect((await screen.findByTestId("scaling-schedule")).textContent).toBe("on a schedule: weekdays 08:00 4..10, weekdays 20:00 1..4 (Europe/Berlin)");

  const again = await screen.findByRole("group", { name: "Scheduled scaling" });
  for (const name of ["Remove scheduled range 2 (0 20 * * 1-5)", "Remove scheduled range 1 (0 8 * * 1-5)"]) {
    await user.click(within(again).getByRole("button", { name }));
  }
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(3));
  expect(patches()[2]).toEqual({ autoscaling: { cpu_target: 60, schedule: [] } });   // left out, a PATCH would keep it
});

test("scaling on a queue's backlog on a worker's edit: the linked queues offered, messages per task checked and sent; the summary; none sends queue: null", async () => {
  session.set("t");
  let current: Record<string, unknown> = { ...service, kind: "worker", port: null, health_check: null, project_id: "p",
    updated: "2026-11-28T10:00:00Z", min_instances: 1, max_instances: 6, autoscaling: { cpu_target: 60, requests_per_target: null } };
  let refuse = true;
  const calls = fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/links": () => [200, { items: [
      { resource_id: "res_1", resource: "main", kind: "postgres", variable: "DATABASE_URL", status: "available", created: "" },
      { resource_id: "res_q", resource: "jobs", kind: "queue", variable: "JOBS_QUEUE_URL", status: "available", created: "", send_only: false },
      { resource_id: "res_m", resource: "mail", kind: "queue", variable: "MAIL_QUEUE_URL", status: "available", created: "", send_only: false },
    ] }],
    "PATCH /v1/orgs/o/services/s": async (req) => {
      const body = await req.json() as Record<string, unknown>;
      if (refuse) return [422, { error: { code: "invalid", field: "autoscaling.queue.messages_per_task",
        message: "autoscaling.queue.messages_per_task: Input should be less than or equal to 100000" } }];
      const scaling = body.autoscaling as Record<string, unknown> | undefined;
      current = { ...current, ...body, ...(scaling ? { autoscaling: { ...(current.autoscaling as object), ...scaling } } : {}), updated: new Date().toISOString() };
      return [200, current];
    },
  });
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const choice = await screen.findByLabelText("Scale on a queue's backlog", {}, { timeout: 5000 }) as HTMLSelectElement;
  // the queues it links, by name (not its database); none chosen yet
  expect([...choice.options].map((o) => [o.value, o.textContent])).toEqual([["", "None: CPU (and the schedule) only"], ["jobs", "jobs"], ["mail", "mail"]]);
  expect(choice.value).toBe("");
  expect(document.getElementById(choice.getAttribute("aria-describedby")!)!.textContent).toContain("whichever asks for more tasks wins");
  expect(screen.queryByLabelText("Messages per task")).toBeNull();
  await user.selectOptions(choice, "jobs");
  const perTask = screen.getByLabelText("Messages per task") as HTMLInputElement;
  expect(perTask.value).toBe("100");   // the API's default
  expect(document.getElementById(perTask.getAttribute("aria-describedby")!.split(" ")[0]!)!.textContent).toContain("1 to 100,000");
  const patches = () => calls.filter((c) => c.method === "PATCH").map((c) => c.body);

  // checked before sending
  await user.clear(perTask);
  await user.type(perTask, "0");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  expect(within(perTask.closest(".field") as HTMLElement).getByRole("alert").textContent).toBe("from 1 to 100,000");
  expect(document.activeElement).toBe(perTask);
  await user.clear(perTask);
  await user.type(perTask, "1.5");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  expect(within(perTask.closest(".field") as HTMLElement).getByRole("alert").textContent).toBe('"1.5" is not a whole number');
  expect(patches()).toHaveLength(0);

  // the API's 422 at the messages per task, not at the CPU target
  await user.clear(perTask);
  await user.type(perTask, "300");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(1));
  expect(patches()[0]).toEqual({ autoscaling: { cpu_target: 60, queue: { name: "jobs", messages_per_task: 300 } } });
  expect((await within(perTask.closest(".field") as HTMLElement).findByRole("alert")).textContent)
    .toBe("autoscaling.queue.messages_per_task: Input should be less than or equal to 100000");
  expect(within(screen.getByLabelText("Target CPU %").closest(".field") as HTMLElement).queryByRole("alert")).toBeNull();

  refuse = false;
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(2));
  expect((await screen.findByTestId("scaling-queue")).textContent).toBe("about 300 waiting messages per task on queue jobs");

  // none: queue null (left out, a PATCH would keep it); the CPU target and the rest stay
  await user.selectOptions(await screen.findByLabelText("Scale on a queue's backlog"), "");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(3));
  expect(patches()[2]).toEqual({ autoscaling: { cpu_target: 60, queue: null } });
  await waitFor(() => expect(screen.queryByTestId("scaling-queue")).toBeNull());
});

test("scaling on a queue the service no longer links: offered, marked, and said to fail the deploy; no queue linked: how to link one", async () => {
  session.set("t");
  let links: unknown[] = [];
  fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, { ...service, kind: "worker", port: null, health_check: null, project_id: "p",
      updated: "2026-11-28T10:00:00Z", min_instances: 1, max_instances: 6,
      autoscaling: { cpu_target: 60, requests_per_target: null, queue: { name: "jobs", messages_per_task: 50 } } }],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/links": () => [200, { items: links }],
  });
  renderAt("/orgs/o/services/s/settings");
  expect((await screen.findByTestId("scaling-queue", {}, { timeout: 5000 })).textContent).toBe("about 50 waiting messages per task on queue jobs");
  const choice = await screen.findByLabelText("Scale on a queue's backlog") as HTMLSelectElement;
  await waitFor(() => expect([...choice.options].map((o) => o.textContent)).toEqual(["None: CPU (and the schedule) only", "jobs (not linked)"]));
  expect(choice.value).toBe("jobs");
  expect(document.getElementById(choice.getAttribute("aria-describedby")!)!.textContent)
    .toBe("The service no longer links jobs: its next deploy fails until it links it again, or choose another (or none).");
  expect((screen.getByLabelText("Messages per task") as HTMLInputElement).value).toBe("50");

  cleanup();
  links = [];
  fakeApiShared({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, { ...service, kind: "worker", port: null, health_check: null, project_id: "p",
      updated: "2026-11-28T10:00:00Z", autoscaling: { cpu_target: 60, requests_per_target: null } }],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/links": () => [200, { items: [] }],
  });
  renderAt("/orgs/o/services/s/settings");
  expect((await screen.findByTestId("no-queue-to-scale-on", {}, { timeout: 5000 })).textContent)
    .toBe("To scale on a queue's backlog too (a worker taking jobs from a queue), link the queue on the Resources tab first.");
  expect(screen.queryByLabelText("Scale on a queue's backlog")).toBeNull();
});
