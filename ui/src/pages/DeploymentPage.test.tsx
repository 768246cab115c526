import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import type { DeployCanary, Deployment, PhaseRecord, Step } from "../api/models";
import { baselineWords, canarySettingWords, canaryStages, canaryStateWords, canaryTag, limitPercent, liveShare } from "../components/CanaryPanel";
import { phases, reasonWords, stepWords } from "../components/Timeline";
import { clock, isFinal } from "../lib/format";
import { freezeUntilWords } from "../components/FreezeForm";
import { endpoints, err, fakeApi, renderAt, service, signedIn, type Answer } from "../test/fakeApi";
import { outcomeTitle, servingWords } from "./DeploymentPage";

const at = (s: number) => new Date(Date.UTC(2026, 10, 26, 17, 40, 0) + s * 1000).toISOString();
const rec = (...xs: [PhaseRecord["status"], number][]): PhaseRecord[] => xs.map(([status, s]) => ({ status, at: at(s) }));

const dep = (over: Partial<Deployment>): Deployment => ({
  id: "d2", service_id: "s", project_id: "p", service_name: "web", kind: "web", number: 2, image: "nginx:1.27",
  status: "queued", reason: null, error: null, steps: [], rollback_of: null, rollback_of_number: null, actor: "ada@example.com",
  created: at(0), updated: at(0), ...over,
});

const rolledBack = dep({
  status: "rolled_back", error: "health check on / returned 502", finished: at(6.6), rollback_to: "d1", rollback_to_number: 1,
  phases: rec(["queued", 0], ["provisioning", 0.2], ["deploying", 0.9], ["rollback_pending", 5.5], ["rolling_back", 5.6], ["rolled_back", 6.6]),
  steps: [{ name: "cluster", status: "done" }, { name: "service", status: "done" }, { name: "rollout", status: "failed", error: "health" },
    { name: "rollback.service", status: "done" }, { name: "rollback.rollout", status: "done" }],
});

test("each phase takes its times from the recorded phases; the rollback spans pending and rolling back", () => {
  const byId = Object.fromEntries(phases(rolledBack).map((p) => [p.id, p]));
  expect(byId.queued).toMatchObject({ started: at(0), ended: at(0.2) });
  expect(byId.provisioning).toMatchObject({ started: at(0.2), ended: at(0.9), state: "done" });
  expect(byId.deploying).toMatchObject({ started: at(0.9), ended: at(5.5), state: "failed" });
  expect(byId.rollback).toMatchObject({ started: at(5.5), ended: at(6.6), state: "done" });
  expect(byId.live).toMatchObject({ started: at(6.6), ended: at(6.6) });
});

test("a status shorter than a poll still shows: a recorded build with no step read yet", () => {
  const d = dep({ status: "provisioning", phases: rec(["queued", 0], ["building", 0.1], ["provisioning", 0.4]) });
  const ps = phases(d);
  expect(ps.map((p) => p.id)).toEqual(["queued", "building", "provisioning", "deploying", "live"]);
  expect(ps[1]).toMatchObject({ started: at(0.1), ended: at(0.4) });
  expect(ps[2]).toMatchObject({ state: "active", started: at(0.4), ended: null });
});

test("a deployment from before phases were recorded times its phases by their steps", () => {
  const d = dep({ status: "live", steps: [
    { name: "cluster", status: "done", started: at(1), finished: at(2) }, { name: "network", status: "done", started: at(2), finished: at(4) },
    { name: "service", status: "done", started: at(4), finished: at(5) }, { name: "rollout", status: "running", started: at(5) }] });
  const byId = Object.fromEntries(phases(d).map((p) => [p.id, p]));
  expect(byId.provisioning).toMatchObject({ started: at(1), ended: at(4) });
  expect(byId.deploying).toMatchObject({ started: at(4), ended: null });
  expect(byId.queued).toMatchObject({ started: null, ended: null });
});

test("the deployment page says how long each phase took, the rollback as its own phase", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/deployments/d2": () => [200, rolledBack],
    "GET /v1/orgs/o/deployments/d2/logs": () => [200, { lines: [], next: null, more: false, status: "rolled_back", final: true }],
    "GET /v1/orgs/o/services/s": () => [200, service],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop", description: "", created: at(0), updated: at(0) }],
  });
  renderAt("/orgs/o/deployments/d2");
  const timeline = await screen.findByRole("list", { name: "Deployment steps" });
  const time = (phase: string) => timeline.querySelector(`[data-phase=${phase}] .phase-time`) as HTMLElement;
  expect(time("queued").textContent).toBe("200 ms");
  expect(time("provisioning").textContent).toBe("700 ms");
  expect(time("deploying").textContent).toBe("4.6 s");
  expect(within(timeline.querySelector("[data-phase=rollback]") as HTMLElement).getByText("Rollback to #1")).toBeTruthy();
  expect(time("rollback").textContent).toBe("1.1 s");
  expect(time("rollback").getAttribute("title")).toBe(`${clock(at(5.5))}–${clock(at(6.6))}`);
  expect(time("live").textContent).toBe(`at ${clock(at(6.6))}`);
});

test("the phase in progress is the current step for a screen reader; the others are not", async () => {
  session.set("t");
  const running = dep({ status: "deploying", phases: rec(["queued", 0], ["provisioning", 0.2], ["deploying", 0.9]),
    steps: [{ name: "cluster", status: "done" }, { name: "rollout", status: "running" }] });
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/deployments/d2": () => [200, running],
    "GET /v1/orgs/o/deployments/d2/logs": () => [200, { lines: [], next: null, more: false, status: "deploying", final: false }],
    "GET /v1/orgs/o/services/s": () => [200, service],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  });
  renderAt("/orgs/o/deployments/d2");
  const timeline = await screen.findByRole("list", { name: "Deployment steps" });
  const current = [...timeline.querySelectorAll("[aria-current=step]")].map((e) => e.getAttribute("data-phase"));
  expect(current).toEqual(["deploying"]);
});

test("the phase in progress counts up", async () => {
  session.set("t");
  const started = new Date(Date.now() - 3_000).toISOString();
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/deployments/d2": () => [200, dep({ status: "provisioning", phases: [{ status: "queued", at: started }, { status: "provisioning", at: started }] })],
    "GET /v1/orgs/o/deployments/d2/logs": () => [200, { lines: [], next: null, more: false, status: "provisioning", final: false }],
    "GET /v1/orgs/o/services/s": () => [200, service],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  });
  renderAt("/orgs/o/deployments/d2");
  const timeline = await screen.findByRole("list", { name: "Deployment steps" });
  await waitFor(() => expect(timeline.querySelector("[data-phase=provisioning] .phase-time")?.textContent).toMatch(/^\d+\.\d s so far$/));
});

test("the header: the project by name, a built image in short, and a live release that was replaced says so", async () => {
  session.set("t");
  const digest = "sha256:586046eee858225923c766eb2e9429948067694060ae8e1fe59760782e814f04";
  const image = `123456789012.dkr.ecr.us-east-1.amazonaws.com/launchbay/org_1/svc_1@${digest}`;
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/deployments/d2": () => [200, dep({
      status: "live", image, finished: at(3.2), build: { repo: "acme/shop", branch: "main", ref: "main", dockerfile: "Dockerfile", context: "." },
      phases: rec(["queued", 0], ["building", 0.1], ["provisioning", 1.2], ["deploying", 2], ["live", 3.2]),
    })],
    "GET /v1/orgs/o/deployments/d2/logs": () => [200, { lines: [], next: null, more: false, status: "live", final: true }],
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d3" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  });
  renderAt("/orgs/o/deployments/d2");
  const crumbs = await screen.findByRole("navigation", { name: "Breadcrumb" });
  await waitFor(() => expect(within(crumbs).getByRole("link", { name: "shop" }).getAttribute("href")).toBe("/orgs/o/projects/p"));
  const meta = document.querySelector(".deploy-meta")!;
  expect(meta.textContent).toContain("built from acme/shop@main as sha256:586046eee858…");
  expect(meta.textContent).toContain("took 3.2 s");
  expect(meta.textContent!.startsWith(" · ")).toBe(false);
  expect(await screen.findByText(/serves traffic now/)).toBeTruthy();
  expect(screen.getByRole("link", { name: "a later release" }).getAttribute("href")).toBe("/orgs/o/deployments/d3");
  expect(screen.queryByText(/the load balancer sends traffic to this release/)).toBeNull();
  // its badge says so too (it said "live" next to "a later release serves traffic now")
  expect(screen.getByRole("heading", { level: 1 }).querySelector(".badge")!.textContent).toBe("was live");
  // nothing is asked before its id is known (no GET …/services/ with an empty id)
  expect(calls.filter((c) => c.path.endsWith("/"))).toEqual([]);
});

