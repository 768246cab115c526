// A database restored to a point in time (chalicelib/resources/restore.py; the body is
// chalicelib/resources/models.py RestoreIn): which resources offer it, the restore window, the
// form's checks and body, a time read on the person's clock and sent with its offset, and the
// words for a restored resource. Kept free of React so it is tested on its own. Every function
// that reads or shows a wall-clock time takes the zone (the browser's by default), so the tests
// can be in Paris, New York or Kathmandu whatever the machine's zone.
import type { components } from "../api/schema";
import { KINDS, type Resource, type RestoredFrom } from "./resources";

export type RestoreIn = components["schemas"]["RestoreIn"];

/** GET …/resources/{res}/restore-window: the moments a restore may ask for, ISO 8601 UTC. */
export interface RestoreWindow { earliest: string; latest: string; backup_retention_days: number }

/** Only a database (RDS) restores to a point in time; the API answers 422 for the other kinds. */
export const restorable = (r: Pick<Resource, "kind">) => r.kind === "postgres" || r.kind === "mysql";

/** The window can be read (and a restore asked) while the database is available or being changed;
 * the API answers 409 otherwise. */
export const restoreReady = (r: Pick<Resource, "status">) => r.status === "available" || r.status === "modifying";

/** A resource's name as the API takes it (chalicelib/resources/models.py NAME, 2 to 32 long). */
export const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/** Why the API would refuse this name (null: it would not; a name taken is the API's to say). */
export function nameProblem(name: string): string | null {
  if (!name) return "give the copy a name";
  if (name.length < 2 || name.length > 32) return "2 to 32 characters";
  if (!NAME.test(name)) return "lower-case letters, digits and hyphens, starting with a letter and ending with a letter or digit";
  return null;
}

const SUFFIX = "-restored";

/** The copy's name offered first: "db-restored", the source's name shortened to fit 32. */
export function restoredName(source: string): string {
  return source.slice(0, 32 - SUFFIX.length).replace(/-+$/, "") + SUFFIX;
}

// --- time on the person's clock ------------------------------------------------------------

/** Minutes east of UTC at a moment: +60 in Paris in winter, -300 in New York, +345 in Kathmandu. */
export type Zone = (utcMs: number) => number;
export const browserZone: Zone = (ms) => -new Date(ms).getTimezoneOffset();

