// Managed resources: what each kind offers (the same table as chalicelib/resources/kinds.py
// KINDS, STORAGE_GB, BACKUP_DAYS, a queue's limits and defaults, PRODUCTION_NAMES, and a volume's mount path rule from
// chalicelib/resources/models.py mount_path_problem: keep them in step), the response bodies
// (the OpenAPI document does not describe them yet) and the form logic, kept free of React
// so it is tested on its own.
import type { components } from "../api/schema";

export type ResourceIn = components["schemas"]["ResourceIn"];
export type ResourcePatch = components["schemas"]["ResourcePatch"];
export type ResourceKind = ResourceIn["kind"];
export type ResourceStatus = "creating" | "available" | "modifying" | "deleting" | "failed";

/** GET …/resources/{res} (chalicelib/resources/service.py public(): never the credential). */
export interface Resource {
  id: string; org_id: string; project_id: string; environment_id: string; environment: string;
  name: string; kind: ResourceKind; size: string | null; version: string | null; storage_gb: number | null;
  backup_retention_days: number | null; deletion_protection: boolean; status: ResourceStatus;
  reason: string | null; last_error: string | null; variable: string; created: string; updated: string;
  endpoint: { address: string; port: number | null } | null;
  /** a volume: the bytes it holds, as EFS last metered them (the worker reads them hourly); null or
   * absent until first measured, and for the other kinds */
  used_bytes?: number | null;
  /** the environment's AWS account and region, fixed at creation */
  where?: { account: string | null; region: string | null } | null;
  /** a queue (absent for the other kinds): first in, first out (fixed at creation); how long a
   * received message stays hidden from other consumers; how long an unreceived one is kept; after
   * how many receives it moves to the dead-letter queue, and that queue's URL (null until made).
   * Its `endpoint.address` is the queue's URL. */
  fifo?: boolean | null;
  visibility_timeout_seconds?: number | null;
  retention_days?: number | null;
  max_receives?: number | null;
  dead_letter_queue?: string | null;
  /** a database restored to a point in time (chalicelib/resources/restore.py): from which, to when
   * (null: the latest restorable time when asked), and whether the source's links move to it once
   * it is available; absent for any other resource */
  restored_from?: RestoredFrom | null;
  /** a log drain (absent for the other kinds; chalicelib/resources/drains.py): where it sends, the
   * effective URL, whether a key is set (the key itself is never returned), the services it is set
   * to take (null: every service of the environment, those deployed later too), the deployed
   * services whose logs it takes now, and the bucket keeping what Firehose failed to deliver.
   * Its `endpoint` is null and its `variable` "". */
  destination?: DrainDestination | null;
  url?: string | null;
  access_key_set?: boolean | null;
  services?: string[] | null;
  /** a CloudWatch Logs filter pattern: only the lines it matches go ("": every line) */
  filter_pattern?: string | null;
  taking?: string[] | null;
  failed_deliveries_bucket?: string | null;
}

/** Where a restored database came from (its source stays until someone deletes it). */
export interface RestoredFrom { resource_id: string; name: string; to: string | null; switch_links: boolean }

/** A move of a queue's dead letters back to it (chalicelib/resources/queues.py): `moved` so far,
 * `left` in the dead-letter queue (approximately), who asked and when; `finished` once done,
 * `error` when it failed. */
export interface Redrive {
  status: "moving" | "done" | "failed"; moved: number; left: number; requested: string; by: string;
  finished?: string; error?: string;
}

/** GET …/resources/{res}/messages: SQS's approximate counts now, and the last redrive (null: none yet).
 * `dead` is null when the dead-letter queue cannot be found. */
export interface QueueMessages {
  visible: number; in_flight: number; delayed: number; dead: number | null; redrive: Redrive | null;
}

/** GET …/services/{svc}/links items: `path` for a volume (where it is mounted), `read_only` for a
 * volume or a bucket (left out when the link never said; a bucket is then read and write),
 * `send_only` for a queue (its tasks may send only: a web service handing work to a worker). */
export interface ResourceLink {
  resource_id: string; resource: string | null; kind: ResourceKind | null; variable: string;
  status: ResourceStatus | null; created: string; path?: string; read_only?: boolean; send_only?: boolean;
}

export type LinkIn = components["schemas"]["LinkIn"];

