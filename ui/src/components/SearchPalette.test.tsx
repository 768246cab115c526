import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { fakeApi, renderAt, signedIn } from "../test/fakeApi";

test("the search palette: audit hits in words, and Escape gives focus back to where it was", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/search": () => [200, {
      total: 1, next: null, facets: { type: { audit: 1 } },
      results: [{ id: "aud_1", type: "audit", title: "deployment.rollback_pending deployment dep_01m8cf3xjd", snippet: "…<mark>health</mark> check…" }],
    }],
  });
  renderAt("/orgs/o");
  const button = await screen.findByRole("button", { name: /^Search/ }, { timeout: 5000 });
  await userEvent.click(button);
  await userEvent.type(screen.getByRole("combobox", { name: "Search" }), "health");
  const results = screen.getByRole("listbox", { name: "Results" });
  const hit = await within(results).findByRole("option", {}, { timeout: 5000 });
  expect(hit.querySelector(".hit-title")!.textContent).toBe("a deployment failed: rollback pending");
  expect(hit.textContent).not.toContain("dep_01m8cf3xjd");
  expect(within(screen.getByRole("dialog", { name: "Search" })).getByRole("status").textContent).toBe("1 found");   // said, not only shown
  await userEvent.keyboard("{Escape}");
  await waitFor(() => expect(screen.queryByRole("dialog", { name: "Search" })).toBeNull());
  expect(document.activeElement).toBe(button);
});

test("a release another replaced is found as 'was live', the serving one as 'live'", async () => {
  session.set("t");
  const hit = (n: number, status: string) => ({ id: `dep_${n}`, type: "deployment", title: `web deployment #${n}`,
                                                 status, snippet: "<mark>web</mark>", link: `/v1/orgs/o/deployments/dep_${n}` });
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/search": () => [200, { total: 2, next: null, facets: { type: { deployment: 2 } },
                                          results: [hit(2, "live"), hit(1, "replaced")] }],
  });
  renderAt("/orgs/o");
  await userEvent.click(await screen.findByRole("button", { name: /^Search/ }, { timeout: 5000 }));
  await userEvent.type(screen.getByRole("combobox", { name: "Search" }), "web");
  const results = screen.getByRole("listbox", { name: "Results" });
  await waitFor(() => expect(within(results).getAllByRole("option")).toHaveLength(2), { timeout: 5000 });
  const badges = within(results).getAllByRole("option").map((o) => o.querySelector(".badge")!.textContent);
  expect(badges).toEqual(["live", "was live"]);
});

test("Ctrl-K opens the search, but not over another dialog", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s": () => [200, { id: "s", name: "web", kind: "web", project_id: "p", status: "live", image: "nginx:1.27",
      cpu: 256, memory: 512, min_instances: 1, max_instances: 1, port: 80, env: {}, environment: "production", live_deployment_id: "d1", needs_deploy: false }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
  });
  renderAt("/orgs/o/services/s");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Restart" }, { timeout: 5000 }));
  expect(screen.getByRole("dialog", { name: "Restart web?" })).toBeTruthy();
  await user.keyboard("{Control>}k{/Control}");
  expect(screen.queryByRole("dialog", { name: "Search" })).toBeNull();
  await user.keyboard("{Escape}");
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  await user.keyboard("{Control>}k{/Control}");
  expect(await screen.findByRole("dialog", { name: "Search" })).toBeTruthy();
});
