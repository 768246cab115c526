import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt } from "../test/fakeApi";
import { ENVS, env, project } from "../test/environments";
import { browserZone, windowTime } from "./RecurringWindowsForm";
import { DEFAULT_SLEEP_REASON, sleepWords } from "./SleepScheduleForm";

// as the API answers them: a window given no reason has the default one
const weeknights = { start: "0 20 * * 1-5", end: "0 7 * * 1-5", timezone: "Europe/Berlin", reason: DEFAULT_SLEEP_REASON };
const weekends = { start: "0 20 * * 5", end: "0 7 * * 1", timezone: "Europe/Berlin", reason: "weekend" };
const NEXT = { starts: "2026-11-30T19:00:00.000000Z", until: "2026-12-01T06:00:00.000000Z", reason: DEFAULT_SLEEP_REASON };

async function openSchedule(name = "staging") {
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  const row = table.querySelector(`tr[data-environment=${name}]`) as HTMLTableRowElement;
  const opener = await within(row).findByRole("button", { name: `Sleep schedule for ${name}…` });
  expect(opener.getAttribute("aria-haspopup")).toBe("dialog");
  await user.click(opener);
  const dialog = screen.getByRole("dialog", { name: `Sleep schedule for ${name}` });
  const form = within(dialog).getByRole("form", { name: `Sleep schedule for ${name}` });
  const windows = () => within(form).queryAllByRole("group", { name: /^Window \d+$/ });
  return { user, table, row, opener, dialog, form, windows };
}

test("an owner sets a sleep schedule from the presets: the whole list is PATCHed, an empty reason left out, the row then says it", async () => {
  session.set("t");
  let staging = env("staging");
  const calls = fakeApi(project(() => [staging], {
    [`PATCH ${ENVS}/staging`]: () => {
      const body = calls.at(-1)!.body as { sleep_windows: { reason?: string }[] };
      const saved = body.sleep_windows.map((w) => ({ reason: DEFAULT_SLEEP_REASON, ...w }));
      staging = { ...staging, sleep_windows: saved, next_sleep: NEXT };
      return [200, staging];
    },
  }));
  renderAt("/orgs/o/projects/p");
  const { user, row, opener, form, windows } = await openSchedule();
  expect(form.textContent).toContain("While a window is open, the services of staging sleep");
  expect(windows()).toHaveLength(1);
  const first = windows()[0]!;
  const start = within(first).getByLabelText("Starts (cron)") as HTMLInputElement;
  expect(document.activeElement).toBe(start);
  expect(start.placeholder).toBe("0 20 * * 1-5");
  expect(first.textContent).toContain("0 20 * * 1-5 = Mondays to Fridays 20:00");
  const reason = within(first).getByLabelText("Reason (optional)") as HTMLInputElement;
  expect(reason.placeholder).toBe("outside working hours");
  expect(reason.value).toBe("");

  // the weeknights preset says, by its button, that it covers the weekend too
  const nights = within(first).getByRole("button", { name: "Weeknights: 20:00 – 07:00" });
  const hint = document.getElementById(nights.getAttribute("aria-describedby")!)!;
  expect(hint.textContent).toBe("Weeknights covers the weekend too: Friday 20:00 to Monday 07:00 (its end fires on weekdays only).");
  await user.click(nights);
  expect(start.value).toBe("0 20 * * 1-5");
  expect((within(first).getByLabelText("Ends (cron)") as HTMLInputElement).value).toBe("0 7 * * 1-5");
  expect(reason.value).toBe("");   // no reason filled in: the API's default applies
  expect(first.textContent).toContain(`= Mondays to Fridays 07:00 (${browserZone()})`);
  expect(within(form).getByRole("status").textContent)
    .toBe(`Window 1: Weeknights, 20:00 – 07:00 (${browserZone()}). Weeknights covers the weekend too: Friday 20:00 to Monday 07:00 (its end fires on weekdays only).`);

  await user.click(within(form).getByRole("button", { name: "Add a sleep window" }));
  const second = windows()[1]!;
  expect(document.activeElement).toBe(within(second).getByLabelText("Starts (cron)"));
  await user.click(within(second).getByRole("button", { name: "Weekends: Fri 20:00 – Mon 07:00" }));
  expect((within(second).getByLabelText("Starts (cron)") as HTMLInputElement).value).toBe("0 20 * * 5");
  expect((within(second).getByLabelText("Ends (cron)") as HTMLInputElement).value).toBe("0 7 * * 1");
  await user.type(within(second).getByLabelText("Reason (optional)"), "  weekend ");
  const zone = within(second).getByLabelText("Time zone");
  await user.clear(zone);
  await user.type(zone, "Europe/Berlin");

  await user.click(within(form).getByRole("button", { name: "Save" }));
  await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({
    sleep_windows: [
      { start: "0 20 * * 1-5", end: "0 7 * * 1-5", timezone: browserZone() },   // no reason: not "" (which the API refuses)
      { start: "0 20 * * 5", end: "0 7 * * 1", timezone: "Europe/Berlin", reason: "weekend" },
    ],
  }));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(document.activeElement).toBe(opener);
  const words = `sleeps weeknights and at weekends · next: ${windowTime(NEXT.starts)} – ${windowTime(NEXT.until)}`;
  await waitFor(() => expect(row.cells[0]!.querySelector(".sleep-windows-note")?.textContent).toBe(words));
  expect(row.cells[0]!.querySelector(".sleep-note")).toBeNull();   // not asleep

  // opened again: the saved reasons, the default one too
  await user.click(opener);
  const again = screen.getByRole("form", { name: "Sleep schedule for staging" });
  const reasons = within(again).getAllByLabelText("Reason (optional)") as HTMLInputElement[];
  expect(reasons.map((r) => r.value)).toEqual([DEFAULT_SLEEP_REASON, "weekend"]);
}, 30_000);

