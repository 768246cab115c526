// Environment groups' rules as the API has them (chalicelib/envgroups, chalicelib/catalog/models.py),
// said before sending, and what a service gets from the groups it links.

/** A group's name: lower-case letters, digits and hyphens, starting with a letter, at most 63. */
export const GROUP_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** A variable's name (catalog/models.py ENV_NAME): letters, digits and _, not starting with a digit. */
export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** At most this many groups per service (catalog/models.py MAX_ENV_GROUPS). */
export const MAX_LINKED = 10;

export function groupNameProblem(name: string): string | null {
  const n = name.trim();
  if (!n) return "Give the group a name.";
  if (!GROUP_NAME.test(n)) return "Lower-case letters, digits and hyphens, starting with a letter (at most 63), e.g. datadog or stripe-live.";
  return null;
}

/** One row of a key/value table as typed. */
export interface VarRow { key: string; value: string }

export const rowsOf = (env: Record<string, string> | null | undefined): VarRow[] =>
  Object.entries(env ?? {}).map(([key, value]) => ({ key, value }));

/** The rows as the map PATCH sends (rows with neither a name nor a value left out), or what is wrong
 * with them (a value without a name, a name twice, a name the API refuses). */
export function envOfRows(rows: readonly VarRow[]): { env: Record<string, string>; error: string | null } {
  const env: Record<string, string> = {};
  for (const [i, r] of rows.entries()) {
    const key = r.key.trim();
    if (!key && !r.value) continue;
    if (!key) return { env, error: `Row ${i + 1} has a value but no name.` };
    if (!VAR_NAME.test(key)) return { env, error: `${key}: names are letters, digits and _, not starting with a digit.` };
    if (key in env) return { env, error: `${key} is there twice.` };
    env[key] = r.value;
  }
  return { env, error: null };
}

/** A linked group's variable as the service gets it: from that group, or overridden by a later
 * group or by the service's own variable or secret of that name. */
export interface GroupVariable { name: string; value: string; group: string; overriddenBy: string | null }

/** The variables the service's groups give it, in the order it links them: each marked with what
 * overrides it (a later group's variable or secret, the service's own variable or secret). */
export function groupVariables(
  linked: readonly string[],
  groups: readonly { name: string; env: Record<string, string>; secrets: readonly { name: string }[] }[],
  own: { env: Record<string, string>; secrets: readonly string[] },
): GroupVariable[] {
  const byName = new Map(groups.map((g) => [g.name, g]));
  const out: GroupVariable[] = [];
  linked.forEach((name, i) => {
    const g = byName.get(name);
    if (!g) return;
    for (const [key, value] of Object.entries(g.env)) {
      const later = linked.slice(i + 1).map((n) => byName.get(n)).find((l) => l && (key in l.env || l.secrets.some((s) => s.name === key)));
      const overriddenBy = key in own.env || own.secrets.includes(key) ? "the service" : later ? `group ${later.name}` : null;
      out.push({ name: key, value, group: name, overriddenBy });
    }
  });
  return out;
}
