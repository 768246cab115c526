// Screen-reader structure the other page tests do not look at: table headers, one h1 per page,
// where focus goes when an inline question is dismissed.
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { makeQueryClient } from "../App";
import { session } from "../api/client";
import { DeleteByName } from "../components/DeleteByName";
import { fakeApi, renderAt, service, signedIn } from "../test/fakeApi";

const empty = (): [number, unknown] => [200, { items: [], next: null }];

test("secrets are a table with column headers (the value says hidden, not six bullets)", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/services/s": () => [200, service],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s/secrets": () => [200, { items: [{ name: "API_KEY", version: 2, scope: "service", updated: "2026-11-26T10:00:00Z" }], next: null }],
    "GET /v1/orgs/o/services/s/(deployments|releases)": empty,
  });
  renderAt("/orgs/o/services/s/variables");
  const table = await screen.findByRole("table", { name: "Secrets" });
  expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Name", "Version", "Set", "Value", "Actions"]);
  const row = within(table).getByRole("row", { name: /API_KEY/ });
  expect(within(row).getAllByRole("cell")[3]!.textContent).toContain("hidden");
});

test("no secrets: no empty table, the empty note only", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/services/s": () => [200, service],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s/secrets": empty,
    "GET /v1/orgs/o/services/s/(deployments|releases)": empty,
  });
  renderAt("/orgs/o/services/s/variables");
  expect(await screen.findByText("No secrets")).toBeTruthy();
  expect(screen.queryByRole("table", { name: "Secrets" })).toBeNull();
});

test("members and invitations tables have column headers, the actions column named", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/members": () => [200, { items: [{ user: { id: "u", email: "me@example.com" }, role: "owner" }], next: null }],
    "GET /v1/orgs/o/invitations": () => [200, { items: [{ id: "inv_1", email: "x@example.com", role: "viewer", status: "pending", created: "2026-11-20T00:00:00Z", expires: "2026-12-04T00:00:00Z" }], next: null }],
  });
  renderAt("/orgs/o/members");
  const members = await screen.findByRole("table", { name: "Members" });
  expect(within(members).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Email", "Role", "Project roles"]);
  const invitations = await screen.findByRole("table", { name: "Invitations" });
  expect(within(invitations).getAllByRole("columnheader").at(-1)!.textContent).toBe("Actions");
});

test("the account's sessions are a table with column headers, the actions column named; one h1 on the page", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/me/notifications": () => [200, { deploy_failures: true, approvals: true, email: "me@example.com", about: {} }],
    "GET /v1/me/sessions": () => [200, { items: [{ id: "s1", created: "2026-11-20T00:00:00Z", expires: "2026-12-20T00:00:00Z", source_ip: "127.0.0.1", user_agent: "launchbay-cli", current: true }], next: null }],
  });
  renderAt("/account");
  const sessions = await screen.findByRole("table", { name: "Sessions" });
  expect(within(sessions).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Client", "Address", "Signed in", "Actions"]);
  expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
  expect(screen.getByRole("region", { name: "Delete account" })).toBeTruthy();
});

test("an unknown address says so in a heading of its own", async () => {
  session.set("t");
  fakeApi(signedIn());
  renderAt("/orgs/o/nothing/here");
  expect(await screen.findByRole("heading", { level: 1, name: "Page not found" })).toBeTruthy();
  expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
});

test("Keep it closes the typed-name question and gives focus back to the Delete button", async () => {
  render(
    <QueryClientProvider client={makeQueryClient()}>
      <DeleteByName what="service" name="web" remove={async () => undefined} onDeleted={() => {}}>Gone for good.</DeleteByName>
    </QueryClientProvider>,
  );
  const user = userEvent.setup();
  await user.click(screen.getByRole("button", { name: "Delete web…" }));
  expect(document.activeElement).toBe(screen.getByLabelText("Type web to confirm"));
  await user.click(screen.getByRole("button", { name: "Keep it" }));
  expect(screen.queryByLabelText("Type web to confirm")).toBeNull();
  expect(document.activeElement).toBe(screen.getByRole("button", { name: "Delete web…" }));
});

