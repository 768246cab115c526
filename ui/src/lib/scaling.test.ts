// Scheduled scaling and watch paths: the API's checks said before sending (chalicelib/catalog/models.py
// ScaleAt, Source._paths) and the settings in words.
import {
  DEFAULT_MESSAGES_PER_TASK, MESSAGES_PER_TASK, messagesPerTaskError, pathList, pathsError, queueChoices, queueScalingWords, scheduleError,
  scheduleList, scheduleWords, whenWords, type ScaleRow,
} from "./scaling";

const row = (at: string, min: string, max: string, timezone = "Europe/Berlin"): ScaleRow => ({ at, min, max, timezone });

test("a schedule's rows: five cron fields, whole counts with min ≤ max, not both kinds of day, at most 10; empty rows left out", () => {
  expect(scheduleError([row("0 8 * * 1-5", "4", "10"), row("0 20 * * 1-5", "1", "4")])).toBeNull();
  expect(scheduleError([row("", "", "")])).toBeNull();   // an empty row is left out
  expect(scheduleError([row("0 8 * *", "4", "10")])).toBe("entry 1: five cron fields (minute hour day-of-month month day-of-week), e.g. 0 8 * * 1-5");
  expect(scheduleError([row("0 8 * * 1-5", "4", "10"), row("0 8 1 * 1", "1", "2")])).toBe("entry 2: name days of the month or days of the week, not both");
  expect(scheduleError([row("0 8 * * 1-5", "10", "4")])).toBe("entry 1: the minimum (10) is above the maximum (4)");
  expect(scheduleError([row("0 8 * * 1-5", "", "4")])).toBe("entry 1: the task counts are whole numbers, e.g. 4 and 10");
  expect(scheduleError([row("0 8 * * 1-5", "0", "0")])).toBe("entry 1: from 0 to 100 tasks, with a maximum of at least 1");
  expect(scheduleError(Array.from({ length: 11 }, (_, i) => row(`0 ${i} * * *`, "1", "2")))).toBe("at most 10 scheduled ranges");

  expect(scheduleList([row(" 0  8 * * 1-5 ", "4", "10"), row("", "", ""), row("0 20 * * 1-5", "1", "4", " ")])).toEqual([
    { at: "0 8 * * 1-5", min_instances: 4, max_instances: 10, timezone: "Europe/Berlin" },
    { at: "0 20 * * 1-5", min_instances: 1, max_instances: 4, timezone: "UTC" },
  ]);
});

test("a schedule in words: weekdays and times, the cron as it is when not simple, one time zone said once", () => {
  expect(whenWords("0 8 * * 1-5")).toBe("weekdays 08:00");
  expect(whenWords("30 6 * * 6")).toBe("Saturdays 06:30");
  expect(whenWords("0 8 1,15 * *")).toBe("0 8 1,15 * *");
  expect(scheduleWords([{ at: "0 8 * * 1-5", min_instances: 4, max_instances: 10, timezone: "Europe/Berlin" },
    { at: "0 20 * * 1-5", min_instances: 1, max_instances: 4, timezone: "Europe/Berlin" }]))
    .toBe("weekdays 08:00 4..10, weekdays 20:00 1..4 (Europe/Berlin)");
  expect(scheduleWords([{ at: "0 8 * * *", min_instances: 2, max_instances: 3 }, { at: "*/30 * * * *", min_instances: 1, max_instances: 1, timezone: "Asia/Tokyo" }]))
    .toBe("every day 08:00 2..3 (UTC), */30 * * * * 1..1 (Asia/Tokyo)");
  expect(scheduleWords(undefined)).toBe("");
});

test("watch paths: trimmed, each once, a trailing / dropped; absolute, .. and spaces refused as the API does; at most 20", () => {
  expect(pathList([" services/api/** ", "", "shared/", "shared"])).toEqual(["services/api/**", "shared"]);
  expect(pathsError(["services/api/**", "shared", "Dockerfile", "apps/*/src", "@scope/pkg"])).toBeNull();
  expect(pathsError(["/etc", "../up", "a b", "ok"])).toBe(
    'relative paths or globs in the repository such as services/api/** (no leading /, no .., no spaces): "/etc", "../up", "a b"');
  expect(pathsError(["a/../b"])).toContain('"a/../b"');
  expect(pathsError(Array.from({ length: 21 }, (_, i) => `p${i}`))).toBe("at most 20 watch paths");
});

// the API's QueueScaling, read at run time (as lib/resources.test.ts reads kinds.py): the limits cannot drift
async function readModelsPy(): Promise<string> {
  const fs = (await import(/* @vite-ignore */ "node:" + "fs")) as { readFileSync(p: string, enc: "utf8"): string };
  return fs.readFileSync("../chalicelib/catalog/models.py", "utf8");
}

test("scaling on a queue's backlog: the API's limits and default, checked before sending, and in words", async () => {
  const models = await readModelsPy();
  expect(models).toContain(`messages_per_task: int = Field(${DEFAULT_MESSAGES_PER_TASK}, ge=${MESSAGES_PER_TASK[0]}, le=${MESSAGES_PER_TASK[1]},`);
  expect(messagesPerTaskError("")).toBeNull();   // the default
  expect(messagesPerTaskError(" 300 ")).toBeNull();
  expect(messagesPerTaskError("1")).toBeNull();
  expect(messagesPerTaskError("100000")).toBeNull();
  expect(messagesPerTaskError("0")).toBe("from 1 to 100,000");
  expect(messagesPerTaskError("100001")).toBe("from 1 to 100,000");
  expect(messagesPerTaskError("2.5")).toBe('"2.5" is not a whole number');

  expect(queueScalingWords({ name: "jobs", messages_per_task: 100 })).toBe("100 waiting messages per task on queue jobs");
  expect(queueScalingWords({ name: "jobs", messages_per_task: 1 })).toBe("1 waiting message per task on queue jobs");
  expect(queueScalingWords({ name: "mail", messages_per_task: 25000 })).toBe("25,000 waiting messages per task on queue mail");

  // the linked queues; the one set but no longer linked stays offered, marked (while the links are not read, as it is)
  expect(queueChoices(["jobs", "mail"], "")).toEqual([{ value: "jobs", label: "jobs" }, { value: "mail", label: "mail" }]);
  expect(queueChoices(["mail"], "jobs")).toEqual([{ value: "jobs", label: "jobs (not linked)" }, { value: "mail", label: "mail" }]);
  expect(queueChoices(undefined, "jobs")).toEqual([{ value: "jobs", label: "jobs" }]);
  expect(queueChoices([], "")).toEqual([]);
});
