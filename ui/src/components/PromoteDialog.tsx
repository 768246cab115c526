// Promotion (chalicelib/deploys/promote.py): what is live in one environment deployed to the
// same-named services of another, the image by digest, nothing rebuilt. The plan first (GET, read
// only), each service it would deploy ticked (untick to leave one out), then Promote (POST, the
// ticked names in `services`) and a link to each deployment it started.
import { useEffect, useId, useRef, useState, type RefObject } from "react";
import { Link } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { DeployStatus } from "../api/models";
import { keys, useCan } from "../api/queries";
import { ErrorNote, Loading } from "./Empty";
import { Field } from "./Field";
import { shortSha } from "./GitBits";
import { Modal } from "./Modal";
import { statusWords } from "./StatusBadge";

/** A live release as the plan names it. */
export interface PromoteRelease {
  deployment_id: string; number: number; service_id: string; image: string;
  commit: { sha: string; message?: string | null; author?: string | null } | null;
}
/** One service of the source: what promoting does to its namesake in the target, and why. */
export interface PromoteEntry {
  service: string; kind: string; from: PromoteRelease | null;
  to: { service_id: string; kind: string; status: string; live: PromoteRelease | null } | null;
  action: "deploy" | "skip"; reason: string; approval: boolean; warnings: string[];
  /** after POST, the deployment it started (or, skipped, the same promotion already on its way) */
  deployment?: { id: string; number: number; status: DeployStatus };
}
/** GET/POST …/environments/{env}/promote (tests/deploys/test_promote.py). */
export interface PromotePlan {
  from: { id: string; name: string };
  to: { id: string; name: string; require_approval: boolean };
  services: PromoteEntry[];
  summary: { deploy: number; skip: number; approval: number };
}

/** An image as the plan table shows it: the registry host left out, a digest by 12 hex digits. */
export function shortImage(ref: string): string {
  const [name = "", digest] = ref.split("@sha256:");
  const parts = name.split("/");
  const host = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!);
  const repo = host ? "…/" + parts.slice(1).join("/") : name;
  return digest === undefined ? repo : `${repo}@sha256:${digest.slice(0, 12)}`;
}

/** "2 will deploy, 1 skipped; 1 waits for approval" ("2 will deploy, 1 left out, 1 skipped" with
 * `leftOut` services the user unticked) */
export function promoteSummaryWords(s: PromotePlan["summary"], done = false, leftOut = 0): string {
  const words = `${s.deploy} ${done ? "deploying" : "will deploy"}, ${leftOut ? `${leftOut} left out, ` : ""}${s.skip} skipped`;
  return s.approval ? `${words}; ${s.approval} ${s.approval === 1 ? "waits" : "wait"} for approval` : words;
}

/** The plan's entries that would deploy and are not unticked, in the plan's order: what Promote sends. */
export const chosenEntries = (plan: PromotePlan, unticked: ReadonlySet<string>) =>
  plan.services.filter((e) => e.action === "deploy" && !unticked.has(e.service));

/** The plan's summary for the chosen services: the unticked ones neither deploy nor count as skipped. */
export function chosenSummary(plan: PromotePlan, chosen: PromoteEntry[]): PromotePlan["summary"] {
  return { deploy: chosen.length, skip: plan.summary.skip, approval: chosen.filter((e) => e.approval).length };
}

/** "Promote 2 services", "Promote 1 service" */
export const promoteButtonWords = (n: number) => `Promote ${n} service${n === 1 ? "" : "s"}`;

/** A deployment's status in words, as the result of a promotion says it. */
export const promotedStatusWords = (status: string) => (status === "awaiting_approval" ? "waiting for approval" : statusWords(status));

/** The target a promotion picks first: production, else the first other environment. */
export const defaultTarget = (others: string[]) => (others.includes("production") ? "production" : others[0] ?? "");

