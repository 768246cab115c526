// A deployment's canary (chalicelib/deploys/canary.py): the new release first answers a share of the
// traffic from tasks of its own, its 5xx answers watched for some minutes, then it rolls out to every
// task, or rolls back. Shown on the deployment page; a short word of it in the deployment lists.
import { useEffect, useId, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { CanarySetting, DeployCanary, Deployment, Step } from "../api/models";
import { keys } from "../api/queries";
import { isFinal } from "../lib/format";
import { ErrorNote } from "./Empty";
import { statusWords } from "./StatusBadge";

const count = (n: number) => n.toLocaleString("en-US");
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? "" : "s"}`;
/** Minutes to one decimal, a whole number without its ".0" (1.5, 5). */
const minutes = (m: number) => String(Math.round(m * 10) / 10);
/** The time of day, as the rest of the UI writes it ("8:02 PM" in an English browser). */
const timeOfDay = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { timeStyle: "short" });

/** The shares a canary is watched at, in order: its `percent`, then its ramp ([10, 25, 50]). */
export const canaryShares = (c: Pick<CanarySetting, "percent" | "ramp">): number[] => [c.percent, ...(c.ramp ?? [])];

/** "10 % → 25 % → 50 %" */
export const sharesWords = (shares: readonly number[]) => shares.map((p) => `${p} %`).join(" → ");

/** "10 % for 5 min, rolls back above 2 % 5xx" (with a ramp: "10 % → 25 % → 50 %, 5 min each, …"; with
 * a baseline: "… above the live release's 5xx share + 2 points"): a canary setting in one line. */
export const canarySettingWords = (c: CanarySetting) => {
  const shares = canaryShares(c);
  return (shares.length > 1 ? `${sharesWords(shares)}, ${c.minutes} min each` : `${c.percent} % for ${c.minutes} min`) +
    (c.baseline ? `, rolls back above the live release's 5xx share + ${c.max_5xx_percent} points` : `, rolls back above ${c.max_5xx_percent} % 5xx`) +
    (c.max_p95_ms != null ? ` or a p95 above ${count(c.max_p95_ms)} ms` : "");
};

/** Fewer answers than this in a watch say nothing about an error rate (chalicelib/deploys/canary.py MIN_REQUESTS). */
export const MIN_REQUESTS = 20;
const share = (errors: number | null | undefined, requests: number) => (100 * (errors ?? 0)) / requests;

/** With a baseline: the live release's 5xx share (%) over the watch's minutes, once it had enough
 * requests to compare with; null otherwise (then the limit alone is judged). */
export function liveShare(c: Pick<DeployCanary, "baseline" | "baseline_requests" | "baseline_http_5xx">): number | null {
  if (!c.baseline || c.baseline_requests == null || c.baseline_requests < MIN_REQUESTS) return null;
  return share(c.baseline_http_5xx, c.baseline_requests);
}

/** The 5xx share (%) above which the canary rolls back: its limit, plus the live release's share with a baseline. */
export const limitPercent = (c: DeployCanary) => c.max_5xx_percent + (liveShare(c) ?? 0);

/** "2.1 %" (to a tenth; a whole limit without its ".0"). */
const percentWords = (p: number) => `${Math.round(p * 10) / 10} %`;

/** With a baseline, the live release's answers over the same minutes beside the canary's: "the live
 * release 0.4 % 5xx of 2,040 requests", or why it is not compared with (not read yet, too few requests). */
export function baselineWords(c: DeployCanary): string | null {
  if (!c.baseline) return null;
  if (c.baseline_requests == null) return "the live release's own 5xx share is read once the watch begins";
  if (c.baseline_requests < MIN_REQUESTS) {
    return `the live release had ${plural(c.baseline_requests, "request")} meanwhile, too few to compare with: the limit alone is judged`;
  }
  return `the live release ${share(c.baseline_http_5xx, c.baseline_requests).toFixed(1)} % 5xx of ${plural(c.baseline_requests, "request")}`;
}

