import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { type Answer, err, fakeApi, renderAt, signedIn } from "../test/fakeApi";
import { freezeUntilWords } from "./FreezeForm";

const ENVS = "/v1/orgs/o/projects/p/environments";
const env = (name: string, over: Record<string, unknown> = {}) => ({
  id: "env_" + name, project_id: "p", name, domain_suffix: null, env: {}, status: "active", aws_account_id: null, region: null,
  effective_region: "us-east-1", deploys_to: "platform account", require_approval: false, prevent_self_approval: false,
  promote_to: null, freeze: null as unknown, created: "2026-11-26T00:00:00Z", updated: "2026-11-26T00:00:00Z", ...over,
});
const project = (items: () => unknown[], over: Record<string, Answer> = {}): Record<string, Answer> => ({
  ...signedIn(),
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  "GET /v1/orgs/o/aws-accounts": () => [200, { items: [], next: null }],
  "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
  [`GET ${ENVS}`]: () => [200, { items: items(), next: null }],
  ...over,
});

test("an owner freezes an environment until a local time: the API gets it as ISO, the row says frozen, why and until when", async () => {
  session.set("t");
  let production = env("production");
  const calls = fakeApi(project(() => [production], {
    [`POST ${ENVS}/production/freeze`]: () => {
      const body = calls.at(-1)!.body as { reason: string; until?: string };
      production = { ...production, freeze: { reason: body.reason, until: body.until ?? null, by: "owner@example.com", at: "2026-11-26T00:00:00Z" } };
      return [200, production];
    },
  }));
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  await user.click(within(table).getByRole("button", { name: "Freeze production…" }));
  const form = screen.getByRole("form", { name: "Freeze production" });
  const reason = within(form).getByLabelText("Reason");
  expect(document.activeElement).toBe(reason);
  expect(form.textContent).toContain("new releases are refused there and deploys waiting for approval stay waiting");
  expect(form.textContent).toContain("rollbacks and restarts still run");
  const freeze = within(form).getByRole("button", { name: "Freeze" }) as HTMLButtonElement;
  expect(freeze.disabled).toBe(true);   // a reason is required
  await user.type(reason, "Black Friday");
  const until = within(form).getByLabelText("Until (optional)") as HTMLInputElement;
  expect(until.type).toBe("datetime-local");
  fireEvent.change(until, { target: { value: "2026-11-30T08:00" } });
  await user.click(freeze);
  const sent = new Date("2026-11-30T08:00").toISOString();   // the browser's local time, with Z
  await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({ reason: "Black Friday", until: sent }));
  expect(sent.endsWith("Z")).toBe(true);
  const row = table.querySelector("tr[data-environment=production]") as HTMLElement;
  await waitFor(() => expect(row.textContent).toContain("frozen"));
  expect(row.textContent).toContain(`Black Friday · ${freezeUntilWords({ reason: "", until: sent, by: "", at: "" })}`);
  expect(screen.queryByRole("form", { name: "Freeze production" })).toBeNull();
  expect(within(row).getByRole("button", { name: "Unfreeze production" })).toBeTruthy();
}, 30_000);

test("without a time the freeze lasts until lifted: no until is sent", async () => {
  session.set("t");
  const calls = fakeApi(project(() => [env("production")], {
    [`POST ${ENVS}/production/freeze`]: () => [200, env("production", { freeze: { reason: "audit", until: null, by: "o", at: "x" } })],
  }));
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  await user.click(within(table).getByRole("button", { name: "Freeze production…" }));
  const form = screen.getByRole("form", { name: "Freeze production" });
  await user.type(within(form).getByLabelText("Reason"), "audit");
  await user.click(within(form).getByRole("button", { name: "Freeze" }));
  await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({ reason: "audit" }));
});

test("the API's 422 shows at its field and the form stays", async () => {
  session.set("t");
  fakeApi(project(() => [env("production")], {
    [`POST ${ENVS}/production/freeze`]: () => [422, err("invalid", "until must be in the future", "until")],
  }));
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  await user.click(within(table).getByRole("button", { name: "Freeze production…" }));
  const form = screen.getByRole("form", { name: "Freeze production" });
  await user.type(within(form).getByLabelText("Reason"), "late");
  const until = within(form).getByLabelText("Until (optional)");
  fireEvent.change(until, { target: { value: "2020-01-01T08:00" } });
  await user.click(within(form).getByRole("button", { name: "Freeze" }));
  const field = until.closest(".field") as HTMLElement;
  expect((await within(field).findByRole("alert")).textContent).toBe("until must be in the future");
  expect(until.getAttribute("aria-invalid")).toBe("true");
  expect(within(form).queryByText("until must be in the future", { selector: ".form-error" })).toBeNull();
  expect(screen.getByRole("form", { name: "Freeze production" })).toBeTruthy();
});
