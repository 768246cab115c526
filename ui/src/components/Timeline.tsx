import type { Deployment, Step } from "../api/models";
import { StatusBadge } from "./StatusBadge";
import { duration } from "../lib/format";

const DEPLOYING = new Set(["service", "rollout", "autoscaling", "certificate", "schedule"]);

export type PhaseName = "queued" | "building" | "provisioning" | "deploying" | "live" | "rollback";
export interface Phase { id: PhaseName; title: string; state: "done" | "active" | "failed" | "waiting" | "skipped"; steps: Step[] }

/** The deployment as phases with their steps; the automatic (or a manual) rollback is its own phase. */
export function phases(d: Deployment): Phase[] {
  const rollbackSteps = d.steps.filter((s) => s.name.startsWith("rollback."));
  const forward = d.steps.filter((s) => !s.name.startsWith("rollback."));
  const isBuild = (s: Step) => s.name === "build" || s.name.startsWith("build.");
  const build = forward.filter(isBuild);
  const prov = forward.filter((s) => !DEPLOYING.has(s.name) && !isBuild(s));
  const dep = forward.filter((s) => DEPLOYING.has(s.name));
  const failedStep = forward.find((s) => s.status === "failed");
  const st = d.status;
  const rolling = ["rollback_pending", "rolling_back", "rolled_back"].includes(st) || rollbackSteps.length > 0;
  const reached = (p: "provisioning" | "deploying") =>
    p === "provisioning" ? !["queued", "building"].includes(st) && (prov.length > 0 || !build.some((s) => s.status === "failed"))
      : dep.length > 0 || ["deploying", "live"].includes(st) || (rolling && dep.length > 0);
  const stepsState = (steps: Step[], active: boolean): Phase["state"] =>
    steps.some((s) => s.status === "failed") ? "failed" : active ? "active" : steps.length ? "done" : "waiting";

  const out: Phase[] = [
    { id: "queued", title: "Queued", steps: [], state: st === "queued" ? "active" : "done" },
    // a deployment from source builds its image first (a rollback reuses the built one: no phase)
    ...(d.build || build.length
      ? [{ id: "building" as const, title: "Building", steps: build, state: st === "queued" ? "waiting" as const : stepsState(build, st === "building") }]
      : []),
    { id: "provisioning", title: "Provisioning", steps: prov, state: !reached("provisioning") ? (failedStep || ["cancelled", "superseded"].includes(st) ? "skipped" : "waiting") : stepsState(prov, st === "provisioning") },
    { id: "deploying", title: "Rolling out", steps: dep, state: !reached("deploying") ? (failedStep || ["cancelled", "superseded"].includes(st) ? "skipped" : "waiting") : stepsState(dep, st === "deploying") },
  ];
  if (rolling) {
    out.push({
      id: "rollback", title: `Rollback${d.rollback_to_number ? ` to #${d.rollback_to_number}` : ""}`, steps: rollbackSteps,
      state: st === "rolled_back" ? "done" : st === "failed" ? "failed" : "active",
    });
  }
  out.push({
    id: "live", title: st === "rolled_back" ? "Previous release live again" : "Live",
    steps: [], state: st === "live" || st === "rolled_back" ? "done" : ["failed", "cancelled", "superseded"].includes(st) ? "skipped" : "waiting",
  });
  return out;
}

function planSummary(s: Step): string | null {
  const p = s.plan;
  if (!p) return null;
  const fields = p.changes ? Object.keys(p.changes) : [];
  return [p.action, p.resource, fields.length ? `(${fields.join(", ")})` : ""].filter(Boolean).join(" ");
}

export function Timeline({ deployment }: { deployment: Deployment }) {
  return (
    <ol className="timeline" aria-label="Deployment steps">
      {phases(deployment).map((p) => (
        <li key={p.id} className={`phase phase-${p.state} ${p.id === "rollback" ? "phase-rollback" : ""}`} data-phase={p.id} data-state={p.state}>
          <div className="phase-head">
            <span className="dot" aria-hidden="true" />
            <strong>{p.title}</strong>
            <span className="sr-only">: {p.state}</span>
          </div>
          {p.steps.length > 0 && (
            <ul className="steps">
              {p.steps.map((s) => (
                <li key={s.name} className={`step step-${s.status}`} data-step={s.name}>
                  <StatusBadge status={s.status} />
                  <span className="mono">{s.name}</span>
                  <small className="muted">{duration(s.started, s.finished)}</small>
                  {planSummary(s) && <small className="plan">{planSummary(s)}</small>}
                  {s.error && <p className="reason">{s.error}</p>}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
}
