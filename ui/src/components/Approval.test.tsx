import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import type { Deployment } from "../api/models";
import { phases } from "./Timeline";
import { type Answer, err, fakeApi, renderAt, service, signedIn } from "../test/fakeApi";

const at = "2026-11-27T10:00:00Z";
const waiting: Deployment = {
  id: "d2", service_id: "s", project_id: "p", service_name: "web", kind: "web", number: 2, image: "nginx:1.28",
  status: "awaiting_approval", reason: "waiting for approval by an admin or owner", error: null, steps: [], rollback_of: null,
  rollback_of_number: null, actor: "dev@example.com", created: at, updated: at, environment: "production",
  phases: [{ status: "awaiting_approval", at }],
};
const page = (d: Deployment, role = "owner"): Record<string, Answer> => ({
  ...signedIn(),
  "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com" }, organizations: [{ id: "o", name: "Acme", role }] }],
  "GET /v1/orgs/o/deployments/d2": () => [200, d],
  "GET /v1/orgs/o/deployments/d2/logs": () => [200, { lines: [], next: null, more: false, status: d.status, final: false }],
  "GET /v1/orgs/o/services/s": () => [200, service],
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
});

test("a deploy waiting for approval is the first phase, and nothing after it has started", () => {
  const ps = phases(waiting);
  expect(ps[0]).toMatchObject({ id: "queued", title: "Waiting for approval", state: "active" });
  expect(ps.slice(1).map((p) => p.state)).toEqual(["waiting", "waiting", "waiting"]);
});

test("an owner approves a waiting deploy from its page", async () => {
  session.set("t");
  const calls = fakeApi({
    ...page(waiting),
    "POST /v1/orgs/o/deployments/d2/approve": () => [200, { ...waiting, status: "queued", approved_by: "me@example.com", reason: "approved" }],
  });
  renderAt("/orgs/o/deployments/d2");
  expect(await screen.findByRole("heading", { name: "Waiting for approval" })).toBeTruthy();
  expect(screen.getByText(/dev@example.com asked to deploy this release to production/)).toBeTruthy();
  await userEvent.click(screen.getByRole("button", { name: "Approve and deploy" }));
  await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path.endsWith("/approve"))).toBe(true));
  await waitFor(() => expect(screen.queryByRole("heading", { name: "Waiting for approval" })).toBeNull());
  expect(screen.getByText(/approved by me@example.com/)).toBeTruthy();
});

test("a rejection carries its reason; a refusal is shown", async () => {
  session.set("t");
  const calls = fakeApi({
    ...page(waiting),
    "POST /v1/orgs/o/deployments/d2/reject": () => [409, err("conflict", "deployment #2 is superseded", "status")],
  });
  renderAt("/orgs/o/deployments/d2");
  await userEvent.click(await screen.findByRole("button", { name: "Reject…" }));
  await userEvent.type(screen.getByLabelText("Why (shown on the deployment)"), "not during the sale");
  await userEvent.click(screen.getByRole("button", { name: "Reject the deploy" }));
  await waitFor(() => expect(calls.find((c) => c.path.endsWith("/reject"))?.body).toEqual({ reason: "not during the sale" }));
  expect(await screen.findByText(/deployment #2 is superseded/)).toBeTruthy();
});

test("a developer sees who decides, and no buttons", async () => {
  session.set("t");
  fakeApi(page(waiting, "developer"));
  renderAt("/orgs/o/deployments/d2");
  expect(await screen.findByText("An admin or owner of the organization approves or rejects it.")).toBeTruthy();
  expect(screen.queryByRole("button", { name: "Approve and deploy" })).toBeNull();
});

test("an environment's approval setting is changed from the environments list", async () => {
  session.set("t");
  const env = { id: "e", project_id: "p", name: "production", domain_suffix: null, env: {}, status: "active",
    aws_account_id: null, region: null, effective_region: "us-east-1", deploys_to: "platform account",
    require_approval: false, prevent_self_approval: false };
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [env], next: null }],
    "GET /v1/orgs/o/aws-accounts": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [], next: null }],
    "PATCH /v1/orgs/o/projects/p/environments/production": () => [200, { ...env, require_approval: true, prevent_self_approval: true }],
  });
  renderAt("/orgs/o/projects/p");
  await userEvent.click(await screen.findByRole("button", { name: "Approvals for production" }));
  await userEvent.click(screen.getByLabelText("Deploys wait for an admin or owner to approve them"));
  await userEvent.click(screen.getByLabelText("Not the person who asked for the deploy"));
  await userEvent.click(screen.getByRole("button", { name: "Save" }));
  await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ require_approval: true, prevent_self_approval: true }));
});

test("approving into a frozen environment is refused: the API's message is shown", async () => {
  session.set("t");
  const message = "the production environment is frozen: Black Friday (rollbacks and restarts still run; an admin lifts it with `launchbay envs unfreeze production`)";
  fakeApi({ ...page(waiting), "POST /v1/orgs/o/deployments/d2/approve": () => [409, err("conflict", message, "environment")] });
  renderAt("/orgs/o/deployments/d2");
  await userEvent.click(await screen.findByRole("button", { name: "Approve and deploy" }));
  expect((await screen.findByText(message)).getAttribute("role")).toBe("alert");
  expect(screen.getByRole("heading", { name: "Waiting for approval" })).toBeTruthy();
});
