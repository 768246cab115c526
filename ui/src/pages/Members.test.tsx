import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { fakeApi, renderAt, signedIn } from "../test/fakeApi";

test("members: inviting shows the invitation as pending; revoking asks first and deletes that one", async () => {
  session.set("t");
  let invitations = [{ id: "inv_1", email: "old@example.com", role: "viewer", status: "pending", created: "2026-11-20T00:00:00Z", expires: "2026-12-04T00:00:00Z" }];
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/members": () => [200, { items: [{ user: { id: "u", email: "me@example.com" }, role: "owner" }], next: null }],
    "GET /v1/orgs/o/invitations": () => [200, { items: invitations, next: null }],
    "POST /v1/orgs/o/members": () => {
      const inv = { id: "inv_2", email: "new@example.com", role: "developer", status: "pending", created: "2026-11-26T00:00:00Z", expires: "2026-12-10T00:00:00Z" };
      invitations = [...invitations, inv];
      return [201, inv];
    },
    "DELETE /v1/orgs/o/invitations/inv_1": () => { invitations = invitations.filter((i) => i.id !== "inv_1"); return [204, null]; },
  });
  renderAt("/orgs/o/members");
  const user = userEvent.setup();

  await user.type(await screen.findByLabelText("Invite by email"), "new@example.com");
  await user.click(screen.getByRole("button", { name: "Invite" }));
  expect(await screen.findByText((_, el) => el?.matches(".notice") === true && /new@example\.com \(developer\) is pending/.test(el.textContent ?? ""))).toBeTruthy();
  const table = await screen.findByRole("table", { name: "Invitations" });
  expect(await within(table).findByText("new@example.com")).toBeTruthy();
  expect(calls.find((c) => c.method === "POST")?.body).toEqual({ email: "new@example.com", role: "developer" });

  // the first click only asks; "Keep" leaves it alone
  await user.click(within(table).getByRole("button", { name: "Revoke the invitation for old@example.com" }));
  await user.click(within(table).getByRole("button", { name: "Keep" }));
  expect(calls.some((c) => c.method === "DELETE")).toBe(false);
  await user.click(within(table).getByRole("button", { name: "Revoke the invitation for old@example.com" }));
  const ask = within(table).getByRole("group", { name: "Revoke the invitation for old@example.com?" });
  await user.click(within(ask).getByRole("button", { name: "Yes, revoke" }));
  await within(table).findByText("new@example.com");
  await waitFor(() => expect(within(table).queryByText("old@example.com")).toBeNull());
  expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/v1/orgs/o/invitations/inv_1"]);
}, 30_000);


test("members: a refused invitation shows its error alone, not under the last one's \"is pending\"", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/members": () => [200, { items: [{ user: { id: "u", email: "me@example.com" }, role: "owner" }], next: null }],
    "GET /v1/orgs/o/invitations": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/members": async (req) => (await req.json()).email === "me@example.com"
      ? [409, { error: { code: "conflict", message: "already a member of this organization", field: "email" } }]
      : [201, { id: "inv_2", email: "ana@example.com", role: "developer", status: "pending", created: "2026-11-26T00:00:00Z", expires: "2026-12-10T00:00:00Z" }],
  });
  renderAt("/orgs/o/members");
  const user = userEvent.setup();
  const email = await screen.findByLabelText("Invite by email");
  await user.type(email, "ana@example.com");
  await user.click(screen.getByRole("button", { name: "Invite" }));
  expect(await screen.findByText(/is pending/)).toBeTruthy();
  await user.type(email, "me@example.com");
  await user.click(screen.getByRole("button", { name: "Invite" }));
  expect((await within(email.closest(".field") as HTMLElement).findByRole("alert")).textContent).toBe("already a member of this organization");
  expect(screen.queryByText(/is pending/)).toBeNull();
});
