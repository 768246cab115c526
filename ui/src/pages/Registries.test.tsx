import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { type Answer, err, fakeApi, renderAt, service, signedIn } from "../test/fakeApi";

const HOST = "127.0.0.1:5000";
const ENCODED = "/v1/orgs/o/registries/127.0.0.1%3A5000";
const cred = (over: Record<string, unknown> = {}) => ({
  host: HOST, username: "bot", password_set: true, hint: "…pass", version: 1,
  check: { ok: true, message: `signed in to ${HOST} as bot`, at: new Date().toISOString() },
  set_by: "me@example.com", created: "2026-11-27T00:00:00Z", updated: new Date().toISOString(), ...over,
});
const as = (role: string): Record<string, Answer> => ({
  ...signedIn(),
  "GET /v1/me": () => [200, { user: { id: "u", email: "bob@example.com" }, organizations: [{ id: "o", name: "Acme", role }] }],
});

test("no credentials: the page says what they are for; the nav links to it", async () => {
  session.set("t");
  fakeApi({ ...signedIn(), "GET /v1/orgs/o/registries": () => [200, { items: [] }] });
  renderAt("/orgs/o/registries");
  expect(await screen.findByText("No registry credentials", {}, { timeout: 5000 })).toBeTruthy();
  expect(screen.getByRole("heading", { level: 1, name: "Container registries" })).toBeTruthy();
  expect(screen.getByText(/Deploys of images in these registries pull with these credentials .*; Amazon ECR needs none/)).toBeTruthy();
  const nav = screen.getByRole("navigation", { name: "Main" });
  expect(within(nav).getByRole("link", { name: "Registries" }).getAttribute("href")).toBe("/orgs/o/registries");
  expect((screen.getByLabelText("Password or access token") as HTMLInputElement).type).toBe("password");
}, 30_000);

test("the form checks before sending; a refused password shows at its field; saved, the password is cleared", async () => {
  session.set("t");
  let items: unknown[] = [];
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/registries": () => [200, { items }],
    [`PUT ${ENCODED}`]: async (req) => {
      const body = (await req.json()) as { username: string; password: string };
      if (body.password !== "s3cret-pull-pass") {
        return [422, err("invalid", `${HOST} refused the credentials of bot: check the user name and password (nothing was saved)`, "password")];
      }
      items = [cred()];
      return [200, { ...cred(), message: `deploys of images in ${HOST} pull with these credentials from their next start` }];
    },
  });
  renderAt("/orgs/o/registries");
  const user = userEvent.setup();
  const form = await screen.findByRole("form", { name: "Registry credentials" }, { timeout: 5000 });
  const host = within(form).getByLabelText("Registry host");
  const username = within(form).getByLabelText("User name");
  const password = within(form).getByLabelText("Password or access token") as HTMLInputElement;

  // checked here first: nothing is sent
  await user.type(host, "https://ghcr.io");
  await user.type(username, "my bot");
  await user.click(within(form).getByRole("button", { name: "Save credentials" }));
  expect(within(host.closest(".field") as HTMLElement).getByRole("alert").textContent).toMatch(/without https:\/\//);
  expect(within(username.closest(".field") as HTMLElement).getByRole("alert").textContent).toMatch(/no spaces or ':'/);
  expect(within(password.closest(".field") as HTMLElement).getByRole("alert").textContent).toBe("Enter the password or access token.");
  expect(host.getAttribute("aria-invalid")).toBe("true");
  expect(document.activeElement).toBe(host);
  expect(calls.some((c) => c.method === "PUT")).toBe(false);

  // the registry refuses the password: the API's words at the password field
  await user.clear(host);
  await user.type(host, HOST);
  await user.clear(username);
  await user.type(username, "bot");
  await user.type(password, "wrong-password");
  await user.click(within(form).getByRole("button", { name: "Save credentials" }));
  const field = password.closest(".field") as HTMLElement;
  expect((await within(field).findByRole("alert")).textContent).toMatch(/refused the credentials of bot/);
  expect(password.getAttribute("aria-invalid")).toBe("true");
  await waitFor(() => expect(document.activeElement).toBe(password));
  expect(within(host.closest(".field") as HTMLElement).queryByRole("alert")).toBeNull();
  const put = calls.find((c) => c.method === "PUT")!;
  expect(put.path).toBe(ENCODED);   // the host's ':' encoded once
  expect(put.body).toEqual({ username: "bot", password: "wrong-password" });

  await user.clear(password);
  await user.type(password, "s3cret-pull-pass");
  await user.click(within(form).getByRole("button", { name: "Save credentials" }));
  const said = await screen.findByTestId("registry-said", {}, { timeout: 5000 });
  expect(said.closest("[role=status]")).toBeTruthy();
  expect(said.textContent)
    .toMatch(new RegExp(`Signed in to ${HOST.replace(/\./g, "\\.")} as bot\\. Deploys of images in .* pull with these credentials from their next start\\.`));
  expect(password.value).toBe("");
  expect((host as HTMLInputElement).value).toBe("");
  const row = (await screen.findByRole("table", { name: "Container registries" })).querySelector(`tr[data-registry="${HOST}"]`) as HTMLElement;
  expect(row.textContent).toContain("bot");
  expect(row.textContent).toContain("set …pass");
  expect(within(row).getByText("signed in").getAttribute("data-ok")).toBe("true");
  expect(document.body.textContent).not.toContain("s3cret-pull-pass");
}, 30_000);

