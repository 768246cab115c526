// Scheduled scaling (a service's `autoscaling.schedule`, chalicelib/catalog/models.py ScaleAt;
// chalicelib/deploys/scaling.py) and watch paths (`source.paths`, chalicelib/hooks/paths.py): the
// checks the API makes, said before sending, and the settings in words for the summary.
import { cronWords } from "../components/RecurringWindowsForm";

/** One entry: from `at` (five cron fields in `timezone`) on, the service runs min..max tasks. */
export interface ScaleAt { at: string; min_instances: number; max_instances: number; timezone?: string }

/** At most 10 entries (ScaleAt's list). */
export const MAX_SCHEDULE = 10;

/** One entry as typed in the form (numbers as text). */
export interface ScaleRow { at: string; min: string; max: string; timezone: string }

const whole = (v: string) => /^\d+$/.test(v.trim());
/** The rows with something typed (an empty row is left out). */
export const filledRows = (rows: readonly ScaleRow[]) => rows.filter((r) => r.at.trim() || r.min.trim() || r.max.trim());

/** What the API would refuse in a schedule, said before sending (each entry by its number); null
 * when fine. The cron's fields themselves (ranges, names) are the API's to judge, except the two
 * refusals it words badly after the fact: the count of fields, and days of the month and of the
 * week both given. */
export function scheduleError(rows: readonly ScaleRow[]): string | null {
  const given = filledRows(rows);
  if (given.length > MAX_SCHEDULE) return `at most ${MAX_SCHEDULE} scheduled ranges`;
  for (const [i, r] of rows.entries()) {
    if (!given.includes(r)) continue;
    const at = `entry ${i + 1}`;
    const fields = r.at.trim().split(/\s+/).filter(Boolean);
    if (fields.length !== 5) return `${at}: five cron fields (minute hour day-of-month month day-of-week), e.g. 0 8 * * 1-5`;
    if (fields[2] !== "*" && fields[2] !== "?" && fields[4] !== "*" && fields[4] !== "?") {
      return `${at}: name days of the month or days of the week, not both`;
    }
    if (!whole(r.min) || !whole(r.max)) return `${at}: the task counts are whole numbers, e.g. 4 and 10`;
    const [lo, hi] = [Number(r.min), Number(r.max)];
    if (lo > 100 || hi > 100 || hi < 1) return `${at}: from 0 to 100 tasks, with a maximum of at least 1`;
    if (lo > hi) return `${at}: the minimum (${lo}) is above the maximum (${hi})`;
  }
  return null;
}

/** The rows as the API takes them (the empty rows left out; the cron's spaces made single). */
export const scheduleList = (rows: readonly ScaleRow[]): ScaleAt[] =>
  filledRows(rows).map((r) => ({ at: r.at.trim().split(/\s+/).join(" "), min_instances: Number(r.min), max_instances: Number(r.max),
    timezone: r.timezone.trim() || "UTC" }));

/** "weekdays 08:00", else the cron as it is ("0 8 1,15 * *"). */
export function whenWords(at: string): string {
  const words = cronWords(at);
  return words ? words.replace(/^Mondays to Fridays\b/, "weekdays") : at;
}

/** A schedule in one line: "weekdays 08:00 4..10, weekdays 20:00 1..4 (Europe/Berlin)" (one time
 * zone said once, several said with each entry); "" for none. */
export function scheduleWords(schedule: readonly ScaleAt[] | null | undefined): string {
  const list = schedule ?? [];
  if (!list.length) return "";
  const zones = new Set(list.map((e) => e.timezone || "UTC"));
  const one = zones.size === 1;
  const entries = list.map((e) => `${whenWords(e.at)} ${e.min_instances}..${e.max_instances}${one ? "" : ` (${e.timezone || "UTC"})`}`);
  return `${entries.join(", ")}${one ? ` (${[...zones][0]})` : ""}`;
}

// --- watch paths ---

/** At most 20 (Source.paths). */
export const MAX_PATHS = 20;

/** The watch paths given: trimmed, a trailing / dropped, the empty rows left out, each once (as the API stores them). */
export const pathList = (paths: readonly string[]): string[] =>
  [...new Set(paths.map((p) => p.trim()).filter(Boolean).map((p) => p.replace(/\/+$/, "") || p))];

/** What the API would refuse in watch paths (Source._paths), said before sending; null when fine. */
export function pathsError(paths: readonly string[]): string | null {
  const list = pathList(paths);
  if (list.length > MAX_PATHS) return `at most ${MAX_PATHS} watch paths`;
  const bad = list.filter((p) => p.length > 200 || p.startsWith("/") || p.split("/").includes("..") || !/^[A-Za-z0-9._*?/@+-]+$/.test(p));
  if (!bad.length) return null;
  return `relative paths or globs in the repository such as services/api/** (no leading /, no .., no spaces): ${bad.slice(0, 3).map((b) => `"${b}"`).join(", ")}`;
}

// --- scaling on a queue's backlog ---

/** `autoscaling.queue` (chalicelib/catalog/models.py QueueScaling): the tasks are kept near
 * `messages_per_task` waiting messages each, on a queue the service links (by its resource name). */
export interface QueueScaling { name: string; messages_per_task: number }

/** 1 to 100,000 (QueueScaling.messages_per_task); 100 when not given. */
export const MESSAGES_PER_TASK = [1, 100000] as const;
export const DEFAULT_MESSAGES_PER_TASK = 100;

/** What the API would refuse in the messages per task, said before sending; null when fine. */
export function messagesPerTaskError(typed: string): string | null {
  const v = typed.trim();
  if (!v) return null;   // the default
  if (!whole(v)) return `"${v}" is not a whole number`;
  const n = Number(v);
  return n < MESSAGES_PER_TASK[0] || n > MESSAGES_PER_TASK[1] ? `from ${MESSAGES_PER_TASK[0]} to ${MESSAGES_PER_TASK[1].toLocaleString("en")}` : null;
}

/** The queues offered to scale on: the linked ones, and the one set now when it is no longer linked
 * (marked: a deploy fails until the service links it again). */
export function queueChoices(linked: readonly string[] | undefined, current: string): { value: string; label: string }[] {
  const out = (linked ?? []).map((name) => ({ value: name, label: name }));
  if (current && !(linked ?? []).includes(current)) out.unshift({ value: current, label: linked ? `${current} (not linked)` : current });
  return out;
}

/** The setting in words, as the plan says it: "100 waiting messages per task on queue jobs". */
export const queueScalingWords = (q: QueueScaling) =>
  `${q.messages_per_task.toLocaleString("en")} waiting message${q.messages_per_task === 1 ? "" : "s"} per task on queue ${q.name}`;
