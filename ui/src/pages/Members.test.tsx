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


const projects = { items: [{ id: "p_shop", org_id: "o", name: "shop" }, { id: "p_blog", org_id: "o", name: "blog" }], next: null };

test("members: an owner gives a viewer a role in one project, sees it as a chip, and takes it away", async () => {
  session.set("t");
  let vic = { user: { id: "u_vic", email: "vic@example.com" }, role: "viewer", created: "", project_roles: [] as unknown[] };
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/members": () => [200, { items: [
      { user: { id: "u", email: "me@example.com" }, role: "owner", created: "", project_roles: [] }, vic], next: null }],
    "GET /v1/orgs/o/invitations": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/projects": () => [200, projects],
    "PUT /v1/orgs/o/members/u_vic/projects/p_shop": async (req) => {
      const { role } = await req.json() as { role: string };
      vic = { ...vic, project_roles: [{ project_id: "p_shop", project: "shop", role, applies: true }] };
      return [200, vic];
    },
    "DELETE /v1/orgs/o/members/u_vic/projects/p_shop": () => { vic = { ...vic, project_roles: [] }; return [200, vic]; },
  });
  renderAt("/orgs/o/members");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Members" });
  // owners and admins act on every project: nothing to add for them
  expect(within(table).queryByRole("button", { name: "Add a project role for me@example.com" })).toBeNull();
  await user.click(await within(table).findByRole("button", { name: "Add a project role for vic@example.com" }));
  const form = within(table).getByRole("form", { name: "Project role for vic@example.com" });
  expect((within(form).getByRole("button", { name: "Add" }) as HTMLButtonElement).disabled).toBe(true);   // no project yet
  await within(form).findByRole("option", { name: "blog" });
  await user.selectOptions(within(form).getByLabelText("Project"), "shop");
  await user.selectOptions(within(form).getByLabelText("Role in project"), "developer");
  await user.click(within(form).getByRole("button", { name: "Add" }));
  const chips = await within(table).findByRole("list", { name: "Project roles of vic@example.com" });
  expect(within(chips).getByText("shop: developer")).toBeTruthy();
  expect(within(table).queryByRole("form")).toBeNull();   // the form closes
  expect(calls.find((c) => c.method === "PUT")?.body).toEqual({ role: "developer" });

  await user.click(within(chips).getByRole("button", { name: "Remove vic@example.com's role in shop" }));
  await waitFor(() => expect(within(table).queryByText("shop: developer")).toBeNull());
  expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/v1/orgs/o/members/u_vic/projects/p_shop"]);
}, 30_000);

test("members: a refused project role shows its error at the field", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/members": () => [200, { items: [
      { user: { id: "u_dee", email: "dee@example.com" }, role: "developer", created: "", project_roles: [] }], next: null }],
    "GET /v1/orgs/o/invitations": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/projects": () => [200, projects],
    "PUT /v1/orgs/o/members/u_dee/projects/p_blog": () =>
      [422, { error: { code: "invalid", message: "admins act on every project as admin: a project role is for developers and viewers", field: "role" } }],
  });
  renderAt("/orgs/o/members");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Add a project role for dee@example.com" }));
  const form = screen.getByRole("form", { name: "Project role for dee@example.com" });
  await within(form).findByRole("option", { name: "blog" });
  await user.selectOptions(within(form).getByLabelText("Project"), "blog");
  await user.click(within(form).getByRole("button", { name: "Add" }));
  const role = within(form).getByLabelText("Role in project");
  expect((await within(role.closest(".field") as HTMLElement).findByRole("alert")).textContent).toMatch(/act on every project/);
  expect(role.getAttribute("aria-invalid")).toBe("true");
  expect(within(form).getAllByRole("alert")).toHaveLength(1);   // at the field, not twice
});

test("members: a promoted member's project role is greyed and explained; a viewer sees roles without controls", async () => {
  session.set("t");
  const members = { items: [
    { user: { id: "u_ada", email: "ada@example.com" }, role: "admin", created: "",
      project_roles: [{ project_id: "p_shop", project: "shop", role: "viewer", applies: false }] },
    { user: { id: "u_dee", email: "dee@example.com" }, role: "developer", created: "",
      project_roles: [{ project_id: "p_blog", project: "blog", role: "admin", applies: true }] },
  ], next: null };
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/members": () => [200, members],
    "GET /v1/orgs/o/invitations": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/projects": () => [200, projects],
  });
  renderAt("/orgs/o/members");
  const ada = await screen.findByRole("list", { name: "Project roles of ada@example.com" });
  const chip = within(ada).getByText("shop: viewer").closest("li")!;
  expect(chip.getAttribute("data-applies")).toBe("false");
  expect(chip.className).toMatch(/project-role-inactive/);
  expect(chip.getAttribute("title")).toBe("Does not apply: admins act on every project as admin");
  expect(chip.textContent).toMatch(/does not apply/);   // said to screen readers too
  // an owner may still take it away, but adds none to an admin
  expect(within(ada).getByRole("button", { name: "Remove ada@example.com's role in shop" })).toBeTruthy();
  expect(screen.queryByRole("button", { name: "Add a project role for ada@example.com" })).toBeNull();
  expect(screen.getByRole("button", { name: "Add a project role for dee@example.com" })).toBeTruthy();
});

