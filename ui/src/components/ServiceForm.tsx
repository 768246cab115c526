import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "../api/client";
import type { Environment, Kind, Service, ServiceIn } from "../api/models";
import { ADDRESSES_HINT, addressCountError, addressesApiError, addressList, addressWords } from "../lib/addresses";
import { RULE_WORDS } from "../lib/alertWords";
import { computeSummary, SPOT_BASE, SPOT_PERCENT, spotErrorPart, spotLeavesNoneAnswering, type Architecture } from "../lib/compute";
import { CPU_CHOICES, cpuLabel, fitMemory, memoryChoices, memoryLabel } from "../lib/fargate";
import {
  DEFAULT_MESSAGES_PER_TASK, MAX_PATHS, MAX_SCHEDULE, MESSAGES_PER_TASK, messagesPerTaskError, pathList, pathsError, queueChoices, scheduleError,
  scheduleList, whenWords, type ScaleRow,
} from "../lib/scaling";
import { Field, FormError, useFocusFirstError } from "./Field";
import { EnvGroupsField } from "./EnvGroupsField";
import { browserZone, zoneNames } from "./RecurringWindowsForm";

/** Where the container image comes from: a registry, or built from a git repository on each deploy. */
export type SourceMode = "image" | "git";

export interface FormState {
  name: string; kind: Kind; environment: string; from: SourceMode; image: string; port: string; command: string;
  release_command: string;
  repo: string; branch: string; dockerfile: string; context: string; build_env: string; paths: string[];
  cpu: number; memory: number; env: string; schedule: string; domain: string; aliases: string[]; redirect_aliases: boolean;
  min_instances: string; max_instances: string; autoscale: boolean; cpu_target: string; scale_at: ScaleRow[];
  /** a linked queue's name to scale on its backlog ("": none), and the messages per task */
  scale_queue: string; queue_messages: string;
  hc_path: string; hc_interval: string; hc_grace: string;
  rollback: boolean; rollback_window: string; rollback_rules: string[];
  canary: boolean; canary_percent: string; canary_minutes: string; canary_max_5xx: string; canary_p95: string; canary_ramp: string;
  canary_baseline: boolean;
  restrict: boolean; allowed_ips: string;
  /** where its tasks run: the CPU architecture, and Fargate Spot (the share on Spot, the tasks always on regular Fargate) */
  architecture: Architecture; spot: boolean; spot_percent: string; spot_base: string;
  /** the organization's environment groups it links, by name, in order (a later one wins) */
  env_groups: string[];
}

export function initialState(s?: Service, environment?: string): FormState {
  return {
    name: s?.name ?? "", kind: s?.kind ?? "web", environment: s?.environment ?? environment ?? "",
    from: s?.source ? "git" : "image", image: s?.image ?? "",
    repo: s?.source?.repo ?? "", branch: s?.source?.branch ?? "main", dockerfile: s?.source?.dockerfile ?? "Dockerfile",
    context: s?.source?.context ?? ".", paths: s?.source?.paths ?? [], build_env: lines(s?.build_env), port: s?.port != null ? String(s.port) : s ? "" : "80",
    command: (s?.command ?? []).join("\n"), release_command: (s?.release_command ?? []).join("\n"), cpu: s?.cpu ?? 256, memory: s?.memory ?? 512,
    env: lines(s?.env),
    schedule: s?.schedule ?? "", domain: s?.domain ?? "", aliases: s?.aliases ?? [], redirect_aliases: !!s?.redirect_aliases,
    min_instances: String(s?.min_instances ?? 1), max_instances: String(s?.max_instances ?? 1),
    autoscale: !!s?.autoscaling, cpu_target: String(s?.autoscaling?.cpu_target ?? 60),
    scale_at: (s?.autoscaling?.schedule ?? []).map((e) => ({ at: e.at, min: String(e.min_instances), max: String(e.max_instances), timezone: e.timezone ?? "UTC" })),
    scale_queue: s?.autoscaling?.queue?.name ?? "", queue_messages: String(s?.autoscaling?.queue?.messages_per_task ?? DEFAULT_MESSAGES_PER_TASK),
    hc_path: s?.health_check?.path ?? "/", hc_interval: String(s?.health_check?.interval_seconds ?? 30),
    hc_grace: String(s?.health_check?.grace_period_seconds ?? 60),
    rollback: !!s?.auto_rollback, rollback_window: String(s?.auto_rollback?.window_minutes ?? 15),
    rollback_rules: s?.auto_rollback?.rules ?? ["http_5xx_rate", "restarts"],
    canary: !!s?.canary, canary_percent: String(s?.canary?.percent ?? 10), canary_minutes: String(s?.canary?.minutes ?? 5),
    canary_max_5xx: String(s?.canary?.max_5xx_percent ?? 2), canary_p95: s?.canary?.max_p95_ms != null ? String(s.canary.max_p95_ms) : "",
    canary_ramp: (s?.canary?.ramp ?? []).join(", "), canary_baseline: !!s?.canary?.baseline,
    restrict: !!s?.allowed_ips?.length, allowed_ips: (s?.allowed_ips ?? []).join("\n"),
    architecture: s?.architecture === "arm64" ? "arm64" : "x86_64", spot: !!s?.spot,
    spot_percent: String(s?.spot?.percent ?? SPOT_PERCENT.default), spot_base: String(s?.spot?.on_demand_base ?? SPOT_BASE.default),
    env_groups: s?.env_groups ?? [],
  };
}

const lines = (vars: Record<string, string> | null | undefined) => Object.entries(vars ?? {}).map(([k, v]) => `${k}=${v}`).join("\n");

/** KEY=value lines -> object; a line without "=" is reported against `env` by the caller. */
export function parseEnv(text: string): { env: Record<string, string>; bad: string | null } {
  const env: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 1) return { env, bad: `"${line}" is not KEY=value` };
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return { env, bad: null };
}

const ALERT_RULES = ["http_5xx_rate", "latency_p95", "cpu", "memory", "restarts"] as const;
const WEB_ONLY: string[] = ["http_5xx_rate", "latency_p95"];   // a load balancer's figures

const num = (v: string) => (v.trim() === "" ? null : Number(v));
// empty: the default; anything typed is sent as typed (0 included), so the API's range check speaks
const numOr = (v: string, dflt: number) => num(v) ?? dflt;