/** The browser's zone by name ("Europe/Paris"), for the words; "" when the browser will not say. */
export function zoneName(): string {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone ?? ""; } catch { return ""; }
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A moment on a zone's clock, as a datetime-local input holds it: "2026-11-28T08:58:07". */
export function wallClock(ms: number, zone: Zone = browserZone): string {
  const d = new Date(ms + zone(ms) * 60_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const WALL = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?$/;

/** A datetime-local value ("2026-11-28T08:58", seconds optional) read on a zone's clock -> the
 * moment (ms since the epoch), or null: not a date and time, or a time that clock skips (the hour
 * lost when the clocks go forward). Fractions of a second are dropped. */
export function fromWallClock(value: string, zone: Zone = browserZone): number | null {
  const m = WALL.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((p) => Number(p ?? 0)) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  // the zone's offset at that moment, not at the wall clock read as UTC (they differ around a change)
  let ms = asUtc - zone(asUtc) * 60_000;
  ms = asUtc - zone(ms) * 60_000;
  const typed = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? "00"}`;
  return wallClock(ms, zone) === typed ? ms : null;   // 2026-02-30, or 02:30 on the night the clocks skip it
}

/** Minutes east of UTC as ISO 8601 writes them: "+01:00", "-05:00", "+05:45", "+00:00". */
export function offsetText(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const m = Math.abs(minutes);
  return `${sign}${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

/** A datetime-local value as the API wants a moment: ISO 8601 with the zone's offset at that
 * moment ("2026-11-28T08:58:00+01:00"); null when fromWallClock cannot read it. */
export function isoWithOffset(value: string, zone: Zone = browserZone): string | null {
  const ms = fromWallClock(value, zone);
  return ms == null ? null : wallClock(ms, zone) + offsetText(zone(ms));
}

/** A moment for people: "2026-11-28 07:58" (":07" when its seconds are not 0). */
function shown(clock: string): string {
  const [date, time] = clock.split("T") as [string, string];
  return `${date} ${time.endsWith(":00") ? time.slice(0, 5) : time}`;
}

/** "2026-11-28 07:58 UTC" (ISO or ms; seconds shown when not 0, fractions dropped). */
export const utcText = (at: string | number) => `${shown(wallClock(typeof at === "number" ? at : Date.parse(at), () => 0))} UTC`;

/** The same moment on the zone's clock: "2026-11-28 08:58". */
export const localText = (at: string | number, zone: Zone = browserZone) =>
  shown(wallClock(typeof at === "number" ? at : Date.parse(at), zone));

/** "2026-11-28 08:58 your time (07:58 UTC)": both clocks, the date of the UTC one left out when it is the same. */
export function bothClocks(at: string | number, zone: Zone = browserZone): string {
  const local = localText(at, zone);
  const utc = utcText(at);
  return `${local} your time (${utc.slice(0, 10) === local.slice(0, 10) ? utc.slice(11) : utc})`;
}

// --- the window ----------------------------------------------------------------------------

/** A window's ends as whole seconds on the zone's clock, for a datetime-local's min and max
 * (the first whole second at or after `earliest`, the last at or before `latest`), and as moments. */
export function windowBounds(w: RestoreWindow, zone: Zone = browserZone) {
  const earliest = Math.ceil(Date.parse(w.earliest) / 1000) * 1000;
  const latest = Math.floor(Date.parse(w.latest) / 1000) * 1000;
  return { earliest, latest, min: wallClock(earliest, zone), max: wallClock(latest, zone) };
}

/** The window in words, on both clocks: "from 2026-11-21 10:12 your time (09:12 UTC) to
 * 2026-11-28 09:55 your time (08:55 UTC)". */
export function windowWords(w: RestoreWindow, zone: Zone = browserZone): string {
  return `from ${bothClocks(w.earliest, zone)} to ${bothClocks(w.latest, zone)}`;
}

// --- the form ------------------------------------------------------------------------------

/** The restore form's state: `latest` (the latest restorable time) or `when` (a datetime-local
 * value on the person's clock); the instance class (the source's by default). */
export interface RestoreForm { name: string; latest: boolean; when: string; size: string; switchLinks: boolean }

export function restoreForm(r: Pick<Resource, "name" | "size">, w?: RestoreWindow, zone: Zone = browserZone): RestoreForm {
  return { name: restoredName(r.name), latest: true, when: w ? windowBounds(w, zone).max : "", size: r.size ?? "", switchLinks: false };
}

/** Why the chosen time cannot be asked for (null: it can): empty, unreadable, skipped by the
 * clock, or outside the window (whose end it names on both clocks). */
export function whenProblem(when: string, w: RestoreWindow, zone: Zone = browserZone): string | null {
  if (!when.trim()) return "choose a date and time, or the latest restorable time";
  if (!WALL.test(when.trim())) return "a date and time, e.g. 2026-11-28 08:58";
  const ms = fromWallClock(when, zone);
  if (ms == null) return "your clock skips that time (the clocks go forward then): choose another";
  const { earliest, latest } = windowBounds(w, zone);
  if (ms < earliest) return `too early: the backups reach back to ${bothClocks(earliest, zone)}`;
  if (ms > latest) return `too late: the latest restorable time is ${bothClocks(latest, zone)}`;
  return null;
}

/** The form's problems by the API's field names (name, to), before asking. */
export function restoreProblems(form: RestoreForm, w: RestoreWindow, zone: Zone = browserZone): Record<string, string> {
  const out: Record<string, string> = {};
  const name = nameProblem(form.name.trim());
  if (name) out.name = name;
  const when = form.latest ? null : whenProblem(form.when, w, zone);
  if (when) out.to = when;
  return out;
}

/** POST …/restore body: no `to` for the latest restorable time, a chosen one with its offset; the
 * size only when another than the source's (the API's default). */
export function restoreBody(form: RestoreForm, source: Pick<Resource, "size">, zone: Zone = browserZone): RestoreIn {
  const body: RestoreIn = { name: form.name.trim(), switch_links: form.switchLinks };
  if (!form.latest) body.to = isoWithOffset(form.when, zone);
  if (form.size && form.size !== source.size) body.size = form.size;
  return body;
}

/** The sizes a copy may have: the kind's (a database's instance classes). */
export const restoreSizes = (r: Pick<Resource, "kind">) => KINDS[r.kind].sizes;

// --- a restored resource -------------------------------------------------------------------

/** Where a restored resource came from, in a line: "restored from db at 2026-11-28 07:58 UTC",
 * "restored from db at the latest time". */
export function restoredFromText(f: RestoredFrom): string {
  return `restored from ${f.name} at ${f.to ? utcText(f.to) : "the latest time"}`;
}