test("the live release says where it answers: the custom domain to open, the load balancer with its Host", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/deployments/d2": () => [200, dep({ status: "live", finished: at(3) })],
    "GET /v1/orgs/o/deployments/d2/logs": () => [200, { lines: [], next: null, more: false, status: "live", final: true }],
    "GET /v1/orgs/o/services/s": () => [200, { ...service, kind: "web", live_deployment_id: "d2", endpoints }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  });
  renderAt("/orgs/o/deployments/d2");
  const note = (await screen.findByText(/the load balancer sends traffic to this release/, {}, { timeout: 5000 })).closest(".outcome")!;
  expect(within(note as HTMLElement).getByRole("link", { name: endpoints.url }).getAttribute("href")).toBe(endpoints.url);
  expect(note.querySelector("code")!.textContent).toBe(endpoints.try);
});

test("the live release's addresses: the custom domain over HTTPS and its aliases", async () => {
  session.set("t");
  const secure = { ...endpoints, url: "https://shop.example.com/", https: true, aliases: ["http://www.shop.example.com/"] };
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/deployments/d2": () => [200, dep({ status: "live", finished: at(3) })],
    "GET /v1/orgs/o/deployments/d2/logs": () => [200, { lines: [], next: null, more: false, status: "live", final: true }],
    "GET /v1/orgs/o/services/s": () => [200, { ...service, kind: "web", live_deployment_id: "d2", endpoints: secure }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  });
  renderAt("/orgs/o/deployments/d2");
  const note = (await screen.findByText(/the load balancer sends traffic to this release/, {}, { timeout: 5000 })).closest(".outcome") as HTMLElement;
  expect(within(note).getAllByRole("link").map((a) => a.getAttribute("href"))).toEqual(["https://shop.example.com/", "http://www.shop.example.com/"]);
  expect(note.querySelectorAll("p")[1]!.textContent).toBe(
    `Open https://shop.example.com/ or http://www.shop.example.com/, or reach it with ${endpoints.try}`);
});

test("the engine's step reason reads as words", () => {
  expect(reasonWords("target_group (attempt 1)")).toBe("Running step target_group");
  expect(reasonWords("build.start (attempt 3)")).toBe("Retrying step build.start (attempt 3)");
  expect(reasonWords("waiting for a worker")).toBe("waiting for a worker");
});

test("while it rolls back, the page says so (not a bare 'Failure:')", () => {
  expect(outcomeTitle(dep({ status: "rolling_back", rollback_to_number: 1 }))).toBe("This release failed: rolling back to #1…");
  expect(outcomeTitle(dep({ status: "rollback_pending", rollback_to_number: 1 }))).toBe("This release failed: rolling back to #1…");
  expect(outcomeTitle(dep({ status: "rolled_back" }))).toBe("This release failed and was rolled back.");
  expect(outcomeTitle(dep({ status: "failed" }))).toBe("This deployment failed.");
});

test("a rollback the platform made on an alert says so, with the alert and how soon after the release it opened", async () => {
  session.set("t");
  const auto = dep({
    id: "d3", number: 3, status: "live", rollback_of: "d1", rollback_of_number: 1, actor: "launchbay", finished: at(5),
    auto_rollback: { alert_id: "alt_1", rule: "http_5xx_rate", message: "5xx responses 31 % over 5 min (threshold 5 %)", release: 2, after_minutes: 4 },
  });
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/deployments/d3": () => [200, auto],
    "GET /v1/orgs/o/deployments/d3/logs": () => [200, { lines: [], next: null, more: false, status: "live", final: true }],
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d3" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop", description: "", created: at(0), updated: at(0) }],
  });
  renderAt("/orgs/o/deployments/d3");
  const meta = await screen.findByText(/rollback to release #1/, {}, { timeout: 5000 });
  expect(meta.textContent).toBe(" · rollback to release #1 (automatic: 5xx responses 31 % over 5 min (threshold 5 %) opened 4 min after release #2 went live)");
  expect(document.querySelector(".deploy-meta")!.textContent).toContain("by launchbay");
});

test("a promoted deployment says which environment's release it runs, linked to that deployment", async () => {
  session.set("t");
  const promoted = dep({
    id: "d3", number: 3, status: "awaiting_approval", promoted_from_id: "d12",
    promoted_from: { deployment_id: "d12", number: 12, service_id: "s_staging", environment: "staging", environment_id: "env_staging" },
  });
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/deployments/d3": () => [200, promoted],
    "GET /v1/orgs/o/deployments/d3/logs": () => [200, { lines: [], next: null, more: false, status: "awaiting_approval", final: false }],
    "GET /v1/orgs/o/services/s": () => [200, service],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  });
  renderAt("/orgs/o/deployments/d3");
  const link = await screen.findByRole("link", { name: "staging release #12" }, { timeout: 5000 });
  expect(link.getAttribute("href")).toBe("/orgs/o/deployments/d12");
  expect(link.parentElement!.textContent).toBe(" · promoted from staging release #12");
});

const failedApi = (d: Deployment, svc: typeof service) => ({
  ...signedIn(),
  "GET /v1/orgs/o/deployments/d2": (): [number, unknown] => [200, d],
  "GET /v1/orgs/o/deployments/d2/logs": (): [number, unknown] => [200, { lines: [], next: null, more: false, status: d.status, final: true }],
  "GET /v1/orgs/o/services/s": (): [number, unknown] => [200, svc],
  "GET /v1/orgs/o/projects/p": (): [number, unknown] => [200, { id: "p", org_id: "o", name: "shop" }],
  "GET /v1/orgs/o/services/s/plan": (): [number, unknown] => [200, { service_id: "s", sandbox: true, summary: {}, message: "", steps: [] }],
});

test("a rolled-back release: the reason, the release serving again as a link, what to do, and Deploy again opens the plan", async () => {
  session.set("t");
  const calls = fakeApi({
    ...failedApi(rolledBack, { ...service, live_deployment_id: "d1" }),
    "POST /v1/orgs/o/services/s/deployments": () => [202, { ...dep({ id: "d3", number: 3 }) }],
    "GET /v1/orgs/o/deployments/d3.*": () => [200, dep({ id: "d3", number: 3 })],
  });
  const router = renderAt("/orgs/o/deployments/d2");
  const user = userEvent.setup();
  // a region under its heading, read in order: what failed, the reason, what to do
  const alert = await screen.findByRole("region", { name: "This release failed and was rolled back." });
  expect(alert.textContent).toContain("health check on / returned 502");
  expect(within(alert).getByRole("link", { name: "#1" }).getAttribute("href")).toBe("/orgs/o/deployments/d1");
  expect((await within(alert).findByRole("link", { name: "variables" })).getAttribute("href")).toBe("/orgs/o/services/s/variables");
  expect([...alert.querySelectorAll("h2, h3, p")].map((e) => e.textContent?.slice(0, 30))).toEqual([
    "This release failed and was ro", "Reason: health check on / retu", "What to do", "The previous release (#1) is s", expect.stringMatching(/^Fix the cause/)]);
  expect(within(alert).getByRole("link", { name: "settings" }).getAttribute("href")).toBe("/orgs/o/services/s/settings");
  expect(within(alert).getByRole("link", { name: "the service's logs" }).getAttribute("href")).toBe("/orgs/o/services/s/logs");
  const again = await within(alert).findByRole("button", { name: "Deploy again" });
  await user.click(again);
  const dialog = await screen.findByRole("dialog", { name: "Deploy web?" });
  await user.click(await within(dialog).findByRole("button", { name: "Deploy now" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o/deployments/d3"));
  expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(["/v1/orgs/o/services/s/deployments"]);
});

test("a first deploy that failed says nothing serves traffic; one after a live release says the live one keeps serving", async () => {
  session.set("t");
  const failed = dep({ status: "failed", error: "container exited with code 1", finished: at(2), steps: [{ name: "rollout", status: "failed", error: "exit 1" }] });
  fakeApi(failedApi(failed, { ...service, status: "failed", live_deployment_id: null as unknown as string }));
  renderAt("/orgs/o/deployments/d2");
  const alert = await screen.findByRole("region", { name: "This deployment failed." });
  expect(await within(alert).findByText("Nothing was live before, so there was nothing to roll back to: the service serves no traffic yet.")).toBeTruthy();
  expect(servingWords(failed, { ...service, live_deployment_id: "d1" } as never)).toBe("Nothing was rolled out: the live release keeps serving traffic.");
});

test("a viewer sees what happened and where to look, but no Deploy again", async () => {
  session.set("t");
  fakeApi({
    ...failedApi(rolledBack, { ...service, live_deployment_id: "d1" }),
    "GET /v1/me": () => [200, { user: { id: "u", email: "v@example.com" }, organizations: [{ id: "o", name: "Acme", role: "viewer" }] }],
  });
  renderAt("/orgs/o/deployments/d2");
  const alert = await screen.findByRole("region", { name: "This release failed and was rolled back." });
  expect(await within(alert).findByRole("link", { name: "the service's logs" })).toBeTruthy();
  expect(within(alert).queryByRole("button", { name: "Deploy again" })).toBeNull();
});

test("the status is announced as it changes (a status region, not only the coloured badge)", async () => {
  session.set("t");
  fakeApi(failedApi(rolledBack, { ...service, live_deployment_id: "d1" }));
  renderAt("/orgs/o/deployments/d2");
  await waitFor(() => expect(screen.getAllByRole("status").map((s) => s.textContent)).toContain("Deployment #2 is rolled back."));
});

test("a release whose rollback failed too says so, and what to do", () => {
  const both = dep({ status: "failed", error: "rollback failed: boom", rollback_to: "d1", rollback_to_number: 1 });
  expect(outcomeTitle(both)).toBe("This release failed, and so did its rollback.");
  expect(servingWords(both, { ...service, live_deployment_id: "d1" } as never)).toMatch(/^Rolling back to #1 failed too.*roll back again from the service's releases/);
  expect(outcomeTitle(dep({ status: "failed", error: "x" }))).toBe("This deployment failed.");
});

test("Cancel says what it cancels, and once asked the page says the deployment stops before its next step", async () => {
  session.set("t");
  let current = dep({ status: "deploying", steps: [{ name: "rollout", status: "running" }] });
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/deployments/d2": () => [200, current],
    "GET /v1/orgs/o/deployments/d2/logs": () => [200, { lines: [], next: null, more: false, status: current.status, final: false }],
    "GET /v1/orgs/o/services/s": () => [200, service],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "POST /v1/orgs/o/deployments/d2/cancel": () => { current = { ...current, cancel_requested: "me@example.com" }; return [202, current]; },
  });
  renderAt("/orgs/o/deployments/d2");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Cancel deployment" }));
  expect(await screen.findByText("Cancel requested by me@example.com: the deployment stops before its next step.")).toBeTruthy();
  expect(screen.queryByRole("button", { name: "Cancel deployment" })).toBeNull();
  expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(["/v1/orgs/o/deployments/d2/cancel"]);
});

test("a deployment followed to its end: the log says it finished, once (the page's status line does not repeat it)", async () => {
  session.set("t");
  let current = dep({ status: "deploying", steps: [{ name: "rollout", status: "running" }] });
  const line = (seq: number) => ({ seq, ts: "2026-11-26T17:40:40Z", message: `line ${seq}`, step: "rollout" });
  let reads = 0;
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/deployments/d2": () => [200, current],
    "GET /v1/orgs/o/deployments/d2/logs": () => {
      reads += 1;
      if (reads === 1) return [200, { lines: [line(1), line(2)], next: "2", more: false, status: "deploying", final: false }];
      current = { ...current, status: "live", finished: current.updated };
      return [200, { lines: [line(3)], next: "3", more: false, status: "live", final: true }];
    },
    "GET /v1/orgs/o/services/s": () => [200, service],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  });
  renderAt("/orgs/o/deployments/d2");
  await waitFor(() => expect(screen.getByTestId("log-news").textContent).toBe("Deploy finished: live."), { timeout: 8000 });
  const heard = screen.getAllByRole("status").map((s) => s.textContent ?? "");
  expect(heard.filter((t) => /live\.$/.test(t))).toEqual(["Deploy finished: live."]);
});

