import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt } from "../test/fakeApi";
import { ENVS, env, project } from "../test/environments";
import { browserZone, cronWords, windowsWords, windowTime } from "./FreezeWindowsForm";

const weekend = { start: "0 18 * * 5", end: "0 8 * * 1", timezone: "Europe/Berlin", reason: "weekend" };
const nights = { start: "0 22 * * *", end: "0 6 * * *", timezone: "UTC", reason: "nights" };
const NEXT = { starts: "2026-11-27T17:00:00.000000Z", until: "2026-11-30T07:00:00.000000Z", reason: "weekend" };

async function openWindows(name = "production") {
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  const row = table.querySelector(`tr[data-environment=${name}]`) as HTMLTableRowElement;
  const opener = await within(row).findByRole("button", { name: `Freeze windows for ${name}…` });
  expect(opener.getAttribute("aria-haspopup")).toBe("dialog");
  await user.click(opener);
  const dialog = screen.getByRole("dialog", { name: `Freeze windows for ${name}` });
  const form = within(dialog).getByRole("form", { name: `Freeze windows for ${name}` });
  const windows = () => within(form).queryAllByRole("group", { name: /^Window \d+$/ });
  return { user, table, row, opener, dialog, form, windows };
}

test("an owner adds windows from presets and by hand: the whole list is PATCHed, the row then says them in words", async () => {
  session.set("t");
  let production = env("production");
  const calls = fakeApi(project(() => [production], {
    [`PATCH ${ENVS}/production`]: () => {
      const body = calls.at(-1)!.body as { freeze_windows: unknown[] };
      production = { ...production, freeze_windows: body.freeze_windows, next_freeze: NEXT };
      return [200, production];
    },
  }));
  renderAt("/orgs/o/projects/p");
  const { user, row, opener, form, windows } = await openWindows();
  // none yet: one blank window to fill, in the browser's time zone, focus in its first field
  expect(windows()).toHaveLength(1);
  const first = windows()[0]!;
  const start = within(first).getByLabelText("Starts (cron)") as HTMLInputElement;
  expect(document.activeElement).toBe(start);
  expect((within(first).getByLabelText("Time zone") as HTMLInputElement).value).toBe(browserZone());
  expect(first.textContent).toContain("0 18 * * 5 = Fridays 18:00");   // the hint, before anything is typed

  await user.click(within(first).getByRole("button", { name: "Weekends: Fri 18:00 – Mon 08:00" }));
  expect(start.value).toBe("0 18 * * 5");
  expect((within(first).getByLabelText("Ends (cron)") as HTMLInputElement).value).toBe("0 8 * * 1");
  expect((within(first).getByLabelText("Reason") as HTMLInputElement).value).toBe("weekend");
  expect(first.textContent).toContain(`= Fridays 18:00 (${browserZone()})`);
  expect(first.textContent).toContain(`= Mondays 08:00 (${browserZone()})`);
  expect(within(form).getByRole("status").textContent).toContain("Window 1: Weekends");
  const zone = within(first).getByLabelText("Time zone");
  await user.clear(zone);
  await user.type(zone, "Europe/Berlin");

  await user.click(within(form).getByRole("button", { name: "Add a freeze window" }));
  expect(windows()).toHaveLength(2);
  const second = windows()[1]!;
  expect(document.activeElement).toBe(within(second).getByLabelText("Starts (cron)"));
  await user.type(within(second).getByLabelText("Reason"), "batch");
  await user.click(within(second).getByRole("button", { name: "Nights: 22:00 – 06:00" }));
  expect((within(second).getByLabelText("Reason") as HTMLInputElement).value).toBe("batch");   // a reason given stays
  await user.clear(within(second).getByLabelText("Ends (cron)"));
  await user.type(within(second).getByLabelText("Ends (cron)"), "30 5 * * 1-5");
  expect(second.textContent).toContain("= Mondays to Fridays 05:30");

  await user.click(within(form).getByRole("button", { name: "Save" }));
  await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({
    freeze_windows: [
      { start: "0 18 * * 5", end: "0 8 * * 1", timezone: "Europe/Berlin", reason: "weekend" },
      { start: "0 22 * * *", end: "30 5 * * 1-5", timezone: browserZone(), reason: "batch" },
    ],
  }));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(document.activeElement).toBe(opener);
  const words = `2 freeze windows · next: ${windowTime(NEXT.starts)} – ${windowTime(NEXT.until)}, weekend`;
  await waitFor(() => expect(row.cells[0]!.textContent).toContain(words));
  expect(windowsWords(production as Parameters<typeof windowsWords>[0])).toBe(words);
}, 30_000);