const canaryOn = (f: FormState) => f.kind === "web" && f.canary;
/** web and worker services scale (target tracking on CPU, and the schedule's ranges); a cron job runs one task per run */
const scaleOn = (f: FormState) => f.kind !== "cron" && f.autoscale;
const restrictOn = (f: FormState) => f.kind === "web" && f.restrict;
/** scaling on a linked queue's backlog too */
const queueOn = (f: FormState) => scaleOn(f) && !!f.scale_queue;
const spotOn = (f: FormState) => f.spot;
/** a cron job's run is one task: its tasks always on regular Fargate must be 0 (the API's rule), so not asked */
const spotBaseOn = (f: FormState) => f.spot && f.kind !== "cron";
/** The Spot setting as the form holds it (what is not a whole number read as the default: its own field says so). */
const spotOf = (f: FormState) => {
  const whole = (v: string, dflt: number) => (/^\d+$/.test(v.trim()) ? Number(v) : dflt);
  return f.spot ? { percent: whole(f.spot_percent, SPOT_PERCENT.default), ...(spotBaseOn(f) ? { on_demand_base: whole(f.spot_base, SPOT_BASE.default) } : {}) } : null;
};

// The number fields of each kind, by form key, with the API field their error belongs to (and
// whether a decimal is allowed: else a whole number).
const NUMBERS: [keyof FormState, string, (f: FormState) => boolean, "decimal"?][] = [
  ["port", "port", (f) => f.kind === "web"],
  ["min_instances", "min_instances", (f) => f.kind !== "cron"], ["max_instances", "max_instances", (f) => f.kind !== "cron"],
  ["cpu_target", "autoscaling.cpu_target", scaleOn],
  ["rollback_window", "auto_rollback", (f) => f.kind !== "cron" && f.rollback],
  ["hc_interval", "health_check.interval_seconds", (f) => f.kind === "web"],
  ["hc_grace", "health_check.grace_period_seconds", (f) => f.kind === "web"],
  ["canary_percent", "canary.percent", canaryOn], ["canary_minutes", "canary.minutes", canaryOn],
  ["canary_max_5xx", "canary.max_5xx_percent", canaryOn, "decimal"], ["canary_p95", "canary.max_p95_ms", canaryOn],
  ["spot_percent", "spot.percent", spotOn], ["spot_base", "spot.on_demand_base", spotBaseOn],
];

/** A canary's ramp as typed: whole numbers separated by commas or spaces ("25, 50"). */
export const rampList = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

/** At most 4 larger shares after the first (chalicelib/catalog/models.py Canary.ramp). */
export const MAX_RAMP = 4;

/** What the API would refuse in a ramp, said before sending (its own words for the order and the
 * limit); null when it is fine. `first`: the first share as typed (not judged here when it is not a
 * whole number: its own field says so). */
export function rampError(text: string, first: string): string | null {
  const items = rampList(text);
  const bad = items.find((x) => !/^\d+$/.test(x));
  if (bad !== undefined) return `"${bad}" is not a whole number`;
  if (items.length > MAX_RAMP) return `at most ${MAX_RAMP} shares after the first`;
  const start = /^\d+$/.test(first.trim()) ? Number(first) : null;
  const shares = [...(start != null ? [start] : []), ...items.map(Number)];
  if (shares.some((p, i) => i > 0 && p <= shares[i - 1]!) || items.some((x) => Number(x) > 50)) {
    return `each share above the one before it${start != null ? ` (${start} % first)` : ""} and at most 50`;
  }
  return null;
}

/** The aliases given: trimmed, lower case, the empty rows left out (each once: the API refuses a name twice). */
export const aliasList = (names: readonly string[]): string[] =>
  [...new Set(names.map((a) => a.trim().toLowerCase().replace(/\.$/, "")).filter(Boolean))];

/** At most 4 host names beside the domain (chalicelib/catalog/models.py MAX_ALIASES). */
export const MAX_ALIASES = 4;

/** What the API would refuse in the aliases, said before sending; null when fine (their syntax is
 * the API's to judge). */
export function aliasesError(f: Pick<FormState, "domain" | "aliases">): string | null {
  const names = aliasList(f.aliases);
  if (!names.length) return null;
  if (names.length > MAX_ALIASES) return `at most ${MAX_ALIASES} aliases`;
  const domain = f.domain.trim().toLowerCase().replace(/\.$/, "");
  if (!domain) return "aliases come beside a custom domain: give the domain too, or remove the aliases";
  if (names.includes(domain)) return `${domain} is the custom domain itself, not an alias of it`;
  return null;
}

/** A field error per number field holding something that is not a whole number, or not a number
 * where a decimal is allowed ("abc" would be sent as null, so silently the default, or replaced by it). */
function numberErrors(f: FormState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, field, applies, decimal] of NUMBERS) {
    const v = (f[key] as string).trim();
    if (!applies(f) || v === "") continue;
    if (decimal ? !/^-?\d+(\.\d+)?$/.test(v) : !/^-?\d+$/.test(v)) out[field] = `"${v}" is not a ${decimal ? "number" : "whole number"}`;
  }
  return out;
}

