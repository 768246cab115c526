import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../App";
import { session } from "../api/client";
import type { Resource } from "../lib/resources";
import { bothClocks, fromWallClock, utcText, windowBounds, type RestoreWindow } from "../lib/restore";
import { err, fakeApi, me, type Answer } from "../test/fakeApi";

// A database as chalicelib/resources/service.py public() answers it, its window as
// chalicelib/resources/restore.py window() does (tests/resources/test_restore.py). The page shows
// times on the machine's clock: the expectations are worked out with the same functions, so the
// tests pass in any zone.
const db: Resource = {
  id: "res_db", org_id: "o", project_id: "p", environment_id: "env_p", environment: "production", name: "db", kind: "postgres",
  size: "db.t4g.micro", version: "16", storage_gb: 50, backup_retention_days: 7, deletion_protection: true, status: "available",
  reason: "created", last_error: null, variable: "DATABASE_URL", created: "2026-11-20T10:00:00Z", updated: "2026-11-20T10:00:00Z",
  endpoint: { address: "db.rds.local", port: 5432 }, where: { account: "123456789012", region: "us-east-1" },
};
const span: RestoreWindow = { earliest: "2026-11-21T09:12:30.912509Z", latest: "2026-11-28T08:55:09.219685Z", backup_retention_days: 7 };
const copy = (over: Partial<Resource> = {}): Resource => ({
  ...db, id: "res_copy", name: "db-restored", status: "creating", reason: "queued", endpoint: null, deletion_protection: true,
  restored_from: { resource_id: "res_db", name: "db", to: null, switch_links: true }, ...over,
});

const role = (name: string): Answer => () => [200, { user: { id: "u", email: "a@b.c" }, organizations: [{ id: "o", name: "Acme", role: name }] }];

