import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt, service, signedIn, type Answer } from "../test/fakeApi";

const NOW = new Date().toISOString();
const grp = (name: string, env: Record<string, string> = {}, secrets: string[] = []) => ({
  id: `envgrp_${name}`, name, description: "", env, secrets: secrets.map((n) => ({ name: n, version: 1, updated: NOW })),
  services: [], created: NOW, updated: NOW, created_by: "me@example.com",
});
const GROUPS = [grp("datadog", { DD_SITE: "datadoghq.eu", LOG: "info" }, ["DD_API_KEY"]), grp("stripe-live", { LOG: "warn" }), grp("sentry")];

/** Service "s" whose PATCH stores env_groups as the API does ([] or null: none; an unknown name: 422). */
function serviceApi(start: Record<string, unknown>, role = "owner") {
  let current: Record<string, unknown> = { ...service, updated: "2026-11-28T10:00:00Z", needs_deploy: false, env_groups: null, ...start };
  const answers: Record<string, Answer> = {
    ...signedIn(),
    "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com" }, organizations: [{ id: "o", name: "Acme", role }] }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/env-groups": () => [200, { items: GROUPS }],
    "GET /v1/orgs/o/services/s/secrets": () => [200, { items: [
      { name: "DATABASE_URL", version: 2, created: NOW, updated: NOW, scope: "service" },
      { name: "DD_API_KEY", version: 1, created: NOW, updated: NOW, scope: "env_group", env_group: "datadog" },
      { name: "SHARED", version: 3, created: NOW, updated: NOW, scope: "environment" },
    ] }],
    "PATCH /v1/orgs/o/services/s": async (req) => {
      const body = (await req.json()) as { env_groups?: string[] | null };
      if (body.env_groups?.includes("sentry")) {
        return [422, err("invalid", "the organization has no environment group 'sentry' (create it first)", "env_groups")];
      }
      current = { ...current, ...body, env_groups: body.env_groups?.length ? body.env_groups : null, needs_deploy: true, updated: new Date().toISOString() };
      return [200, current];
    },
  };
  return answers;
}

const patches = (calls: { method: string; body: unknown }[]) => calls.filter((c) => c.method === "PATCH").map((c) => c.body);

test("Settings' Environment groups: added from the organization's, moved, saved in order; removed all sends null", async () => {
  session.set("t");
  const calls = fakeApi(serviceApi({ env_groups: ["stripe-live"] }));
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const field = await screen.findByRole("group", { name: "Environment groups" }, { timeout: 5000 });
  const linked = () => within(field).queryByRole("list", { name: "Linked environment groups" });
  const order = () => [...(linked()?.querySelectorAll("li") ?? [])].map((li) => li.getAttribute("data-group"));
  expect(order()).toEqual(["stripe-live"]);
  expect(field.getAttribute("aria-describedby")).toBeTruthy();
  expect(document.getElementById(field.getAttribute("aria-describedby")!.split(" ")[0]!)!.textContent).toMatch(/a later one wins/);

  // the choices: the organization's groups not linked yet
  const select = await within(field).findByRole("combobox", { name: "Group to add" });
  expect([...(select as HTMLSelectElement).options].map((o) => o.value)).toEqual(["datadog", "sentry"]);
  await user.selectOptions(select, "datadog");
  await user.click(within(field).getByRole("button", { name: "Add group" }));
  expect(order()).toEqual(["stripe-live", "datadog"]);
  expect(within(field).getByRole("button", { name: "Move stripe-live up" }).hasAttribute("disabled")).toBe(true);

  // moved up: its button keeps the focus (now disabled: the other one)
  await user.click(within(field).getByRole("button", { name: "Move datadog up" }));
  expect(order()).toEqual(["datadog", "stripe-live"]);
  expect(document.activeElement).toBe(within(field).getByRole("button", { name: "Move datadog down" }));

  await user.click(screen.getByRole("button", { name: "Save changes" }));
  expect(await screen.findByText(/^Saved\. Runtime settings take effect with the next deploy\./, {}, { timeout: 5000 })).toBeTruthy();
  expect(patches(calls)).toEqual([{ env_groups: ["datadog", "stripe-live"] }]);

  // an unknown one: the API's 422 at the field
  const field2 = await screen.findByRole("group", { name: "Environment groups" });
  await user.selectOptions(within(field2).getByRole("combobox", { name: "Group to add" }), "sentry");
  await user.click(within(field2).getByRole("button", { name: "Add group" }));
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  expect((await within(field2).findByRole("alert")).textContent).toMatch(/no environment group 'sentry'/);
  // focus goes to the field (the API refused none of the other fields)
  await waitFor(() => expect(document.activeElement).toBe(field2));
  expect(field2.getAttribute("aria-invalid")).toBe("true");

  await user.click(within(field2).getByRole("button", { name: "Remove sentry" }));
  await user.click(within(field2).getByRole("button", { name: "Remove datadog" }));
  await user.click(within(field2).getByRole("button", { name: "Remove stripe-live" }));
  expect(within(field2).getByText("None linked.")).toBeTruthy();
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches(calls).at(-1)).toEqual({ env_groups: null }));
}, 60_000);