test("a host the API refuses (Amazon ECR) shows its reason at the host field", async () => {
  session.set("t");
  const ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/registries": () => [200, { items: [] }],
    "PUT /v1/orgs/o/registries/.*": () =>
      [422, err("invalid", "host is an Amazon ECR registry: its images are pulled with the task execution role, no credentials needed", "host")],
  });
  renderAt("/orgs/o/registries");
  const user = userEvent.setup();
  const form = await screen.findByRole("form", { name: "Registry credentials" }, { timeout: 5000 });
  await user.type(within(form).getByLabelText("Registry host"), ecr);
  await user.type(within(form).getByLabelText("User name"), "AWS");
  await user.type(within(form).getByLabelText("Password or access token"), "x");
  await user.click(within(form).getByRole("button", { name: "Save credentials" }));
  const field = within(form).getByLabelText("Registry host").closest(".field") as HTMLElement;
  expect((await within(field).findByRole("alert")).textContent).toMatch(/task execution role/);
  expect(within(form).queryAllByRole("alert")).toHaveLength(1);
}, 30_000);

test("not checked: the list says why; Replace fills the form; Remove asks first, then DELETEs", async () => {
  session.set("t");
  const why = "not checked: the sandbox reaches no registry but one on this machine; ECS signs in with these credentials when it pulls";
  let items = [cred({ host: "ghcr.io", username: "octo", hint: "…abcd", check: { ok: null, message: why, at: "2026-11-27T00:00:00Z" } })];
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/registries": () => [200, { items }],
    "DELETE /v1/orgs/o/registries/ghcr.io": () => { items = []; return [204, null]; },
  });
  renderAt("/orgs/o/registries");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Container registries" }, { timeout: 5000 });
  const row = table.querySelector('tr[data-registry="ghcr.io"]') as HTMLElement;
  expect(within(table).getAllByRole("columnheader").map((h) => h.textContent))
    .toEqual(["Registry", "User name", "Password", "Last check", "Set by", "Updated", "Actions"]);
  expect(within(row).getByText("not checked").getAttribute("data-ok")).toBe("false");
  expect(row.textContent).toContain("the sandbox reaches no registry but one on this machine");
  expect(row.textContent).toContain("set …abcd");

  await user.click(within(row).getByRole("button", { name: "Replace the credentials for ghcr.io" }));
  const form = screen.getByRole("form", { name: "Registry credentials" });
  expect((within(form).getByLabelText("Registry host") as HTMLInputElement).value).toBe("ghcr.io");
  expect((within(form).getByLabelText("User name") as HTMLInputElement).value).toBe("octo");
  expect(document.activeElement).toBe(within(form).getByLabelText("Password or access token"));
  expect(within(form).getByRole("button", { name: "Replace credentials" })).toBeTruthy();

  await user.click(within(row).getByRole("button", { name: "Remove the credentials for ghcr.io" }));
  expect(calls.some((c) => c.method === "DELETE")).toBe(false);
  const question = screen.getByRole("group", { name: "Remove the credentials for ghcr.io?" });
  await user.click(within(question).getByRole("button", { name: "Keep" }));
  expect(screen.queryByRole("group", { name: "Remove the credentials for ghcr.io?" })).toBeNull();
  expect(document.activeElement).toBe(within(row).getByRole("button", { name: "Remove the credentials for ghcr.io" }));
  await user.click(within(row).getByRole("button", { name: "Remove the credentials for ghcr.io" }));
  await user.click(within(screen.getByRole("group", { name: "Remove the credentials for ghcr.io?" })).getByRole("button", { name: "Yes, remove" }));
  expect((await screen.findByTestId("registry-said")).textContent).toMatch(/Removed the credentials for ghcr\.io/);
  expect(await screen.findByText("No registry credentials")).toBeTruthy();
  expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/v1/orgs/o/registries/ghcr.io"]);
}, 30_000);

