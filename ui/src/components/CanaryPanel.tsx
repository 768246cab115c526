// A deployment's canary (chalicelib/deploys/canary.py): the new release first answers a share of the
// traffic from tasks of its own, its 5xx answers watched for some minutes, then it rolls out to every
// task, or rolls back. Shown on the deployment page; a short word of it in the deployment lists.
import { useEffect, useId, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { CanarySetting, DeployCanary, Deployment } from "../api/models";
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

/** "10 % for 5 min, rolls back above 2 % 5xx": a canary setting in one line. */
export const canarySettingWords = (c: CanarySetting) =>
  `${c.percent} % for ${c.minutes} min, rolls back above ${c.max_5xx_percent} % 5xx` +
  (c.max_p95_ms != null ? ` or a p95 above ${count(c.max_p95_ms)} ms` : "");

/** ", p95 120 ms" when latency is judged and was measured. */
const p95Words = (c: DeployCanary) => (c.max_p95_ms != null && c.p95_ms != null ? `, p95 ${count(c.p95_ms)} ms` : "");

/** A few words for a deployment list ("canary watching"; "canary" alone before and when it did not run). */
export function canaryTag(c: DeployCanary): string {
  const words: Partial<Record<DeployCanary["state"], string>> = {
    starting: "starting", watching: "watching", passed: "passed", proceeded: "ended early", failed: "failed",
  };
  return words[c.state] ? `canary ${words[c.state]}` : "canary";
}

/** How many minutes the canary was watched: what the watch recorded when it ended, else from its
 * start until it ended (or now), at most its minutes; null before the watch began. */
export function watchedMinutes(d: Deployment, c: DeployCanary, now = Date.now()): number | null {
  const step = d.steps.find((s) => s.name === "canary.analysis");
  const recorded = (step?.result as { minutes?: unknown } | null | undefined)?.minutes;
  if (step?.status === "done" && typeof recorded === "number") return recorded;
  const from = c.watch_started ?? step?.started;
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

/** Where the canary is, in words. */
export function canaryStateWords(d: Deployment, c: DeployCanary, now = Date.now()): string {
  const watched = watchedMinutes(d, c, now);
  const limit = `${c.max_5xx_percent} %`;
  const settled = isFinal(d.status);
  switch (c.state) {
    case "passed":
      return `Passed after ${minutes(watched ?? c.minutes)} min: ${answeredWords(c)}.`;
    case "proceeded":
      return `Ended early${c.proceed ? ` by ${c.proceed.by} at ${timeOfDay(c.proceed.at)}` : ""}` +
        `${watched != null ? ` after ${minutes(watched)} of ${c.minutes} min` : ""}: ${answeredWords(c)}.`;
    case "failed": {
      const step = d.steps.find((s) => s.name.startsWith("canary.") && s.status === "failed");
      if (step && step.name !== "canary.analysis") {
        return `Failed while starting (step ${step.name}), before it answered any traffic: the live release kept serving all of it.`;
      }
      const slow = c.max_p95_ms != null && c.p95_ms != null && c.p95_ms > c.max_p95_ms;
      const share = slow ? ` (p95 more than the ${count(c.max_p95_ms!)} ms allowed)`
        : c.requests ? ` (${(100 * (c.http_5xx ?? 0) / c.requests).toFixed(1)} %, more than the ${limit} allowed)` : "";
      return `Failed${watched != null ? ` after ${minutes(watched)} min` : ""}: ${answeredWords(c)}${share}. ` +
        `The live release kept serving the other ${100 - c.percent} %.`;
    }
    case "not_started":
      return "Did not start: the deployment ended before the canary began.";
    case "waiting":
      return settled ? `Did not start: the deployment is ${statusWords(d.status)}.` : "Waiting for the release to start.";
    case "starting":
      return settled ? `Stopped while starting: the deployment is ${statusWords(d.status)}.`
        : `Starting: ${plural(c.tasks, "task")} of the new release beside the live ones, then ${c.percent} % of the traffic to ${c.tasks === 1 ? "it" : "them"}.`;
    case "watching":
      return settled
        ? `Stopped after ${minutes(watched ?? 0)} of ${c.minutes} min (${countedWords(c)}): the deployment is ${statusWords(d.status)}.`
        : `Watching: ${minutes(watched ?? 0)} of ${c.minutes} min, ${countedWords(c)} (rolls back above ${limit}).`;
  }
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
  return (
    <section className="canary" aria-labelledby={headingId} data-testid="canary">
      <h2 id={headingId}>Canary</h2>
      <p>
        {c.percent} % of the traffic on {plural(c.tasks, "task")} of the new release, watched for {c.minutes} min;
        more than {c.max_5xx_percent} % 5xx answers{c.max_p95_ms != null ? ` or a p95 response time above ${count(c.max_p95_ms)} ms` : ""} roll it back.
      </p>
      <p className="canary-state" data-state={c.state}><strong>{canaryStateWords(d, c, now)}</strong></p>
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
