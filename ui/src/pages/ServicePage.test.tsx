import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { freezeUntilWords } from "../components/FreezeForm";
import { windowTime } from "../components/RecurringWindowsForm";
import { ago } from "../lib/format";
import { type Answer, endpoints, err, fakeApi, renderAt, service, signedIn } from "../test/fakeApi";

const project = { "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }] as [number, unknown] };
const deployment = (n: number, status: string) => ({
  id: `d${n}`, service_id: "s", project_id: "p", service_name: "web", kind: "web", number: n, image: "nginx:1.27", status,
  reason: null, error: null, steps: [], rollback_of: null, rollback_of_number: null, actor: "ada@example.com",
  created: "2026-11-26T17:40:00Z", updated: "2026-11-26T17:40:03Z", finished: status === "deploying" ? null : "2026-11-26T17:40:03Z",
});
const empty = (): [number, unknown] => [200, { items: [], next: null }];

test("a delete that failed says why and what to do; Retry delete sends the DELETE again", async () => {
  session.set("t");
  const error = "deleting the ECS service lb-svc: AWS account connection 'prod': the role arn:aws:iam::1:role/x does not exist";
  let current = { ...service, status: "deleting", teardown: { state: "failed", error, updated: "2026-11-26T17:40:00Z" } };
  const calls = fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/deployments": empty, "GET /v1/orgs/o/services/s/releases": empty,
    "DELETE /v1/orgs/o/services/s": () => {
      current = { ...current, teardown: { state: "queued", error: null as unknown as string, updated: "2026-11-26T17:41:00Z" } };
      return [202, current];
    },
  });
  renderAt("/orgs/o/services/s");
  const alert = await screen.findByText(/Deleting this service failed/, {}, { timeout: 5000 });
  const box = alert.closest(".outcome") as HTMLElement;
  expect(within(box).getByText(error)).toBeTruthy();
  expect(box.textContent).toMatch(/Fix the cause .* then retry the delete/);
  expect((screen.getByRole("button", { name: "Deploy" }) as HTMLButtonElement).disabled).toBe(true);
  await userEvent.click(within(box).getByRole("button", { name: "Retry delete" }));
  expect(await screen.findByText("Deleting: removing what this service runs in AWS…")).toBeTruthy();
  expect(screen.queryByText(/Deleting this service failed/)).toBeNull();
  expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/v1/orgs/o/services/s"]);
});

test("a live web service shows its address: the custom domain as a link, the load balancer with its Host", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d1", endpoints, sandbox: true }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [deployment(1, "live")], next: null }],
    "GET /v1/orgs/o/services/s/releases": empty,
  });
  renderAt("/orgs/o/services/s");
  const dd = (await screen.findByText("Address", {}, { timeout: 5000 })).nextElementSibling as HTMLElement;
  expect(within(dd).getByRole("link", { name: "http://shop.example.com/" }).getAttribute("href")).toBe("http://shop.example.com/");
  expect(within(dd).getByText(endpoints.try)).toBeTruthy();
  expect(dd.textContent).toContain("sandbox: the address is simulated");
});

test("the address over HTTPS once served so, and each alias's address, each marked HTTPS or HTTP only", async () => {
  session.set("t");
  const secure = { ...endpoints, url: "https://shop.example.com/", https: true,
    aliases: ["https://www.shop.example.com/", "http://api.shop.example.com/"] };
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d1", endpoints: secure, domain: "shop.example.com",
      aliases: ["www.shop.example.com", "api.shop.example.com"] }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [deployment(1, "live")], next: null }],
    "GET /v1/orgs/o/services/s/releases": empty,
  });
  renderAt("/orgs/o/services/s");
  const dd = (await screen.findByText("Address", {}, { timeout: 5000 })).nextElementSibling as HTMLElement;
  const rows = [...dd.querySelectorAll(".address")].map((row) => [row.querySelector("a")!.getAttribute("href"), row.querySelector(".badge")!.textContent]);
  expect(rows).toEqual([["https://shop.example.com/", "HTTPS"], ["https://www.shop.example.com/", "HTTPS"], ["http://api.shop.example.com/", "HTTP only"]]);
  expect(within(dd).getByRole("link", { name: "https://www.shop.example.com/" })).toBeTruthy();
  expect(within(dd).getByText(endpoints.try)).toBeTruthy();
});