interface KindInfo {
  label: string;
  icon: string;        // a short mark shown before the name (no icon font: the budget)
  versions: string[];  // newest first
  defaultVersion: string | null;
  sizes: string[];     // small to large
  sizeLabel: string;
  storage: boolean;
  backups: boolean;     // a retention setting (and a final snapshot when deleted)
  variable: string;     // a volume's is `<NAME>_PATH`: variableFor() says which
  mounted: boolean;     // a volume: mounted at a link's path, not reached by a connection
  readOnlyLinks: boolean;   // a link may be read-only (a volume mounted so; a bucket its tasks only read)
  queue?: boolean;      // a queue: its own settings (FIFO, timings), send-only links, messages and dead letters
  drain?: boolean;      // a log drain: a destination, URL, key and services; never linked, holds no data
  about?: string;       // one line on what it is, in the add form
}

const DB_SIZES = ["db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.t4g.large", "db.m7g.large", "db.m7g.xlarge",
  "db.r7g.large", "db.r7g.xlarge"];

export const KINDS: Record<ResourceKind, KindInfo> = {
  postgres: { label: "PostgreSQL", icon: "PG", versions: ["17", "16", "15", "14"], defaultVersion: "16", sizes: DB_SIZES,
    sizeLabel: "Instance class", storage: true, backups: true, variable: "DATABASE_URL", mounted: false, readOnlyLinks: false },
  mysql: { label: "MySQL", icon: "My", versions: ["8.4", "8.0"], defaultVersion: "8.0", sizes: DB_SIZES,
    sizeLabel: "Instance class", storage: true, backups: true, variable: "DATABASE_URL", mounted: false, readOnlyLinks: false },
  redis: { label: "Redis", icon: "Rd", versions: ["7.1", "6.2"], defaultVersion: "7.1",
    sizes: ["cache.t4g.micro", "cache.t4g.small", "cache.t4g.medium", "cache.m7g.large", "cache.r7g.large"],
    sizeLabel: "Node type", storage: false, backups: true, variable: "REDIS_URL", mounted: false, readOnlyLinks: false },
  bucket: { label: "S3 bucket", icon: "S3", versions: [], defaultVersion: null, sizes: [], sizeLabel: "",
    storage: false, backups: false, variable: "S3_BUCKET", mounted: false, readOnlyLinks: true },
  volume: { label: "Volume (EFS)", icon: "FS", versions: [], defaultVersion: null, sizes: [], sizeLabel: "",
    storage: false, backups: false, variable: "<NAME>_PATH", mounted: true, readOnlyLinks: true,
    about: "Files shared by every task of the services that mount it: encrypted, backed up daily by AWS Backup and kept 35 days. It has no size to choose: it grows with its files, and what it holds is measured every hour." },
  queue: { label: "Queue (SQS)", icon: "Q", versions: [], defaultVersion: null, sizes: [], sizeLabel: "",
    storage: false, backups: false, variable: "<NAME>_QUEUE_URL", mounted: false, readOnlyLinks: false, queue: true,
    about: "Messages a service hands to a worker: encrypted, with a dead-letter queue that keeps a message received too many times without being deleted, for 14 days." },
  log_drain: { label: "Log drain", icon: "LD", versions: [], defaultVersion: null, sizes: [], sizeLabel: "",
    storage: false, backups: false, variable: "", mounted: false, readOnlyLinks: false, drain: true,
    about: "Sends the logs of the environment's services (all, or those you name) to Datadog, New Relic or an HTTPS endpoint, through Amazon Data Firehose." },
};
export const KIND_NAMES = Object.keys(KINDS) as ResourceKind[];

/** The variable a link gives by default: the kind's, or `<NAME>_PATH` for a volume (uploads -> UPLOADS_PATH),
 * `<NAME>_QUEUE_URL` for a queue (jobs -> JOBS_QUEUE_URL). */
export const variableFor = (kind: ResourceKind, name: string) =>
  KINDS[kind].variable.replace("<NAME>", name.toUpperCase().replace(/-/g, "_"));
export const STORAGE_GB = [20, 16384] as const;
export const BACKUP_DAYS = [0, 35] as const;
export const DEFAULT_STORAGE = 20;
export const DEFAULT_BACKUPS = 7;
/** A queue's limits (AWS's) and defaults: how long a received message stays hidden (seconds), how
 * long an unreceived one is kept (days), after how many receives it goes to the dead-letter queue. */
