import { lazy, Suspense } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { keys, useCan, useEnvironments, useProject, useServices } from "../api/queries";
import { DeleteByName } from "../components/DeleteByName";
import { CostEstimate } from "../components/CostEstimate";
import { Empty, ErrorNote, Loading } from "../components/Empty";
import { serviceStatus, StatusBadge, StatusChanges } from "../components/StatusBadge";
import { openAlertsText } from "../lib/alertWords";
import { ago } from "../lib/format";

// managing environments is rarer than looking at services: its code loads on demand
const EnvironmentsPanel = lazy(() => import("./Environments"));

/** A project's services for one environment, with live status badges (polled while deploying). */
export function ProjectServices() {
  const { org = "", project = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const env = params.get("env") ?? undefined;
  const proj = useProject(org, project);
  const envs = useEnvironments(org, project);
  const services = useServices(org, project, env);
  const can = useCan(org, project);
  const write = can("service.write");
  const newLink = `/orgs/${org}/projects/${project}/new${env ? `?env=${env}` : ""}`;

  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb"><Link to={`/orgs/${org}`}>Projects</Link> / <span>{proj.data?.name ?? "…"}</span></nav>
      <div className="heading">
        <h1>{proj.data?.name ?? "Project"}</h1>
        <Link className="button resources-link" to={`/orgs/${org}/projects/${project}/resources`}>Resources</Link>
        <Link className="button" to={`/orgs/${org}/projects/${project}/git`}>Git &amp; previews</Link>
        <Link className="button" to={`/orgs/${org}/projects/${project}/notifications`}>Notifications</Link>
        {write && <Link className="button primary" to={newLink}>New service</Link>}
      </div>
      {(envs.data?.items.length ?? 0) > 0 && (
        <div className="tabs" role="group" aria-label="Show environment">
          <button type="button" aria-pressed={!env} onClick={() => setParams({})}>All environments</button>
          {envs.data?.items.map((e) => (
            <button key={e.id} type="button" aria-pressed={env === e.name} onClick={() => setParams({ env: e.name })}>{e.name}</button>
          ))}
        </div>
      )}
      <CostEstimate org={org} project={project} environment={env} version={services.dataUpdatedAt.toString()} />
      {services.isPending && <Loading what="services" />}
      <ErrorNote error={services.error} retry={() => void services.refetch()} />
      {services.data && services.data.items.length === 0 && (
        <Empty title={env ? `No services in ${env} yet` : "No services yet"}>
          A service runs one container image: a web service behind a load balancer, a worker, or a cron job.{" "}
          {write ? <><Link to={newLink}>Create your first service</Link>.</> : "A developer, admin or owner adds them."}
        </Empty>
      )}
      {services.data && services.data.items.length > 0 && (
        <table className="table" aria-label="Services">
          <thead>
            <tr><th>Service</th><th>Status</th><th className="hide-narrow">Kind</th><th className="hide-narrow">Image</th><th className="hide-narrow">Environment</th><th className="hide-narrow">Updated</th></tr>
          </thead>
          <tbody>
            {services.data.items.map((s) => (
              <tr key={s.id}>
                <td><Link to={`/orgs/${org}/services/${s.id}`}>{s.name}</Link>{s.needs_deploy && s.status !== "new" && <small className="muted"> · changes to deploy</small>}</td>
                <td><StatusBadge status={serviceStatus(s)} />{s.teardown?.state === "failed" && <small className="muted"> · delete failed</small>}
                  {!!s.open_alerts?.length && <> <Link className="alert-chip" to={`/orgs/${org}/services/${s.id}/metrics`}>{openAlertsText(s.open_alerts)}</Link></>}</td>
                <td className="hide-narrow">{s.kind}</td>
                <td className="hide-narrow mono">{s.image ?? (s.source ? `${s.source.repo}@${s.source.branch}` : "")}</td>
                <td className="hide-narrow">{s.environment ?? "—"}</td>
                <td className="hide-narrow">{ago(s.updated)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <StatusChanges items={services.data?.items} />
      <Suspense fallback={<Loading what="environments" />}><EnvironmentsPanel org={org} project={project} /></Suspense>
      {can("project.delete") && proj.data && <DeleteProject org={org} project={project} name={proj.data.name} />}
    </section>
  );
}

/** The API deletes a project without services only (its refusal says so); then its environments'
 * AWS resources are removed by a worker. */
function DeleteProject({ org, project, name }: { org: string; project: string; name: string }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  return (
    <DeleteByName what="project" name={name}
      remove={() => unwrap(api.DELETE("/v1/orgs/{org}/projects/{project}", { params: { path: { org, project } } }))}
      onDeleted={() => { void qc.invalidateQueries({ queryKey: keys.projects(org) }); void navigate(`/orgs/${org}`); }}>
      Its services must be deleted first. Its environments go with it, and what they made in AWS: load balancer, log groups, and
      their databases, caches, buckets, volumes and queues (a database keeps a final snapshot, a volume's daily backups stay 35 days,
      a queue's messages go; one with deletion protection on stops the delete).
    </DeleteByName>
  );
}
