import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/client";
import { keys, useCan } from "../api/queries";
import {
  deleteEnvGroup, deleteEnvGroupSecret, deployEnvGroup, envGroupKeys, patchEnvGroup, putEnvGroupSecret, useEnvGroup,
  type EnvGroup, type EnvGroupDeploy,
} from "../api/envGroups";
import { DeleteByName } from "../components/DeleteByName";
import { Empty, ErrorNote, Loading } from "../components/Empty";
import { Field, FormError } from "../components/Field";
import { InlineQuestion } from "../components/InlineQuestion";
import { envOfRows, rowsOf, type VarRow } from "../lib/envGroups";
import { ago } from "../lib/format";

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** One environment group: its variables (a key/value table saved as a whole), its secrets (set,
 * never shown; deleted after asking), the services linking it (deployed together when it changed),
 * and deleting it (refused while services link it). Members read it; admins change it. */
export default function EnvGroupPage() {
  const { org = "", group = "" } = useParams();
  const g = useEnvGroup(org, group);
  const can = useCan(org);
  const manage = can("env_group.write");
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [said, setSaid] = useState<string | null>(null);
  // a change to the group: the list, this group, and the linked services' needs_deploy
  const changed = (what: string) => {
    void qc.invalidateQueries({ queryKey: envGroupKeys.list(org) });
    void qc.invalidateQueries({ queryKey: ["service", org] });
    const n = g.data?.services.length ?? 0;
    setSaid(`${what}${n ? ` ${plural(n, "linked service")} get${n === 1 ? "s" : ""} it with ${n === 1 ? "its" : "their"} next deploy.` : ""}`);
  };
  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={`/orgs/${org}/env-groups`}>Environment groups</Link> / <span>{group}</span>
      </nav>
      <div className="heading">
        <h1><span className="mono">{group}</span></h1>
        {!manage && <p className="muted small">Owners and admins change environment groups.</p>}
      </div>
      {g.isPending && <Loading what={`environment group ${group}`} />}
      <ErrorNote error={g.error} retry={() => void g.refetch()} />
      {g.data && (
        <>
          <Description org={org} g={g.data} manage={manage} />
          <div role="status">{said && <p className="notice" data-testid="group-said">{said}</p>}</div>
          {/* read again when the variables change (not when a secret does: rows being edited stay) */}
          <Variables key={JSON.stringify(g.data.env)} org={org} g={g.data} manage={manage} onSaved={() => changed("Saved the variables.")} />
          <Secrets org={org} g={g.data} manage={manage} onChanged={changed} />
          <Services org={org} g={g.data} canDeploy={can("deploy")} />
          {manage && (
            <DeleteByName what="environment group" name={g.data.name}
              remove={() => deleteEnvGroup(org, g.data.name)}
              onDeleted={() => {
                qc.removeQueries({ queryKey: envGroupKeys.one(org, g.data.name) });
                void qc.invalidateQueries({ queryKey: envGroupKeys.list(org) });
                void navigate(`/orgs/${org}/env-groups`);
              }}>
              Its variables and secrets go. A group linked to services cannot be deleted: remove it from their Settings first.
            </DeleteByName>
          )}
        </>
      )}
    </section>
  );
}

function Description({ org, g, manage }: { org: string; g: EnvGroup; manage: boolean }) {
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(g.description);
  const save = useMutation({
    mutationFn: () => patchEnvGroup(org, g.name, { description: text.trim() || null }),
    onSuccess: (n) => { qc.setQueryData(envGroupKeys.one(org, g.name), n); void qc.invalidateQueries({ queryKey: envGroupKeys.list(org) }); setEditing(false); },
  });
  const err = save.error instanceof ApiError ? save.error : null;
  if (editing) {
    return (
      <form className="row" onSubmit={(e) => { e.preventDefault(); save.mutate(); }} noValidate aria-label="Description">
        <Field label="Description" error={err?.forField("description") ?? err?.message}>
          <input value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" autoFocus />
        </Field>
        <button className="primary" disabled={save.isPending}>Save</button>
        <button type="button" className="link" onClick={() => { setEditing(false); setText(g.description); save.reset(); }}>Cancel</button>
      </form>
    );
  }
  return (
    <p>
      {g.description ? g.description : <span className="muted">No description.</span>}{" "}
      <small className="muted">Created {ago(g.created)}{g.created_by ? ` by ${g.created_by}` : ""}; changed {ago(g.updated)}.</small>{" "}
      {manage && <button className="link" onClick={() => setEditing(true)}>Edit description</button>}
    </p>
  );
}

