import type { Deployment, DeployStatus, Step } from "../api/models";
import { StatusBadge } from "./StatusBadge";
import { clock, duration, isFinal } from "../lib/format";

const DEPLOYING = new Set(["service", "rollout", "autoscaling", "certificate", "schedule"]);
// a canary (chalicelib/deploys/canary.py) is the first part of rolling out: its target group, tasks,
// traffic share and watch, and its retiring after the rollout (`rollback.canary` is the rollback's)
const deploying = (name: string) => DEPLOYING.has(name) || name.startsWith("canary.");

export type PhaseName = "queued" | "building" | "provisioning" | "deploying" | "live" | "rollback";
export interface Phase {
  id: PhaseName; title: string; state: "done" | "active" | "failed" | "waiting" | "skipped"; steps: Step[];
  /** when the deployment entered this phase and left it (null: still in it, or never reached) */
  started: string | null; ended: string | null;
}

// The statuses (chalicelib/lifecycle/states.py) each phase of the timeline stands for.
const STATUSES: Record<PhaseName, readonly DeployStatus[]> = {
  queued: ["awaiting_approval", "queued"], building: ["building"], provisioning: ["provisioning"], deploying: ["deploying"],
  rollback: ["rollback_pending", "rolling_back"], live: ["live", "rolled_back"],
};

/** When a phase began and ended: from the recorded phases (every status with the time it was
 * entered; a status ends when the next begins), else, for a deployment from before they were
 * recorded, from its steps' own times. */
export function phaseTimes(d: Deployment, id: PhaseName, steps: Step[]): Pick<Phase, "started" | "ended"> {
  const rec = d.phases ?? [];
  const mine = rec.flatMap((r, i) => (STATUSES[id].includes(r.status)
    ? [{ from: r.at, to: rec[i + 1]?.at ?? (isFinal(r.status) ? r.at : null) }] : []));
  if (mine.length) return { started: mine[0]!.from, ended: mine[mine.length - 1]!.to };
  const starts = steps.flatMap((s) => (s.started ? [s.started] : [])).sort();
  if (!starts.length) return { started: null, ended: null };
  const ends = steps.map((s) => s.finished ?? null);
  return { started: starts[0]!, ended: ends.every(Boolean) ? (ends as string[]).sort().at(-1)! : null };
}

/** The deployment as phases with their steps; the automatic (or a manual) rollback is its own phase. */
export function phases(d: Deployment): Phase[] {
  return layout(d).map((p) => ({ ...p, ...phaseTimes(d, p.id, p.steps) }));
}