test("a service linking no group, in an organization with none: says so; other saves send no env_groups", async () => {
  session.set("t");
  const calls = fakeApi({ ...serviceApi({}), "GET /v1/orgs/o/env-groups": () => [200, { items: [] }] });
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const field = await screen.findByRole("group", { name: "Environment groups" }, { timeout: 5000 });
  expect(await within(field).findByText("The organization has no environment groups yet.")).toBeTruthy();
  await user.clear(screen.getByLabelText("Max instances"));
  await user.type(screen.getByLabelText("Max instances"), "2");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches(calls)).toEqual([{ max_instances: 2 }]));
}, 30_000);

test("a viewer sees the linked groups without add, move or remove", async () => {
  session.set("t");
  fakeApi(serviceApi({ env_groups: ["datadog", "stripe-live"] }, "viewer"));
  renderAt("/orgs/o/services/s/settings");
  const field = await screen.findByRole("group", { name: "Environment groups" }, { timeout: 5000 });
  await within(field).findByRole("combobox", { name: "Group to add" });
  for (const c of [...within(field).getAllByRole("button"), within(field).getByRole("combobox")]) expect(c.matches(":disabled")).toBe(true);
  expect(screen.queryByRole("button", { name: "Save changes" })).toBeNull();
}, 30_000);

test("Variables: a secret from a group says which (a link to it); the groups' variables, marked where overridden", async () => {
  session.set("t");
  fakeApi(serviceApi({ env_groups: ["datadog", "stripe-live"], env: { DD_SITE: "us5.datadoghq.com" } }));
  renderAt("/orgs/o/services/s/variables");
  const secrets = await screen.findByRole("table", { name: "Secrets" }, { timeout: 5000 });
  const row = within(secrets).getByText("DD_API_KEY").closest("tr") as HTMLElement;
  expect(row.textContent).toContain("v1 · from group datadog");
  expect(within(row).getByRole("link", { name: "datadog" }).getAttribute("href")).toBe("/orgs/o/env-groups/datadog");
  expect(within(row).queryByRole("button")).toBeNull();   // deleted on the group's page, not here
  expect((within(secrets).getByText("SHARED").closest("tr") as HTMLElement).textContent).toContain("from the environment");

  const vars = await screen.findByRole("table", { name: "Variables from environment groups" });
  const rows = [...vars.querySelectorAll("tbody tr")].map((r) => [r.children[0]!.textContent, r.children[2]!.textContent]);
  expect(rows).toEqual([
    ["DD_SITE", "group datadog · overridden by the service"],
    ["LOG", "group datadog · overridden by group stripe-live"],
    ["LOG", "group stripe-live"],
  ]);
  cleanup();
}, 30_000);
