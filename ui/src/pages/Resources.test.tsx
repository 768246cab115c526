import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../App";
import { session } from "../api/client";
import type { Resource } from "../lib/resources";
import { fakeApi, me } from "../test/fakeApi";

// A resource as chalicelib/resources/service.py public() answers it.
const main: Resource = {
  id: "res_1", org_id: "o", project_id: "p", environment_id: "env_p", environment: "production", name: "main",
  kind: "postgres", size: "db.t4g.micro", version: "16", storage_gb: 50, backup_retention_days: 7,
  deletion_protection: true, status: "available", reason: "created", last_error: null, variable: "DATABASE_URL",
  created: "2026-11-26T10:00:00Z", updated: "2026-11-26T10:00:00Z", endpoint: { address: "lb-main.abc.rds.local", port: 5432 },
};

const projectApi = {
  "GET /v1/me": me,
  "GET /v1/health": (): [number, unknown] => [200, { mode: "sandbox" }],
  "GET /v1/orgs/o/projects/p": (): [number, unknown] => [200, { id: "p", name: "shop" }],
  "GET /v1/orgs/o/projects/p/environments": (): [number, unknown] =>
    [200, { items: [{ id: "env_p", name: "production" }, { id: "env_s", name: "staging" }], next: null }],
};

function renderAt(path: string) {
  session.set("t");
  render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={createMemoryRouter(routes, { initialEntries: [path] })} /></QueryClientProvider>);
}

test("add a resource: the kind's own fields with offered values only; the API's field errors next to them", async () => {
  const calls = fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/resources": () => [422, { error: { code: "invalid", message: "2 problems", field: "name",
      fields: [{ field: "name", message: "string should match pattern" }, { field: "storage_gb", message: "at least 20" }] } }],
  });
  renderAt("/orgs/o/projects/p/resources");
  const user = userEvent.setup();
  expect(await screen.findByText("No resources yet")).toBeTruthy();
  await user.click(screen.getByRole("button", { name: "Add a resource" }));
  const form = screen.getByRole("form", { name: "Add a resource" });

  // redis: node types, no storage
  await user.selectOptions(within(form).getByLabelText("Kind"), "redis");
  const nodes = within(form).getByLabelText("Node type") as HTMLSelectElement;
  expect([...nodes.options].map((o) => o.value)).toEqual(["cache.t4g.micro", "cache.t4g.small", "cache.t4g.medium", "cache.m7g.large", "cache.r7g.large"]);
  expect(within(form).queryByLabelText("Storage (GB)")).toBeNull();
  // a bucket: its name only
  await user.selectOptions(within(form).getByLabelText("Kind"), "bucket");
  expect(within(form).queryByLabelText("Version")).toBeNull();
  expect(within(form).queryByRole("checkbox")).toBeNull();
  // postgres in production: protected by default; staging is not
  await user.selectOptions(within(form).getByLabelText("Kind"), "postgres");
  const protect = within(form).getByRole("checkbox", { name: /Deletion protection/ }) as HTMLInputElement;
  expect(protect.checked).toBe(true);
  await user.selectOptions(within(form).getByLabelText("Environment"), "staging");
  expect(protect.checked).toBe(false);
  await user.selectOptions(within(form).getByLabelText("Environment"), "production");
  expect([...(within(form).getByLabelText("Version") as HTMLSelectElement).options].map((o) => o.value)).toEqual(["17", "16", "15", "14"]);

  await user.type(within(form).getByLabelText("Name"), "Main DB");
  await user.selectOptions(within(form).getByLabelText("Instance class"), "db.t4g.small");
  await user.clear(within(form).getByLabelText("Storage (GB)"));
  await user.type(within(form).getByLabelText("Storage (GB)"), "10");
  await user.click(within(form).getByRole("button", { name: "Add PostgreSQL" }));

  const nameField = within(form).getByLabelText("Name").closest(".field") as HTMLElement;
  expect((await within(nameField).findByRole("alert")).textContent).toBe("string should match pattern");
  const storageField = within(form).getByLabelText("Storage (GB)").closest(".field") as HTMLElement;
  expect(within(storageField).getByRole("alert").textContent).toBe("at least 20");
  const post = calls.find((r) => r.method === "POST")!;
  expect(post.body).toEqual({ name: "Main DB", kind: "postgres", environment: "production", size: "db.t4g.small",
    version: "16", storage_gb: 10, backup_retention_days: 7, deletion_protection: true });
});

