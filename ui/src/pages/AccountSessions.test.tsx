import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt, signedIn, type Answer } from "../test/fakeApi";

const FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0";
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const quiet: Record<string, Answer> = {
  "GET /v1/me/notifications": () => [200, { deploy_failures: true, approvals: true, email: "me@example.com", about: {} }],
};
const fieldOf = (root: HTMLElement, label: string) => within(root).getByLabelText(label).closest(".field") as HTMLElement;

test("where you're signed in: clients in words, this device marked; Sign out one, then everywhere else", async () => {
  session.set("t");
  let items = [
    { id: "s1", created: minutesAgo(2), expires: minutesAgo(-600), source_ip: "127.0.0.1", user_agent: FIREFOX, current: true },
    { id: "s2", created: minutesAgo(30), expires: minutesAgo(-600), source_ip: "10.0.0.7", user_agent: "launchbay-cli", current: false },
    { id: "s3", created: minutesAgo(90), expires: minutesAgo(-600), source_ip: null, user_agent: "x".repeat(60), current: false },
  ];
  const calls = fakeApi({
    ...signedIn(), ...quiet,
    "GET /v1/me/sessions": () => [200, { items, next: null }],
    "DELETE /v1/me/sessions/s2": () => { items = items.filter((s) => s.id !== "s2"); return [204, null]; },
    "DELETE /v1/me/sessions": () => { const n = items.length - 1; items = items.filter((s) => s.current); return [200, { signed_out_sessions: n }]; },
  });
  renderAt("/account");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Sessions" });
  const rows = within(table).getAllByRole("row").slice(1);
  expect(rows.map((r) => within(r).getAllByRole("cell").slice(0, 3).map((c) => c.textContent))).toEqual([
    ["Firefox on macOS this device", "127.0.0.1", "2m ago"],
    ["launchbay CLI", "10.0.0.7", "30m ago"],
    ["x".repeat(39) + "…", "unknown", "1h ago"],
  ]);
  await user.click(within(table).getByRole("button", { name: "Sign out launchbay CLI at 10.0.0.7, signed in 30m ago" }));
  await waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(3));
  await user.click(screen.getByRole("button", { name: "Sign out everywhere else" }));
  expect((await screen.findByText(/^Signed out \d/)).textContent).toBe("Signed out 1 other session.");
  await waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(2));
  expect(screen.queryByRole("button", { name: "Sign out everywhere else" })).toBeNull();
  expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/v1/me/sessions/s2", "/v1/me/sessions"]);
}, 30_000);

test("signing out this device is a log-out", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(), ...quiet,
    "GET /v1/me/sessions": () => [200, { items: [{ id: "s1", created: minutesAgo(2), expires: minutesAgo(-60), source_ip: "127.0.0.1", user_agent: FIREFOX, current: true }], next: null }],
    "DELETE /v1/me/sessions/s1": () => [204, null],
  });
  const router = renderAt("/account");
  const user = userEvent.setup();
  expect(screen.queryByRole("button", { name: "Sign out everywhere else" })).toBeNull();
  await user.click(await screen.findByRole("button", { name: "Sign out this device" }));
  expect(await screen.findByText("You are signed out.")).toBeTruthy();
  expect(router.state.location.pathname).toBe("/login");
  expect(session.token).toBeNull();
}, 30_000);

test("delete account: typed 'delete', the password's refusal at its field, 409 links the organizations it names by id", async () => {
  session.set("t");
  let attempt = 0;
  const calls = fakeApi({
    ...signedIn(), ...quiet, "GET /v1/me/sessions": () => [200, { items: [], next: null }],
    // "Acme" has another owner; the refusal's message names "Acme Labs", which holds "Acme" too
    "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com" }, organizations: [
      { id: "o", name: "Acme", role: "owner" }, { id: "o3", name: "Acme Labs", role: "owner" },
      { id: "o2", name: "Beta", role: "developer" }] }],
    "POST /v1/me/delete": () => {
      attempt += 1;
      if (attempt === 1) return [403, err("forbidden", "the password is wrong", "password")];
      const refusal = err("conflict", "you are the only owner of Acme Labs: make another member an owner, or delete the organization first", "organizations");
      return [409, { error: { ...refusal.error, resources: [{ type: "organization", id: "o3", name: "Acme Labs" }] } }];
    },
  });
  const router = renderAt("/account");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Delete your account…" }));
  const form = screen.getByRole("form", { name: "Delete your account" });
  expect(within(form).queryByLabelText("Code from your app")).toBeNull();
  const go = within(form).getByRole("button", { name: "Delete my account" }) as HTMLButtonElement;
  await user.type(within(form).getByLabelText("Your password"), "wrong one");
  expect(go.disabled).toBe(true);
  await user.type(within(form).getByLabelText("Type delete to confirm"), "delete");
  await user.click(go);
  expect((await within(fieldOf(form, "Your password")).findByRole("alert")).textContent).toBe("the password is wrong");
  await user.click(go);
  const refusal = await within(form).findByText(/only owner of Acme Labs/);
  const link = within(refusal.closest("[data-refusal]") as HTMLElement).getByRole("link", { name: "Acme Labs: members and settings" });
  expect(link.getAttribute("href")).toBe("/orgs/o3/members#settings");
  expect(within(form).queryByRole("link", { name: /Beta/ })).toBeNull();
  expect(within(form).queryByRole("link", { name: "Acme: members and settings" })).toBeNull();
  expect(calls.filter((c) => c.path === "/v1/me/delete").at(-1)!.body).toEqual({ password: "wrong one" });
  await user.click(link);
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o3/members"));
  expect(session.token).toBe("t");
}, 30_000);

test("delete account with two-factor on: the code (or a recovery code); deleted, the log-in page says so", async () => {
  session.set("t");
  let attempt = 0;
  const calls = fakeApi({
    ...signedIn(), ...quiet, "GET /v1/me/sessions": () => [200, { items: [], next: null }],
    "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com" }, organizations: [{ id: "o", name: "Acme", role: "developer" }],
      mfa: { enabled: true, recovery_codes_left: 8 } }],
    "POST /v1/me/delete": () => {
      attempt += 1;
      if (attempt === 1) return [403, err("forbidden", "the code is wrong", "code")];
      return [200, { status: "deleted", email: "me@example.com", left_organizations: ["Acme"] }];
    },
  });
  const router = renderAt("/account");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Delete your account…" }));
  const form = screen.getByRole("form", { name: "Delete your account" });
  await user.type(within(form).getByLabelText("Your password"), "a long password");
  await user.type(within(form).getByLabelText("Code from your app"), "123 456");
  await user.type(within(form).getByLabelText("Type delete to confirm"), "delete");
  await user.click(within(form).getByRole("button", { name: "Delete my account" }));
  expect((await within(fieldOf(form, "Code from your app")).findByRole("alert")).textContent).toBe("the code is wrong");
  expect(calls.filter((c) => c.path === "/v1/me/delete")[0]!.body).toEqual({ password: "a long password", code: "123456" });

  await user.click(within(form).getByRole("button", { name: "Use a recovery code" }));
  await user.type(within(form).getByLabelText("Recovery code"), " abcd-efgh ");
  await user.click(within(form).getByRole("button", { name: "Delete my account" }));
  expect((await screen.findByText(/^Your account was deleted/)).textContent).toBe("Your account was deleted; you left Acme.");
  expect(router.state.location.pathname).toBe("/login");
  expect(session.token).toBeNull();
  expect(calls.filter((c) => c.path === "/v1/me/delete")[1]!.body).toEqual({ password: "a long password", recovery_code: "abcd-efgh" });
}, 30_000);