test("a live web service shows its private address for the environment's other services", async () => {
  session.set("t");
  const address = "web.production.shop.k3x9ab.internal:80";
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d1", endpoints, private_address: address }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [deployment(1, "live")], next: null }],
    "GET /v1/orgs/o/services/s/releases": empty,
  });
  renderAt("/orgs/o/services/s");
  const dd = (await screen.findByText("Private address", {}, { timeout: 5000 })).nextElementSibling as HTMLElement;
  expect(within(dd).getByText(address)).toBeTruthy();
  expect(within(dd).getByText("production.shop.k3x9ab.internal")).toBeTruthy();
  expect(dd.textContent).toContain("LAUNCHBAY_PRIVATE_DOMAIN");
});

test("a service with nothing live has no address", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: null, endpoints: null }],
    "GET /v1/orgs/o/services/s/deployments": empty, "GET /v1/orgs/o/services/s/releases": empty,
  });
  renderAt("/orgs/o/services/s");
  expect(await screen.findByText("not deployed yet", {}, { timeout: 5000 })).toBeTruthy();
  expect(screen.queryByText("Address")).toBeNull();
  expect(screen.queryByText("Private address")).toBeNull();
});

test("the last error names its deployment when that is not the live release", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d1", last_error: "health check on / returned 502",
                                               last_error_deployment: { deployment_id: "d2", number: 2 } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [deployment(2, "rolled_back"), deployment(1, "live")], next: null }],
    "GET /v1/orgs/o/services/s/releases": empty,
  });
  renderAt("/orgs/o/services/s");
  const dd = (await screen.findByText("Last error", {}, { timeout: 5000 })).nextElementSibling as HTMLElement;
  expect(dd.textContent).toBe("deployment #2 (not the live release): health check on / returned 502");
  expect(within(dd).getByRole("link", { name: "deployment #2" }).getAttribute("href")).toBe("/orgs/o/deployments/d2");
});

test("the summary is read again when a deployment settles: a later live release clears the last error", async () => {
  session.set("t");
  let settled = false;
  const before = { ...service, live_deployment_id: "d1", last_error: "health check on / returned 502",
                   last_error_deployment: { deployment_id: "d2", number: 2 } };
  const calls = fakeApi({
    ...signedIn(), ...project,
    // the service stays `live` while #3 is queued and rolls out: only the deployments are polled
    "GET /v1/orgs/o/services/s": () => [200, settled ? { ...before, live_deployment_id: "d3", last_error: null, last_error_deployment: null } : before],
    "GET /v1/orgs/o/services/s/deployments": () => {
      const answer = { items: [deployment(3, settled ? "live" : "deploying"), deployment(2, "rolled_back"), deployment(1, "live")], next: null };
      settled = true;   // the next look finds #3 live
      return [200, answer];
    },
    "GET /v1/orgs/o/services/s/releases": empty,
  });
  renderAt("/orgs/o/services/s");
  expect(await screen.findByText("Last error", {}, { timeout: 5000 })).toBeTruthy();
  await waitFor(() => expect(screen.queryByText("Last error")).toBeNull(), { timeout: 6000 });
  expect(calls.filter((c) => c.path === "/v1/orgs/o/services/s").length).toBe(2);
}, 20_000);

test("Settings deletes the service after its name is typed again, then shows the project (the service deleting)", async () => {
  session.set("t");
  let current: typeof service & { teardown?: unknown } = { ...service };
  const calls = fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/deployments": empty, "GET /v1/orgs/o/services/s/releases": empty,
    "GET /v1/orgs/o/projects/p/environments": empty,
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [current], next: null }],
    "DELETE /v1/orgs/o/services/s": () => {
      current = { ...current, status: "deleting", teardown: { state: "queued", error: null, updated: "2026-11-26T17:41:00Z" } };
      return [202, current];
    },
  });
  const router = renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Delete web…" }, { timeout: 5000 }));
  const confirm = screen.getByRole("button", { name: "Delete web" }) as HTMLButtonElement;
  await user.type(screen.getByLabelText("Type web to confirm"), "we");
  expect(confirm.disabled).toBe(true);   // not before the whole name
  await user.type(screen.getByLabelText("Type web to confirm"), "b");
  await user.click(confirm);
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o/projects/p"));
  expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/v1/orgs/o/services/s"]);
});

test("a viewer sees no Delete", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/me": () => [200, { user: { id: "u", email: "v@example.com" }, organizations: [{ id: "o", name: "Acme", role: "viewer" }] }],
    "GET /v1/orgs/o/services/s": () => [200, service],
    "GET /v1/orgs/o/services/s/deployments": empty, "GET /v1/orgs/o/services/s/releases": empty,
  });
  renderAt("/orgs/o/services/s/settings");
  expect(await screen.findByText(/Your role reads this service only/, {}, { timeout: 5000 })).toBeTruthy();
  expect(screen.queryByRole("button", { name: /Delete/ })).toBeNull();
});

