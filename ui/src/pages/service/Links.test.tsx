import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../../App";
import { session } from "../../api/client";
import type { Resource, ResourceLink } from "../../lib/resources";
import { fakeApi, me, service, type Answer } from "../../test/fakeApi";

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

// A volume and a bucket as the API answers them (tests/resources/test_volumes.py).
const uploads: Resource = { ...db, id: "res_3", name: "uploads", kind: "volume", size: null, version: null, storage_gb: null,
  backup_retention_days: null, deletion_protection: false, variable: "UPLOADS_PATH", endpoint: { address: "fs-77be2ad0", port: 2049 } };
const files: Resource = { ...db, id: "res_4", name: "files", kind: "bucket", size: null, version: null, storage_gb: null,
  backup_retention_days: null, deletion_protection: false, variable: "S3_BUCKET", endpoint: { address: "launchbay-files", port: null } };

const linksTab = (over: Record<string, Answer>): Record<string, Answer> => ({
  "GET /v1/me": me,
  "GET /v1/health": () => [200, { mode: "sandbox" }],
  "GET /v1/orgs/o/services/s": () => [200, { ...service, environment_id: "env_p" }],
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
  "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [db, uploads, files], next: null }],
  "GET /v1/orgs/o/services/s/links": () => [200, { items: [] }],
  ...over,
});

function renderLinks() {
  session.set("t");
  render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={createMemoryRouter(routes, { initialEntries: ["/orgs/o/services/s/resources"] })} /></QueryClientProvider>);
  return userEvent.setup();
}

test("link a volume: a mount path and read-only; the table then shows where it is mounted", async () => {
  let links: ResourceLink[] = [];
  const calls = fakeApi(linksTab({
    "GET /v1/orgs/o/services/s/links": () => [200, { items: links }],
    "PUT /v1/orgs/o/services/s/links/res_3": () => {
      links = [{ resource_id: "res_3", resource: "uploads", kind: "volume", variable: "UPLOADS_PATH", status: "available",
        created: "2026-11-27T23:42:01Z", path: "/app/uploads", read_only: true }];
      return [200, { ...links[0], redeploy: "deploy the service to apply" }];
    },
  }));
  const user = renderLinks();
  const form = await screen.findByRole("form", { name: "Link a resource" });
  // a database: no path, no read-only (the API refuses both for it)
  expect(within(form).queryByLabelText("Mount path")).toBeNull();
  expect(within(form).queryByRole("checkbox")).toBeNull();

  await user.selectOptions(within(form).getByLabelText("Resource to link"), "res_3");
  const path = within(form).getByLabelText("Mount path");
  expect(path.getAttribute("aria-required")).toBe("true");
  expect(within(form).getByLabelText("Variable (optional)").getAttribute("placeholder")).toBe("UPLOADS_PATH");
  await user.type(path, "/app/uploads");
  const readOnly = within(form).getByRole("checkbox", { name: "Read-only" });
  expect(document.getElementById(readOnly.getAttribute("aria-describedby")!)!.textContent).toBe("Mounted read-only: its tasks cannot write to it.");
  await user.click(readOnly);
  await user.click(within(form).getByRole("button", { name: "Link" }));

  expect((await screen.findByText(/^Linked uploads/)).textContent)
    .toBe("Linked uploads: the next deploy mounts it at /app/uploads (read-only) and gives web UPLOADS_PATH.");
  expect(calls.find((r) => r.method === "PUT")!.body).toEqual({ path: "/app/uploads", read_only: true });
  const table = await screen.findByRole("table", { name: "Linked resources" });
  const row = within(table).getByText("UPLOADS_PATH").closest("tr") as HTMLElement;
  expect(row.querySelector(".link-access")?.textContent).toBe("mounted at /app/uploads, read-only");
  expect(within(row).getByText("/app/uploads").className).toContain("mono");
});

