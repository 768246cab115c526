import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../../api/client";
import type { Secret, Service } from "../../api/models";
import { keys, useCan, useSecrets } from "../../api/queries";
import { Empty, ErrorNote } from "../../components/Empty";
import { Field } from "../../components/Field";
import { ago } from "../../lib/format";
import { useEnvGroups } from "../../api/envGroups";
import { groupVariables } from "../../lib/envGroups";
import { Settings } from "./Settings";

/** Variables (edited with the other settings) and write-only secrets: set, replace, delete. */
export function Secrets({ org, service }: { org: string; service: Service }) {
  const secrets = useSecrets(org, service.id);
  const write = useCan(org, service.project_id)("secret.write");
  const qc = useQueryClient();
  const key = keys.secrets(org, service.id);
  const remove = useMutation({
    mutationFn: (name: string) => unwrap(api.DELETE("/v1/orgs/{org}/services/{svc}/secrets/{name}", { params: { path: { org, svc: service.id, name } } })),
    // optimistic: the row goes at once, and comes back if the API refuses
    onMutate: async (name) => {
      await qc.cancelQueries({ queryKey: key });
      const before = qc.getQueryData<{ items: Secret[] }>(key);
      qc.setQueryData<{ items: Secret[] }>(key, (old) => old && { items: old.items.filter((s) => s.name !== name) });
      return { before };
    },
    onError: (_e, _n, ctx) => qc.setQueryData(key, ctx?.before),
    onSettled: () => { void qc.invalidateQueries({ queryKey: key }); void qc.invalidateQueries({ queryKey: keys.service(org, service.id) }); },
  });
  return (
    <div className="split">
      <section aria-labelledby="sec">
        <h2 id="sec">Secrets</h2>
        <p className="muted">Write-only: values are encrypted and reach the containers at the next deploy; nobody can read them back here.</p>
        {write && <SecretForm org={org} service={service} />}
        <ErrorNote error={remove.error} />
        {secrets.data?.items.length === 0 && <Empty title="No secrets">Add database URLs, API keys and other values that must not appear in the settings.</Empty>}
        {!!secrets.data?.items.length && <table className="table" aria-label="Secrets">
          <thead><tr><th>Name</th><th>Version</th><th>Set</th><th>Value</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {secrets.data?.items.map((s) => (
              <tr key={s.name + s.scope}>
                <td className="mono">{s.name}</td>
                <td>v{s.version}{s.scope === "environment" && <small className="muted"> · from the environment</small>}
                  {s.scope === "env_group" && s.env_group && (
                    <small className="muted" data-testid="from-group"> · from group <Link to={`/orgs/${org}/env-groups/${s.env_group}`}>{s.env_group}</Link></small>
                  )}</td>
                <td className="muted">{ago(s.updated)}</td>
                <td className="mono muted"><span aria-hidden="true">••••••</span><span className="sr-only">hidden</span></td>
                <td>{s.scope === "service" && write && <button className="link danger" onClick={() => remove.mutate(s.name)} aria-label={`Delete secret ${s.name}`}>Delete</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>}
      </section>
      <section aria-labelledby="vars">
        <h2 id="vars">Variables</h2>
        <Settings org={org} service={service} only="env" />
        {!!service.env_groups?.length && <GroupVariables org={org} service={service} ownSecrets={secrets.data?.items.filter((s) => s.scope === "service").map((s) => s.name) ?? []} />}
      </section>
    </div>
  );
}

function SecretForm({ org, service }: { org: string; service: Service }) {
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const qc = useQueryClient();
  const put = useMutation({
    mutationFn: () =>
      unwrap<Secret>(
        api.PUT("/v1/orgs/{org}/services/{svc}/secrets/{name}", { params: { path: { org, svc: service.id, name: name.trim() } }, body: { value } }),
      ),
    onSuccess: (s) => {
      setSaved(`${s.name} saved as v${s.version}. Running containers get it with the next deploy.`);
      setName("");
      setValue("");  // the value leaves the page as soon as it is stored
      void qc.invalidateQueries({ queryKey: keys.secrets(org, service.id) });
      void qc.invalidateQueries({ queryKey: keys.service(org, service.id) });
    },
  });
  const err = put.error instanceof ApiError ? put.error : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    put.mutate();
  };
  return (
    <form onSubmit={submit} className="secret-form" noValidate>
      <Field label="Secret name" hint="Upper case, e.g. DATABASE_URL. An existing name is replaced." error={err?.forField("name")}>
        <input value={name} onChange={(e) => setName(e.target.value.toUpperCase())} className="mono" autoComplete="off" />
      </Field>
      <Field label="Secret value" error={err?.forField("value")}>
        <input type="password" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="new-password" />
      </Field>
      {err && !err.forField("name") && !err.forField("value") && <p className="form-error" role="alert">{err.message}</p>}
      <button className="primary" disabled={put.isPending || !name.trim() || !value}>Set secret</button>
      {saved && <p className="notice" role="status">{saved}</p>}
    </form>
  );
}

/** The variables its environment groups give it (read-only here; changed on the group's page),
 * each marked with what overrides it. */
function GroupVariables({ org, service, ownSecrets }: { org: string; service: Service; ownSecrets: string[] }) {
  const groups = useEnvGroups(org);
  const linked = service.env_groups ?? [];
  const rows = groups.data ? groupVariables(linked, groups.data.items, { env: service.env, secrets: ownSecrets }) : [];
  return (
    <div className="panel" data-testid="group-variables">
      <h3>From environment groups</h3>
      <p className="muted small">
        Linked in Settings, in this order (a later one wins, this service&apos;s own values over all):{" "}
        {linked.map((n, i) => <span key={n}>{i > 0 && ", "}<Link to={`/orgs/${org}/env-groups/${n}`} className="mono">{n}</Link></span>)}.
      </p>
      <ErrorNote error={groups.error} />
      {groups.data && rows.length === 0 && <p className="muted small">Their groups have no plain variables.</p>}
      {rows.length > 0 && (
        <table className="table" aria-label="Variables from environment groups">
          <thead><tr><th>Name</th><th>Value</th><th>From</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.group + r.name} data-overridden={r.overriddenBy ? "true" : "false"}>
                <td className="mono">{r.overriddenBy ? <s>{r.name}</s> : r.name}</td>
                <td className="mono break">{r.value}</td>
                <td><small className="muted">group {r.group}{r.overriddenBy && ` · overridden by ${r.overriddenBy}`}</small></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