test("Restart asks first, says a restart leaves pending changes out, then follows the restart on its deployment page", async () => {
  session.set("t");
  const calls = fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d1", needs_deploy: true }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [deployment(1, "live")], next: null }],
    "GET /v1/orgs/o/services/s/releases": empty,
    "POST /v1/orgs/o/services/s/restart": () => [202, { ...deployment(2, "queued"), restart_of: "d1", restart_of_number: 1 }],
    "GET /v1/orgs/o/deployments/d2": () => [200, { ...deployment(2, "deploying"), restart_of: "d1", restart_of_number: 1 }],
    "GET /v1/orgs/o/deployments/d2/logs": () => [200, { lines: [], next: "0", more: false, status: "deploying", final: false }],
  });
  const router = renderAt("/orgs/o/services/s");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Restart" }, { timeout: 5000 }));
  const dialog = screen.getByRole("dialog", { name: "Restart web?" });
  expect(dialog.textContent).toContain("the same image, settings and secret versions");
  expect(dialog.textContent).toContain("a restart leaves them out. Deploy to apply them.");
  expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Restart now" }));
  await user.keyboard("{Escape}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

  await user.click(screen.getByRole("button", { name: "Restart" }));
  await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Restart now" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o/deployments/d2"));
  const post = calls.find((c) => c.method === "POST")!;
  expect(post.path).toBe("/v1/orgs/o/services/s/restart");
  expect(post.headers.get("Idempotency-Key")).toBeTruthy();
  expect(await screen.findByText(/restart of release #1/, {}, { timeout: 5000 })).toBeTruthy();
});

test("no Restart for a cron service, nor for one with nothing live", async () => {
  session.set("t");
  let current: Record<string, unknown> = { ...service, kind: "cron", schedule: "rate(1 hour)", live_deployment_id: "d1" };
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/deployments": empty, "GET /v1/orgs/o/services/s/releases": empty,
  });
  renderAt("/orgs/o/services/s");
  await screen.findByRole("button", { name: "Deploy" }, { timeout: 5000 });
  expect(screen.queryByRole("button", { name: "Restart" })).toBeNull();
  current = { ...service, live_deployment_id: null };
  renderAt("/orgs/o/services/s");
  await waitFor(() => expect(screen.getAllByRole("button", { name: "Deploy" })).toHaveLength(2));
  expect(screen.queryByRole("button", { name: "Restart" })).toBeNull();
});

