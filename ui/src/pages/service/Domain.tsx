import { useId, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../../api/client";
import type { DnsRecord, DomainName, DomainStatus, Service } from "../../api/models";
import { useCan } from "../../api/queries";
import { DeployDialog } from "../../components/DeployDialog";
import { Empty, ErrorNote, Loading } from "../../components/Empty";
import { StatusBadge } from "../../components/StatusBadge";

function Copy({ text, label }: { text: string; label: string }) {
  return <button type="button" className="link" onClick={() => void navigator.clipboard?.writeText(text)} aria-label={`Copy ${label}`}>Copy</button>;
}

/** One record to create; `of`: the host name it is for, in the copy buttons' names when the page
 * shows several names' records (the domain's keep their short names). */
function RecordRow({ r, kind, of }: { r: DnsRecord; kind: string; of?: string }) {
  const suffix = of ? ` for ${of}` : "";
  return (
    <tr>
      <td>{r.type ?? kind}</td>
      <td className="mono break">{r.name} <Copy text={r.name} label={`record name${suffix}`} /></td>
      <td className="mono break">{r.value} <Copy text={r.value} label={`record value${suffix}`} /></td>
    </tr>
  );
}

function Records({ label, records, kind, of }: { label: string; records: DnsRecord[]; kind: string; of?: string }) {
  return (
    <div className="scroll-x">
      <table className="table dns-records" aria-label={label}><thead><tr><th>Type</th><th>Name</th><th>Value</th></tr></thead>
        <tbody>{records.map((r) => <RecordRow key={r.name} r={r} kind={kind} of={of} />)}</tbody></table>
    </div>
  );
}

/** Whether a name is served over HTTPS: a badge in words ("HTTPS", else "HTTP only"), not a colour alone. */
export function HttpsBadge({ on }: { on: boolean }) {
  return on
    ? <span className="badge badge-ok" data-https="on">HTTPS</span>
    : <span className="badge badge-idle" data-https="off">HTTP only</span>;
}

/** A name's claim in a badge: verified, pending (its TXT record not found yet) or unclaimed. */
function ClaimBadge({ status }: { status: string }) {
  return status === "verified" ? <span className="badge badge-ok" data-status="verified">verified</span> : <StatusBadge status={status} />;
}

const sentence = (m: string) => m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? "" : ".");

/** What to do next about one name, in the UI's words (the API's message names API calls: "POST
 * .../domain/verify"); once it is routed, what HTTPS waits for (the API's message: the certificate's
 * validation records to create, or HTTPS within 5 minutes). null: nothing to do. */
export function domainNote(d: DomainName): string | null {
  if (d.status === "unclaimed") return "This domain is not claimed yet: press Check DNS and verify to claim it.";
  if (d.status !== "verified") {
    return "Create this TXT record at your DNS provider, then press Check DNS and verify. Until the domain is verified, " +
      "the service answers on its internal host only.";
  }
  if (!d.routed) return "Verified. The next deploy routes the domain to this service and requests its certificate.";
  return httpsNote(d);
}

/** What HTTPS on a routed name waits for; null once it is served over HTTPS (or not routed yet). */
export function httpsNote(d: DomainName): string | null {
  if (d.https || d.status !== "verified" || !d.routed) return null;
  if (d.message && !/\bPOST\b/.test(d.message)) return sentence(d.message);
  const c = d.certificate;
  if (c && !c.dns_managed && c.status !== "ISSUED") return "Create the certificate's validation records below at your DNS provider.";
  return "Served over HTTP for now: HTTPS comes once its certificate is issued.";
}

/** The same for an alias, which has its own TXT record ("this TXT record" would be ambiguous). */
function aliasNote(a: DomainName): string | null {
  if (a.status === "unclaimed") return "Not claimed yet: press Check DNS and verify to claim it.";
  if (a.status !== "verified") return "Create its TXT record at your DNS provider, then press Check DNS and verify. Until then the service does not answer on it.";
  if (!a.routed) return "Verified. The next deploy routes it to this service and requests its certificate.";
  return httpsNote(a);
}

/** What a successful Check DNS and verify says (role=status): verified, whether it is routed yet, and
 * each alias's outcome (an alias whose TXT record is not found yet is said with what was found). */
