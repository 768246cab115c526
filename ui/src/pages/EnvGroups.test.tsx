import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { type Answer, err, fakeApi, renderAt, signedIn } from "../test/fakeApi";

const NOW = new Date().toISOString();
const group = (over: Record<string, unknown> = {}) => ({
  id: "envgrp_1", name: "datadog", description: "APM", env: { DD_SITE: "datadoghq.eu" },
  secrets: [{ name: "DD_API_KEY", version: 1, updated: NOW }],
  services: [{ id: "s", name: "web", project_id: "p", project: "shop", environment: "production" }],
  created: NOW, updated: NOW, created_by: "me@example.com", ...over,
});
const as = (role: string): Record<string, Answer> => ({
  ...signedIn(),
  "GET /v1/me": () => [200, { user: { id: "u", email: "bob@example.com" }, organizations: [{ id: "o", name: "Acme", role }] }],
});

test("the list: from the nav, each group's counts and linked services; no groups says what they are", async () => {
  session.set("t");
  let items: unknown[] = [];
  fakeApi({ ...signedIn(), "GET /v1/orgs/o/env-groups": () => [200, { items }] });
  renderAt("/orgs/o/env-groups");
  expect(await screen.findByText("No environment groups", {}, { timeout: 5000 })).toBeTruthy();
  expect(screen.getByRole("heading", { level: 1, name: "Environment groups" })).toBeTruthy();
  const nav = screen.getByRole("navigation", { name: "Main" });
  expect(within(nav).getByRole("link", { name: "Env groups" }).getAttribute("href")).toBe("/orgs/o/env-groups");

  items = [group(), group({ id: "envgrp_2", name: "stripe-live", description: "", env: {}, secrets: [], services: [] })];
  cleanup();
  renderAt("/orgs/o/env-groups");
  const table = await screen.findByRole("table", { name: "Environment groups" }, { timeout: 5000 });
  expect(within(table).getAllByRole("columnheader").map((h) => h.textContent))
    .toEqual(["Name", "Description", "Variables", "Secrets", "Linked services"]);
  const row = table.querySelector('tr[data-group="datadog"]') as HTMLElement;
  expect(within(row).getByRole("link", { name: "datadog" }).getAttribute("href")).toBe("/orgs/o/env-groups/datadog");
  expect(within(row).getByTestId("group-variables").textContent).toBe("1");
  expect(within(row).getByTestId("group-secrets").textContent).toBe("1");
  expect(within(row).getByTestId("group-services").textContent).toBe("1 service (web (production))");
  expect((table.querySelector('tr[data-group="stripe-live"]') as HTMLElement).textContent).toContain("none");
}, 30_000);

test("create: the name checked first, the API's 409 at its field, then the new group's page", async () => {
  session.set("t");
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/env-groups": () => [200, { items: [] }],
    "POST /v1/orgs/o/env-groups": async (req) => {
      const body = (await req.json()) as { name: string };
      if (body.name === "taken") return [409, err("already_exists", "an environment group named 'taken' already exists", "name")];
      return [201, group({ name: body.name, env: {}, secrets: [], services: [], description: "APM keys" })];
    },
    "GET /v1/orgs/o/env-groups/datadog": () => [200, group({ env: {}, secrets: [], services: [], description: "APM keys" })],
  });
  renderAt("/orgs/o/env-groups");
  const user = userEvent.setup();
  const form = await screen.findByRole("form", { name: "New environment group" }, { timeout: 5000 });
  const name = within(form).getByLabelText("Group name");
  await user.type(name, "Datadog");
  await user.click(within(form).getByRole("button", { name: "Create group" }));
  expect(within(name.closest(".field") as HTMLElement).getByRole("alert").textContent).toMatch(/^Lower-case letters/);
  expect(document.activeElement).toBe(name);
  expect(calls.some((c) => c.method === "POST")).toBe(false);

  await user.clear(name);
  await user.type(name, "taken");
  await user.click(within(form).getByRole("button", { name: "Create group" }));
  expect((await within(name.closest(".field") as HTMLElement).findByRole("alert")).textContent).toMatch(/already exists/);

  await user.clear(name);
  await user.type(name, "datadog");
  await user.type(within(form).getByLabelText("Description"), "APM keys");
  await user.click(within(form).getByRole("button", { name: "Create group" }));
  expect(await screen.findByRole("heading", { level: 1, name: "datadog" }, { timeout: 5000 })).toBeTruthy();
  expect(calls.filter((c) => c.method === "POST").at(-1)!.body).toEqual({ name: "datadog", description: "APM keys" });
  expect(screen.getByText("APM keys")).toBeTruthy();
}, 30_000);

