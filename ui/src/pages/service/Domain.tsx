import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../../api/client";
import type { Service } from "../../api/models";
import { useCan } from "../../api/queries";
import { DeployDialog } from "../../components/DeployDialog";
import { Empty, ErrorNote, Loading } from "../../components/Empty";
import { StatusBadge } from "../../components/StatusBadge";

interface Record_ { name: string; type?: string; value: string }
interface DomainStatus {
  domain: string; status: string; routed: boolean; verification?: Record_; message?: string | null;
  certificate: { status: string; validation_records?: Record_[] | null; dns_managed?: boolean } | null;
}

function Copy({ text, label }: { text: string; label: string }) {
  return <button type="button" className="link" onClick={() => void navigator.clipboard?.writeText(text)} aria-label={`Copy ${label}`}>Copy</button>;
}

function RecordRow({ r, kind }: { r: Record_; kind: string }) {
  return (
    <tr>
      <td>{r.type ?? kind}</td>
      <td className="mono">{r.name} <Copy text={r.name} label="record name" /></td>
      <td className="mono break">{r.value} <Copy text={r.value} label="record value" /></td>
    </tr>
  );
}

/** What to do next, in the UI's words (the API's message names API calls: "POST .../domain/verify"). */
export function domainNote(d: DomainStatus): string | null {
  if (d.status === "unclaimed") return "This domain is not claimed yet: press Check DNS and verify to claim it.";
  if (d.status !== "verified") {
    return "Create this TXT record at your DNS provider, then press Check DNS and verify. Until the domain is verified, " +
      "the service answers on its internal host only.";
  }
  if (!d.routed) return "Verified. The next deploy routes the domain to this service and requests its certificate.";
  const c = d.certificate;
  if (c && !c.dns_managed && c.status !== "ISSUED") return "Create the certificate's validation records below at your DNS provider.";
  return null;
}

/** What a successful Check DNS and verify says (role=status): verified, and whether it is routed yet. */
export function verifiedWords(v: DomainStatus): string {
  if (v.routed) return `${v.domain} is verified and routed to this service.`;
  return `${v.domain} is verified. Nothing reaches it until the next deploy routes it to this service (and requests its certificate).`;
}

/** The custom domain: the TXT record that proves it is yours, verification, and certificate records. */
export function Domain({ org, service }: { org: string; service: Service }) {
  const qc = useQueryClient();
  const can = useCan(org);
  const write = can("service.write");
  const [deploying, setDeploying] = useState(false);
  const key = ["domain", org, service.id];
  const domain = useQuery({
    queryKey: key,
    enabled: !!service.domain,
    queryFn: () => unwrap<DomainStatus>(api.GET("/v1/orgs/{org}/services/{svc}/domain", { params: { path: { org, svc: service.id } } })),
  });
  const verify = useMutation({
    mutationFn: () => unwrap<DomainStatus>(api.POST("/v1/orgs/{org}/services/{svc}/domain/verify", { params: { path: { org, svc: service.id } } })),
    onSettled: () => void qc.invalidateQueries({ queryKey: key }),
  });
  if (!service.domain) return <Empty title="No custom domain">Set one under Settings; this tab then shows the DNS records to create.</Empty>;
  if (domain.isPending) return <Loading what="domain" />;
  const d = domain.data;
  return (
    <section className="narrow">
      <h2>{service.domain} {d && <StatusBadge status={d.status === "verified" ? "live" : d.status} />}</h2>
      <ErrorNote error={domain.error} retry={() => void domain.refetch()} />
      {d && domainNote(d) && !verify.data && <p className="notice">{domainNote(d)}</p>}
      {d?.verification && (
        <>
          <h3>Prove the domain is yours</h3>
          <table className="table"><thead><tr><th>Type</th><th>Name</th><th>Value</th></tr></thead>
            <tbody><RecordRow r={d.verification} kind="TXT" /></tbody></table>
        </>
      )}
      {d?.status !== "verified" && write && (
        <p><button className="primary" onClick={() => verify.mutate()} disabled={verify.isPending}>Check DNS and verify</button></p>
      )}
      {verify.error instanceof ApiError && <p className="form-error" role="alert">{verify.error.message}</p>}
      {verify.data && <p className="notice" role="status">{verifiedWords(verify.data)}</p>}
      {/* verified is not routed: only a deploy makes the load balancer's rule for the domain */}
      {d?.status === "verified" && !d.routed && can("deploy") && service.status !== "deleting" && (
        <p><button className="primary" onClick={() => setDeploying(true)} aria-haspopup="dialog">Deploy now to route it</button></p>
      )}
      {deploying && <DeployDialog org={org} service={service} onClose={() => setDeploying(false)} />}
      {d?.certificate?.validation_records?.length ? (
        <>
          <h3>Certificate ({d.certificate.status})</h3>
          <table className="table"><thead><tr><th>Type</th><th>Name</th><th>Value</th></tr></thead>
            <tbody>{d.certificate.validation_records.map((r) => <RecordRow key={r.name} r={r} kind="CNAME" />)}</tbody></table>
        </>
      ) : null}
    </section>
  );
}