export const VISIBILITY_SECONDS = [0, 43200] as const;
export const RETENTION_DAYS = [1, 14] as const;
export const MAX_RECEIVES = [1, 1000] as const;
export const QUEUE_DEFAULTS = { visibility_timeout_seconds: 60, retention_days: 4, max_receives: 5 } as const;
const PRODUCTION_NAMES = new Set(["production", "prod"]);

export const BUSY: ReadonlySet<string> = new Set(["creating", "modifying", "deleting"]);
export const isBusy = (status: string | null | undefined) => !!status && BUSY.has(status);

/** A queue's three timings as the inputs hold them (the add and the change forms). */
export interface QueueTimings { visibility: string; retention: string; receives: string }

/** The add form's state: strings as the inputs hold them. */
export interface ResourceForm extends QueueTimings, DrainFields {
  name: string; kind: ResourceKind; environment: string; size: string; version: string;
  storage: string; backups: string; protection: boolean; fifo: boolean; destination: DrainDestination;
}

/** Production environments protect their resources by default (as the API does). */
export const protectedByDefault = (environment: string) => PRODUCTION_NAMES.has(environment);

export function emptyForm(environment = "production", kind: ResourceKind = "postgres"): ResourceForm {
  const k = KINDS[kind];
  return {
    name: "", kind, environment, size: k.sizes[0] ?? "", version: k.defaultVersion ?? "",
    storage: String(DEFAULT_STORAGE), backups: String(DEFAULT_BACKUPS), protection: protectedByDefault(environment),
    fifo: false, visibility: String(QUEUE_DEFAULTS.visibility_timeout_seconds), retention: String(QUEUE_DEFAULTS.retention_days),
    receives: String(QUEUE_DEFAULTS.max_receives),
    destination: "datadog", url: DESTINATIONS.datadog.intakes[0]![0], key: "", allServices: true, services: [], filter: "",
  };
}

/** A new kind resets the kind's own choices (a node type is no instance class); name, environment and protection stay. */
export function withKind(form: ResourceForm, kind: ResourceKind): ResourceForm {
  const fresh = emptyForm(form.environment, kind);
  return { ...fresh, name: form.name, protection: form.protection };
}

/** Changing environment follows its default protection, as the API would. */
export function withEnvironment(form: ResourceForm, environment: string): ResourceForm {
  return { ...form, environment, protection: protectedByDefault(environment) };
}

// A number as typed; a blank input is left out of the body (the API's default then).
const num = (s: string) => (s.trim() === "" ? NaN : Number(s));
const given = (s: string) => !Number.isNaN(num(s));

/** POST body: only the fields the kind has (the API refuses the others with a 422). */
export function createBody(form: ResourceForm): ResourceIn {
  const k = KINDS[form.kind];
  const body: ResourceIn = { name: form.name.trim(), kind: form.kind, environment: form.environment };
  if (form.kind !== "bucket") body.deletion_protection = form.protection;   // a bucket's form is its name only
  if (k.sizes.length) body.size = form.size;
  if (k.versions.length) body.version = form.version;
  if (k.storage && given(form.storage)) body.storage_gb = num(form.storage);
  if (k.backups && given(form.backups)) body.backup_retention_days = num(form.backups);
  if (k.drain) {
    delete body.deletion_protection;   // a drain holds no data: the API's default (off)
    body.destination = form.destination;
    body.url = form.url.trim();
    if (form.key) body.access_key = form.key;
    if (!form.allServices) body.services = form.services;
    if (form.filter.trim()) body.filter_pattern = form.filter.trim();
    return body;
  }
  if (k.queue) {
    body.fifo = form.fifo;
    if (given(form.visibility)) body.visibility_timeout_seconds = num(form.visibility);
    if (given(form.retention)) body.retention_days = num(form.retention);
    if (given(form.receives)) body.max_receives = num(form.receives);
  }
  return body;
}

// --- log drains (chalicelib/resources/drains.py DESTINATIONS) ------------------------------

export type DrainDestination = "datadog" | "newrelic" | "http";

interface DestinationInfo {
  title: string;
  /** the vendor's Firehose intakes, [url, site], the API's default first; none: any https URL */
  intakes: [string, string][];
  keyRequired: boolean;
  keyLabel: string;
  keyHint: string;
}

