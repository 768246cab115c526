const TONE: Record<string, string> = {
  live: "ok", rolled_back: "warn", new: "idle", queued: "idle", building: "busy", provisioning: "busy", deploying: "busy",
  rollback_pending: "warn", rolling_back: "warn", failed: "bad", superseded: "idle", cancelled: "idle",
  deleting: "busy", done: "ok", running: "busy", pending: "idle", skipped: "idle", replaced: "idle",
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

/** A status as a person says it ("rolled back", not "rolled_back"). */
export const statusWords = (status: string) => WORDS[status] ?? status.replace(/_/g, " ");

/** A status in words with a colour, announced politely when it changes. */
export function StatusBadge({ status }: { status: string }) {
  const tone = TONE[status] ?? "idle";
  return (
    <span className={`badge badge-${tone}`} data-status={status}>
      {tone === "busy" && <span className="pulse" aria-hidden="true" />}
      {statusWords(status)}
    </span>
  );
}
