// The service's alert rules (edit: developers and up; everyone reads) and its recent alerts, under
// the Metrics tab. A rule left out of the PUT goes back to Launchbay's default: "Reset" does that.
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../../api/client";
import type { Alert, Page, Service } from "../../api/models";
import { useCan } from "../../api/queries";
import { ErrorNote, Loading } from "../../components/Empty";
import { FormError } from "../../components/Field";
import { RULE_WORDS } from "../../lib/alertWords";
import { ago, duration } from "../../lib/format";

export interface AlertRule {
  metric: "http_5xx_rate" | "latency_p95" | "cpu" | "memory" | "restarts";
  threshold: number; window_minutes: number; enabled: boolean; unit: string; default: boolean; applies: boolean;
}
interface Row { metric: AlertRule["metric"]; threshold: string; window: string; enabled: boolean; reset: boolean }


const rowOf = (r: AlertRule): Row => ({ metric: r.metric, threshold: String(r.threshold), window: String(r.window_minutes), enabled: r.enabled, reset: false });
const changed = (row: Row, r: AlertRule) =>
  row.reset || row.threshold.trim() !== String(r.threshold) || row.window.trim() !== String(r.window_minutes) || row.enabled !== r.enabled;

/** What the form says is wrong with a row before it is sent (the API checks again). */
function rowError(row: Row, r: AlertRule): string | undefined {
  if (row.reset) return undefined;
  const t = row.threshold.trim();
  if (!/^\d+(\.\d+)?$/.test(t) || Number(t) <= 0) return `the threshold must be a number above 0, not "${t}"`;
  if (r.unit === "%" && Number(t) > 100) return "a percentage: at most 100";
  const w = row.window.trim();
  if (!/^\d+$/.test(w) || Number(w) < 1 || Number(w) > 60) return `the window is 1 to 60 minutes, not "${w}"`;
  return undefined;
}

export default function AlertRules({ org, service }: { org: string; service: Service }) {
  const path = { org, svc: service.id };
  const qc = useQueryClient();
  const canEdit = useCan(org, service.project_id)("service.write");
  const [saved, setSaved] = useState(false);
  const key = ["alert-rules", org, service.id];
  const rules = useQuery({
    queryKey: key,
    queryFn: () => unwrap<{ rules: AlertRule[] }>(api.GET("/v1/orgs/{org}/services/{svc}/alert-rules", { params: { path } })),
  });
  const recent = useQuery({
    queryKey: ["alerts", org, service.id, "resolved"],
    queryFn: () => unwrap<Page<Alert>>(api.GET("/v1/orgs/{org}/services/{svc}/alerts", { params: { path, query: { status: "resolved", limit: "10" } } })),
  });
  return (
    <section aria-labelledby="rules-h">
      <h2 id="rules-h">Alert rules</h2>
      <p className="muted small">
        Checked every minute. An alert opens when the value crosses the threshold over the window and resolves at 80 % of it.
        {" "}To hear of them in Slack or a webhook, subscribe to <span className="mono">alert.opened</span> in the project's{" "}
        <Link to={`/orgs/${org}/projects/${service.project_id}/notifications`}>notifications</Link>.
      </p>
      <ErrorNote error={rules.error} />
      {rules.isPending ? <Loading what="alert rules" /> : rules.data && (
        <RulesForm key={JSON.stringify(rules.data.rules)} org={org} service={service} rules={rules.data.rules} canEdit={canEdit}
          onEdit={() => setSaved(false)} onSaved={(got) => { qc.setQueryData(key, got); setSaved(true); }} />
      )}
      {saved && <p className="muted small" role="status">Saved: the next check (within a minute) uses these rules.</p>}
      <h3>Recently resolved</h3>
      <ErrorNote error={recent.error} />
      {recent.data?.items.length === 0 && <p className="muted small">No alert has resolved yet.</p>}
      <ul className="alerts" aria-label="Recently resolved alerts">
        {recent.data?.items.map((a) => (
          <li key={a.id} className="event"><strong>{a.message}</strong> <span className="muted small">opened {ago(a.opened)}, lasted {duration(a.opened, a.resolved)}</span></li>
        ))}
      </ul>
    </section>
  );
}

