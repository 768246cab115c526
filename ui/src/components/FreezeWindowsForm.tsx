// Recurring deploy freezes (chalicelib/catalog/freezes.py): windows that open and close on a
// schedule read in a time zone (every Friday 18:00 to Monday 08:00, Europe/Berlin). Owners and
// admins change them as a whole list (PATCH …/environments/{env} {freeze_windows}); inside one, new
// releases are refused as under a freeze set by hand (FreezeForm). The dialog is the recurring
// windows' (RecurringWindowsForm), told it edits freeze windows.
import type { Environment, Freeze } from "../api/models";
import { RecurringWindowsForm, windowTime, type WindowsKind } from "./RecurringWindowsForm";

export { browserZone, cronWords, MAX_WINDOWS, windowTime } from "./RecurringWindowsForm";

/** Few people write cron by heart: these fill a window's start, end (and reason, when empty). */
export const PRESETS = [
  { name: "Weekends", words: "Fri 18:00 – Mon 08:00", start: "0 18 * * 5", end: "0 8 * * 1", reason: "weekend" },
  { name: "Nights", words: "22:00 – 06:00", start: "0 22 * * *", end: "0 6 * * *", reason: "nights" },
] as const;

export const FREEZE_WINDOWS: WindowsKind = {
  field: "freeze_windows",
  title: "Freeze windows",
  noun: "freeze window",
  intro: (env) => <>
    Inside a window, new releases to {env} are refused as under a freeze set by hand, and deploys waiting for
    approval stay waiting; rollbacks and restarts still run. A window opens at its start and closes at its end, both
    read in its time zone; unfreezing during one lifts it that time only.
  </>,
  presets: PRESETS,
  example: { start: "0 18 * * 5", end: "0 8 * * 1" },
  reason: {
    required: "A reason is required: every deploy refused in the window says it.",
    hint: "Every deploy refused in the window says it.",
    placeholder: "weekend",
  },
};

/** "2 freeze windows · next: <start> – <end>, weekend" (local times); null without windows. */
export function windowsWords(env: Pick<Environment, "freeze_windows" | "next_freeze">): string | null {
  const n = env.freeze_windows?.length ?? 0;
  if (!n) return null;
  const count = `${n} freeze window${n === 1 ? "" : "s"}`;
  const next = env.next_freeze;
  return next ? `${count} · next: ${windowTime(next.starts)} – ${windowTime(next.until)}, ${next.reason}` : count;
}

/** Whether a freeze is an open window's (lifting it lifts this time only). */
export const byWindow = (f: Freeze) => f.by === "freeze window" || !!f.window;

/** After the "frozen" badge: "by a freeze window until <local time>: weekend". */
export const windowFreezeWords = (f: Freeze) => `by a freeze window${f.until ? ` until ${windowTime(f.until)}` : ""}: ${f.reason}`;

/** The freeze windows of an environment in a dialog: each window's fields, add (blank or from a
 * preset), remove; Save sends the whole list. The API's errors show at the window and field they
 * name (freeze_windows.1.start). */
export function FreezeWindowsForm(props: { org: string; project: string; env: Environment; onDone: () => void; onCancel: () => void }) {
  return <RecurringWindowsForm kind={FREEZE_WINDOWS} {...props} />;
}