export const DESTINATIONS: Record<DrainDestination, DestinationInfo> = {
  datadog: {
    title: "Datadog",
    intakes: [
      ["https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input", "US1 (datadoghq.com)"],
      ["https://aws-kinesis-http-intake.logs.us3.datadoghq.com/v1/input", "US3 (us3.datadoghq.com)"],
      ["https://aws-kinesis-http-intake.logs.us5.datadoghq.com/v1/input", "US5 (us5.datadoghq.com)"],
      ["https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input", "EU (datadoghq.eu)"],
      ["https://aws-kinesis-http-intake.logs.ap1.datadoghq.com/v1/input", "AP1 (ap1.datadoghq.com)"],
    ],
    keyRequired: true, keyLabel: "Datadog API key",
    keyHint: "An API key of your Datadog organization (Organization Settings → API Keys).",
  },
  newrelic: {
    title: "New Relic",
    intakes: [["https://aws-api.newrelic.com/firehose/v1", "US"], ["https://aws-api.eu.newrelic.com/firehose/v1", "EU"]],
    keyRequired: true, keyLabel: "New Relic license key",
    keyHint: "The ingest license key of your New Relic account.",
  },
  http: {
    title: "HTTPS endpoint", intakes: [], keyRequired: false, keyLabel: "Access key (optional)",
    keyHint: "Sent with each batch as the X-Amz-Firehose-Access-Key header, for your receiver to check.",
  },
};
export const DESTINATION_NAMES = Object.keys(DESTINATIONS) as DrainDestination[];

/** A drain's settings as the inputs hold them (the add and the change forms): the URL (an intake
 * chosen, or typed for http), the key typed (never shown back), every service or the ones ticked,
 * and the filter pattern ("": every line). */
export interface DrainFields { url: string; key: string; allServices: boolean; services: string[]; filter: string }