function pageApi(over: Record<string, Answer> = {}): Record<string, Answer> {
  return {
    "GET /v1/me": me,
    "GET /v1/health": () => [200, { mode: "sandbox" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/resources/res_db": () => [200, db],
    "GET /v1/orgs/o/resources/res_db/restore-window": () => [200, span],
    ...over,
  };
}

function renderAt(path = "/orgs/o/projects/p/resources/res_db") {
  session.set("t");
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={router} /></QueryClientProvider>);
  return router;
}

test("a database's page says its restore window on both clocks; the dialog restores at the latest time, switching links, then shows the copy", async () => {
  let windowReads = 0;
  let made = copy();
  const calls = fakeApi(pageApi({
    "GET /v1/orgs/o/resources/res_db/restore-window": () => { windowReads += 1; return [200, span]; },
    "POST /v1/orgs/o/resources/res_db/restore": () => [202, made],
    "GET /v1/orgs/o/resources/res_copy": () => [200, made],
  }));
  const router = renderAt();
  const user = userEvent.setup();
  const section = await screen.findByRole("region", { name: "Point-in-time restore" });
  const words = await within(section).findByTestId("restore-window");
  expect(words.textContent).toBe(
    `Restorable to any second from ${bothClocks(span.earliest)} to ${bothClocks(span.latest)}: backups are kept 7 days.`);
  expect(section.textContent).toContain("A restore makes a new PostgreSQL database beside db, with its version, storage, backups and credentials; db stays as it is until you delete it.");

  const open = within(section).getByRole("button", { name: "Restore to a point in time" });
  expect(open.getAttribute("aria-haspopup")).toBe("dialog");
  await user.click(open);
  const dialog = screen.getByRole("dialog", { name: "Restore db to a point in time" });
  await waitFor(() => expect(windowReads).toBe(2));   // read again on opening: `latest` moves on by itself
  const name = within(dialog).getByLabelText("Name of the copy") as HTMLInputElement;
  expect(document.activeElement).toBe(name);
  expect(name.value).toBe("db-restored");
  expect(name.getAttribute("aria-describedby")).toBeTruthy();
  const group = within(dialog).getByRole("group", { name: "Restore to" });
  const latest = within(group).getByRole("radio", { name: "Latest restorable time" }) as HTMLInputElement;
  expect(latest.checked).toBe(true);
  expect(document.getElementById(latest.getAttribute("aria-describedby")!)!.textContent).toBe(`A few minutes ago: now ${bothClocks(span.latest)}.`);
  expect(within(dialog).queryByLabelText(/^Date and time/)).toBeNull();
  const size = within(dialog).getByLabelText("Instance class") as HTMLSelectElement;
  expect(size.value).toBe("db.t4g.micro");
  expect(within(size).getByRole("option", { name: "db.t4g.micro (db's)" })).toBeTruthy();
  const switchLinks = within(dialog).getByRole("checkbox", { name: "Switch links" }) as HTMLInputElement;
  expect(switchLinks.checked).toBe(false);
  expect(document.getElementById(switchLinks.getAttribute("aria-describedby")!)!.textContent).toBe(
    "Once the copy is available, the services that link db link the copy instead and are redeployed; db stays until you delete it. Unticked, nothing links the copy until you link it.");
  await user.click(switchLinks);
  await user.click(within(dialog).getByRole("button", { name: "Restore" }));

  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o/projects/p/resources/res_copy"));
  expect(calls.find((c) => c.method === "POST")!.body).toEqual({ name: "db-restored", switch_links: true });
  expect(screen.queryByRole("dialog")).toBeNull();
  // (the address changes first: the page follows in a transition)
  await waitFor(() => expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("db-restored creating"));
  const from = screen.getByTestId("restored-from");
  expect(from.closest("div")!.querySelector("dt")!.textContent).toBe("Restored from");
  expect(from.textContent).toBe("db at the latest restorable time when asked; once available, db's links move here and the services that link it are redeployed");
  expect(within(from).getByRole("link", { name: "db" }).getAttribute("href")).toBe("/orgs/o/projects/p/resources/res_db");
  expect(screen.getByText("A restore is offered once the database is available.")).toBeTruthy();
  expect(calls.filter((c) => c.path === "/v1/orgs/o/resources/res_copy/restore-window")).toHaveLength(0);

  made = copy({ status: "available", reason: "restored; redeployed 1 linked service(s)" });   // polled while creating
  await waitFor(() => expect(from.textContent).toBe("db at the latest restorable time when asked; db's links were moved here once it was available"), { timeout: 5000 });
}, 30_000);

test("a chosen time: in the window's bounds, said in UTC, checked before asking, sent with its offset; the API's refusals at their fields", async () => {
  let answer: [number, unknown] = [422, err("invalid", "2026-11-28T08:00:00Z is outside the restorable window …", "to")];
  const calls = fakeApi(pageApi({ "POST /v1/orgs/o/resources/res_db/restore": () => answer }));
  renderAt();
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Restore to a point in time" }));
  const dialog = screen.getByRole("dialog", { name: "Restore db to a point in time" });
  await user.click(within(dialog).getByRole("radio", { name: "A chosen date and time" }));
  const when = within(dialog).getByLabelText(/^Date and time \(your time/) as HTMLInputElement;
  const bounds = windowBounds(span);
  expect([when.type, when.min, when.max, when.step]).toEqual(["datetime-local", bounds.min, bounds.max, "1"]);
  expect(fromWallClock(when.value)).toBe(bounds.latest);   // the latest whole second, to start from
  const hint = () => document.getElementById(when.getAttribute("aria-describedby")!.split(" ")[0]!)!.textContent;
  expect(hint()).toBe(`That is ${utcText(bounds.latest)}. Within the window from ${bothClocks(span.earliest)} to ${bothClocks(span.latest)}.`);

  // too late: refused here, at the field, with the focus on it; nothing asked
  fireEvent.change(when, { target: { value: "2026-12-01T08:00" } });
  await user.clear(within(dialog).getByLabelText("Name of the copy"));
  await user.type(within(dialog).getByLabelText("Name of the copy"), "Before");
  await user.click(within(dialog).getByRole("button", { name: "Restore" }));
  const nameField = within(dialog).getByLabelText("Name of the copy");
  expect(nameField.getAttribute("aria-invalid")).toBe("true");
  expect(document.activeElement).toBe(nameField);   // the first field with an error
  expect(nameField.closest(".field")!.querySelector("[role=alert]")!.textContent).toMatch(/^lower-case letters, digits and hyphens/);
  expect(when.getAttribute("aria-invalid")).toBe("true");
  expect(when.closest(".field")!.querySelector("[role=alert]")!.textContent).toBe(`too late: the latest restorable time is ${bothClocks(bounds.latest)}`);
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

  // a time inside, on the person's clock: said in UTC, sent with the offset of that moment
  await user.clear(nameField);
  await user.type(nameField, "db-before-migration");
  const clock = "2026-11-28T07:58";
  fireEvent.change(when, { target: { value: clock } });
  expect(within(dialog).getByTestId("restore-utc").textContent).toBe(utcText(fromWallClock(clock)!));
  await user.selectOptions(within(dialog).getByLabelText("Instance class"), "db.t4g.small");
  await user.click(within(dialog).getByRole("button", { name: "Restore" }));
  await waitFor(() => expect(when.getAttribute("aria-invalid")).toBe("true"));
  const body = calls.find((c) => c.method === "POST")!.body as Record<string, string>;
  expect(Object.keys(body).sort()).toEqual(["name", "size", "switch_links", "to"]);
  expect([body.name, body.size, body.switch_links]).toEqual(["db-before-migration", "db.t4g.small", false]);
  expect(body.to).toMatch(/^2026-11-28T07:58:00[+-]\d\d:\d\d$/);
  expect(Date.parse(body.to!)).toBe(fromWallClock(clock));
  expect(when.closest(".field")!.querySelector("[role=alert]")!.textContent).toBe("2026-11-28T08:00:00Z is outside the restorable window …");
  expect(document.activeElement).toBe(when);

  // a name taken: at the name
  answer = [409, err("conflict", "a resource named 'db-before-migration' already exists in this project", "name")];
  await user.click(within(dialog).getByRole("button", { name: "Restore" }));
  await waitFor(() => expect(nameField.getAttribute("aria-invalid")).toBe("true"));
  expect(nameField.closest(".field")!.querySelector("[role=alert]")!.textContent).toBe("a resource named 'db-before-migration' already exists in this project");
  expect(when.getAttribute("aria-invalid")).toBeNull();
  // a refusal of no field here: in the dialog as it is
  answer = [409, err("conflict", "the database is deleting: restore it once it is available", "status")];
  await user.click(within(dialog).getByRole("button", { name: "Restore" }));
  expect((await within(dialog).findByText("the database is deleting: restore it once it is available")).className).toBe("form-error");

  // Escape: closed, focus back to the button that opened it
  await user.keyboard("{Escape}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(document.activeElement).toBe(screen.getByRole("button", { name: "Restore to a point in time" }));
}, 30_000);

test("a database without backups says why no restore is offered, instead of a button", async () => {
  const bare = { ...db, backup_retention_days: 0 };
  fakeApi(pageApi({
    "GET /v1/orgs/o/resources/res_db": () => [200, bare],
    "GET /v1/orgs/o/resources/res_db/restore-window": () => [409, err("conflict",
      "'db' keeps no automated backups (backup_retention_days 0): there is no point in time to restore; turn backups on for the next time",
      "backup_retention_days")],
  }));
  renderAt();
  const note = await screen.findByTestId("no-restore");
  expect(note.textContent).toBe("No restore is offered: 'db' keeps no automated backups (backup_retention_days 0): there is no point in time to restore; turn backups on for the next time");
  expect(note.getAttribute("data-refusal")).toBe("backup_retention_days");
  expect(screen.queryByRole("button", { name: "Restore to a point in time" })).toBeNull();
  expect(screen.queryByRole("alert")).toBeNull();   // not an error of anyone's: the way this database is
});

test("a viewer sees the window and who may restore; a failed read offers Try again; a cache has no restore", async () => {
  let fail = true;
  const calls = fakeApi(pageApi({
    "GET /v1/me": role("viewer"),
    "GET /v1/orgs/o/resources/res_db/restore-window": () => fail ? [503, {}] : [200, span],
    "GET /v1/orgs/o/resources/res_cache": () => [200, { ...db, id: "res_cache", name: "cache", kind: "redis", size: "cache.t4g.micro" }],
  }));
  const router = renderAt();
  const user = userEvent.setup();
  const section = await screen.findByRole("region", { name: "Point-in-time restore" });
  const alert = await within(section).findByRole("alert", {}, { timeout: 8000 });   // (a 5xx is asked again twice first)
  fail = false;
  await user.click(within(alert).getByRole("button", { name: "Try again" }));
  expect(await within(section).findByTestId("restore-window")).toBeTruthy();
  expect(within(section).queryByRole("button", { name: "Restore to a point in time" })).toBeNull();
  expect(section.textContent).toContain("Owners and admins can restore it to a point in time.");

  await act(() => router.navigate("/orgs/o/projects/p/resources/res_cache"));
  await waitFor(() => expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("cache available"));
  expect(screen.queryByRole("region", { name: "Point-in-time restore" })).toBeNull();
  expect(calls.filter((c) => c.path.includes("res_cache/restore-window"))).toHaveLength(0);
}, 30_000);

test("a database that failed offers no restore and reads no window", async () => {
  const calls = fakeApi(pageApi({ "GET /v1/orgs/o/resources/res_db": () => [200, { ...db, status: "failed", last_error: "boom" }] }));
  renderAt();
  const section = await screen.findByRole("region", { name: "Point-in-time restore" });
  expect(section.textContent).toBe("Point-in-time restoreNo restore while the database is failed.");
  expect(calls.filter((c) => c.path.endsWith("/restore-window"))).toHaveLength(0);
});

test("a restored database's row on the list says where from and when", async () => {
  fakeApi(pageApi({
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [{ id: "env_p", name: "production" }], next: null }],
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [db,
      copy({ status: "available", restored_from: { resource_id: "res_db", name: "db", to: "2026-11-28T07:58:00Z", switch_links: false } }),
      copy({ id: "res_c2", name: "db-latest", status: "available" })], next: null }],
  }));
  renderAt("/orgs/o/projects/p/resources");
  const table = await screen.findByRole("table", { name: "Resources in production" });
  const row = (name: string) => table.querySelector(`tr[data-resource=${name}]`)!;
  expect(row("db-restored").querySelector(".restored-from")!.textContent).toBe("restored from db at 2026-11-28 07:58 UTC");
  expect(row("db-latest").querySelector(".restored-from")!.textContent).toBe("restored from db at the latest time");
  expect(row("db").querySelector(".restored-from")).toBeNull();
});