/** Promote `from` (an environment's name) to one of `others` (the project's other environments). */
export function PromoteDialog({ org, project, from, others, onClose }: {
  org: string; project: string; from: string; others: string[]; onClose: () => void;
}) {
  const qc = useQueryClient();
  const canDeploy = useCan(org, project)("deploy");
  const [to, setTo] = useState(() => defaultTarget(others));
  const [done, setDone] = useState<PromotePlan | null>(null);
  // by name, the services the user left out (kept when the target changes: the same source services)
  const [unticked, setUnticked] = useState<ReadonlySet<string>>(() => new Set());
  const path = { org, project, env: from };
  const plan = useQuery({
    queryKey: ["promote-plan", org, project, from, to],
    staleTime: 0, gcTime: 0,   // what is live now, each time it opens
    enabled: !!to && !done,
    queryFn: () => unwrap<PromotePlan>(api.GET("/v1/orgs/{org}/projects/{project}/environments/{env}/promote", {
      params: { path, query: { to } },
    })),
  });
  const promote = useMutation({
    // exactly the ticked services: one added or changed since the plan was read is not promoted unseen
    mutationFn: (services: string[]) => unwrap<PromotePlan>(api.POST("/v1/orgs/{org}/projects/{project}/environments/{env}/promote", {
      params: { path }, headers: { "Idempotency-Key": crypto.randomUUID() }, body: { to, services },
    })),
    onSuccess: (out) => {
      setDone(out);
      for (const e of out.services) {
        if (!e.deployment || !e.to) continue;
        void qc.invalidateQueries({ queryKey: keys.deployments(org, e.to.service_id) });
        void qc.invalidateQueries({ queryKey: keys.service(org, e.to.service_id) });
      }
      void qc.invalidateQueries({ queryKey: ["services", org, project] });
    },
  });
  const p = plan.data;
  const nothing = p && p.summary.deploy === 0;
  const chosen = p ? chosenEntries(p, unticked) : [];
  const whyNot = !p ? null
    : !canDeploy ? "Viewers see the plan; developers, admins and owners promote."
    : nothing ? "Nothing to promote: every service is skipped (the table says why)."
    : chosen.length === 0 ? "No service chosen: tick at least one to promote."
    : null;
  const toggle = (name: string, on: boolean) => {
    const next = new Set(unticked);
    if (on) next.delete(name); else next.add(name);
    setUnticked(next);
    promote.reset();
  };
  const whyId = useId();
  const resultHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => { if (done) resultHeading.current?.focus(); }, [done]);
  return (
    <Modal title={`Promote ${from}`} onClose={onClose}>
      {done ? <Result org={org} out={done} heading={resultHeading} onClose={onClose} /> : (
        <>
          <p className="muted">
            Deploys what is live in {from} to the same-named services of another environment: the same image (by digest) and
            commit, with that environment's own settings, variables and secrets. Nothing is rebuilt.
          </p>
          <Field label="Promote to">
            <select value={to} onChange={(e) => { setTo(e.target.value); promote.reset(); }}>
              {others.map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          </Field>
          {plan.isLoading && <Loading what="the plan" />}
          {plan.error ? <ErrorNote error={plan.error} retry={() => void plan.refetch()} /> : null}
          {p && <PlanView plan={p} chosen={chosen} pick={canDeploy ? toggle : undefined} />}
          <ErrorNote error={promote.error} />
          {whyNot && <p id={whyId} className="muted">{whyNot}</p>}
          <div className="actions">
            <button className="primary" onClick={() => promote.mutate(chosen.map((e) => e.service))}
              aria-describedby={whyNot ? whyId : undefined} disabled={!p || !!whyNot || promote.isPending || plan.isFetching}>
              {promote.isPending ? "Promoting…" : p && canDeploy && !nothing ? promoteButtonWords(chosen.length) : "Promote"}
            </button>
            <button className="cancel" onClick={onClose}>Cancel</button>
          </div>
        </>
      )}
    </Modal>
  );
}

function ReleaseCell({ r }: { r: PromoteRelease | null | undefined }) {
  if (!r) return <span className="muted">none</span>;
  return (
    <>
      release #{r.number} <span className="mono" title={r.image}>{shortImage(r.image)}</span>
      {r.commit?.sha && <> <span className="mono" title={r.commit.sha}>{shortSha(r.commit.sha)}</span></>}
    </>
  );
}

/** What happens to the service: deploy (unticked: left out) or skip. */
function Action({ e, left }: { e: PromoteEntry; left: boolean }) {
  if (left) return <strong>Left out</strong>;
  return (
    <>
      <strong>{e.action === "deploy" ? "Deploy" : "Skip"}</strong>
      {e.approval && <> <span className="badge badge-warn">waits for approval</span></>}
    </>
  );
}

/** The plan as a table; with `pick` (someone who may promote), a checkbox on each service it would
 * deploy, ticked while it is among `chosen`. */