test("a volume's mount path: checked before sending, and the API's 422 or 409 shown at the field", async () => {
  let answer: [number, unknown] = [422, { error: { code: "invalid", field: "path",
    message: "path: /opt/lib is a system folder of the container: mount it elsewhere (e.g. /data)" } }];
  const calls = fakeApi(linksTab({ "PUT /v1/orgs/o/services/s/links/res_3": () => answer }));
  const user = renderLinks();
  const form = await screen.findByRole("form", { name: "Link a resource" });
  await user.selectOptions(within(form).getByLabelText("Resource to link"), "res_3");
  const path = within(form).getByLabelText("Mount path");
  const field = path.closest(".field") as HTMLElement;
  const link = within(form).getByRole("button", { name: "Link" });

  // the rule the API applies, before asking it: required, absolute, no `..`, not `/`, no system folder
  await user.click(link);
  expect(within(field).getByRole("alert").textContent).toBe("give the path to mount it at (e.g. /data)");
  expect(document.activeElement).toBe(path);
  for (const [typed, said] of [["data", "an absolute path, starting with / (e.g. /data)"], ["/", "not / itself: a folder in it (e.g. /data)"],
    ["/srv/../etc", "no '.', '..' or empty parts"], ["/etc/app", "/etc/app is a system folder of the container: mount it elsewhere (e.g. /data)"]]) {
    await user.clear(path);
    await user.type(path, typed!);
    expect(within(field).getByRole("alert").textContent, typed).toBe(said);
  }
  expect(path.getAttribute("aria-invalid")).toBe("true");
  await user.click(link);
  expect(calls.filter((r) => r.method === "PUT")).toHaveLength(0);

  // a path the form lets through and the API refuses (as if its rule had grown stricter than the form's): its message at the field
  await user.clear(path);
  await user.type(path, "/opt/lib");
  await user.click(link);
  expect((await within(field).findByRole("alert")).textContent)
    .toBe("path: /opt/lib is a system folder of the container: mount it elsewhere (e.g. /data)");
  expect(calls.find((r) => r.method === "PUT")!.body).toEqual({ path: "/opt/lib", read_only: false });
  // another volume mounted there: 409 on path, at the field too
  answer = [409, { error: { code: "conflict", field: "path", message: "another volume is mounted at /srv: mount this one at a path apart from it" } }];
  await user.clear(path);
  await user.type(path, "/srv/data");
  await user.click(link);
  await waitFor(() => expect(within(field).getByRole("alert").textContent)
    .toBe("another volume is mounted at /srv: mount this one at a path apart from it"));
  expect(within(form).queryByText(/another volume/, { selector: ".form-error" })).toBeNull();   // once, at the field
});

test("link a bucket read-only: no path; the table says read-only, or read and write", async () => {
  let links: ResourceLink[] = [{ resource_id: "res_1", resource: "main", kind: "postgres", variable: "DATABASE_URL", status: "available", created: "" }];
  const calls = fakeApi(linksTab({
    "GET /v1/orgs/o/services/s/links": () => [200, { items: links }],
    "PUT /v1/orgs/o/services/s/links/res_4": () => {
      links = [...links, { resource_id: "res_4", resource: "files", kind: "bucket", variable: "S3_BUCKET", status: "available", created: "", read_only: true }];
      return [200, { ...links[1], redeploy: "deploy the service to apply" }];
    },
  }));
  const user = renderLinks();
  const form = await screen.findByRole("form", { name: "Link a resource" });
  await user.selectOptions(within(form).getByLabelText("Resource to link"), "res_4");
  expect(within(form).queryByLabelText("Mount path")).toBeNull();
  const readOnly = within(form).getByRole("checkbox", { name: "Read-only" });
  expect(document.getElementById(readOnly.getAttribute("aria-describedby")!)!.textContent).toBe("Its tasks may only read and list objects.");
  await user.click(readOnly);
  await user.click(within(form).getByRole("button", { name: "Link" }));
  expect((await screen.findByText(/^Linked files/)).textContent).toBe("Linked files: the next deploy gives web S3_BUCKET (read-only).");
  expect(calls.find((r) => r.method === "PUT")!.body).toEqual({ read_only: true });
  const table = screen.getByRole("table", { name: "Linked resources" });
  await waitFor(() => expect(within(table).getByText("S3_BUCKET")).toBeTruthy());
  expect((within(table).getByText("S3_BUCKET").closest("tr") as HTMLElement).querySelector(".link-access")?.textContent).toBe("read-only");
  expect((within(table).getByText("DATABASE_URL").closest("tr") as HTMLElement).querySelector(".link-access")).toBeNull();
});