test("the environment filter is a group of pressed buttons (not tabs without panels)", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/projects/p/services": empty, "GET /v1/orgs/o/projects": empty, "GET /v1/orgs/o/aws-accounts": empty,
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [{ id: "e1", name: "production" }, { id: "e2", name: "staging" }], next: null }],
  });
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const filter = await screen.findByRole("group", { name: "Show environment" });
  expect(within(filter).queryAllByRole("tab")).toHaveLength(0);
  const pressed = () => within(filter).getAllByRole("button", { pressed: true }).map((b) => b.textContent);
  expect(pressed()).toEqual(["All environments"]);
  await user.click(within(filter).getByRole("button", { name: "staging" }));
  await waitFor(() => expect(pressed()).toEqual(["staging"]));
});

test("an inline question takes focus at its safe answer, and Keep gives focus back to the button that asked", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/tokens": () => [200, { items: [{ id: "tok_1", name: "ci", prefix: "lb_WQmd", org_id: "o", created: new Date().toISOString(), last_used: null }], next: null }],
  });
  renderAt("/tokens");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "API tokens" });
  await user.click(within(table).getByRole("button", { name: "Revoke ci" }));
  const ask = within(table).getByRole("group", { name: "Revoke ci?" });
  expect(document.activeElement).toBe(within(ask).getByRole("button", { name: "Keep" }));
  await user.keyboard("{Enter}");
  expect(within(table).queryByRole("group")).toBeNull();
  expect(document.activeElement).toBe(within(table).getByRole("button", { name: "Revoke ci" }));
});

test("an environment's clone form takes focus at its first field; Cancel gives it back to Clone", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/services": empty, "GET /v1/orgs/o/aws-accounts": empty,
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [{ id: "env_production", project_id: "p", name: "production", domain_suffix: null, env: {}, aws_account_id: null, region: null }], next: null }],
  });
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  await user.click(within(table).getByRole("button", { name: "Clone production" }));
  expect(document.activeElement).toBe(within(table).getByLabelText("New environment name"));
  await user.click(within(table).getByRole("button", { name: "Cancel" }));
  expect(document.activeElement).toBe(within(table).getByRole("button", { name: "Clone production" }));
  await user.click(within(table).getByRole("button", { name: "Delete production" }));
  expect(document.activeElement).toBe(within(table).getByRole("button", { name: "Keep" }));
  await user.click(within(table).getByRole("button", { name: "Keep" }));
  expect(document.activeElement).toBe(within(table).getByRole("button", { name: "Delete production" }));
});

test("a refused form puts focus on the first field with an error (create service: the API's 422; a bad variable line before sending)", async () => {
  session.set("t");
  let posts = 0;
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": empty,
    "POST /v1/orgs/o/projects/p/services": () => {
      posts += 1;
      return [422, { error: { code: "invalid", message: "2 problems", field: "image",
        fields: [{ field: "image", message: "image must be a reference" }, { field: "port", message: "port must be 1-65535" }] } }];
    },
  });
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name"), "web");
  await user.type(screen.getByLabelText("Image"), "??");
  await user.type(screen.getByLabelText("Variables"), "not a pair");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Variables")));
  expect(posts).toBe(0);   // refused before sending

  await user.clear(screen.getByLabelText("Variables"));
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Image")));
  expect(posts).toBe(1);
});

test("sign in refused: focus on the field the API names", async () => {
  fakeApi({ "POST /v1/auth/login": () => [401, { error: { code: "unauthorized", message: "wrong email or password", field: "password" } }] });
  renderAt("/login");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Email"), "me@example.com");
  await user.type(screen.getByLabelText("Password"), "nope nope nope");
  await user.click(screen.getByRole("button", { name: "Sign in" }));
  await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Password")));
});

test("a status that changes while the list is polled is said (the badge alone changes silently); the first read is not", async () => {
  session.set("t");
  let status = "deploying";
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [{ ...service, status }], next: null }],
    "GET /v1/orgs/o/projects/p/environments": empty, "GET /v1/orgs/o/projects": empty, "GET /v1/orgs/o/aws-accounts": empty,
  });
  renderAt("/orgs/o/projects/p");
  const table = await screen.findByRole("table", { name: "Services" });
  await within(table).findByText("deploying");
  const said = screen.getByTestId("status-changes");
  expect(said.getAttribute("role")).toBe("status");
  expect(said.textContent).toBe("");
  status = "live";
  await waitFor(() => expect(said.textContent).toBe("web is live."), { timeout: 8000 });
}, 15_000);