test("Suspend asks first, then the service says suspended with a Resume that follows the resume deployment", async () => {
  session.set("t");
  let current: Record<string, unknown> = { ...service, status: "live", live_deployment_id: "d1" };
  const suspended = { at: "2026-11-27T09:00:00Z", by: "ada@example.com" };
  const calls = fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [deployment(1, "live")], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [
      { deployment_id: "d1", number: 1, image: "nginx:1.27", actor: "ada@example.com", created: "2026-11-27T08:00:00Z", finished: null, current: true, secret_versions: {} },
      { deployment_id: "d0", number: 0, image: "nginx:1.26", actor: "ada@example.com", created: "2026-11-27T07:00:00Z", finished: null, current: false, secret_versions: {} },
    ], next: null }],
    "POST /v1/orgs/o/services/s/suspend": () => {
      current = { ...current, status: "suspended", suspended };
      return [202, { ...current, status: "suspending" }];
    },
    "POST /v1/orgs/o/services/s/resume": () => [202, { ...deployment(2, "queued"), resume_of: "d1", resume_of_number: 1 }],
    "GET /v1/orgs/o/deployments/d2": () => [200, { ...deployment(2, "deploying"), resume_of: "d1", resume_of_number: 1 }],
    "GET /v1/orgs/o/deployments/d2/logs": () => [200, { lines: [], next: "0", more: false, status: "deploying", final: false }],
  });
  const router = renderAt("/orgs/o/services/s");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Suspend" }, { timeout: 5000 }));
  const dialog = screen.getByRole("dialog", { name: "Suspend web?" });
  expect(dialog.textContent).toContain("Every task stops and autoscaling is held at 0");
  expect(dialog.textContent).toContain("503 service suspended");
  expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Cancel" }));   // a stop: not the default
  await user.keyboard("{Escape}");
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

  await user.click(screen.getByRole("button", { name: "Suspend" }));
  await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Suspend" }));
  await waitFor(() => expect(document.querySelector("h1 [data-status]")?.textContent).toBe("suspended"));
  expect(calls.find((c) => c.method === "POST")!.headers.get("Idempotency-Key")).toBeTruthy();
  expect(screen.getByTestId("suspended").textContent).toContain("No tasks run. Since");
  expect(screen.queryByRole("button", { name: "Restart" })).toBeNull();
  expect((screen.getByRole("button", { name: "Deploy" }) as HTMLButtonElement).disabled).toBe(true);
  expect((screen.getByRole("button", { name: "Roll back to #0" }) as HTMLButtonElement).disabled).toBe(true);   // 409 while suspended

  await user.click(screen.getByRole("button", { name: "Resume" }));
  await user.click(within(screen.getByRole("dialog", { name: "Resume web?" })).getByRole("button", { name: "Resume now" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o/deployments/d2"));
  expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(
    ["/v1/orgs/o/services/s/suspend", "/v1/orgs/o/services/s/resume"]);
  expect(await screen.findByText(/resume of release #1/, {}, { timeout: 5000 })).toBeTruthy();
});

// put to sleep by its environment's sleep schedule (chalicelib/deploys/sleep.py): `suspended.sleep`, why and until when
const SLEEP_UNTIL = "2026-12-01T06:00:00.000000Z";
const asleep = {
  at: "2026-11-30T19:00:01Z", by: "launchbay (sleep schedule of production)", sleep: true, reason: "outside working hours",
  until: SLEEP_UNTIL, error: null,
};
const sleeping = (role = "owner"): Record<string, Answer> => ({
  ...signedIn(), ...project,
  "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com" }, organizations: [{ id: "o", name: "Acme", role }] }],
  "GET /v1/orgs/o/services/s": () => [200, { ...service, status: "suspended", live_deployment_id: "d1", needs_deploy: false, suspended: asleep }],
  "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [deployment(1, "live")], next: null }],
  "GET /v1/orgs/o/services/s/releases": empty,
  "POST /v1/orgs/o/services/s/resume": () => [202, { ...deployment(2, "queued"), resume_of: "d1", resume_of_number: 1 }],
  "GET /v1/orgs/o/deployments/d2": () => [200, { ...deployment(2, "deploying"), resume_of: "d1", resume_of_number: 1 }],
  "GET /v1/orgs/o/deployments/d2/logs": () => [200, { lines: [], next: "0", more: false, status: "deploying", final: false }],
});