test("a group's variables edited as a table and saved as a whole map", async () => {
  session.set("t");
  let current = group({ env: { DD_SITE: "datadoghq.eu", DD_ENV: "prod" } });
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/env-groups": () => [200, { items: [current] }],
    "GET /v1/orgs/o/env-groups/datadog": () => [200, current],
    "PATCH /v1/orgs/o/env-groups/datadog": async (req) => {
      const body = (await req.json()) as { env: Record<string, string> };
      if ("BAD" in body.env) return [422, err("invalid", "env: BAD is already a secret of this group", "env")];
      current = group({ env: body.env, updated: new Date(Date.now() + 1000).toISOString() });
      return [200, current];
    },
  });
  renderAt("/orgs/o/env-groups/datadog");
  const user = userEvent.setup();
  const form = await screen.findByRole("form", { name: "Variables" }, { timeout: 5000 });
  expect((within(form).getByLabelText("Name 1") as HTMLInputElement).value).toBe("DD_SITE");
  expect((within(form).getByLabelText("Value 1 (DD_SITE)") as HTMLInputElement).value).toBe("datadoghq.eu");

  // a row added takes the focus; one removed goes
  await user.click(within(form).getByRole("button", { name: "Add a variable" }));
  expect(document.activeElement).toBe(within(form).getByLabelText("Name 3"));
  await user.type(within(form).getByLabelText("Value 3"), "x");
  await user.click(within(form).getByRole("button", { name: "Save variables" }));
  expect(within(form).getByRole("alert").textContent).toBe("Row 3 has a value but no name.");
  expect(calls.some((c) => c.method === "PATCH")).toBe(false);
  await user.type(within(form).getByLabelText("Name 3"), "BAD");
  await user.click(within(form).getByRole("button", { name: "Save variables" }));
  expect((await within(form).findByRole("alert")).textContent).toMatch(/already a secret of this group/);

  await user.clear(within(form).getByLabelText("Name 3"));
  await user.type(within(form).getByLabelText("Name 3"), "LOG_LEVEL");
  await user.click(within(form).getByRole("button", { name: "Remove variable DD_ENV" }));
  await user.click(within(form).getByRole("button", { name: "Save variables" }));
  const said = await screen.findByTestId("group-said", {}, { timeout: 5000 });
  expect(said.textContent).toBe("Saved the variables. 1 linked service gets it with its next deploy.");
  expect(calls.filter((c) => c.method === "PATCH").at(-1)!.body).toEqual({ env: { DD_SITE: "datadoghq.eu", LOG_LEVEL: "x" } });
}, 30_000);

test("secrets: set with a password field (never shown), delete asks first", async () => {
  session.set("t");
  let secrets = [{ name: "DD_API_KEY", version: 1, updated: NOW }];
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/env-groups": () => [200, { items: [group({ secrets })] }],
    "GET /v1/orgs/o/env-groups/datadog": () => [200, group({ secrets })],
    "PUT /v1/orgs/o/env-groups/datadog/secrets/DD_APP_KEY": () => {
      secrets = [...secrets, { name: "DD_APP_KEY", version: 1, updated: NOW }];
      return [200, { name: "DD_APP_KEY", version: 1, updated: NOW }];
    },
    "DELETE /v1/orgs/o/env-groups/datadog/secrets/DD_API_KEY": () => { secrets = secrets.filter((s) => s.name !== "DD_API_KEY"); return [204, null]; },
  });
  renderAt("/orgs/o/env-groups/datadog");
  const user = userEvent.setup();
  const form = await screen.findByRole("form", { name: "Set a secret" }, { timeout: 5000 });
  const value = within(form).getByLabelText("Secret value") as HTMLInputElement;
  expect(value.type).toBe("password");
  await user.type(within(form).getByLabelText("Secret name"), "dd_app_key");
  await user.type(value, "app-secret-123");
  await user.click(within(form).getByRole("button", { name: "Set secret" }));
  expect((await screen.findByTestId("group-said")).textContent).toMatch(/^Saved DD_APP_KEY as v1\. 1 linked service gets it/);
  expect(calls.find((c) => c.method === "PUT")!.body).toEqual({ value: "app-secret-123" });
  expect(value.value).toBe("");
  const table = screen.getByRole("table", { name: "Secrets" });
  await waitFor(() => expect(table.querySelector('tr[data-secret="DD_APP_KEY"]')).toBeTruthy());
  expect(document.body.textContent).not.toContain("app-secret-123");

  await user.click(within(table).getByRole("button", { name: "Delete secret DD_API_KEY" }));
  expect(calls.some((c) => c.method === "DELETE")).toBe(false);
  const question = screen.getByRole("group", { name: "Delete secret DD_API_KEY?" });
  await user.click(within(question).getByRole("button", { name: "Yes, delete" }));
  expect((await screen.findByTestId("group-said")).textContent).toMatch(/^Deleted DD_API_KEY\./);
  await waitFor(() => expect(table.querySelector('tr[data-secret="DD_API_KEY"]')).toBeNull());
  expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/v1/orgs/o/env-groups/datadog/secrets/DD_API_KEY"]);
}, 30_000);

