// Recurring deploy freezes (chalicelib/catalog/freeze_windows.py): windows that open and close on a
// schedule read in a time zone (every Friday 18:00 to Monday 08:00, Europe/Berlin). Owners and
// admins change them as a whole list (PATCH …/environments/{env} {freeze_windows}); inside one, new
// releases are refused as under a freeze set by hand (FreezeForm).
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { Environment, Freeze, FreezeWindow } from "../api/models";
import { Field, FormError } from "./Field";
import { Modal } from "./Modal";

/** As many as the API takes (freeze_windows.MAX_WINDOWS). */
export const MAX_WINDOWS = 10;

/** Few people write cron by heart: these fill a window's start, end (and reason, when empty). */
export const PRESETS = [
  { name: "Weekends", words: "Fri 18:00 – Mon 08:00", start: "0 18 * * 5", end: "0 8 * * 1", reason: "weekend" },
  { name: "Nights", words: "22:00 – 06:00", start: "0 22 * * *", end: "0 6 * * *", reason: "nights" },
] as const;

/** The browser's own IANA time zone (what a new window is read in unless changed). */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function zoneNames(): string[] {
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

/** A moment of a window in the user's local time, as the locale writes it: "Fri 27 Nov 18:00"
 * (en-GB), "Fri, Nov 27 6:00 PM" (en-US). */
export const windowTime = (iso: string) => {
  const at = new Date(iso);
  return `${at.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" })} ${at.toLocaleTimeString(undefined, { timeStyle: "short" })}`;
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

interface Draft extends FreezeWindow { key: number }
type Part = "start" | "end" | "timezone" | "reason";

const REQUIRED: Record<Part, string> = {
  start: "A start is required: five cron fields, e.g. 0 18 * * 5.",
  end: "An end is required: five cron fields, e.g. 0 8 * * 1.",
  timezone: "A time zone is required, e.g. Europe/Berlin.",
  reason: "A reason is required: every deploy refused in the window says it.",
};
const PARTS = Object.keys(REQUIRED) as Part[];

/** The freeze windows of an environment in a dialog: each window's fields, add (blank or from a
 * preset), remove; Save sends the whole list. The API's errors show at the window and field they
 * name (freeze_windows.1.start). */
export function FreezeWindowsForm({ org, project, env, onDone, onCancel }: {
  org: string; project: string; env: Environment; onDone: () => void; onCancel: () => void;
}) {
  const nextKey = useRef(0);
  const here = browserZone();
  const blank = (): Draft => ({ key: nextKey.current++, start: "", end: "", timezone: here, reason: "" });
  const [drafts, setDrafts] = useState<Draft[]>(() => {
    const saved = env.freeze_windows ?? [];
    // none yet: the person came to add one
    return saved.length ? saved.map((w) => ({ ...w, timezone: w.timezone || "UTC", key: nextKey.current++ })) : [blank()];
  });
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

  const save = useMutation({
    mutationFn: () => unwrap<Environment>(api.PATCH("/v1/orgs/{org}/projects/{project}/environments/{env}", {
      params: { path: { org, project, env: env.name } },
      body: { freeze_windows: drafts.map((w) => ({ start: w.start.trim(), end: w.end.trim(), timezone: w.timezone.trim(), reason: w.reason.trim() })) },
    })),
    onSuccess: onDone,
  });
  const err = save.error instanceof ApiError ? save.error : null;
  const errorAt = (key: string): string | undefined => missing[key] ?? err?.fields[key];
  // what no window shows: the list as a whole (too many), another field, a refusal (403), a network error
  const shownAtWindow = err && Object.keys(err.fields).some((k) => /^freeze_windows\.\d+(\.|$)/.test(k));
  const formError = save.error && !shownAtWindow ? save.error : null;

  // after a refused save, focus goes to the first field with an error, else the first window with one
  useEffect(() => {
    if (!save.error && !Object.keys(missing).length) return;
    const form = formRef.current;
    (form?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form?.querySelector<HTMLElement>("fieldset[data-window-error]"))?.focus();
  }, [save.error, missing]);

  const change = (i: number, part: Part, value: string) => {
    setDrafts((ds) => ds.map((w, j) => (j === i ? { ...w, [part]: value } : w)));
    const key = `freeze_windows.${i}.${part}`;
    if (missing[key]) setMissing(({ [key]: _, ...rest }) => rest);
  };
  const fill = (i: number, preset: (typeof PRESETS)[number]) => {
    setDrafts((ds) => ds.map((w, j) => (j === i ? { ...w, start: preset.start, end: preset.end, reason: w.reason.trim() ? w.reason : preset.reason } : w)));
    setMissing({});
    setStatus(`Window ${i + 1}: ${preset.name}, ${preset.words} (${drafts[i]?.timezone || here}).`);
  };
  const add = () => {
    const at = drafts.length;
    setDrafts((ds) => [...ds, blank()]);
    setStatus("");
    focusNext.current = () => formRef.current?.querySelectorAll<HTMLElement>("fieldset.freeze-window")[at]?.querySelector<HTMLElement>("input")?.focus();
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
    drafts.forEach((w, i) => PARTS.forEach((p) => { if (!w[p].trim()) need[`freeze_windows.${i}.${p}`] = REQUIRED[p]; }));
    setMissing(need);
    if (Object.keys(need).length) return;
    setStatus("");
    save.mutate();
  };

  const title = `Freeze windows for ${env.name}`;
  return (
    <Modal title={title} onClose={onCancel} focus="input">
      <form ref={formRef} onSubmit={submit} noValidate aria-label={title} className="freeze-windows">
        <p className="muted small">
          Inside a window, new releases to {env.name} are refused as under a freeze set by hand, and deploys waiting for
          approval stay waiting; rollbacks and restarts still run. A window opens at its start and closes at its end, both
          read in its time zone; unfreezing during one lifts it that time only.
        </p>
        {drafts.length === 0 && (
          <p>No freeze windows.{env.freeze_windows?.length ? " Saving removes them all." : ""}</p>
        )}
        {drafts.map((w, i) => {
          const windowError = err?.fields[`freeze_windows.${i}`];
          return (
            <WindowFields key={w.key} n={i + 1} w={w} zoneList={zoneList} here={here} windowError={windowError}
              errorAt={(p) => errorAt(`freeze_windows.${i}.${p}`)}
              onChange={(p, v) => change(i, p, v)} onPreset={(p) => fill(i, p)} onRemove={() => remove(i)} />
          );
        })}
        <datalist id={zoneList}>{zones.map((z) => <option key={z} value={z} />)}</datalist>
        <p className="row">
          <button type="button" ref={addRef} onClick={add} disabled={drafts.length >= MAX_WINDOWS}>Add a freeze window</button>
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

function WindowFields({ n, w, zoneList, here, windowError, errorAt, onChange, onPreset, onRemove }: {
  n: number; w: Draft; zoneList: string; here: string; windowError: string | undefined;
  errorAt: (p: Part) => string | undefined; onChange: (p: Part, value: string) => void;
  onPreset: (p: (typeof PRESETS)[number]) => void; onRemove: () => void;
}) {
  const errId = useId();
  const startWords = cronWords(w.start);
  const endWords = cronWords(w.end);
  const zone = w.timezone.trim() || "its time zone";
  const cron = { className: "mono", autoComplete: "off", autoCapitalize: "off", spellCheck: false };
  return (
    <fieldset className={"freeze-window" + (windowError ? " freeze-window-error" : "")} tabIndex={windowError ? -1 : undefined}
      data-window-error={windowError ? "" : undefined} aria-describedby={windowError ? errId : undefined}>
      <legend>Window {n}</legend>
      <div className="row presets" role="group" aria-label={`Fill window ${n} from a preset`}>
        <span className="muted small">Fill in:</span>
        {PRESETS.map((p) => (
          <button key={p.name} type="button" className="link" onClick={() => onPreset(p)}>{p.name}: {p.words}</button>
        ))}
      </div>
      <div className="row">
        <Field label="Starts (cron)" error={errorAt("start")}
          hint={startWords ? `= ${startWords} (${zone})` : <>Minute hour day month weekday: <code>0 18 * * 5</code> = Fridays 18:00</>}>
          <input {...cron} value={w.start} onChange={(e) => onChange("start", e.target.value)} placeholder="0 18 * * 5" />
        </Field>
        <Field label="Ends (cron)" error={errorAt("end")}
          hint={endWords ? `= ${endWords} (${zone})` : <>The same way: <code>0 8 * * 1</code> = Mondays 08:00</>}>
          <input {...cron} value={w.end} onChange={(e) => onChange("end", e.target.value)} placeholder="0 8 * * 1" />
        </Field>
      </div>
      <div className="row">
        <Field label="Time zone" error={errorAt("timezone")} hint={`An IANA name; yours is ${here}.`}>
          <input value={w.timezone} list={zoneList} autoComplete="off" autoCapitalize="off" spellCheck={false}
            onChange={(e) => onChange("timezone", e.target.value)} />
        </Field>
        <Field label="Reason" error={errorAt("reason")} hint="Every deploy refused in the window says it.">
          <input value={w.reason} onChange={(e) => onChange("reason", e.target.value)} placeholder="weekend" maxLength={200} />
        </Field>
      </div>
      {windowError && <p id={errId} className="form-error" role="alert">{windowError}</p>}
      <button type="button" className="link danger" data-remove="" onClick={onRemove}
        aria-label={`Remove window ${n}${w.reason.trim() ? ` (${w.reason.trim()})` : ""}`}>Remove</button>
    </fieldset>
  );
}