/** A new destination offers its own intakes, the default chosen (http: a URL to type); the key typed goes. */
export function withDestination<F extends DrainFields & { destination: DrainDestination }>(form: F, destination: DrainDestination): F {
  return { ...form, destination, url: DESTINATIONS[destination].intakes[0]?.[0] ?? "", key: "" };
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Why Firehose could not deliver to `url` (null: it may): an https URL; plain http only to this
 * machine (the API takes it in local mode only, where the sandbox delivers from here). */
export function drainUrlProblem(url: string): string | null {
  const typed = url.trim();
  if (!typed) return "the URL of your receiver (https://…)";
  let parsed: URL;
  try { parsed = new URL(typed); } catch { return "a whole URL, e.g. https://logs.example.com/firehose"; }
  if (parsed.protocol === "https:") return null;
  if (parsed.protocol === "http:" && LOOPBACK.has(parsed.hostname)) return null;
  return "an https:// URL: Firehose delivers over HTTPS only";
}

/** A drain's settings the API would refuse, by the API's field names. `creating`: the key is required
 * for Datadog and New Relic (on a change, an empty key keeps the one set). */
export function drainProblems(form: DrainFields & { destination: DrainDestination }, creating: boolean): Record<string, string> {
  const d = DESTINATIONS[form.destination];
  const out: Record<string, string> = {};
  const url = d.intakes.length && d.intakes.some(([u]) => u === form.url) ? null : drainUrlProblem(form.url);
  if (url) out.url = url;
  if (creating && d.keyRequired && !form.key.trim()) out.access_key = `your ${d.keyLabel}`;
  if (!form.allServices && form.services.length === 0) out.services = "tick at least one service, or choose every service";
  return out;
}

/** The change form, started from the drain as it is (the key empty: it is never shown). */
export function drainForm(r: Resource): DrainFields & { destination: DrainDestination } {
  return { destination: r.destination ?? "http", url: r.url ?? "", key: "", allServices: r.services == null, services: r.services ?? [],
    filter: r.filter_pattern ?? "" };
}

const sameNames = (a: string[] | null | undefined, b: string[] | null | undefined) =>
  a == null || b == null ? a == b : JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

/** PATCH body: a new URL, a key when one is typed, the services when they changed (`null`: every
 * service again; left out, they stay). {} when nothing changed. */
export function drainPatchBody(r: Resource, form: DrainFields): ResourcePatch {
  const body: ResourcePatch = {};
  if (form.url.trim() && form.url.trim() !== r.url) body.url = form.url.trim();
  if (form.key) body.access_key = form.key;
  const services = form.allServices ? null : form.services;
  if (!sameNames(services, r.services)) body.services = services;
  if (form.filter.trim() !== (r.filter_pattern ?? "")) body.filter_pattern = form.filter.trim();
  return body;
}

/** The intakes to choose from for a drain's URL: the vendor's, and the URL it has now when it is
 * none of them (set through the API). */
export function intakeChoices(destination: DrainDestination, current?: string | null): [string, string][] {
  const list = DESTINATIONS[destination].intakes;
  return current && list.length && !list.some(([u]) => u === current) ? [...list, [current, current]] : list;
}

/** "Datadog EU (datadoghq.eu)", "New Relic US", "HTTPS endpoint". */
export function destinationText(r: Pick<Resource, "destination" | "url">): string {
  const d = r.destination ? DESTINATIONS[r.destination] : null;
  if (!d) return "unknown destination";
  const site = d.intakes.find(([u]) => u === r.url)?.[1];
  return site ? `${d.title} ${site}` : d.title;
}

/** What a drain is set to take: "every service" (of the environment, later ones too), "no service", "web, worker". */
export const servicesText = (services: string[] | null | undefined) =>
  services == null ? "every service" : services.length ? services.join(", ") : "no service";

/** Whether a drain takes (or will take, at its next deploy) the logs of the service named so. */
export const drainCovers = (r: Pick<Resource, "services">, service: string) => r.services == null || r.services.includes(service);

/** A queue's timings that the API would refuse, by the API's field names (blank: left out, so the
 * API's default on creation, unchanged on a change). */
export function queueProblems(form: QueueTimings): Record<string, string> {
  const out: Record<string, string> = {};
  const check = (field: string, typed: string, [lo, hi]: readonly [number, number], what: string) => {
    const v = typed.trim();
    if (v && (!/^\d+$/.test(v) || Number(v) < lo || Number(v) > hi)) out[field] = `${what} from ${lo} to ${hi}`;
  };
  check("visibility_timeout_seconds", form.visibility, VISIBILITY_SECONDS, "a whole number of seconds");
  check("retention_days", form.retention, RETENTION_DAYS, "a whole number of days");
  check("max_receives", form.receives, MAX_RECEIVES, "a whole number");
  return out;
}

/** The resize form's state, started from the resource as it is. */
export interface ResizeForm extends QueueTimings { size: string; storage: string; backups: string; protection: boolean }

const text = (n: number | null | undefined) => (n == null ? "" : String(n));

export function resizeForm(r: Resource): ResizeForm {
  return {
    size: r.size ?? "", storage: text(r.storage_gb), backups: text(r.backup_retention_days), protection: r.deletion_protection,
    visibility: text(r.visibility_timeout_seconds), retention: text(r.retention_days), receives: text(r.max_receives),
  };
}

/** PATCH body: the changed fields only ({} when nothing changed). */
export function patchBody(r: Resource, form: ResizeForm): ResourcePatch {
  const k = KINDS[r.kind];
  const body: ResourcePatch = {};
  if (k.sizes.length && form.size !== r.size) body.size = form.size;
  if (k.storage && given(form.storage) && num(form.storage) !== r.storage_gb) body.storage_gb = num(form.storage);
  if (k.backups && given(form.backups) && num(form.backups) !== r.backup_retention_days)
    body.backup_retention_days = num(form.backups);
  if (form.protection !== r.deletion_protection) body.deletion_protection = form.protection;
  if (k.queue) {
    if (given(form.visibility) && num(form.visibility) !== r.visibility_timeout_seconds) body.visibility_timeout_seconds = num(form.visibility);
    if (given(form.retention) && num(form.retention) !== r.retention_days) body.retention_days = num(form.retention);
    if (given(form.receives) && num(form.receives) !== r.max_receives) body.max_receives = num(form.receives);
  }
  return body;
}

/** Why the resize form cannot be sent yet, before asking the API (storage can only grow). */
export function resizeProblem(r: Resource, form: ResizeForm): { field: string; message: string } | null {
  if (r.storage_gb != null && num(form.storage) < r.storage_gb)
    return { field: "storage_gb", message: `storage can only grow (now ${r.storage_gb} GB)` };
  return null;
}

/** Sizes offered on resize: all of the kind's (a database can also shrink its class). */
export const sizeChoices = (kind: ResourceKind) => KINDS[kind].sizes;

/** "host:port" once AWS gave an endpoint; a volume's file system id alone (its NFS port says nothing). */
export function endpointText(r: Pick<Resource, "endpoint"> & { kind?: ResourceKind }): string | null {
  if (!r.endpoint?.address) return null;
  if (r.kind && KINDS[r.kind].mounted) return r.endpoint.address;
  return r.endpoint.port ? `${r.endpoint.address}:${r.endpoint.port}` : r.endpoint.address;
}

/** Bytes in decimal units, as AWS bills them: "512 bytes", "6.1 KB", "3.4 GB", "12 GB", "1.2 TB". */
export function bytesText(n: number): string {
  if (n < 1000) return `${n} byte${n === 1 ? "" : "s"}`;
  const units = ["KB", "MB", "GB", "TB", "PB"];
  let value = n / 1000, unit = 0;
  while (value >= 999.95 && unit < units.length - 1) { value /= 1000; unit += 1; }
  const shown = value < 10 ? value.toFixed(1).replace(/\.0$/, "") : String(Math.round(value));
  return `${shown} ${units[unit]}`;
}

/** What a volume holds: "3.4 GB used", or "not measured yet" (the worker meters each volume hourly). */
export const usedText = (r: Pick<Resource, "used_bytes">) =>
  r.used_bytes == null ? "not measured yet" : `${bytesText(r.used_bytes)} used`;

/** Seconds in the largest whole unit: "0 s", "45 s", "90 s", "5 min", "12 h". */
export function secondsText(n: number): string {
  if (n >= 3600 && n % 3600 === 0) return `${n / 3600} h`;
  if (n >= 60 && n % 60 === 0) return `${n / 60} min`;
  return `${n} s`;
}

/** "1 day", "4 days". */
export const plural = (n: number, one: string, many = one + "s") => `${n} ${n === 1 ? one : many}`;

/** A queue's order and timings in a line: "standard · hidden 60 s once received · kept 4 days ·
 * dead after 5 receives" ("FIFO · …"). */
export function queueText(r: Pick<Resource, "fifo" | "visibility_timeout_seconds" | "retention_days" | "max_receives">): string {
  const parts = [r.fifo ? "FIFO" : "standard"];
  if (r.visibility_timeout_seconds != null) parts.push(`hidden ${secondsText(r.visibility_timeout_seconds)} once received`);
  if (r.retention_days != null) parts.push(`kept ${plural(r.retention_days, "day")}`);
  if (r.max_receives != null) parts.push(`dead after ${plural(r.max_receives, "receive")}`);
  return parts.join(" · ");
}

/** One line on what the resource is: "db.t4g.micro · 16 · 20 GB · backups 7 days"; a volume has no
 * size to choose, what it holds: "3.4 GB used · EFS · backed up daily, kept 35 days"; a queue its
 * order and timings (queueText). */
export function sizeText(r: Resource): string {
  if (KINDS[r.kind]?.drain) return `${destinationText(r)} · ${servicesText(r.services)}`;
  if (KINDS[r.kind]?.mounted) return `${usedText(r)} · EFS · backed up daily, kept 35 days`;
  if (KINDS[r.kind]?.queue) return queueText(r);
  const parts: string[] = [];
  if (r.size) parts.push(r.size);
  if (r.version) parts.push(`v${r.version}`);
  if (r.storage_gb != null) parts.push(`${r.storage_gb} GB`);
  if (r.backup_retention_days != null)
    parts.push(r.backup_retention_days === 0 ? "no backups" : `backups ${r.backup_retention_days} day${r.backup_retention_days === 1 ? "" : "s"}`);
  return parts.join(" · ");
}

const STATUS_WORDS: Record<string, string> = {
  creating: "creating", available: "available", modifying: "modifying", deleting: "deleting", failed: "failed",
};
const TONE: Record<string, string> = { creating: "busy", modifying: "busy", deleting: "busy", available: "ok", failed: "bad" };
export const statusTone = (status: string | null | undefined) => TONE[status ?? ""] ?? "idle";
export const statusWords = (status: string | null | undefined) => STATUS_WORDS[status ?? ""] ?? status ?? "gone";

/** The last error in a sentence: what failed, and what to do. */
export function errorWords(r: Pick<Resource, "status" | "last_error">): string | null {
  if (!r.last_error) return null;
  const what = r.status === "failed" ? "It failed" : "The last change failed";
  const text = r.last_error.trim().replace(/\.$/, "");
  return `${what}: ${text}.`;
}

// --- links -------------------------------------------------------------------------------

const MOUNT_PATH = /^\/[A-Za-z0-9._@+-][A-Za-z0-9._@+/-]{0,254}$/;
const SYSTEM_FOLDERS = ["/proc", "/sys", "/dev", "/etc", "/bin", "/sbin", "/lib", "/usr", "/boot", "/run"];

/** Why a volume may not be mounted at `path` (null: it may), as the API checks it: absolute,
 * no `.` or `..`, not `/` itself nor a system folder of the container. */
export function mountPathProblem(path: string): string | null {
  const typed = path.trim();
  if (!typed) return "give the path to mount it at (e.g. /data)";
  if (!typed.startsWith("/")) return "an absolute path, starting with / (e.g. /data)";
  const clean = typed.replace(/\/+$/, "") || "/";
  if (clean === "/") return "not / itself: a folder in it (e.g. /data)";
  if (clean.split("/").some((part) => part === "." || part === "..") || clean.includes("//"))
    return "no '.', '..' or empty parts";
  if (!MOUNT_PATH.test(clean)) return "an absolute path of letters, digits and . _ - @ + / (e.g. /data)";
  if (SYSTEM_FOLDERS.some((s) => clean === s || clean.startsWith(s + "/")))
    return `${clean} is a system folder of the container: mount it elsewhere (e.g. /data)`;
  return null;
}

/** The link form's state: strings and boxes as the inputs hold them. */
export interface LinkForm { variable: string; path: string; readOnly: boolean; sendOnly: boolean }

/** PUT …/links/{res} body: only what the kind takes (the API refuses a path or read_only elsewhere,
 * and send_only for anything but a queue). */
export function linkBody(kind: ResourceKind, form: LinkForm): LinkIn {
  const k = KINDS[kind];
  const body: LinkIn = {};
  if (form.variable.trim()) body.variable = form.variable.trim();
  if (k.mounted) body.path = form.path.trim();
  if (k.readOnlyLinks) body.read_only = form.readOnly;
  if (k.queue) body.send_only = form.sendOnly;
  return body;
}

/** What a queue link lets the tasks do (the API's words for the task role). */
const queueAccess = (sendOnly: boolean | undefined) => (sendOnly ? "send only" : "send, receive and delete");

/** How the service may use a linked volume, bucket or queue: "mounted at /data, read-only", "read and
 * write", "send only"; null for a database or cache (its credentials decide). */
export function accessText(l: Pick<ResourceLink, "kind" | "path" | "read_only" | "send_only">): string | null {
  if (l.kind && KINDS[l.kind]?.queue) return queueAccess(l.send_only);
  if (!l.kind || !KINDS[l.kind]?.readOnlyLinks) return null;
  const access = l.read_only ? "read-only" : "read and write";
  return l.path ? `mounted at ${l.path}, ${access}` : access;
}

/** What the next deploy does with a new link, in a sentence. */
export function linkedWords(l: Pick<ResourceLink, "resource" | "kind" | "variable" | "path" | "read_only" | "send_only">, service: string): string {
  const k = l.kind ? KINDS[l.kind] : null;
  const access = k?.queue ? ` (${queueAccess(l.send_only)})` : k?.readOnlyLinks ? (l.read_only ? " (read-only)" : " (read and write)") : "";
  if (l.path) return `Linked ${l.resource}: the next deploy mounts it at ${l.path}${access} and gives ${service} ${l.variable}.`;
  return `Linked ${l.resource}: the next deploy gives ${service} ${l.variable}${access}.`;
}

// --- a queue's messages and dead letters -------------------------------------------------

/** "1 dead letter", "3 dead letters". */
export const deadLetters = (n: number) => plural(n, "dead letter");

/** Whether the messages can be read: SQS has the queue (the API answers 409 while it is being
 * made or deleted, or failed). */
export const countable = (r: Pick<Resource, "status">) => r.status === "available" || r.status === "modifying";

/** Whether a redrive is under way (the messages are read again every 2 s meanwhile). */
export const moving = (m: Pick<QueueMessages, "redrive"> | undefined) => m?.redrive?.status === "moving";

/** May dead letters be moved back now: some are dead and no move runs (the API answers 409 otherwise). */
export const canMoveBack = (m: QueueMessages | undefined) => !!m && (m.dead ?? 0) > 0 && !moving(m);

/** The last redrive in a sentence: under way, done, or failed with its reason ("" for none).
 * `when` words a time (the page passes the browser's clock). */
export function redriveWords(r: Redrive | null | undefined, when: (iso: string) => string = (iso) => iso): string {
  if (!r) return "";
  if (r.status === "moving")
    return `Moving dead letters back to the queue: ${r.moved} moved, about ${r.left} left (asked by ${r.by}).`;
  if (r.status === "failed")
    return `Moving dead letters back failed after ${r.moved} moved: ${(r.error ?? "no reason given").replace(/\.$/, "")}. ` +
      `About ${r.left} still in the dead-letter queue; try again once the cause is fixed.`;
  const still = r.left > 0 ? ` The dead-letter queue still held about ${r.left}.` : "";
  return `Moved ${deadLetters(r.moved)} back to the queue${r.finished ? ` at ${when(r.finished)}` : ""} (asked by ${r.by}).${still}`;
}

/** One dead letter of GET …/resources/{res}/dead-letters (chalicelib/cloud/queues.py
 * peek_dead_letters): its body cut at 4096 characters (`truncated` then), when it was first sent
 * (null when SQS did not say), how many times SQS handed it out (in the queue, and each look here),
 * its FIFO message group (null for a standard queue) and its message attributes as strings. */
export interface DeadLetter {
  id: string; body: string; truncated: boolean; sent: string | null; receives: number; group: string | null;
  attributes: Record<string, string>;
}

/** The sample of dead letters, left where they are, and the API's note on what it is. */
export interface DeadLetterSample { items: DeadLetter[]; note: string }

/** A body to read: JSON (an object or a list) indented by two, anything else (a cut body, plain
 * text, a bare number) as it is. `json` says whether it was re-indented. */
export function bodyText(d: Pick<DeadLetter, "body" | "truncated">): { text: string; json: boolean } {
  const t = d.body.trim();
  if (!d.truncated && (t.startsWith("{") || t.startsWith("["))) {
    try {
      return { text: JSON.stringify(JSON.parse(t), null, 2), json: true };
    } catch { /* not JSON after all: as it is */ }
  }
  return { text: d.body, json: false };
}

/** How long ago, in the largest unit: "just now", "45 s ago", "12 min ago", "3 h ago", "2 days ago"
 * (a dead letter is kept 14 days). "" when unreadable. */
export function sinceText(iso: string | null | undefined, now = Date.now()): string {
  const at = Date.parse(iso ?? "");
  if (Number.isNaN(at)) return "";
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${plural(Math.floor(s / 86400), "day")} ago`;
}

/** An ISO time as a reader compares it with logs: "2026-11-28 10:04:50 UTC" ("" when unreadable). */
export function utcText(iso: string | null | undefined): string {
  const d = new Date(iso ?? "");
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** What a look found, in a sentence: "No dead letters right now." or "3 dead letters shown (of about 5)."
 * `dead` is the count SQS gave (approximate; null when unknown). */
export function sampleWords(shown: number, dead: number | null | undefined): string {
  if (!shown) return "No dead letters right now.";
  const of = dead != null && dead > shown ? ` (of about ${dead})` : "";
  return `${deadLetters(shown)} shown${of}.`;
}

/** POST …/resources/{res}/purge: how many messages SQS counted before it deleted them. */
export interface Purged { purged: number; dead_letters: boolean }

/** A purge's answer in a sentence: "Purged 4 waiting messages." or "Purged 1 dead letter.", and
 * that SQS takes up to a minute, so a count read at once may still show some. */
export function purgeWords(p: Purged): string {
  const what = p.dead_letters ? deadLetters(p.purged) : plural(p.purged, "waiting message");
  return `Purged ${what}. SQS finishes deleting within a minute: until then a count may still show some.`;
}

/** Whether a delete confirmation matches (the API compares the name exactly). */
export const confirmMatches = (r: Pick<Resource, "name">, typed: string) => typed === r.name;

/** Resources grouped by environment, environments in first-seen order. */
export function byEnvironment(items: Resource[]): [string, Resource[]][] {
  const groups = new Map<string, Resource[]>();
  for (const r of items) {
    const list = groups.get(r.environment) ?? [];
    list.push(r);
    groups.set(r.environment, list);
  }
  return [...groups.entries()];
}