test("removing a window sends the list without it; removing all says so and sends []", async () => {
  session.set("t");
  const calls = fakeApi(project(() => [env("staging", { sleep_windows: [weeknights, weekends], next_sleep: NEXT })], {
    [`PATCH ${ENVS}/staging`]: () => [200, env("staging")],
  }));
  renderAt("/orgs/o/projects/p");
  const { user, form, windows } = await openSchedule();
  expect(windows()).toHaveLength(2);
  await user.click(within(windows()[0]!).getByRole("button", { name: `Remove window 1 (${DEFAULT_SLEEP_REASON})` }));
  expect(document.activeElement).toBe(within(windows()[0]!).getByRole("button", { name: "Remove window 1 (weekend)" }));
  await user.click(within(form).getByRole("button", { name: "Save" }));
  await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ sleep_windows: [weekends] }));
}, 30_000);

test("removing every window says saving removes them all and sends an empty list", async () => {
  session.set("t");
  const calls = fakeApi(project(() => [env("staging", { sleep_windows: [weeknights], next_sleep: NEXT })], {
    [`PATCH ${ENVS}/staging`]: () => [200, env("staging")],
  }));
  renderAt("/orgs/o/projects/p");
  const { user, form, windows } = await openSchedule();
  await user.click(within(windows()[0]!).getByRole("button", { name: `Remove window 1 (${DEFAULT_SLEEP_REASON})` }));
  expect(windows()).toHaveLength(0);
  expect(form.textContent).toContain("No sleep windows. Saving removes them all.");
  expect(within(form).getByRole("status").textContent).toBe("Window 1 removed; no windows are left. Save to keep the change.");
  expect(document.activeElement).toBe(within(form).getByRole("button", { name: "Add a sleep window" }));
  await user.click(within(form).getByRole("button", { name: "Save" }));
  await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ sleep_windows: [] }));
}, 30_000);