function RulesForm({ org, service, rules, canEdit, onEdit, onSaved }: {
  org: string; service: Service; rules: AlertRule[]; canEdit: boolean; onEdit: () => void; onSaved: (r: { rules: AlertRule[] }) => void;
}) {
  const [rows, setRows] = useState<Row[]>(rules.map(rowOf));
  const [checked, setChecked] = useState(false);
  const set = (i: number, patch: Partial<Row>) => { onEdit(); setRows((o) => o.map((r, j) => (j === i ? { ...r, ...patch } : r))); };
  const errors = rows.map((row, i) => rowError(row, rules[i]!));
  const dirty = rows.some((row, i) => changed(row, rules[i]!));
  const [sent, setSent] = useState<string[]>([]);   // the API names a rule by its place in what was sent
  const save = useMutation({
    mutationFn: () => {
      // every rule that stays the service's own, as the form has it; the others go back to the default
      const own = rows.filter((row, i) => !row.reset && (!rules[i]!.default || changed(row, rules[i]!)))
        .map((row) => ({ metric: row.metric, threshold: Number(row.threshold), window_minutes: Number(row.window), enabled: row.enabled }));
      setSent(own.map((r) => r.metric));
      return unwrap<{ rules: AlertRule[] }>(api.PUT("/v1/orgs/{org}/services/{svc}/alert-rules", {
        params: { path: { org, svc: service.id } }, body: { rules: own },
      }));
    },
    onSuccess: onSaved,
  });
  const apiErr = save.error instanceof ApiError ? save.error : null;
  const apiErrorOf = (metric: string): string | undefined => {
    const k = sent.indexOf(metric);
    if (!apiErr || k < 0) return undefined;
    return apiErr.forField(`rules.${k}.threshold`) ?? apiErr.forField(`rules.${k}.window_minutes`) ?? apiErr.forField(`rules.${k}`);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (errors.every((x) => !x)) save.mutate();
  };
  return (
    <form onSubmit={submit} aria-label="Alert rules" noValidate>
      {!canEdit && <p className="muted small">Your role reads these rules; changing them takes the developer role or higher.</p>}
      <div className="scroll-x">
        <table className="table rules" aria-label="Rules">
          <thead><tr><th scope="col">Rule</th><th scope="col">Threshold</th><th scope="col">Window (min)</th><th scope="col">On</th><th scope="col">Set by</th></tr></thead>
          <tbody>
            {rows.map((row, i) => {
              const r = rules[i]!;
              const name = RULE_WORDS[r.metric];
              const error = checked ? errors[i] ?? apiErrorOf(r.metric) : undefined;
              return (
                <tr key={r.metric} className={r.applies ? "" : "muted"}>
                  <th scope="row">{name}{!r.applies && <small className="muted"> (web services only)</small>}
                    {error && <small className="error" role="alert" id={`rule-${r.metric}-err`}><br />{error}</small>}</th>
                  <td><input aria-label={`${name} threshold (${r.unit})`} value={row.reset ? String(r.threshold) : row.threshold} inputMode="decimal" size={7}
                    disabled={!canEdit || row.reset} aria-invalid={error ? true : undefined} aria-describedby={error ? `rule-${r.metric}-err` : undefined}
                    onChange={(e) => set(i, { threshold: e.target.value })} /> <span className="muted small">{r.unit}</span></td>
                  <td><input aria-label={`${name} window (minutes)`} value={row.reset ? String(r.window_minutes) : row.window} inputMode="numeric" size={3}
                    disabled={!canEdit || row.reset} onChange={(e) => set(i, { window: e.target.value })} /></td>
                  <td><input type="checkbox" aria-label={`${name} on`} checked={row.enabled} disabled={!canEdit || row.reset}
                    onChange={(e) => set(i, { enabled: e.target.checked })} /></td>
                  <td>{r.default ? <span className="muted">default</span> : row.reset ? <span className="muted">default once saved</span> : (
                    <>yours {canEdit && <button type="button" className="link" onClick={() => set(i, { reset: true })} aria-label={`Reset ${name} to the default`}>Reset</button>}</>
                  )}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {apiErr && !rules.some((r) => apiErrorOf(r.metric)) && <FormError error={apiErr} />}
      {save.error && !apiErr && <FormError error={save.error} />}
      {canEdit && (
        <div className="actions">
          <button className="primary" disabled={!dirty || save.isPending}>Save rules</button>
          {dirty && <button type="button" onClick={() => { setRows(rules.map(rowOf)); setChecked(false); }}>Undo changes</button>}
        </div>
      )}
    </form>
  );
}