function PlanView({ plan, chosen, pick }: {
  plan: PromotePlan; chosen: PromoteEntry[]; pick?: ((name: string, on: boolean) => void) | undefined;
}) {
  const warningsId = useId();
  const isLeftOut = (e: PromoteEntry) => !!pick && e.action === "deploy" && !chosen.includes(e);
  // a service left out is not checked first
  const warned = plan.services.filter((e) => e.warnings.length > 0 && !isLeftOut(e));
  const leftOut = pick ? plan.summary.deploy - chosen.length : 0;
  if (plan.services.length === 0) return <p>{plan.from.name} has no services to promote.</p>;
  return (
    <>
      <table className="table promote-plan" aria-label={`Promotion plan: ${plan.from.name} to ${plan.to.name}`}>
        <thead>
          <tr><th scope="col">Service</th><th scope="col" className="hide-narrow">What happens</th><th scope="col">From {plan.from.name}</th>
            <th scope="col">Now in {plan.to.name}</th><th scope="col" className="hide-narrow">Why</th></tr>
        </thead>
        <tbody>
          {/* on a phone, three columns: what happens and why go under the service's name */}
          {plan.services.map((e) => (
            <tr key={e.service} data-service={e.service} data-action={e.action} data-left-out={isLeftOut(e) || undefined}>
              <th scope="row">
                {/* the name labels the checkbox: a click on it ticks too (a bigger target on a phone) */}
                {pick && e.action === "deploy" ? (
                  <label className="promote-pick">
                    <input type="checkbox" checked={!isLeftOut(e)} onChange={(ev) => pick(e.service, ev.target.checked)} />
                    {e.service}
                  </label>
                ) : pick ? <span className="promote-pick-none">{e.service}</span> : e.service}
                <span className="narrow-only promote-narrow"><span><Action e={e} left={isLeftOut(e)} /></span><small>{e.reason}</small></span>
              </th>
              <td className="hide-narrow"><Action e={e} left={isLeftOut(e)} /></td>
              <td><ReleaseCell r={e.from} /></td>
              <td>{e.to ? <ReleaseCell r={e.to.live} /> : <span className="muted">no such service</span>}</td>
              <td className="hide-narrow">{e.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {warned.length > 0 && (
        <section aria-labelledby={warningsId}>
          <h3 id={warningsId}>Check first</h3>
          <ul className="promote-warnings">
            {warned.flatMap((e) => e.warnings.map((w) => (
              <li key={`${e.service}:${w}`} className="promote-warning"><strong>Warning:</strong> {w}</li>
            )))}
          </ul>
        </section>
      )}
      <p><strong>{promoteSummaryWords(pick ? chosenSummary(plan, chosen) : plan.summary, false, leftOut)}</strong></p>
    </>
  );
}

/** After Promote: each deployment it started, as a link with its status in words. */
function Result({ org, out, heading, onClose }: {
  org: string; out: PromotePlan; heading: RefObject<HTMLHeadingElement | null>; onClose: () => void;
}) {
  const started = out.services.filter((e) => e.action === "deploy" && e.deployment);
  const skipped = out.services.filter((e) => !(e.action === "deploy" && e.deployment));
  return (
    <>
      <h3 ref={heading} tabIndex={-1}>
        {started.length ? `Promoted ${out.from.name} to ${out.to.name}` : `Nothing new was promoted to ${out.to.name}`}
      </h3>
      <p><strong>{promoteSummaryWords(out.summary, true)}</strong></p>
      {started.length > 0 && (
        <ul aria-label="Deployments started">
          {started.map((e) => (
            <li key={e.service} data-service={e.service}>
              {e.service}: <Link to={`/orgs/${org}/deployments/${e.deployment!.id}`}>deployment #{e.deployment!.number}</Link>
              {" "}{promotedStatusWords(e.deployment!.status)}
            </li>
          ))}
        </ul>
      )}
      {skipped.length > 0 && (
        <ul aria-label="Skipped">
          {skipped.map((e) => (
            <li key={e.service} data-service={e.service}>
              {e.service}: skipped, {e.reason}
              {e.deployment && <> (<Link to={`/orgs/${org}/deployments/${e.deployment.id}`}>deployment #{e.deployment.number}</Link>)</>}
            </li>
          ))}
        </ul>
      )}
      {out.summary.approval > 0 && <p className="muted">An admin or owner approves each waiting deployment on its page.</p>}
      <div className="actions">
        <button className="primary" onClick={onClose}>Close</button>
      </div>
    </>
  );
}