test("an empty start or end is said at it, an empty reason is not; the API's errors show at the field and window they name", async () => {
  session.set("t");
  const bad = {
    error: {
      code: "invalid", message: "2 problems: …", field: "sleep_windows.0.end",
      fields: [
        { field: "sleep_windows.0.end", message: "'0 7 * *' is not five cron fields read in the window's time zone" },
        { field: "sleep_windows.0.reason", message: "String should have at most 200 characters" },
      ],
    },
  };
  let answer: [number, unknown] = [422, bad];
  const calls = fakeApi(project(() => [env("staging")], { [`PATCH ${ENVS}/staging`]: () => answer }));
  renderAt("/orgs/o/projects/p");
  const { user, form, windows } = await openSchedule();
  const first = windows()[0]!;
  await user.type(within(first).getByLabelText("Starts (cron)"), "0 20 * * 1-5");
  await user.click(within(form).getByRole("button", { name: "Save" }));
  const end = within(first).getByLabelText("Ends (cron)");
  expect((await within(end.closest(".field") as HTMLElement).findByRole("alert")).textContent)
    .toBe("An end is required: five cron fields, e.g. 0 7 * * 1-5.");
  await waitFor(() => expect(document.activeElement).toBe(end));
  expect(within(first).getByLabelText("Reason (optional)").getAttribute("aria-invalid")).toBeNull();
  expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(0);

  await user.type(end, "0 7 * *");
  await user.click(within(form).getByRole("button", { name: "Save" }));
  const endField = end.closest(".field") as HTMLElement;
  await waitFor(() => expect(within(endField).getByRole("alert").textContent).toBe(bad.error.fields[0]!.message));
  expect(end.getAttribute("aria-invalid")).toBe("true");
  expect(end.getAttribute("aria-describedby")).toContain(within(endField).getByRole("alert").id);
  await waitFor(() => expect(document.activeElement).toBe(end));
  const reason = within(first).getByLabelText("Reason (optional)");
  expect(reason.getAttribute("aria-invalid")).toBe("true");
  expect((reason.closest(".field") as HTMLElement).textContent).toContain("String should have at most 200 characters");
  expect(form.querySelector(".form-error")).toBeNull();

  // a window-level problem shows on that window
  answer = [422, err("invalid", "start and end are the same schedule: the window would never be open", "sleep_windows.0")];
  await user.click(within(form).getByRole("button", { name: "Save" }));
  expect((await within(first).findByRole("alert")).textContent).toBe("start and end are the same schedule: the window would never be open");
  expect(first.getAttribute("aria-describedby")).toBe(within(first).getByRole("alert").id);
  await waitFor(() => expect(document.activeElement).toBe(first));

  // what no window shows (the list as a whole) is the form's
  answer = [422, err("invalid", "List should have at most 10 items after validation, not 11", "sleep_windows")];
  await user.click(within(form).getByRole("button", { name: "Save" }));
  expect((await within(form).findByText("List should have at most 10 items after validation, not 11")).className).toBe("form-error");
  expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(3);
}, 30_000);

test("asleep: the row says until when (local time) and its schedule; a developer sees the words without the button", async () => {
  session.set("t");
  const until = "2026-12-01T06:00:00.000000Z";
  fakeApi(project(() => [
    env("staging", { sleep_windows: [weeknights], sleeping: { until, reason: DEFAULT_SLEEP_REASON } }),
    env("qa", { sleep_windows: [weekends], sleeping: { until, reason: "weekend" } }),
    env("production"),
  ], {}, "developer"));
  renderAt("/orgs/o/projects/p");
  const table = await screen.findByRole("table", { name: "Environments" });
  await screen.findByText("Owners and admins add, clone, move and delete environments.");
  const cell = (name: string) => (table.querySelector(`tr[data-environment=${name}]`) as HTMLTableRowElement).cells[0]!;
  await waitFor(() => expect(cell("staging").querySelector(".sleep-note")?.textContent).toBe(`asleep until ${windowTime(until)}`));
  expect(cell("staging").querySelector(".sleep-windows-note")?.textContent).toBe("sleeps weeknights");   // asleep: no next
  expect(cell("qa").querySelector(".sleep-note")?.textContent).toBe(`asleep until ${windowTime(until)}: weekend`);
  expect(cell("qa").querySelector(".sleep-windows-note")?.textContent).toBe("sleeps at weekends");
  expect(cell("production").textContent).toBe("production");
  expect(within(table).queryByRole("button", { name: /sleep schedule/i })).toBeNull();
});

