import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { fakeApi, renderAt, signedIn } from "../test/fakeApi";

test("revoking a token asks first (scripts using it stop working); Keep revokes nothing", async () => {
  session.set("t");
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/tokens": () => [200, { items: [{ id: "tok_1", name: "ci", prefix: "lb_WQmd", org_id: "o", created: new Date().toISOString(), last_used: null }], next: null }],
    "DELETE /v1/tokens/tok_1": () => [204, null],
  });
  renderAt("/tokens");
  const table = await screen.findByRole("table", { name: "API tokens" }, { timeout: 5000 });
  expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Name", "Starts with", "Created", "Last used", "Actions"]);
  await userEvent.click(within(table).getByRole("button", { name: "Revoke ci" }));
  const ask = within(table).getByRole("group", { name: "Revoke ci?" });
  expect(ask.textContent).toContain("Scripts using it stop working.");
  await userEvent.click(within(ask).getByRole("button", { name: "Keep" }));
  expect(calls.filter((c) => c.method === "DELETE")).toEqual([]);
  await userEvent.click(within(table).getByRole("button", { name: "Revoke ci" }));
  await userEvent.click(within(table).getByRole("button", { name: "Yes, revoke" }));
  await waitFor(() => expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/v1/tokens/tok_1"]));
});