// GET …/deployments/{dep}/changes (chalicelib/deploys/changes.py)
const release = (id: string, number: number, image: string, commit: string | null = null) =>
  ({ deployment_id: id, number, status: "live", image, commit });
const changes = (over: Record<string, unknown> = {}) => ({
  deployment: release("d2", 2, "nginx:1.28", "2222222bbbb"), against: release("d1", 1, "nginx:1.27", "1111111aaaa"),
  image: null, commit: null, settings: [], variables: { added: [], removed: [], changed: [] },
  secrets: { added: [], removed: [], rotated: [] }, summary: [], unchanged: false, ...over,
});
const changesPage = (d: Deployment, answer: () => [number, unknown]) => ({
  ...signedIn(),
  "GET /v1/orgs/o/deployments/d2": (): [number, unknown] => [200, d],
  "GET /v1/orgs/o/deployments/d2/logs": (): [number, unknown] => [200, { lines: [], next: null, more: false, status: d.status, final: isFinal(d.status) }],
  "GET /v1/orgs/o/deployments/d2/changes": answer,
  "GET /v1/orgs/o/services/s": (): [number, unknown] => [200, { ...service, live_deployment_id: "d2" }],
  "GET /v1/orgs/o/projects/p": (): [number, unknown] => [200, { id: "p", org_id: "o", name: "shop" }],
});
/** What a screen reader says of an element: its text without what is hidden from it (the arrows). */
const heard = (e: Element) => {
  const copy = e.cloneNode(true) as Element;
  copy.querySelectorAll("[aria-hidden=true]").forEach((x) => x.remove());
  return copy.textContent;
};
const live = dep({ status: "live", finished: at(3) });

test("a release's changes: since which release (linked), each change in a line, the commits compared on GitHub", async () => {
  session.set("t");
  const calls = fakeApi(changesPage(live, () => [200, changes({
    image: { from: "nginx:1.27", to: "nginx:1.28" },
    commit: { from: "1111111aaaa", to: "2222222bbbb", compare_url: "https://github.com/acme/shop/compare/1111111aaaa...2222222bbbb" },
    settings: [{ field: "cpu", from: 256, to: 512 }, { field: "min_instances", from: 1, to: 2 }],
    variables: { added: ["NEW"], removed: [], changed: [] },
    summary: ["image nginx:1.27 -> nginx:1.28", "commit 1111111 -> 2222222", "cpu 256 -> 512", "min_instances 1 -> 2", "variables added: NEW"],
  })]));
  renderAt("/orgs/o/deployments/d2");
  const section = await screen.findByRole("region", { name: "Changes since release #1" }, { timeout: 5000 });
  expect(within(section).getByRole("link", { name: "release #1" }).getAttribute("href")).toBe("/orgs/o/deployments/d1");
  const list = await within(section).findByRole("list", { name: "5 changes" });
  expect(within(list).getAllByRole("listitem").map(heard)).toEqual([
    "Image nginx:1.27 to nginx:1.28", "Commit 1111111 to 2222222", "cpu 256 to 512", "min instances 1 to 2", "Variables added: NEW"]);
  expect(list.querySelector("li")!.textContent).toContain("nginx:1.27 → ");
  const compare = within(section).getByRole("link", { name: "Compare commits on GitHub" });
  expect(compare.getAttribute("href")).toBe("https://github.com/acme/shop/compare/1111111aaaa...2222222bbbb");
  expect(within(section).queryByRole("button", { name: /^Show all/ })).toBeNull();
  // over the timeline, beside the log
  const order = [...document.querySelectorAll("[aria-label='Deployment steps'], [data-testid=changes], #logh")];
  expect(order.map((e) => e.tagName)).toEqual(["SECTION", "OL", "H2"]);
  expect(calls.filter((c) => c.path.endsWith("/changes"))).toHaveLength(1);
});

test("the commits a release brings, newest first, linked to GitHub, with how many more there are", async () => {
  session.set("t");
  const commits = [
    { sha: "c".repeat(40), message: "Fix the checkout", author: "octocat", url: "https://github.com/acme/shop/commit/" + "c".repeat(40) },
    { sha: "b".repeat(40), message: "Add the cart", author: "Dev B", url: null },
  ];
  fakeApi(changesPage(live, () => [200, changes({
    commit: { from: "a".repeat(40), to: "c".repeat(40), compare_url: "https://github.com/acme/shop/compare/x...y",
              commits, total_commits: 5, commits_error: null },
    summary: ["commit aaaaaaa -> ccccccc"],
  })]));
  renderAt("/orgs/o/deployments/d2");
  const section = await screen.findByRole("region", { name: "Changes since release #1" }, { timeout: 5000 });
  const list = await within(section).findByRole("list", { name: "5 commits" });
  expect(within(list).getAllByRole("listitem").map((li) => li.textContent)).toEqual(
    ["ccccccc Fix the checkout · octocat", "bbbbbbb Add the cart · Dev B"]);
  expect(within(list).getByRole("link", { name: "ccccccc" }).getAttribute("href")).toBe(commits[0]!.url);
  expect(within(section).getByText("and 3 older commits")).toBeTruthy();
});

test("many changes: the first four and Show all, which says whether it is open", async () => {
  session.set("t");
  const settings = ["cpu", "memory", "port", "command", "domain", "schedule"].map((field) => ({ field, from: null, to: field === "command" ? ["npm", "start"] : 1 }));
  fakeApi(changesPage(live, () => [200, changes({
    settings, variables: { added: ["A"], removed: ["B"], changed: [] }, summary: new Array(8).fill("x"),
  })]));
  renderAt("/orgs/o/deployments/d2");
  const section = await screen.findByRole("region", { name: "Changes since release #1" }, { timeout: 5000 });
  const list = await within(section).findByRole("list", { name: "8 changes" });
  expect(within(list).getAllByRole("listitem")).toHaveLength(4);
  expect(heard(within(list).getAllByRole("listitem")[3]!)).toBe('command none to ["npm","start"]');
  const more = within(section).getByRole("button", { name: "Show all 8 changes" });
  expect(more.getAttribute("aria-expanded")).toBe("false");
  expect(more.getAttribute("aria-controls")).toBe(list.id);
  await userEvent.click(more);
  expect(within(list).getAllByRole("listitem").map(heard).slice(4)).toEqual(["domain none to 1", "schedule none to 1", "Variables added: A", "Variables removed: B"]);
  expect(within(section).getByRole("button", { name: "Show fewer" }).getAttribute("aria-expanded")).toBe("true");
});