test("the list per environment: endpoint, error in words, and a busy status polled until it settles", async () => {
  let reads = 0;
  const cache: Resource = { ...main, id: "res_2", name: "cache", kind: "redis", size: "cache.t4g.micro", version: "7.1", storage_gb: null,
    status: "creating", reason: "queued", endpoint: null, variable: "REDIS_URL" };
  const broken: Resource = { ...main, id: "res_3", name: "files", environment: "staging", environment_id: "env_s", kind: "bucket",
    size: null, version: null, storage_gb: null, backup_retention_days: null, status: "failed", endpoint: null,
    last_error: "BucketAlreadyExists: the name is taken", variable: "S3_BUCKET" };
  fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => {
      reads += 1;
      const now = reads > 1 ? { ...cache, status: "available", reason: "created", endpoint: { address: "cache.local", port: 6379 } } : cache;
      return [200, { items: [main, now, broken], next: null }];
    },
  });
  renderAt("/orgs/o/projects/p/resources");
  const prod = await screen.findByRole("table", { name: "Resources in production" });
  const mainRow = within(prod).getByText("main").closest("tr") as HTMLElement;
  expect(mainRow.textContent).toContain("lb-main.abc.rds.local:5432");
  expect(mainRow.textContent).toContain("db.t4g.micro · v16 · 50 GB · backups 7 days");
  expect(within(mainRow).getByText("available").getAttribute("data-status")).toBe("available");
  const cacheRow = within(prod).getByText("cache").closest("tr") as HTMLElement;
  expect(cacheRow.querySelector(".badge")?.getAttribute("data-status")).toBe("creating");
  expect((within(cacheRow).getByRole("button", { name: "Change cache" }) as HTMLButtonElement).disabled).toBe(true);
  const staging = screen.getByRole("table", { name: "Resources in staging" });
  expect(staging.textContent).toContain("It failed: BucketAlreadyExists: the name is taken.");

  await waitFor(() => expect(cacheRow.querySelector(".badge")?.getAttribute("data-status")).toBe("available"), { timeout: 4000 });
  expect(cacheRow.textContent).toContain("cache.local:6379");
  const before = reads;
  await new Promise((r) => setTimeout(r, 2500));   // nothing busy any more: no more reads
  expect(reads).toBe(before);
});

test("the resize dialog takes focus, and Escape closes it and gives focus back to its Change button", async () => {
  const calls = fakeApi({ ...projectApi, "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [main], next: null }] });
  renderAt("/orgs/o/projects/p/resources");
  const user = userEvent.setup();
  const change = await screen.findByRole("button", { name: "Change main" });
  await user.click(change);
  const dialog = screen.getByRole("dialog", { name: "Change main" });
  expect(dialog.getAttribute("aria-modal")).toBe("true");
  expect(document.activeElement).toBe(within(dialog).getByLabelText("Instance class"));
  await user.keyboard("{Escape}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(document.activeElement).toBe(change);
  expect(calls.filter((c) => c.method !== "GET")).toHaveLength(0);
});

test("resize offers the same classes, storage only grows, and only changes are sent", async () => {
  const calls = fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [main], next: null }],
    "PATCH /v1/orgs/o/resources/res_1": () => [202, { ...main, status: "modifying" }],
  });
  renderAt("/orgs/o/projects/p/resources");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Change main" }));
  const dialog = screen.getByRole("dialog", { name: "Change main" });
  const save = within(dialog).getByRole("button", { name: "Save changes" }) as HTMLButtonElement;
  expect(save.disabled).toBe(true);   // nothing changed yet
  expect((within(dialog).getByLabelText("Instance class") as HTMLSelectElement).options).toHaveLength(8);
  const storage = within(dialog).getByLabelText("Storage (GB)");
  await user.clear(storage);
  await user.type(storage, "30");
  expect(within(storage.closest(".field") as HTMLElement).getByRole("alert").textContent).toBe("storage can only grow (now 50 GB)");
  expect(save.disabled).toBe(true);
  await user.clear(storage);
  await user.type(storage, "100");
  await user.selectOptions(within(dialog).getByLabelText("Instance class"), "db.m7g.large");
  await user.click(within(dialog).getByRole("checkbox", { name: "Deletion protection" }));
  await user.click(save);
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  const patch = calls.find((r) => r.method === "PATCH")!;
  expect(patch.body).toEqual({ size: "db.m7g.large", storage_gb: 100, deletion_protection: false });
});

