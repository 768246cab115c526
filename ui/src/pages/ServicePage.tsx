import { lazy, Suspense, useId, useState } from "react";
import { Link, NavLink, useParams, useSearchParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { Environment, Freeze, Maintenance, Service, ServiceEndpoints } from "../api/models";
import { keys, useCan, useDeployments, useEnvironment, useProject, useProjectRole, useService, useServiceFollows } from "../api/queries";
import { freezeUntilWords } from "../components/FreezeForm";
import { sleepingServiceWords } from "../components/SleepScheduleForm";
import { windowTime } from "../components/RecurringWindowsForm";
import { DeployDialog } from "../components/DeployDialog";
import { RestartDialog } from "../components/RestartDialog";
import { ResumeDialog, SuspendDialog } from "../components/SuspendDialog";
import { EndMaintenanceDialog, MaintenanceDialog, maintenanceBlocked, maintenanceWords } from "../components/MaintenanceDialog";
import { CostEstimate } from "../components/CostEstimate";
import { Loading, PageError } from "../components/Empty";
import { serviceStatus, StatusBadge, StatusChanges } from "../components/StatusBadge";
import { openAlertsText } from "../lib/alertWords";
import { TeardownNote } from "../components/TeardownNote";
import { canarySettingWords } from "../components/CanaryPanel";
import { computeSummary } from "../lib/compute";
import { cpuLabel, memoryLabel } from "../lib/fargate";
import { ago } from "../lib/format";
import { addressWords } from "../lib/addresses";
import { registryHost } from "../lib/registries";
import { useRegistries } from "../api/registries";
import { queueScalingWords, scheduleWords as scalingWords } from "../lib/scaling";
import { Deploys } from "./service/Deploys";
import { Secrets } from "./service/Secrets";
import { Settings } from "./service/Settings";
import { Domain, HttpsBadge } from "./service/Domain";
import { Runs } from "./service/Runs";
import { Logs } from "./service/Logs";
import { Links } from "./service/Links";

const Observe = lazy(() => import("./service/Observe"));  // its own chunk: charts load with their tab

export default function ServicePage() {
  const { org = "", svc = "", tab = "deploys" } = useParams();
  const [params] = useSearchParams();
  const service = useService(org, svc);
  const s = service.data;
  const project = useProject(org, s?.project_id ?? "");
  // its environment's deploy freeze: new releases are refused there (rollbacks and restarts still run)
  const environment = useEnvironment(org, s?.project_id ?? "", s?.environment_id ?? s?.environment ?? "");
  const frozenId = useId();
  useServiceFollows(org, svc, useDeployments(org, svc).data?.items);
  const [confirming, setConfirming] = useState(false);
  const [restarting, setRestarting] = useState(false);
  const [pausing, setPausing] = useState<"suspend" | "resume" | null>(null);
  const [maintaining, setMaintaining] = useState<"page" | "end" | null>(null);
  const can = useCan(org, s?.project_id);
  const projectRole = useProjectRole(org, s?.project_id);
  if (service.isPending) return <Loading what="service" />;
  if (!s) return <PageError title="Cannot show this service" error={service.error} retry={() => void service.refetch()} />;
  const base = `/orgs/${org}/services/${svc}`;
  const env = environment.data;
  const freeze = env?.freeze ?? null;
  const tabs: [string, string][] = [["deploys", "Deployments"], ["logs", "Logs"], ["variables", "Variables & secrets"], ["resources", "Resources"], ["settings", "Settings"]];
  if (s.kind === "web") tabs.push(["domain", "Domain"]);
  tabs.push(["runs", "Runs"]);   // cron runs and one-off commands, for every kind
  if (s.kind !== "cron") tabs.push(["metrics", "Metrics"]);

  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={`/orgs/${org}`}>Projects</Link> / <Link to={`/orgs/${org}/projects/${s.project_id}`}>{project.data?.name ?? "project"}</Link> / <span>{s.name}</span>
      </nav>
      <div className="heading">
        <h1>{s.name} <StatusBadge status={serviceStatus(s)} />
          {!!s.open_alerts?.length && <> <Link className="alert-chip" to={`${base}/metrics`}>{openAlertsText(s.open_alerts)}</Link></>}</h1>
        {can("deploy") && (
          <div className="actions">
            {s.live_deployment_id && s.status === "live" && (
              <button onClick={() => setPausing("suspend")} aria-haspopup="dialog">Suspend</button>
            )}
            {s.status === "suspended" && (
              <button onClick={() => setPausing("resume")} aria-haspopup="dialog">Resume</button>
            )}
            {s.kind === "web" && s.live_deployment_id && !suspended(s) && s.status !== "deleting" && (
              // on while the page shows; a deployment under way routes the hosts itself: the API refuses then (409)
              <button onClick={() => setMaintaining(s.maintenance ? "end" : "page")} aria-haspopup="dialog"
                disabled={s.status === "deploying"} title={s.status === "deploying" ? `Not now: ${maintenanceBlocked(s)}` : undefined}>
                {s.maintenance ? "End maintenance" : "Maintenance"}
              </button>
            )}
            {s.kind !== "cron" && s.live_deployment_id && !suspended(s) && (
              <button onClick={() => setRestarting(true)} disabled={s.status === "deleting" || s.status === "deploying"} aria-haspopup="dialog"
                title={s.status === "deploying" ? "A deployment is under way: it replaces the tasks anyway" : undefined}>
                Restart
              </button>
            )}
            <button className="primary" onClick={() => setConfirming(true)} disabled={s.status === "deleting" || suspended(s) || !!freeze}
              aria-haspopup="dialog" aria-describedby={freeze ? frozenId : undefined}
              title={suspended(s) ? `${pausedWord(s)}: resume it first` : freeze ? `${env!.name} is frozen: new deploys are refused` : undefined}>
              Deploy
            </button>
          </div>
        )}
      </div>
      {/* a freeze set or lifted while the page is open is said (the environment is read again every 30 s) */}
      <div aria-live="polite">
        {env && freeze && <FrozenNotice id={frozenId} org={org} env={env} freeze={freeze} canLift={can("project.write")} />}
        {s.maintenance && (
          <MaintenanceNotice m={s.maintenance} paused={suspended(s)}
            onChange={can("deploy") && s.status !== "deploying" && !suspended(s) ? () => setMaintaining("page") : undefined} />
        )}
      </div>
      {!can("service.write") && <p className="muted small">
        {projectRole ? `Your role in this project is ${projectRole}: you read this service only;` : "Your role reads this service only:"} deploying
        and changing it take the developer role or higher.</p>}
      <StatusChanges items={[s]} />
      {confirming && <DeployDialog org={org} service={s} onClose={() => setConfirming(false)} />}
      {restarting && <RestartDialog org={org} service={s} onClose={() => setRestarting(false)} />}
      {pausing === "suspend" && <SuspendDialog org={org} service={s} onClose={() => setPausing(null)} />}
      {pausing === "resume" && <ResumeDialog org={org} service={s} onClose={() => setPausing(null)} />}
      {maintaining === "page" && <MaintenanceDialog org={org} service={s} onClose={() => setMaintaining(null)} />}
      {maintaining === "end" && <EndMaintenanceDialog org={org} service={s} onClose={() => setMaintaining(null)} />}
      {s.status === "deleting" && <Deleting org={org} s={s} canRetry={can("service.write")} />}
      <Summary org={org} s={s} canResume={can("deploy")} envIps={env?.allowed_ips} />
      <CostEstimate org={org} service={s.id} version={s.updated} />
      <nav className="tabs" aria-label="Service sections">
        {tabs.map(([id, label]) => (
          <NavLink key={id} to={id === "deploys" ? base : `${base}/${id}`} end>{label}</NavLink>
        ))}
      </nav>
      {tab === "deploys" && <Deploys org={org} service={s} />}
      {tab === "logs" && <Logs org={org} service={s} task={params.get("task")} />}
      {tab === "variables" && <Secrets org={org} service={s} />}
      {tab === "resources" && <Links org={org} service={s} />}
      {tab === "settings" && <Settings org={org} service={s} />}
      {tab === "domain" && <Domain org={org} service={s} />}
      {tab === "runs" && <Runs org={org} service={s} />}
      {tab === "metrics" && <Suspense fallback={<Loading what="metrics" />}><Observe org={org} service={s} /></Suspense>}
    </section>
  );
}