test("who can reach a web service, changed: its addresses in a list, everyone for none", async () => {
  session.set("t");
  fakeApi(changesPage(live, () => [200, changes({
    settings: [{ field: "allowed_ips", from: null, to: ["203.0.113.0/24", "2001:db8::/32"] },
      { field: "allowed_ips", from: ["198.51.100.7/32"], to: [] }],
    summary: ["allowed_ips - -> [\"203.0.113.0/24\", \"2001:db8::/32\"]", "allowed_ips [\"198.51.100.7/32\"] -> []"],
  })]));
  renderAt("/orgs/o/deployments/d2");
  const section = await screen.findByRole("region", { name: "Changes since release #1" }, { timeout: 5000 });
  const list = await within(section).findByRole("list", { name: "2 changes" });
  expect(within(list).getAllByRole("listitem").map(heard)).toEqual([
    "reachable from everyone to 203.0.113.0/24, 2001:db8::/32", "reachable from 198.51.100.7/32 to everyone"]);
  expect(list.textContent).not.toMatch(/[[\]"]|object/);
});

test("a restart changes nothing; a first release says so; a queued deploy's secrets are read when it runs", async () => {
  session.set("t");
  fakeApi(changesPage(live, () => [200, changes({ unchanged: true })]));
  const first = renderAt("/orgs/o/deployments/d2");
  let section = await screen.findByRole("region", { name: "Changes since release #1" }, { timeout: 5000 });
  expect(await within(section).findByText("Nothing changed: the same image, settings and secret versions.")).toBeTruthy();
  expect(within(section).queryByRole("list")).toBeNull();
  first.dispose();
  cleanup();

  fakeApi(changesPage(live, () => [200, changes({ against: null, summary: ["the service's first release"],
    image: { from: null, to: "nginx:1.28" } })]));
  const second = renderAt("/orgs/o/deployments/d2");
  section = await screen.findByRole("region", { name: "Changes" }, { timeout: 5000 });
  expect(await within(section).findByText("The service's first release: everything in it is new.")).toBeTruthy();
  expect(within(section).queryByRole("list")).toBeNull();
  expect(within(section).queryByRole("link")).toBeNull();
  second.dispose();
  cleanup();

  fakeApi(changesPage(dep({ status: "queued" }), () => [200, changes({ secrets: null, image: { from: "nginx:1.27", to: "nginx:1.28" },
    summary: ["image nginx:1.27 -> nginx:1.28"] })]));
  renderAt("/orgs/o/deployments/d2");
  section = await screen.findByRole("region", { name: "Changes since release #1" }, { timeout: 5000 });
  expect(heard(await within(section).findByRole("listitem"))).toBe("Image nginx:1.27 to nginx:1.28");
  expect(within(section).getByText("Secrets are read at their current versions when it runs: which of them changed shows then.")).toBeTruthy();
});

test("changes that cannot be read: the reason and Try again; the rest of the page stays", async () => {
  session.set("t");
  let fail = true;
  fakeApi(changesPage(live, () => (fail ? [500, err("internal_error", "something went wrong", null)]
    : [200, changes({ unchanged: true })])));
  renderAt("/orgs/o/deployments/d2");
  const section = await screen.findByRole("region", { name: "Changes" }, { timeout: 5000 });
  const alert = await within(section).findByRole("alert", {}, { timeout: 8000 });
  expect(alert.textContent).toContain("something went wrong");
  expect(screen.getByRole("list", { name: "Deployment steps" })).toBeTruthy();
  fail = false;
  await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
  expect(await within(section).findByText("Nothing changed: the same image, settings and secret versions.")).toBeTruthy();
});

// Compare with: GET …/changes?against= (chalicelib/deploys/changes.py), the choices from GET …/releases
const rel = (id: string, number: number, current = false) => ({
  deployment_id: id, number, image: `nginx:1.${number}`, actor: "ada@example.com", created: at(-number * 3600),
  finished: at(-number * 3600 + 60), current, secret_versions: {},
});
const comparePage = () => {
  const d6 = dep({ status: "live", number: 6, finished: at(3) });
  return {
    ...changesPage(d6, () => [200, {}]),
    // newest first, as the API lists them: #7 is later than this one, #6 is this one
    "GET /v1/orgs/o/services/s/releases": (): [number, unknown] =>
      [200, { items: [rel("d7", 7, true), rel("d2", 6), rel("d5", 5), rel("d4", 4), rel("d3", 3)], next: null }],
    "GET /v1/orgs/o/deployments/d2/changes": (req: Request): [number, unknown] => {
      const against = new URL(req.url).searchParams.get("against");
      if (against === "dX") return [404, err("not_found", "no such deployment of this service to compare with", "against")];
      if (against === "d3") {
        return [200, changes({ deployment: release("d2", 6, "nginx:1.6"), against: release("d3", 3, "nginx:1.3"),
          image: { from: "nginx:1.3", to: "nginx:1.6" }, summary: ["image nginx:1.3 -> nginx:1.6"] })];
      }
      return [200, changes({ deployment: release("d2", 6, "nginx:1.6"), against: release("d5", 5, "nginx:1.6"), unchanged: true })];
    },
  };
};
const againstOf = (calls: { path: string; url: string }[]) =>
  calls.filter((c) => c.path.endsWith("/changes")).map((c) => new URL(c.url).searchParams.get("against"));

test("Compare with: the release before by default, earlier releases only; another one is asked for with against", async () => {
  session.set("t");
  const calls = fakeApi(comparePage());
  const router = renderAt("/orgs/o/deployments/d2");
  let section = await screen.findByRole("region", { name: "Changes since release #5" }, { timeout: 5000 });
  const select = await within(section).findByRole("combobox", { name: "Compare with" }) as HTMLSelectElement;
  const options = [...select.options];
  expect(options.map((o) => o.value)).toEqual(["", "d4", "d3"]);   // neither this release (#6) nor a later one (#7)
  expect(options[0]!.textContent).toMatch(/^release #5 \(the release before\) · /);
  expect(options.slice(1).map((o) => o.textContent!.split(" · ")[0])).toEqual(["release #4", "release #3"]);
  expect(select.value).toBe("");
  expect(within(section).getByText("Nothing changed: the same image, settings and secret versions.")).toBeTruthy();

  await userEvent.selectOptions(select, "d3");
  section = await screen.findByRole("region", { name: "Changes since release #3" });
  expect(within(section).getByRole("link", { name: "release #3" }).getAttribute("href")).toBe("/orgs/o/deployments/d3");
  expect(heard(await within(section).findByRole("listitem"))).toBe("Image nginx:1.3 to nginx:1.6");
  expect(router.state.location.search).toBe("?against=d3");   // the comparison can be shared

  await userEvent.selectOptions(within(section).getByRole("combobox", { name: "Compare with" }), "");
  expect(await screen.findByRole("region", { name: "Changes since release #5" })).toBeTruthy();
  expect(router.state.location.search).toBe("");
  expect(againstOf(calls)).toEqual([null, "d3"]);   // the release before is asked once (then from the cache)
});

test("Compare with a deployment the API refuses: its message, and the release before is one choice away", async () => {
  session.set("t");
  const calls = fakeApi(comparePage());
  renderAt("/orgs/o/deployments/d2?against=dX");
  const section = await screen.findByRole("region", { name: "Changes" }, { timeout: 5000 });
  expect((await within(section).findByRole("alert")).textContent).toContain("no such deployment of this service to compare with");
  const select = await within(section).findByRole("combobox", { name: "Compare with" }) as HTMLSelectElement;
  expect(select.value).toBe("dX");
  expect(select.selectedOptions[0]!.textContent).toBe("the deployment in the address");
  await userEvent.selectOptions(select, "");
  expect(await screen.findByRole("region", { name: "Changes since release #5" })).toBeTruthy();
  expect(within(screen.getByTestId("changes")).queryByRole("alert")).toBeNull();
  expect(againstOf(calls).sort()).toEqual(["dX", null].sort());
});

test("a first release: nothing earlier to compare with, no Compare with", async () => {
  session.set("t");
  fakeApi({
    ...changesPage(live, () => [200, changes({ against: null, summary: ["the service's first release"] })]),
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [rel("d2", 2, true)], next: null }],
  });
  renderAt("/orgs/o/deployments/d2");
  const section = await screen.findByRole("region", { name: "Changes" }, { timeout: 5000 });
  expect(await within(section).findByText("The service's first release: everything in it is new.")).toBeTruthy();
  expect(within(section).queryByRole("combobox")).toBeNull();
});

// Commit statuses (chalicelib/hooks/statuses.py): a deployment of a GitHub commit carries what GitHub answered
const SHA = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";
const onGithub = (github_status: Deployment["github_status"]) => ({
  ...dep({ status: "live", finished: at(3), build: { repo: "Codertocat/Hello-World", branch: "main", ref: "main", dockerfile: "Dockerfile", context: "." } }),
  commit: { sha: SHA, message: "Add the app", author: "Codertocat" }, github_status,
});
const posted = {
  state: "success" as const, description: "#2 live", context: "launchbay/production/web", target_url: "https://launchbay.example.com/orgs/o/deployments/d2",
  repository: "Codertocat/Hello-World", response_code: 201, error: null, at: at(3),
};
const REFUSED = "GitHub answered 403: the organization's GitHub token must be allowed to write commit statuses of Codertocat/Hello-World " +
  "(classic: repo:status; fine-grained: Commit statuses, read and write)";
const liveApi = (d: unknown) => ({
  ...signedIn(),
  "GET /v1/orgs/o/deployments/d2": (): [number, unknown] => [200, d],
  "GET /v1/orgs/o/deployments/d2/logs": (): [number, unknown] => [200, { lines: [], next: null, more: false, status: "live", final: true }],
  "GET /v1/orgs/o/services/s": (): [number, unknown] => [200, { ...service, live_deployment_id: "d2" }],
  "GET /v1/orgs/o/projects/p": (): [number, unknown] => [200, { id: "p", org_id: "o", name: "shop" }],
});

test("a commit of a GitHub repository: its status there under the commit, linked to the commit on GitHub", async () => {
  session.set("t");
  fakeApi(liveApi(onGithub(posted)));
  renderAt("/orgs/o/deployments/d2");
  const line = await screen.findByTestId("github-status", {}, { timeout: 5000 });
  expect(line.textContent).toBe("GitHub: success · launchbay/production/web on Codertocat/Hello-World (commit 1a2b3c4 on GitHub)");
  expect(line.previousElementSibling!.classList.contains("deploy-meta")).toBe(true);   // right under the commit
  expect(document.querySelector(".deploy-meta .commit")!.textContent).toContain("1a2b3c4 Add the app");
  const link = within(line).getByRole("link", { name: "Codertocat/Hello-World (commit 1a2b3c4 on GitHub)" });
  expect(link.getAttribute("href")).toBe(`https://github.com/Codertocat/Hello-World/commit/${SHA}`);
  expect(link.getAttribute("rel")).toBe("noreferrer");
  expect(line.querySelector(".badge")!.className).toBe("badge badge-ok");
  expect(screen.queryByTestId("github-error")).toBeNull();
});

test("a status GitHub refused: a warning with its reason (the token's missing permission) and where the token is set", async () => {
  session.set("t");
  fakeApi(liveApi(onGithub({ ...posted, response_code: 403, error: REFUSED })));
  renderAt("/orgs/o/deployments/d2");
  const warning = await screen.findByTestId("github-error", {}, { timeout: 5000 });
  expect(warning.textContent).toBe(`Could not post the status on GitHub: ${REFUSED}. Set the organization's GitHub token`);
  expect(warning.getAttribute("role")).toBeNull();   // a state of the page, not an interruption
  expect(within(warning).getByRole("link", { name: "Set the organization's GitHub token" }).getAttribute("href")).toBe("/orgs/o/projects/p/git#private-repos");
  // the line says GitHub does not show it (not the state that was sent)
  const line = screen.getByTestId("github-status");
  expect(line.textContent).toMatch(/^GitHub: not posted · launchbay\/production\/web on Codertocat\/Hello-World/);
  expect(line.querySelector(".badge")!.className).toBe("badge badge-warn");
});

test("no github_status (an image, no token, not a GitHub repository): no GitHub line", async () => {
  session.set("t");
  fakeApi(liveApi(onGithub(undefined)));
  renderAt("/orgs/o/deployments/d2");
  await screen.findByText(/the load balancer sends traffic to this release/, {}, { timeout: 5000 });
  expect(document.querySelector(".deploy-meta .commit")).toBeTruthy();
  expect(screen.queryByTestId("github-status")).toBeNull();
  expect(screen.queryByTestId("github-error")).toBeNull();
  expect(document.body.textContent).not.toContain("GitHub:");
});

// A deploy freeze on the service's environment (as ServicePage.test.tsx): Deploy again is refused there too
const ENV = "/v1/orgs/o/projects/p/environments/env_prod";
const prod = (freeze: Record<string, unknown> | null) => ({
  id: "env_prod", project_id: "p", name: "production", domain_suffix: null, env: {}, require_approval: false, freeze,
});
const blackFriday = { reason: "Black Friday", until: "2026-11-30T08:00:00Z", by: "ada@example.com", at: "2026-11-26T17:40:00Z" };
const failedFirst = dep({ status: "failed", error: "container exited with code 1", finished: at(2), steps: [{ name: "rollout", status: "failed", error: "exit 1" }] });

test("a frozen environment: Deploy again disabled and described by the freeze (why, until when)", async () => {
  session.set("t");
  const calls = fakeApi({
    ...failedApi(failedFirst, { ...service, environment_id: "env_prod" } as typeof service),
    [`GET ${ENV}`]: () => [200, prod(blackFriday)],
  });
  renderAt("/orgs/o/deployments/d2");
  const alert = await screen.findByRole("region", { name: "This deployment failed." });
  const notice = await within(alert).findByTestId("frozen", {}, { timeout: 5000 });
  expect(notice.textContent).toBe(`frozen The production environment is frozen ${freezeUntilWords(blackFriday)}: Black Friday. ` +
    "New deploys are refused; rollbacks and restarts still run. Lift it under the project's environments.");
  expect(within(notice).getByRole("link", { name: "environments" }).getAttribute("href")).toBe("/orgs/o/projects/p");
  expect(notice.closest("[aria-live=polite]")).toBeTruthy();   // a freeze set while the page is open is said
  const again = within(alert).getByRole("button", { name: "Deploy again" }) as HTMLButtonElement;
  expect(again.disabled).toBe(true);
  expect(again.getAttribute("aria-describedby")).toBe(notice.id);
  expect(again.title).toBe("production is frozen: new deploys are refused");
  expect(calls.filter((c) => c.path === ENV)).toHaveLength(1);   // its environment, by id
});

test("frozen by a freeze window: the same; a viewer sees the freeze without the way to lift it", async () => {
  session.set("t");
  const weekend = { reason: "weekend", until: "2026-11-30T07:00:00Z", by: "freeze window", at: "2026-11-27T17:00:00Z",
    window: { start: "0 18 * * 5", end: "0 8 * * 1", timezone: "Europe/Berlin", reason: "weekend" } };
  fakeApi({
    ...failedApi(rolledBack, { ...service, live_deployment_id: "d1", environment_id: "env_prod" } as typeof service),
    [`GET ${ENV}`]: () => [200, prod(weekend)],
  });
  renderAt("/orgs/o/deployments/d2");
  const alert = await screen.findByRole("region", { name: "This release failed and was rolled back." });
  const notice = await within(alert).findByTestId("frozen", {}, { timeout: 5000 });
  expect(notice.textContent).toContain(`The production environment is frozen ${freezeUntilWords(weekend)}: weekend.`);
  expect((within(alert).getByRole("button", { name: "Deploy again" }) as HTMLButtonElement).disabled).toBe(true);
  cleanup();

  fakeApi({
    ...failedApi(rolledBack, { ...service, live_deployment_id: "d1", environment_id: "env_prod" } as typeof service),
    [`GET ${ENV}`]: () => [200, prod(weekend)],
    "GET /v1/me": () => [200, { user: { id: "u", email: "v@example.com" }, organizations: [{ id: "o", name: "Acme", role: "viewer" }] }],
  });
  renderAt("/orgs/o/deployments/d2");
  const seen = await screen.findByTestId("frozen", {}, { timeout: 5000 });
  expect(seen.textContent).toContain("New deploys are refused; rollbacks and restarts still run.");
  expect(within(seen).queryByRole("link")).toBeNull();
  expect(screen.queryByRole("button", { name: "Deploy again" })).toBeNull();
});

test("not frozen: no freeze notice, and Deploy again is enabled and not described by one", async () => {
  session.set("t");
  const calls = fakeApi({
    ...failedApi(failedFirst, { ...service, environment_id: "env_prod" } as typeof service),
    [`GET ${ENV}`]: () => [200, prod(null)],
  });
  renderAt("/orgs/o/deployments/d2");
  const alert = await screen.findByRole("region", { name: "This deployment failed." });
  const again = await within(alert).findByRole("button", { name: "Deploy again" }, { timeout: 5000 }) as HTMLButtonElement;
  await waitFor(() => expect(calls.filter((c) => c.path === ENV)).toHaveLength(1));
  expect(screen.queryByTestId("frozen")).toBeNull();
  expect(again.disabled).toBe(false);
  expect(again.getAttribute("aria-describedby")).toBeNull();
  expect(again.title).toBe("");
});

test("a live deployment does not ask for its environment's freeze (there is no Deploy again)", async () => {
  session.set("t");
  const calls = fakeApi({ ...liveApi(onGithub(posted)), "GET /v1/orgs/o/services/s": () => [200, { ...service, environment_id: "env_prod", live_deployment_id: "d2" }] });
  renderAt("/orgs/o/deployments/d2");
  await screen.findByTestId("github-status", {}, { timeout: 5000 });
  expect(calls.filter((c) => c.path.includes("/environments/"))).toEqual([]);
});

// Canary releases (chalicelib/deploys/canary.py): the deployment's canary, and Proceed now (POST …/proceed)
// The clock stands still (Date alone: the timers run) so that the minutes watched are exact.
const NOW = Date.UTC(2026, 10, 27, 20, 1, 30);
const since = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();
const stillClock = () => { vi.useFakeTimers({ toFake: ["Date"] }); vi.setSystemTime(NOW); };
afterEach(() => { vi.useRealTimers(); });
const CANARY_STEPS = ["canary.target_group", "canary.service", "canary.rollout", "canary.traffic"];
const canaryOf = (over: Partial<DeployCanary>): DeployCanary => ({
  percent: 10, minutes: 5, max_5xx_percent: 2, state: "watching", tasks: 1, retired: false, requests: 312, http_5xx: 1,
  watch_started: at(0), watch_ends: at(300), proceed: null, ...over,
});
const withCanary = (status: Deployment["status"], analysis: Step, c: Partial<DeployCanary>, over: Partial<Deployment> = {}) => dep({
  status, canary: canaryOf(c),
  steps: [{ name: "cluster", status: "done" }, ...CANARY_STEPS.map((name) => ({ name, status: "done" })), analysis],
  ...over,
});
const canaryApi = (get: () => Deployment, over: Record<string, Answer> = {}): Record<string, Answer> => ({
  ...signedIn(),
  "GET /v1/orgs/o/deployments/d2": () => [200, get()],
  "GET /v1/orgs/o/deployments/d2/logs": () => [200, { lines: [], next: null, more: false, status: get().status, final: isFinal(get().status) }],
  "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d1" }],
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  ...over,
});