/** Which stage (0-based) a canary step belongs to: the first stage's carry no share ("canary.traffic"),
 * a ramp stage's do ("canary.traffic@25": the stage of 25 %). */
export function stageOfStep(name: string, shares: readonly number[]): number {
  const at = name.split("@")[1];
  return at === undefined ? 0 : Math.max(shares.indexOf(Number(at)), 0);
}

/** A stage's own step: "canary.analysis" for the first, "canary.analysis@25" for a ramp's. */
const stageStep = (name: string, shares: readonly number[], i: number) => (i === 0 ? name : `${name}@${shares[i]}`);

/** Where one stage of a canary is: watched to its end (`passed`), ended by a Proceed (`ended early`),
 * being watched, its tasks and traffic share being set up (`starting`), `failed`, stopped by the
 * deployment ending otherwise, `skipped` after a Proceed, still to come (`next`), or never reached. */
export type StageState = "passed" | "ended early" | "watching" | "starting" | "failed" | "stopped" | "skipped" | "next" | "not reached";
export interface CanaryStage { share: number; state: StageState }
const REACHED: ReadonlySet<StageState> = new Set(["passed", "ended early", "watching", "starting", "failed", "stopped"]);

/** Each stage of the deployment's canary (its share, then its ramp's) and where it is, from the steps
 * (chalicelib/deploys/canary.py: a stage's steps appear as they begin). */
export function canaryStages(d: Deployment, c: DeployCanary): CanaryStage[] {
  const shares = canaryShares(c);
  const byName = new Map(d.steps.map((s) => [s.name, s]));
  const isStageStep = (s: Step) => s.name.startsWith("canary.") && s.name !== "canary.retire";
  const failed = d.steps.find((s) => isStageStep(s) && s.status === "failed");
  const failedAt = failed ? stageOfStep(failed.name, shares) : -1;
  const settled = isFinal(d.status);
  return shares.map((share, i): CanaryStage => {
    const watch = byName.get(stageStep("canary.analysis", shares, i));
    const result = watch?.result as { state?: string; skipped?: boolean } | null | undefined;
    const begun = d.steps.some((s) => isStageStep(s) && stageOfStep(s.name, shares) === i);
    const state: StageState =
      i === failedAt ? "failed"
        : failedAt >= 0 && i > failedAt ? "not reached"
        : result?.skipped ? "skipped"
        : watch?.status === "done" ? (result?.state === "proceeded" ? "ended early" : "passed")
        : watch ? (settled ? "stopped" : "watching")
        : begun ? (settled ? "stopped" : "starting")
        : settled ? "not reached" : "next";
    return { share, state };
  });
}

/** The stage (0-based) in progress, or the last one reached once the canary is over (a stage
 * skipped after a Proceed was not reached); the first before any began. */
export function currentStage(stages: readonly CanaryStage[]): number {
  return Math.max(stages.reduce((at, s, i) => (REACHED.has(s.state) ? i : at), -1), 0);
}

/** The watch step of the stage in progress (or last reached). */
function watchStep(d: Deployment, c: DeployCanary): Step | undefined {
  const shares = canaryShares(c);
  const name = stageStep("canary.analysis", shares, currentStage(canaryStages(d, c)));
  return d.steps.find((s) => s.name === name);
}

/** ", p95 120 ms" when latency is judged and was measured. */
const p95Words = (c: DeployCanary) => (c.max_p95_ms != null && c.p95_ms != null ? `, p95 ${count(c.p95_ms)} ms` : "");

/** A few words for a deployment list ("canary watching", with a ramp "canary watching at 25 %";
 * "canary" alone before and when it did not run). */
