// Recurring windows (chalicelib/catalog/windows.py): spans of time that open and close on a
// schedule read in a time zone (every Friday 18:00 to Monday 08:00, Europe/Berlin). An environment
// has two lists of them, each changed as a whole by owners and admins (PATCH …/environments/{env}):
// its deploy freezes (freeze_windows, FreezeWindowsForm) and its sleep schedule (sleep_windows,
// SleepScheduleForm). One dialog edits either, told which by a `WindowsKind`.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useMutation } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { Environment } from "../api/models";
import { Field, FormError } from "./Field";
import { Modal } from "./Modal";

/** As many as the API takes (windows.MAX_WINDOWS). */
export const MAX_WINDOWS = 10;

/** A window filled in one click (few people write cron by heart): its start and end; its reason
 * too when the window has none; `hint`: what is worth knowing about it, said after its name by its
 * button ("Weeknights covers the weekend too: …"). */
export interface WindowPreset {
  name: string; words: string; start: string; end: string; reason?: string; hint?: string;
}

/** One of an environment's lists of windows, and how the dialog speaks of it. */
export interface WindowsKind {
  /** the environment's field, the PATCH body's key and the start of the API's error fields */
  field: "freeze_windows" | "sleep_windows";
  /** the dialog's title before " for <environment>": "Freeze windows" */
  title: string;
  /** one of them: "freeze window" ("Add a freeze window", "No freeze windows.") */
  noun: string;
  /** what a window does, above the windows */
  intro: (env: string) => ReactNode;
  presets: readonly WindowPreset[];
  /** a schedule to show in the hints and placeholders: "0 18 * * 5" to "0 8 * * 1" */
  example: { start: string; end: string };
  /** `required`: what an empty reason is told (else it is optional: left out, the API's default
   * applies, which `placeholder` shows); `hint` under the field */
  reason: { required?: string; hint: string; placeholder: string };
}

/** The browser's own IANA time zone (what a new window is read in unless changed). */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export function zoneNames(): string[] {
  try {
    const names = Intl.supportedValuesOf("timeZone");
    return names.includes("UTC") ? names : ["UTC", ...names];
  } catch {
    return ["UTC"];
  }
}