test("a canary being watched: its share, how far the watch is, and Proceed now posts and the page reads the deployment again", async () => {
  session.set("t");
  stillClock();
  const started = since(90);
  let current = withCanary("deploying", { name: "canary.analysis", status: "running", started }, { watch_started: started },
    { reason: "canary: 10 % of traffic, 1.5 of 5 min, 0.3 % 5xx of 312 requests" });
  const asked = { by: "me@example.com", at: since(0) };
  const calls = fakeApi(canaryApi(() => current, {
    // answers the deployment as it was: only a read after it has the proceed (so the page must read it again)
    "POST /v1/orgs/o/deployments/d2/proceed": () => { const was = current; current = { ...current, canary: { ...current.canary!, proceed: asked } }; return [200, was]; },
  }));
  renderAt("/orgs/o/deployments/d2");
  const section = await screen.findByRole("region", { name: "Canary" }, { timeout: 5000 });
  expect(section.querySelector("p")!.textContent).toBe("10 % of the traffic on 1 task of the new release, watched for 5 min; more than 2 % 5xx answers roll it back.");
  expect(section.querySelector(".canary-state")!.textContent).toBe("Watching: 1.5 of 5 min, 312 requests, 0.3 % 5xx (rolls back above 2 %).");
  expect(screen.queryByText(/^canary: 10 % of traffic/)).toBeNull();   // the engine's reason is not said twice
  const proceed = within(section).getByRole("button", { name: "Proceed now" });
  expect(document.getElementById(proceed.getAttribute("aria-describedby")!)!.textContent)
    .toBe("Ends the watch now: the release rolls out to every task. Cancel deployment rolls it back instead.");
  expect(screen.getByRole("button", { name: "Cancel deployment" })).toBeTruthy();

  await userEvent.click(proceed);
  expect(await within(section).findByText(`Ending the watch early, as me@example.com asked at ${new Date(asked.at).toLocaleTimeString(undefined, { timeStyle: "short" })}: the release rolls out to every task next.`)).toBeTruthy();
  expect(within(section).queryByRole("button", { name: "Proceed now" })).toBeNull();
  const posts = calls.filter((c) => c.method === "POST");
  expect(posts.map((c) => c.path)).toEqual(["/v1/orgs/o/deployments/d2/proceed"]);
  expect(posts[0]!.body).toBeNull();
  expect(calls.slice(calls.indexOf(posts[0]!)).some((c) => c.method === "GET" && c.path === "/v1/orgs/o/deployments/d2")).toBe(true);
});