/** The request body for these values, with the fields that apply to the kind only. */
export function toBody(f: FormState): ServiceIn {
  const body: ServiceIn = {
    name: f.name.trim(), kind: f.kind, cpu: f.cpu as ServiceIn["cpu"], memory: f.memory,
    env: parseEnv(f.env).env, min_instances: num(f.min_instances), max_instances: num(f.max_instances),
    // always sent (hidden for an image, so unchanged there): switching to an image keeps the build args for later
    build_env: parseEnv(f.build_env).env,
  };
  if (f.from === "git") {
    // watch paths only when some are given: none (absent) is every push; the source is sent whole, so leaving them out removes them
    const paths = pathList(f.paths);
    body.source = { repo: f.repo.trim(), branch: f.branch.trim() || "main", dockerfile: f.dockerfile.trim() || "Dockerfile", context: f.context.trim() || ".",
      ...(paths.length ? { paths } : {}) };
  } else if (f.image.trim()) {
    body.image = f.image.trim();   // giving an image switches a service built from source to it
  }
  if (f.environment) body.environment = f.environment;
  const command = f.command.split("\n").map((s) => s.trim()).filter(Boolean);
  if (f.kind !== "web" && command.length) body.command = command;
  // always sent: emptying the field removes the release command (null)
  const release = f.release_command.split("\n").map((s) => s.trim()).filter(Boolean);
  body.release_command = release.length ? release : null;
  if (f.kind === "web") {
    body.port = num(f.port);
    body.health_check = { path: f.hc_path || "/", interval_seconds: numOr(f.hc_interval, 30), grace_period_seconds: numOr(f.hc_grace, 0) };
    if (f.domain.trim()) body.domain = f.domain.trim();
    // only when some are given: on edit, Settings sends null for aliases removed (none)
    const aliases = aliasList(f.aliases);
    if (aliases.length) body.aliases = aliases;
    // only when on (and aliases to redirect): off is stored as never set (null), which Settings sends for a box unticked
    if (aliases.length && f.redirect_aliases) body.redirect_aliases = true;
    // always sent (web services only: the API refuses it for the others): unticking turns it off (null)
    body.canary = f.canary
      ? { percent: numOr(f.canary_percent, 10), minutes: numOr(f.canary_minutes, 5), max_5xx_percent: numOr(f.canary_max_5xx, 2),
          max_p95_ms: f.canary_p95.trim() ? num(f.canary_p95) : null,
          // only a ramp given is sent: none is the API's default ([])
          ...(rampList(f.canary_ramp).length ? { ramp: rampList(f.canary_ramp).map(Number) } : {}),
          // only when ticked: unticked is the API's default (false), and a canary from before baselines has none
          ...(f.canary_baseline ? { baseline: true } : {}) }
      : null;
    // only when some are given: a new service unticked sends none; on edit, Settings sends [] for a list removed
    const ips = f.restrict ? addressList(f.allowed_ips) : [];
    if (ips.length) body.allowed_ips = ips;
  }
  if (scaleOn(f)) {
    // the schedule only when it has entries: Settings sends [] for one emptied (a PATCH merges autoscaling's fields)
    const schedule = scheduleList(f.scale_at);
    // the queue only when one is chosen: Settings sends null for one removed (a PATCH merges autoscaling's fields)
    body.autoscaling = { cpu_target: numOr(f.cpu_target, 60), ...(schedule.length ? { schedule } : {}),
      ...(queueOn(f) ? { queue: { name: f.scale_queue, messages_per_task: numOr(f.queue_messages, DEFAULT_MESSAGES_PER_TASK) } } : {}) };
  }
  // only when not the default: x86_64 is stored as never set (null), which Settings sends when switched back
  if (f.architecture === "arm64") body.architecture = "arm64";
  // only when on: Settings sends null when turned off. Empty fields are the API's defaults; anything
  // typed is sent as typed, so the API's range check speaks (a cron job gives no on_demand_base: 0)
  if (f.spot) {
    body.spot = { percent: numOr(f.spot_percent, SPOT_PERCENT.default),
      ...(spotBaseOn(f) ? { on_demand_base: numOr(f.spot_base, SPOT_BASE.default) } : {}) };
  }
  // only when some are linked: Settings sends null when the last one is removed
  if (f.env_groups.length) body.env_groups = f.env_groups;
  if (f.kind === "cron") body.schedule = f.schedule.trim();
  else {   // always sent: unticking turns it off (null)
    const rules = ALERT_RULES.filter((r) => f.rollback_rules.includes(r) && (f.kind === "web" || !WEB_ONLY.includes(r)));
    body.auto_rollback = f.rollback ? { window_minutes: numOr(f.rollback_window, 15), rules } : null;
  }
  return body;
}

interface Props {
  initial: FormState;
  editing?: boolean;
  /** every field shown, none editable, no submit (a viewer) */
  readOnly?: boolean;
  /** new service: the environments to pick from; editing: the service's own (its inherited addresses) */
  environments?: Environment[];
  /** editing: the names of the queues the service links (undefined while not read): it may scale on one's backlog */
  queues?: string[];
  /** the organization's environment groups to link (undefined while not read) */
  envGroups?: string[];
  pending: boolean;
  error: unknown;
  submitLabel: string;
  onSubmit: (f: FormState) => void;
}

