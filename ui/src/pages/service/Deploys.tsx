import { useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { Deployment, DeploySpec, Release, Service } from "../../api/models";
import { keys, useCan, useDeployment, useDeployments, useReleases } from "../../api/queries";
import { spotWords } from "../../lib/compute";
import { cpuLabel, memoryLabel } from "../../lib/fargate";
import { Empty, ErrorNote, Loading } from "../../components/Empty";
import { releaseStatus, StatusBadge } from "../../components/StatusBadge";
import { ago, duration } from "../../lib/format";
import type { DeploymentWithCommit } from "../../api/git";
import { CommitLine } from "../../components/GitBits";
import { canaryTag } from "../../components/CanaryPanel";

/** The commit a deployment recorded (a push names it), or the one its build resolved. */
const commitOf = (d: DeploymentWithCommit) => d.commit ?? (d.build?.commit_sha ? { sha: d.build.commit_sha } : null);

export function Deploys({ org, service }: { org: string; service: Service }) {
  const deps = useDeployments(org, service.id);
  const releases = useReleases(org, service.id, service.live_deployment_id);
  return (
    <div className="split">
      <section aria-labelledby="hist">
        <h2 id="hist">Deployment history</h2>
        {deps.isPending && <Loading what="deployments" />}
        <ErrorNote error={deps.error} retry={() => void deps.refetch()} />
        {deps.data?.items.length === 0 && <Empty title="Never deployed">Press Deploy to put this service on AWS; you will see every step as it runs.</Empty>}
        <ol className="deploy-list">
          {deps.data?.items.map((d) => (
            <li key={d.id}>
              <Link to={`/orgs/${org}/deployments/${d.id}`} className="deploy-row">
                <span className="num">#{d.number}</span>
                <StatusBadge status={releaseStatus(d, service.live_deployment_id)} />
                <span className="grow">{commitOf(d) ? <CommitLine commit={commitOf(d)} /> : <span className="mono">{d.image ?? (d.build ? `${d.build.repo}@${d.build.branch}` : "")}</span>}</span>
                <small className="muted">{d.canary ? `${canaryTag(d.canary)} · ` : ""}{d.rollback_of_number ? `rollback to #${d.rollback_of_number} · ` : d.restart_of_number ? `restart of #${d.restart_of_number} · ` : d.resume_of_number ? `resume of #${d.resume_of_number} · ` : d.promoted_from ? `from ${d.promoted_from.environment} #${d.promoted_from.number} · ` : ""}{d.actor} · {ago(d.created)}{d.finished ? ` · ${duration(d.created, d.finished)}` : ""}</small>
              </Link>
              {d.error && <p className="reason">{d.error}</p>}
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="rel">
        <h2 id="rel">Releases</h2>
        <p className="muted">Every deployment that went live. Rolling back redeploys that release exactly: its image digest, variables and secret versions.</p>
        {releases.data?.items.length === 0 && <Empty title="No releases yet">A release appears here once a deployment goes live.</Empty>}
        <ul className="release-list">
          {releases.data?.items.map((r) => (
            <ReleaseRow key={r.deployment_id} org={org} service={service} release={r} current={releases.data?.items.find((x) => x.current)} />
          ))}
        </ul>
      </section>
    </div>
  );
}

function ReleaseRow({ org, service, release, current }: { org: string; service: Service; release: Release; current?: Release | undefined }) {
  const [confirming, setConfirming] = useState(false);
  const can = useCan(org, service.project_id);
  // the keyboard follows: into the confirmation when it opens, back to its button when kept
  const ask = useRef<HTMLDivElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  useEffect(() => { if (confirming) ask.current?.focus(); }, [confirming]);
  const keep = () => { setConfirming(false); setTimeout(() => opener.current?.focus()); };
  const qc = useQueryClient();
  const navigate = useNavigate();
  const paused = service.status === "suspending" || service.status === "suspended";   // the API refuses it (409)
  const rollback = useMutation({
    mutationFn: () =>
      unwrap<Deployment>(
        api.POST("/v1/orgs/{org}/services/{svc}/rollback", {
          params: { path: { org, svc: service.id } },
          headers: { "Idempotency-Key": crypto.randomUUID() },
          body: { deployment_id: release.deployment_id },
        }),
      ),
    onSuccess: (dep) => {
      void qc.invalidateQueries({ queryKey: keys.deployments(org, service.id) });
      navigate(`/orgs/${org}/deployments/${dep.id}`);
    },
  });
  // both releases' settings and variables, read once the confirmation opens, for the exact changes
  const from = useDeployment(org, current?.deployment_id ?? "", confirming);
  const to = useDeployment(org, release.deployment_id, confirming);
  const specs = from.data?.spec && to.data?.spec ? [from.data.spec, to.data.spec] as const : undefined;
  const changes = current ? releaseChanges(current, release, specs) : [];
  return (
    <li className="release">
      <div className="deploy-row">
        <span className="num">#{release.number}</span>
        <span className="mono grow">{release.image}</span>
        {release.current ? <span className="badge badge-ok">current</span> : can("deploy") && (
          <button ref={opener} onClick={() => setConfirming(true)} disabled={confirming || paused}
            title={paused ? "Suspended: resume it first" : undefined}>Roll back to #{release.number}</button>
        )}
      </div>
      <small className="muted">{release.actor} · {ago(release.finished ?? release.created)}</small>
      {confirming && (
        <div ref={ask} tabIndex={-1} className="confirm" role="dialog" aria-label={`Roll back to #${release.number}`}
          onKeyDown={(e) => e.key === "Escape" && keep()}>
          <strong>Roll back to release #{release.number}?</strong>
          {changes.length ? (
            <ul>{changes.map((c) => <li key={c}>{c}</li>)}</ul>
          ) : (
            <p>Same image and secret versions as the current release; the task definition of #{release.number} is redeployed.</p>
          )}
          <ErrorNote error={rollback.error} />
          <div className="actions">
            <button className="primary" onClick={() => rollback.mutate()} disabled={rollback.isPending}>Roll back</button>
            <button onClick={keep}>Keep current</button>
          </div>
        </div>
      )}
    </li>
  );
}

/** What a rollback from `current` to `target` changes, in words; with both releases' specs, each
 * setting and variable that differs (else only that "its variables and settings" come back). */
export function releaseChanges(current: Release, target: Release, specs?: readonly [DeploySpec, DeploySpec]): string[] {
  const out: string[] = [];
  if (current.image !== target.image) out.push(`image: ${current.image} → ${target.image}`);
  const names = new Set([...Object.keys(current.secret_versions), ...Object.keys(target.secret_versions)]);
  for (const n of [...names].sort()) {
    const a = current.secret_versions[n];
    const b = target.secret_versions[n];
    if (a !== b) out.push(`secret ${n}: ${a ? `v${a}` : "absent"} → ${b ? `v${b}` : "absent"}`);
  }
  if (!specs) {
    out.push(`release: #${current.number} → #${target.number} (its variables and settings)`);
    return out;
  }
  const changed = specChanges(specs[0], specs[1]);
  out.push(...changed, `release: #${current.number} → #${target.number}${changed.length ? "" : " (same variables and settings)"}`);
  return out;
}

const SHOWN = 40;
const value = (v: string | undefined) => (v === undefined ? "absent" : v.length > SHOWN ? `${v.slice(0, SHOWN - 1)}…` : v || '""');

const seconds = (n: number | null | undefined) => (n == null ? "default" : `${n} s`);

// The settings a rollback can change, each in words (the image is the release's own line).
const SETTINGS: [string, (s: DeploySpec) => string][] = [
  ["CPU", (s) => cpuLabel(s.cpu)], ["memory", (s) => memoryLabel(s.memory)],
  ["instances", (s) => `${s.min_instances}–${s.max_instances}`],
  ["scale on CPU", (s) => (s.autoscaling ? `at ${s.autoscaling.cpu_target}%` : "off")],
  ["architecture", (s) => s.architecture || "x86_64"], ["capacity", (s) => spotWords(s.spot)],
  ["port", (s) => String(s.port ?? "none")], ["command", (s) => (s.command?.length ? s.command.join(" ") : "the image's own")],
  ["release command", (s) => (s.release_command?.length ? s.release_command.join(" ") : "none")],
  ["health check path", (s) => s.health_check?.path ?? "none"],
  ["health check interval", (s) => seconds(s.health_check?.interval_seconds)],
  ["health check grace period", (s) => seconds(s.health_check?.grace_period_seconds)],
  ["deregistration delay", (s) => seconds(s.deregistration_delay)],
  ["schedule", (s) => s.schedule ?? "none"], ["domain", (s) => s.domain ?? "none"],
];

/** Every setting and variable that differs between two specs, as "name: before → after". */
export function specChanges(a: DeploySpec, b: DeploySpec): string[] {
  const out: string[] = [];
  for (const [name, show] of SETTINGS) {
    const [x, y] = [show(a), show(b)];
    if (x !== y) out.push(`${name}: ${x} → ${y}`);
  }
  const names = new Set([...Object.keys(a.env ?? {}), ...Object.keys(b.env ?? {})]);
  for (const n of [...names].sort()) {
    if (a.env?.[n] !== b.env?.[n]) out.push(`variable ${n}: ${value(a.env?.[n])} → ${value(b.env?.[n])}`);
  }
  return out;
}
