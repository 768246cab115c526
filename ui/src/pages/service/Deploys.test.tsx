import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../../api/client";
import type { DeploySpec } from "../../api/models";
import { fakeApi, renderAt, service, signedIn } from "../../test/fakeApi";
import { specChanges } from "./Deploys";

const spec = (over: Partial<DeploySpec>): DeploySpec => ({
  image: "nginx:1.27", port: 80, command: null, cpu: 256, memory: 512, env: { GREETING: "hello", MODE: "prod" },
  health_check: { path: "/" }, min_instances: 1, max_instances: 1, schedule: null, domain: null, autoscaling: null, ...over,
});
const release = (n: number, image: string, current: boolean, secrets: Record<string, number>) => ({
  deployment_id: `d${n}`, number: n, image, actor: "ada@example.com", created: "2026-11-26T17:40:00Z",
  finished: "2026-11-26T17:40:03Z", current, secret_versions: secrets,
});
const deployment = (n: number, status: string, s: DeploySpec) => ({
  id: `d${n}`, service_id: "s", project_id: "p", service_name: "web", kind: "web", number: n, image: s.image, status,
  reason: null, error: null, steps: [], rollback_of: null, rollback_of_number: null, actor: "ada@example.com",
  created: "2026-11-26T17:40:00Z", updated: "2026-11-26T17:40:03Z", finished: "2026-11-26T17:40:03Z", spec: s,
});

test("every setting and variable that differs, in words", () => {
  const now = spec({ image: "nginx:1.28", max_instances: 3, autoscaling: { cpu_target: 60 }, env: { GREETING: "hello", MODE: "staging", NEW: "x".repeat(60) } });
  expect(specChanges(now, spec({}))).toEqual([
    "instances: 1–3 → 1–1", "scale on CPU: at 60% → off",
    `variable MODE: staging → prod`, `variable NEW: ${"x".repeat(39)}… → absent`,
  ]);
  expect(specChanges(spec({}), spec({}))).toEqual([]);
});

test("a health check interval, grace period, deregistration delay or release command that differs is named too", () => {
  // a rollback dialog said "(same variables and settings)" when only these differed
  const old = spec({ health_check: { path: "/", interval_seconds: 30, grace_period_seconds: 60 }, deregistration_delay: 30 });
  const now = spec({ health_check: { path: "/", interval_seconds: 10, grace_period_seconds: 60 }, deregistration_delay: 5,
    release_command: ["python", "manage.py", "migrate"] });
  expect(specChanges(now, old)).toEqual([
    "release command: python manage.py migrate → none", "health check interval: 10 s → 30 s", "deregistration delay: 5 s → 30 s",
  ]);
});

test("rolling back shows what comes back: image, secrets, settings and variables", async () => {
  session.set("t");
  const now = spec({ image: "nginx:1.28", max_instances: 3, env: { GREETING: "hello", MODE: "staging" } });
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d3" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [3, 1].map((n) => ({ ...deployment(n, "live", spec({})), spec: undefined })), next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [release(3, "nginx:1.28", true, { DB: 2 }), release(1, "nginx:1.27", false, { DB: 1 })], next: null }],
    "GET /v1/orgs/o/deployments/d3": () => [200, deployment(3, "live", now)],
    "GET /v1/orgs/o/deployments/d1": () => [200, deployment(1, "live", spec({}))],
  });
  renderAt("/orgs/o/services/s");
  await userEvent.click(await screen.findByRole("button", { name: "Roll back to #1" }, { timeout: 5000 }));
  const dialog = screen.getByRole("dialog", { name: "Roll back to #1" });
  await waitFor(() => expect(within(dialog).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
    "image: nginx:1.28 → nginx:1.27", "secret DB: v2 → v1", "instances: 1–3 → 1–1", "variable MODE: staging → prod", "release: #3 → #1",
  ]), { timeout: 5000 });
  // the specs are read only once the confirmation opens
  expect(calls.filter((c) => c.path === "/v1/orgs/o/deployments/d1")).toHaveLength(1);
});

test("the history says which live deployment serves traffic: an earlier one 'was live'", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d3" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [deployment(3, "live", spec({})), deployment(2, "rolled_back", spec({})), deployment(1, "live", spec({}))], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
  });
  renderAt("/orgs/o/services/s");
  await screen.findByRole("link", { name: /#3/ }, { timeout: 5000 });
  const badges = [...document.querySelectorAll(".deploy-list .badge")].map((b) => b.textContent);
  expect(badges).toEqual(["live", "rolled back", "was live"]);
});

test("the rollback confirmation takes the keyboard, and Escape gives it back to its button", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d3" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [release(3, "nginx:1.28", true, {}), release(1, "nginx:1.27", false, {})], next: null }],
    "GET /v1/orgs/o/deployments/d3": () => [200, deployment(3, "live", spec({}))],
    "GET /v1/orgs/o/deployments/d1": () => [200, deployment(1, "live", spec({}))],
  });
  renderAt("/orgs/o/services/s");
  const open = await screen.findByRole("button", { name: "Roll back to #1" }, { timeout: 5000 });
  await userEvent.click(open);
  expect(document.activeElement).toBe(screen.getByRole("dialog", { name: "Roll back to #1" }));
  await userEvent.keyboard("{Escape}");
  await waitFor(() => expect(document.activeElement).toBe(open));
  expect(screen.queryByRole("dialog", { name: "Roll back to #1" })).toBeNull();
});

test("a deploy that goes live while the page is open shows up in the releases", async () => {
  // A push queued deployment #2 just before the page was read: the service still says live on #1
  // (so it is not polled); only the history, polling while #2 is unfinished, sees it settle.
  session.set("t");
  let done = false;
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/services/s": () => [200, { ...service, status: "live", live_deployment_id: done ? "d2" : "d1" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/services/s/deployments": () =>
      [200, { items: [deployment(2, done ? "live" : "queued", spec({})), deployment(1, "live", spec({}))], next: null }],
    "GET /v1/orgs/o/services/s/releases": () =>
      [200, { items: done ? [release(2, "nginx:1.27", true, {}), release(1, "nginx:1.27", false, {})] : [release(1, "nginx:1.27", true, {})], next: null }],
  });
  renderAt("/orgs/o/services/s");
  await waitFor(() => expect(document.querySelectorAll(".release-list .release")).toHaveLength(1), { timeout: 5000 });
  done = true;   // #2 goes live
  await waitFor(() => expect(screen.getByRole("button", { name: "Roll back to #1" })).toBeTruthy(), { timeout: 6000 });
  const rows = [...document.querySelectorAll(".release-list .release")].map((r) => r.querySelector(".num")?.textContent);
  expect(rows).toEqual(["#2", "#1"]);
  expect(document.querySelector(".release-list .badge")?.closest(".release")?.querySelector(".num")?.textContent).toBe("#2");
  expect(calls.filter((c) => c.path === "/v1/orgs/o/services/s/releases")).toHaveLength(2);
}, 15_000);
