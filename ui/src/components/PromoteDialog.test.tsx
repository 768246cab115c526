import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { type Answer, err, fakeApi, renderAt, signedIn } from "../test/fakeApi";
import { defaultTarget, promoteButtonWords, promoteSummaryWords, shortImage, type PromoteEntry, type PromotePlan } from "./PromoteDialog";

const ENVS = "/v1/orgs/o/projects/p/environments";
const PROMOTE = `${ENVS}/staging/promote`;
const env = (name: string, over: Record<string, unknown> = {}) => ({
  id: "env_" + name, project_id: "p", name, domain_suffix: null, env: {}, aws_account_id: null, region: null,
  deploys_to: "platform account", effective_region: "us-east-1", require_approval: name === "production", ...over,
});
const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/launchbay/o/web";
const release = (number: number, digest: string, sha: string | null) => ({
  deployment_id: `d${number}`, number, service_id: "svc_" + number, image: `${ECR}@sha256:${digest}`,
  commit: sha ? { sha, message: "fix the cart", author: "ada" } : null,
});

// The shape chalicelib/deploys/promote.py answers (tests/deploys/test_promote.py).
const web: PromoteEntry = {
  service: "web", kind: "web", from: release(12, "4be1c0ffee1234567890abcdef", "3f2c9e1aa0b1c2d3e4f5"),
  to: { service_id: "svc_web_prod", kind: "web", status: "live", live: release(9, "91ac7e00aa11bb22cc33", "8d1e2aa99") },
  action: "deploy", approval: true, reason: "deploys staging's release #12 to production (waits for approval by an admin or owner)",
  warnings: ["web in production lacks what staging gives it: STRIPE_KEY (secret)"],
};
const worker: PromoteEntry = {
  service: "worker", kind: "worker", from: { ...release(4, "aa", null), image: "busybox:1.36" },
  to: { service_id: "svc_worker_prod", kind: "worker", status: "live", live: null },
  action: "deploy", approval: true, reason: "deploys staging's release #4 to production (waits for approval by an admin or owner)", warnings: [],
};
const api_: PromoteEntry = {
  service: "api", kind: "web", from: null, to: { service_id: "svc_api_prod", kind: "web", status: "live", live: null },
  action: "skip", approval: false, reason: "api has no live release in staging", warnings: [],
};
const jobs: PromoteEntry = {
  service: "jobs", kind: "cron", from: release(3, "cc", null), to: { service_id: "svc_jobs_prod", kind: "cron", status: "suspended", live: null },
  action: "skip", approval: false, reason: "jobs in production is suspended: resume it first", warnings: [],
};
const plan = (services: PromoteEntry[], to = "production"): PromotePlan => ({
  from: { id: "env_staging", name: "staging" }, to: { id: "env_" + to, name: to, require_approval: to === "production" }, services,
  summary: { deploy: services.filter((e) => e.action === "deploy").length, skip: services.filter((e) => e.action !== "deploy").length,
    approval: services.filter((e) => e.action === "deploy" && e.approval).length },
});

const projectPage = (over: Record<string, Answer>, role = "owner"): Record<string, Answer> => ({
  ...signedIn(),
  "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com" }, organizations: [{ id: "o", name: "Acme", role }] }],
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
  "GET /v1/orgs/o/aws-accounts": () => [200, { items: [], next: null }],
  [`GET ${ENVS}`]: () => [200, { items: [env("dev"), env("production"), env("staging")], next: null }],
  ...over,
});

async function openDialog() {
  const user = userEvent.setup();
  renderAt("/orgs/o/projects/p");
  const table = await screen.findByRole("table", { name: "Environments" });
  await user.click(await within(table).findByRole("button", { name: "Promote staging…" }));
  return { user, dialog: await screen.findByRole("dialog", { name: "Promote staging" }) };
}