test("the password reset pages: one h1 each, every field labelled, the Sandbox note said in words, a refusal focused at its field", async () => {
  fakeApi({
    "POST /v1/auth/password-reset": () => [202, { status: "requested", message: "a link is on its way", expires_in: 1800, sandbox: "no e-mail leaves this machine" }],
    "POST /v1/auth/password-reset/confirm": () => [422, { error: { code: "invalid", message: "at least 10 characters", field: "password" } }],
  });
  const labelled = () => {
    for (const control of document.querySelectorAll("input, select, textarea")) {
      expect((control as HTMLInputElement).labels?.length ?? 0).toBeGreaterThan(0);
    }
  };
  const user = userEvent.setup();
  const forgot = renderAt("/forgot-password");
  await user.type(await screen.findByLabelText("Email"), "ana@example.com");
  expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
  expect(screen.getByRole("form", { name: "Ask for a password reset link" })).toBeTruthy();
  labelled();
  await user.click(screen.getByRole("button", { name: "Send me a link" }));
  const status = await screen.findByRole("status");
  expect(within(status).getByText("Sandbox").textContent).toBe("Sandbox");   // a word, not a colour only
  expect(forgot.state.location.pathname).toBe("/forgot-password");

  await act(() => forgot.navigate("/reset-password?token=abc"));
  const password = await screen.findByLabelText("New password");
  expect(screen.getAllByRole("heading", { level: 1 }).map((h) => h.textContent)).toEqual(["Choose a new password"]);
  labelled();
  expect(password.getAttribute("autocomplete")).toBe("new-password");
  expect(screen.getByLabelText("Confirm new password").getAttribute("autocomplete")).toBe("new-password");
  await user.type(password, "0123456789");
  await user.type(screen.getByLabelText("Confirm new password"), "0123456789");
  await user.click(screen.getByRole("button", { name: "Change password" }));
  await waitFor(() => expect(document.activeElement).toBe(password));
  expect(password.getAttribute("aria-describedby")?.split(" ")).toHaveLength(2);   // the hint and the error

  await act(() => forgot.navigate("/reset-password"));
  expect(await screen.findByRole("heading", { level: 1, name: "Choose a new password" })).toBeTruthy();
  expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
});

test("proving an address: the verify page has one h1 and says its answer in a live region; the banner's words and button are named, outside main; sign-up's fields are labelled", async () => {
  fakeApi({
    "POST /v1/auth/verify-email": () => [200, { status: "verified", email: "me@example.com", joined: [] }],
    "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com", email_verified: false }, organizations: [{ id: "o", name: "Acme", role: "owner" }] }],
    "GET /v1/health": () => [200, { mode: "aws", sandbox: false }],
    "GET /v1/orgs/o/members": () => [200, { items: [{ user: { id: "u", email: "me@example.com", email_verified: false }, role: "owner" }], next: null }],
    "GET /v1/orgs/o/(invitations|projects)": () => [200, { items: [], next: null }],
  });
  const labelled = () => {
    for (const control of document.querySelectorAll("input, select, textarea")) {
      expect((control as HTMLInputElement).labels?.length ?? 0).toBeGreaterThan(0);
    }
  };
  const router = renderAt("/signup?email=me%40example.com&invitation=abc");
  const org = await screen.findByLabelText("Organization");
  labelled();
  expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
  expect(document.getElementById(org.getAttribute("aria-describedby")!)?.textContent).toMatch(/^Optional: you join the organization that invited you/);

  await act(() => router.navigate("/verify-email?token=abc"));
  expect(await screen.findByRole("heading", { level: 1, name: "Address confirmed" })).toBeTruthy();
  expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
  expect(screen.getByRole("status").textContent).toMatch(/^me@example\.com is confirmed/);

  session.set("t");
  await act(() => router.navigate("/orgs/o/members"));
  const members = await screen.findByRole("table", { name: "Members" });
  expect((await within(members).findAllByRole("cell"))[0]!.textContent).toBe("me@example.com (address not confirmed)");
  const banner = screen.getByText(/^Confirm your e-mail address/).closest("[role=status]") as HTMLElement;
  expect(banner.closest("main")).toBeNull();
  expect(within(banner).getByRole("button", { name: "Send a new link" })).toBeTruthy();
  expect(screen.getAllByRole("heading", { level: 1 }).map((h) => h.textContent)).toEqual(["Members"]);   // the banner adds no heading
});

