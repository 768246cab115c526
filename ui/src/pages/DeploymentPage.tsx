import { Link, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { Deployment } from "../api/models";
import { keys, useDeployment, useService } from "../api/queries";
import { ErrorNote, Loading } from "../components/Empty";
import { LogView } from "../components/LogView";
import { StatusBadge } from "../components/StatusBadge";
import { Timeline } from "../components/Timeline";
import { useLogTail } from "../components/useLogTail";
import { ago, duration, isFinal } from "../lib/format";
import type { DeploymentWithCommit } from "../api/git";
import { CommitLine } from "../components/GitBits";

/** One deployment: its steps as a live timeline, the failure reason in words, and the log tail. */
export default function DeploymentPage() {
  const { org = "", dep = "" } = useParams();
  const d = useDeployment(org, dep);
  const service = useService(org, d.data?.service_id ?? "");
  const tail = useLogTail(org, dep);
  const qc = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => unwrap<Deployment>(api.POST("/v1/orgs/{org}/deployments/{dep}/cancel", { params: { path: { org, dep } } })),
    onSuccess: (x) => qc.setQueryData(keys.deployment(org, dep), x),
  });
  if (d.isPending) return <Loading what="deployment" />;
  if (!d.data) return <ErrorNote error={d.error} />;
  const x = d.data;
  const final = isFinal(x.status);
  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={`/orgs/${org}/projects/${x.project_id}`}>Project</Link> / <Link to={`/orgs/${org}/services/${x.service_id}`}>{x.service_name}</Link> / <span>Deployment #{x.number}</span>
      </nav>
      <div className="heading">
        <h1>Deployment #{x.number} of {x.service_name} <StatusBadge status={x.status} /></h1>
        {!final && !x.cancel_requested && <button onClick={() => cancel.mutate()} disabled={cancel.isPending}>Cancel</button>}
      </div>
      <ErrorNote error={cancel.error} />
      <p className="muted">
        {(x as DeploymentWithCommit).commit && <><CommitLine commit={(x as DeploymentWithCommit).commit} /> · </>}
        <span className="mono">{x.image}</span> · {x.rollback_of_number ? `rollback to release #${x.rollback_of_number} · ` : ""}by {x.actor} · started {ago(x.created)} · {duration(x.created, x.finished ?? (final ? x.updated : null))}
        {x.sandbox ? " · sandbox" : ""}
      </p>
      <div aria-live="polite">
        {x.error && (
          <div className={`outcome ${x.status === "rolled_back" ? "outcome-warn" : "outcome-bad"}`} role="alert">
            <strong>{x.status === "rolled_back" ? "This release failed and was rolled back." : x.status === "failed" ? "This deployment failed." : "Failure:"}</strong>
            <p className="reason">{x.error}</p>
            {x.status === "rolled_back" && <p>The previous release{x.rollback_to_number ? ` (#${x.rollback_to_number})` : ""} is serving traffic again.</p>}
          </div>
        )}
        {!x.error && x.reason && !final && <p className="notice">{x.reason}</p>}
        {x.status === "live" && <p className="outcome outcome-ok">Live{service.data?.kind === "web" ? ": the load balancer sends traffic to this release." : "."}</p>}
      </div>
      <div className="split deploy-split">
        <Timeline deployment={x} />
        <section aria-labelledby="logh" className="grow">
          <h2 id="logh">Log</h2>
          <ErrorNote error={tail.error} />
          <LogView lines={tail.lines} live={!tail.final} label={`Log of deployment #${x.number}`} />
        </section>
      </div>
    </section>
  );
}