/** The service's environment is frozen: why, until when (local time), who froze it; deploys are
 * refused, rollbacks and restarts still run. Describes the disabled Deploy button (`id`). */
function FrozenNotice({ id, org, env, freeze, canLift }: { id: string; org: string; env: Environment; freeze: Freeze; canLift: boolean }) {
  return (
    <p id={id} className="notice freeze-notice" data-testid="frozen">
      <span className="badge badge-warn">frozen</span>{" "}
      <strong>The {env.name} environment is frozen {freezeUntilWords(freeze)}: {freeze.reason}.</strong>{" "}
      New deploys are refused; rollbacks and restarts still run.{" "}
      <span className="muted">Frozen by {freeze.by} ({ago(freeze.at)}).</span>
      {canLift && <> Lift it under the project's <Link to={`/orgs/${org}/projects/${env.project_id}`}>environments</Link>.</>}
    </p>
  );
}

/** The service is in maintenance: since when, by whom, the page's message; its tasks run on. With
 * `onChange` (a developer or higher, nothing under way) a button changes the message. */
function MaintenanceNotice({ m, paused, onChange }: { m: Maintenance; paused: boolean; onChange?: () => void }) {
  return (
    <p className="notice maintenance-notice" data-testid="maintenance">
      <span className="badge badge-warn">maintenance</span>{" "}
      <strong>{maintenanceWords(m)}</strong>{" "}
      {paused
        // suspended meanwhile: the load balancer's own 503 answers until the resume, which brings the page back
        ? "While it is suspended its hosts answer 503 service suspended instead; the page is back once it resumes."
        : "Its tasks keep running; deploys made meanwhile roll out behind the page until maintenance ends."}
      {onChange && <> <button type="button" onClick={onChange} aria-haspopup="dialog">Change the message</button></>}
    </p>
  );
}

/** Where a service built from source comes from; build args by name (their values are in Settings). */
function SourceText({ s }: { s: Service }) {
  if (!s.source) return null;
  const args = Object.keys(s.build_env ?? {});
  return (
    <span data-testid="service-source">
      <span className="mono">{s.source.repo}</span> · branch <span className="mono">{s.source.branch}</span> · <span className="mono">{s.source.dockerfile}</span>
      {s.source.context !== "." && <> in <span className="mono">{s.source.context}</span></>}
      {args.length > 0 && <> · build args {args.map((a) => <code key={a}>{a} </code>)}</>}
      {/* watch paths: a push deploys it only when it touches one */}
      {!!s.source.paths?.length && <> · deploys on pushes touching <span className="mono">{s.source.paths.join(", ")}</span></>}
    </span>
  );
}

const suspended = (s: Service) => s.status === "suspending" || s.status === "suspended";

/** "Suspended", or "Asleep until <local time>" when its environment's sleep schedule put it to sleep. */
const pausedWord = (s: Service) =>
  s.suspended?.sleep ? `Asleep${s.suspended.until ? ` until ${windowTime(s.suspended.until)}` : ""}` : "Suspended";

const instances = (s: Service) =>
  s.min_instances === s.max_instances ? `${s.min_instances} instance${s.min_instances === 1 ? "" : "s"}` : `${s.min_instances}–${s.max_instances} instances`;

/** EventBridge's schedule expressions (as the API stores them) in words, for the common shapes. */
export function scheduleWords(expr: string): string {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expr);
  if (rate) return rate[1] === "1" ? `every ${rate[2]}` : `every ${rate[1]} ${rate[2]}s`;
  const two = (n: string) => n.padStart(2, "0");
  const daily = /^cron\((\d+) (\d+) \* \* \? \*\)$/.exec(expr);
  if (daily) return `daily at ${two(daily[2]!)}:${two(daily[1]!)} UTC`;
  const hourly = /^cron\((\d+) \* \* \* \? \*\)$/.exec(expr);
  if (hourly) return `hourly at :${two(hourly[1]!)}`;
  return "";
}

