import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { type Answer, err, fakeApi, renderAt, signedIn } from "../test/fakeApi";

const ENVS = "/v1/orgs/o/projects/p/environments";
const env = (name: string, over: Record<string, unknown> = {}) => ({
  id: "env_" + name, project_id: "p", name, domain_suffix: null, env: {}, status: "active", aws_account_id: null, region: null,
  effective_region: "us-east-1", deploys_to: "platform account", require_approval: false, prevent_self_approval: false,
  promote_to: null as string | null, created: "2026-11-26T00:00:00Z", updated: "2026-11-26T00:00:00Z", ...over,
});
const project = (items: () => unknown[], over: Record<string, Answer> = {}): Record<string, Answer> => ({
  ...signedIn(),
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  "GET /v1/orgs/o/aws-accounts": () => [200, { items: [], next: null }],
  "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
  [`GET ${ENVS}`]: () => [200, { items: items(), next: null }],
  ...over,
});
const cell = (table: HTMLElement, name: string) => {
  const row = table.querySelector(`tr[data-environment=${name}]`) as HTMLTableRowElement;
  const col = [...table.querySelectorAll("thead th")].findIndex((th) => th.textContent === "Promotes to");
  return row.cells[col]!;
};

test("an owner sets where an environment's new live releases go; the table says so", async () => {
  session.set("t");
  let staging = env("staging");
  const calls = fakeApi(project(() => [env("production"), staging], {
    [`PATCH ${ENVS}/staging`]: () => { staging = { ...staging, promote_to: "production" }; return [200, staging]; },
  }));
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  expect(within(table).getByRole("columnheader", { name: "Promotes to" })).toBeTruthy();
  expect(cell(table, "staging").textContent).toBe("—");

  await user.click(within(table).getByRole("button", { name: "Auto-promote staging" }));
  const form = screen.getByRole("form", { name: "Auto-promote staging" });
  const select = within(form).getByLabelText("Promote new live releases to") as HTMLSelectElement;
  expect(document.activeElement).toBe(select);
  // the choices: nowhere, or one of the project's other environments (never itself)
  expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([["", "nowhere (promote by hand)"], ["production", "production"]]);
  expect(form.textContent).toContain("New releases stay in staging until someone promotes them");
  await user.selectOptions(select, "production");
  expect(form.textContent).toContain("Each new release that goes live in staging is then deployed to the same-named services in production");
  expect(form.textContent).toContain("with production's approval rules. Rollbacks, restarts and resumes are not promoted.");
  await user.click(within(form).getByRole("button", { name: "Save" }));
  await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ promote_to: "production" }));
  await waitFor(() => expect(cell(table, "staging").textContent).toBe("production"));
  expect(screen.queryByRole("form", { name: "Auto-promote staging" })).toBeNull();
  expect(cell(table, "production").textContent).toBe("—");
  // on a phone the column is hidden: the target under the name, said in words
  expect(table.querySelector("tr[data-environment=staging] td small.narrow-only")?.textContent).toBe("→ promotes to production");
});

test("clearing it sends promote_to null", async () => {
  session.set("t");
  const calls = fakeApi(project(() => [env("production"), env("staging", { promote_to: "production" })], {
    [`PATCH ${ENVS}/staging`]: () => [200, env("staging")],
  }));
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  expect(cell(table, "staging").textContent).toBe("production");
  await user.click(within(table).getByRole("button", { name: "Auto-promote staging" }));
  const form = screen.getByRole("form", { name: "Auto-promote staging" });
  const select = within(form).getByLabelText("Promote new live releases to") as HTMLSelectElement;
  expect(select.value).toBe("production");
  await user.selectOptions(select, "");
  await user.click(within(form).getByRole("button", { name: "Save" }));
  await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ promote_to: null }));
});

test("a circle is refused: the API's message shows by the select, and the form stays", async () => {
  session.set("t");
  const message = "staging promotes back to production (directly or through others): promotions must not go round in a circle";
  const calls = fakeApi(project(() => [env("production"), env("staging", { promote_to: "production" })], {
    [`PATCH ${ENVS}/production`]: () => [422, err("invalid", message, "promote_to")],
  }));
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  await user.click(within(table).getByRole("button", { name: "Auto-promote production" }));
  const form = screen.getByRole("form", { name: "Auto-promote production" });
  const select = within(form).getByLabelText("Promote new live releases to");
  await user.selectOptions(select, "staging");
  await user.click(within(form).getByRole("button", { name: "Save" }));
  const field = select.closest(".field") as HTMLElement;
  expect((await within(field).findByRole("alert")).textContent).toBe(message);
  expect(select.getAttribute("aria-invalid")).toBe("true");
  expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ promote_to: "staging" });
  expect(cell(table, "production").textContent).toBe("—");
});
