import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../../api/client";
import type { Service } from "../../api/models";
import { keys, useCan } from "../../api/queries";
import { resourceKeys, useLinks, useResources } from "../../api/resources";
import { Empty, ErrorNote, Loading } from "../../components/Empty";
import { Field, FormError, useFocusFirstError } from "../../components/Field";
import { KindLabel, ResourceBadge } from "../../components/ResourceBits";
import { accessText, DESTINATIONS, drainCovers, KINDS, linkBody, linkedWords, mountPathProblem, type LinkForm as LinkFields, type ResourceLink } from "../../lib/resources";

/** The resources a service links, by the variable each gives it: link one of the environment's,
 * unlink. Values are never shown: the API never returns them (they reach the containers from
 * Secrets Manager at the next deploy). A volume is mounted at the link's path (its variable holds
 * that path); a volume or a bucket may be linked read-only; a queue gives its URL, and may be linked
 * send-only (a web service handing work to a worker). */
export function Links({ org, service }: { org: string; service: Service }) {
  const links = useLinks(org, service.id);
  const write = useCan(org, service.project_id)("service.write");
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
        A linked resource gives this service its connection as a secret variable ({service.environment ?? "its environment"}'s resources only);
        a volume is mounted at the path you give, and its variable holds that path; a queue gives its URL.
        {" "}<strong>The next deploy applies a link or an unlink.</strong> Values are never shown here.
      </p>
      {links.isPending && <Loading what="links" />}
      <ErrorNote error={links.error} retry={() => void links.refetch()} />
      <ErrorNote error={unlink.error} />
      {links.data && items.length === 0 && (
        <Empty title="No linked resources">
          Link a database, cache, bucket, volume or queue below, or add one on the project's <Link to={`/orgs/${org}/projects/${service.project_id}/resources`}>Resources</Link> page.
        </Empty>
      )}
      {items.length > 0 && (
        <table className="table" aria-label="Linked resources">
          <thead><tr><th>Variable</th><th>Resource</th><th>Status</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {items.map((l) => (
              <tr key={l.resource_id} data-link={l.resource ?? l.resource_id}>
                <td className="mono">{l.variable}</td>
                <td>
                  {l.resource ?? l.resource_id} <small className="muted"><KindLabel kind={l.kind} /></small>
                  <Access l={l} />
                </td>
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
      <Drains org={org} service={service} />
      {done && <p className="notice" role="status">{done}</p>}
    </section>
  );
}

/** Under the resource's name: a volume's mount path, whether a volume or bucket is read-only, and
 * whether a queue is send-only (a line of its own, not a column: the table fits a phone). Nothing
 * for a database or cache. */
function Access({ l }: { l: ResourceLink }) {
  const text = accessText(l);
  if (!text) return null;
  const at = l.path ? text.indexOf(l.path) : -1;
  return (
    <div className="muted small link-access">
      {at < 0 ? text : <>{text.slice(0, at)}<span className="mono">{l.path}</span>{text.slice(at + l.path!.length)}</>}
    </div>
  );
}

/** The environment's log drains that take this service's logs (every service, or this one named):
 * "Logs also go to: datadog (Datadog)"; nothing when none does. (Not the drains' `taking`, which
 * names deployed services only: a service not deployed yet is taken from its first deploy.) */
function Drains({ org, service }: { org: string; service: Service }) {
  const resources = useResources(org, service.project_id, service.environment_id ?? undefined, !!service.environment_id);
  const drains = (resources.data?.items ?? []).filter((r) => KINDS[r.kind].drain && r.status !== "deleting" && drainCovers(r, service.name));
  if (!drains.length) return null;
  const list = `/orgs/${org}/projects/${service.project_id}/resources`;
  // a service never deployed has no log group yet: its first deploy subscribes it
  const first = !service.live_deployment_id;
  return (
    <p className="muted log-drains" data-testid="log-drains">
      Logs also go to:{" "}
      {drains.map((d, i) => (
        <span key={d.id}>
          {i > 0 && ", "}
          <Link to={`${list}/${d.id}`}>{d.name}</Link> ({DESTINATIONS[d.destination ?? "http"].title}
          {first ? ", from its first deploy" : ""})
        </span>
      ))}
      .
    </p>
  );
}

const EMPTY: LinkFields = { variable: "", path: "", readOnly: false, sendOnly: false };

function LinkForm({ org, service, linked, onLinked }: {
  org: string; service: Service; linked: ResourceLink[]; onLinked: (message: string) => void;
}) {
  const resources = useResources(org, service.project_id, service.environment_id ?? undefined, !!service.environment_id);
  const [res, setRes] = useState("");
  const [form, setForm] = useState<LinkFields>(EMPTY);
  const [tried, setTried] = useState(false);   // the path's own check shows once Link was pressed
  const taken = new Set(linked.map((l) => l.resource_id));
  // a log drain is never linked: it takes the logs itself (Drains says which)
  const offered = (resources.data?.items ?? []).filter((r) => !taken.has(r.id) && r.status !== "deleting" && !KINDS[r.kind].drain);
  const chosen = offered.find((r) => r.id === res) ?? offered[0];
  const kind = chosen ? KINDS[chosen.kind] : null;
  const put = useMutation({
    mutationFn: () =>
      unwrap<ResourceLink>(
        api.PUT("/v1/orgs/{org}/services/{svc}/links/{res}", {
          params: { path: { org, svc: service.id, res: chosen?.id ?? "" } },
          body: chosen ? linkBody(chosen.kind, form) : {},
        }),
      ),
    onSuccess: (l) => {
      setForm(EMPTY);
      setTried(false);
      setRes("");
      onLinked(linkedWords(l, service.name));
    },
  });
  const err = put.error instanceof ApiError ? put.error : null;
  const problem = kind?.mounted ? mountPathProblem(form.path) : null;
  // the API's answer (a 422 on the rule, a 409 when another volume is mounted there) at the field too
  const pathError = (tried && problem) || err?.forField("path");
  const ref = useFocusFirstError<HTMLFormElement>(put.error, tried && problem);
  const set = (patch: Partial<LinkFields>) => setForm((f) => ({ ...f, ...patch }));
  const choose = (id: string) => { setRes(id); setForm(EMPTY); setTried(false); put.reset(); };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (chosen && !problem) put.mutate();
  };
  const readOnlyId = useId();
  const readOnlyError = err?.forField("read_only");
  const sendOnlyId = useId();
  const sendOnlyError = err?.forField("send_only");
  // the fields shown: an error for one of them is shown there, any other under the form
  const onField = ["resource", "variable", ...(kind?.mounted ? ["path"] : []), ...(kind?.readOnlyLinks ? ["read_only"] : []),
    ...(kind?.queue ? ["send_only"] : [])];
  if (resources.isPending && service.environment_id) return <Loading what="the environment's resources" />;
  if (offered.length === 0)
    return (
      <p className="muted">
        No other resource in {service.environment ?? "this environment"} to link.{" "}
        <Link to={`/orgs/${org}/projects/${service.project_id}/resources`}>Add one</Link>.
      </p>
    );
  return (
    <form ref={ref} onSubmit={submit} className="inline-form link-form" aria-label="Link a resource" noValidate>
      <Field label="Resource to link" error={err?.forField("resource")}>
        <select value={chosen?.id ?? ""} onChange={(e) => choose(e.target.value)}>
          {offered.map((r) => <option key={r.id} value={r.id}>{r.name} ({r.kind}, {r.status})</option>)}
        </select>
      </Field>
      {kind?.mounted && (
        <Field label="Mount path" hint="Where its files appear in the container: an absolute path, e.g. /data." error={pathError}>
          <input value={form.path} onChange={(e) => set({ path: e.target.value })} placeholder="/data" className="mono"
            autoComplete="off" required aria-required="true" />
        </Field>
      )}
      <Field label="Variable (optional)" error={err?.forField("variable")}
        hint={`Default ${chosen?.variable ?? "DATABASE_URL"}${kind?.mounted ? " (it holds the mount path)" : kind?.queue ? " (it holds the queue's URL)" : ""}.`}>
        <input value={form.variable} onChange={(e) => set({ variable: e.target.value.toUpperCase() })} placeholder={chosen?.variable} className="mono" autoComplete="off" />
      </Field>
      {kind?.readOnlyLinks && (
        <div className="link-read-only">
          <label className="check">
            <input type="checkbox" checked={form.readOnly} onChange={(e) => set({ readOnly: e.target.checked })}
              aria-invalid={readOnlyError ? true : undefined}
              aria-describedby={[`${readOnlyId}-hint`, readOnlyError ? `${readOnlyId}-err` : ""].filter(Boolean).join(" ")} />
            Read-only
          </label>
          <small id={`${readOnlyId}-hint`} className="hint">
            {kind.mounted ? "Mounted read-only: its tasks cannot write to it." : "Its tasks may only read and list objects."}
          </small>
          {readOnlyError && <small id={`${readOnlyId}-err`} className="error" role="alert">{readOnlyError}</small>}
        </div>
      )}
      {kind?.queue && (
        <div className="link-read-only">
          <label className="check">
            <input type="checkbox" checked={form.sendOnly} onChange={(e) => set({ sendOnly: e.target.checked })}
              aria-invalid={sendOnlyError ? true : undefined}
              aria-describedby={[`${sendOnlyId}-hint`, sendOnlyError ? `${sendOnlyId}-err` : ""].filter(Boolean).join(" ")} />
            Send only
          </label>
          <small id={`${sendOnlyId}-hint`} className="hint">
            Its tasks may send messages but not receive them: for a web service handing work to a worker.
          </small>
          {sendOnlyError && <small id={`${sendOnlyId}-err`} className="error" role="alert">{sendOnlyError}</small>}
        </div>
      )}
      <button className="primary" disabled={put.isPending || !chosen}>Link</button>
      {err && !onField.some((f) => err.forField(f)) && <FormError error={err} />}
    </form>
  );
}