test("removing a window sends the list without it, focus stays in the list; removing all sends []", async () => {
  session.set("t");
  const calls = fakeApi(project(() => [env("production", { freeze_windows: [weekend, nights], next_freeze: NEXT })], {
    [`PATCH ${ENVS}/production`]: () => [200, env("production")],
  }));
  renderAt("/orgs/o/projects/p");
  const { user, form, windows } = await openWindows();
  expect(windows()).toHaveLength(2);
  expect((within(windows()[0]!).getByLabelText("Time zone") as HTMLInputElement).value).toBe("Europe/Berlin");
  await user.click(within(windows()[0]!).getByRole("button", { name: "Remove window 1 (weekend)" }));
  expect(windows()).toHaveLength(1);
  expect((within(windows()[0]!).getByLabelText("Starts (cron)") as HTMLInputElement).value).toBe("0 22 * * *");
  expect(document.activeElement).toBe(within(windows()[0]!).getByRole("button", { name: "Remove window 1 (nights)" }));
  expect(within(form).getByRole("status").textContent).toBe("Window 1 removed. Save to keep the change.");
  await user.click(within(form).getByRole("button", { name: "Save" }));
  await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ freeze_windows: [nights] }));
}, 30_000);

test("removing every window says saving removes them all and sends an empty list", async () => {
  session.set("t");
  const calls = fakeApi(project(() => [env("production", { freeze_windows: [weekend], next_freeze: NEXT })], {
    [`PATCH ${ENVS}/production`]: () => [200, env("production")],
  }));
  renderAt("/orgs/o/projects/p");
  const { user, form, windows } = await openWindows();
  await user.click(within(windows()[0]!).getByRole("button", { name: "Remove window 1 (weekend)" }));
  expect(windows()).toHaveLength(0);
  expect(form.textContent).toContain("No freeze windows. Saving removes them all.");
  expect(document.activeElement).toBe(within(form).getByRole("button", { name: "Add a freeze window" }));
  await user.click(within(form).getByRole("button", { name: "Save" }));
  await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ freeze_windows: [] }));
}, 30_000);

test("the API's errors show at the window and field they name, with focus on the first", async () => {
  session.set("t");
  const bad = {
    error: {
      code: "invalid", message: "2 problems: …", field: "freeze_windows.1.start",
      fields: [
        { field: "freeze_windows.1.start", message: "'0 18 * *' is not five cron fields read in the window's time zone" },
        { field: "freeze_windows.1.timezone", message: "'Mars/Olympus' is not a time zone name" },
      ],
    },
  };
  let answer: [number, unknown] = [422, bad];
  const calls = fakeApi(project(() => [env("production", { freeze_windows: [weekend, { ...nights, start: "0 18 * *", timezone: "Mars/Olympus" }] })], {
    [`PATCH ${ENVS}/production`]: () => answer,
  }));
  renderAt("/orgs/o/projects/p");
  const { user, form, windows } = await openWindows();
  await user.click(within(form).getByRole("button", { name: "Save" }));
  const second = windows()[1]!;
  const start = within(second).getByLabelText("Starts (cron)");
  const startField = start.closest(".field") as HTMLElement;
  expect((await within(startField).findByRole("alert")).textContent).toBe(bad.error.fields[0]!.message);
  expect(start.getAttribute("aria-invalid")).toBe("true");
  const errId = within(startField).getByRole("alert").id;
  expect(start.getAttribute("aria-describedby")).toContain(errId);
  await waitFor(() => expect(document.activeElement).toBe(start));
  const zone = within(second).getByLabelText("Time zone");
  expect(zone.getAttribute("aria-invalid")).toBe("true");
  expect((zone.closest(".field") as HTMLElement).textContent).toContain("'Mars/Olympus' is not a time zone name");
  expect(within(windows()[0]!).queryByRole("alert")).toBeNull();   // the first window is fine
  expect(form.querySelector(".form-error")).toBeNull();   // all of it shown at the fields
  expect(screen.getByRole("dialog")).toBeTruthy();

  // a window-level problem (start and end the same) shows on that window
  answer = [422, err("invalid", "start and end are the same schedule: the window would never be open", "freeze_windows.0")];
  await user.click(within(form).getByRole("button", { name: "Save" }));
  const first = windows()[0]!;
  expect((await within(first).findByRole("alert")).textContent).toBe("start and end are the same schedule: the window would never be open");
  expect(first.getAttribute("aria-describedby")).toBe(within(first).getByRole("alert").id);
  await waitFor(() => expect(document.activeElement).toBe(first));
  expect(within(second).queryByRole("alert")).toBeNull();

  // what no window shows (a refusal) is the form's
  answer = [403, err("forbidden", "only owners and admins change freeze windows", "role")];
  await user.click(within(form).getByRole("button", { name: "Save" }));
  expect((await within(form).findByText("only owners and admins change freeze windows")).className).toBe("form-error");
  expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(3);
}, 30_000);

test("an empty required field is said at it and nothing is sent", async () => {
  session.set("t");
  const calls = fakeApi(project(() => [env("production")]));
  renderAt("/orgs/o/projects/p");
  const { user, form, windows } = await openWindows();
  const first = windows()[0]!;
  await user.type(within(first).getByLabelText("Starts (cron)"), "0 18 * * 5");
  await user.type(within(first).getByLabelText("Ends (cron)"), "0 8 * * 1");
  await user.click(within(form).getByRole("button", { name: "Save" }));
  const reason = within(first).getByLabelText("Reason");
  expect((await within(reason.closest(".field") as HTMLElement).findByRole("alert")).textContent)
    .toBe("A reason is required: every deploy refused in the window says it.");
  await waitFor(() => expect(document.activeElement).toBe(reason));
  expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(0);
  await user.type(reason, "weekend");
  expect(reason.getAttribute("aria-invalid")).toBeNull();   // typing clears it
}, 30_000);

