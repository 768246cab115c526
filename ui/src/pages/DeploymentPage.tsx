import { Fragment, useId, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { Deployment, Environment, GithubStatus, ServiceEndpoints } from "../api/models";
import type { Service } from "../api/models";
import { keys, useCan, useDeployment, useEnvironment, useProject, useService, useServiceFollows } from "../api/queries";
import { DeployDialog } from "../components/DeployDialog";
import { ErrorNote, Loading, PageError } from "../components/Empty";
import { LogView } from "../components/LogView";
import { releaseStatus, StatusBadge, statusWords } from "../components/StatusBadge";
import { reasonWords, Timeline } from "../components/Timeline";
import { useLogTail } from "../components/useLogTail";
import { ago, duration, isFinal } from "../lib/format";
import type { DeploymentWithCommit } from "../api/git";
import { CommitLine, shortSha } from "../components/GitBits";
import { freezeUntilWords } from "../components/FreezeForm";
import { ApprovalBox } from "../components/Approval";
import { ChangesSection } from "../components/Changes";
import { CanaryPanel } from "../components/CanaryPanel";

/** One deployment: its steps as a live timeline, the failure reason in words, and the log tail. */
export default function DeploymentPage() {
  const { org = "", dep = "" } = useParams();
  const d = useDeployment(org, dep);
  const service = useService(org, d.data?.service_id ?? "");
  useServiceFollows(org, d.data?.service_id ?? "", d.data ? [d.data] : undefined);
  const project = useProject(org, d.data?.project_id ?? "");
  // a failed deployment's Deploy again: refused while its environment is frozen (as Deploy on the service page)
  const failed = !!d.data?.error && (d.data.status === "failed" || d.data.status === "rolled_back");
  const s = service.data;
  const environment = useEnvironment(org, failed ? s?.project_id ?? "" : "", s?.environment_id ?? s?.environment ?? "");
  const tail = useLogTail(org, dep);
  const qc = useQueryClient();
  const can = useCan(org, d.data?.project_id);
  const [redeploying, setRedeploying] = useState(false);
  const watched = useRef(false);
  const cancel = useMutation({
    mutationFn: () => unwrap<Deployment>(api.POST("/v1/orgs/{org}/deployments/{dep}/cancel", { params: { path: { org, dep } } })),
    onSuccess: (x) => qc.setQueryData(keys.deployment(org, dep), x),
  });
  if (d.data && !isFinal(d.data.status)) watched.current = true;   // seen running here: its log says the end
  if (d.isPending) return <Loading what="deployment" />;
  if (!d.data) return <PageError title="Cannot show this deployment" error={d.error} retry={() => void d.refetch()} />;
  const x = d.data;
  const final = isFinal(x.status);
  const commit = (x as DeploymentWithCommit).commit;
  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={`/orgs/${org}`}>Projects</Link> / <Link to={`/orgs/${org}/projects/${x.project_id}`}>{project.data?.name ?? "project"}</Link> / <Link to={`/orgs/${org}/services/${x.service_id}`}>{x.service_name}</Link> / <span>Deployment #{x.number}</span>
      </nav>
      <div className="heading">
        {/* as in the service's history: a live deployment replaced since "was live" */}
        <h1>Deployment #{x.number} of {x.service_name} <StatusBadge status={releaseStatus(x, service.data?.live_deployment_id)} /></h1>
        {!final && !x.cancel_requested && <button onClick={() => cancel.mutate()} disabled={cancel.isPending}>Cancel deployment</button>}
      </div>
      <ErrorNote error={cancel.error} />
      <p className="muted deploy-meta">
        {[
          commit && <CommitLine key="c" commit={commit} />,
          <What key="w" d={x} />,
          x.rollback_of_number ? `rollback to release #${x.rollback_of_number}` + (x.auto_rollback
            ? ` (automatic: ${x.auto_rollback.message ?? x.auto_rollback.rule} opened ${x.auto_rollback.after_minutes} min after release #${x.auto_rollback.release} went live)`
            : "") : null,
          x.restart_of_number ? `restart of release #${x.restart_of_number}` : null,
          x.resume_of_number ? `resume of release #${x.resume_of_number}` : null,
          x.promoted_from ? <>promoted from <Link to={`/orgs/${org}/deployments/${x.promoted_from.deployment_id}`}>
            {x.promoted_from.environment} release #{x.promoted_from.number}</Link></> : null,
          `by ${x.actor}`,
          x.approved_by ? `approved by ${x.approved_by}` : null,
          `${x.status === "awaiting_approval" ? "asked for" : "started"} ${ago(x.created)}`,
          final ? `took ${duration(x.created, x.finished ?? x.updated)}`
            : `${x.status === "awaiting_approval" ? "waiting" : "running"} for ${duration(x.created, null)}`,
          x.sandbox ? "sandbox" : null,
        ].filter(Boolean).map((part, i) => <span key={i}>{i > 0 && " · "}{part}</span>)}
      </p>
      {x.github_status && <GithubStatusLine org={org} d={x} status={x.github_status} sha={commit?.sha ?? x.build?.commit_sha} />}
      {/* the status for a screen reader as it changes (the badge and the timeline are seen, not heard);
          the end of a deployment followed here is said by the log's LogAnnouncer ("Deploy finished: …") */}
      <p className="sr-only" role="status">{final && watched.current ? "" : `Deployment #${x.number} is ${statusWords(releaseStatus(x, service.data?.live_deployment_id))}.`}</p>
      {/* not a live region nor an alert (either reads the box as one blob): a region under its own
          heading, read in order: what failed, why, then what serves traffic and what to do */}
      {x.error && (
        <section className={`outcome ${["rolled_back", "rollback_pending", "rolling_back"].includes(x.status) ? "outcome-warn" : "outcome-bad"}`}
          aria-labelledby="outcome-h" data-testid="outcome">
          <h2 id="outcome-h" className="outcome-title">{outcomeTitle(x)}</h2>
          <p className="reason"><span className="reason-label">Reason: </span>{x.error}</p>
          {(x.status === "rolled_back" || (x.status === "failed" && service.data)) && (
            <>
              <h3 className="outcome-sub">What to do</h3>
              {x.status === "rolled_back" && (
                <p>The previous release{x.rollback_to
                  ? <> (<Link to={`/orgs/${org}/deployments/${x.rollback_to}`}>#{x.rollback_to_number}</Link>)</>
                  : x.rollback_to_number ? ` (#${x.rollback_to_number})` : ""} is serving traffic again.</p>
              )}
              {x.status === "failed" && service.data && <p>{servingWords(x, service.data)}</p>}
              {final && service.data && (
                <NextSteps org={org} s={service.data} canDeploy={can("deploy") && service.data.status !== "deleting"}
                  onDeploy={() => setRedeploying(true)} env={environment.data} canLift={can("project.write")} />
              )}
            </>
          )}
        </section>
      )}
      {x.status === "awaiting_approval" && <ApprovalBox org={org} d={x} canApprove={can("deploy.approve")} />}
      <div aria-live="polite">
        {!final && x.cancel_requested && (
          <p className="notice">Cancel requested by {x.cancel_requested}: the deployment stops before its next step.</p>
        )}
        {/* the canary's watch ("canary: 10 % of traffic, …") is said by the Canary section, not again here */}
        {!x.error && x.reason && !final && x.status !== "awaiting_approval" && !(x.canary && x.reason.startsWith("canary:")) &&
          <p className="notice">{reasonWords(x.reason)}</p>}
        {x.rejected_by && <p className="notice">This deploy was not approved: {x.reason}.</p>}
        {x.status === "live" && <LiveNote org={org} d={x} liveId={service.data?.live_deployment_id} web={service.data?.kind === "web"}
                                          endpoints={service.data?.endpoints} />}
      </div>
      {x.canary && <CanaryPanel org={org} d={x} canary={x.canary} canProceed={can("deploy")} />}
      {redeploying && service.data && <DeployDialog org={org} service={service.data} onClose={() => setRedeploying(false)} />}
      <div className="split deploy-split">
        {/* what it changes over the steps: beside the log (on a phone, a few lines above it) */}
        <div className="deploy-side">
          <ChangesSection org={org} d={x} live={service.data?.live_deployment_id} />
          <Timeline deployment={x} />
        </div>
        <section aria-labelledby="logh" className="grow">
          <h2 id="logh">Log</h2>
          <ErrorNote error={tail.error} />
          <LogView lines={tail.lines} live={!tail.final} label={`Log of deployment #${x.number}`} announce outcome={final ? x.status : null} />
        </section>
      </div>
    </section>
  );
}

/** After a failure without a rollback: what serves traffic now. */
export function servingWords(d: Deployment, s: Service): string {
  if (d.rollback_to) {
    return `Rolling back to #${d.rollback_to_number ?? "?"} failed too, so what serves traffic now may be part of either release: ` +
      "roll back again from the service's releases, or fix the cause and deploy again.";
  }
  if (s.live_deployment_id && s.live_deployment_id !== d.id) return "Nothing was rolled out: the live release keeps serving traffic.";
  return "Nothing was live before, so there was nothing to roll back to: the service serves no traffic yet.";
}

/** What to do about a failed deployment: where the cause is usually fixed, where its output is,
 * and the deploy again (the plan first, as from the service page); refused while the service's
 * environment is frozen, which a notice by the button says. */
function NextSteps({ org, s, canDeploy, onDeploy, env, canLift }: {
  org: string; s: Service; canDeploy: boolean; onDeploy: () => void; env: Environment | undefined; canLift: boolean;
}) {
  const base = `/orgs/${org}/services/${s.id}`;
  const frozenId = useId();
  const freeze = env?.freeze ?? null;
  return (
    <div className="next-steps">
      <p>
        Fix the cause in the service's <Link to={`${base}/variables`}>variables</Link> or <Link to={`${base}/settings`}>settings</Link>
        {" "}(the log below says which step failed; <Link to={`${base}/logs`}>the service's logs</Link> have its containers' output), then deploy again.
      </p>
      {/* a freeze set or lifted while the page is open is said (the environment is read again every 30 s) */}
      <div aria-live="polite">
        {env && freeze && (
          <p id={frozenId} className="notice freeze-notice" data-testid="frozen">
            <span className="badge badge-warn">frozen</span>{" "}
            <strong>The {env.name} environment is frozen {freezeUntilWords(freeze)}: {freeze.reason}.</strong>{" "}
            New deploys are refused; rollbacks and restarts still run.
            {canLift && <> Lift it under the project&apos;s <Link to={`/orgs/${org}/projects/${env.project_id}`}>environments</Link>.</>}
          </p>
        )}
      </div>
      {canDeploy && (
        <button type="button" className="primary" onClick={onDeploy} aria-haspopup="dialog" disabled={!!freeze}
          aria-describedby={freeze ? frozenId : undefined} title={freeze ? `${env!.name} is frozen: new deploys are refused` : undefined}>
          Deploy again
        </button>
      )}
    </div>
  );
}

/** The deployment's commit status on GitHub (chalicelib/hooks/statuses.py): its state and context on
 * the repository, linked to the commit there; when GitHub did not take it, why (a refusal names the
 * permission the token lacks) and where the organization's token is set. */
function GithubStatusLine({ org, d, status, sha }: { org: string; d: Deployment; status: GithubStatus; sha: string | null | undefined }) {
  const repo = status.repository;
  const commitUrl = sha ? `https://github.com/${repo}/commit/${sha}` : null;
  const error = status.error ? (/[.!?]$/.test(status.error) ? status.error : `${status.error}.`) : null;
  return (
    <>
      <p className="muted github-status" data-testid="github-status">
        GitHub: <span className={`badge ${error ? "badge-warn" : GITHUB_BADGE[status.state] ?? "badge-idle"}`}>{error ? "not posted" : status.state}</span>
        {" · "}<span className="mono">{status.context}</span> on{" "}
        {commitUrl
          ? <a href={commitUrl} target="_blank" rel="noreferrer">
              {repo} <span className="sr-only">(commit {shortSha(sha)} on GitHub)</span></a>
          : repo}
      </p>
      {error && (
        <p className="github-warning" data-testid="github-error">
          <strong>Could not post the status on GitHub:</strong> {error}{" "}
          <Link to={`/orgs/${org}/projects/${d.project_id}/git#private-repos`}>Set the organization&apos;s GitHub token</Link>
        </p>
      )}
    </>
  );
}

const GITHUB_BADGE: Record<string, string> = { success: "badge-ok", pending: "badge-busy", failure: "badge-bad", error: "badge-bad" };

/** The headline over a deployment's error, by where it is in failing. */
export function outcomeTitle(d: Deployment): string {
  const to = d.rollback_to_number ? ` to #${d.rollback_to_number}` : "";
  switch (d.status) {
    case "rolled_back": return "This release failed and was rolled back.";
    case "rollback_pending": case "rolling_back": return `This release failed: rolling back${to}…`;
    case "failed": return d.rollback_to ? "This release failed, and so did its rollback." : "This deployment failed.";
    default: return "Failure:";
  }
}

/** What this deployment runs: its image (wrapping, as a digest is long), or the repository it builds. */
function What({ d }: { d: Deployment }) {
  if (d.build && !d.image) return <>builds <span className="mono break">{d.build.repo}@{d.build.branch}</span></>;
  if (d.build) return <>built from <span className="mono break">{d.build.repo}@{d.build.branch}</span> as <span className="mono break" title={d.image ?? ""}>{shortImage(d.image ?? "")}</span></>;
  return <span className="mono break">{d.image}</span>;
}

/** An image pinned by digest (a build's, in our own registry) by 12 digits of the digest alone. */
export function shortImage(ref: string): string {
  const digest = ref.split("@")[1];
  return digest ? `${digest.slice(0, "sha256:".length + 12)}…` : ref;
}

/** A live deployment serves traffic only while it is the service's current release. */
function LiveNote({ org, d, liveId, web, endpoints }: { org: string; d: Deployment; liveId: string | null | undefined; web: boolean;
                                                      endpoints?: ServiceEndpoints | null }) {
  if (liveId && liveId !== d.id) {
    return <p className="outcome outcome-done">This release went live; <Link to={`/orgs/${org}/deployments/${liveId}`}>a later release</Link> serves traffic now.</p>;
  }
  return (
    <div className="outcome outcome-ok">
      <p>Live{web ? ": the load balancer sends traffic to this release." : "."}</p>
      {endpoints && (
        <p>
          {endpoints.url && <>Open <a href={endpoints.url} target="_blank" rel="noreferrer">{endpoints.url}</a>
            {endpoints.aliases?.map((a) => <Fragment key={a}>{" "}or <a href={a} target="_blank" rel="noreferrer">{a}</a></Fragment>)}, or reach it </>}
          {!endpoints.url && "Reach it "}with <code>{endpoints.try}</code>
        </p>
      )}
    </div>
  );
}