test("delete: the name typed again, and the API's refusal shown in its words", async () => {
  let protectedNow = true;
  const calls = fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [main], next: null }],
    "DELETE /v1/orgs/o/resources/res_1": () => protectedNow
      ? [409, { error: { code: "conflict", message: "'main' has deletion protection: turn it off first (PATCH deletion_protection=false)", field: "deletion_protection" } }]
      : [202, { ...main, status: "deleting" }],
  });
  renderAt("/orgs/o/projects/p/resources");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Delete main" }));
  const dialog = screen.getByRole("dialog", { name: "Delete main?" });
  expect(dialog.textContent).toContain("final snapshot");
  expect(dialog.textContent).toContain("main has deletion protection on.");
  const confirm = within(dialog).getByRole("button", { name: "Delete main" }) as HTMLButtonElement;
  expect(confirm.disabled).toBe(true);
  await user.type(within(dialog).getByLabelText("Type main to confirm"), "mai");
  expect(confirm.disabled).toBe(true);
  await user.type(within(dialog).getByLabelText("Type main to confirm"), "n");
  await user.click(confirm);
  expect((await within(dialog).findByRole("alert")).textContent).toBe(
    "'main' has deletion protection: turn it off first (PATCH deletion_protection=false)");
  expect(new URL(calls.find((r) => r.method === "DELETE")!.url).searchParams.get("confirm")).toBe("main");

  protectedNow = false;
  await user.click(confirm);
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(calls.filter((r) => r.method === "DELETE")).toHaveLength(2);
});

test("rotate credentials: asked twice, then POST …/rotate", async () => {
  const user = userEvent.setup();
  const db = main;
  const calls = fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [db], next: null }],
    "POST /v1/orgs/o/resources/res_1/rotate": () => [202, { ...db, status: "modifying", reason: "credential rotation requested" }],
  });
  renderAt("/orgs/o/projects/p/resources");
  await user.click(await screen.findByRole("button", { name: `Change ${db.name}` }));
  const dialog = await screen.findByRole("dialog");
  await user.click(within(dialog).getByRole("button", { name: "Rotate credentials" }));
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
  await user.click(within(dialog).getByRole("button", { name: "Yes, rotate and restart" }));
  await waitFor(() => expect(calls.filter((c) => c.path.endsWith("/rotate"))).toHaveLength(1));
});

test("a viewer sees the resources but no button to change them", async () => {
  fakeApi({
    ...projectApi,
    "GET /v1/me": () => [200, { user: { id: "u", email: "v@b.c" }, organizations: [{ id: "o", name: "Acme", role: "viewer" }] }],
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [main], next: null }],
  });
  renderAt("/orgs/o/projects/p/resources");
  expect(await screen.findByText("Owners and admins add, change and delete resources.")).toBeTruthy();
  expect(screen.getByText("main")).toBeTruthy();
  expect(screen.queryByRole("button", { name: "Add a resource" })).toBeNull();
  expect(screen.queryByRole("button", { name: "Delete main" })).toBeNull();
});

// A volume as the API answers it once available (tests/resources/test_volumes.py): no size, version, storage or backups.
const uploads: Resource = {
  ...main, id: "res_9", name: "uploads", kind: "volume", size: null, version: null, storage_gb: null, backup_retention_days: null,
  deletion_protection: false, variable: "UPLOADS_PATH", reason: "volume uploads is available", endpoint: { address: "fs-77be2ad0", port: 2049 },
};