test("linked services link to them; Deploy linked services shows what deployed and what was skipped, with reasons", async () => {
  session.set("t");
  const services = [
    { id: "s", name: "web", project_id: "p", project: "shop", environment: "production" },
    { id: "s2", name: "worker", project_id: "p", project: "shop", environment: "production" },
  ];
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/env-groups/datadog": () => [200, group({ services })],
    "POST /v1/orgs/o/env-groups/datadog/deploy": () => [202, {
      deployments: [{ service_id: "s", service: "web", project: "shop", environment: "production", deployment_id: "dep_1" }],
      skipped: [{ service_id: "s2", service: "worker", reason: "its live release runs this configuration already" }],
    }],
  });
  renderAt("/orgs/o/env-groups/datadog");
  const user = userEvent.setup();
  const list = await screen.findByRole("list", { name: "Linked services" }, { timeout: 5000 });
  expect(within(list).getByRole("link", { name: "web" }).getAttribute("href")).toBe("/orgs/o/services/s");
  expect(list.textContent).toContain("shop · production");
  await user.click(screen.getByRole("button", { name: "Deploy linked services" }));
  const result = await screen.findByTestId("group-deploy", {}, { timeout: 5000 });
  expect(result.closest("[role=status]")).toBeTruthy();
  expect(result.textContent).toContain("Started 1 deploy; skipped 1 service.");
  expect(within(within(result).getByRole("list", { name: "Deployed" })).getByRole("link", { name: "web" }).getAttribute("href"))
    .toBe("/orgs/o/deployments/dep_1");
  expect(within(result).getByRole("list", { name: "Skipped" }).textContent).toBe("worker: its live release runs this configuration already");
}, 30_000);

test("delete asks for the name; the API's 409 names the services linking it, each linked to its page", async () => {
  session.set("t");
  const message = "environment group 'datadog' is linked to 1 service: web (production); remove it from their env_groups first";
  const refusal = { error: { ...err("conflict", message, "group").error, resources: [{ type: "service", id: "s1", name: "web" }] } };
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/env-groups/datadog": () => [200, group()],
    "DELETE /v1/orgs/o/env-groups/datadog": () => [409, refusal],
  });
  renderAt("/orgs/o/env-groups/datadog");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Delete datadog…" }, { timeout: 5000 }));
  await user.type(screen.getByLabelText("Type datadog to confirm"), "datadog");
  await user.click(screen.getByRole("button", { name: "Delete datadog" }));
  const zone = screen.getByRole("region", { name: "Delete this environment group" });
  const alert = await within(zone).findByRole("alert");
  expect(alert.textContent).toContain(message);
  expect(within(alert).getByRole("link", { name: "web" }).getAttribute("href")).toBe("/orgs/o/services/s1");
}, 30_000);

test.each(["developer", "viewer"])("a %s reads the groups but gets no create, edit or delete controls", async (role) => {
  session.set("t");
  fakeApi({ ...as(role), "GET /v1/orgs/o/env-groups": () => [200, { items: [group()] }], "GET /v1/orgs/o/env-groups/datadog": () => [200, group()] });
  renderAt("/orgs/o/env-groups");
  await screen.findByRole("table", { name: "Environment groups" }, { timeout: 5000 });
  expect(await screen.findByText("Owners and admins create and change environment groups.")).toBeTruthy();
  expect(screen.queryByRole("form", { name: "New environment group" })).toBeNull();

  cleanup();
  renderAt("/orgs/o/env-groups/datadog");
  const vars = await screen.findByRole("table", { name: "Variables" }, { timeout: 5000 });
  await screen.findByText("Owners and admins change environment groups.");
  expect(vars.textContent).toContain("DD_SITEdatadoghq.eu");
  expect(screen.queryByRole("textbox")).toBeNull();
  expect(screen.queryByLabelText("Secret value")).toBeNull();
  expect(within(screen.getByRole("table", { name: "Secrets" })).queryByRole("button")).toBeNull();
  expect(screen.queryByRole("button", { name: /^Delete datadog/ })).toBeNull();
  expect(screen.queryByRole("button", { name: "Edit description" })).toBeNull();
  // a developer deploys (as each service's own deploy); a viewer does not
  expect(!!screen.queryByRole("button", { name: "Deploy linked services" })).toBe(role === "developer");
}, 30_000);