/** A service being deleted: progress, or why removing it from AWS failed and what to do about it
 * (the DELETE sent again resumes where the teardown stopped). */
function Deleting({ org, s, canRetry }: { org: string; s: Service; canRetry: boolean }) {
  const qc = useQueryClient();
  return (
    <TeardownNote teardown={s.teardown} failed="Deleting this service failed; what it runs in AWS is still there."
      fix="Fix the cause (for a connected AWS account: its Launchbay role and policy), then retry the delete: it resumes where it stopped."
      removing="Deleting: removing what this service runs in AWS…"
      retry={() => unwrap<Service>(api.DELETE("/v1/orgs/{org}/services/{svc}", { params: { path: { org, svc: s.id } } }))}
      onRetried={(x) => qc.setQueryData(keys.service(org, s.id), x)}
      canRetry={canRetry} cannotRetry="Retrying takes the developer role or higher." />
  );
}

/** Where the live release answers: the custom domain and its aliases once routed (https:// once
 * each is served so, a badge saying which), and always the load balancer with the service's host (no
 * public DNS name: the Host header picks the service). */
function Address({ e, sandbox, paused, maintenance }: { e: ServiceEndpoints; sandbox: boolean; paused: boolean; maintenance: boolean }) {
  return (
    <div className="wide">
      <dt>Address</dt>
      <dd>
        <PublicAddresses e={e} />
        <div className="mono">{e.try}</div>
        {paused && <div className="muted">while suspended it answers <span className="mono">503 service suspended</span></div>}
        {maintenance && !paused && <div className="muted">in maintenance: every address answers the 503 maintenance page</div>}
        {sandbox && <div className="muted">sandbox: the address is simulated; nothing answers there</div>}
      </dd>
    </div>
  );
}

