// GET .../services/{svc}/plan (chalicelib/deploys/preview.py) in words, for the Deploy dialog.

export type PlanAction = "create" | "update" | "no-op" | "wait" | "skip" | "error" | "delete";
export interface PlannedStep {
  step: string; resource: string; name: string; action: PlanAction;
  changes: Record<string, unknown>; calls: unknown[]; error?: string;
  /** what a waiting step waits for, in words (chalicelib/deploys/steps.py describe_*) */
  description?: string;
}
export interface ServicePlan {
  service_id: string; sandbox: boolean; steps: PlannedStep[]; summary: Partial<Record<PlanAction, number>>; message: string;
}

const MAX = 80;

/** "(known after apply: build.image)": a value a step makes while the deploy runs, in words. */
function later(s: string): string {
  const m = /^\(known after apply: ([a-z_.]+?)(?:\.(\w+))?\)$/.exec(s);
  if (!m) return s;
  if (m[1] === "build" && m[2] === "image") return "(the image the build makes)";
  return `(known once ${m[1]} has run)`;
}

function shown(v: unknown): string {
  if (v === null || v === undefined || v === "") return "none";
  // a list of words (a rule's client addresses): the words, not JSON
  const words = Array.isArray(v) && v.every((x) => typeof x === "string") ? v.join(", ") || "none" : null;
  const s = words ?? (typeof v === "string" ? later(v) : JSON.stringify(v));
  return s.length > MAX ? `${s.slice(0, MAX - 1)}…` : s;
}

// name lists (secrets: `added: [...]`), as opposed to `field: [old, new]`
const LISTS = new Set(["added", "removed", "changed"]);

// --- the service's task role and its volumes (chalicelib/deploys/task_role.py, cloud/inspect.py) ---

const strings = (v: unknown): string[] | null =>
  v === null || v === undefined ? [] : Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : null;

/** One statement of the task role's policy ("s3:GetObject on arn:aws:s3:::b/*") as what it is
 * about and the access it gives: ["bucket b", "read"], ["volume fs-1", "read and write"],
 * ["queue lb-jobs", "send"] (a send-only link) or "send, receive and delete". */
function grant(statement: string): [string, string] | null {
  const m = /^(.*) on (\S+)$/.exec(statement);
  if (!m) return null;
  const actions = m[1]!.split(", ");
  const fs = /:file-system\/([\w-]+)$/.exec(m[2]!);
  if (fs) return [`volume ${fs[1]}`, actions.includes("elasticfilesystem:ClientWrite") ? "read and write" : "read"];
  const sqs = /^arn:[\w-]+:sqs:[\w-]+:\d+:([\w.-]+)$/.exec(m[2]!);
  if (sqs) return [`queue ${sqs[1]}`, actions.includes("sqs:ReceiveMessage") ? "send, receive and delete" : "send"];
  const s3 = /^arn:[\w-]+:s3:::([^/]+)(\/\*)?$/.exec(m[2]!);
  if (!s3) return null;
  if (!s3[2]) return [`bucket ${s3[1]}`, "list"];
  return [`bucket ${s3[1]}`, actions.includes("s3:PutObject") ? "read and write" : "read"];
}

/** The statements per bucket or volume (a bucket's objects say more than its listing); null when one is not understood. */
function grants(list: string[]): Map<string, string> | null {
  const out = new Map<string, string>();
  for (const statement of list) {
    const g = grant(statement);
    if (!g) return null;
    if (g[1] !== "list" || !out.has(g[0])) out.set(g[0], g[1]);
  }
  return out;
}

/** The task role's `allows: [old statements, new statements]`: "allows volume fs-1: read → read and write". */
function allowsWords(v: unknown): string | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const [was, now] = [strings(v[0]), strings(v[1])];
  const before = was && grants(was), after = now && grants(now);
  if (!before || !after) return null;
  if (after.size === 0) return "allows nothing any more";
  const parts: string[] = [];
  for (const [what, access] of after) {
    const old = before.get(what);
    if (before.size === 0) parts.push(`${what}: ${access}`);   // a new role: all it allows
    else if (!old) parts.push(`${what}: ${access} (new)`);
    else if (old !== access) parts.push(`${what}: ${old} → ${access}`);
  }
  for (const [what, access] of before) if (!after.has(what)) parts.push(`${what}: no longer (was ${access})`);
  return parts.length ? `allows ${parts.join("; ")}` : null;
}

