import { useEffect, useRef, useState } from "react";

const TONE: Record<string, string> = {
  live: "ok", rolled_back: "warn", new: "idle", awaiting_approval: "warn", queued: "idle", building: "busy", provisioning: "busy", deploying: "busy",
  rollback_pending: "warn", rolling_back: "warn", failed: "bad", superseded: "idle", cancelled: "idle",
  deleting: "busy", suspending: "busy", suspended: "idle", asleep: "idle", done: "ok", running: "busy", pending: "idle", skipped: "idle", replaced: "idle",
  // a cron job's runs (chalicelib/deploys/runs.py)
  starting: "busy", succeeded: "ok",
};

const WORDS: Record<string, string> = {
  rolled_back: "rolled back", rollback_pending: "rollback pending", rolling_back: "rolling back",
  // a deployment that went live and was replaced by a later release since (search's `status:replaced`)
  replaced: "was live",
};

/** A deployment's status as shown: one that went live and is no longer the service's live release
 * was replaced (its record stays `live`: final). */
export const releaseStatus = (d: { id: string; status: string }, liveId: string | null | undefined) =>
  d.status === "live" && liveId && d.id !== liveId ? "replaced" : d.status;

/** A service's status as shown: one suspended by its environment's sleep schedule is asleep. */
export const serviceStatus = (s: { status: string; suspended?: { sleep?: boolean } | null }) =>
  s.status === "suspended" && s.suspended?.sleep ? "asleep" : s.status;

/** A status as a person says it ("rolled back", not "rolled_back"). */
export const statusWords = (status: string) => WORDS[status] ?? status.replace(/_/g, " ");

/** A status in words with a colour (StatusChanges, or a page's own status region, says changes aloud). */
export function StatusBadge({ status }: { status: string }) {
  const tone = TONE[status] ?? "idle";
  return (
    <span className={`badge badge-${tone}`} data-status={status}>
      {tone === "busy" && <span className="pulse" aria-hidden="true" />}
      {statusWords(status)}
    </span>
  );
}

/** Says a status change aloud (a visually hidden role=status): on the lists polled while something
 * is busy, a badge changes its word and colour without a screen reader hearing it. The first read
 * is not said, only what changes after it ("web is live."). */
export function StatusChanges({ items }: { items: readonly { id: string; name: string; status: string }[] | undefined }) {
  const seen = useRef<Map<string, string> | null>(null);
  const [said, setSaid] = useState("");
  useEffect(() => {
    if (!items) return;
    const before = seen.current;
    seen.current = new Map(items.map((i) => [i.id, i.status]));
    if (!before) return;
    const changed = items.filter((i) => before.has(i.id) && before.get(i.id) !== i.status);
    if (changed.length) setSaid(changed.map((i) => `${i.name} is ${statusWords(i.status)}.`).join(" "));
  }, [items]);
  return <p className="sr-only" role="status" data-testid="status-changes">{said}</p>;
}