/** The custom domain's address and its aliases', each a link with whether it is served over HTTPS. */
export function PublicAddresses({ e }: { e: ServiceEndpoints }) {
  const urls = [...(e.url ? [e.url] : []), ...(e.aliases ?? [])];
  return urls.map((url) => (
    <div key={url} className="address">
      <a href={url} target="_blank" rel="noreferrer" className="mono">{url}</a> <HttpsBadge on={url.startsWith("https://")} />
    </div>
  ));
}

/** The private address (Cloud Map): what the environment's other services call it by, inside the VPC. */
function PrivateAddress({ address }: { address: string }) {
  const domain = address.split(".").slice(1).join(".").replace(/:\d+$/, "");
  return (
    <div className="wide">
      <dt>Private address</dt>
      <dd>
        <div className="mono">{address}</div>
        <div className="muted">from the environment's other services only; their tasks find <span className="mono">{domain}</span> in LAUNCHBAY_PRIVATE_DOMAIN</div>
      </dd>
    </div>
  );
}

/** "pulls with credentials for ghcr.io (bot)" under the image, when the organization has
 * credentials for the registry it is in (lib/registries.ts reads the host as Docker does). */
function PullCredentials({ org, image }: { org: string; image: string | null | undefined }) {
  const host = registryHost(image);
  const registries = useRegistries(org, !!host);
  const c = registries.data?.items.find((r) => r.host === host);
  if (!c) return null;
  return (
    <div className="muted small" data-testid="pull-credentials">
      pulls with credentials for <Link to={`/orgs/${org}/registries`} className="mono">{c.host}</Link> ({c.username})
    </div>
  );
}

