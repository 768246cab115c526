import { KINDS, statusTone, statusWords, type ResourceKind } from "../lib/resources";

/** A resource's status with a colour (busy ones pulse); the resource statuses are not a deploy's. */
export function ResourceBadge({ status }: { status: string | null }) {
  const tone = statusTone(status);
  return (
    <span className={`badge badge-${tone}`} data-status={status ?? "gone"}>
      {tone === "busy" && <span className="pulse" aria-hidden="true" />}
      {statusWords(status)}
    </span>
  );
}

/** The kind as a small mark and its name ("PG PostgreSQL"). */
export function KindLabel({ kind }: { kind: ResourceKind | null }) {
  const k = kind ? KINDS[kind] : null;
  return (
    <span className="kind-label">
      <span className={`kind-mark kind-${kind ?? "gone"}`} aria-hidden="true">{k?.icon ?? "?"}</span>
      {k?.label ?? "unknown"}
    </span>
  );
}
