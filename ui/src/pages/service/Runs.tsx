import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { ApiError, api, unwrap } from "../../api/client";
import type { Page, Service } from "../../api/models";
import { useCan } from "../../api/queries";
import { Empty, ErrorNote } from "../../components/Empty";
import { Field } from "../../components/Field";
import { StatusBadge } from "../../components/StatusBadge";
import { ago, duration } from "../../lib/format";
import { shellWords } from "../../lib/shellWords";
import { taskOf } from "../../components/useServiceLogs";

// chalicelib/deploys/runs.py: a run started by hand ("manual", by its actor) or by the schedule;
// `command` is the one-off command it ran (null: the release's own command)
interface Run {
  id: string; status: "starting" | "running" | "succeeded" | "failed"; started?: string | null; finished?: string | null;
  exit_code?: number | null; reason?: string | null; trigger?: string; actor?: string; created: string;
  command?: string[] | null; task_arn?: string | null;
}

/** Words for a command as a person would type it (arguments with spaces quoted). */
const commandText = (command: string[]) => command.map((a) => (/[\s'"\\]/.test(a) || a === "" ? `'${a.replace(/'/g, `'\\''`)}'` : a)).join(" ");

/** A service's runs (cron runs and one-off commands: start, end, exit code, command), run-now for
 * a cron job, and a one-off command on the live release for every kind. */
export function Runs({ org, service }: { org: string; service: Service }) {
  const qc = useQueryClient();
  const can = useCan(org, service.project_id);
  const key = ["runs", org, service.id];
  const cron = service.kind === "cron";
  const [line, setLine] = useState("");
  const [bad, setBad] = useState<string | null>(null);
  const runs = useQuery({
    queryKey: key,
    refetchInterval: 5000,
    queryFn: () => unwrap<Page<Run>>(api.GET("/v1/orgs/{org}/services/{svc}/runs", { params: { path: { org, svc: service.id } } })),
  });
  const start = useMutation({
    mutationFn: (command: string[] | null) => unwrap<Run>(api.POST("/v1/orgs/{org}/services/{svc}/runs", {
      params: { path: { org, svc: service.id } }, body: command ? { command } : {},
    })),
    onSuccess: () => setLine(""),
    onSettled: () => void qc.invalidateQueries({ queryKey: key }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const words = shellWords(line);
    if (words === null) return setBad("a quote is not closed");
    if (!words.length && !cron) return setBad("type the command to run, e.g. python manage.py migrate");
    setBad(null);
    start.mutate(words.length ? words : null);
  };
  const live = !!service.live_deployment_id;
  return (
    <section>
      <div className="heading"><h2>Runs</h2>{can("deploy") && cron && <button onClick={() => start.mutate(null)} disabled={start.isPending || !live}>Run now</button>}</div>
      {!live && can("deploy") && <p className="muted">Deploy the service once before running {cron ? "it" : "a command on it"} by hand.</p>}
      {can("deploy") && live && (
        <form className="inline-form" onSubmit={submit} aria-label="Run a command">
          <Field label="Run a command" error={bad ?? (start.error instanceof ApiError ? start.error.forField("command") : undefined)}
            hint="One task of the live release with this command instead of its own, split like a shell would (no pipes or variables: write sh -c '…').">
            <input value={line} onChange={(e) => setLine(e.target.value)} className="mono" autoComplete="off"
              placeholder={cron ? "empty: the job's own command" : "python manage.py migrate"} />
          </Field>
          <button type="submit" disabled={start.isPending}>Run</button>
        </form>
      )}
      {/* an error about the command shows at its field */}
      <ErrorNote error={(start.error instanceof ApiError && start.error.forField("command") ? null : start.error) ?? runs.error} />
      {runs.data?.items.length === 0 && <Empty title="No runs yet">{cron ? "Runs appear here when the schedule fires or you press Run now." : "One-off commands you run appear here."}</Empty>}
      {(runs.data?.items.length ?? 0) > 0 && (
        <table className="table" aria-label="Runs">
          <thead><tr><th>Status</th><th>Started</th><th>Took</th><th>Exit code</th><th>Command</th><th className="hide-narrow">Started by</th><th>Output</th></tr></thead>
          <tbody>
            {runs.data?.items.map((r) => (
              <tr key={r.id}>
                <td><StatusBadge status={r.status} />{r.status === "failed" && r.reason && <p className="reason small">{r.reason}</p>}</td>
                <td title={r.started ?? r.created}>{ago(r.started ?? r.created)}</td>
                <td>{r.finished ? duration(r.started, r.finished) : r.started ? `${duration(r.started, null)} so far` : ""}</td>
                <td>{r.exit_code ?? ""}</td>
                <td className="mono">{r.command ? commandText(r.command) : <span className="muted">its own</span>}</td>
                <td className="hide-narrow">{r.trigger === "manual" ? `${r.command ? "Run" : "Run now"}, by ${r.actor ?? "someone"}` : "the schedule"}</td>
                {/* what it printed is in the service's log, under its task */}
                <td>{r.task_arn && <Link to={`/orgs/${org}/services/${service.id}/logs?task=${taskOf(r.task_arn)}`}>Output</Link>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