/** The task definition's `volumes: [old, new]`, each mount "/path <- fs-1 (read-only)": "mounts fs-1 at /path, read-only". */
function volumesWords(v: unknown): string | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const parse = (list: string[] | null) => {
    if (!list) return null;
    const out = new Map<string, { source: string; readOnly: boolean }>();
    for (const mount of list) {
      const m = /^(\S+) <- (\S+)( \(read-only\))?$/.exec(mount);
      if (!m) return null;
      out.set(m[1]!, { source: m[2]!, readOnly: !!m[3] });
    }
    return out;
  };
  const before = parse(strings(v[0])), after = parse(strings(v[1]));
  if (!before || !after) return null;
  const access = (ro: boolean) => (ro ? "read-only" : "read and write");
  const parts: string[] = [];
  for (const [path, now] of after) {
    const was = before.get(path);
    if (!was) parts.push(`mounts ${now.source} at ${path}, ${access(now.readOnly)}`);
    else if (was.source !== now.source) parts.push(`mounts ${now.source} at ${path} instead of ${was.source}, ${access(now.readOnly)}`);
    else if (was.readOnly !== now.readOnly) parts.push(`${path} becomes ${access(now.readOnly)}`);
  }
  for (const [path, was] of before) if (!after.has(path)) parts.push(`unmounts ${was.source} from ${path}`);
  return parts.length ? `volumes: ${parts.join("; ")}` : null;
}

// --- listener rules: what a host answers (chalicelib/deploys/steps.py _rule, ANSWERS) ---

/** What a rule does now ("answer" and "https answer": [was, will be]), as the API words it. */
const DOES: Record<string, string> = {
  "forward to the service": "forwards to the service", "503 maintenance page": "answers the 503 maintenance page",
  "301 to https://": "answers a 301 to https://",
};
const DID: Record<string, string> = {
  "forward to the service": "forwarding to the service", "503 maintenance page": "the maintenance page",
  "301 to https://": "the 301 to https://",
};

/** `answer: [was, will be]`: "answers the 503 maintenance page instead of forwarding to the service".
 * `to`: where the host's 301 goes when it is a redirecting alias's ("http://shop.example.com", from
 * the step's description: the API words every 301 as "301 to https://"). */
function answerWords(v: unknown, to?: string): string | null {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== "string" || typeof v[1] !== "string") return null;
  const now = to && v[1] === "301 to https://" ? `answers a 301 to ${to}` : DOES[v[1]];
  const was = DID[v[0]];
  return now && was ? `${now} instead of ${was}` : null;
}

/** A redirecting alias's target: a host, or "itself over HTTPS" (a plain HTTP-to-HTTPS rule). */
const target = (v: unknown) => (v == null || v === "" ? "itself over HTTPS" : String(v));

/** `redirects to: [was, will be]`: "redirects to shop.example.com instead of to itself over HTTPS". */
function redirectWords(v: unknown): string | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  return `redirects to ${target(v[1])} instead of to ${target(v[0])}`;
}

/** The autoscaling step's `scheduled: [old lines, new lines]`, each "cron(0 8 ? * 2-6 *) Europe/Berlin: 4..10 tasks":
 * "scales on a schedule: …", "no scheduled scaling any more (was …)" or "scheduled scaling: … → …". */
function scheduledWords(v: unknown): string | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const [was, now] = [strings(v[0]), strings(v[1])];
  if (!was || !now) return null;
  const list = (l: string[]) => l.join("; ");
  if (!was.length && !now.length) return null;
  if (!was.length) return `scales on a schedule: ${list(now)}`;
  if (!now.length) return `no scheduled scaling any more (was ${list(was)})`;
  return `scheduled scaling: ${list(was)} → ${list(now)}`;
}

