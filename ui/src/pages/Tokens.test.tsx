import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt, signedIn } from "../test/fakeApi";
import { expiry } from "./Tokens";

test("revoking a token asks first (scripts using it stop working); Keep revokes nothing", async () => {
  session.set("t");
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/tokens": () => [200, { items: [{ id: "tok_1", name: "ci", prefix: "lb_WQmd", org_id: "o", created: new Date().toISOString(), last_used: null }], next: null }],
    "DELETE /v1/tokens/tok_1": () => [204, null],
  });
  renderAt("/tokens");
  const table = await screen.findByRole("table", { name: "API tokens" }, { timeout: 5000 });
  expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Name", "Starts with", "Created", "Expires", "Last used", "Actions"]);
  await userEvent.click(within(table).getByRole("button", { name: "Revoke ci" }));
  const ask = within(table).getByRole("group", { name: "Revoke ci?" });
  expect(ask.textContent).toContain("Scripts using it stop working.");
  await userEvent.click(within(ask).getByRole("button", { name: "Keep" }));
  expect(calls.filter((c) => c.method === "DELETE")).toEqual([]);
  await userEvent.click(within(table).getByRole("button", { name: "Revoke ci" }));
  await userEvent.click(within(table).getByRole("button", { name: "Yes, revoke" }));
  await waitFor(() => expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/v1/tokens/tok_1"]));
});

test("a new token ends in 90 days unless another end (or never) is chosen; the list says when each ends", async () => {
  session.set("t");
  const soon = new Date(Date.now() + 12 * 86_400_000 - 60_000).toISOString();
  const gone = new Date(Date.now() - 86_400_000).toISOString();
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/tokens": () => [200, { items: [
      { id: "tok_1", name: "ci", prefix: "lb_a", org_id: null, created: gone, last_used: null, expires: soon },
      { id: "tok_2", name: "old", prefix: "lb_b", org_id: null, created: gone, last_used: null, expires: gone },
      { id: "tok_3", name: "forever", prefix: "lb_c", org_id: null, created: gone, last_used: null, expires: null },
    ], next: null }],
    "POST /v1/tokens": async (req) => {
      const body = await req.json() as { name: string; expires_days?: number };
      if (body.name === "bad") return [422, err("invalid", "expires_days must be at most 3650", "expires_days")];
      return [201, { id: "tok_9", name: body.name, prefix: "lb_z", org_id: null, created: new Date().toISOString(), last_used: null,
        expires: body.expires_days ? new Date(Date.now() + body.expires_days * 86_400_000).toISOString() : null, token: "lb_zSECRET" }];
    },
  });
  renderAt("/tokens");
  const table = await screen.findByRole("table", { name: "API tokens" });
  const cells = (name: string) => [...(within(table).getByText(name).closest("tr") as HTMLElement).querySelectorAll("td")].map((td) => td.textContent);
  expect(cells("ci")[3]).toBe("in 12 days");
  expect(cells("old")[3]).toBe("expired");
  expect(cells("forever")[3]).toBe("never");
  const user = userEvent.setup();
  await user.type(screen.getByLabelText("Token name"), "deploy-bot");
  await user.click(screen.getByRole("button", { name: "Create token" }));
  expect((await screen.findByText("lb_zSECRET")).textContent).toBe("lb_zSECRET");
  await user.type(screen.getByLabelText("Token name"), "laptop");
  await user.selectOptions(screen.getByLabelText("Expires"), "never");
  await user.click(screen.getByRole("button", { name: "Create token" }));
  await user.type(screen.getByLabelText("Token name"), "bad");
  await user.click(screen.getByRole("button", { name: "Create token" }));
  expect((await screen.findByText("expires_days must be at most 3650")).textContent).toBeTruthy();
  expect(calls.filter((c) => c.method === "POST").map((c) => c.body)).toEqual([
    { name: "deploy-bot", expires_days: 90 }, { name: "laptop" }, { name: "bad" }]);
});

test("expiry in words", () => {
  const now = Date.parse("2026-11-26T12:00:00Z");
  expect(expiry(null, now)).toBe("never");
  expect(expiry("2026-11-26T11:00:00Z", now)).toBe("expired");
  expect(expiry("2026-11-26T12:30:00Z", now)).toBe("in 1 hour");
  expect(expiry("2026-11-27T11:00:00Z", now)).toBe("in 23 hours");
  expect(expiry("2026-11-27T12:00:00Z", now)).toBe("in 1 day");
  expect(expiry("2026-11-27T13:00:00Z", now)).toBe("in 2 days");
});