export function canaryTag(c: DeployCanary): string {
  const words: Partial<Record<DeployCanary["state"], string>> = {
    starting: "starting", watching: "watching", passed: "passed", proceeded: "ended early", failed: "failed",
  };
  const at = c.ramp?.length && c.share != null && (c.state === "watching" || c.state === "failed") ? ` at ${c.share} %` : "";
  return words[c.state] ? `canary ${words[c.state]}${at}` : "canary";
}

/** How many minutes the canary was watched: what the watch recorded when it ended, else from its
 * start until it ended (or now), at most its minutes; null before the watch began. */
export function watchedMinutes(d: Deployment, c: DeployCanary, now = Date.now()): number | null {
  // with a ramp: the watch of the stage in progress (or the last one reached)
  const ramped = canaryShares(c).length > 1;
  const step = ramped ? watchStep(d, c) : d.steps.find((s) => s.name === "canary.analysis");
  const recorded = (step?.result as { minutes?: unknown } | null | undefined)?.minutes;
  if (step?.status === "done" && typeof recorded === "number") return recorded;
  const from = (ramped ? step?.started : null) ?? c.watch_started ?? step?.started;
  if (!from) return null;
  const to = step?.finished ?? (isFinal(d.status) ? d.finished ?? d.updated : null);
  const m = ((to ? Date.parse(to) : now) - Date.parse(from)) / 60_000;
  return Math.min(Math.max(m, 0), c.minutes);
}

/** "312 requests, 0.3 % 5xx" so far (none counted yet: says so). */
function countedWords(c: DeployCanary): string {
  if (!c.requests) return "no requests yet";
  return `${plural(c.requests, "request")}, ${(100 * (c.http_5xx ?? 0) / c.requests).toFixed(1)} % 5xx${p95Words(c)}`;
}

/** "0 of 1,203 requests answered 5xx" (or that none reached it). */
function answeredWords(c: DeployCanary): string {
  if (!c.requests) return "no requests reached it";
  return `${count(c.http_5xx ?? 0)} of ${plural(c.requests, "request")} answered 5xx${p95Words(c)}`;
}