test("Proceed now refused (409: the watch ended meanwhile): the API's message in the Canary section", async () => {
  session.set("t");
  stillClock();
  const current = withCanary("deploying", { name: "canary.analysis", status: "running", started: since(6) },
    { watch_started: since(6), requests: 0, http_5xx: 0 });
  fakeApi(canaryApi(() => current, {
    "POST /v1/orgs/o/deployments/d2/proceed": () => [409, err("conflict", "the canary's watch has ended already: nothing to proceed", null)],
  }));
  renderAt("/orgs/o/deployments/d2");
  const section = await screen.findByRole("region", { name: "Canary" }, { timeout: 5000 });
  expect(section.querySelector(".canary-state")!.textContent).toBe("Watching: 0.1 of 5 min, no requests yet (rolls back above 2 %).");
  await userEvent.click(within(section).getByRole("button", { name: "Proceed now" }));
  expect((await within(section).findByRole("alert")).textContent).toBe("the canary's watch has ended already: nothing to proceed");
});

test("a failed canary: how many of its answers were 5xx, that the rest of the traffic never saw it, and no Proceed now", async () => {
  session.set("t");
  const error = "the canary answered 31.1 % 5xx of 412 requests in 3 min (at most 2 % allowed); the old release kept serving the other 90 %";
  const failed = withCanary("rolled_back", { name: "canary.analysis", status: "failed", started: at(0), finished: at(180), error },
    { state: "failed", requests: 412, http_5xx: 128, retired: true },
    { error, finished: at(200), rollback_to: "d1", rollback_to_number: 1 });
  failed.steps.push({ name: "rollback.canary", status: "done" });
  fakeApi(canaryApi(() => failed));
  renderAt("/orgs/o/deployments/d2");
  const section = await screen.findByRole("region", { name: "Canary" }, { timeout: 5000 });
  expect(section.querySelector(".canary-state")!.textContent).toBe(
    "Failed after 3 min: 128 of 412 requests answered 5xx (31.1 %, more than the 2 % allowed). The live release kept serving the other 90 %.");
  expect(within(section).getByText("The canary is gone: the live release answers all the traffic again.")).toBeTruthy();
  expect(within(section).queryByRole("button")).toBeNull();
  expect(screen.getByRole("region", { name: "This release failed and was rolled back." }).textContent).toContain(error);
  // the rollback of the canary is the rollback's step
  const timeline = screen.getByRole("list", { name: "Deployment steps" });
  expect(timeline.querySelector("[data-phase=rollback] [data-step='rollback.canary']")).toBeTruthy();
});

test("a passed canary: after how long, how many of its answers were 5xx, the canary gone; no Proceed now once settled", async () => {
  session.set("t");
  const passed = withCanary("live", { name: "canary.analysis", status: "done", started: at(0), finished: at(300), result: { state: "passed", minutes: 5.0, requests: 1203, http_5xx: 0 } },
    { state: "passed", requests: 1203, http_5xx: 0, retired: true }, { finished: at(400) });
  passed.steps.push({ name: "service", status: "done" }, { name: "rollout", status: "done" }, { name: "canary.retire", status: "done" });
  fakeApi(canaryApi(() => passed, { "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d2" }] }));
  renderAt("/orgs/o/deployments/d2");
  const section = await screen.findByRole("region", { name: "Canary" }, { timeout: 5000 });
  expect(section.querySelector(".canary-state")!.textContent).toBe("Passed after 5 min: 0 of 1,203 requests answered 5xx.");
  expect(within(section).getByText("The canary is gone: the load balancer sends all the traffic to the service's own tasks.")).toBeTruthy();
  expect(within(section).queryByRole("button")).toBeNull();
});

test("a watch that stopped, the deployment rolled back: no Proceed now once settled, nor for a viewer while it watches", async () => {
  session.set("t");
  const stopped = withCanary("rolled_back", { name: "canary.analysis", status: "cancelled", started: at(0), finished: at(72) },
    { requests: 40, http_5xx: 0, retired: true }, { finished: at(90) });
  fakeApi(canaryApi(() => stopped));
  renderAt("/orgs/o/deployments/d2");
  let section = await screen.findByRole("region", { name: "Canary" }, { timeout: 5000 });
  expect(section.querySelector(".canary-state")!.textContent).toBe("Stopped after 1.2 of 5 min (40 requests, 0.0 % 5xx): the deployment is rolled back.");
  expect(within(section).queryByRole("button")).toBeNull();
  cleanup();

  stillClock();
  const watching = withCanary("deploying", { name: "canary.analysis", status: "running", started: since(150) }, { watch_started: since(150) });
  fakeApi(canaryApi(() => watching, {
    "GET /v1/me": () => [200, { user: { id: "u", email: "v@example.com" }, organizations: [{ id: "o", name: "Acme", role: "viewer" }] }],
  }));
  renderAt("/orgs/o/deployments/d2");
  section = await screen.findByRole("region", { name: "Canary" }, { timeout: 5000 });
  await waitFor(() => expect(within(section).queryByRole("button", { name: "Proceed now" })).toBeNull());
  expect(section.querySelector(".canary-state")!.textContent).toBe("Watching: 2.5 of 5 min, 312 requests, 0.3 % 5xx (rolls back above 2 %).");
});