function layout(d: Deployment): Omit<Phase, "started" | "ended">[] {
  const seen = new Set<string>((d.phases ?? []).map((p) => p.status));   // recorded: reached, however briefly
  const rollbackSteps = d.steps.filter((s) => s.name.startsWith("rollback."));
  const forward = d.steps.filter((s) => !s.name.startsWith("rollback."));
  const isBuild = (s: Step) => s.name === "build" || s.name.startsWith("build.");
  const build = forward.filter(isBuild);
  const prov = forward.filter((s) => !deploying(s.name) && !isBuild(s));
  const dep = forward.filter((s) => deploying(s.name));
  const failedStep = forward.find((s) => s.status === "failed");
  const st = d.status;
  const before = st === "queued" || st === "awaiting_approval";   // no worker has it yet
  const rolling = ["rollback_pending", "rolling_back", "rolled_back"].includes(st) || rollbackSteps.length > 0 || seen.has("rollback_pending");
  const reached = (p: "provisioning" | "deploying") => seen.has(p) || (
    p === "provisioning" ? !["awaiting_approval", "queued", "building"].includes(st) && (prov.length > 0 || !build.some((s) => s.status === "failed"))
      : dep.length > 0 || ["deploying", "live"].includes(st) || (rolling && dep.length > 0));
  const stepsState = (steps: Step[], active: boolean): Phase["state"] =>
    steps.some((s) => s.status === "failed") ? "failed" : active ? "active" : steps.length ? "done" : "waiting";

  const out: Omit<Phase, "started" | "ended">[] = [
    { id: "queued", title: st === "awaiting_approval" ? "Waiting for approval" : "Queued", steps: [], state: before ? "active" : "done" },
    // a deployment from source builds its image first (a rollback reuses the built one: no phase)
    ...(d.build || build.length || seen.has("building")
      ? [{ id: "building" as const, title: "Building", steps: build, state: before ? "waiting" as const : stepsState(build, st === "building") }]
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

/** The engine's reason while a step runs ("target_group (attempt 2)") in words; others as they are. */
export function reasonWords(reason: string): string {
  const m = /^([a-z_.]+) \(attempt (\d+)\)$/.exec(reason);
  if (!m) return reason;
  return m[2] === "1" ? `Running step ${m[1]}` : `Retrying step ${m[1]} (attempt ${m[2]})`;
}

// A canary stage's steps (chalicelib/deploys/canary.py): the first stage's carry no share, a ramp's
// do ("canary.analysis@25"); the log names them so, the timeline says them in words.
const STAGE_WORDS: Record<string, [(p: number) => string, (p: number) => string]> = {
  //                 the first stage                              a ramp's stage
  "canary.service": [(p) => `canary: start with ${p} %`, (p) => `canary: grow to ${p} %`],
  "canary.rollout": [(p) => `canary: tasks ready for ${p} %`, (p) => `canary: tasks ready for ${p} %`],
  "canary.traffic": [(p) => `canary: send it ${p} % of traffic`, (p) => `canary: send it ${p} % of traffic`],
  "canary.analysis": [(p) => `canary: watch at ${p} %`, (p) => `canary: watch at ${p} %`],
};

/** A canary stage's step in words when the deployment's canary has a ramp ("canary.service@25":
 * "canary: grow to 25 %"; "canary.analysis": "canary: watch at 10 %"); null: shown by its name. */
export function stepWords(name: string, d: Pick<Deployment, "canary">): string | null {
  const [base = "", at] = name.split("@");
  const words = STAGE_WORDS[base];
  if (!words) return null;
  if (at !== undefined && /^\d+$/.test(at)) return words[1](Number(at));
  return d.canary?.ramp?.length && at === undefined ? words[0](d.canary.percent) : null;
}

function planSummary(s: Step): string | null {
  const p = s.plan;
  if (!p) return null;
  const fields = p.changes ? Object.keys(p.changes) : [];
  return [p.action, p.resource, fields.length ? `(${fields.join(", ")})` : ""].filter(Boolean).join(" ");
}

/** How long a phase took (still counting while it runs); the end phase says when it was reached. */
function PhaseTime({ p }: { p: Phase }) {
  if (!p.started) return null;
  if (p.id === "live") return <time className="phase-time" dateTime={p.started}>at {clock(p.started)}</time>;
  const span = `${clock(p.started)}–${p.ended ? clock(p.ended) : "now"}`;
  return (
    <time className="phase-time" dateTime={p.started} title={span}>
      {p.ended ? duration(p.started, p.ended) : `${duration(p.started, null)} so far`}
    </time>
  );
}

export function Timeline({ deployment }: { deployment: Deployment }) {
  return (
    <ol className="timeline" aria-label="Deployment steps">
      {phases(deployment).map((p) => (
        <li key={p.id} className={`phase phase-${p.state} ${p.id === "rollback" ? "phase-rollback" : ""}`} data-phase={p.id} data-state={p.state}
          aria-current={p.state === "active" ? "step" : undefined}>
          <div className="phase-head">
            <span className="dot" aria-hidden="true" />
            <strong>{p.title}</strong>
            <span className="sr-only">: {p.state}</span>
            <PhaseTime p={p} />
          </div>
          {p.steps.length > 0 && (
            <ul className="steps">
              {p.steps.map((s) => (
                <li key={s.name} className={`step step-${s.status}`} data-step={s.name}>
                  <StatusBadge status={s.status} />
                  {stepWords(s.name, deployment)
                    ? <><span className="step-words">{stepWords(s.name, deployment)}</span> <small className="mono muted">{s.name}</small></>
                    : <span className="mono">{s.name}</span>}
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