test("asleep by its environment's sleep schedule: the notice says until when (local time) and that Resume wakes it now", async () => {
  session.set("t");
  const calls = fakeApi(sleeping());
  const router = renderAt("/orgs/o/services/s");
  const box = await screen.findByTestId("suspended", {}, { timeout: 5000 });
  expect(box.querySelector("dd")!.textContent).toBe(
    `No tasks run. It sleeps by the production environment's sleep schedule until ${windowTime(SLEEP_UNTIL)} (outside working hours) ` +
    `and wakes by itself then. Resume wakes it now. Asleep since ${new Date(asleep.at).toLocaleString()}.`);
  expect(windowTime(SLEEP_UNTIL)).toMatch(/\d/);
  const deploy = screen.getByRole("button", { name: "Deploy" }) as HTMLButtonElement;
  expect(deploy.disabled).toBe(true);
  expect(deploy.title).toBe(`Asleep until ${windowTime(SLEEP_UNTIL)}: resume it first`);

  const user = userEvent.setup();
  await user.click(screen.getByRole("button", { name: "Resume" }));
  const dialog = screen.getByRole("dialog", { name: "Resume web?" });
  expect(dialog.textContent).toContain(`It sleeps by the production environment's sleep schedule until ${windowTime(SLEEP_UNTIL)}`);
  expect(dialog.textContent).toContain("Resuming wakes it now; it stays up until the schedule next puts it to sleep.");
  await user.click(within(dialog).getByRole("button", { name: "Resume now" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o/deployments/d2"));
  expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(["/v1/orgs/o/services/s/resume"]);
});

test("asleep, for a viewer: the same words, with who can wake it instead of a Resume", async () => {
  session.set("t");
  fakeApi(sleeping("viewer"));
  renderAt("/orgs/o/services/s");
  const box = await screen.findByTestId("suspended", {}, { timeout: 5000 });
  expect(box.textContent).toContain(`until ${windowTime(SLEEP_UNTIL)} (outside working hours) and wakes by itself then.`);
  expect(box.textContent).toContain("Someone with the developer role or higher can wake it now with Resume.");
  expect(box.textContent).not.toContain("by launchbay");
  expect(screen.queryByRole("button", { name: "Resume" })).toBeNull();
});

// A deploy freeze (chalicelib/catalog/environments.py): GET …/environments/{env} answers `freeze` while it lasts
const ENV = "/v1/orgs/o/projects/p/environments/env_prod";
const environment = (freeze: Record<string, unknown> | null) => ({
  id: "env_prod", project_id: "p", name: "production", domain_suffix: null, env: {}, require_approval: false, freeze,
});
const blackFriday = { reason: "Black Friday", until: "2026-11-30T08:00:00Z", by: "ada@example.com", at: "2026-11-26T17:40:00Z" };
const releaseOf = (n: number, current: boolean) => ({
  deployment_id: `d${n}`, number: n, image: `nginx:1.2${n}`, actor: "ada@example.com", created: "2026-11-26T17:40:00Z",
  finished: "2026-11-26T17:40:03Z", current, secret_versions: {},
});
const liveService = (over: Record<string, unknown> = {}): Record<string, Answer> => ({
  ...signedIn(), ...project,
  "GET /v1/orgs/o/services/s": () => [200, { ...service, environment_id: "env_prod", live_deployment_id: "d2", needs_deploy: false }],
  "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [deployment(2, "live"), deployment(1, "live")], next: null }],
  "GET /v1/orgs/o/services/s/releases": () => [200, { items: [releaseOf(2, true), releaseOf(1, false)], next: null }],
  ...over,
});

test("a frozen environment: the notice by Deploy (why, until when, who), Deploy disabled and described by it; rollback and restart stay", async () => {
  session.set("t");
  const calls = fakeApi(liveService({ [`GET ${ENV}`]: () => [200, environment(blackFriday)] }));
  renderAt("/orgs/o/services/s");
  const notice = await screen.findByTestId("frozen", {}, { timeout: 5000 });
  expect(notice.textContent).toBe(
    `frozen The production environment is frozen ${freezeUntilWords(blackFriday)}: Black Friday. New deploys are refused; ` +
    `rollbacks and restarts still run. Frozen by ada@example.com (${ago(blackFriday.at)}). Lift it under the project's environments.`);
  expect(freezeUntilWords(blackFriday)).toMatch(/^until /);   // the local time, as the environments page says it
  expect(within(notice).getByRole("link", { name: "environments" }).getAttribute("href")).toBe("/orgs/o/projects/p");
  expect(notice.closest("[aria-live=polite]")).toBeTruthy();   // a freeze set while the page is open is said

  const deploy = screen.getByRole("button", { name: "Deploy" }) as HTMLButtonElement;
  expect(deploy.disabled).toBe(true);
  expect(deploy.getAttribute("aria-describedby")).toBe(notice.id);
  expect(deploy.title).toBe("production is frozen: new deploys are refused");
  expect((screen.getByRole("button", { name: "Restart" }) as HTMLButtonElement).disabled).toBe(false);
  expect((await screen.findByRole("button", { name: "Roll back to #1" }) as HTMLButtonElement).disabled).toBe(false);
  expect(calls.filter((c) => c.path === ENV)).toHaveLength(1);   // its environment, by id
});

test("not frozen: no notice and Deploy works; a deploy refused by a freeze set meanwhile reads the environment again", async () => {
  session.set("t");
  let frozen = false;
  const calls = fakeApi(liveService({
    [`GET ${ENV}`]: () => [200, environment(frozen ? { ...blackFriday, until: null } : null)],
    "GET /v1/orgs/o/services/s/plan": () => [200, { service_id: "s", sandbox: true, summary: { "no-op": 0 }, message: "nothing to change", steps: [] }],
    "POST /v1/orgs/o/services/s/deployments": () => {
      frozen = true;   // someone froze production after the page read it
      return [409, err("conflict", "the production environment is frozen: Black Friday (rollbacks and restarts still run; an admin lifts it with `launchbay envs unfreeze production`)", "environment")];
    },
  }));
  renderAt("/orgs/o/services/s");
  const user = userEvent.setup();
  const deploy = await screen.findByRole("button", { name: "Deploy" }, { timeout: 5000 }) as HTMLButtonElement;
  await waitFor(() => expect(calls.filter((c) => c.path === ENV)).toHaveLength(1));
  expect(screen.queryByTestId("frozen")).toBeNull();
  expect(deploy.disabled).toBe(false);
  expect(deploy.getAttribute("aria-describedby")).toBeNull();

  await user.click(deploy);
  const dialog = await screen.findByRole("dialog");
  const now = await within(dialog).findByRole("button", { name: "Deploy now" });
  await waitFor(() => expect((now as HTMLButtonElement).disabled).toBe(false));   // once the plan is read
  await user.click(now);
  expect((await within(dialog).findByText(/^the production environment is frozen/)).getAttribute("role")).toBe("alert");
  const notice = await screen.findByTestId("frozen");
  expect(notice.textContent).toContain("The production environment is frozen until lifted: Black Friday.");
  expect(calls.filter((c) => c.path === ENV)).toHaveLength(2);
});

test("a viewer sees the freeze too, without the way to lift it", async () => {
  session.set("t");
  fakeApi(liveService({
    "GET /v1/me": () => [200, { user: { id: "u", email: "v@example.com" }, organizations: [{ id: "o", name: "Acme", role: "viewer" }] }],
    [`GET ${ENV}`]: () => [200, environment(blackFriday)],
  }));
  renderAt("/orgs/o/services/s");
  const notice = await screen.findByTestId("frozen", {}, { timeout: 5000 });
  expect(notice.textContent).toContain("New deploys are refused; rollbacks and restarts still run.");
  expect(within(notice).queryByRole("link")).toBeNull();
  expect(screen.queryByRole("button", { name: "Deploy" })).toBeNull();
});

test("a web service's canary setting in the summary, and its deployments' canaries in a word in the history", async () => {
  session.set("t");
  const watching = { ...deployment(3, "deploying"), canary: { percent: 10, minutes: 5, max_5xx_percent: 2, state: "watching", tasks: 1,
    retired: false, requests: 312, http_5xx: 1, watch_started: "2026-11-26T17:40:00Z", watch_ends: "2026-11-26T17:45:00Z", proceed: null } };
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d1", canary: { percent: 10, minutes: 5, max_5xx_percent: 2 } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [watching, deployment(1, "live")], next: null }],
    "GET /v1/orgs/o/services/s/releases": empty,
  });
  renderAt("/orgs/o/services/s");
  const setting = await screen.findByTestId("canary-setting", {}, { timeout: 5000 });
  expect(setting.textContent).toBe("10 % for 5 min, rolls back above 2 % 5xx");
  expect(setting.previousElementSibling!.textContent).toBe("Canary");
  const rows = await screen.findAllByRole("link", { name: /^#\d/ });
  expect(rows[0]!.querySelector("small")!.textContent).toMatch(/^canary watching · ada@example.com/);
  expect(rows[1]!.querySelector("small")!.textContent).toMatch(/^ada@example.com/);
});

test("no canary setting: none in the summary", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d1", canary: null }],
    "GET /v1/orgs/o/services/s/deployments": empty, "GET /v1/orgs/o/services/s/releases": empty,
  });
  renderAt("/orgs/o/services/s");
  await screen.findByText("Health check", {}, { timeout: 5000 });
  expect(screen.queryByTestId("canary-setting")).toBeNull();
  expect(screen.queryByText("Canary")).toBeNull();
});

