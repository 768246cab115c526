import {
  bothClocks, browserZone, fromWallClock, isoWithOffset, localText, NAME, nameProblem, offsetText, restorable, restoreBody,
  restoredFromText, restoredName, restoreForm, restoreProblems, restoreReady, restoreSizes, utcText, wallClock, whenProblem,
  windowBounds, windowWords, type RestoreWindow, type Zone,
} from "./restore";

// Zones as the browser would give them, whatever the machine's: Paris (summer time from the last
// Sunday of March to the last of October, 01:00 UTC), New York's winter, Kathmandu (+05:45), UTC.
const paris: Zone = (ms) => (ms >= Date.UTC(2026, 2, 29, 1) && ms < Date.UTC(2026, 9, 25, 1) ? 120 : 60);
const newYork: Zone = () => -300;
const kathmandu: Zone = () => 345;
const utc: Zone = () => 0;

// As GET …/restore-window answers in the sandbox (moto's times carry microseconds)
const w: RestoreWindow = { earliest: "2026-11-21T09:12:30.912509Z", latest: "2026-11-28T08:55:09.219685Z", backup_retention_days: 7 };

async function readModelsPy(): Promise<string> {
  const fs = (await import(/* @vite-ignore */ "node:" + "fs")) as { readFileSync(p: string, enc: "utf8"): string };
  return fs.readFileSync("../chalicelib/resources/models.py", "utf8");   // vitest runs in ui/
}