test("Escape closes the dialog without saving, focus back on its button", async () => {
  session.set("t");
  const calls = fakeApi(project(() => [env("production", { freeze_windows: [weekend], next_freeze: NEXT })]));
  renderAt("/orgs/o/projects/p");
  const { user, opener } = await openWindows();
  await user.keyboard("{Escape}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(document.activeElement).toBe(opener);
  expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(0);
});

test("frozen by a window: the row says so and until when; Unfreeze says it lifts this time only", async () => {
  session.set("t");
  const until = "2026-11-30T07:00:00.000000Z";
  let production: Record<string, unknown> = env("production", {
    freeze_windows: [weekend, nights],
    freeze: { reason: "weekend", until, by: "freeze window", at: "2026-11-27T17:00:00.000000Z", window: weekend },
  });
  const calls = fakeApi(project(() => [production, env("staging", { freeze_windows: [nights], next_freeze: { ...NEXT, reason: "nights" } })], {
    [`DELETE ${ENVS}/production/freeze`]: () => { production = { ...production, freeze: null, next_freeze: NEXT }; return [200, production]; },
  }));
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  const row = table.querySelector("tr[data-environment=production]") as HTMLTableRowElement;
  await waitFor(() => expect(row.cells[0]!.textContent).toContain(`frozen by a freeze window until ${windowTime(until)}: weekend`));
  expect(row.cells[0]!.textContent).toContain("2 freeze windows");
  expect(row.cells[0]!.textContent).not.toContain("next:");   // frozen now: no next one
  const staging = table.querySelector("tr[data-environment=staging]") as HTMLTableRowElement;
  expect(staging.cells[0]!.textContent).toContain(`1 freeze window · next: ${windowTime(NEXT.starts)} – ${windowTime(NEXT.until)}, nights`);
  expect(staging.cells[0]!.textContent).not.toContain("frozen");

  await user.click(within(row).getByRole("button", { name: "Unfreeze production" }));
  const ask = screen.getByRole("group", { name: "Unfreeze production?" });
  expect(ask.textContent).toContain("Unfreeze production this time only? New releases go out again until the freeze window next opens");
  await user.click(within(ask).getByRole("button", { name: "Yes, unfreeze" }));
  await waitFor(() => expect(row.cells[0]!.textContent).toContain("2 freeze windows · next:"));
  expect(row.cells[0]!.textContent).not.toContain("frozen");
  expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual([`${ENVS}/production/freeze`]);
}, 30_000);

test("a freeze set by hand keeps its words and its plain Unfreeze question", async () => {
  session.set("t");
  fakeApi(project(() => [env("production", { freeze_windows: [weekend], freeze: { reason: "audit", until: null, by: "o@x", at: "x" } })]));
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  const row = table.querySelector("tr[data-environment=production]") as HTMLTableRowElement;
  await waitFor(() => expect(row.cells[0]!.textContent).toContain("frozen audit · until lifted"));
  expect(row.cells[0]!.textContent).not.toContain("by a freeze window");
  await user.click(within(row).getByRole("button", { name: "Unfreeze production" }));
  expect(screen.getByRole("group", { name: "Unfreeze production?" }).textContent).toContain("Unfreeze production? New releases go out again.");
});

test("a developer sees the windows in words but no Freeze windows… button", async () => {
  session.set("t");
  fakeApi(project(() => [env("production", { freeze_windows: [weekend], next_freeze: NEXT })], {}, "developer"));
  renderAt("/orgs/o/projects/p");
  const table = await screen.findByRole("table", { name: "Environments" });
  await screen.findByText("Owners and admins add, clone, move and delete environments.");
  expect(table.textContent).toContain(`1 freeze window · next: ${windowTime(NEXT.starts)}`);
  expect(within(table).queryByRole("button", { name: /freeze windows/i })).toBeNull();
});

test("cron in words: the simple schedules, null for the rest", () => {
  expect(cronWords("0 18 * * 5")).toBe("Fridays 18:00");
  expect(cronWords(" 0  8 * * 1 ")).toBe("Mondays 08:00");
  expect(cronWords("0 22 * * *")).toBe("every day 22:00");
  expect(cronWords("30 5 * * 1-5")).toBe("Mondays to Fridays 05:30");
  expect(cronWords("0 0 * * sat,SUN")).toBe("Saturdays and Sundays 00:00");
  expect(cronWords("0 0 * * 7")).toBe("Sundays 00:00");
  expect(cronWords("15 9 1 * *")).toBe("day 1 of each month, 09:15");
  for (const other of ["", "0 18 * *", "*/5 * * * *", "0 18 * 12 5", "0 25 * * *", "0 18 * * 8", "0 18 1 * 5"]) {
    expect(cronWords(other)).toBeNull();
  }
});
