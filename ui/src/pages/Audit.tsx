import { Link, useParams } from "react-router";
import { useInfiniteQuery, useQueries } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { AuditEvent, Page, Service } from "../api/models";
import { keys, useProjects } from "../api/queries";
import { Empty, ErrorNote, Loading } from "../components/Empty";
import { auditWords } from "../lib/auditWords";
import { ago } from "../lib/format";

/** Who changed what, newest first, in sentences that link to what changed; older pages on demand. */
export default function AuditPage() {
  const { org = "" } = useParams();
  const audit = useInfiniteQuery({
    queryKey: keys.audit(org),
    initialPageParam: "",
    getNextPageParam: (last: Page<AuditEvent>) => last.next ?? undefined,
    queryFn: ({ pageParam }) =>
      unwrap<Page<AuditEvent>>(api.GET("/v1/orgs/{org}/audit", { params: { path: { org }, query: { cursor: pageParam || undefined } } })),
  });
  const names = useNames(org);
  const events = audit.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section>
      <h1>Audit log</h1>
      <p className="muted">Who changed what, from where. Secret values never appear here.</p>
      {audit.isPending && <Loading what="audit events" />}
      <ErrorNote error={audit.error} retry={() => void audit.refetch()} />
      {audit.data && events.length === 0 && <Empty title="Nothing yet">Every change in this organization will be recorded here.</Empty>}
      {events.length > 0 && (
        <table className="table audit" aria-label="Audit events">
          <thead><tr><th>When</th><th>Who</th><th>What</th><th className="hide-narrow">From</th></tr></thead>
          <tbody>
            {events.map((e) => {
              const w = auditWords(org, e, names);
              return (
                <tr key={e.id} data-action={e.action}>
                  <td className="nowrap" title={e.created}>{ago(e.created)}</td>
                  <td className="who">{e.actor}</td>
                  <td>
                    {w.verb}{w.verb && w.what ? " " : ""}{w.to && w.what ? <Link to={w.to}>{w.what}</Link> : w.what}{w.after}
                    {w.extra && <span className="muted"> · {w.extra}</span>}
                  </td>
                  <td className="hide-narrow">{e.source_ip || "—"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {audit.hasNextPage && (
        <button onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
          {audit.isFetchingNextPage ? "Loading…" : "Show older events"}
        </button>
      )}
    </section>
  );
}

/** Projects and services by id, so an event about one names it (most events carry only the id). */
function useNames(org: string): Record<string, string> {
  const projects = useProjects(org);
  const services = useQueries({
    queries: (projects.data?.items ?? []).map((p) => ({
      queryKey: keys.services(org, p.id),
      queryFn: () => unwrap<Page<Service>>(api.GET("/v1/orgs/{org}/projects/{project}/services", {
        params: { path: { org, project: p.id }, query: { limit: "200" } },
      })),
    })),
  });
  const out: Record<string, string> = {};
  for (const p of projects.data?.items ?? []) out[p.id] = p.name;
  for (const q of services) for (const s of q.data?.items ?? []) out[s.id] = s.name;
  return out;
}