test("the copy's name is checked as the API does (chalicelib/resources/models.py NAME, 2 to 32)", async () => {
  const py = /^NAME = r"(.*)"$/m.exec(await readModelsPy())![1];
  expect(NAME.source).toBe(py);
  expect(/name: str = Field\(min_length=2, max_length=32, pattern=NAME,\n\s*description="the new resource's name/.test(await readModelsPy())).toBe(true);
  expect(nameProblem("db-restored")).toBeNull();
  expect(nameProblem("db2")).toBeNull();
  expect(nameProblem("")).toBe("give the copy a name");
  expect(nameProblem("d")).toBe("2 to 32 characters");
  expect(nameProblem("a".repeat(33))).toBe("2 to 32 characters");
  for (const bad of ["Main-DB", "db_restored", "2db", "db-", "db restored"])
    expect(nameProblem(bad), bad).toMatch(/^lower-case letters, digits and hyphens/);
  expect(restoredName("db")).toBe("db-restored");
  const long = restoredName("a-very-long-database-name-here");   // 30 long: cut to fit, no hyphen left before the suffix
  expect(long).toBe("a-very-long-database-na-restored");
  expect(long.length).toBe(32);
  expect(nameProblem(long)).toBeNull();
  expect(restoredName("abcdefghijklmnopqrstuv-xyz")).toBe("abcdefghijklmnopqrstuv-restored");   // "…v-" cut at the hyphen
});

test("a time on the person's clock is read in their zone and sent with its offset at that moment", () => {
  expect(isoWithOffset("2026-11-28T08:58", paris)).toBe("2026-11-28T08:58:00+01:00");
  expect(isoWithOffset("2026-07-01T12:00:30", paris)).toBe("2026-07-01T12:00:30+02:00");   // summer time
  expect(isoWithOffset("2026-11-28T02:58", newYork)).toBe("2026-11-28T02:58:00-05:00");
  expect(isoWithOffset("2026-11-28T13:43", kathmandu)).toBe("2026-11-28T13:43:00+05:45");
  expect(isoWithOffset("2026-11-28T07:58", utc)).toBe("2026-11-28T07:58:00+00:00");
  // the same moment every time, and what the API reads back
  for (const [value, zone] of [["2026-11-28T08:58", paris], ["2026-11-28T02:58", newYork], ["2026-11-28T13:43", kathmandu]] as const)
    expect(Date.parse(isoWithOffset(value, zone)!)).toBe(Date.UTC(2026, 10, 28, 7, 58));
  expect(fromWallClock("2026-11-28T08:58:07.5", paris)).toBe(Date.UTC(2026, 10, 28, 7, 58, 7));   // fractions dropped
  // around a change of the clocks: the offset of that moment, and the hour that is skipped
  expect(isoWithOffset("2026-03-29T01:59:59", paris)).toBe("2026-03-29T01:59:59+01:00");
  expect(isoWithOffset("2026-03-29T03:00", paris)).toBe("2026-03-29T03:00:00+02:00");
  expect(fromWallClock("2026-03-29T02:30", paris)).toBeNull();
  expect(isoWithOffset("2026-10-25T04:00", paris)).toBe("2026-10-25T04:00:00+01:00");
  // nothing made up from what is no time
  expect(fromWallClock("2026-02-30T10:00", utc)).toBeNull();
  expect(fromWallClock("yesterday", utc)).toBeNull();
  expect(isoWithOffset("", utc)).toBeNull();
  expect([offsetText(60), offsetText(-300), offsetText(345), offsetText(0), offsetText(-570)]).toEqual(["+01:00", "-05:00", "+05:45", "+00:00", "-09:30"]);
  // the browser's own zone (this machine's, whatever it is) round-trips too
  const now = Date.UTC(2026, 10, 28, 7, 58, 7);
  expect(Date.parse(isoWithOffset(wallClock(now, browserZone))!)).toBe(now);
});

test("moments in words, on both clocks", () => {
  expect(utcText("2026-11-28T07:58:00Z")).toBe("2026-11-28 07:58 UTC");
  expect(utcText("2026-11-28T07:58:07.219685Z")).toBe("2026-11-28 07:58:07 UTC");   // seconds when not 0
  expect(utcText("2026-11-28T08:58:00+01:00")).toBe("2026-11-28 07:58 UTC");
  expect(localText("2026-11-28T07:58:00Z", paris)).toBe("2026-11-28 08:58");
  expect(bothClocks("2026-11-28T07:58:00Z", paris)).toBe("2026-11-28 08:58 your time (07:58 UTC)");
  expect(bothClocks("2026-11-28T23:30:00Z", paris)).toBe("2026-11-29 00:30 your time (2026-11-28 23:30 UTC)");   // another day
  expect(windowWords(w, paris)).toBe(
    "from 2026-11-21 10:12:30 your time (09:12:30 UTC) to 2026-11-28 09:55:09 your time (08:55:09 UTC)");
});

test("the window's ends as whole seconds inside it; a chosen time checked against them", () => {
  const b = windowBounds(w, paris);
  expect([b.min, b.max]).toEqual(["2026-11-21T10:12:31", "2026-11-28T09:55:09"]);   // earliest up, latest down
  expect([b.earliest, b.latest]).toEqual([Date.UTC(2026, 10, 21, 9, 12, 31), Date.UTC(2026, 10, 28, 8, 55, 9)]);
  expect(windowBounds(w, newYork).max).toBe("2026-11-28T03:55:09");

  expect(whenProblem("2026-11-28T08:58", w, paris)).toBeNull();
  expect(whenProblem(b.min, w, paris)).toBeNull();
  expect(whenProblem(b.max, w, paris)).toBeNull();
  expect(whenProblem("", w, paris)).toBe("choose a date and time, or the latest restorable time");
  expect(whenProblem("28/11/2026", w, paris)).toBe("a date and time, e.g. 2026-11-28 08:58");
  expect(whenProblem("2026-11-21T10:12:30", w, paris)).toBe(
    "too early: the backups reach back to 2026-11-21 10:12:31 your time (09:12:31 UTC)");
  expect(whenProblem("2026-11-28T09:56", w, paris)).toBe(
    "too late: the latest restorable time is 2026-11-28 09:55:09 your time (08:55:09 UTC)");
  // a wall clock that is right in Paris is an hour late in UTC
  expect(whenProblem("2026-11-28T09:55", w, utc)).toMatch(/^too late/);
  const march: RestoreWindow = { earliest: "2026-03-22T00:00:00Z", latest: "2026-03-29T12:00:00Z", backup_retention_days: 7 };
  expect(whenProblem("2026-03-29T02:30", march, paris)).toBe("your clock skips that time (the clocks go forward then): choose another");
});

test("the form: the latest time sends no `to`; a chosen one its offset; the size only when changed; problems by the API's fields", () => {
  const db = { name: "db", size: "db.t4g.micro", kind: "postgres" as const };
  const form = restoreForm(db, w, paris);
  expect(form).toEqual({ name: "db-restored", latest: true, when: "2026-11-28T09:55:09", size: "db.t4g.micro", switchLinks: false });
  expect(restoreBody(form, db, paris)).toEqual({ name: "db-restored", switch_links: false });
  expect(restoreProblems(form, w, paris)).toEqual({});

  const chosen = { ...form, name: " db-before-migration ", latest: false, when: "2026-11-28T08:58", size: "db.t4g.small", switchLinks: true };
  expect(restoreBody(chosen, db, paris)).toEqual({
    name: "db-before-migration", to: "2026-11-28T08:58:00+01:00", size: "db.t4g.small", switch_links: true });
  expect(restoreProblems(chosen, w, paris)).toEqual({});
  expect(restoreProblems({ ...chosen, name: "Before", when: "2026-11-30T08:00" }, w, paris)).toEqual({
    name: "lower-case letters, digits and hyphens, starting with a letter and ending with a letter or digit",
    to: "too late: the latest restorable time is 2026-11-28 09:55:09 your time (08:55:09 UTC)",
  });
  // a time outside the window is no problem while the latest time is chosen
  expect(restoreProblems({ ...form, when: "2026-11-30T08:00" }, w, paris)).toEqual({});
  expect(restoreSizes(db)[0]).toBe("db.t4g.micro");
});

test("which resources restore, when, and a restored one's origin in a line", () => {
  expect(restorable({ kind: "postgres" }) && restorable({ kind: "mysql" })).toBe(true);
  for (const kind of ["redis", "bucket", "volume", "queue"] as const) expect(restorable({ kind }), kind).toBe(false);
  expect(restoreReady({ status: "available" }) && restoreReady({ status: "modifying" })).toBe(true);
  for (const status of ["creating", "deleting", "failed"] as const) expect(restoreReady({ status }), status).toBe(false);
  expect(restoredFromText({ resource_id: "res_1", name: "db", to: "2026-11-28T07:58:00Z", switch_links: true }))
    .toBe("restored from db at 2026-11-28 07:58 UTC");
  expect(restoredFromText({ resource_id: "res_1", name: "db", to: null, switch_links: false })).toBe("restored from db at the latest time");
});
