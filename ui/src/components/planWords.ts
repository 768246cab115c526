// GET .../services/{svc}/plan (chalicelib/deploys/preview.py) in words, for the Deploy dialog.

export type PlanAction = "create" | "update" | "no-op" | "wait" | "skip" | "error";
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

/** One changing field in words. The planners give `field: [old, new]`, name lists for variables
 * and secrets (`env: {added, removed, changed}`, or `added: [...]` at the top), or a word. */
export function changeWords(field: string, v: unknown): string {
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

// the `resources` wait names the linked resources ("db, cache"); plans from before named the ECS service
const linked = (s: PlannedStep) => (s.resource === "linked resources" ? s.name : "");
const are = (names: string) => (names.includes(",") ? "are" : "is");

/** One step's headline: what happens to which AWS resource. */
export function stepWords(s: PlannedStep): string {
  const what = (s.name && s.name !== "-" ? `${s.resource} ${s.name}` : s.resource).replace(/\(known after apply: [^)]*\)/g, later);
  if (s.step === "resources" && s.action === "skip") return "No linked resources: nothing to wait for";
  if (s.step === "resources" && s.action === "no-op" && linked(s)) return `The linked ${linked(s)} ${are(s.name)} available: nothing to wait for`;
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
    default: return `${String(s.action)} ${what}`;
  }
}

/** The plan's counts in one line ("2 to create, 1 to change, 4 unchanged"). */
export function summaryWords(p: ServicePlan): string {
  const n = (a: PlanAction) => p.summary[a] ?? 0;
  const parts = [
    n("create") && `${n("create")} to create`, n("update") && `${n("update")} to change`,
    n("no-op") && `${n("no-op")} unchanged`, n("skip") && `${n("skip")} skipped`, n("error") && `${n("error")} cannot be planned`,
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