test("add a volume: no size, version, storage or backups, a line on what it is; then its row says EFS", async () => {
  let items: Resource[] = [];
  const calls = fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items, next: null }],
    "POST /v1/orgs/o/projects/p/resources": () => {
      items = [{ ...uploads, deletion_protection: true, status: "creating", reason: "queued", endpoint: null }];
      return [202, items[0]];
    },
  });
  renderAt("/orgs/o/projects/p/resources");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Add a resource" }));
  const form = screen.getByRole("form", { name: "Add a resource" });
  const kind = within(form).getByLabelText("Kind") as HTMLSelectElement;
  expect([...kind.options].map((o) => o.textContent)).toContain("Volume (EFS)");
  await user.selectOptions(kind, "volume");
  for (const label of ["Instance class", "Node type", "Version", "Storage (GB)", "Backups (days)"])
    expect(within(form).queryByLabelText(label), label).toBeNull();
  expect(form.textContent).toContain(
    "Files shared by every task of the services that mount it: encrypted, backed up daily by AWS Backup and kept 35 days.");
  // it holds files: deletion protection as for a database (on in production)
  expect((within(form).getByRole("checkbox", { name: /Deletion protection/ }) as HTMLInputElement).checked).toBe(true);
  await user.type(within(form).getByLabelText("Name"), "uploads");
  await user.click(within(form).getByRole("button", { name: "Add Volume (EFS)" }));

  await waitFor(() => expect(screen.queryByRole("form", { name: "Add a resource" })).toBeNull());
  expect(calls.find((r) => r.method === "POST")!.body).toEqual({ name: "uploads", kind: "volume", environment: "production", deletion_protection: true });
  const row = (await screen.findByText("uploads")).closest("tr") as HTMLElement;
  expect(row.textContent).toContain("Volume (EFS)");
  expect(row.textContent).toContain("not measured yet · EFS · backed up daily, kept 35 days");   // metered hourly
  expect(row.textContent).toContain("UPLOADS_PATH holds that path");
  expect(row.querySelector(".badge")?.getAttribute("data-status")).toBe("creating");
});

test("a measured volume's row says what it holds, in decimal units", async () => {
  fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [{ ...uploads, used_bytes: 3_421_000_000 }], next: null }],
  });
  renderAt("/orgs/o/projects/p/resources");
  const row = (await screen.findByText("uploads")).closest("tr") as HTMLElement;
  expect(row.textContent).toContain("3.4 GB used · EFS · backed up daily, kept 35 days");
  expect(row.textContent).not.toContain("not measured yet");
});

test("a volume's row shows its file system; deleting it says its files go and its backups stay 35 days", async () => {
  const calls = fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [uploads], next: null }],
    "DELETE /v1/orgs/o/resources/res_9": () => [202, { ...uploads, status: "deleting" }],
  });
  renderAt("/orgs/o/projects/p/resources");
  const user = userEvent.setup();
  const row = (await screen.findByText("uploads")).closest("tr") as HTMLElement;
  expect(row.textContent).toContain("fs-77be2ad0");
  expect(row.textContent).not.toContain("2049");
  await user.click(within(row).getByRole("button", { name: "Delete uploads" }));
  const dialog = screen.getByRole("dialog", { name: "Delete uploads?" });
  expect(dialog.textContent).toContain("Its files are deleted with the file system.");
  expect(dialog.textContent).toContain("Its daily backups stay in AWS Backup for 35 days");
  expect(dialog.textContent).not.toContain("final snapshot");
  await user.type(within(dialog).getByLabelText("Type uploads to confirm"), "uploads");
  await user.click(within(dialog).getByRole("button", { name: "Delete uploads" }));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(new URL(calls.find((r) => r.method === "DELETE")!.url).searchParams.get("confirm")).toBe("uploads");
});

