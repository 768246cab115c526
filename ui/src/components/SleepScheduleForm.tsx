// An environment's sleep schedule (chalicelib/deploys/sleep.py): recurring windows in which its
// services sleep, each live one suspended when a window opens and resumed when it closes (staging
// at night and at weekends). Owners and admins change them as a whole list (PATCH
// …/environments/{env} {sleep_windows}); the dialog is the recurring windows'
// (RecurringWindowsForm), told it edits sleep windows, whose reason is optional.
import type { Environment, Service, SleepWindow } from "../api/models";
import { browserZone, cronWords, RecurringWindowsForm, sameCron, windowTime, type WindowPreset, type WindowsKind } from "./RecurringWindowsForm";

/** What the API says of a window given no reason (SleepWindowIn.reason). */
export const DEFAULT_SLEEP_REASON = "outside working hours";

/** Few people write cron by heart: these fill a window's start and end (`says`: how an
 * environment's row says a window of that shape, after "sleeps"). */
export const SLEEP_PRESETS: readonly (WindowPreset & { says: string })[] = [
  {
    name: "Weeknights", words: "20:00 – 07:00", start: "0 20 * * 1-5", end: "0 7 * * 1-5", says: "weeknights",
    // no end fires on Saturday or Sunday: Friday's window stays open until Monday morning
    hint: "covers the weekend too: Friday 20:00 to Monday 07:00 (its end fires on weekdays only).",
  },
  { name: "Weekends", words: "Fri 20:00 – Mon 07:00", start: "0 20 * * 5", end: "0 7 * * 1", says: "at weekends" },
];

export const SLEEP_WINDOWS: WindowsKind = {
  field: "sleep_windows",
  title: "Sleep schedule",
  noun: "sleep window",
  intro: (env) => <>
    While a window is open, the services of {env} sleep: each live one is suspended when the window opens (no tasks
    run, nothing is paid for them; a web service answers 503) and resumed, its live release as it was, when the window
    closes. A service with a deploy under way is left awake, one suspended by hand stays suspended, and Resume on a
    service's page wakes it early. Start and end are read in the window's time zone.
  </>,
  presets: SLEEP_PRESETS,
  example: { start: "0 20 * * 1-5", end: "0 7 * * 1-5" },
  reason: {
    hint: `Said in the services' suspension and deploy logs; left empty: ${DEFAULT_SLEEP_REASON}.`,
    placeholder: DEFAULT_SLEEP_REASON,
  },
};

/** The sleep schedule of an environment in a dialog: each window's fields, add (blank or from a
 * preset), remove; Save sends the whole list, a window without a reason without one. The API's
 * errors show at the window and field they name (sleep_windows.1.start). */
export function SleepScheduleForm(props: { org: string; project: string; env: Environment; onDone: () => void; onCancel: () => void }) {
  return <RecurringWindowsForm kind={SLEEP_WINDOWS} {...props} />;
}

const and = (parts: string[]) => (parts.length < 2 ? parts.join("") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`);
const why = (reason: string | undefined, before: string) => (reason && reason !== DEFAULT_SLEEP_REASON ? `${before}${reason}` : "");

/** A window in words after "sleeps": a preset's ("weeknights"), else its start and end when simple
 * ("Saturdays 00:00 – Mondays 06:00", "every day 22:00 – 06:00" when both say the same days; its
 * time zone when not the browser's); null otherwise. */
function windowSays(w: SleepWindow, here: string): string | null {
  const preset = SLEEP_PRESETS.find((p) => sameCron(p.start, w.start) && sameCron(p.end, w.end));
  if (preset) return preset.says;
  const [from, to] = [cronWords(w.start), cronWords(w.end)];
  if (!from || !to) return null;
  const days = (words: string) => words.slice(0, words.lastIndexOf(" "));   // what comes before the time
  const zone = w.timezone || "UTC";
  return `${from} – ${days(from) === days(to) ? to.slice(days(to).length + 1) : to}${zone === here ? "" : ` (${zone})`}`;
}

/** An environment's sleep schedule in words: "sleeps weeknights · next: <start> – <end>" (local
 * times; a reason other than the default after a comma), "3 sleep windows" when the windows are
 * many or not simple; null without windows. While asleep there is no next (see `asleepWords`). */
export function sleepWords(env: Pick<Environment, "sleep_windows" | "next_sleep">): string | null {
  const windows = env.sleep_windows ?? [];
  if (!windows.length) return null;
  const here = browserZone();
  const says = windows.length <= 2 ? windows.map((w) => windowSays(w, here)) : [];
  const what = says.length && says.every(Boolean)
    ? `sleeps ${and([...new Set(says as string[])])}`
    : `${windows.length} sleep window${windows.length === 1 ? "" : "s"}`;
  const next = env.next_sleep;
  return next ? `${what} · next: ${windowTime(next.starts)} – ${windowTime(next.until)}${why(next.reason, ", ")}` : what;
}

/** After the "asleep" badge: "until <local time>" (and the reason, when not the default). */
export const asleepWords = (sleeping: { until: string; reason: string }) => `until ${windowTime(sleeping.until)}${why(sleeping.reason, ": ")}`;

/** A service put to sleep by its environment's schedule, in words: "It sleeps by the staging
 * environment's sleep schedule until <local time> (outside working hours) and wakes by itself
 * then." null when it was not (suspended by hand, or not suspended). */
export function sleepingServiceWords(s: Pick<Service, "suspended" | "environment">): string | null {
  const asleep = s.suspended;
  if (!asleep?.sleep) return null;
  const schedule = s.environment ? `the ${s.environment} environment's sleep schedule` : "its environment's sleep schedule";
  const until = asleep.until ? `until ${windowTime(asleep.until)}` : "until the window closes";
  return `It sleeps by ${schedule} ${until}${asleep.reason ? ` (${asleep.reason})` : ""} and wakes by itself then.`;
}
