import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { Page, Service } from "../../api/models";
import { useCan } from "../../api/queries";
import { Empty, ErrorNote } from "../../components/Empty";
import { StatusBadge } from "../../components/StatusBadge";
import { ago, duration } from "../../lib/format";

// chalicelib/deploys/runs.py: a run started by hand ("manual", by its actor) or by the schedule
interface Run {
  id: string; status: "starting" | "running" | "succeeded" | "failed"; started?: string | null; finished?: string | null;
  exit_code?: number | null; reason?: string | null; trigger?: string; actor?: string; created: string;
}

/** A cron job's runs (start, end, exit code) and run-now. */
export function Runs({ org, service }: { org: string; service: Service }) {
  const qc = useQueryClient();
  const can = useCan(org);
  const key = ["runs", org, service.id];
  const runs = useQuery({
    queryKey: key,
    refetchInterval: 5000,
    queryFn: () => unwrap<Page<Run>>(api.GET("/v1/orgs/{org}/services/{svc}/runs", { params: { path: { org, svc: service.id } } })),
  });
  const runNow = useMutation({
    mutationFn: () => unwrap<Run>(api.POST("/v1/orgs/{org}/services/{svc}/runs", { params: { path: { org, svc: service.id } } })),
    onSettled: () => void qc.invalidateQueries({ queryKey: key }),
  });
  return (
    <section>
      <div className="heading"><h2>Runs</h2>{can("deploy") && <button onClick={() => runNow.mutate()} disabled={runNow.isPending || !service.live_deployment_id}>Run now</button>}</div>
      {!service.live_deployment_id && can("deploy") && <p className="muted">Deploy the job once before running it by hand.</p>}
      <ErrorNote error={runNow.error ?? runs.error} />
      {runs.data?.items.length === 0 && <Empty title="No runs yet">Runs appear here when the schedule fires or you press Run now.</Empty>}
      {(runs.data?.items.length ?? 0) > 0 && (
        <table className="table" aria-label="Runs">
          <thead><tr><th>Status</th><th>Started</th><th>Took</th><th>Exit code</th><th className="hide-narrow">Started by</th></tr></thead>
          <tbody>
            {runs.data?.items.map((r) => (
              <tr key={r.id}>
                <td><StatusBadge status={r.status} />{r.status === "failed" && r.reason && <p className="reason small">{r.reason}</p>}</td>
                <td title={r.started ?? r.created}>{ago(r.started ?? r.created)}</td>
                <td>{r.finished ? duration(r.started, r.finished) : r.started ? `${duration(r.started, null)} so far` : ""}</td>
                <td>{r.exit_code ?? ""}</td>
                <td className="hide-narrow">{r.trigger === "manual" ? `Run now, by ${r.actor ?? "someone"}` : "the schedule"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