const DAYS = ["Sundays", "Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

function dayOf(token: string): number | null {
  const named = DAY_NAMES.indexOf(token.toLowerCase());
  if (named >= 0) return named;
  return /^[0-7]$/.test(token) ? Number(token) % 7 : null;   // 0 and 7 are Sunday
}

function daysWords(field: string): string | null {
  if (field === "*" || field === "?") return "every day";
  const parts = field.split(",").map((part) => {
    const ends = part.split("-").map(dayOf);
    if (ends.some((d) => d === null) || ends.length > 2) return null;
    const [a, b] = ends as number[];
    return b === undefined ? DAYS[a!]! : `${DAYS[a!]} to ${DAYS[b]}`;
  });
  if (parts.some((p) => p === null) || parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/** A simple cron schedule in words ("0 18 * * 5" → "Fridays 18:00", "0 22 * * *" → "every day
 * 22:00"); null for what it does not read (the API still checks it). */
export function cronWords(expr: string): string | null {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  if (!/^\d{1,2}$/.test(minute) || !/^\d{1,2}$/.test(hour) || +minute > 59 || +hour > 23 || month !== "*") return null;
  const time = `${hour.padStart(2, "0")}:${minute.padStart(2, "0")}`;
  if (dom === "*") {
    const days = daysWords(dow);
    return days && `${days} ${time}`;
  }
  if (/^\d{1,2}$/.test(dom) && +dom >= 1 && +dom <= 31 && dow === "*") return `day ${+dom} of each month, ${time}`;
  return null;
}

/** The same schedule whatever the spaces: "0  20 * * 1-5 " is "0 20 * * 1-5". */
export const sameCron = (a: string, b: string) => a.trim().split(/\s+/).join(" ") === b.trim().split(/\s+/).join(" ");

/** A moment of a window in the user's local time, as the locale writes it: "Fri 27 Nov 18:00"
 * (en-GB), "Fri, Nov 27 6:00 PM" (en-US). */
export const windowTime = (iso: string) => {
  const at = new Date(iso);
  return `${at.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" })} ${at.toLocaleTimeString(undefined, { timeStyle: "short" })}`;
};

interface Window { start: string; end: string; timezone: string; reason: string }
interface Draft extends Window { key: number }
type Part = keyof Window;
const PARTS: Part[] = ["start", "end", "timezone", "reason"];

/** An environment's windows of one kind in a dialog: each window's fields, add (blank or from a
 * preset), remove; Save sends the whole list. The API's errors show at the window and field they
 * name (freeze_windows.1.start). */
export function RecurringWindowsForm({ kind, org, project, env, onDone, onCancel }: {
  kind: WindowsKind; org: string; project: string; env: Environment; onDone: () => void; onCancel: () => void;
}) {
  const { field, noun } = kind;
  const nextKey = useRef(0);
  const here = browserZone();
  const blank = (): Draft => ({ key: nextKey.current++, start: "", end: "", timezone: here, reason: "" });
  const saved: Partial<Window>[] = env[field] ?? [];
  const [drafts, setDrafts] = useState<Draft[]>(() =>
    // none yet: the person came to add one
    saved.length
      ? saved.map((w) => ({ start: w.start ?? "", end: w.end ?? "", timezone: w.timezone || "UTC", reason: w.reason ?? "", key: nextKey.current++ }))
      : [blank()]);
  const [missing, setMissing] = useState<Record<string, string>>({});
  const [status, setStatus] = useState("");
  const [zones] = useState(zoneNames);
  const zoneList = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  // after a change of the list: where focus goes (the removed one's neighbour, a new window's first field)
  const focusNext = useRef<(() => void) | null>(null);
  useEffect(() => {
    focusNext.current?.();
    focusNext.current = null;
  }, [drafts.length]);

  const required: Partial<Record<Part, string>> = {
    start: `A start is required: five cron fields, e.g. ${kind.example.start}.`,
    end: `An end is required: five cron fields, e.g. ${kind.example.end}.`,
    timezone: "A time zone is required, e.g. Europe/Berlin.",
    reason: kind.reason.required,
  };
  const sent = (w: Draft) => {
    const reason = w.reason.trim();
    // an optional reason left empty is left out: the API's default applies ("" it would refuse)
    return { start: w.start.trim(), end: w.end.trim(), timezone: w.timezone.trim(), ...(reason || kind.reason.required ? { reason } : {}) };
  };
  const save = useMutation({
    mutationFn: () => unwrap<Environment>(api.PATCH("/v1/orgs/{org}/projects/{project}/environments/{env}", {
      params: { path: { org, project, env: env.name } },
      body: { [field]: drafts.map(sent) },
    })),
    onSuccess: onDone,
  });
  const err = save.error instanceof ApiError ? save.error : null;
  const errorAt = (key: string): string | undefined => missing[key] ?? err?.fields[key];
  // what no window shows: the list as a whole (too many), another field, a refusal (403), a network error
  const atWindow = new RegExp(`^${field}\\.\\d+(\\.|$)`);
  const shownAtWindow = err && Object.keys(err.fields).some((k) => atWindow.test(k));
  const formError = save.error && !shownAtWindow ? save.error : null;

  // after a refused save, focus goes to the first field with an error, else the first window with one
  useEffect(() => {
    if (!save.error && !Object.keys(missing).length) return;
    const form = formRef.current;
    (form?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form?.querySelector<HTMLElement>("fieldset[data-window-error]"))?.focus();
  }, [save.error, missing]);

  const change = (i: number, part: Part, value: string) => {
    setDrafts((ds) => ds.map((w, j) => (j === i ? { ...w, [part]: value } : w)));
    const key = `${field}.${i}.${part}`;
    if (missing[key]) setMissing(({ [key]: _, ...rest }) => rest);
  };
  const fill = (i: number, preset: WindowPreset) => {
    setDrafts((ds) => ds.map((w, j) => (j === i
      ? { ...w, start: preset.start, end: preset.end, reason: w.reason.trim() || !preset.reason ? w.reason : preset.reason }
      : w)));
    setMissing({});
    setStatus(`Window ${i + 1}: ${preset.name}, ${preset.words} (${drafts[i]?.timezone || here}).${preset.hint ? ` ${preset.name} ${preset.hint}` : ""}`);
  };
  const add = () => {
    const at = drafts.length;
    setDrafts((ds) => [...ds, blank()]);
    setStatus("");
    focusNext.current = () => formRef.current?.querySelectorAll<HTMLElement>("fieldset.recurring-window")[at]?.querySelector<HTMLElement>("input")?.focus();
  };
  const remove = (i: number) => {
    const left = drafts.length - 1;
    setDrafts((ds) => ds.filter((_, j) => j !== i));
    // the errors name windows by their place in the list, which just changed
    save.reset();
    setMissing({});
    setStatus(`Window ${i + 1} removed${left ? "" : "; no windows are left"}. Save to keep the change.`);
    focusNext.current = () => {
      const removes = formRef.current?.querySelectorAll<HTMLElement>("button[data-remove]");
      (removes?.[Math.min(i, left - 1)] ?? addRef.current)?.focus();
    };
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const need: Record<string, string> = {};
    drafts.forEach((w, i) => PARTS.forEach((p) => {
      const message = required[p];
      if (message && !w[p].trim()) need[`${field}.${i}.${p}`] = message;
    }));
    setMissing(need);
    if (Object.keys(need).length) return;
    setStatus("");
    save.mutate();
  };

  const title = `${kind.title} for ${env.name}`;
  return (
    <Modal title={title} onClose={onCancel} focus="input">
      <form ref={formRef} onSubmit={submit} noValidate aria-label={title} className="recurring-windows">
        <p className="muted small">{kind.intro(env.name)}</p>
        {drafts.length === 0 && (
          <p>No {noun}s.{saved.length ? " Saving removes them all." : ""}</p>
        )}
        {drafts.map((w, i) => (
          <WindowFields key={w.key} kind={kind} n={i + 1} w={w} zoneList={zoneList} here={here}
            windowError={err?.fields[`${field}.${i}`]} errorAt={(p) => errorAt(`${field}.${i}.${p}`)}
            onChange={(p, v) => change(i, p, v)} onPreset={(p) => fill(i, p)} onRemove={() => remove(i)} />
        ))}
        <datalist id={zoneList}>{zones.map((z) => <option key={z} value={z} />)}</datalist>
        <p className="row">
          <button type="button" ref={addRef} onClick={add} disabled={drafts.length >= MAX_WINDOWS}>Add a {noun}</button>
          {drafts.length >= MAX_WINDOWS && <small className="muted">At most {MAX_WINDOWS} windows.</small>}
        </p>
        <p role="status" className="muted small">{status}</p>
        <FormError error={formError} />
        <div className="actions">
          <button className="primary" disabled={save.isPending}>Save</button>
          <button type="button" className="link" onClick={onCancel}>Cancel</button>
        </div>
      </form>
    </Modal>
  );
}

function WindowFields({ kind, n, w, zoneList, here, windowError, errorAt, onChange, onPreset, onRemove }: {
  kind: WindowsKind; n: number; w: Draft; zoneList: string; here: string; windowError: string | undefined;
  errorAt: (p: Part) => string | undefined; onChange: (p: Part, value: string) => void;
  onPreset: (p: WindowPreset) => void; onRemove: () => void;
}) {
  const id = useId();
  const errId = `${id}-err`;
  const startWords = cronWords(w.start);
  const endWords = cronWords(w.end);
  const zone = w.timezone.trim() || "its time zone";
  const cron = { className: "mono", autoComplete: "off", autoCapitalize: "off", spellCheck: false };
  const { start: exStart, end: exEnd } = kind.example;
  const optional = !kind.reason.required;
  return (
    <fieldset className={"recurring-window" + (windowError ? " recurring-window-error" : "")} tabIndex={windowError ? -1 : undefined}
      data-window-error={windowError ? "" : undefined} aria-describedby={windowError ? errId : undefined}>
      <legend>Window {n}</legend>
      <div className="row presets" role="group" aria-label={`Fill window ${n} from a preset`}>
        <span className="muted small">Fill in:</span>
        {kind.presets.map((p, k) => (
          <button key={p.name} type="button" className="link" onClick={() => onPreset(p)}
            aria-describedby={p.hint ? `${id}-preset-${k}` : undefined}>{p.name}: {p.words}</button>
        ))}
      </div>
      {kind.presets.some((p) => p.hint) && (
        <ul className="preset-hints muted small">
          {kind.presets.map((p, k) => p.hint && <li key={p.name} id={`${id}-preset-${k}`}>{p.name} {p.hint}</li>)}
        </ul>
      )}
      <div className="row">
        <Field label="Starts (cron)" error={errorAt("start")}
          hint={startWords ? `= ${startWords} (${zone})` : <>Minute hour day month weekday: <code>{exStart}</code> = {cronWords(exStart)}</>}>
          <input {...cron} value={w.start} onChange={(e) => onChange("start", e.target.value)} placeholder={exStart} />
        </Field>
        <Field label="Ends (cron)" error={errorAt("end")}
          hint={endWords ? `= ${endWords} (${zone})` : <>The same way: <code>{exEnd}</code> = {cronWords(exEnd)}</>}>
          <input {...cron} value={w.end} onChange={(e) => onChange("end", e.target.value)} placeholder={exEnd} />
        </Field>
      </div>
      <div className="row">
        <Field label="Time zone" error={errorAt("timezone")} hint={`An IANA name; yours is ${here}.`}>
          <input value={w.timezone} list={zoneList} autoComplete="off" autoCapitalize="off" spellCheck={false}
            onChange={(e) => onChange("timezone", e.target.value)} />
        </Field>
        <Field label={optional ? "Reason (optional)" : "Reason"} error={errorAt("reason")} hint={kind.reason.hint}>
          <input value={w.reason} onChange={(e) => onChange("reason", e.target.value)} placeholder={kind.reason.placeholder} maxLength={200} />
        </Field>
      </div>
      {windowError && <p id={errId} className="form-error" role="alert">{windowError}</p>}
      <button type="button" className="link danger" data-remove="" onClick={onRemove}
        aria-label={`Remove window ${n}${w.reason.trim() ? ` (${w.reason.trim()})` : ""}`}>Remove</button>
    </fieldset>
  );
}