test("a volume's Change dialog: no size to change, no credentials to rotate, its protection only", async () => {
  const calls = fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [uploads], next: null }],
    "PATCH /v1/orgs/o/resources/res_9": () => [202, { ...uploads, deletion_protection: true }],
  });
  renderAt("/orgs/o/projects/p/resources");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Change uploads" }));
  const dialog = screen.getByRole("dialog", { name: "Change uploads" });
  expect(dialog.textContent).toContain("A volume has no size to change: it grows with its files (not measured yet).");
  expect(within(dialog).queryByRole("button", { name: "Rotate credentials" })).toBeNull();
  await user.click(within(dialog).getByRole("checkbox", { name: "Deletion protection" }));
  await user.click(within(dialog).getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(calls.find((r) => r.method === "PATCH")!.body).toEqual({ deletion_protection: true });
});

// A queue as the API answers it once available (tests/resources/test_queues.py).
const jobs: Resource = {
  ...main, id: "res_q", name: "jobs", kind: "queue", size: null, version: null, storage_gb: null, backup_retention_days: null,
  deletion_protection: false, variable: "JOBS_QUEUE_URL", reason: "queue jobs is available", fifo: false, visibility_timeout_seconds: 60,
  retention_days: 4, max_receives: 5, endpoint: { address: "https://sqs.us-east-1.amazonaws.com/123456789012/launchbay-q", port: null },
  dead_letter_queue: "https://sqs.us-east-1.amazonaws.com/123456789012/launchbay-q-dlq",
};

test("add a queue: FIFO and its timings with their limits, checked before sending; no size or version; the API's 422 at its field", async () => {
  let items: Resource[] = [];
  let refuse = true;
  const calls = fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items, next: null }],
    "POST /v1/orgs/o/projects/p/resources": () => {
      if (refuse) return [422, { error: { code: "invalid", message: "fifo: a FIFO queue's name ends in .fifo", field: "fifo" } }];
      items = [{ ...jobs, fifo: true, visibility_timeout_seconds: 300, max_receives: 3, status: "creating", reason: "queued", endpoint: null, dead_letter_queue: null }];
      return [202, items[0]];
    },
  });
  renderAt("/orgs/o/projects/p/resources?env=staging");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Add a resource" }));
  const form = screen.getByRole("form", { name: "Add a resource" });
  await user.selectOptions(within(form).getByLabelText("Kind"), "queue");
  for (const label of ["Instance class", "Node type", "Version", "Storage (GB)", "Backups (days)"])
    expect(within(form).queryByLabelText(label), label).toBeNull();
  expect(form.textContent).toContain("Messages a service hands to a worker");
  const fifo = within(form).getByRole("checkbox", { name: "FIFO (first in, first out)" }) as HTMLInputElement;
  expect(fifo.checked).toBe(false);
  expect(document.getElementById(fifo.getAttribute("aria-describedby")!)!.textContent).toContain("Fixed once the queue is made.");
  const visibility = within(form).getByLabelText("Visibility timeout (s)") as HTMLInputElement;
  const retention = within(form).getByLabelText("Retention (days)") as HTMLInputElement;
  const receives = within(form).getByLabelText("Max receives") as HTMLInputElement;
  expect([visibility.value, retention.value, receives.value]).toEqual(["60", "4", "5"]);   // the API's defaults
  expect(document.getElementById(visibility.getAttribute("aria-describedby")!)!.textContent).toContain("0 to 43200 (12 h)");
  expect(document.getElementById(retention.getAttribute("aria-describedby")!)!.textContent).toContain("1 to 14");
  expect(document.getElementById(receives.getAttribute("aria-describedby")!)!.textContent).toContain("moves to the dead-letter queue (kept 14 days); 1 to 1000");

  await user.type(within(form).getByLabelText("Name"), "jobs");
  await user.click(fifo);
  await user.clear(visibility);
  await user.type(visibility, "300");
  await user.clear(receives);
  await user.type(receives, "0");
  await user.clear(retention);
  await user.type(retention, "15");
  await user.click(within(form).getByRole("button", { name: "Add Queue (SQS)" }));
  // refused here, each at its field, and the first one focused; nothing sent
  const alertOf = (el: HTMLElement) => within(el.closest(".field") as HTMLElement).queryByRole("alert")?.textContent;
  expect(alertOf(receives)).toBe("a whole number from 1 to 1000");
  expect(alertOf(retention)).toBe("a whole number of days from 1 to 14");
  expect(alertOf(visibility)).toBeUndefined();
  expect(document.activeElement).toBe(retention);
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

  await user.clear(receives);
  await user.type(receives, "3");
  await user.clear(retention);
  await user.click(within(form).getByRole("button", { name: "Add Queue (SQS)" }));
  expect((await within(fifo.closest(".field") as HTMLElement).findByRole("alert")).textContent).toBe("fifo: a FIFO queue's name ends in .fifo");
  refuse = false;
  await user.click(within(form).getByRole("button", { name: "Add Queue (SQS)" }));
  await waitFor(() => expect(screen.queryByRole("form", { name: "Add a resource" })).toBeNull());
  // a blank retention is left to the API's default; staging: not protected
  expect(calls.filter((c) => c.method === "POST").map((c) => c.body)[1]).toEqual({ name: "jobs", kind: "queue", environment: "staging",
    deletion_protection: false, fifo: true, visibility_timeout_seconds: 300, max_receives: 3 });
  const row = (await screen.findByText("jobs")).closest("tr") as HTMLElement;
  expect(row.textContent).toContain("Queue (SQS)");
  expect(row.textContent).toContain("FIFO · hidden 5 min once received · kept 4 days · dead after 3 receives");
  expect(row.textContent).toContain("gives JOBS_QUEUE_URL (its URL) to the services that link it");
  expect(row.textContent).toContain("once available");
});