// A queue as the API answers it (tests/resources/test_queues.py): its URL is its endpoint.
const jobs: Resource = { ...db, id: "res_5", name: "jobs", kind: "queue", size: null, version: null, storage_gb: null,
  backup_retention_days: null, deletion_protection: false, variable: "JOBS_QUEUE_URL", fifo: false, visibility_timeout_seconds: 60,
  retention_days: 4, max_receives: 5, endpoint: { address: "https://sqs.us-east-1.amazonaws.com/123456789012/launchbay-q", port: null } };

test("link a queue send-only: a Send only box explained instead of a path or read-only; the table says send only", async () => {
  let links: ResourceLink[] = [{ resource_id: "res_1", resource: "main", kind: "postgres", variable: "DATABASE_URL", status: "available", created: "" }];
  let refuse = true;
  const calls = fakeApi(linksTab({
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [db, files, jobs], next: null }],
    "GET /v1/orgs/o/services/s/links": () => [200, { items: links }],
    "PUT /v1/orgs/o/services/s/links/res_5": () => {
      if (refuse) return [422, { error: { code: "invalid", field: "send_only", message: "only a queue link can be send-only; 'jobs' is a bucket" } }];
      links = [...links, { resource_id: "res_5", resource: "jobs", kind: "queue", variable: "JOBS_QUEUE_URL", status: "available", created: "", send_only: true }];
      return [200, { ...links[1], redeploy: "deploy the service to apply" }];
    },
  }));
  const user = renderLinks();
  const form = await screen.findByRole("form", { name: "Link a resource" });
  expect(within(form).queryByRole("checkbox", { name: "Send only" })).toBeNull();   // not for a bucket
  await user.selectOptions(within(form).getByLabelText("Resource to link"), "res_5");
  expect(within(form).queryByLabelText("Mount path")).toBeNull();
  expect(within(form).queryByRole("checkbox", { name: "Read-only" })).toBeNull();
  const variable = within(form).getByLabelText("Variable (optional)");
  expect(variable.getAttribute("placeholder")).toBe("JOBS_QUEUE_URL");
  expect(document.getElementById(variable.getAttribute("aria-describedby")!)!.textContent).toBe("Default JOBS_QUEUE_URL (it holds the queue's URL).");
  const sendOnly = within(form).getByRole("checkbox", { name: "Send only" }) as HTMLInputElement;
  expect(sendOnly.checked).toBe(false);
  expect(document.getElementById(sendOnly.getAttribute("aria-describedby")!)!.textContent)
    .toBe("Its tasks may send messages but not receive them: for a web service handing work to a worker.");
  await user.click(sendOnly);
  await user.click(within(form).getByRole("button", { name: "Link" }));
  // the API's 422 on send_only, at the box (described by it)
  const said = await within(sendOnly.closest(".link-read-only") as HTMLElement).findByRole("alert");
  expect(said.textContent).toBe("only a queue link can be send-only; 'jobs' is a bucket");
  expect(sendOnly.getAttribute("aria-invalid")).toBe("true");
  expect(sendOnly.getAttribute("aria-describedby")).toContain(said.id);

  refuse = false;
  await user.click(within(form).getByRole("button", { name: "Link" }));
  expect((await screen.findByText(/^Linked jobs/)).textContent).toBe("Linked jobs: the next deploy gives web JOBS_QUEUE_URL (send only).");
  expect(calls.filter((r) => r.method === "PUT").map((r) => r.body)).toEqual([{ send_only: true }, { send_only: true }]);
  const table = screen.getByRole("table", { name: "Linked resources" });
  await waitFor(() => expect(within(table).getByText("JOBS_QUEUE_URL")).toBeTruthy());
  expect((within(table).getByText("JOBS_QUEUE_URL").closest("tr") as HTMLElement).querySelector(".link-access")?.textContent).toBe("send only");
  expect((within(table).getByText("DATABASE_URL").closest("tr") as HTMLElement).querySelector(".link-access")).toBeNull();
});

