// GET .../services/{svc}/plan (chalicelib/deploys/preview.py) in words, for the Deploy dialog.

export type PlanAction = "create" | "update" | "no-op" | "wait" | "skip" | "error";
export interface PlannedStep {
  step: string; resource: string; name: string; action: PlanAction;
  changes: Record<string, unknown>; calls: unknown[]; error?: string;
}
export interface ServicePlan {
  service_id: string; sandbox: boolean; steps: PlannedStep[]; summary: Partial<Record<PlanAction, number>>; message: string;
}

const MAX = 80;

function shown(v: unknown): string {
  if (v === null || v === undefined || v === "") return "none";
  const s = typeof v === "string" ? v : JSON.stringify(v);
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

/** One step's headline: what happens to which AWS resource. */
export function stepWords(s: PlannedStep): string {
  const what = s.name && s.name !== "-" ? `${s.resource} ${s.name}` : s.resource;
  switch (s.action) {
    case "create": return `Create ${what}`;
    case "update": return `Change ${what}`;
    case "no-op": return `Keep ${what} as it is`;
    case "skip": return `Skip ${s.resource}`;
    case "wait": return `Roll out ${s.name || "the service"} and wait until it is healthy`;
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