/** Where the canary is, in words; with a ramp, at which share and stage. */
export function canaryStateWords(d: Deployment, c: DeployCanary, now = Date.now()): string {
  const watched = watchedMinutes(d, c, now);
  const limit = percentWords(limitPercent(c));
  const settled = isFinal(d.status);
  const stages = canaryStages(d, c);
  const n = stages.length;
  const cur = currentStage(stages);
  const share = stages[cur]!.share;
  // " at 25 % (stage 2 of 3)" with a ramp; nothing without one
  const at = n > 1 ? ` at ${share} % (stage ${cur + 1} of ${n})` : "";
  switch (c.state) {
    case "passed":
      return n > 1
        ? `Passed all ${n} stages, up to ${stages[n - 1]!.share} %: the last watched ${minutes(watched ?? c.minutes)} min, ${answeredWords(c)}.`
        : `Passed after ${minutes(watched ?? c.minutes)} min: ${answeredWords(c)}.`;
    case "proceeded": {
      const skipped = stages.slice(cur + 1).some((s) => !REACHED.has(s.state));
      return `Ended early${c.proceed ? ` by ${c.proceed.by} at ${timeOfDay(c.proceed.at)}` : ""}${at}` +
        `${watched != null ? ` after ${minutes(watched)} of ${c.minutes} min` : ""}: ${answeredWords(c)}` +
        `${skipped ? "; the larger shares were skipped" : ""}.`;
    }
    case "failed": {
      const step = d.steps.find((s) => s.name.startsWith("canary.") && s.status === "failed");
      const failedAt = step ? stageOfStep(step.name, canaryShares(c)) : 0;
      if (step && step.name.split("@")[0] !== "canary.analysis") {
        if (failedAt === 0) {
          return `Failed while starting (step ${step.name}), before it answered any traffic: the live release kept serving all of it.`;
        }
        const before = stages[failedAt - 1]!.share;
        return `Failed while moving to ${stages[failedAt]!.share} % (step ${step.name}), after it passed at ${before} %: ` +
          `the live release kept serving the other ${100 - before} %.`;
      }
      const slow = c.max_p95_ms != null && c.p95_ms != null && c.p95_ms > c.max_p95_ms;
      const over = slow ? ` (p95 more than the ${count(c.max_p95_ms!)} ms allowed)`
        : c.requests ? ` (${(100 * (c.http_5xx ?? 0) / c.requests).toFixed(1)} %, more than the ${limit} allowed)` : "";
      return `Failed${at}${watched != null ? ` after ${minutes(watched)} min` : ""}: ${answeredWords(c)}${over}. ` +
        `The live release kept serving the other ${100 - share} %.`;
    }
    case "not_started":
      return "Did not start: the deployment ended before the canary began.";
    case "waiting":
      return settled ? `Did not start: the deployment is ${statusWords(d.status)}.` : "Waiting for the release to start.";
    case "starting":
      return settled ? `Stopped while starting: the deployment is ${statusWords(d.status)}.`
        : `Starting: ${plural(c.tasks, "task")} of the new release beside the live ones, then ${c.percent} % of the traffic to ${c.tasks === 1 ? "it" : "them"}.`;
    case "watching": {
      const stage = stages[cur]!.state;
      if (!settled && stage === "passed" && cur + 1 < n) {   // between two stages: the next one not begun yet
        return `Passed${at} after ${minutes(watched ?? c.minutes)} min: ${answeredWords(c)}; moving to ${stages[cur + 1]!.share} % next.`;
      }
      if (!settled && stage === "starting") {
        return `Moving to ${share} % (stage ${cur + 1} of ${n}): more tasks of the new release, then ${share} % of the traffic to them.`;
      }
      return settled
        ? `Stopped${at} after ${minutes(watched ?? 0)} of ${c.minutes} min (${countedWords(c)}): the deployment is ${statusWords(d.status)}.`
        : `Watching${at ? `${at}:` : ":"} ${minutes(watched ?? 0)} of ${c.minutes} min, ${countedWords(c)} (rolls back above ${limit}).`;
    }
  }
}

/** The canary's 5xx share next to the live release's, and the limit that makes: "New release 0.3 % 5xx
 * of 312 requests; the live release 0.1 % 5xx of 2,040 requests over the same minutes: rolls back above 2.1 %." */
function baselineLine(c: DeployCanary, live: string): string {
  const canary = c.requests ? `New release ${share(c.http_5xx, c.requests).toFixed(1)} % 5xx of ${plural(c.requests, "request")}` : "No requests reached the new release yet";
  const judged = liveShare(c) != null ? ` over the same minutes: it rolls back above ${percentWords(limitPercent(c))}` : "";
  return `${canary}; ${live}${judged}.`;
}

/** What follows the state: the release rolling out, the canary gone, or an early end on its way. */
function afterWords(d: Deployment, c: DeployCanary): string | null {
  const settled = isFinal(d.status);
  if (!settled && c.proceed && (c.state === "watching" || c.state === "starting")) {
    return `Ending the watch early, as ${c.proceed.by} asked at ${timeOfDay(c.proceed.at)}: the release rolls out to every task next.`;
  }
  if (c.state === "passed" || c.state === "proceeded") {
    return c.retired ? "The canary is gone: the load balancer sends all the traffic to the service's own tasks."
      : settled ? null : "Rolling out to every task; the canary goes once that is done.";
  }
  if (c.state === "failed" && c.retired) return "The canary is gone: the live release answers all the traffic again.";
  return null;
}

/** A ramp's stages in a row, "10 % → 25 % → 50 %", each with its state in a word (not by colour
 * alone), the one in progress (or the last reached) marked as the current step; under it, which
 * stage that is and its share of the traffic. */