test("a queue linked to work on its messages (the box left unticked): send_only false, said as send, receive and delete", async () => {
  const calls = fakeApi(linksTab({
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [jobs], next: null }],
    "PUT /v1/orgs/o/services/s/links/res_5": () => [200, { resource_id: "res_5", resource: "jobs", kind: "queue", variable: "WORK_URL",
      status: "available", created: "", send_only: false, redeploy: "deploy the service to apply" }],
  }));
  const user = renderLinks();
  const form = await screen.findByRole("form", { name: "Link a resource" });
  await user.type(within(form).getByLabelText("Variable (optional)"), "work_url");
  await user.click(within(form).getByRole("button", { name: "Link" }));
  expect((await screen.findByText(/^Linked jobs/)).textContent).toBe("Linked jobs: the next deploy gives web WORK_URL (send, receive and delete).");
  expect(calls.find((r) => r.method === "PUT")!.body).toEqual({ variable: "WORK_URL", send_only: false });
});

test("the Resources tab says which log drains take the service's logs, and never offers a drain to link", async () => {
  const drain = (id: string, name: string, over: Partial<Resource>): Resource => ({
    ...db, id, name, kind: "log_drain", variable: "", endpoint: null, size: null, version: null, storage_gb: null,
    backup_retention_days: null, deletion_protection: false, destination: "datadog", url: null, access_key_set: true,
    services: null, taking: ["web"], ...over,
  });
  const answers: Record<string, Answer> = {
    "GET /v1/me": me,
    "GET /v1/health": () => [200, { mode: "sandbox" }],
    "GET /v1/orgs/o/services/s": () => [200, { ...service, environment_id: "env_p" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [db,
      drain("res_a", "datadog", {}),
      drain("res_b", "archive", { destination: "http", services: ["web", "api"], taking: ["api"] }),
      drain("res_c", "api-only", { destination: "newrelic", services: ["api"], taking: ["api"] }),
      drain("res_e", "going", { status: "deleting" })], next: null }],
    "GET /v1/orgs/o/services/s/links": () => [200, { items: [] }],
  };
  fakeApi(answers);
  session.set("t");
  render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={createMemoryRouter(routes, { initialEntries: ["/orgs/o/services/s/resources"] })} /></QueryClientProvider>);
  const said = await screen.findByTestId("log-drains");
  expect(said.textContent).toBe("Logs also go to: datadog (Datadog), archive (HTTPS endpoint).");
  expect(within(said).getByRole("link", { name: "datadog" }).getAttribute("href")).toBe("/orgs/o/projects/p/resources/res_a");
  const form = await screen.findByRole("form", { name: "Link a resource" });
  expect([...(within(form).getByLabelText("Resource to link") as HTMLSelectElement).options].map((o) => o.value)).toEqual(["res_1"]);
  cleanup();

  // never deployed: it has no log group yet, its first deploy subscribes it
  fakeApi({ ...answers, "GET /v1/orgs/o/services/s": () => [200, { ...service, environment_id: "env_p", live_deployment_id: null }] });
  render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={createMemoryRouter(routes, { initialEntries: ["/orgs/o/services/s/resources"] })} /></QueryClientProvider>);
  expect((await screen.findByTestId("log-drains")).textContent).toBe(
    "Logs also go to: datadog (Datadog, from its first deploy), archive (HTTPS endpoint, from its first deploy).");
});