/** A rule's own fields in words; a field of the HTTPS rule ("https answer") said so. */
function ruleWords(field: string, v: unknown, to?: string): string | null {
  if (field.startsWith("https ")) {
    const own = ruleWords(field.slice(6), v, to);
    return own ? `over HTTPS, ${own}` : null;
  }
  if (field === "answer") return answerWords(v, to);
  if (field === "redirects to") return redirectWords(v);
  // another message on the page ("another message": the rule's body is not read back as words)
  if (field === "maintenance page" && Array.isArray(v) && v.length === 2 && typeof v[1] === "string") {
    return `the maintenance page says “${shown(v[1])}” instead`;
  }
  if (field === "https" && Array.isArray(v) && v.length === 2 && v[0] == null && typeof v[1] === "string") return `HTTPS ${v[1]}`;
  return null;
}

/** A role's ARN by its name ("arn:aws:iam::1:role/launchbay-svc-1" -> "launchbay-svc-1"). */
const roleName = (v: unknown) => (typeof v === "string" && /^arn:[\w-]+:iam::/.test(v) ? v.slice(v.lastIndexOf("/") + 1) : v);

/** One changing field in words. The planners give `field: [old, new]`, name lists for variables
 * and secrets (`env: {added, removed, changed}`, or `added: [...]` at the top), or a word; the
 * task role's permissions, its ARN and the task's volumes are told in words of their own. */
export function changeWords(field: string, v: unknown, ctx: { redirectsTo?: string } = {}): string {
  const own = field === "allows" ? allowsWords(v) : field === "volumes" ? volumesWords(v) : field === "scheduled" ? scheduledWords(v)
    : ruleWords(field, v, ctx.redirectsTo);
  if (own) return own;
  // the log group's drains (chalicelib/deploys/steps.py log_group): [[old names], [new names]]
  if (field === "log_drains" && Array.isArray(v) && v.length === 2) return `log drains: ${shown(v[0])} → ${shown(v[1])}`;
  if (field === "task_role" && Array.isArray(v) && v.length === 2) return `task role: ${shown(roleName(v[0]))} → ${shown(roleName(v[1]))}`;
  if (Array.isArray(v) && v.length === 2 && !LISTS.has(field)) return `${field}: ${shown(v[0])} → ${shown(v[1])}`;
  if (Array.isArray(v)) return `${field}: ${v.map((x) => shown(x)).join(", ") || "none"}`;
  if (v && typeof v === "object") {
    const parts = Object.entries(v as Record<string, unknown>)
      .filter(([, names]) => !Array.isArray(names) || names.length > 0)
      .map(([k, names]) => `${k} ${Array.isArray(names) ? names.join(", ") : shown(names)}`);
    return `${field}: ${parts.join("; ") || "changed"}`;
  }
  return `${field}: ${shown(v)}`;
}

/** The step's several hosts (a domain and its aliases; a canary's rules), from its name ("a, b"). */
const hostsOf = (s: PlannedStep) => (s.name && s.name !== "-" ? s.name.split(", ") : []);
/** A step made of one part per host (steps.py _combined): its changes are keyed by host. */
const perHost = (s: PlannedStep) =>
  (s.step === "domain_rule" || s.step === "certificate" || /^canary\.(attach|traffic|retire)/.test(s.step)) && hostsOf(s).length > 0;

/** Where a redirecting alias's rules send it ("https://shop.example.com"), from its part of the
 * step's description ("www…: a 301 to https://shop.example.com"); undefined for any other host. */
function redirectOf(s: PlannedStep, host: string): string | undefined {
  const line = descriptionLines(s).find((l) => l.startsWith(`${host}: `));
  return line ? /\ba 301 to (https?:\/\/[^\s;]+)/.exec(line)?.[1] : undefined;
}

/** One host's part of a step made of several: "a new rule", or its own changes in words. */
function hostWords(s: PlannedStep, host: string, v: unknown): string {
  const made = s.step === "certificate" ? "a new certificate requested" : "a new rule";
  if (v === "create") {
    const to = s.step === "domain_rule" ? redirectOf(s, host) : undefined;
    return to ? `${made}, answering a 301 to ${to}` : made;
  }
  if (typeof v === "string") return v === "update" ? "changed" : v;
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const redirectsTo = s.step === "domain_rule" ? redirectOf(s, host) : undefined;
    return Object.entries(v as Record<string, unknown>).map(([k, x]) => changeWords(k, x, { redirectsTo })).join("; ") || "changed";
  }
  if (Array.isArray(v) && v.length === 2) return `${shown(v[0])} → ${shown(v[1])}`;   // a canary's share of its traffic
  return shown(v);
}