test("members: a viewer reads everyone's project roles but changes none", async () => {
  session.set("t");
  fakeApi({
    "GET /v1/me": () => [200, { user: { id: "u_vic", email: "vic@example.com" }, organizations: [{ id: "o", name: "Acme", role: "viewer", project_roles: { p_blog: "admin" } }] }],
    "GET /v1/health": () => [200, { mode: "sandbox", sandbox: true }],
    "GET /v1/orgs/o/members": () => [200, { items: [
      { user: { id: "u_vic", email: "vic@example.com" }, role: "viewer", created: "",
        project_roles: [{ project_id: "p_blog", project: "blog", role: "admin", applies: true }] }], next: null }],
    "GET /v1/orgs/o/projects": () => [200, projects],
  });
  renderAt("/orgs/o/members");
  const mine = await screen.findByRole("list", { name: "Project roles of vic@example.com" });
  expect(within(mine).getByText("blog: admin")).toBeTruthy();
  expect(screen.queryByRole("button", { name: /Remove|Add a project role/ })).toBeNull();
  expect(screen.queryByRole("combobox", { name: "Role of vic@example.com" })).toBeNull();
});

test("invitations: when the last e-mail went out (or never); Resend updates the row from the answer; too soon says when to try again", async () => {
  session.set("t");
  const now = Date.now();
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
  const invitations = [
    { id: "inv_old", email: "old@example.com", role: "viewer", status: "expired", created: iso(20 * 86400_000), expires: iso(6 * 86400_000), last_sent: null, sends: 0 },
    { id: "inv_new", email: "new@example.com", role: "developer", status: "pending", created: iso(30_000), expires: new Date(now + 14 * 86400_000).toISOString(), last_sent: iso(30_000), sends: 1 },
  ];
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/members": () => [200, { items: [{ user: { id: "u", email: "me@example.com" }, role: "owner" }], next: null }],
    "GET /v1/orgs/o/invitations": () => [200, { items: invitations, next: null }],
    "POST /v1/orgs/o/invitations/inv_old/resend": () =>
      [202, { ...invitations[0], status: "pending", expires: new Date(now + 14 * 86400_000).toISOString(), last_sent: new Date().toISOString(), sends: 1 }],
    "POST /v1/orgs/o/invitations/inv_new/resend": () =>
      [429, { error: { code: "too_many_requests", message: "the invitation was e-mailed less than 60 s ago: wait a moment", field: "invitation" } }, { "Retry-After": "30" }],
  });
  renderAt("/orgs/o/members");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Invitations" });
  expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Email", "Role", "Status", "Expires", "Last sent", "Actions"]);
  const row = (email: string) => within(table).getByRole("row", { name: new RegExp(email) });
  await within(table).findByText("old@example.com");
  expect(within(row("old@example.com")).getByText("never")).toBeTruthy();
  expect(within(row("new@example.com")).getByText("30s ago").getAttribute("title")).toMatch(/^1 e-mail sent, the last /);

  await user.click(within(row("old@example.com")).getByRole("button", { name: "Resend the invitation for old@example.com" }));
  await waitFor(() => expect(row("old@example.com").querySelector("[data-status]")!.getAttribute("data-status")).toBe("pending"));
  expect(within(row("old@example.com")).getByText("just now")).toBeTruthy();
  expect(within(row("old@example.com")).getByRole("status").textContent).toBe("Sent.");
  expect(within(row("old@example.com")).queryByText("never")).toBeNull();

  await user.click(within(row("new@example.com")).getByRole("button", { name: "Resend the invitation for new@example.com" }));
  expect((await within(row("new@example.com")).findByRole("alert")).textContent)
    .toBe("the invitation was e-mailed less than 60 s ago: wait a moment. You can try again in 30 seconds.");
  expect(calls.filter((c) => c.method === "POST").map((c) => [c.path, c.body])).toEqual([
    ["/v1/orgs/o/invitations/inv_old/resend", null], ["/v1/orgs/o/invitations/inv_new/resend", null]]);
  // the list was not read again: the row is the answer
  expect(calls.filter((c) => c.method === "GET" && c.path === "/v1/orgs/o/invitations")).toHaveLength(1);
}, 30_000);