test("a web service reachable from some addresses only says so in the summary; everyone: no line", async () => {
  session.set("t");
  let ips: string[] | null = ["203.0.113.0/24", "2001:db8::/32"];
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, live_deployment_id: "d1", allowed_ips: ips }],
    "GET /v1/orgs/o/services/s/deployments": empty, "GET /v1/orgs/o/services/s/releases": empty,
  });
  renderAt("/orgs/o/services/s");
  const line = await screen.findByTestId("allowed-ips", {}, { timeout: 5000 });
  expect(line.previousElementSibling!.textContent).toBe("Reachable from");
  expect(line.textContent).toBe("203.0.113.0/24, 2001:db8::/32");
  cleanup();

  for (const none of [[], null]) {
    ips = none;
    renderAt("/orgs/o/services/s");
    await screen.findByText("Health check", {}, { timeout: 5000 });
    expect(screen.queryByTestId("allowed-ips")).toBeNull();
    expect(screen.queryByText("Reachable from")).toBeNull();
    cleanup();
  }
});

test("a web service without a list of its own says its environment's; its own list wins; a worker says none", async () => {
  session.set("t");
  let own: string[] | null = null;
  let kind = "web";
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, kind, environment_id: "env_prod", live_deployment_id: "d1", allowed_ips: own }],
    "GET /v1/orgs/o/services/s/deployments": empty, "GET /v1/orgs/o/services/s/releases": empty,
    "GET /v1/orgs/o/projects/p/environments/env_prod": () => [200, {
      id: "env_prod", project_id: "p", name: "production", domain_suffix: null, env: {}, freeze: null, allowed_ips: ["203.0.113.0/24"],
    }],
  });
  renderAt("/orgs/o/services/s");
  const line = await screen.findByTestId("allowed-ips", {}, { timeout: 5000 });
  expect(line.previousElementSibling!.textContent).toBe("Reachable from");
  expect(line.textContent).toBe("203.0.113.0/24 (its environment's)");
  cleanup();

  own = ["198.51.100.7/32"];   // the service's own list wins
  renderAt("/orgs/o/services/s");
  await waitFor(() => expect(screen.getByTestId("allowed-ips").textContent).toBe("198.51.100.7/32"), { timeout: 5000 });
  cleanup();

  own = null;
  kind = "worker";   // no load balancer: nothing to say
  renderAt("/orgs/o/services/s");
  await screen.findByText("Kind", {}, { timeout: 5000 });
  await screen.findByText("worker");
  expect(screen.queryByTestId("allowed-ips")).toBeNull();
  cleanup();
});