test.each(["developer", "viewer"])("a %s sees the list but no form, Replace or Remove", async (role) => {
  session.set("t");
  fakeApi({ ...as(role), "GET /v1/orgs/o/registries": () => [200, { items: [cred()] }] });
  renderAt("/orgs/o/registries");
  const table = await screen.findByRole("table", { name: "Container registries" }, { timeout: 5000 });
  expect(await screen.findByText("Owners and admins set registry credentials.")).toBeTruthy();
  expect(screen.queryByRole("form", { name: "Registry credentials" })).toBeNull();
  expect(screen.queryByLabelText("Password or access token")).toBeNull();
  expect(within(table).queryByRole("button")).toBeNull();
  expect(table.textContent).toContain("signed in");
}, 30_000);

const empty = (): [number, unknown] => [200, { items: [], next: null }];
const servicePage = (image: string): Record<string, Answer> => ({
  ...signedIn(),
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  "GET /v1/orgs/o/services/s": () => [200, { ...service, image }],
  "GET /v1/orgs/o/services/s/deployments": empty, "GET /v1/orgs/o/services/s/releases": empty,
  "GET /v1/orgs/o/registries": () => [200, { items: [cred({ host: "ghcr.io", username: "bot" }), cred({ host: "docker.io", username: "hubber" })] }],
});

test.each([
  ["ghcr.io/acme/api:1.4", "ghcr.io", "bot"],
  ["nginx:1.27", "docker.io", "hubber"],   // Docker Hub's
])("the service page says %s pulls with the organization's credentials for its registry", async (image, host, user) => {
  session.set("t");
  fakeApi(servicePage(image));
  renderAt("/orgs/o/services/s");
  const note = await screen.findByTestId("pull-credentials", {}, { timeout: 5000 });
  expect(note.textContent).toBe(`pulls with credentials for ${host} (${user})`);
  expect(within(note).getByRole("link", { name: host }).getAttribute("href")).toBe("/orgs/o/registries");
}, 30_000);

test("an image in a registry without credentials has no such note", async () => {
  session.set("t");
  const calls = fakeApi(servicePage("quay.io/acme/api:1"));
  renderAt("/orgs/o/services/s");
  expect(await screen.findByText("quay.io/acme/api:1", {}, { timeout: 5000 })).toBeTruthy();
  await waitFor(() => expect(calls.some((c) => c.path === "/v1/orgs/o/registries")).toBe(true));
  await act(() => new Promise((r) => setTimeout(r, 100)));
  expect(screen.queryByTestId("pull-credentials")).toBeNull();
}, 30_000);