test("mail held back: the banner is a status region outside main with a named button and no heading; both banners are each one region", async () => {
  session.set("t");
  fakeApi({
    "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com", email_verified: false }, organizations: [{ id: "o", name: "Acme", role: "owner" }],
      email_delivery: { suppressed: true, reason: "bounce", detail: "smtp; 550 5.1.1 user unknown", since: "2026-03-05T10:20:00Z" } }],
    "GET /v1/health": () => [200, { mode: "aws", sandbox: false }],
    "GET /v1/orgs/o/members": () => [200, { items: [{ user: { id: "u", email: "me@example.com" }, role: "owner" }], next: null }],
    "GET /v1/orgs/o/(invitations|projects)": () => [200, { items: [], next: null }],
  });
  renderAt("/orgs/o/members");
  await screen.findByRole("table", { name: "Members" });
  const held = (await screen.findByText((_, el) => el?.tagName === "P" && /^E-mail to me@example\.com is held back/.test(el.textContent ?? "")))
    .closest("[role=status]") as HTMLElement;
  const verify = screen.getByText(/^Confirm your e-mail address/).closest("[role=status]") as HTMLElement;
  expect(held).not.toBe(verify);
  expect(held.closest("main")).toBeNull();
  expect(within(held).getByRole("button", { name: "My mailbox works again" })).toBeTruthy();
  expect(held.querySelector("time")?.getAttribute("title")).toBeTruthy();   // the exact time
  expect(screen.getAllByRole("heading", { level: 1 }).map((h) => h.textContent)).toEqual(["Members"]);
});

test("changing the address: the account page's form has every field labelled, a refusal focused at its field; the confirm page has one h1 and says its answer in a live region", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com", email_verified: true }, organizations: [{ id: "o", name: "Acme", role: "owner" }],
      mfa: { enabled: true, recovery_codes_left: 8 }, pending_email: null }],
    "GET /v1/me/notifications": () => [200, { deploy_failures: true, approvals: true, email: "me@example.com", about: {} }],
    "POST /v1/me/email": () => [403, { error: { code: "forbidden", message: "the code is not valid", field: "code" } }],
    "POST /v1/auth/email-change/confirm": () => [200, { status: "changed", email: "new@example.com", previous_email: "me@example.com", signed_out_sessions: 1, joined: [] }],
  });
  const router = renderAt("/account");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Change address" }));
  const form = screen.getByRole("form", { name: "Change your e-mail address" });
  for (const control of form.querySelectorAll("input")) expect(control.labels?.length ?? 0).toBeGreaterThan(0);
  expect(screen.getByLabelText("New e-mail address").getAttribute("autocomplete")).toBe("email");
  expect(screen.getByLabelText("Your password").getAttribute("autocomplete")).toBe("current-password");
  await user.type(screen.getByLabelText("New e-mail address"), "new@example.com");
  await user.type(screen.getByLabelText("Your password"), "a long password");
  await user.type(screen.getByLabelText("Code from your app"), "000000");
  await user.click(screen.getByRole("button", { name: "Send a link" }));
  await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Code from your app")));
  expect(screen.getAllByRole("heading", { level: 1 }).map((h) => h.textContent)).toEqual(["Your account"]);

  await act(() => router.navigate("/confirm-email-change?token=abc"));
  expect(await screen.findByRole("heading", { level: 1, name: "Address changed" })).toBeTruthy();
  expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
  expect(screen.getByRole("status").textContent).toMatch(/^Your address is now new@example\.com/);
}, 30_000);
