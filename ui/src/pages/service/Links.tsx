import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../../api/client";
import type { Service } from "../../api/models";
import { keys, useCan } from "../../api/queries";
import { resourceKeys, useLinks, useResources } from "../../api/resources";
import { Empty, ErrorNote, Loading } from "../../components/Empty";
import { Field, FormError } from "../../components/Field";
import { KindLabel, ResourceBadge } from "../../components/ResourceBits";
import type { ResourceLink } from "../../lib/resources";

/** The resources a service links, by the variable each gives it: link one of the environment's,
 * unlink. Values are never shown: the API never returns them (they reach the containers from
 * Secrets Manager at the next deploy). */
export function Links({ org, service }: { org: string; service: Service }) {
  const links = useLinks(org, service.id);
  const write = useCan(org)("service.write");
  const qc = useQueryClient();
  const [done, setDone] = useState<string | null>(null);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: resourceKeys.links(org, service.id) });
    void qc.invalidateQueries({ queryKey: keys.service(org, service.id) });
  };
  const unlink = useMutation({
    mutationFn: (l: ResourceLink) =>
      unwrap(api.DELETE("/v1/orgs/{org}/services/{svc}/links/{res}", { params: { path: { org, svc: service.id, res: l.resource_id } } })),
    onSuccess: (_d, l) => { setDone(`Unlinked ${l.resource ?? l.resource_id}: the next deploy drops ${l.variable}.`); refresh(); },
  });
  const items = links.data?.items ?? [];
  return (
    <section aria-labelledby="links-h">
      <h2 id="links-h">Linked resources</h2>
      <p className="muted">
        A linked resource gives this service its connection as a secret variable ({service.environment ?? "its environment"}'s resources only).
        {" "}<strong>The next deploy applies a link or an unlink.</strong> Values are never shown here.
      </p>
      {links.isPending && <Loading what="links" />}
      <ErrorNote error={links.error} retry={() => void links.refetch()} />
      <ErrorNote error={unlink.error} />
      {links.data && items.length === 0 && (
        <Empty title="No linked resources">
          Link a database, cache or bucket below, or add one on the project's <Link to={`/orgs/${org}/projects/${service.project_id}/resources`}>Resources</Link> page.
        </Empty>
      )}
      {items.length > 0 && (
        <table className="table" aria-label="Linked resources">
          <thead><tr><th>Variable</th><th>Resource</th><th>Status</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {items.map((l) => (
              <tr key={l.resource_id} data-link={l.resource ?? l.resource_id}>
                <td className="mono">{l.variable}</td>
                <td>{l.resource ?? l.resource_id} <small className="muted"><KindLabel kind={l.kind} /></small></td>
                <td><ResourceBadge status={l.status} /></td>
                <td>
                  {write && <button className="link danger" onClick={() => { setDone(null); unlink.mutate(l); }} disabled={unlink.isPending}
                    aria-label={`Unlink ${l.resource ?? l.resource_id}`}>Unlink</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {write && <LinkForm org={org} service={service} linked={items} onLinked={(msg) => { setDone(msg); refresh(); }} />}
      {done && <p className="notice" role="status">{done}</p>}
    </section>
  );
}

function LinkForm({ org, service, linked, onLinked }: {
  org: string; service: Service; linked: ResourceLink[]; onLinked: (message: string) => void;
}) {
  const resources = useResources(org, service.project_id, service.environment_id ?? undefined, !!service.environment_id);
  const [res, setRes] = useState("");
  const [variable, setVariable] = useState("");
  const taken = new Set(linked.map((l) => l.resource_id));
  const offered = (resources.data?.items ?? []).filter((r) => !taken.has(r.id) && r.status !== "deleting");
  const chosen = offered.find((r) => r.id === res) ?? offered[0];
  const put = useMutation({
    mutationFn: () =>
      unwrap<ResourceLink>(
        api.PUT("/v1/orgs/{org}/services/{svc}/links/{res}", {
          params: { path: { org, svc: service.id, res: chosen?.id ?? "" } },
          body: variable.trim() ? { variable: variable.trim() } : {},
        }),
      ),
    onSuccess: (l) => {
      setVariable("");
      setRes("");
      onLinked(`Linked ${l.resource}: the next deploy gives ${service.name} ${l.variable}.`);
    },
  });
  const err = put.error instanceof ApiError ? put.error : null;
  const submit = (e: FormEvent) => { e.preventDefault(); if (chosen) put.mutate(); };
  if (resources.isPending && service.environment_id) return <Loading what="the environment's resources" />;
  if (offered.length === 0)
    return (
      <p className="muted">
        No other resource in {service.environment ?? "this environment"} to link.{" "}
        <Link to={`/orgs/${org}/projects/${service.project_id}/resources`}>Add one</Link>.
      </p>
    );
  return (
    <form onSubmit={submit} className="inline-form link-form" aria-label="Link a resource" noValidate>
      <Field label="Resource to link" error={err?.forField("resource")}>
        <select value={chosen?.id ?? ""} onChange={(e) => setRes(e.target.value)}>
          {offered.map((r) => <option key={r.id} value={r.id}>{r.name} ({r.kind}, {r.status})</option>)}
        </select>
      </Field>
      <Field label="Variable (optional)" hint={`Default ${chosen?.variable ?? "DATABASE_URL"}.`} error={err?.forField("variable")}>
        <input value={variable} onChange={(e) => setVariable(e.target.value.toUpperCase())} placeholder={chosen?.variable} className="mono" autoComplete="off" />
      </Field>
      <button className="primary" disabled={put.isPending || !chosen}>Link</button>
      {err && !err.forField("resource") && !err.forField("variable") && <FormError error={err} />}
    </form>
  );
}
