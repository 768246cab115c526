import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt, signedIn } from "../test/fakeApi";

const ENVS = "/v1/orgs/o/projects/p/environments";
const env = (name: string, over: Record<string, unknown> = {}) => ({
  id: "env_" + name, project_id: "p", name, domain_suffix: null, env: {}, aws_account_id: null, region: null,
  deploys_to: "platform account", effective_region: (over.region as string | undefined) ?? "us-east-1",
  created: "2026-11-26T00:00:00Z", updated: "2026-11-26T00:00:00Z", ...over,
});
const accounts = [
  { id: "awsacc_d", name: "sandbox demo", regions: ["us-east-1", "eu-west-1"], status: "connected" },
  { id: "awsacc_p", name: "later", regions: ["eu-west-1"], status: "pending" },
];

test("environments on the project page: create on a connection and region, clone with secret values, delete shows the 409", async () => {
  session.set("t");
  let items = [env("production")];
  const calls = fakeApi({
    ...signedIn(true),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/aws-accounts": () => [200, { items: accounts, next: null }],
    [`GET ${ENVS}`]: () => [200, { items, next: null }],
    [`POST ${ENVS}`]: () => {
      const e = env("staging", { aws_account_id: "awsacc_d", region: "eu-west-1", deploys_to: "connected account" });
      items = [...items, e];
      return [201, e];
    },
    [`POST ${ENVS}/staging/clone`]: () => {
      const e = env("preview", { aws_account_id: "awsacc_d", region: "eu-west-1" });
      items = [...items, e];
      return [201, { ...e, services: ["svc_1", "svc_2"], with_secrets: true, secrets_to_set: [] }];
    },
    [`DELETE ${ENVS}/production`]: () =>
      [409, err("conflict", "environment 'production' still has services: delete them first", "environment")],
  });
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  expect(within(table).getByText("the sandbox · us-east-1")).toBeTruthy(); // no connection, in the sandbox: the platform's region

  // the connection picker: the pending connection cannot be chosen; regions follow the connection
  const form = screen.getByRole("form", { name: "New environment" });
  const account = within(form).getByLabelText("AWS account") as HTMLSelectElement;
  await within(account).findByRole("option", { name: "sandbox demo" });
  expect([...account.options].map((o) => [o.textContent, o.disabled])).toEqual(
    [["The sandbox (no connection)", false], ["sandbox demo", false], ["later (pending)", true]]);
  const region = within(form).getByLabelText("Region") as HTMLSelectElement;
  expect(region.disabled).toBe(true);
  // the name's format is said before a 422 says only "name has the wrong format"
  expect(within(form).getByLabelText("Environment name").getAttribute("aria-describedby")).toBeTruthy();
  expect(within(form).getByText("Lower-case letters, digits and hyphens.")).toBeTruthy();
  await user.type(within(form).getByLabelText("Environment name"), "staging");
  await user.type(within(form).getByLabelText("Domain suffix"), "staging.example.com");
  await user.selectOptions(account, "awsacc_d");
  expect([...region.options].map((o) => o.value)).toEqual(["", "us-east-1", "eu-west-1"]);
  await user.selectOptions(region, "eu-west-1");
  await user.click(within(form).getByRole("button", { name: "Create environment" }));
  const staging = await within(table).findByText("staging");
  expect(staging.closest("tr")?.textContent).toContain("sandbox demo · eu-west-1");
  expect(calls.find((c) => c.method === "POST" && c.path === ENVS)?.body).toEqual(
    { name: "staging", domain_suffix: "staging.example.com", aws_account_id: "awsacc_d", region: "eu-west-1" });

  await user.click(within(table).getByRole("button", { name: "Clone staging" }));
  const clone = screen.getByRole("form", { name: "Clone staging" });
  await user.type(within(clone).getByLabelText("New environment name"), "preview");
  await user.click(within(clone).getByLabelText("Copy secret values"));
  await user.click(within(clone).getByRole("button", { name: "Clone" }));
  expect(await screen.findByText(/with 2 services and their secret values/)).toBeTruthy();
  expect(await within(table).findByText("preview")).toBeTruthy();
  expect(calls.find((c) => c.path.endsWith("/clone"))?.body).toEqual({ name: "preview", with_secrets: true, domain_suffix: null });

  await user.click(within(table).getByRole("button", { name: "Delete production" }));
  await user.click(within(screen.getByRole("group", { name: "Delete production?" })).getByRole("button", { name: "Yes, delete" }));
  expect((await screen.findByText(/still has services: delete them first/)).getAttribute("role")).toBe("alert");
  expect(within(table).getByText("production")).toBeTruthy();
}, 30_000);