test("a queue's row shows its URL and links to its page; its Change dialog: the three timings, checked, only changes sent", async () => {
  const calls = fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [jobs], next: null }],
    "PATCH /v1/orgs/o/resources/res_q": () => [202, { ...jobs, status: "modifying" }],
  });
  renderAt("/orgs/o/projects/p/resources");
  const user = userEvent.setup();
  const row = (await screen.findByText("jobs")).closest("tr") as HTMLElement;
  expect(row.textContent).toContain("https://sqs.us-east-1.amazonaws.com/123456789012/launchbay-q");
  expect(within(row).getByRole("link", { name: "jobs" }).getAttribute("href")).toBe("/orgs/o/projects/p/resources/res_q");
  await user.click(within(row).getByRole("button", { name: "Change jobs" }));
  const dialog = screen.getByRole("dialog", { name: "Change jobs" });
  expect(dialog.textContent).toContain("Its order stays as it was made (standard)");
  expect(within(dialog).queryByRole("checkbox", { name: /FIFO/ })).toBeNull();
  expect(within(dialog).queryByRole("button", { name: "Rotate credentials" })).toBeNull();
  const save = within(dialog).getByRole("button", { name: "Save changes" }) as HTMLButtonElement;
  expect(save.disabled).toBe(true);
  const visibility = within(dialog).getByLabelText("Visibility timeout (s)");
  expect(document.activeElement).toBe(visibility);
  await user.clear(visibility);
  await user.type(visibility, "50000");
  expect(within(visibility.closest(".field") as HTMLElement).getByRole("alert").textContent).toBe("a whole number of seconds from 0 to 43200");
  expect(save.disabled).toBe(true);
  await user.clear(visibility);
  await user.type(visibility, "900");
  await user.clear(within(dialog).getByLabelText("Max receives"));
  await user.type(within(dialog).getByLabelText("Max receives"), "10");
  await user.click(save);
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(calls.find((r) => r.method === "PATCH")!.body).toEqual({ visibility_timeout_seconds: 900, max_receives: 10 });
});