test("the plan: production by default, each service's action, releases, why, the warnings marked, and the summary", async () => {
  session.set("t");
  const calls = fakeApi(projectPage({ [`GET ${PROMOTE}`]: () => [200, plan([api_, jobs, web])] }));
  const { dialog } = await openDialog();
  const select = within(dialog).getByLabelText("Promote to") as HTMLSelectElement;
  expect(select.value).toBe("production");   // production, though dev comes first
  expect([...select.options].map((o) => o.value)).toEqual(["dev", "production"]);   // never staging itself
  expect(document.activeElement).toBe(select);

  const table = await within(dialog).findByRole("table", { name: "Promotion plan: staging to production" });
  expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(
    ["Service", "What happens", "From staging", "Now in production", "Why"]);
  const row = (name: string) => within(table).getByRole("row", { name: new RegExp(`^${name}`) });
  const cells = (name: string) => within(row(name)).getAllByRole("cell").map((c) => c.textContent);
  expect(cells("web")[0]).toBe("Deploy waits for approval");
  expect(within(row("web")).getByText("…/launchbay/o/web@sha256:4be1c0ffee12")).toBeTruthy();
  expect(within(row("web")).getByText("…/launchbay/o/web@sha256:4be1c0ffee12").getAttribute("title")).toBe(web.from!.image);
  expect(within(row("web")).getByText("3f2c9e1")).toBeTruthy();
  expect(within(row("web")).getByText("8d1e2aa")).toBeTruthy();
  expect(within(row("web")).getAllByRole("cell")[2]!.textContent).toMatch(/^release #9 /);
  expect(cells("api").slice(0, 3)).toEqual(["Skip", "none", "none"]);
  expect(cells("jobs")[0]).toBe("Skip");
  expect(cells("api")[3]).toBe("api has no live release in staging");
  expect(cells("jobs")[3]).toBe("jobs in production is suspended: resume it first");

  const warnings = within(dialog).getByRole("region", { name: "Check first" });
  const items = within(warnings).getAllByRole("listitem");
  expect(items.map((i) => i.textContent)).toEqual(["Warning: web in production lacks what staging gives it: STRIPE_KEY (secret)"]);
  expect(within(dialog).getByText("1 will deploy, 2 skipped; 1 waits for approval")).toBeTruthy();
  // a checkbox on what would deploy (ticked), none on what is skipped
  expect(within(table).getAllByRole("checkbox").map((c) => [(c as HTMLInputElement).labels?.[0]?.textContent, (c as HTMLInputElement).checked]))
    .toEqual([["web", true]]);
  expect(within(row("api")).queryByRole("checkbox")).toBeNull();
  expect((within(dialog).getByRole("button", { name: "Promote 1 service" }) as HTMLButtonElement).disabled).toBe(false);
  expect(calls.filter((c) => c.path === PROMOTE).map((c) => [c.method, new URL(c.url).searchParams.get("to")])).toEqual([["GET", "production"]]);
}, 30_000);

test("Promote posts the target with an Idempotency-Key, then links each deployment with its status in words", async () => {
  session.set("t");
  const calls = fakeApi(projectPage({
    [`GET ${PROMOTE}`]: (req) => [200, plan([api_, web, worker], new URL(req.url).searchParams.get("to")!)],
    [`POST ${PROMOTE}`]: () => {
      const out = plan([api_, { ...web, deployment: { id: "d13", number: 13, status: "awaiting_approval" } },
        { ...worker, approval: false, deployment: { id: "d5", number: 5, status: "queued" } }]);
      return [202, out];
    },
  }));
  const { user, dialog } = await openDialog();
  await within(dialog).findByRole("table");
  await user.click(within(dialog).getByRole("button", { name: "Promote 2 services" }));
  await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
  const post = calls.find((c) => c.method === "POST")!;
  expect(post.body).toEqual({ to: "production", services: ["web", "worker"] });   // every ticked one, not the skipped api
  expect(post.headers.get("Idempotency-Key")).toMatch(/^[0-9a-f-]{36}$/);

  const heading = await within(dialog).findByRole("heading", { name: "Promoted staging to production" });
  expect(document.activeElement).toBe(heading);   // the Promote button is gone: focus on what happened
  expect(within(dialog).queryByRole("table")).toBeNull();
  const started = within(dialog).getByRole("list", { name: "Deployments started" });
  const link = within(started).getByRole("link", { name: "deployment #13" });
  expect(link.getAttribute("href")).toBe("/orgs/o/deployments/d13");
  expect(link.closest("li")!.textContent).toBe("web: deployment #13 waiting for approval");
  expect(within(started).getByRole("link", { name: "deployment #5" }).closest("li")!.textContent).toBe("worker: deployment #5 queued");
  expect(within(dialog).getByRole("list", { name: "Skipped" }).textContent).toContain("api: skipped, api has no live release in staging");
  await user.click(within(dialog).getByRole("button", { name: "Close" }));
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(document.activeElement).toBe(screen.getByRole("button", { name: "Promote staging…" }));   // back to what opened it
}, 30_000);

test("a subset: unticked services are left out, the button counts the rest, and the POST names exactly those", async () => {
  session.set("t");
  const api2 = { ...web, service: "api2", warnings: ["api2 in production lacks what staging gives it: TOKEN (secret)"] };
  const calls = fakeApi(projectPage({
    [`GET ${PROMOTE}`]: () => [200, plan([api_, api2, jobs, web, worker])],
    // the API answers for the services named: here web alone
    [`POST ${PROMOTE}`]: () => [202, plan([{ ...web, deployment: { id: "d13", number: 13, status: "awaiting_approval" } }])],
  }));
  const { user, dialog } = await openDialog();
  const table = await within(dialog).findByRole("table");
  const box = (name: string) => within(table).getByRole("checkbox", { name }) as HTMLInputElement;
  expect(within(table).getAllByRole("checkbox").map((c) => (c as HTMLInputElement).checked)).toEqual([true, true, true]);
  expect(within(dialog).getByText("3 will deploy, 2 skipped; 3 wait for approval")).toBeTruthy();
  expect(within(dialog).getByText(/TOKEN \(secret\)/)).toBeTruthy();

  // leave api2 and worker out (a click on the name ticks too: it labels the checkbox)
  await user.click(box("api2"));
  await user.click(within(table).getByText("worker"));
  expect([box("api2").checked, box("web").checked, box("worker").checked]).toEqual([false, true, false]);
  const cell = (name: string) => (table.querySelector(`tr[data-service=${name}] td`) as HTMLElement).textContent;
  expect(cell("api2")).toBe("Left out");
  expect(cell("web")).toBe("Deploy waits for approval");
  expect(within(dialog).getByText("1 will deploy, 2 left out, 2 skipped; 1 waits for approval")).toBeTruthy();
  expect(within(dialog).queryByText(/TOKEN \(secret\)/)).toBeNull();   // what is left out is not checked first

  await user.click(within(dialog).getByRole("button", { name: "Promote 1 service" }));
  await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
  expect(calls.find((c) => c.method === "POST")!.body).toEqual({ to: "production", services: ["web"] });
  const started = await within(dialog).findByRole("list", { name: "Deployments started" });
  expect(within(started).getAllByRole("listitem").map((li) => li.dataset.service)).toEqual(["web"]);
}, 30_000);

test("none ticked: Promote is disabled and says why; ticking one again enables it", async () => {
  session.set("t");
  const calls = fakeApi(projectPage({ [`GET ${PROMOTE}`]: () => [200, plan([api_, web, worker])] }));
  const { user, dialog } = await openDialog();
  const table = await within(dialog).findByRole("table");
  await user.click(within(table).getByRole("checkbox", { name: "web" }));
  await user.click(within(table).getByRole("checkbox", { name: "worker" }));
  const button = within(dialog).getByRole("button", { name: "Promote 0 services" }) as HTMLButtonElement;
  expect(button.disabled).toBe(true);
  const why = within(dialog).getByText("No service chosen: tick at least one to promote.");
  expect(button.getAttribute("aria-describedby")).toBe(why.id);
  expect(within(dialog).getByText("0 will deploy, 2 left out, 1 skipped")).toBeTruthy();
  await user.click(button);
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

  await user.click(within(table).getByRole("checkbox", { name: "worker" }));
  const again = within(dialog).getByRole("button", { name: "Promote 1 service" }) as HTMLButtonElement;
  expect(again.disabled).toBe(false);
  expect(again.getAttribute("aria-describedby")).toBeNull();
  expect(within(dialog).queryByText("No service chosen: tick at least one to promote.")).toBeNull();
}, 30_000);

test("another target reads its plan; nothing to deploy disables Promote and says why", async () => {
  session.set("t");
  const calls = fakeApi(projectPage({
    [`GET ${PROMOTE}`]: (req) => {
      const to = new URL(req.url).searchParams.get("to")!;
      return [200, to === "dev" ? plan([{ ...api_, reason: "api has no live release in staging" }], "dev") : plan([web], to)];
    },
  }));
  const { user, dialog } = await openDialog();
  expect(await within(dialog).findByText("1 will deploy, 0 skipped; 1 waits for approval")).toBeTruthy();
  await user.selectOptions(within(dialog).getByLabelText("Promote to"), "dev");
  expect(await within(dialog).findByRole("table", { name: "Promotion plan: staging to dev" })).toBeTruthy();
  expect(within(dialog).getByText("0 will deploy, 1 skipped")).toBeTruthy();
  const button = within(dialog).getByRole("button", { name: "Promote" }) as HTMLButtonElement;
  expect(button.disabled).toBe(true);
  const why = within(dialog).getByText(/^Nothing to promote: every service is skipped/);
  expect(button.getAttribute("aria-describedby")).toBe(why.id);
  expect(calls.filter((c) => c.method === "GET" && c.path === PROMOTE).map((c) => new URL(c.url).searchParams.get("to")))
    .toEqual(["production", "dev"]);
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
}, 30_000);

test("a viewer sees the plan, and Promote is disabled with the reason", async () => {
  session.set("t");
  fakeApi(projectPage({ [`GET ${PROMOTE}`]: () => [200, plan([web])] }, "viewer"));
  const { dialog } = await openDialog();
  await within(dialog).findByRole("table");
  expect((within(dialog).getByRole("button", { name: "Promote" }) as HTMLButtonElement).disabled).toBe(true);
  expect(within(dialog).getByText("Viewers see the plan; developers, admins and owners promote.")).toBeTruthy();
  expect(within(dialog).queryByRole("checkbox")).toBeNull();   // nothing to choose for who cannot promote
  // and the environment's own settings stay out of reach
  expect(screen.queryByRole("button", { name: "Delete staging" })).toBeNull();
}, 30_000);

test("the API's errors are shown: a plan that cannot be read, and a refused promotion", async () => {
  session.set("t");
  let planFails = true;
  fakeApi(projectPage({
    [`GET ${PROMOTE}`]: () => (planFails ? [404, err("not_found", "no environment named production in shop", "to")] : [200, plan([web])]),
    [`POST ${PROMOTE}`]: () => [403, err("forbidden", "your role here is viewer: deploying takes developer or higher (an owner or admin can change your role)", "role")],
  }));
  const { user, dialog } = await openDialog();
  const alert = await within(dialog).findByRole("alert");
  expect(alert.textContent).toContain("no environment named production in shop");
  expect((within(dialog).getByRole("button", { name: "Promote" }) as HTMLButtonElement).disabled).toBe(true);
  planFails = false;
  await user.click(within(alert).getByRole("button", { name: "Try again" }));
  await within(dialog).findByRole("table");
  await user.click(within(dialog).getByRole("button", { name: "Promote 1 service" }));
  expect((await within(dialog).findByRole("alert")).textContent).toBe("your role here is viewer: deploying takes developer or higher (an owner or admin can change your role)");
  expect(within(dialog).getByRole("table")).toBeTruthy();   // the plan stays
}, 30_000);

test("one environment: nothing to promote to, no Promote…", async () => {
  session.set("t");
  fakeApi(projectPage({ [`GET ${ENVS}`]: () => [200, { items: [env("production")], next: null }] }));
  renderAt("/orgs/o/projects/p");
  const table = await screen.findByRole("table", { name: "Environments" });
  expect(await within(table).findByRole("button", { name: "Delete production" })).toBeTruthy();
  expect(within(table).queryByRole("button", { name: /^Promote/ })).toBeNull();
});

test("words: short images, the default target, the summary", () => {
  expect(shortImage(`${ECR}@sha256:4be1c0ffee1234567890`)).toBe("…/launchbay/o/web@sha256:4be1c0ffee12");
  expect(shortImage("ghcr.io/acme/shop:1.2")).toBe("…/acme/shop:1.2");
  expect(shortImage("localhost:5000/shop@sha256:abc")).toBe("…/shop@sha256:abc");
  expect(shortImage("nginx:1.27")).toBe("nginx:1.27");
  expect(shortImage("library/nginx@sha256:0123456789abcdef")).toBe("library/nginx@sha256:0123456789ab");
  expect(defaultTarget(["dev", "production"])).toBe("production");
  expect(defaultTarget(["dev", "qa"])).toBe("dev");
  expect(promoteSummaryWords({ deploy: 2, skip: 1, approval: 1 })).toBe("2 will deploy, 1 skipped; 1 waits for approval");
  expect(promoteSummaryWords({ deploy: 2, skip: 0, approval: 2 }, true)).toBe("2 deploying, 0 skipped; 2 wait for approval");
  expect(promoteSummaryWords({ deploy: 1, skip: 0, approval: 0 }, false, 2)).toBe("1 will deploy, 2 left out, 0 skipped");
  expect(promoteButtonWords(1)).toBe("Promote 1 service");
  expect(promoteButtonWords(3)).toBe("Promote 3 services");
});
