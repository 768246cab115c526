import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { fakeApi, renderAt, service, type Answer } from "../test/fakeApi";

// A viewer of org "o": every screen shows what there is, and no button the API would refuse (403).
const asViewer: Record<string, Answer> = {
  "GET /v1/me": () => [200, { user: { id: "u", email: "bob@example.com" }, organizations: [{ id: "o", name: "Acme", role: "viewer" }] }],
  "GET /v1/health": () => [200, { mode: "sandbox", sandbox: true }],
  "GET /v1/orgs/o/services/s": () => [200, { ...service, env: { MODE: "prod" } }],
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
  "GET /v1/orgs/o/services/s/releases": () => [200, { items: [
    { deployment_id: "d0", number: 1, image: "nginx:1.26", actor: "a", created: "", finished: null, current: true, secret_versions: {} },
    { deployment_id: "dx", number: 0, image: "nginx:1.25", actor: "a", created: "", finished: null, current: false, secret_versions: {} },
  ], next: null }],
  "GET /v1/orgs/o/services/s/secrets": () => [200, { items: [{ name: "DB", version: 1, created: "", updated: "", scope: "service" }] }],
  "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
  "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
  "GET /v1/orgs/o/projects": () => [200, { items: [], next: null }],
  "GET /v1/orgs/o/aws-accounts": () => [200, { items: [], next: null }],
};

test("a viewer reads the service page without Deploy, Roll back, secret or settings controls", async () => {
  session.set("t");
  fakeApi(asViewer);
  renderAt("/orgs/o/services/s");
  expect(await screen.findByText(/Your role reads this service only/, {}, { timeout: 5000 })).toBeTruthy();
  expect(screen.queryByRole("button", { name: "Deploy" })).toBeNull();
  await screen.findByText("nginx:1.25");
  expect(screen.queryByRole("button", { name: /Roll back/ })).toBeNull();

  await userEvent.click(screen.getByRole("link", { name: "Variables & secrets" }));
  expect(await screen.findByText("DB")).toBeTruthy();
  expect(screen.queryByLabelText("Secret value")).toBeNull();
  expect(screen.queryByRole("button", { name: /Delete secret/ })).toBeNull();
  expect((screen.getByLabelText("Environment variables") as HTMLTextAreaElement).readOnly).toBe(true);
  expect(screen.queryByRole("button", { name: "Save variables" })).toBeNull();

  await userEvent.click(screen.getByRole("link", { name: "Settings" }));
  const image = await screen.findByLabelText("Image");
  expect((image as HTMLInputElement).value).toBe("nginx:1.27");
  expect((image as HTMLInputElement).matches(":disabled")).toBe(true);
  expect(screen.queryByRole("button", { name: "Save changes" })).toBeNull();
});

test("a viewer's project and projects pages offer no New service or Create project", async () => {
  session.set("t");
  fakeApi(asViewer);
  renderAt("/orgs/o/projects/p");
  expect(await screen.findByText(/A developer, admin or owner adds them/, {}, { timeout: 5000 })).toBeTruthy();
  expect(screen.queryByRole("link", { name: "New service" })).toBeNull();
  renderAt("/orgs/o");
  await waitFor(() => expect(screen.getAllByText(/An admin or owner creates them/).length).toBe(1), { timeout: 5000 });
  expect(screen.queryByRole("button", { name: "Create project" })).toBeNull();
});

// The same viewer with a role in project "p": that project's work follows it, higher or lower.
const withProjectRole = (role: string): Record<string, Answer> => ({
  ...asViewer,
  "GET /v1/me": () => [200, { user: { id: "u", email: "bob@example.com" },
    organizations: [{ id: "o", name: "Acme", role: role === "viewer" ? "developer" : "viewer", project_roles: { p: role } }] }],
});

test("a viewer who is developer in the service's project deploys it and changes its settings", async () => {
  session.set("t");
  fakeApi(withProjectRole("developer"));
  renderAt("/orgs/o/services/s");
  expect(await screen.findByRole("button", { name: "Deploy" }, { timeout: 5000 })).toBeTruthy();
  expect(screen.queryByText(/reads this service only/)).toBeNull();
  await screen.findByText("nginx:1.25");
  expect(screen.getByRole("button", { name: /Roll back/ })).toBeTruthy();
  await userEvent.click(screen.getByRole("link", { name: "Settings" }));
  const image = await screen.findByLabelText("Image");
  expect((image as HTMLInputElement).matches(":disabled")).toBe(false);
});

test("a developer who is viewer in the service's project reads it only, and is told why", async () => {
  session.set("t");
  fakeApi(withProjectRole("viewer"));
  renderAt("/orgs/o/services/s");
  expect(await screen.findByText(/Your role in this project is viewer: you read this service only/, {}, { timeout: 5000 })).toBeTruthy();
  expect(screen.queryByRole("button", { name: "Deploy" })).toBeNull();
  // the project's page: no New service there either
  renderAt("/orgs/o/projects/p");
  expect(await screen.findByText(/A developer, admin or owner adds them/, {}, { timeout: 5000 })).toBeTruthy();
});