/** The variables as a key/value table: rows added and removed here, the whole map saved at once. */
function Variables({ org, g, manage, onSaved }: { org: string; g: EnvGroup; manage: boolean; onSaved: () => void }) {
  const qc = useQueryClient();
  const [rows, setRows] = useState<VarRow[]>(() => rowsOf(g.env));
  const [local, setLocal] = useState<string | null>(null);
  const added = useRef(false);
  const table = useRef<HTMLTableElement>(null);
  useEffect(() => {   // a row added: its name takes the focus
    if (!added.current) return;
    added.current = false;
    [...(table.current?.querySelectorAll<HTMLInputElement>("input[data-key]") ?? [])].at(-1)?.focus();
  }, [rows.length]);
  const save = useMutation({
    mutationFn: (env: Record<string, string>) => patchEnvGroup(org, g.name, { env }),
    onSuccess: (n) => { qc.setQueryData(envGroupKeys.one(org, g.name), n); onSaved(); },
  });
  const apiErr = save.error instanceof ApiError ? save.error.forField("env") ?? save.error.message : save.error ? String(save.error) : null;
  const error = local ?? apiErr;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { env, error: bad } = envOfRows(rows);
    setLocal(bad);
    if (!bad) save.mutate(env);
  };
  const set = (i: number, p: Partial<VarRow>) => setRows((rs) => rs.map((r, k) => (k === i ? { ...r, ...p } : r)));
  const entries = Object.entries(g.env);
  return (
    <section aria-labelledby="group-vars">
      <h2 id="group-vars">Variables</h2>
      <p className="muted small">Visible to every member of the organization. Use secrets for passwords and keys.</p>
      {!manage && (entries.length === 0 ? <Empty title="No variables" /> : (
        <table className="table" aria-label="Variables">
          <thead><tr><th>Name</th><th>Value</th></tr></thead>
          <tbody>{entries.map(([k, v]) => <tr key={k}><td className="mono">{k}</td><td className="mono break">{v}</td></tr>)}</tbody>
        </table>
      ))}
      {manage && (
        <form onSubmit={submit} noValidate aria-label="Variables">
          {rows.length > 0 && (
            <table ref={table} className="table kv-table" aria-label="Variables">
              <thead><tr><th>Name</th><th>Value</th><th><span className="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i}>
                    <td><input data-key value={r.key} aria-label={`Name ${i + 1}`} className="mono" autoComplete="off" spellCheck={false}
                      aria-invalid={error ? true : undefined} aria-describedby={error ? "group-vars-err" : undefined}
                      onChange={(e) => set(i, { key: e.target.value })} /></td>
                    <td><input value={r.value} aria-label={`Value ${i + 1}${r.key.trim() ? ` (${r.key.trim()})` : ""}`} className="mono"
                      autoComplete="off" spellCheck={false} onChange={(e) => set(i, { value: e.target.value })} /></td>
                    <td><button type="button" className="link danger" aria-label={`Remove variable ${r.key.trim() || i + 1}`}
                      onClick={() => setRows((rs) => rs.filter((_, k) => k !== i))}>Remove</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {rows.length === 0 && <p className="muted">No variables.</p>}
          {error && <p id="group-vars-err" className="form-error" role="alert">{error}</p>}
          <div className="row">
            <button type="button" className="link" onClick={() => { added.current = true; setRows((rs) => [...rs, { key: "", value: "" }]); }}>Add a variable</button>
            <button className="primary" disabled={save.isPending}>{save.isPending ? "Saving…" : "Save variables"}</button>
          </div>
        </form>
      )}
    </section>
  );
}

function Secrets({ org, g, manage, onChanged }: { org: string; g: EnvGroup; manage: boolean; onChanged: (what: string) => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const put = useMutation({
    mutationFn: () => putEnvGroupSecret(org, g.name, name.trim(), value),
    onSuccess: (s) => {
      setName("");
      setValue("");   // the value leaves the page as soon as it is stored
      void qc.invalidateQueries({ queryKey: envGroupKeys.one(org, g.name) });
      onChanged(`Saved ${s.name} as v${s.version}.`);
    },
  });
  const err = put.error instanceof ApiError ? put.error : null;
  const submit = (e: FormEvent) => { e.preventDefault(); put.mutate(); };
  return (
    <section aria-labelledby="group-secrets">
      <h2 id="group-secrets">Secrets</h2>
      <p className="muted small">Write-only: values are encrypted and reach the linked services&apos; containers at their next deploy; nobody can read them back.</p>
      {manage && (
        <form onSubmit={submit} className="secret-form" noValidate aria-label="Set a secret">
          <Field label="Secret name" hint="Upper case, e.g. DD_API_KEY. An existing name gets a new version." error={err?.forField("name")}>
            <input value={name} onChange={(e) => setName(e.target.value.toUpperCase())} className="mono" autoComplete="off" />
          </Field>
          <Field label="Secret value" error={err?.forField("value")}>
            <input type="password" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="new-password" />
          </Field>
          {err && !err.forField("name") && !err.forField("value") && <FormError error={err} />}
          {put.error && !err && <FormError error={put.error} />}
          <button className="primary" disabled={put.isPending || !name.trim() || !value}>Set secret</button>
        </form>
      )}
      {g.secrets.length === 0 ? <Empty title="No secrets" /> : (
        <table className="table" aria-label="Secrets">
          <thead><tr><th>Name</th><th>Version</th><th>Set</th><th>Value</th>{manage && <th><span className="sr-only">Actions</span></th>}</tr></thead>
          <tbody>
            {g.secrets.map((s) => <SecretRow key={s.name} org={org} group={g.name} s={s} manage={manage}
              onDeleted={() => { void qc.invalidateQueries({ queryKey: envGroupKeys.one(org, g.name) }); onChanged(`Deleted ${s.name}.`); }} />)}
          </tbody>
        </table>
      )}
    </section>
  );
}

function SecretRow({ org, group, s, manage, onDeleted }: {
  org: string; group: string; s: EnvGroup["secrets"][number]; manage: boolean; onDeleted: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const del = useMutation({ mutationFn: () => deleteEnvGroupSecret(org, group, s.name), onSuccess: onDeleted });
  return (
    <tr data-secret={s.name}>
      <td className="mono">{s.name}</td>
      <td>v{s.version}</td>
      <td className="muted">{ago(s.updated)}</td>
      <td className="mono muted"><span aria-hidden="true">••••••</span><span className="sr-only">hidden</span></td>
      {manage && (
        <td>
          {asking ? (
            <InlineQuestion className="row" label={`Delete secret ${s.name}?`}>
              The linked services lose it at their next deploy.
              <button className="danger" disabled={del.isPending} onClick={() => del.mutate()}>Yes, delete</button>
              <button className="link" onClick={() => { setAsking(false); del.reset(); }}>Keep</button>
            </InlineQuestion>
          ) : (
            <button className="link danger" onClick={() => setAsking(true)} aria-label={`Delete secret ${s.name}`}>Delete</button>
          )}
          <ErrorNote error={del.error} />
        </td>
      )}
    </tr>
  );
}

/** The services linking the group, and deploying those whose configuration changed. */
function Services({ org, g, canDeploy }: { org: string; g: EnvGroup; canDeploy: boolean }) {
  const qc = useQueryClient();
  const deploy = useMutation({
    mutationFn: () => deployEnvGroup(org, g.name),
    onSuccess: (r) => {
      for (const d of r.deployments) {
        void qc.invalidateQueries({ queryKey: keys.service(org, d.service_id) });
        void qc.invalidateQueries({ queryKey: keys.deployments(org, d.service_id) });
      }
    },
  });
  return (
    <section aria-labelledby="group-services">
      <h2 id="group-services">Linked services</h2>
      {g.services.length === 0 ? (
        <Empty title="No service links this group">Link it in a service&apos;s Settings, under Environment groups.</Empty>
      ) : (
        <>
          <ul aria-label="Linked services">
            {g.services.map((s) => (
              <li key={s.id}>
                <Link to={`/orgs/${org}/services/${s.id}`}>{s.name}</Link>{" "}
                <small className="muted">{[s.project, s.environment].filter(Boolean).join(" · ")}</small>
              </li>
            ))}
          </ul>
          {canDeploy && (
            <div className="row">
              <button className="primary" disabled={deploy.isPending} onClick={() => deploy.mutate()}>
                {deploy.isPending ? "Deploying…" : "Deploy linked services"}
              </button>
              <small className="muted">Deploys each one whose live release does not run the group&apos;s values yet.</small>
            </div>
          )}
          <ErrorNote error={deploy.error} />
          <div role="status">{deploy.data && <DeployResult org={org} r={deploy.data} />}</div>
        </>
      )}
    </section>
  );
}

function DeployResult({ org, r }: { org: string; r: EnvGroupDeploy }) {
  return (
    <div className="panel" data-testid="group-deploy">
      <p>
        {r.deployments.length ? `Started ${plural(r.deployments.length, "deploy")}` : "Nothing to deploy"}
        {r.skipped.length ? `; skipped ${plural(r.skipped.length, "service")}.` : "."}
      </p>
      {r.deployments.length > 0 && (
        <ul aria-label="Deployed">
          {r.deployments.map((d) => (
            <li key={d.deployment_id} data-service={d.service}>
              <Link to={`/orgs/${org}/deployments/${d.deployment_id}`}>{d.service}</Link>{" "}
              <small className="muted">{[d.project, d.environment].filter(Boolean).join(" · ")}</small>
            </li>
          ))}
        </ul>
      )}
      {r.skipped.length > 0 && (
        <ul aria-label="Skipped">
          {r.skipped.map((s) => (
            <li key={s.service_id} data-service={s.service}>
              <Link to={`/orgs/${org}/services/${s.service_id}`}>{s.service}</Link>: <span className="muted">{s.reason}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