test("a baseline canary: the live release's 5xx share beside the canary's, and the limit it makes; too few of its requests: the limit alone", async () => {
  session.set("t");
  stillClock();
  const started = since(150);
  let baseline: Partial<DeployCanary> = { baseline: true, baseline_requests: 2040, baseline_http_5xx: 8 };   // 0.4 %
  fakeApi(canaryApi(() => withCanary("deploying", { name: "canary.analysis", status: "running", started },
    { watch_started: started, requests: 312, http_5xx: 1, ...baseline })));
  renderAt("/orgs/o/deployments/d2");
  let section = await screen.findByRole("region", { name: "Canary" }, { timeout: 5000 });
  expect(section.querySelector("p")!.textContent).toBe("10 % of the traffic on 1 task of the new release, watched for 5 min; " +
    "more than 2 points of 5xx answers above the live release's share roll it back.");
  expect(section.querySelector(".canary-state")!.textContent).toBe("Watching: 2.5 of 5 min, 312 requests, 0.3 % 5xx (rolls back above 2.4 %).");
  expect(within(section).getByTestId("canary-baseline").textContent).toBe("New release 0.3 % 5xx of 312 requests; " +
    "the live release 0.4 % 5xx of 2,040 requests over the same minutes: it rolls back above 2.4 %.");
  cleanup();

  baseline = { baseline: true, baseline_requests: 7, baseline_http_5xx: 0 };
  fakeApi(canaryApi(() => withCanary("deploying", { name: "canary.analysis", status: "running", started },
    { watch_started: started, requests: 312, http_5xx: 1, ...baseline })));
  renderAt("/orgs/o/deployments/d2");
  section = await screen.findByRole("region", { name: "Canary" }, { timeout: 5000 });
  expect(section.querySelector(".canary-state")!.textContent).toBe("Watching: 2.5 of 5 min, 312 requests, 0.3 % 5xx (rolls back above 2 %).");
  expect(within(section).getByTestId("canary-baseline").textContent).toBe("New release 0.3 % 5xx of 312 requests; " +
    "the live release had 7 requests meanwhile, too few to compare with: the limit alone is judged.");
  cleanup();

  // failed against the live release's share: the limit said is the one it made
  const error = "the canary answered 31.1 % 5xx of 412 requests in 3 min (the live release answered 0.4 %: at most 2.4 % allowed); the old release kept serving the other 90 %";
  const failed = withCanary("rolled_back", { name: "canary.analysis", status: "failed", started: at(0), finished: at(180), error },
    { state: "failed", requests: 412, http_5xx: 128, retired: true, baseline: true, baseline_requests: 2040, baseline_http_5xx: 8 },
    { error, finished: at(200), rollback_to: "d1", rollback_to_number: 1 });
  fakeApi(canaryApi(() => failed));
  renderAt("/orgs/o/deployments/d2");
  section = await screen.findByRole("region", { name: "Canary" }, { timeout: 5000 });
  expect(section.querySelector(".canary-state")!.textContent).toBe("Failed after 3 min: 128 of 412 requests answered 5xx " +
    "(31.1 %, more than the 2.4 % allowed). The live release kept serving the other 90 %.");
  expect(within(section).getByTestId("canary-baseline").textContent).toContain("the live release 0.4 % 5xx of 2,040 requests");
  cleanup();

  // without a baseline: no such line
  fakeApi(canaryApi(() => withCanary("deploying", { name: "canary.analysis", status: "running", started }, { watch_started: started })));
  renderAt("/orgs/o/deployments/d2");
  section = await screen.findByRole("region", { name: "Canary" }, { timeout: 5000 });
  expect(within(section).queryByTestId("canary-baseline")).toBeNull();
});

test("a baseline canary's setting and numbers in words", () => {
  expect(canarySettingWords({ percent: 10, minutes: 5, max_5xx_percent: 2, baseline: true }))
    .toBe("10 % for 5 min, rolls back above the live release's 5xx share + 2 points");
  expect(canarySettingWords({ percent: 10, minutes: 5, max_5xx_percent: 2, baseline: false, ramp: [25] }))
    .toBe("10 % → 25 %, 5 min each, rolls back above 2 % 5xx");
  const c = canaryOf({ baseline: true, baseline_requests: null, baseline_http_5xx: null });
  expect(baselineWords(c)).toBe("the live release's own 5xx share is read once the watch begins");
  expect(liveShare(c)).toBeNull();
  expect(liveShare({ ...c, baseline_requests: 19, baseline_http_5xx: 19 })).toBeNull();   // fewer than 20: nothing to compare with
  expect(liveShare({ ...c, baseline_requests: 20, baseline_http_5xx: 1 })).toBe(5);
  expect(limitPercent({ ...c, baseline_requests: 20, baseline_http_5xx: 1 })).toBe(7);
  expect(liveShare({ ...c, baseline: false, baseline_requests: 20, baseline_http_5xx: 1 })).toBeNull();
  expect(baselineWords({ ...c, baseline: false })).toBeNull();
});

test("the timeline: a canary's steps are part of rolling out; its rollback is the rollback's", () => {
  const d = withCanary("deploying", { name: "canary.analysis", status: "running" }, {});
  d.steps.splice(1, 0, { name: "target_group", status: "done" });
  const byId = Object.fromEntries(phases(d).map((p) => [p.id, p]));
  expect(byId.provisioning!.steps.map((s) => s.name)).toEqual(["cluster", "target_group"]);
  expect(byId.provisioning!.state).toBe("done");
  expect(byId.deploying!.steps.map((s) => s.name)).toEqual([...CANARY_STEPS, "canary.analysis"]);
  expect(byId.deploying!.state).toBe("active");
  const passed = withCanary("live", { name: "canary.analysis", status: "done" }, { state: "passed" });
  passed.steps.push({ name: "service", status: "done" }, { name: "rollout", status: "done" }, { name: "canary.retire", status: "done" });
  expect(phases(passed).find((p) => p.id === "deploying")!.steps.at(-1)!.name).toBe("canary.retire");
  const failed = withCanary("rolled_back", { name: "canary.analysis", status: "failed" }, { state: "failed" });
  failed.steps.push({ name: "rollback.canary", status: "done" });
  const rolled = Object.fromEntries(phases(failed).map((p) => [p.id, p]));
  expect(rolled.deploying!.state).toBe("failed");
  expect(rolled.rollback!.steps.map((s) => s.name)).toEqual(["rollback.canary"]);
});

test("the canary's other states in words; no Canary section without one", async () => {
  const d = (status: Deployment["status"], c: Partial<DeployCanary>, steps: Step[] = []) => {
    const x = dep({ status, steps, canary: canaryOf({ requests: null, http_5xx: null, watch_started: null, watch_ends: null, ...c }) });
    return canaryStateWords(x, x.canary!);
  };
  expect(d("provisioning", { state: "waiting" })).toBe("Waiting for the release to start.");
  expect(d("deploying", { state: "starting", tasks: 2 })).toBe("Starting: 2 tasks of the new release beside the live ones, then 10 % of the traffic to them.");
  expect(d("failed", { state: "not_started" })).toBe("Did not start: the deployment ended before the canary began.");
  expect(d("rolled_back", { state: "failed" }, [{ name: "canary.rollout", status: "failed" }]))
    .toBe("Failed while starting (step canary.rollout), before it answered any traffic: the live release kept serving all of it.");
  const by = { by: "ann@example.com", at: at(120) };
  expect(d("live", { state: "proceeded", proceed: by, requests: 312, http_5xx: 0, watch_started: at(0) },
    [{ name: "canary.analysis", status: "done", result: { state: "proceeded", minutes: 2.0 } }]))
    .toBe(`Ended early by ann@example.com at ${new Date(by.at).toLocaleTimeString(undefined, { timeStyle: "short" })} after 2 of 5 min: 0 of 312 requests answered 5xx.`);
  expect(canaryTag(canaryOf({ state: "watching" }))).toBe("canary watching");
  expect(canaryTag(canaryOf({ state: "waiting" }))).toBe("canary");
  // judged on latency too: its p95 is said, and a slow one fails on it
  const slow = { max_p95_ms: 500, requests: 1203, http_5xx: 0, watch_started: at(0) };
  expect(d("live", { ...slow, state: "passed", p95_ms: 120 }, [{ name: "canary.analysis", status: "done", result: { state: "passed", minutes: 5 } }]))
    .toBe("Passed after 5 min: 0 of 1,203 requests answered 5xx, p95 120 ms.");
  expect(d("rolled_back", { ...slow, state: "failed", p95_ms: 1450 }, [{ name: "canary.analysis", status: "failed", result: null, finished: at(180) }]))
    .toMatch(/^Failed after 3 min: 0 of 1,203 requests answered 5xx, p95 1,450 ms \(p95 more than the 500 ms allowed\)\./);
  expect(canarySettingWords({ percent: 10, minutes: 5, max_5xx_percent: 2, max_p95_ms: 800 }))
    .toBe("10 % for 5 min, rolls back above 2 % 5xx or a p95 above 800 ms");

  session.set("t");
  fakeApi(canaryApi(() => dep({ status: "live", finished: at(3) })));
  renderAt("/orgs/o/deployments/d2");
  await screen.findByRole("list", { name: "Deployment steps" }, { timeout: 5000 });
  expect(screen.queryByRole("region", { name: "Canary" })).toBeNull();
});