test("changing where an environment deploys sends the connection and region; the API's 409 shows by its field", async () => {
  session.set("t");
  const calls = fakeApi({
    ...signedIn(false),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/aws-accounts": () => [200, { items: accounts, next: null }],
    [`GET ${ENVS}`]: () => [200, { items: [env("production", { effective_region: undefined })], next: null }],
    [`PATCH ${ENVS}/production`]: () =>
      [409, err("conflict", "the environment's services have been deployed where it is now: delete them before changing its aws_account_id", "aws_account_id")],
  });
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  expect(within(table).getByText("the platform's own account")).toBeTruthy();
  await user.click(within(table).getByRole("button", { name: "Change where production deploys" }));
  const form = screen.getByRole("form", { name: "Where production deploys" });
  await within(form).findByRole("option", { name: "sandbox demo" });
  await user.selectOptions(within(form).getByLabelText("AWS account"), "awsacc_d");
  await user.click(within(form).getByRole("button", { name: "Save" }));
  const field = within(form).getByLabelText("AWS account").closest(".field") as HTMLElement;
  expect((await within(field).findByRole("alert")).textContent).toMatch(/have been deployed where it is now/);
  expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ aws_account_id: "awsacc_d", region: null });
}, 30_000);

test("an environment being deleted says what it waits for, then a failed delete shows why and retries", async () => {
  session.set("t");
  let current: Record<string, unknown> = env("staging", { status: "deleting", teardown: { state: "waiting", waiting_for: ["service api", "service web"],
    error: "the service 'web' could not be deleted (AccessDenied); fix the cause and delete that service again" } });
  const calls = fakeApi({
    ...signedIn(true),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/aws-accounts": () => [200, { items: accounts, next: null }],
    [`GET ${ENVS}`]: () => [200, { items: [env("production"), current], next: null }],
    [`DELETE ${ENVS}/staging`]: () => {
      current = { ...current, teardown: { state: "queued", error: null } };
      return [202, current];
    },
  });
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  const row = (await within(table).findByText("staging")).closest("tr") as HTMLElement;
  const status = within(row).getByRole("status");
  expect(status.textContent).toContain("waiting for service api, service web");
  expect(status.textContent).toContain("the service 'web' could not be deleted (AccessDenied)");
  // no clone, move or delete while it is going
  expect(within(row).queryByRole("button", { name: "Delete staging" })).toBeNull();
  expect(within(table).getByRole("button", { name: "Delete production" })).toBeTruthy();

  // its own teardown failed: the reason, and a retry that sends the DELETE again
  current = env("staging", { status: "deleting", teardown: { state: "failed", error: "deleting the load balancer lb-x: AccessDenied" } });
  const failed = await within(table).findByRole("alert", {}, { timeout: 5000 });   // the list polls while it is deleting
  expect(failed.textContent).toContain("deleting the load balancer lb-x: AccessDenied");
  await user.click(within(failed).getByRole("button", { name: "Retry delete" }));
  expect(await within(table).findByText("Deleting: removing what it made in AWS…")).toBeTruthy();
  expect(calls.filter((c) => c.method === "DELETE" && c.path === `${ENVS}/staging`)).toHaveLength(1);
}, 30_000);

test("a developer sees where an environment promotes, but not the action that changes it", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/me": () => [200, { user: { id: "u", email: "dev@example.com" }, organizations: [{ id: "o", name: "Acme", role: "developer" }] }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/aws-accounts": () => [200, { items: [], next: null }],
    [`GET ${ENVS}`]: () => [200, { items: [env("production"), env("staging", { promote_to: "production" })], next: null }],
  });
  renderAt("/orgs/o/projects/p");
  const table = await screen.findByRole("table", { name: "Environments" });
  await screen.findByText("Owners and admins add, clone, move and delete environments.");   // the role is known
  const row = table.querySelector("tr[data-environment=staging]") as HTMLTableRowElement;
  const col = [...table.querySelectorAll("thead th")].findIndex((th) => th.textContent === "Promotes to");
  expect(row.cells[col]!.textContent).toBe("production");
  expect(within(table).queryByRole("button", { name: /^Auto-promote/ })).toBeNull();
  expect(within(table).queryByRole("button", { name: /^Approvals for/ })).toBeNull();
});

