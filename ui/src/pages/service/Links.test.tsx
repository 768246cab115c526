import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../../App";
import { session } from "../../api/client";
import type { Resource, ResourceLink } from "../../lib/resources";
import { fakeApi, me, service } from "../../test/fakeApi";

const db: Resource = {
  id: "res_1", org_id: "o", project_id: "p", environment_id: "env_p", environment: "production", name: "main",
  kind: "postgres", size: "db.t4g.micro", version: "16", storage_gb: 20, backup_retention_days: 7,
  deletion_protection: true, status: "available", reason: "created", last_error: null, variable: "DATABASE_URL",
  created: "2026-11-26T10:00:00Z", updated: "2026-11-26T10:00:00Z", endpoint: { address: "main.rds.local", port: 5432 },
};
const cache: Resource = { ...db, id: "res_2", name: "cache", kind: "redis", variable: "REDIS_URL", storage_gb: null };

test("the service's Resources tab: linked variables, link with a custom variable, unlink; values never shown", async () => {
  let links: ResourceLink[] = [{ resource_id: "res_1", resource: "main", kind: "postgres", variable: "DATABASE_URL", status: "available", created: "" }];
  const calls = fakeApi({
    "GET /v1/me": me,
    "GET /v1/health": () => [200, { mode: "sandbox" }],
    "GET /v1/orgs/o/services/s": () => [200, { ...service, environment_id: "env_p" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [db, cache], next: null }],
    "GET /v1/orgs/o/services/s/links": () => [200, { items: links }],
    "PUT /v1/orgs/o/services/s/links/res_2": () => {
      links = [...links, { resource_id: "res_2", resource: "cache", kind: "redis", variable: "CACHE_URL", status: "available", created: "" }];
      return [200, { ...links[1], redeploy: "deploy the service to apply" }];
    },
    "DELETE /v1/orgs/o/services/s/links/res_1": () => {
      links = links.filter((l) => l.resource_id !== "res_1");
      return [204, null];
    },
  });
  session.set("t");
  render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={createMemoryRouter(routes, { initialEntries: ["/orgs/o/services/s/resources"] })} /></QueryClientProvider>);
  const user = userEvent.setup();

  const table = await screen.findByRole("table", { name: "Linked resources" });
  expect(within(table).getByText("DATABASE_URL")).toBeTruthy();
  expect(screen.getByText(/The next deploy applies a link or an unlink/)).toBeTruthy();
  // the environment's resources only, and not the one already linked
  const listed = calls.find((r) => r.url.includes("/projects/p/resources"))!;
  expect(new URL(listed.url).searchParams.get("environment")).toBe("env_p");
  const form = await screen.findByRole("form", { name: "Link a resource" });
  const choice = within(form).getByLabelText("Resource to link") as HTMLSelectElement;
  expect([...choice.options].map((o) => o.value)).toEqual(["res_2"]);
  expect(within(form).getByLabelText("Variable (optional)").getAttribute("placeholder")).toBe("REDIS_URL");

  await user.type(within(form).getByLabelText("Variable (optional)"), "cache_url");
  await user.click(within(form).getByRole("button", { name: "Link" }));
  expect((await screen.findByText(/^Linked cache/)).textContent).toBe("Linked cache: the next deploy gives web CACHE_URL.");
  const put = calls.find((r) => r.method === "PUT")!;
  expect(put.body).toEqual({ variable: "CACHE_URL" });
  await waitFor(() => expect(within(table).getByText("CACHE_URL")).toBeTruthy());

  await user.click(within(table).getByRole("button", { name: "Unlink main" }));
  expect((await screen.findByText(/^Unlinked main/)).getAttribute("role")).toBe("status");
  expect(screen.getByText(/^Unlinked main/).textContent).toBe("Unlinked main: the next deploy drops DATABASE_URL.");
  await waitFor(() => expect(within(table).queryByText("DATABASE_URL")).toBeNull());
  expect(document.body.textContent).not.toContain("postgresql://");
});

test("a refused link shows the API's reason next to the variable", async () => {
  fakeApi({
    "GET /v1/me": me,
    "GET /v1/health": () => [200, { mode: "sandbox" }],
    "GET /v1/orgs/o/services/s": () => [200, { ...service, environment_id: "env_p" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [db], next: null }],
    "GET /v1/orgs/o/services/s/links": () => [200, { items: [] }],
    "PUT /v1/orgs/o/services/s/links/res_1": () =>
      [409, { error: { code: "conflict", message: "the service already sets DATABASE_URL as a variable: pick another name", field: "variable" } }],
  });
  session.set("t");
  render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={createMemoryRouter(routes, { initialEntries: ["/orgs/o/services/s/resources"] })} /></QueryClientProvider>);
  const user = userEvent.setup();
  expect(await screen.findByText("No linked resources")).toBeTruthy();
  const form = await screen.findByRole("form", { name: "Link a resource" });
  await user.click(within(form).getByRole("button", { name: "Link" }));
  const field = within(form).getByLabelText("Variable (optional)").closest(".field") as HTMLElement;
  expect((await within(field).findByRole("alert")).textContent).toBe("the service already sets DATABASE_URL as a variable: pick another name");
});