test("deleting a queue says its messages go with it", async () => {
  fakeApi({ ...projectApi, "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [jobs], next: null }] });
  renderAt("/orgs/o/projects/p/resources");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Delete jobs" }));
  const dialog = screen.getByRole("dialog", { name: "Delete jobs?" });
  expect(dialog.textContent).toContain("The queue and its dead-letter queue go, with every message in them: nothing keeps a copy.");
  expect(dialog.textContent).not.toContain("final snapshot");
});

// A log drain as the API answers it once available (tests/resources/test_drains.py).
const logs: Resource = {
  ...main, id: "res_d", name: "logs", kind: "log_drain", size: null, version: null, storage_gb: null, backup_retention_days: null,
  deletion_protection: false, variable: "", reason: "log drain logs is available", endpoint: null, destination: "datadog",
  url: "https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input", access_key_set: true, services: null, taking: ["web"],
  failed_deliveries_bucket: "launchbay-drain-logs-failed",
};
const envServices = (): [number, unknown] =>
  [200, { items: [{ id: "s1", name: "web", status: "live" }, { id: "s2", name: "worker", status: "live" }], next: null }];

test("add a log drain: destination, the vendor's sites, a key never echoed, services; checked first; the API's 409 at services", async () => {
  let items: Resource[] = [];
  let refuse = true;
  const calls = fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items, next: null }],
    "GET /v1/orgs/o/projects/p/services": envServices,
    "POST /v1/orgs/o/projects/p/resources": () => {
      if (refuse) return [409, { error: { code: "conflict", message: "web already sends its logs to a and b: CloudWatch Logs takes 2 drains per service", field: "services" } }];
      items = [{ ...logs, destination: "http", url: "https://logs.example.com/in", services: ["worker"], taking: [], status: "creating", reason: "queued" }];
      return [202, items[0]];
    },
  });
  renderAt("/orgs/o/projects/p/resources");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Add a resource" }));
  const form = screen.getByRole("form", { name: "Add a resource" });
  await user.selectOptions(within(form).getByLabelText("Kind"), "log_drain");
  for (const label of ["Instance class", "Node type", "Version", "Storage (GB)", "Backups (days)"])
    expect(within(form).queryByLabelText(label), label).toBeNull();
  expect(within(form).queryByRole("checkbox", { name: /Deletion protection/ })).toBeNull();   // it holds no data
  const destination = within(form).getByLabelText("Destination") as HTMLSelectElement;
  expect([...destination.options].map((o) => o.textContent)).toEqual(["Datadog", "New Relic", "HTTPS endpoint"]);
  const site = within(form).getByLabelText("Datadog site") as HTMLSelectElement;
  expect([...site.options].map((o) => o.textContent)).toEqual(
    ["US1 (datadoghq.com)", "US3 (us3.datadoghq.com)", "US5 (us5.datadoghq.com)", "EU (datadoghq.eu)", "AP1 (ap1.datadoghq.com)"]);
  expect(within(form).getByLabelText("Datadog API key").getAttribute("type")).toBe("password");
  await user.selectOptions(destination, "newrelic");
  expect([...(within(form).getByLabelText("New Relic site") as HTMLSelectElement).options].map((o) => o.textContent)).toEqual(["US", "EU"]);
  await user.selectOptions(destination, "http");
  expect(within(form).queryByLabelText("New Relic site")).toBeNull();
  const url = within(form).getByLabelText("Receiver URL");
  expect(within(form).getByLabelText("Access key (optional)").getAttribute("type")).toBe("password");
  const every = within(form).getByRole("radio", { name: /Every service of the environment/ }) as HTMLInputElement;
  expect(every.checked).toBe(true);
  expect(within(form).queryByRole("checkbox", { name: "web" })).toBeNull();

  await user.type(within(form).getByLabelText("Name"), "logs");
  await user.type(url, "http://logs.example.com/in");
  await user.click(within(form).getByRole("radio", { name: /Only the services ticked/ }));
  await user.click(within(form).getByRole("button", { name: "Add Log drain" }));
  // refused here, at their fields, the first one focused; nothing sent
  expect(within(url.closest(".field") as HTMLElement).getByRole("alert").textContent).toBe("an https:// URL: Firehose delivers over HTTPS only");
  const services = within(form).getByRole("group", { name: "Services whose logs it takes" });
  expect(within(services).getByRole("alert").textContent).toBe("tick at least one service, or choose every service");
  expect(document.activeElement).toBe(url);
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

  await user.clear(url);
  await user.type(url, "https://logs.example.com/in");
  await user.type(within(form).getByLabelText("Access key (optional)"), "s3cret");
  await user.click(await within(form).findByRole("checkbox", { name: "worker" }));
  await user.click(within(form).getByRole("button", { name: "Add Log drain" }));
  expect((await within(services).findByRole("alert")).textContent).toBe("web already sends its logs to a and b: CloudWatch Logs takes 2 drains per service");
  refuse = false;
  await user.click(within(form).getByRole("button", { name: "Add Log drain" }));
  await waitFor(() => expect(screen.queryByRole("form", { name: "Add a resource" })).toBeNull());
  expect(calls.filter((c) => c.method === "POST").map((c) => c.body)[1]).toEqual({ name: "logs", kind: "log_drain", environment: "production",
    destination: "http", url: "https://logs.example.com/in", access_key: "s3cret", services: ["worker"] });
  expect(new URL(calls.find((c) => c.path.endsWith("/services"))!.url).searchParams.get("environment")).toBe("production");
  const row = (await screen.findByText("logs")).closest("tr") as HTMLElement;
  expect(row.textContent).toContain("Log drain");
  expect(row.textContent).toContain("HTTPS endpoint · worker");
  expect(row.textContent).toContain("takes the logs of worker");
  expect(row.textContent).toContain("https://logs.example.com/in");
  expect(row.textContent).not.toContain("s3cret");
});