test("invitations: an e-mail SES refused shows as not delivered, with its reason", async () => {
  session.set("t");
  const sent = new Date(Date.now() - 120_000).toISOString();
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/members": () => [200, { items: [{ user: { id: "u", email: "me@example.com" }, role: "owner" }], next: null }],
    "GET /v1/orgs/o/invitations": () => [200, { items: [
      { id: "inv_a", email: "typo@exmaple.com", role: "viewer", status: "pending", created: sent, expires: sent, last_sent: sent, sends: 1,
        email_status: { status: "failed", error: "SES refused it: MessageRejected: Email address is not verified.", sent: null } },
      { id: "inv_b", email: "fine@example.com", role: "viewer", status: "pending", created: sent, expires: sent, last_sent: sent, sends: 1,
        email_status: { status: "sent", error: null, sent } }], next: null }],
  });
  renderAt("/orgs/o/members");
  const table = await screen.findByRole("table", { name: "Invitations" });
  const row = (email: string) => within(table).getByRole("row", { name: new RegExp(email) });
  await within(table).findByText("typo@exmaple.com");
  expect(within(row("typo@exmaple.com")).getByText("not delivered")).toBeTruthy();
  expect(within(row("typo@exmaple.com")).getByText(/MessageRejected/)).toBeTruthy();
  expect(within(row("fine@example.com")).queryByText("not delivered")).toBeNull();
}, 30_000);

test("invitations: an e-mail that bounced or was marked as spam says so with the server's words; one not sent to a held-back address says why", async () => {
  session.set("t");
  const sent = new Date(Date.now() - 120_000).toISOString();
  const inv = (id: string, email: string, status: string, error: string | null) => ({
    id, email, role: "viewer", status: "pending", created: sent, expires: sent, last_sent: sent, sends: 1, email_status: { status, error, sent } });
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/members": () => [200, { items: [{ user: { id: "u", email: "me@example.com" }, role: "owner" }], next: null }],
    "GET /v1/orgs/o/invitations": () => [200, { items: [
      inv("inv_a", "ana@exmaple.com", "bounced", "smtp; 550 5.1.1 user unknown"),
      inv("inv_b", "bob@example.com", "complained", "the recipient marked as spam (abuse)"),
      inv("inv_c", "Cy@Example.com", "failed", "not sent: cy@example.com bounced on 2026-03-05 (smtp; 550 5.1.1 user unknown); nothing more goes there until its owner lifts that on their account page"),
      inv("inv_d", "dee@example.com", "sent", null)], next: null }],
  });
  renderAt("/orgs/o/members");
  const table = await screen.findByRole("table", { name: "Invitations" });
  await within(table).findByText("ana@exmaple.com");
  const lastSent = (email: string) => within(table).getByRole("row", { name: new RegExp(email) }).querySelectorAll("td")[4]!;
  const badge = (email: string) => lastSent(email).querySelector(".badge");
  expect(badge("ana@exmaple.com")?.textContent).toBe("bounced");
  expect(badge("ana@exmaple.com")?.getAttribute("data-email-status")).toBe("bounced");
  expect(lastSent("ana@exmaple.com").textContent).toMatch(/ bounced: smtp; 550 5\.1\.1 user unknown$/);   // ": " for screen readers
  expect(badge("bob@example.com")?.textContent).toBe("complained");
  expect(lastSent("bob@example.com").textContent).toMatch(/ complained: the recipient marked as spam \(abuse\)$/);
  expect(badge("Cy@Example.com")?.textContent).toBe("not sent");
  expect(lastSent("Cy@Example.com").querySelector("small")?.textContent)
    .toBe("the address bounced on 2026-03-05 (smtp; 550 5.1.1 user unknown); nothing more goes there until its owner lifts that on their account page");
  expect(badge("dee@example.com")).toBeNull();
}, 30_000);

test("invitations: a developer is not shown them (nor Resend)", async () => {
  session.set("t");
  const calls = fakeApi({
    "GET /v1/me": () => [200, { user: { id: "u", email: "dev@example.com" }, organizations: [{ id: "o", name: "Acme", role: "developer" }] }],
    "GET /v1/health": () => [200, { mode: "sandbox", sandbox: true }],
    "GET /v1/orgs/o/members": () => [200, { items: [{ user: { id: "u", email: "dev@example.com" }, role: "developer" }], next: null }],
    "GET /v1/orgs/o/projects": () => [200, projects],
  });
  renderAt("/orgs/o/members");
  await screen.findByRole("table", { name: "Members" });
  expect(screen.queryByRole("table", { name: "Invitations" })).toBeNull();
  expect(screen.queryByRole("button", { name: /Resend/ })).toBeNull();
  expect(calls.some((c) => c.path === "/v1/orgs/o/invitations")).toBe(false);
});