test("a frozen environment says so in words under its name; Unfreeze asks, then sends DELETE", async () => {
  session.set("t");
  let production: Record<string, unknown> = env("production", { freeze: { reason: "Black Friday", until: null, by: "owner@example.com", at: "2026-11-26T00:00:00Z" } });
  const calls = fakeApi({
    ...signedIn(true),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/aws-accounts": () => [200, { items: [], next: null }],
    [`GET ${ENVS}`]: () => [200, { items: [production, env("staging")], next: null }],
    [`DELETE ${ENVS}/production/freeze`]: () => { production = { ...production, freeze: null }; return [200, production]; },
  });
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  const row = table.querySelector("tr[data-environment=production]") as HTMLTableRowElement;
  await waitFor(() => expect(row.cells[0]!.textContent).toContain("frozen Black Friday · until lifted"));
  expect(within(row).getByText("frozen").className).toContain("badge");
  expect(table.querySelector("tr[data-environment=staging]")?.textContent).not.toContain("frozen");
  expect(within(table).getByRole("button", { name: "Freeze staging…" })).toBeTruthy();
  expect(within(row).queryByRole("button", { name: "Freeze production…" })).toBeNull();

  await user.click(within(row).getByRole("button", { name: "Unfreeze production" }));
  const ask = screen.getByRole("group", { name: "Unfreeze production?" });
  await user.click(within(ask).getByRole("button", { name: "Keep frozen" }));
  expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(0);
  await user.click(within(row).getByRole("button", { name: "Unfreeze production" }));
  await user.click(within(screen.getByRole("group", { name: "Unfreeze production?" })).getByRole("button", { name: "Yes, unfreeze" }));
  await waitFor(() => expect(row.cells[0]!.textContent).not.toContain("frozen"));
  expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual([`${ENVS}/production/freeze`]);
  expect(within(row).getByRole("button", { name: "Freeze production…" })).toBeTruthy();
}, 30_000);

test("a developer sees the freeze but neither Freeze… nor Unfreeze", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/me": () => [200, { user: { id: "u", email: "dev@example.com" }, organizations: [{ id: "o", name: "Acme", role: "developer" }] }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/aws-accounts": () => [200, { items: [], next: null }],
    [`GET ${ENVS}`]: () => [200, { items: [env("production", { freeze: { reason: "audit", until: null, by: "o", at: "x" } })], next: null }],
  });
  renderAt("/orgs/o/projects/p");
  const table = await screen.findByRole("table", { name: "Environments" });
  await screen.findByText("Owners and admins add, clone, move and delete environments.");
  expect(table.textContent).toContain("frozen audit · until lifted");
  expect(within(table).queryByRole("button", { name: /freeze/i })).toBeNull();
});

test("an environment reachable from some addresses only says so under its name, with its other words; everyone: nothing", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(true),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/aws-accounts": () => [200, { items: [], next: null }],
    [`GET ${ENVS}`]: () => [200, { items: [
      env("production", { allowed_ips: ["203.0.113.0/24", "192.0.2.1/32"], freeze: { reason: "audit", until: null, by: "o", at: "x" } }),
      env("staging", { allowed_ips: [] }), env("preview", { allowed_ips: null }),
    ], next: null }],
  });
  renderAt("/orgs/o/projects/p");
  const table = await screen.findByRole("table", { name: "Environments" });
  const row = (name: string) => table.querySelector(`tr[data-environment=${name}]`) as HTMLTableRowElement;
  await waitFor(() => expect(row("production").cells[0]!.textContent).toContain("frozen audit · until lifted"));
  const words = within(row("production").cells[0]!).getByText("reachable from 203.0.113.0/24, 192.0.2.1/32");
  expect(words.tagName).toBe("SMALL");
  expect(row("staging").textContent).not.toContain("reachable from");
  expect(row("preview").textContent).not.toContain("reachable from");
  expect(within(row("production")).getByRole("button", { name: "Who can reach production…" })).toBeTruthy();
});
