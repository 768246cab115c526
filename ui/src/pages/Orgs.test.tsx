import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt, signedIn, type Answer } from "../test/fakeApi";

const empty = (): [number, unknown] => [200, { items: [], next: null }];
const fieldOf = (root: HTMLElement, label: string) => within(root).getByLabelText(label).closest(".field") as HTMLElement;
type O = { id: string; name: string; role: string; created?: string };
const meOf = (orgs: () => O[]): Answer => () => [200, { user: { id: "u", email: "me@example.com" }, organizations: orgs() }];
const membersPage = (): Record<string, Answer> => ({
  "GET /v1/orgs/[^/]+/members": () => [200, { items: [{ user: { id: "u", email: "me@example.com" }, role: "owner" }], next: null }],
  "GET /v1/orgs/[^/]+/invitations": empty, "GET /v1/orgs/[^/]+/projects": empty,
});

test("New organization beside the switcher: the name's refusals at the field; created, it is switched to", async () => {
  session.set("t");
  let orgs: O[] = [{ id: "o", name: "Acme", role: "owner" }];
  let attempt = 0;
  const calls = fakeApi({
    ...signedIn(), "GET /v1/me": meOf(() => orgs), "GET /v1/orgs/[^/]+/projects": empty,
    "POST /v1/orgs": () => {
      attempt += 1;
      if (attempt === 1) return [409, err("conflict", "you belong to an organization named 'acme' already: choose another name", "name")];
      if (attempt === 2) return [429, err("throttled", "too many organizations created", "name"), { "Retry-After": "120" }];
      const org = { id: "o2", name: "Side project", created: "2026-11-28T10:00:00Z", require_mfa: false, role: "owner", project_roles: {} };
      orgs = [...orgs, org];
      return [201, org];
    },
  });
  const router = renderAt("/orgs/o");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "New organization" }));
  const dialog = screen.getByRole("dialog", { name: "New organization" });
  const name = within(dialog).getByLabelText("Organization name");
  expect(document.activeElement).toBe(name);
  await user.type(name, "acme");
  await user.click(within(dialog).getByRole("button", { name: "Create organization" }));
  expect((await within(fieldOf(dialog, "Organization name")).findByRole("alert")).textContent).toContain("named 'acme' already");

  await user.click(within(dialog).getByRole("button", { name: "Create organization" }));
  await waitFor(() => expect(within(fieldOf(dialog, "Organization name")).getByRole("alert").textContent).toMatch(/too many organizations created\. You can try again/));

  await user.clear(name);
  await user.type(name, "  Side project ");
  await user.click(within(dialog).getByRole("button", { name: "Create organization" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o2"));
  expect(screen.queryByRole("dialog")).toBeNull();
  expect((await screen.findByText(/was created/)).textContent).toBe("The organization Side project was created: you are its owner.");
  const switcher = screen.getByRole("combobox", { name: "Organization" }) as HTMLSelectElement;
  await waitFor(() => expect(switcher.value).toBe("o2"));
  expect(calls.filter((c) => c.path === "/v1/orgs").at(-1)!.body).toEqual({ name: "Side project" });
}, 30_000);

test("no organization: the home page offers to create one", async () => {
  session.set("t");
  let orgs: O[] = [];
  fakeApi({
    ...signedIn(), "GET /v1/me": meOf(() => orgs), "GET /v1/orgs/[^/]+/projects": empty,
    "POST /v1/orgs": () => { orgs = [{ id: "o9", name: "Fresh", role: "owner" }]; return [201, orgs[0]]; },
  });
  const router = renderAt("/");
  const user = userEvent.setup();
  expect(await screen.findByText("You belong to no organization yet")).toBeTruthy();
  const form = screen.getByRole("form", { name: "New organization" });
  await user.type(within(form).getByLabelText("Organization name"), "Fresh");
  await user.click(within(form).getByRole("button", { name: "Create organization" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o9"));
  expect(await screen.findByRole("heading", { level: 1, name: "Fresh" })).toBeTruthy();
}, 30_000);

test("settings: rename (409 at the name; saved, the switcher says the new name)", async () => {
  session.set("t");
  let orgs: O[] = [{ id: "o", name: "Acme", role: "admin" }, { id: "o2", name: "Beta", role: "owner" }];
  let attempt = 0;
  const calls = fakeApi({
    ...signedIn(), "GET /v1/me": meOf(() => orgs), ...membersPage(),
    "PATCH /v1/orgs/o": async (req) => {
      attempt += 1;
      if (attempt === 1) return [409, err("conflict", "you belong to an organization named 'Beta' already: choose another name", "name")];
      const { name } = (await req.json()) as { name: string };
      orgs = orgs.map((o) => (o.id === "o" ? { ...o, name } : o));
      return [200, { id: "o", name, role: "admin", require_mfa: false }];
    },
  });
  renderAt("/orgs/o/members");
  const user = userEvent.setup();
  const settings = await screen.findByRole("region", { name: "Organization settings" });
  const name = within(settings).getByLabelText("Organization name") as HTMLInputElement;
  await waitFor(() => expect(name.value).toBe("Acme"));
  expect((within(settings).getByRole("button", { name: "Rename" }) as HTMLButtonElement).disabled).toBe(true);
  // admins rename; only owners delete
  expect(within(settings).queryByRole("button", { name: /^Delete/ })).toBeNull();
  await user.clear(name);
  await user.type(name, "Beta");
  await user.click(within(settings).getByRole("button", { name: "Rename" }));
  expect((await within(fieldOf(settings, "Organization name")).findByRole("alert")).textContent).toContain("named 'Beta' already");
  await user.clear(name);
  await user.type(name, "Acme Corp");
  await user.click(within(settings).getByRole("button", { name: "Rename" }));
  expect((await within(settings).findByRole("status")).textContent).toBe("Renamed to Acme Corp.");
  const switcher = screen.getByRole("combobox", { name: "Organization" });
  expect(within(switcher).getByRole("option", { name: "Acme Corp" })).toBeTruthy();
  expect(calls.filter((c) => c.method === "PATCH").at(-1)!.body).toEqual({ name: "Acme Corp" });
}, 30_000);

test("settings: deleting with the name typed again; 409 (projects remain) said as it is; 202 drops it and switches", async () => {
  session.set("t");
  let orgs: O[] = [{ id: "o", name: "Acme", role: "owner" }, { id: "o2", name: "Beta", role: "owner" }];
  let attempt = 0;
  const calls = fakeApi({
    ...signedIn(), "GET /v1/me": meOf(() => orgs), ...membersPage(),
    "DELETE /v1/orgs/o2": () => {
      attempt += 1;
      if (attempt === 1) return [409, err("conflict", "the organization still has projects (shop): delete them first", "org")];
      orgs = orgs.filter((o) => o.id !== "o2");
      return [202, { status: "deleting", id: "o2", name: "Beta", members_removed: 3, revoked_api_tokens: 1 }];
    },
  });
  const router = renderAt("/orgs/o2/members");
  const user = userEvent.setup();
  const zone = await screen.findByRole("region", { name: "Delete this organization" });
  await user.click(within(zone).getByRole("button", { name: "Delete Beta…" }));
  const typed = within(zone).getByLabelText("Type Beta to confirm");
  const go = within(zone).getByRole("button", { name: "Delete Beta" }) as HTMLButtonElement;
  await user.type(typed, "beta");
  expect(go.disabled).toBe(true);   // the exact name only
  await user.clear(typed);
  await user.type(typed, "Beta");
  await user.click(go);
  expect((await within(zone).findByRole("alert")).textContent).toBe("the organization still has projects (shop): delete them first");
  expect(router.state.location.pathname).toBe("/orgs/o2/members");

  await user.click(go);
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o"));
  expect((await screen.findByText(/was deleted/)).textContent).toBe("The organization Beta was deleted (2 other members removed; they are told by e-mail).");
  const switcher = screen.getByRole("combobox", { name: "Organization" });
  expect(within(switcher).queryByRole("option", { name: "Beta" })).toBeNull();
  const del = calls.find((c) => c.method === "DELETE")!;
  expect(new URL(del.url).searchParams.get("confirm")).toBe("Beta");
}, 30_000);

test("the last organization deleted: the empty home page says so and offers to create one", async () => {
  session.set("t");
  let orgs: O[] = [{ id: "o", name: "Acme", role: "owner" }];
  fakeApi({
    ...signedIn(), "GET /v1/me": meOf(() => orgs), ...membersPage(),
    "DELETE /v1/orgs/o": () => { orgs = []; return [202, { status: "deleting", id: "o", name: "Acme", members_removed: 1, revoked_api_tokens: 0 }]; },
  });
  const router = renderAt("/orgs/o/members");
  const user = userEvent.setup();
  const zone = await screen.findByRole("region", { name: "Delete this organization" });
  await user.click(within(zone).getByRole("button", { name: "Delete Acme…" }));
  await user.type(within(zone).getByLabelText("Type Acme to confirm"), "Acme");
  await user.click(within(zone).getByRole("button", { name: "Delete Acme" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/"));
  expect((await screen.findByText(/was deleted/)).textContent).toBe("The organization Acme was deleted.");
  expect(await screen.findByText("You belong to no organization yet")).toBeTruthy();
  expect(screen.getByRole("form", { name: "New organization" })).toBeTruthy();
}, 30_000);

test("developers and viewers see no settings", async () => {
  session.set("t");
  fakeApi({ ...signedIn(), "GET /v1/me": meOf(() => [{ id: "o", name: "Acme", role: "developer" }]), ...membersPage() });
  renderAt("/orgs/o/members");
  expect(await screen.findByRole("table", { name: "Members" })).toBeTruthy();
  expect(screen.queryByRole("region", { name: "Organization settings" })).toBeNull();
});