// A ramp (canary.ramp [25, 50]): each larger share a stage of its own steps ("canary.service@25",
// "canary.rollout@25", "canary.traffic@25", "canary.analysis@25"), watched as long with the same limits.
const stageSteps = (share: number, analysis: Partial<Step> = { status: "done" }): Step[] => [
  ...["canary.service", "canary.rollout", "canary.traffic"].map((n) => ({ name: `${n}@${share}`, status: "done" })),
  { name: `canary.analysis@${share}`, status: "done", ...analysis },
];
const passedWatch: Step = { name: "canary.analysis", status: "done", started: at(0), finished: at(300), result: { state: "passed", minutes: 5.0, requests: 300, http_5xx: 0 } };
const ramped = (status: Deployment["status"], steps: Step[], c: Partial<DeployCanary>, over: Partial<Deployment> = {}) => dep({
  status, canary: canaryOf({ ramp: [25, 50], share: 10, stage: 1, stages: 3, ...c }),
  steps: [{ name: "cluster", status: "done" }, ...CANARY_STEPS.map((name) => ({ name, status: "done" })), ...steps],
  ...over,
});

test("a ramp being watched at its second stage: the stages in a row, the current one marked, and the steps in words", async () => {
  session.set("t");
  stillClock();
  const started = since(90);
  const current = ramped("deploying", [passedWatch, ...stageSteps(25, { status: "running", started, result: null })],
    { share: 25, stage: 2, tasks: 1, watch_started: started }, { reason: "canary: 25 % of traffic (stage 2 of 3), 1 of 5 min watched, 0.3 % 5xx of 312 requests" });
  fakeApi(canaryApi(() => current));
  renderAt("/orgs/o/deployments/d2");
  const section = await screen.findByRole("region", { name: "Canary" }, { timeout: 5000 });
  expect(section.querySelector("p")!.textContent).toBe(
    "10 % → 25 % → 50 % of the traffic, each stage watched for 5 min; more than 2 % 5xx answers at any stage roll it back.");
  const stages = within(section).getByRole("list", { name: "Stages" });
  expect(within(stages).getAllByRole("listitem").map((li) => [li.textContent, li.getAttribute("aria-current")]))
    .toEqual([["10 % passed", null], ["→25 % watching", "step"], ["→50 % next", null]]);
  expect(within(section).getByTestId("canary-stage").textContent).toBe("Stage 2 of 3: 25 % of the traffic, on 1 task of the new release.");
  expect(section.querySelector(".canary-state")!.textContent).toBe(
    "Watching at 25 % (stage 2 of 3): 1.5 of 5 min, 312 requests, 0.3 % 5xx (rolls back above 2 %).");
  expect(within(section).getByRole("button", { name: "Proceed now" })).toBeTruthy();
  expect(screen.queryByText(/^canary: 25 % of traffic/)).toBeNull();   // the engine's reason is not said twice

  // the timeline: each stage's steps in words (the name the log uses beside them)
  const timeline = screen.getByRole("list", { name: "Deployment steps" });
  const step = (name: string) => timeline.querySelector(`[data-step='${name}']`)!;
  expect(step("canary.analysis").querySelector(".step-words")!.textContent).toBe("canary: watch at 10 %");
  expect(step("canary.service@25").querySelector(".step-words")!.textContent).toBe("canary: grow to 25 %");
  expect(step("canary.traffic@25").querySelector(".step-words")!.textContent).toBe("canary: send it 25 % of traffic");
  expect(step("canary.analysis@25").querySelector(".step-words")!.textContent).toBe("canary: watch at 25 %");
  expect(step("canary.analysis@25").textContent).toContain("canary.analysis@25");
  expect(step("canary.target_group").querySelector(".step-words")).toBeNull();   // not a stage's own step: its name
  expect(phases(current).find((p) => p.id === "deploying")!.steps.map((s) => s.name)).toEqual(
    [...CANARY_STEPS, "canary.analysis", "canary.service@25", "canary.rollout@25", "canary.traffic@25", "canary.analysis@25"]);
});

test("a ramp's stages in words: between stages, passed, ended early with the rest skipped, failed at a stage or moving to it", () => {
  const words = (status: Deployment["status"], steps: Step[], c: Partial<DeployCanary>) => {
    const x = ramped(status, steps, c);
    return [canaryStateWords(x, x.canary!, Date.parse(at(400))), canaryStages(x, x.canary!).map((s) => s.state).join(", ")];
  };
  // the first stage passed, the next not begun yet
  expect(words("deploying", [passedWatch], { state: "watching", requests: 300, http_5xx: 0 })).toEqual([
    "Passed at 10 % (stage 1 of 3) after 5 min: 0 of 300 requests answered 5xx; moving to 25 % next.", "passed, next, next"]);
  // the second stage's tasks being set up
  expect(words("deploying", [passedWatch, { name: "canary.service@25", status: "running" }], { state: "watching" })).toEqual([
    "Moving to 25 % (stage 2 of 3): more tasks of the new release, then 25 % of the traffic to them.", "passed, starting, next"]);
  // every stage watched to its end
  const done = { result: { state: "passed", minutes: 5.0 } };
  expect(words("live", [passedWatch, ...stageSteps(25, done), ...stageSteps(50, done)],
    { state: "passed", share: 50, stage: 3, requests: 1203, http_5xx: 0, retired: true })).toEqual([
    "Passed all 3 stages, up to 50 %: the last watched 5 min, 0 of 1,203 requests answered 5xx.", "passed, passed, passed"]);
  // a Proceed at the first stage: the later ones skipped (the API's share is the last, skipped, one)
  const by = { by: "ann@example.com", at: at(120) };
  const skipped = { result: { state: "proceeded", skipped: true } };
  expect(words("live", [{ ...passedWatch, result: { state: "proceeded", minutes: 2.0 } }, ...stageSteps(25, skipped), ...stageSteps(50, skipped)],
    { state: "proceeded", share: 50, stage: 3, proceed: by, requests: 312, http_5xx: 0 })).toEqual([
    `Ended early by ann@example.com at ${new Date(by.at).toLocaleTimeString(undefined, { timeStyle: "short" })} at 10 % (stage 1 of 3) ` +
      "after 2 of 5 min: 0 of 312 requests answered 5xx; the larger shares were skipped.", "ended early, skipped, skipped"]);
  // too many 5xx at the second stage: the rest of the traffic is the live release's
  const failedAt25 = stageSteps(25, { status: "failed", started: at(300), finished: at(480) });
  expect(words("rolled_back", [passedWatch, ...failedAt25], { state: "failed", share: 25, stage: 2, requests: 400, http_5xx: 40 })).toEqual([
    "Failed at 25 % (stage 2 of 3) after 3 min: 40 of 400 requests answered 5xx (10.0 %, more than the 2 % allowed). " +
      "The live release kept serving the other 75 %.", "passed, failed, not reached"]);
  // a later stage's tasks failed to start: it had passed at the share before
  expect(words("rolled_back", [passedWatch, { name: "canary.service@25", status: "failed" }], { state: "failed" })).toEqual([
    "Failed while moving to 25 % (step canary.service@25), after it passed at 10 %: the live release kept serving the other 90 %.",
    "passed, failed, not reached"]);
  expect(canaryTag(canaryOf({ state: "watching", ramp: [25, 50], share: 25, stage: 2, stages: 3 }))).toBe("canary watching at 25 %");
  expect(canaryTag(canaryOf({ state: "passed", ramp: [25, 50], share: 50, stage: 3, stages: 3 }))).toBe("canary passed");
  expect(canarySettingWords({ percent: 10, minutes: 5, max_5xx_percent: 2, ramp: [25, 50] }))
    .toBe("10 % → 25 % → 50 %, 5 min each, rolls back above 2 % 5xx");
  expect(canarySettingWords({ percent: 10, minutes: 5, max_5xx_percent: 2, ramp: [] })).toBe("10 % for 5 min, rolls back above 2 % 5xx");
  // without a ramp the steps keep their names; a ramp stage's step is said in words whatever the deployment
  expect(stepWords("canary.analysis", { canary: canaryOf({}) })).toBeNull();
  expect(stepWords("canary.analysis", { canary: canaryOf({ ramp: [30] }) })).toBe("canary: watch at 10 %");
  expect(stepWords("canary.service", { canary: canaryOf({ ramp: [30] }) })).toBe("canary: start with 10 %");
  expect(stepWords("canary.rollout@30", { canary: null })).toBe("canary: tasks ready for 30 %");
  expect(stepWords("canary.retire", { canary: canaryOf({ ramp: [30] }) })).toBeNull();
});