const same = (v: unknown) => Array.isArray(v) && v.length === 2 && JSON.stringify(v[0]) === JSON.stringify(v[1]);

/** The step's changes, one line each ([key, words]): a host's part under its name, the rules removed
 * said so; a pair whose ends are the same says nothing and is left out (a canary's share before its
 * target group exists reads "all to the service" twice). */
export function planChanges(s: PlannedStep): [string, string][] {
  const hosts = perHost(s) ? new Set(hostsOf(s)) : null;
  return Object.entries(s.changes ?? {}).filter(([, v]) => !same(v)).map(([k, v]): [string, string] => {
    if (hosts && k === "removed" && Array.isArray(v)) return [k, `rules removed for ${v.join(", ")} (no longer its hosts)`];
    if (hosts?.has(k)) return [k, `${k}: ${hostWords(s, k, v)}`];
    return [k, changeWords(k, v)];
  });
}

/** The description to show, one line per host when the step has several ("a: HTTPS with its
 * certificate; …; b: HTTP only until …" reads as two lines). */
export function descriptionLines(s: PlannedStep): string[] {
  if (!s.description) return [];
  const hosts = hostsOf(s);
  if (hosts.length < 2) return [s.description];
  const starts = hosts.map((h) => s.description!.indexOf(`${h}: `)).filter((i) => i >= 0).sort((a, b) => a - b);
  if (starts.length < 2 || starts[0] !== 0) return [s.description];
  return starts.map((from, i) => s.description!.slice(from, starts[i + 1] ?? undefined).replace(/;\s*$/, "").trim());
}

// --- a canary's steps (chalicelib/deploys/canary.py): the first stage's carry no share, a ramp's do ---

const CANARY_STEP = /^canary\.(attach|service|rollout|traffic|analysis|retire)(?:@(\d+))?$/;

/** The share of a canary step: its own ("canary.traffic@25"), the service's first share for the first
 * stage's, else the one its description gives ("send 10 % of the requests…"); null when none is known. */
function canaryShare(s: PlannedStep, at: string | undefined, first: number | undefined): number | null {
  if (at !== undefined) return Number(at);
  if (first != null) return first;
  const said = /\bsend (\d+) % of the requests\b/.exec(s.description ?? "");
  return said ? Number(said[1]) : null;
}

/** A canary step's headline ("Send 25 % of the traffic to the canary"); null: not one, or said as any other step. */
function canaryWords(s: PlannedStep, first: number | undefined): string | null {
  const m = CANARY_STEP.exec(s.step);
  if (!m) return null;
  const [, kind, at] = m;
  const p = canaryShare(s, at, first);
  const pct = p != null ? `${p} %` : null;
  const hosts = hostsOf(s).join(", ");
  if (s.action === "skip") return null;   // after a Proceed: the description says why
  switch (kind) {
    case "attach":
      return s.action === "no-op" ? `Keep the canary's target group in the rules of ${hosts} as it is`
        : `Add the canary's target group to the rules of ${hosts}, with no traffic yet`;
    case "service":
      if (at !== undefined) return `Grow the canary's ECS service ${s.name} for ${pct} of the traffic`;
      return s.action === "no-op" ? `Keep the canary's ECS service ${s.name} as it is`
        : `${s.action === "create" ? "Create" : "Change"} the canary's ECS service ${s.name} (the new release beside the live one)`;
    case "rollout":
      return at !== undefined ? `Grow the canary's tasks for ${pct} and wait until they are healthy`
        : "Start the canary's tasks and wait until they are healthy";
    case "traffic":
      return `Send ${pct ?? "its share"} of the traffic to the canary${hosts ? ` on ${hosts}` : ""}`;
    case "analysis":
      return `Watch the canary at ${pct ?? "its share"} of the traffic`;
    case "retire":
      return `Retire the canary once the release is out: the rules forward to the service alone, ECS service ${s.name} goes`;
  }
  return null;
}

/** What the headline of a step may take from the service (not in the step itself): the canary's first share. */
export interface StepContext { canaryPercent?: number }

// the `resources` wait names the linked resources ("db, cache"); plans from before named the ECS service
const linked = (s: PlannedStep) => (s.resource === "linked resources" ? s.name : "");
const are = (names: string) => (names.includes(",") ? "are" : "is");