// Maintenance mode (chalicelib/deploys/maintenance.py): PUT …/maintenance on (or a new message), DELETE off; both answer the service
const MAINTENANCE_SINCE = "2026-11-28T09:30:00Z";
const maintenanceApi = (role = "owner", over: Record<string, unknown> = {}) => {
  let current: Record<string, unknown> = { ...service, live_deployment_id: "d1", needs_deploy: false, maintenance: null, endpoints, ...over };
  const calls = fakeApi({
    ...signedIn(), ...project,
    "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com" }, organizations: [{ id: "o", name: "Acme", role }] }],
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [deployment(1, "live")], next: null }],
    "GET /v1/orgs/o/services/s/releases": empty,
    "PUT /v1/orgs/o/services/s/maintenance": async (req) => {
      const body = JSON.parse(await req.text()) as { message?: string };
      if ((body.message ?? "").includes("deploy")) {   // as if a deployment had started meanwhile
        return [409, err("conflict", "deployment #2 is deploying: switch maintenance once it has settled (it routes the hosts itself)", "status")];
      }
      const was = current.maintenance as { since: string } | null;
      current = { ...current, maintenance: { message: body.message ?? "We are working on it and will be back shortly.",
        since: was?.since ?? MAINTENANCE_SINCE, by: "ada@example.com" } };
      return [200, current];
    },
    "DELETE /v1/orgs/o/services/s/maintenance": () => { current = { ...current, maintenance: null }; return [200, current]; },
  });
  return calls;
};

test("Maintenance: turned on with the default message explained, the banner says since when, by whom and the page's words; changed; ended after asking", async () => {
  session.set("t");
  const calls = maintenanceApi();
  renderAt("/orgs/o/services/s");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Maintenance" }, { timeout: 5000 }));
  let dialog = screen.getByRole("dialog", { name: "Turn on maintenance for web?" });
  expect(dialog.textContent).toContain("503 page");
  expect(dialog.textContent).toContain("Its tasks keep running");
  const message = within(dialog).getByLabelText("Message (optional)");
  expect(document.activeElement).toBe(message);
  expect(message.getAttribute("aria-describedby")).toBeTruthy();
  expect(document.getElementById(message.getAttribute("aria-describedby")!)!.textContent)
    .toBe("Shown as text, not HTML; at most 500 characters. Empty: “We are working on it and will be back shortly.”");
  await user.keyboard("{Escape}");
  expect(calls.filter((c) => c.method !== "GET")).toHaveLength(0);

  // empty: the API's default message
  await user.click(screen.getByRole("button", { name: "Maintenance" }));
  dialog = screen.getByRole("dialog", { name: "Turn on maintenance for web?" });
  await user.click(within(dialog).getByRole("button", { name: "Turn on maintenance" }));
  const banner = await screen.findByTestId("maintenance");
  expect(calls.find((c) => c.method === "PUT")!.body).toEqual({});
  expect(banner.querySelector("strong")!.textContent).toBe(`In maintenance since ${new Date(MAINTENANCE_SINCE).toLocaleString()} by ` +
    "ada@example.com: visitors get a 503 page saying “We are working on it and will be back shortly.”.");
  expect(banner.textContent).toContain("Its tasks keep running; deploys made meanwhile roll out behind the page");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(screen.getByText("in maintenance: every address answers the 503 maintenance page")).toBeTruthy();

  // a new message: the field starts with the current one; since stays
  await user.click(within(banner).getByRole("button", { name: "Change the message" }));
  dialog = screen.getByRole("dialog", { name: "Change the maintenance message of web" });
  const field = within(dialog).getByLabelText("Message (optional)") as HTMLTextAreaElement;
  expect(field.value).toBe("We are working on it and will be back shortly.");
  const save = within(dialog).getByRole("button", { name: "Change the message" }) as HTMLButtonElement;
  expect(save.disabled).toBe(true);   // nothing changed yet
  await user.clear(field);
  await user.type(field, "x".repeat(501));
  await user.click(save);
  expect(within(dialog).getByRole("alert").textContent).toBe("at most 500 characters (now 501)");
  expect(calls.filter((c) => c.method === "PUT")).toHaveLength(1);   // not sent
  await user.clear(field);
  await user.type(field, "  Moving to a bigger database; back at 14:00  ");
  await user.click(save);
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(calls.filter((c) => c.method === "PUT").at(-1)!.body).toEqual({ message: "Moving to a bigger database; back at 14:00" });
  expect(screen.getByTestId("maintenance").textContent).toContain(
    `since ${new Date(MAINTENANCE_SINCE).toLocaleString()} by ada@example.com: visitors get a 503 page saying “Moving to a bigger database; back at 14:00”.`);

  // ended: asked first, Cancel leaves it on
  await user.click(screen.getByRole("button", { name: "End maintenance" }));
  dialog = screen.getByRole("dialog", { name: "End maintenance for web?" });
  expect(dialog.textContent).toContain("visitors get the live release instead of the 503 page");
  await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
  expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(0);
  await user.click(screen.getByRole("button", { name: "End maintenance" }));
  await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "End maintenance" }));
  await waitFor(() => expect(screen.queryByTestId("maintenance")).toBeNull());
  expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/v1/orgs/o/services/s/maintenance"]);
  expect(screen.getByRole("button", { name: "Maintenance" })).toBeTruthy();
});

