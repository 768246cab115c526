import { useParams } from "react-router";
import { useAudit } from "../api/queries";
import { Empty, ErrorNote, Loading } from "../components/Empty";
import { ago } from "../lib/format";

export default function AuditPage() {
  const { org = "" } = useParams();
  const audit = useAudit(org);
  return (
    <section>
      <h1>Audit log</h1>
      <p className="muted">Who changed what, from where. Secret values never appear here.</p>
      {audit.isPending && <Loading what="audit events" />}
      <ErrorNote error={audit.error} />
      {audit.data?.items.length === 0 && <Empty title="Nothing yet">Every change in this organization will be recorded here.</Empty>}
      <table className="table" aria-label="Audit events">
        <thead><tr><th>When</th><th>Actor</th><th>Action</th><th className="hide-narrow">Target</th><th className="hide-narrow">From</th></tr></thead>
        <tbody>
          {audit.data?.items.map((e) => (
            <tr key={e.id}>
              <td title={e.created}>{ago(e.created)}</td><td>{e.actor}</td><td className="mono">{e.action}</td>
              <td className="hide-narrow mono">{e.target_type} {e.target_id}</td><td className="hide-narrow">{e.source_ip}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