function Stages({ c, stages }: { c: DeployCanary; stages: CanaryStage[] }) {
  const cur = currentStage(stages);
  const share = stages[cur]!.share;
  // the API's task count is the stage it reached; while the next one starts, its tasks are not known yet
  const tasks = c.share === share ? `, on ${plural(c.tasks, "task")} of the new release` : "";
  return (
    <>
      <ol className="canary-stages" aria-label="Stages">
        {stages.map((s, i) => (
          <li key={s.share} className={`canary-stage stage-${s.state.replace(" ", "-")}`} data-state={s.state}
            aria-current={i === cur ? "step" : undefined}>
            {i > 0 && <span className="stage-arrow" aria-hidden="true">→</span>}
            <span className="stage-pill"><span className="stage-share">{s.share} %</span> <small>{s.state}</small></span>
          </li>
        ))}
      </ol>
      <p data-testid="canary-stage">Stage {cur + 1} of {stages.length}: {share} % of the traffic{tasks}.</p>
    </>
  );
}

/** A clock that moves while `on` (every 3 s: the minutes watched are shown to a tenth). */
function useNow(on: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => setNow(Date.now()), 3000);
    return () => clearInterval(t);
  }, [on]);
  return on ? Math.max(now, Date.now()) : now;
}

/** The deployment's canary: its share and tasks, where it is, and (while its watch runs, for a
 * developer or higher) Proceed now, which ends the watch; Cancel deployment rolls it back. */
export function CanaryPanel({ org, d, canary: c, canProceed }: { org: string; d: Deployment; canary: DeployCanary; canProceed: boolean }) {
  const qc = useQueryClient();
  const headingId = useId();
  const noteId = useId();
  const settled = isFinal(d.status);
  const running = !settled && (c.state === "watching" || c.state === "starting");
  const now = useNow(running);
  const proceed = useMutation({
    mutationFn: () => unwrap<Deployment | undefined>(api.POST("/v1/orgs/{org}/deployments/{dep}/proceed", { params: { path: { org, dep: d.id } } })),
    onSuccess: (x) => { if (x?.id) qc.setQueryData(keys.deployment(org, d.id), x); },
    // asked again either way: a refusal (409) means the canary moved on since the page last read it
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.deployment(org, d.id) });
      void qc.invalidateQueries({ queryKey: keys.deployments(org, d.service_id) });
    },
  });
  const after = afterWords(d, c);
  const offer = running && !c.proceed && !d.cancel_requested && canProceed;
  const limits = (c.baseline ? `more than ${c.max_5xx_percent} points of 5xx answers above the live release's share`
    : `more than ${c.max_5xx_percent} % 5xx answers`) + (c.max_p95_ms != null ? ` or a p95 response time above ${count(c.max_p95_ms)} ms` : "");
  const beside = c.state === "waiting" || c.state === "not_started" ? null : baselineWords(c);
  const stages = canaryStages(d, c);
  return (
    <section className="canary" aria-labelledby={headingId} data-testid="canary">
      <h2 id={headingId}>Canary</h2>
      {stages.length > 1
        ? <>
            <p>{sharesWords(stages.map((s) => s.share))} of the traffic, each stage watched for {c.minutes} min; {limits} at any stage roll it back.</p>
            <Stages c={c} stages={stages} />
          </>
        : <p>{c.percent} % of the traffic on {plural(c.tasks, "task")} of the new release, watched for {c.minutes} min; {limits} roll it back.</p>}
      <p className="canary-state" data-state={c.state}><strong>{canaryStateWords(d, c, now)}</strong></p>
      {beside && <p data-testid="canary-baseline">{baselineLine(c, beside)}</p>}
      {after && <p>{after}</p>}
      {offer && (
        <div className="canary-actions">
          <button type="button" onClick={() => proceed.mutate()} disabled={proceed.isPending} aria-describedby={noteId}>Proceed now</button>
          <p id={noteId} className="muted small">
            Ends the watch now: the release rolls out to every task. Cancel deployment rolls it back instead.
          </p>
        </div>
      )}
      <ErrorNote error={proceed.error} />
    </section>
  );
}