test("Maintenance refused (409): what did not happen and the API's reason, in the dialog; the service read again", async () => {
  session.set("t");
  const calls = maintenanceApi();
  renderAt("/orgs/o/services/s");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Maintenance" }, { timeout: 5000 }));
  const dialog = screen.getByRole("dialog", { name: "Turn on maintenance for web?" });
  await user.type(within(dialog).getByLabelText("Message (optional)"), "a deploy is running");
  const reads = calls.filter((c) => c.method === "GET" && c.path === "/v1/orgs/o/services/s").length;
  await user.click(within(dialog).getByRole("button", { name: "Turn on maintenance" }));
  expect((await within(dialog).findByRole("alert")).textContent).toBe("Maintenance was not turned on: deployment #2 is deploying: " +
    "switch maintenance once it has settled (it routes the hosts itself).");
  await waitFor(() => expect(calls.filter((c) => c.method === "GET" && c.path === "/v1/orgs/o/services/s").length).toBeGreaterThan(reads));
  expect(screen.queryByTestId("maintenance")).toBeNull();
});

test("Maintenance: offered for a live web service only, held while a deployment is under way; a viewer sees the banner, no control", async () => {
  session.set("t");
  maintenanceApi("owner", { status: "deploying" });
  renderAt("/orgs/o/services/s");
  const held = await screen.findByRole("button", { name: "Maintenance" }, { timeout: 5000 }) as HTMLButtonElement;
  expect(held.disabled).toBe(true);
  expect(held.title).toBe("Not now: a deployment is under way: switch maintenance once it has settled (it routes the hosts itself)");
  cleanup();

  for (const over of [{ kind: "worker", port: null }, { live_deployment_id: null }, { status: "suspended", suspended: { at: MAINTENANCE_SINCE, by: "ada@example.com" } }]) {
    maintenanceApi("owner", over);
    renderAt("/orgs/o/services/s");
    await screen.findByRole("button", { name: "Deploy" }, { timeout: 5000 });
    expect(screen.queryByRole("button", { name: "Maintenance" }), JSON.stringify(over)).toBeNull();
    cleanup();
  }

  const on = { message: "Back at 14:00", since: MAINTENANCE_SINCE, by: "ada@example.com" };
  maintenanceApi("viewer", { maintenance: on });
  renderAt("/orgs/o/services/s");
  const banner = await screen.findByTestId("maintenance", {}, { timeout: 5000 });
  expect(banner.textContent).toContain("visitors get a 503 page saying “Back at 14:00”.");
  expect(within(banner).queryByRole("button")).toBeNull();
  expect(screen.queryByRole("button", { name: "End maintenance" })).toBeNull();
  cleanup();

  // suspended meanwhile: the banner says the load balancer's own 503 answers until the resume
  maintenanceApi("owner", { maintenance: on, status: "suspended", suspended: { at: MAINTENANCE_SINCE, by: "ada@example.com" } });
  renderAt("/orgs/o/services/s");
  expect((await screen.findByTestId("maintenance", {}, { timeout: 5000 })).textContent)
    .toContain("While it is suspended its hosts answer 503 service suspended instead; the page is back once it resumes.");
  expect(screen.queryByRole("button", { name: "Change the message" })).toBeNull();
  expect(screen.queryByRole("button", { name: "End maintenance" })).toBeNull();
});