/** The custom domain's rules and the certificates: of several hosts (a domain and its aliases), and over HTTPS. */
function domainWords(s: PlannedStep): string | null {
  const hosts = hostsOf(s).join(", ");
  const several = hostsOf(s).length > 1;
  if (s.step === "certificate" && several) {   // (the API names the resource "listener rules (custom domains)" then)
    return s.action === "no-op" ? `Keep the certificates of ${hosts} as they are` : `Request the certificates of ${hosts} (each validated by DNS)`;
  }
  if (s.step !== "domain_rule") return null;
  if (s.resource === "listener rules (custom domain, HTTPS)") {
    if (s.action === "create") return `Serve ${hosts} over HTTPS with its certificate; HTTP answers a 301 to HTTPS`;
    if (s.action === "update") return `Change the HTTPS rules of ${hosts} (HTTP answers a 301 to HTTPS)`;
    if (s.action === "no-op") return `Keep ${hosts} served over HTTPS as it is`;
  }
  if (several) {
    if (s.action === "create") return `Route the custom hosts ${hosts} to the service`;
    if (s.action === "update") return `Change the rules of the custom hosts ${hosts}`;
    if (s.action === "no-op") return `Keep the rules of the custom hosts ${hosts} as they are`;
  }
  return null;
}

/** One step's headline: what happens to which AWS resource. */
export function stepWords(s: PlannedStep, ctx: StepContext = {}): string {
  const own = canaryWords(s, ctx.canaryPercent) ?? domainWords(s);
  if (own) return own;
  const what = (s.name && s.name !== "-" ? `${s.resource} ${s.name}` : s.resource).replace(/\(known after apply: [^)]*\)/g, later);
  if (s.step === "resources" && s.action === "skip") return "No linked resources: nothing to wait for";
  if (s.step === "resources" && s.action === "no-op" && linked(s)) return `The linked ${linked(s)} ${are(s.name)} available: nothing to wait for`;
  // the service's own IAM role, for its linked buckets and volumes (the description says what it allows)
  if (s.step === "task_role" && s.name) {
    if (s.action === "create") return `Create the service's task role ${s.name} (IAM)`;
    if (s.action === "update") return `Change what the task role ${s.name} (IAM) allows`;
    if (s.action === "no-op") return `Keep the task role ${s.name} (IAM) as it is`;
  }
  switch (s.action) {
    case "create": return `Create ${what}`;
    case "update": return `Change ${what}`;
    case "no-op": return `Keep ${what} as it is`;
    case "skip": return `Skip ${s.resource}`;
    // which wait it is, is in the step's name (plans from before `description` called each a "rollout")
    case "wait":
      if (s.step === "build") return "Build the image from the repository and wait for it";
      if (s.step === "resources") return linked(s) ? `Wait until the linked ${linked(s)} ${are(s.name)} available` : "Wait until the linked databases, caches and buckets are ready";
      return `Roll out ${s.name || "the service"} and wait until it is healthy`;
    case "error": return `Cannot plan ${s.resource}: ${s.error ?? "unknown error"}`;
    case "delete": return `Delete ${what}`;
    default: return `${String(s.action)} ${what}`;
  }
}

/** The plan's counts in one line ("2 to create, 1 to change, 4 unchanged"). */
export function summaryWords(p: ServicePlan): string {
  const n = (a: PlanAction) => p.summary[a] ?? 0;
  const parts = [
    n("create") && `${n("create")} to create`, n("update") && `${n("update")} to change`,
    n("delete") && `${n("delete")} to delete`, n("no-op") && `${n("no-op")} unchanged`, n("skip") && `${n("skip")} skipped`, n("error") && `${n("error")} cannot be planned`,
  ].filter(Boolean);
  return parts.join(", ") || p.message;
}

/** The steps to show: a service without a release command has two skipped release steps (its
 * start and its wait, both "Skip release command"): the wait, which says why, stands for both. */
export function shownPlan(p: ServicePlan): ServicePlan {
  const skipped = (name: string) => p.steps.some((s) => s.step === name && s.action === "skip");
  if (!(skipped("release.start") && skipped("release"))) return p;
  const steps = p.steps.filter((s) => s.step !== "release.start");
  return { ...p, steps, summary: { ...p.summary, skip: (p.summary.skip ?? 1) - 1 } };
}