/** Every setting of a service, kind-specific fields for web, worker and cron; the API's field errors next to each field. */
export function ServiceForm({ initial, editing, readOnly, environments, queues, envGroups, pending, error, submitLabel, onSubmit }: Props) {
  const [f, setF] = useState(initial);
  const [localErr, setLocalErr] = useState<Record<string, string>>({});
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setF((old) => ({ ...old, [k]: v }));
  const text = (k: keyof FormState) => ({ value: f[k] as string, onChange: (e: { target: { value: string } }) => set(k, e.target.value as never) });
  const api = error instanceof ApiError ? error : null;
  const err = (...names: string[]) => names.map((n) => localErr[n] ?? api?.forField(n)).find(Boolean);
  const sourceFields = f.from === "git" ? ["source", "build_env"] : ["image"];
  const shownFields = [...sourceFields, "name", "kind", "environment", "port", "command", "release_command", "cpu", "memory", "env", "schedule", "domain",
    ...(f.kind === "web" ? ["aliases", "redirect_aliases"] : []),
    "min_instances", "max_instances", "autoscaling", "health_check", "auto_rollback", ...(canaryOn(f) ? ["canary"] : []),
    "architecture", "spot", "env_groups"];
  // the API answers field allowed_ips (its message names the entry: "allowed_ips[1]: …"), or allowed_ips.N
  const ipsApiError = restrictOn(f) ? addressesApiError(api) : undefined;
  // the path's field also takes the health check's errors that have no field of their own (not the
  // interval's or grace period's: those show under their fields)
  const hcOwn = ["health_check.interval_seconds", "health_check.grace_period_seconds"];
  const hcError = err("health_check.path") ?? api?.fields.health_check ??
    Object.entries(api?.fields ?? {}).find(([k]) => k.startsWith("health_check.") && !hcOwn.includes(k))?.[1];
  // scaling: the schedule's errors at the schedule (a PATCH answers field autoscaling, its message
  // naming autoscaling.schedule.N…; a create answers autoscaling.schedule.N.at), the others at the CPU target
  const aboutSchedule = (m: string | undefined) => !!m && /^autoscaling\.schedule\b/.test(m);
  const scheduleErr = localErr["autoscaling.schedule"] ?? api?.forField("autoscaling.schedule") ??
    (aboutSchedule(api?.fields.autoscaling) ? api?.fields.autoscaling : undefined);
  // the queue's: its name at the choice, the rest (messages per task, a PATCH's field autoscaling
  // naming autoscaling.queue…) at the messages per task, shown while a queue is chosen
  const aboutQueue = (m: string | undefined) => !!m && /^autoscaling\.queue\b/.test(m);
  const queueNameErr = api?.forField("autoscaling.queue.name") ??
    (/^autoscaling\.queue\.name\b/.test(api?.fields.autoscaling ?? "") ? api?.fields.autoscaling : undefined);
  const queueErr = localErr["autoscaling.queue.messages_per_task"] ?? api?.forField("autoscaling.queue.messages_per_task") ??
    (api?.fields["autoscaling.queue"] ?? (aboutQueue(api?.fields.autoscaling) && !queueNameErr ? api?.fields.autoscaling : undefined));
  const cpuTargetErr = localErr["autoscaling.cpu_target"] ?? api?.forField("autoscaling.cpu_target") ??
    (aboutSchedule(api?.fields.autoscaling) || (aboutQueue(api?.fields.autoscaling) && queueOn(f)) ? undefined : api?.fields.autoscaling);
  // watch paths: source.paths, or field source with a message about them
  const pathsErr = localErr["source.paths"] ?? api?.forField("source.paths") ??
    (/\bpaths\b/.test(api?.fields.source ?? "") ? api?.fields.source : undefined);
  const sourceErr = localErr.source ?? (pathsErr === api?.fields.source ? undefined : api?.fields.source);
  // Spot: an error about the share or the tasks on regular Fargate at its input (a create answers
  // spot.percent, a PATCH field spot with a message naming it), any other at the switch
  const spotApi = Object.entries(api?.fields ?? {}).filter(([k]) => k === "spot" || k.startsWith("spot."))
    .map(([k, m]) => [spotErrorPart(k, m), m] as const);
  const spotApiErr = (part: "percent" | "on_demand_base" | "spot") => spotApi.find(([p]) => p === part)?.[1];
  const spotPercentErr = localErr["spot.percent"] ?? (f.spot ? spotApiErr("percent") : undefined);
  const spotBaseErr = localErr["spot.on_demand_base"] ?? (spotBaseOn(f) ? spotApiErr("on_demand_base") : undefined);
  const spotErr = [spotApiErr("spot"), !spotBaseOn(f) ? spotApiErr("on_demand_base") : undefined, !f.spot ? spotApiErr("percent") : undefined]
    .find(Boolean);
  const form = useFocusFirstError<HTMLFormElement>(error, Object.keys(localErr).length ? localErr : null);
  const unplaced = api && !shownFields.some((n) => api.forField(n)) && !ipsApiError ? api : !api ? error : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const bad = parseEnv(f.env).bad;
    const badBuild = f.from === "git" ? parseEnv(f.build_env).bad : null;
    const numbers = numberErrors(f);
    const tooMany = restrictOn(f) ? addressCountError(addressList(f.allowed_ips).length) : null;
    const ramp = canaryOn(f) ? rampError(f.canary_ramp, f.canary_percent) : null;
    const aliases = f.kind === "web" ? aliasesError(f) : null;
    const paths = f.from === "git" ? pathsError(f.paths) : null;
    const schedule = scaleOn(f) ? scheduleError(f.scale_at) : null;
    const perTask = queueOn(f) ? messagesPerTaskError(f.queue_messages) : null;
    setLocalErr({ ...numbers, ...(bad ? { env: bad } : {}), ...(badBuild ? { build_env: badBuild } : {}), ...(tooMany ? { allowed_ips: tooMany } : {}),
      ...(ramp ? { "canary.ramp": ramp } : {}), ...(aliases ? { aliases } : {}), ...(paths ? { "source.paths": paths } : {}),
      ...(schedule ? { "autoscaling.schedule": schedule } : {}), ...(perTask ? { "autoscaling.queue.messages_per_task": perTask } : {}) });
    if (!bad && !badBuild && !tooMany && !ramp && !aliases && !paths && !schedule && !perTask && !Object.keys(numbers).length) onSubmit(f);
  };

  return (
    <form ref={form} onSubmit={submit} noValidate className="service-form">
      <fieldset className="bare" disabled={readOnly}>
      <fieldset>
        <legend>Service</legend>
        <Field label="Name" hint="Lower-case letters, digits and hyphens, e.g. web or api-v2." error={err("name")}>
          <input {...text("name")} disabled={editing} required autoComplete="off" />
        </Field>
        <Field label="Kind" error={err("kind")}>
          <select value={f.kind} disabled={editing} onChange={(e) => set("kind", e.target.value as Kind)}>
            <option value="web">Web service (behind the load balancer)</option>
            <option value="worker">Worker (no inbound traffic)</option>
            <option value="cron">Cron job (runs on a schedule)</option>
          </select>
        </Field>
        {!editing && environments && environments.length > 0 && (
          <Field label="Environment" error={err("environment")}>
            <select value={f.environment} onChange={(e) => set("environment", e.target.value)}>
              <option value="">production (default)</option>
              {environments.filter((e) => e.name !== "production").map((e) => <option key={e.id} value={e.name}>{e.name}</option>)}
            </select>
          </Field>
        )}
        {/* a select, not radios: "Image" stays the one control labelled so */}
        <Field label="Deploy from" error={sourceErr}>
          <select value={f.from} onChange={(e) => set("from", e.target.value as SourceMode)}>
            <option value="image">A container image from a registry</option>
            <option value="git">A git repository (built on each deploy)</option>
          </select>
        </Field>
        {f.from === "image" && (
          <Field label="Image" hint="A container image reference, e.g. nginx:1.27." error={err("image")}>
            <input {...text("image")} required autoComplete="off" className="mono" />
          </Field>
        )}
        {f.from === "git" && <SourceFields text={text} err={err} />}
        {f.from === "git" && (
          <ListFields noun="watch path" label="Watch paths" names={f.paths} onChange={(v) => set("paths", v)} error={pathsErr} max={MAX_PATHS}
            placeholder="e.g. services/api/**" mono
            hint={<>Optional, for a repository holding several services: a push to the branch deploys this one only when it changes a file
              matching one of these, e.g. <code>services/api/**</code> and <code>shared</code>. <code>*</code> matches within a folder,{" "}
              <code>**</code> across folders, a folder alone everything below it; relative to the repository&apos;s root, no leading /.
              None: every push deploys it.</>} />
        )}
        {f.kind === "web" && (
          <Field label="Port" hint="The port the container listens on." error={err("port")}>
            <input {...text("port")} inputMode="numeric" />
          </Field>
        )}
        {f.kind !== "web" && (
          <Field label="Command" hint="One argument per line; empty: the image's own command." error={err("command")}>
            <textarea {...text("command")} rows={3} className="mono" />
          </Field>
        )}
        <Field label="Release command" hint="Runs once before each deploy rolls out (migrations), one argument per line; if it fails, the deploy stops and the live release keeps serving. Empty: none." error={err("release_command")}>
          <textarea {...text("release_command")} rows={2} className="mono" />
        </Field>
        {f.kind === "cron" && (
          <Field label="Schedule (UTC)" hint="Cron, e.g. 0 3 * * * (daily at 03:00), @hourly, or rate(15 minutes)." error={err("schedule")}>
            <input {...text("schedule")} className="mono" />
          </Field>
        )}
      </fieldset>

      <fieldset>
        <legend>Size and scaling</legend>
        <div className="row">
          <Field label="CPU" error={err("cpu")}>
            <select value={f.cpu} onChange={(e) => { const cpu = Number(e.target.value); setF((o) => ({ ...o, cpu, memory: fitMemory(cpu, o.memory) })); }}>
              {CPU_CHOICES.map((c) => <option key={c} value={c}>{cpuLabel(c)}</option>)}
            </select>
          </Field>
          <Field label="Memory" hint="The sizes Fargate allows with this CPU." error={err("memory")}>
            <select value={f.memory} onChange={(e) => set("memory", Number(e.target.value))}>
              {memoryChoices(f.cpu).map((m) => <option key={m} value={m}>{memoryLabel(m)}</option>)}
            </select>
          </Field>
        </div>
        {f.kind !== "cron" && (
          <div className="row">
            <Field label="Min instances" error={err("min_instances")}><input {...text("min_instances")} inputMode="numeric" /></Field>
            <Field label="Max instances" error={err("max_instances")}><input {...text("max_instances")} inputMode="numeric" /></Field>
          </div>
        )}
        {f.kind !== "cron" && (
          <>
            <label className="check"><input type="checkbox" checked={f.autoscale} onChange={(e) => set("autoscale", e.target.checked)} /> Scale on CPU</label>
            {!f.autoscale && editing && !!queues?.length && (
              <p className="muted small">Ticked, it can also scale on the backlog of a queue it links ({queues.join(", ")}).</p>
            )}
            {f.autoscale && (
              <>
                <Field label="Target CPU %" hint="Tasks are added and removed between the min and max instances to keep the CPU near this." error={cpuTargetErr}>
                  <input {...text("cpu_target")} inputMode="numeric" />
                </Field>
                {editing && (
                  <QueueScalingFields f={f} set={set} text={text} queues={queues} nameError={queueNameErr} error={queueErr} />
                )}
                <ScheduleFields rows={f.scale_at} onChange={(v) => set("scale_at", v)} error={scheduleErr} />
              </>
            )}
          </>
        )}
      </fieldset>

      <ComputeFields f={f} set={set} text={text} archError={err("architecture")} error={spotErr} percentError={spotPercentErr}
        baseError={spotBaseErr} />

      {f.kind === "web" && (
        <fieldset>
          <legend>Health check and domain</legend>
          <div className="row">
            <Field label="Health check path" error={hcError}><input {...text("hc_path")} className="mono" /></Field>
            <Field label="Interval (s)" error={err("health_check.interval_seconds")}><input {...text("hc_interval")} inputMode="numeric" /></Field>
            <Field label="Grace period (s)" error={err("health_check.grace_period_seconds")}><input {...text("hc_grace")} inputMode="numeric" /></Field>
          </div>
          <Field label="Custom domain" hint="Optional, e.g. shop.example.com; you add its DNS records afterwards." error={err("domain")}>
            <input {...text("domain")} autoComplete="off" />
          </Field>
          <AliasFields names={f.aliases} onChange={(v) => set("aliases", v)} error={err("aliases")} />
          {aliasList(f.aliases).length > 0 && (
            <RedirectAliases checked={f.redirect_aliases} onChange={(v) => set("redirect_aliases", v)} error={err("redirect_aliases")} />
          )}
        </fieldset>
      )}

      {f.kind === "web" && <CanaryFields f={f} set={set} text={text} err={err} fields={api?.fields} />}

      {f.kind === "web" && (
        <AccessFields f={f} set={set} text={text} error={localErr.allowed_ips ?? ipsApiError}
          // a new service with no environment picked goes to production
          inherited={environments?.find((e) => e.name === (f.environment || "production")) ?? null} />
      )}

      {f.kind !== "cron" && (
        <fieldset>
          <legend>Roll back on alerts</legend>
          <label className="check">
            <input type="checkbox" checked={f.rollback} onChange={(e) => set("rollback", e.target.checked)} /> Roll a new release back
            by itself when one of these alerts opens soon after it went live
          </label>
          {f.rollback && (
            <>
              <Field label="Within (minutes)" hint="How long after going live an alert rolls a release back; later it is only an alert." error={err("auto_rollback", "auto_rollback.window_minutes", "auto_rollback.rules")}>
                <input {...text("rollback_window")} inputMode="numeric" />
              </Field>
              <div role="group" aria-label="Alerts that roll back" className="checks">
                {ALERT_RULES.filter((r) => f.kind === "web" || !WEB_ONLY.includes(r)).map((r) => (
                  <label key={r} className="check">
                    <input type="checkbox" checked={f.rollback_rules.includes(r)}
                      onChange={(e) => set("rollback_rules", e.target.checked ? [...f.rollback_rules, r] : f.rollback_rules.filter((x) => x !== r))} /> {RULE_WORDS[r]}
                  </label>
                ))}
              </div>
            </>
          )}
        </fieldset>
      )}

      <fieldset>
        <legend>Environment variables</legend>
        {(envGroups !== undefined || f.env_groups.length > 0) && (
          <EnvGroupsField names={f.env_groups} choices={envGroups} onChange={(v) => set("env_groups", v)} error={err("env_groups")} />
        )}
        <Field label="Variables" hint="One KEY=value per line. Use secrets for passwords and keys." error={err("env")}>
          <textarea {...text("env")} rows={4} className="mono" spellCheck={false} />
        </Field>
      </fieldset>

      {f.from === "git" && (
        <fieldset>
          <legend>Build arguments</legend>
          <Field label="Build args" hint="One KEY=value per line, passed as --build-arg; build time only, never given to the running service." error={err("build_env")}>
            <textarea {...text("build_env")} rows={3} className="mono" spellCheck={false} />
          </Field>
        </fieldset>
      )}

      </fieldset>
      <FormError error={unplaced} />
      {!readOnly && <button className="primary" disabled={pending}>{pending ? "Saving…" : submitLabel}</button>}
    </form>
  );
}

type TextProps = (k: keyof FormState) => { value: string; onChange: (e: { target: { value: string } }) => void };

/** Where the tasks run: x86_64 or arm64 (AWS Graviton), and Fargate Spot (the share of the tasks on
 * Spot, and how many always run on regular Fargate first); a web service with none on regular
 * Fargate is warned that a reclaim can leave nothing answering for a moment. */
function ComputeFields({ f, set, text, archError, error, percentError, baseError }: {
  f: FormState; set: <K extends "architecture" | "spot">(k: K, v: FormState[K]) => void; text: TextProps;
  archError: string | undefined; error: string | undefined; percentError: string | undefined; baseError: string | undefined;
}) {
  const id = useId();
  const spot = spotOf(f);
  const archDescribed = [`${id}-arch-hint`, archError ? `${id}-arch-err` : ""].filter(Boolean).join(" ");
  const spotDescribed = [`${id}-spot-hint`, error ? `${id}-spot-err` : ""].filter(Boolean).join(" ");
  return (
    <fieldset>
      <legend>Compute</legend>
      <div className={"field" + (archError ? " field-error" : "")} role="radiogroup" aria-labelledby={`${id}-arch`} aria-describedby={archDescribed}>
        <span id={`${id}-arch`} className="field-label">Architecture</span>
        <label className="check">
          <input type="radio" name={`${id}-arch`} value="x86_64" checked={f.architecture === "x86_64"} onChange={() => set("architecture", "x86_64")}
            aria-invalid={archError ? true : undefined} /> x86_64 (Intel or AMD; the default)
        </label>
        <label className="check">
          <input type="radio" name={`${id}-arch`} value="arm64" checked={f.architecture === "arm64"} onChange={() => set("architecture", "arm64")}
            aria-invalid={archError ? true : undefined} /> arm64 (AWS Graviton, about 20 % cheaper for the same CPU and memory)
        </label>
        <small id={`${id}-arch-hint`} className="hint">
          {f.from === "git"
            ? "The image is built for it from the repository on each deploy; its base images need a variant for it."
            : <>The image must be built for it (for arm64, a <span className="mono">linux/arm64</span> variant, e.g. <span className="mono">docker buildx build --platform linux/arm64</span>), or its tasks fail to start.</>}{" "}
          Applies with the next deploy.
        </small>
        {archError && <small id={`${id}-arch-err`} className="error" role="alert">{archError}</small>}
      </div>
      <div className={"field" + (error ? " field-error" : "")}>
        <label className="check">
          <input type="checkbox" checked={f.spot} onChange={(e) => set("spot", e.target.checked)} aria-describedby={spotDescribed}
            aria-invalid={error ? true : undefined} /> Run on Fargate Spot
        </label>
        <small id={`${id}-spot-hint`} className="hint">
          Spare AWS capacity, up to 70 % cheaper: AWS may stop a task with two minutes&apos; notice (it gets SIGTERM) and ECS starts
          another. Release commands always run on regular Fargate. Applies with the next deploy.
        </small>
        {error && <small id={`${id}-spot-err`} className="error" role="alert">{error}</small>}
      </div>
      {f.spot && (
        <div className="row">
          <Field label="Share on Spot (%)" error={percentError}
            hint={f.kind === "cron"
              ? `${SPOT_PERCENT.min} to ${SPOT_PERCENT.max}: how the runs' tasks are shared between Spot and regular Fargate.`
              : `${SPOT_PERCENT.min} to ${SPOT_PERCENT.max}: of the tasks above those always on regular Fargate; the others run on regular Fargate.`}>
            <input {...text("spot_percent")} inputMode="numeric" autoComplete="off" />
          </Field>
          {f.kind !== "cron" && (
            <Field label="Always on regular Fargate (tasks)" error={baseError}
              hint={`${SPOT_BASE.min} or more, below the max instances: these tasks are placed first and never on Spot.`}>
              <input {...text("spot_base")} inputMode="numeric" autoComplete="off" />
            </Field>
          )}
        </div>
      )}
      {spotLeavesNoneAnswering(f.kind, spot) && (
        <p className="compute-warning" data-testid="spot-warning">
          <strong>Warning:</strong> with no task always on regular Fargate, a Spot reclaim can briefly leave no task answering (until
          ECS has started another). 1 keeps one answering.
        </p>
      )}
      <p className="muted small" data-testid="compute-words">Runs on {computeSummary({ architecture: f.architecture, spot })}.</p>
    </fieldset>
  );
}

/** A web service's canary releases: ticked, each new release first answers a share of the traffic
 * for some minutes, and rolls back if too many of its answers are 5xx. */
function CanaryFields({ f, set, text, err, fields }: {
  f: FormState; set: (k: "canary" | "canary_baseline", v: boolean) => void; text: TextProps;
  err: (...names: string[]) => string | undefined; fields: Record<string, string> | undefined;
}) {
  const hintId = useId();
  const baselineId = useId();
  return (
    <fieldset>
      <legend>Canary releases</legend>
      <label className="check">
        <input type="checkbox" checked={f.canary} onChange={(e) => set("canary", e.target.checked)} aria-describedby={hintId} /> Send a
        share of the traffic to each new release first
      </label>
      <p id={hintId} className="muted small">
        The first release takes all the traffic. After that, a new release first answers this share of the requests while the live
        one answers the rest; if it answers more 5xx (or slower) than allowed, it is rolled back before the rest of the traffic sees it.
        Rollbacks, restarts and resumes roll out as usual.
      </p>
      {f.canary && (
        <div className="row">
          {/* an error on the setting as a whole (no field of its own) shows under the first field */}
          <Field label="Share of traffic (%)" hint="1 to 50." error={err("canary.percent") ?? fields?.canary}>
            <input {...text("canary_percent")} inputMode="numeric" />
          </Field>
          <Field label="Watch for (minutes)" hint="1 to 60; Proceed on the deployment ends it early." error={err("canary.minutes")}>
            <input {...text("canary_minutes")} inputMode="numeric" />
          </Field>
          <Field label="Roll back above (% 5xx)" error={err("canary.max_5xx_percent")}
            hint={f.canary_baseline
              ? "Points above the live release's own 5xx share, 0 to 100; judged once 20 requests reached the new release."
              : "Of the new release's answers, 0 to 100; judged once 20 requests reached it."}>
            <input {...text("canary_max_5xx")} inputMode="decimal" />
          </Field>
          <Field label="Roll back above p95 (ms)" hint="Optional: the new release's 95th percentile response time, 1 to 60,000; empty: latency is not judged." error={err("canary.max_p95_ms")}>
            <input {...text("canary_p95")} inputMode="numeric" />
          </Field>
        </div>
      )}
      {f.canary && (
        <>
          <label className="check">
            <input type="checkbox" checked={f.canary_baseline} onChange={(e) => set("canary_baseline", e.target.checked)}
              aria-describedby={baselineId} /> Judge errors against the live release
          </label>
          <p id={baselineId} className="muted small">
            The 5xx limit then counts points above the live release's own 5xx share over the same minutes, so errors both releases
            answer (a flaky dependency) do not roll the new one back: with {baselineExample(f.canary_max_5xx)}. While the live release
            has fewer than 20 requests in those minutes, the limit alone is judged.
          </p>
        </>
      )}
      {f.canary && (
        <Field label="Then ramp to (%)" error={err("canary.ramp")}
          hint={`Optional: up to ${MAX_RAMP} larger shares, comma-separated, each above the one before and at most 50 (e.g. 25, 50: ${rampExample(f.canary_percent)}, then every task). Each is watched as long, with the same limits. Empty: one share, then every task.`}>
          <input {...text("canary_ramp")} inputMode="numeric" autoComplete="off" placeholder="e.g. 25, 50" />
        </Field>
      )}
    </fieldset>
  );
}

/** "a limit of 2 and a live release answering 1.5 % 5xx, the new one rolls back above 3.5 %", from the limit typed (2 when not a number). */
const baselineExample = (limit: string) => {
  const n = /^\d+(\.\d+)?$/.test(limit.trim()) ? Number(limit) : 2;
  return `a limit of ${n} and a live release answering 1.5 % 5xx, the new one rolls back above ${Math.round((n + 1.5) * 10) / 10} %`;
};

/** "10 % → 25 % → 50 %" for the ramp's example, from the first share typed (10 when it is not a number below 25). */
const rampExample = (first: string) => {
  const p = /^\d+$/.test(first.trim()) && Number(first) < 25 ? Number(first) : 10;
  return `${p} % → 25 % → 50 %`;
};

/** A web service's aliases: up to 4 more host names beside its custom domain, one input each, added
 * and removed by buttons; an error (the API's 422 or 409, or what is caught before sending) under them. */
function AliasFields({ names, onChange, error }: { names: string[]; onChange: (v: string[]) => void; error: string | undefined }) {
  return (
    <ListFields noun="alias" label="Aliases" names={names} onChange={onChange} error={error} max={MAX_ALIASES} placeholder="e.g. www.shop.example.com"
      hint={<>Optional: up to {MAX_ALIASES} more host names it answers on beside the custom domain, e.g. www.shop.example.com. Each gets its own
        TXT record to verify (on the Domain tab) and its own certificate.</>} />
  );
}

/** A list of short texts, one input each, added and removed by buttons ("Alias 1", "Remove alias 1
 * (www…)", "Add an alias"); a new row takes the focus; an error under them all. */
function ListFields({ noun, label, names, onChange, error, max, placeholder, hint, mono }: {
  noun: string; label: string; names: string[]; onChange: (v: string[]) => void; error: string | undefined; max: number;
  placeholder: string; hint: ReactNode; mono?: boolean;
}) {
  const id = useId();
  const group = useRef<HTMLDivElement>(null);
  const added = useRef(false);
  useEffect(() => {   // a row added: its input takes the focus
    if (!added.current) return;
    added.current = false;
    [...(group.current?.querySelectorAll<HTMLInputElement>(".alias-row input") ?? [])].at(-1)?.focus();
  }, [names.length]);
  const described = [`${id}-hint`, error ? `${id}-err` : ""].filter(Boolean).join(" ");
  const Noun = noun[0]!.toUpperCase() + noun.slice(1);
  const article = /^[aeiou]/.test(noun) ? "an" : "a";
  return (
    <div ref={group} className={"field aliases" + (error ? " field-error" : "")} role="group" aria-labelledby={`${id}-label`} aria-describedby={described}>
      <span id={`${id}-label`} className="field-label">{label}</span>
      {names.map((name, i) => (
        <div key={i} className="alias-row">
          <input value={name} aria-label={`${Noun} ${i + 1}`} autoComplete="off" spellCheck={false} placeholder={placeholder}
            className={mono ? "mono" : undefined} autoCapitalize="off"
            aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-err` : undefined}
            onChange={(e) => onChange(names.map((n, k) => (k === i ? e.target.value : n)))} />
          <button type="button" className="link" aria-label={`Remove ${noun} ${i + 1}${name.trim() ? ` (${name.trim()})` : ""}`}
            onClick={() => onChange(names.filter((_, k) => k !== i))}>Remove</button>
        </div>
      ))}
      {names.length < max && (
        <div><button type="button" className="link" onClick={() => { added.current = true; onChange([...names, ""]); }}>Add {article} {noun}</button></div>
      )}
      <small id={`${id}-hint`} className="hint">{hint}</small>
      {error && <small id={`${id}-err`} className="error" role="alert">{error}</small>}
    </div>
  );
}

/** A web service's aliases answer a 301 to its domain instead of serving it (shown once it has an alias). */
function RedirectAliases({ checked, onChange, error }: { checked: boolean; onChange: (v: boolean) => void; error: string | undefined }) {
  const id = useId();
  return (
    <div className={"field" + (error ? " field-error" : "")}>
      <label className="check">
        <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)}
          aria-describedby={[`${id}-hint`, error ? `${id}-err` : ""].filter(Boolean).join(" ")} aria-invalid={error ? true : undefined} /> Redirect
        the aliases to the domain
      </label>
      <small id={`${id}-hint`} className="hint">
        Each alias then answers a 301 to the custom domain, keeping the path and query (to https:// once the domain is served over
        HTTPS), instead of serving the service itself: one address for search engines and cookies. Applies with the next deploy.
      </small>
      {error && <small id={`${id}-err`} className="error" role="alert">{error}</small>}
    </div>
  );
}

/** Scheduled scaling: rows of (cron, min, max, time zone), added and removed by buttons; at each
 * row's time the range of tasks becomes the row's, and CPU scaling works within it. */
function ScheduleFields({ rows, onChange, error }: { rows: ScaleRow[]; onChange: (v: ScaleRow[]) => void; error: string | undefined }) {
  const id = useId();
  const zoneList = useId();
  const [zones] = useState(zoneNames);
  const group = useRef<HTMLDivElement>(null);
  const added = useRef(false);
  useEffect(() => {   // a row added: its cron takes the focus
    if (!added.current) return;
    added.current = false;
    [...(group.current?.querySelectorAll<HTMLInputElement>(".scale-row input.cron") ?? [])].at(-1)?.focus();
  }, [rows.length]);
  const edit = (i: number, part: keyof ScaleRow, v: string) => onChange(rows.map((r, k) => (k === i ? { ...r, [part]: v } : r)));
  const cron = { autoComplete: "off", autoCapitalize: "off", spellCheck: false };
  const invalid = error ? { "aria-invalid": true as const, "aria-describedby": `${id}-err` } : {};
  return (
    <div ref={group} className={"field schedule" + (error ? " field-error" : "")} role="group" aria-labelledby={`${id}-label`} aria-describedby={`${id}-hint`}>
      <span id={`${id}-label`} className="field-label">Scheduled scaling</span>
      <small id={`${id}-hint`} className="hint">
        Optional: at each time (five cron fields in its time zone) the range of tasks becomes the row&apos;s, until the next row&apos;s
        time; before the first fires, the min and max instances above apply. E.g. <code>0 8 * * 1-5</code> → 4..10 and{" "}
        <code>0 20 * * 1-5</code> → 1..4: more tasks on weekdays&apos; working hours. Up to {MAX_SCHEDULE}; applies with the next deploy.
      </small>
      {rows.map((r, i) => {
        const words = r.at.trim() ? whenWords(r.at) : "";
        return (
          <div key={i} className="scale-row" role="group" aria-label={`Scheduled range ${i + 1}`}>
            <label>At (cron)
              <input className="mono cron" value={r.at} placeholder="0 8 * * 1-5" {...cron} {...invalid} onChange={(e) => edit(i, "at", e.target.value)} />
            </label>
            <label>Min
              <input value={r.min} inputMode="numeric" {...invalid} onChange={(e) => edit(i, "min", e.target.value)} />
            </label>
            <label>Max
              <input value={r.max} inputMode="numeric" {...invalid} onChange={(e) => edit(i, "max", e.target.value)} />
            </label>
            <label>Time zone
              <input value={r.timezone} list={zoneList} {...cron} onChange={(e) => edit(i, "timezone", e.target.value)} />
            </label>
            <button type="button" className="link" aria-label={`Remove scheduled range ${i + 1}${r.at.trim() ? ` (${r.at.trim()})` : ""}`}
              onClick={() => onChange(rows.filter((_, k) => k !== i))}>Remove</button>
            {words && words !== r.at.trim() && <small className="hint when">= {words}</small>}
          </div>
        );
      })}
      {rows.length < MAX_SCHEDULE && (
        <div><button type="button" className="link" onClick={() => { added.current = true; onChange([...rows, { at: "", min: "", max: "", timezone: browserZone() }]); }}>
          Add a scheduled range
        </button></div>
      )}
      <datalist id={zoneList}>{zones.map((z) => <option key={z} value={z} />)}</datalist>
      {error && <small id={`${id}-err`} className="error" role="alert">{error}</small>}
    </div>
  );
}

/** Scaling on a linked queue's backlog (editing only: a new service links nothing yet): one of the
 * queues it links, or none; then how many waiting messages one task should have. A queue set but no
 * longer linked stays offered, marked, and its hint says the deploy fails until it is linked again. */
function QueueScalingFields({ f, set, text, queues, nameError, error }: {
  f: FormState; set: (k: "scale_queue", v: string) => void; text: TextProps; queues: string[] | undefined;
  nameError: string | undefined; error: string | undefined;
}) {
  const choices = queueChoices(queues, f.scale_queue);
  const unlinked = !!queues && !!f.scale_queue && !queues.includes(f.scale_queue);
  if (!choices.length) {
    return queues ? (
      <p className="muted small" data-testid="no-queue-to-scale-on">
        To scale on a queue&apos;s backlog too (a worker taking jobs from a queue), link the queue on the Resources tab first.
      </p>
    ) : null;
  }
  return (
    <div className="row">
      <Field label="Scale on a queue's backlog" error={nameError}
        hint={unlinked
          ? `The service no longer links ${f.scale_queue}: its next deploy fails until it links it again, or choose another (or none).`
          : "A queue the service links: tasks are added while more messages wait than the tasks keep up with, and removed when they are idle; with the CPU target above, whichever asks for more tasks wins (between the min and max instances)."}>
        <select value={f.scale_queue} onChange={(e) => set("scale_queue", e.target.value)}>
          <option value="">None: CPU (and the schedule) only</option>
          {choices.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
        </select>
      </Field>
      {f.scale_queue && (
        <Field label="Messages per task" error={error}
          hint={`The backlog one task should have: how many messages it works through in the time you accept a message waiting (e.g. 10 a second × 30 s = 300); ${MESSAGES_PER_TASK[0]} to ${MESSAGES_PER_TASK[1].toLocaleString("en")}.`}>
          <input {...text("queue_messages")} inputMode="numeric" autoComplete="off" />
        </Field>
      )}
    </div>
  );
}

/** Who reaches a web service through its load balancer: everyone, or (ticked) the clients from up
 * to 4 addresses or CIDR blocks; the others get the load balancer's 404. */
function AccessFields({ f, set, text, error, inherited }: {
  f: FormState; set: (k: "restrict", v: boolean) => void; text: TextProps; error: string | undefined;
  /** the service's environment: a web service with no list of its own answers only its `allowed_ips` */
  inherited: Environment | null;
}) {
  const hintId = useId();
  const envIps = addressWords(inherited?.allowed_ips);
  return (
    <fieldset>
      <legend>Who can reach it</legend>
      <label className="check">
        <input type="checkbox" checked={f.restrict} onChange={(e) => set("restrict", e.target.checked)} aria-describedby={hintId} /> Only
        these addresses
      </label>
      <p id={hintId} className="muted small">
        {envIps
          ? <>Unticked: the clients its environment ({inherited!.name}) allows, <span className="mono" data-testid="inherited-ips">{envIps}</span>{" "}
              (set on the project's environments); ticked, its own list replaces that one.</>
          : "Unticked: everyone."}{" "}
        Others get a 404 from the load balancer. Applies with the next deploy.
      </p>
      {f.restrict && (
        <Field label="Addresses" hint={ADDRESSES_HINT} error={error}>
          <textarea {...text("allowed_ips")} rows={4} className="mono" spellCheck={false} autoComplete="off" />
        </Field>
      )}
    </fieldset>
  );
}

/** The repository to build from: owner/name, the branch whose head each deploy builds, the Dockerfile and context. */
function SourceFields({ text, err }: { text: TextProps; err: (...names: string[]) => string | undefined }) {
  return (
    <>
      <Field label="Repository" hint="owner/name on GitHub, e.g. acme/shop." error={err("source.repo")}>
        <input {...text("repo")} autoComplete="off" className="mono" placeholder="owner/name" />
      </Field>
      <div className="row">
        <Field label="Branch" hint="Each deploy builds its head (a push names the commit)." error={err("source.branch")}>
          <input {...text("branch")} autoComplete="off" className="mono" />
        </Field>
        <Field label="Dockerfile path" error={err("source.dockerfile")}>
          <input {...text("dockerfile")} autoComplete="off" className="mono" />
        </Field>
        <Field label="Build context" hint="A directory of the repository." error={err("source.context")}>
          <input {...text("context")} autoComplete="off" className="mono" />
        </Field>
      </div>
    </>
  );
}
