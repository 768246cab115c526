import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt, signedIn, type Answer } from "../test/fakeApi";

const empty = (): [number, unknown] => [200, { items: [], next: null }];
const project: Record<string, Answer> = {
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  "GET /v1/orgs/o/projects/p/services": empty, "GET /v1/orgs/o/projects/p/environments": empty,
  "GET /v1/orgs/o/projects": empty, "GET /v1/orgs/o/aws-accounts": empty,
};

test("delete a project: its name typed again; the API's refusal shown as it is, then the organization's projects", async () => {
  session.set("t");
  let services = 1;
  const calls = fakeApi({
    ...signedIn(), ...project,
    "DELETE /v1/orgs/o/projects/p": () => (services
      ? [409, err("conflict", "the project still has services: delete them first", "project")]
      : [204, null]),
  });
  const router = renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Delete shop…" }, { timeout: 5000 }));
  await user.type(screen.getByLabelText("Type shop to confirm"), "shop");
  await user.click(screen.getByRole("button", { name: "Delete shop" }));
  expect((await screen.findByRole("alert")).textContent).toBe("the project still has services: delete them first");
  services = 0;
  await user.click(screen.getByRole("button", { name: "Delete shop" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o"));
  expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(2);
});

test("a developer sees no project delete (it takes an admin)", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/me": () => [200, { user: { id: "u", email: "d@example.com" }, organizations: [{ id: "o", name: "Acme", role: "developer" }] }],
  });
  renderAt("/orgs/o/projects/p");
  expect(await screen.findByText("No services yet", {}, { timeout: 5000 })).toBeTruthy();
  await screen.findByRole("heading", { name: "shop", level: 1 });   // the project is read: the delete would show now
  expect(screen.queryByRole("button", { name: /Delete shop/ })).toBeNull();
});

test("a service with open alerts says so in the list, linking to its metrics; one without says nothing", async () => {
  session.set("t");
  const svc = (id: string, name: string, open_alerts: string[]) => ({
    id, name, kind: "web", project_id: "p", status: "live", image: "nginx:1.27", environment: "production",
    live_deployment_id: "d", needs_deploy: false, open_alerts, created: "", updated: "",
  });
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [svc("s1", "web", ["http_5xx_rate", "restarts"]), svc("s2", "api", [])], next: null }],
  });
  renderAt("/orgs/o/projects/p");
  const chip = await screen.findByRole("link", { name: "alert: 5xx responses, Stopped tasks" }, { timeout: 5000 });
  expect(chip.getAttribute("href")).toBe("/orgs/o/services/s1/metrics");
  expect(screen.getAllByRole("link", { name: /^alert:/ })).toHaveLength(1);
});

test("a suspended service shows a suspended chip in the list, one put to sleep by its schedule an asleep chip", async () => {
  session.set("t");
  const svc = (id: string, name: string, status: string, extra: object = {}) => ({
    id, name, kind: "web", project_id: "p", status, image: "nginx:1.27", environment: "production",
    live_deployment_id: "d", needs_deploy: false, open_alerts: [], created: "", updated: "", ...extra,
  });
  const asleep = { suspended: { at: "", by: "launchbay (sleep schedule of staging)", sleep: true, until: "", reason: "nights" } };
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [svc("s1", "web", "suspended"), svc("s2", "api", "live"),
                                                                  svc("s3", "jobs", "suspended", asleep)], next: null }],
  });
  renderAt("/orgs/o/projects/p");
  await screen.findByRole("link", { name: "web" }, { timeout: 5000 });
  const chips = [...document.querySelectorAll("td [data-status]")].map((b) => b.textContent);
  expect(chips).toEqual(["suspended", "live", "asleep"]);
});