export function verifiedWords(v: DomainStatus): string {
  const own = v.routed
    ? `${v.domain} is verified and routed to this service.`
    : `${v.domain} is verified. Nothing reaches it until the next deploy routes it to this service (and requests its certificate).`;
  // the API's refusal for an alias begins "domain www.example.com is not verified: TXT …: what it found. Create TXT …"
  const aliases = (v.aliases ?? []).map((a) => (a.status === "verified" ? `Alias ${a.domain} is verified.`
    : a.message && !/\bPOST\b/.test(a.message) ? sentence(a.message.replace(/^domain (\S+) /, "Alias $1 "))
    : `Alias ${a.domain} is not verified yet.`));
  return [own, ...aliases].join(" ");
}

/** The custom domain and its aliases: for each name, the TXT record that proves it is yours, whether
 * it is routed and served over HTTPS, and its certificate's validation records; verification of them
 * all at once, and a deploy to route what is verified. */
export function Domain({ org, service }: { org: string; service: Service }) {
  const qc = useQueryClient();
  const can = useCan(org, service.project_id);
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
  const names = d ? [d, ...(d.aliases ?? [])] : [];
  const note = d ? domainNote(d) : null;
  return (
    <section className="narrow domain-page">
      <h2>{service.domain} {d && <ClaimBadge status={d.status} />} {d && <HttpsBadge on={!!d.https} />}</h2>
      <ErrorNote error={domain.error} retry={() => void domain.refetch()} />
      {/* after a Check DNS and verify its outcome is said instead; what HTTPS waits for stays */}
      {d && note && (!verify.data || d.routed) && <p className="notice">{note}</p>}
      {d?.https && <p className="muted">Served over HTTPS; plain HTTP redirects to it.</p>}
      {d?.verification && (
        <>
          <h3>Prove the domain is yours</h3>
          <Records label={`TXT record of ${d.domain}`} records={[d.verification]} kind="TXT" />
        </>
      )}
      {names.some((n) => n.status !== "verified") && write && (
        <p><button className="primary" onClick={() => verify.mutate()} disabled={verify.isPending}>Check DNS and verify</button></p>
      )}
      {verify.error instanceof ApiError && <p className="form-error" role="alert">{verify.error.message}</p>}
      {verify.data && <p className="notice" role="status">{verifiedWords(verify.data)}</p>}
      {/* verified is not routed: only a deploy makes the load balancer's rule for a name */}
      {names.some((n) => n.status === "verified" && !n.routed) && can("deploy") && service.status !== "deleting" && (
        <p><button className="primary" onClick={() => setDeploying(true)} aria-haspopup="dialog">Deploy now to route it</button></p>
      )}
      {deploying && <DeployDialog org={org} service={service} onClose={() => setDeploying(false)} />}
      {d?.certificate?.validation_records?.length ? (
        <>
          <h3>Certificate ({d.certificate.status})</h3>
          <Records label={`Certificate validation records of ${d.domain}`} records={d.certificate.validation_records} kind="CNAME" />
        </>
      ) : null}
      {d?.aliases?.length ? (
        <>
          <h3>Aliases</h3>
          <p className="muted">More host names the service answers on, each proven by its own TXT record and given its own certificate.</p>
          <ul className="alias-cards">
            {d.aliases.map((a) => <li key={a.domain}><AliasCard a={a} /></li>)}
          </ul>
        </>
      ) : null}
    </section>
  );
}

/** One alias: its claim, routing and HTTPS in words, what to do next, its TXT record and its
 * certificate's validation records. */
function AliasCard({ a }: { a: DomainName }) {
  const id = useId();
  const note = aliasNote(a);
  const records = a.certificate?.validation_records ?? [];
  return (
    <section className="card alias-card" aria-labelledby={id} data-alias={a.domain}>
      <h4 id={id} className="mono">{a.domain}</h4>
      <p className="alias-badges">
        <ClaimBadge status={a.status} />{" "}
        <span className={`badge ${a.routed ? "badge-ok" : "badge-idle"}`} data-routed={a.routed}>{a.routed ? "routed" : "not routed"}</span>{" "}
        <HttpsBadge on={!!a.https} />
        {a.redirects_to && <>{" "}<span className="badge badge-idle" data-redirects={a.redirects_to}>301 to {a.redirects_to}</span></>}
      </p>
      {note && <p className="notice">{note}</p>}
      {a.verification && <Records label={`TXT record of ${a.domain}`} records={[a.verification]} kind="TXT" of={a.domain} />}
      {a.certificate && (
        <p className="muted small">Certificate: {a.certificate.status}{a.certificate.dns_managed ? " (its validation records are in Route 53, made by Launchbay)" : ""}</p>
      )}
      {records.length > 0 && a.certificate?.status !== "ISSUED" && (
        <Records label={`Certificate validation records of ${a.domain}`} records={records} kind="CNAME" of={a.domain} />
      )}
    </section>
  );
}
