const TONE: Record<string, string> = {
  live: "ok", rolled_back: "warn", new: "idle", queued: "idle", building: "busy", provisioning: "busy", deploying: "busy",
  rollback_pending: "warn", rolling_back: "warn", failed: "bad", superseded: "idle", cancelled: "idle",
  deleting: "busy", done: "ok", running: "busy", pending: "idle", skipped: "idle", was_live: "idle", replaced: "idle",
  // a cron job's runs (chalicelib/deploys/runs.py)
  starting: "busy", succeeded: "ok",
};

const WORDS: Record<string, string> = {
  rolled_back: "rolled back", rollback_pending: "rollback pending", rolling_back: "rolling back",
  // a deployment that went live and was replaced by a later release since
  was_live: "was live",
  // the same, as search has it (chalicelib/search/documents.py: `status:replaced`)
  replaced: "was live",
};

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
