// Where a service's tasks run: its CPU architecture and its Fargate Spot share, in the words of
// chalicelib/cloud/capacity.py (`words`, `summary`), which the deploy plan's `capacity` change uses too.

export type Architecture = "x86_64" | "arm64";
/** A service's `spot` setting as the API answers it (every field filled in; a create may leave some out). */
export interface SpotSetting { percent?: number; on_demand_base?: number }

/** The API's limits and defaults (chalicelib/catalog/models.py Spot; compute.test.ts compares them). */
export const SPOT_PERCENT = { min: 1, max: 100, default: 100 } as const;
export const SPOT_BASE = { min: 0, max: 100, default: 0 } as const;

/** "regular Fargate", "Fargate Spot", "Fargate Spot for 70 % of the tasks", "Fargate Spot, the first
 * 1 task on regular Fargate" (capacity.py `words`). */
export function spotWords(spot: SpotSetting | null | undefined): string {
  if (!spot) return "regular Fargate";
  const percent = spot.percent ?? SPOT_PERCENT.default;
  const base = spot.on_demand_base ?? SPOT_BASE.default;
  const share = percent === 100 ? "" : ` for ${percent} % of the tasks`;
  const first = base ? `, the first ${base} task${base !== 1 ? "s" : ""} on regular Fargate` : "";
  return `Fargate Spot${share}${first}`;
}

/** "arm64 · Fargate Spot", "x86_64 · regular Fargate" (capacity.py `summary`; null is x86_64). */
export function computeSummary(s: { architecture?: Architecture | null; spot?: SpotSetting | null }): string {
  return `${s.architecture || "x86_64"} · ${spotWords(s.spot)}`;
}

/** What a PATCH sends for a changed Spot setting: null (off), the whole setting when it was off,
 * else only the fields that differ (a PATCH merges them); undefined when nothing changed. */
export function spotPatch(before: SpotSetting | null | undefined, after: SpotSetting | null | undefined): SpotSetting | null | undefined {
  if (!after) return before ? null : undefined;
  if (!before) return after;
  const changed: SpotSetting = {};
  const was = { percent: SPOT_PERCENT.default, on_demand_base: SPOT_BASE.default, ...before };
  for (const k of ["percent", "on_demand_base"] as const) {
    if (after[k] !== undefined && after[k] !== was[k]) changed[k] = after[k];
  }
  return Object.keys(changed).length ? changed : undefined;
}

/** A web service with every task allowed on Spot: when AWS takes Spot capacity back, for a moment
 * no task may be left to answer (ECS starts another). True when that is the case. */
export const spotLeavesNoneAnswering = (kind: string, spot: SpotSetting | null | undefined): boolean =>
  kind === "web" && !!spot && (spot.on_demand_base ?? 0) === 0;

/** Which part of the Spot setting an API error is about, from its field (`spot.percent` on a create)
 * or, for a PATCH's field `spot`, from its message ("spot.on_demand_base 5 would keep all of at most 1
 * task on regular Fargate…", "spot.percent: …", a cron job's "on_demand_base must be 0"). */
export function spotErrorPart(field: string, message: string): "percent" | "on_demand_base" | "spot" {
  const about = field === "spot" ? message : field;
  const part = (/\bspot\.(percent|on_demand_base)\b/.exec(about) ?? /\b(on_demand_base|percent)\b/.exec(about))?.[1];
  return part === "percent" || part === "on_demand_base" ? part : "spot";
}