test("a drain's row: destination by site and what it takes; Change sends a key only when typed; Delete is asked once, no name typed", async () => {
  const calls = fakeApi({
    ...projectApi,
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [logs], next: null }],
    "GET /v1/orgs/o/projects/p/services": envServices,
    "PATCH /v1/orgs/o/resources/res_d": () => [202, { ...logs, status: "modifying" }],
    "DELETE /v1/orgs/o/resources/res_d": () => [202, { ...logs, status: "deleting" }],
  });
  renderAt("/orgs/o/projects/p/resources");
  const user = userEvent.setup();
  const row = (await screen.findByText("logs")).closest("tr") as HTMLElement;
  expect(row.textContent).toContain("Datadog EU (datadoghq.eu) · every service");
  expect(row.textContent).toContain("takes the logs of every service, those deployed later too");
  expect(row.textContent).not.toContain("gives");

  await user.click(within(row).getByRole("button", { name: "Change logs" }));
  const dialog = screen.getByRole("dialog", { name: "Change logs" });
  expect((within(dialog).getByLabelText("Datadog site") as HTMLSelectElement).value).toBe(logs.url);
  const key = within(dialog).getByLabelText("New Datadog API key (optional)") as HTMLInputElement;
  expect([key.type, key.value]).toEqual(["password", ""]);
  expect(document.getElementById(key.getAttribute("aria-describedby")!)!.textContent).toContain("A key is set (never shown)");
  const save = within(dialog).getByRole("button", { name: "Save changes" }) as HTMLButtonElement;
  expect(save.disabled).toBe(true);
  expect(within(dialog).queryByRole("checkbox", { name: "Deletion protection" })).toBeNull();
  await user.selectOptions(within(dialog).getByLabelText("Datadog site"), "US5 (us5.datadoghq.com)");
  await user.click(within(dialog).getByRole("radio", { name: /Only the services ticked/ }));
  await user.click(await within(dialog).findByRole("checkbox", { name: "web" }));
  await user.click(save);
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(calls.find((c) => c.method === "PATCH")!.body).toEqual({
    url: "https://aws-kinesis-http-intake.logs.us5.datadoghq.com/v1/input", services: ["web"] });

  await user.click(within(row).getByRole("button", { name: "Delete logs" }));
  const ask = screen.getByRole("dialog", { name: "Delete logs?" });
  expect(within(ask).queryByRole("textbox")).toBeNull();
  expect(ask.textContent).toContain("The services stop sending their logs to Datadog; what was delivered stays there.");
  await user.click(within(ask).getByRole("button", { name: "Delete logs" }));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  const del = calls.find((c) => c.method === "DELETE")!;
  expect(new URL(del.url).searchParams.get("confirm")).toBeNull();
});