test("the schedule in words: presets by name, simple windows by their times, many as a count; a reason other than the default said", () => {
  const here = browserZone();
  const other = here === "UTC" ? "Europe/Berlin" : "UTC";
  const words = (sleep_windows: unknown[], next_sleep: unknown = null) => sleepWords({ sleep_windows, next_sleep } as Parameters<typeof sleepWords>[0]);
  expect(words([])).toBeNull();
  expect(words([{ ...weeknights, start: " 0  20 * * 1-5" }])).toBe("sleeps weeknights");
  expect(words([{ start: "0 0 * * 6", end: "0 6 * * 1", timezone: here, reason: "x" }])).toBe("sleeps Saturdays 00:00 – Mondays 06:00");
  expect(words([{ start: "0 0 * * 6", end: "0 6 * * 1", timezone: other, reason: "x" }])).toBe(`sleeps Saturdays 00:00 – Mondays 06:00 (${other})`);
  expect(words([{ start: "0 22 * * *", end: "30 6 * * *", timezone: here, reason: "x" }])).toBe("sleeps every day 22:00 – 06:30");
  expect(words([{ start: "0 20 1 * *", end: "0 7 1 * *", timezone: here, reason: "x" }])).toBe("sleeps day 1 of each month, 20:00 – 07:00");
  expect(words([{ start: "*/30 1 * * *", end: "0 6 * * 1", timezone: here, reason: "x" }])).toBe("1 sleep window");
  expect(words([weeknights, weekends, weeknights])).toBe("3 sleep windows");
  expect(words([weeknights], { ...NEXT, reason: "batch jobs off" }))
    .toBe(`sleeps weeknights · next: ${windowTime(NEXT.starts)} – ${windowTime(NEXT.until)}, batch jobs off`);
});

test("Escape closes the dialog without saving, focus back on its button; the freeze windows keep their own dialog", async () => {
  session.set("t");
  const calls = fakeApi(project(() => [env("staging", { sleep_windows: [weeknights], next_sleep: NEXT })]));
  renderAt("/orgs/o/projects/p");
  const { user, opener } = await openSchedule();
  await user.keyboard("{Escape}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(document.activeElement).toBe(opener);
  await user.click(screen.getByRole("button", { name: "Freeze windows for staging…" }));
  const freeze = screen.getByRole("form", { name: "Freeze windows for staging" });
  expect(within(freeze).getByLabelText("Reason")).toBeTruthy();   // required there
  expect(within(freeze).queryByRole("button", { name: /^Weeknights/ })).toBeNull();
  expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(0);
});

test("Wake now: a developer resumes a sleeping environment's services; a viewer has no button", async () => {
  session.set("t");
  const until = "2026-12-01T06:00:00.000000Z";
  let sleeping: unknown = { until, reason: DEFAULT_SLEEP_REASON };
  const calls = fakeApi(project(() => [env("staging", { sleep_windows: [weeknights], sleeping }), env("production")], {
    [`POST ${ENVS}/staging/wake`]: () => { sleeping = null; return [202, { environment: "staging", deployments: [{ id: "d1" }] }]; },
  }, "developer"));
  renderAt("/orgs/o/projects/p");
  const table = await screen.findByRole("table", { name: "Environments" });
  const wake = await within(table).findByRole("button", { name: "Wake staging now" });
  expect(within(table).queryByRole("button", { name: "Wake production now" })).toBeNull();   // awake
  await userEvent.setup().click(wake);
  await waitFor(() => expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual([`${ENVS}/staging/wake`]));
  await waitFor(() => expect(within(table).queryByRole("button", { name: "Wake staging now" })).toBeNull());   // read again
  expect(table.querySelector("tr[data-environment=staging] .sleep-note")).toBeNull();
});

test("a viewer sees that it sleeps, without Wake now", async () => {
  session.set("t");
  fakeApi(project(() => [env("staging", { sleep_windows: [weeknights], sleeping: { until: "2026-12-01T06:00:00.000000Z", reason: "x" } })],
    {}, "viewer"));
  renderAt("/orgs/o/projects/p");
  const table = await screen.findByRole("table", { name: "Environments" });
  await waitFor(() => expect(table.querySelector("tr[data-environment=staging] .sleep-note")).not.toBeNull());
  expect(within(table).queryByRole("button", { name: "Wake staging now" })).toBeNull();
});