/** envIps: its environment's client addresses, which a web service without a list of its own answers only */
function Summary({ org, s, canResume, envIps }: { org: string; s: Service; canResume: boolean; envIps: string[] | null | undefined }) {
  const from = s.last_error_deployment;
  const ownIps = !!s.allowed_ips?.length;
  return (
    <dl className="summary">
      <div><dt>Kind</dt><dd>{s.kind}</dd></div>
      <div><dt>Environment</dt><dd>{s.environment ?? "—"}</dd></div>
      {s.source
        ? <div><dt>Source</dt><dd><SourceText s={s} /></dd></div>
        : <div><dt>Image</dt><dd><span className="mono">{s.image}</span><PullCredentials org={org} image={s.image} /></dd></div>}
      <div><dt>Live release</dt><dd className="mono">{s.live_deployment_id ? (s.live_image ?? s.live_deployment_id) : "not deployed yet"}</dd></div>
      <div><dt>Size</dt><dd>{cpuLabel(s.cpu)} · {memoryLabel(s.memory)}{s.kind !== "cron" && ` · ${instances(s)}`}</dd></div>
      <div><dt>Compute</dt><dd data-testid="compute">{computeSummary(s)}</dd></div>
      {s.kind === "web" && <div><dt>Health check</dt><dd className="mono">{s.health_check?.path ?? "/"} (port {s.port})</dd></div>}
      {s.kind !== "cron" && !!s.autoscaling?.schedule?.length && (
        <div><dt>Scaling</dt><dd data-testid="scaling-schedule">on a schedule: {scalingWords(s.autoscaling.schedule)}</dd></div>
      )}
      {s.kind !== "cron" && s.autoscaling?.queue && (
        <div><dt>Queue scaling</dt><dd data-testid="scaling-queue">about {queueScalingWords(s.autoscaling.queue)}</dd></div>
      )}
      {s.kind === "web" && s.redirect_aliases && !!s.aliases?.length && s.domain && (
        <div><dt>Aliases</dt><dd data-testid="redirect-aliases">{s.aliases.join(", ")} redirect{s.aliases.length === 1 ? "s" : ""} to {s.domain} (a 301, path and query kept)</dd></div>
      )}
      {s.kind === "web" && s.canary && <div><dt>Canary</dt><dd data-testid="canary-setting">{canarySettingWords(s.canary)}</dd></div>}
      {s.kind === "web" && (ownIps || !!envIps?.length) && (
        <div>
          <dt>Reachable from</dt>
          <dd data-testid="allowed-ips">
            <span className="mono">{addressWords(ownIps ? s.allowed_ips : envIps)}</span>
            {!ownIps && <span className="muted"> (its environment's)</span>}
          </dd>
        </div>
      )}
      {s.release_command && <div><dt>Release command</dt><dd className="mono">{s.release_command.join(" ")}</dd></div>}
      {s.kind === "cron" && <div><dt>Schedule</dt><dd>{scheduleWords(s.schedule ?? "")} <span className="mono muted nowrap">{s.schedule}</span></dd></div>}
      {s.suspended && (
        <div className="pending" data-testid="suspended">
          <dt>Suspended</dt>
          <dd>
            {s.status === "suspending" ? "Stopping what it runs… " : s.kind === "cron" ? "Its schedule is off. " : "No tasks run. "}
            {sleepingServiceWords(s)
              // put to sleep by its environment's sleep schedule (`by` names the schedule): until when, and the way to wake it early
              ? <>{sleepingServiceWords(s)}{" "}
                {canResume ? "Resume wakes it now." : "Someone with the developer role or higher can wake it now with Resume."}{" "}
                Asleep since {new Date(s.suspended.at).toLocaleString()}.</>
              : <>Since {new Date(s.suspended.at).toLocaleString()} by {s.suspended.by}.</>}
            {s.suspended.error && <span className="bad"> Still trying: {s.suspended.error}</span>}
          </dd>
        </div>
      )}
      {s.endpoints && <Address e={s.endpoints} sandbox={!!s.sandbox} paused={s.status === "suspended"} maintenance={!!s.maintenance} />}
      {s.private_address && <PrivateAddress address={s.private_address} />}
      {s.needs_deploy && s.live_deployment_id && <div className="pending"><dt>Pending</dt><dd>Changes since the live release take effect with the next deploy.</dd></div>}
      {s.last_error && (
        <div className="bad">
          <dt>Last error</dt>
          <dd>
            {from && <><Link to={`/orgs/${org}/deployments/${from.deployment_id}`}>deployment #{from.number}</Link>
              {s.live_deployment_id && s.live_deployment_id !== from.deployment_id && <span className="muted"> (not the live release)</span>}: </>}
            {s.last_error}
          </dd>
        </div>
      )}
    </dl>
  );
}
