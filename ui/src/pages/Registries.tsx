import { useRef, useState, type FormEvent } from "react";
import { useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/client";
import { useCan } from "../api/queries";
import { deleteRegistry, putRegistry, registryKeys, useRegistries, type RegistryCredential } from "../api/registries";
import { Empty, ErrorNote, Loading } from "../components/Empty";
import { Field, FormError, useFocusFirstError } from "../components/Field";
import { InlineQuestion } from "../components/InlineQuestion";
import { ago } from "../lib/format";
import { checkWords, credentialProblems, normalHost, type CredentialsForm } from "../lib/registries";

const FIELDS = ["host", "username", "password"] as const;
const EMPTY: CredentialsForm = { host: "", username: "", password: "" };

/** The organization's credentials for private container registries: every member sees which
 * registries have them (user name, the password's last four characters, whether they signed in);
 * owners and admins add, replace and remove them. The password is never shown back. */
export default function RegistriesPage() {
  const { org = "" } = useParams();
  const registries = useRegistries(org);
  const manage = useCan(org)("registry.write");
  const qc = useQueryClient();
  const [form, setForm] = useState<CredentialsForm>(EMPTY);
  const [local, setLocal] = useState<Partial<Record<keyof CredentialsForm, string>>>({});
  const [said, setSaid] = useState<string | null>(null);   // what the last save or removal did
  const password = useRef<HTMLInputElement>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: registryKeys.list(org) });
  const save = useMutation({
    mutationFn: (f: CredentialsForm) => putRegistry(org, f.host, f.username, f.password),
    onSuccess: (r) => {
      setForm(EMPTY);   // the password leaves the page with the save
      setSaid(savedWords(r));
      refresh();
    },
  });
  const err = save.error instanceof ApiError ? save.error : null;
  const error = (f: keyof CredentialsForm) => local[f] ?? err?.forField(f);
  const ref = useFocusFirstError<HTMLFormElement>(save.error, Object.keys(local).length ? local : null);
  const set = (p: Partial<CredentialsForm>) => setForm((f) => ({ ...f, ...p }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaid(null);
    const found = credentialProblems(form);
    setLocal(found);
    if (!Object.keys(found).length) save.mutate({ ...form, host: normalHost(form.host) });
  };
  const items = registries.data?.items;
  const replacing = !!items?.some((r) => r.host === normalHost(form.host));
  // Replace on a row: its host and user name in the form, the cursor in the password
  const replace = (r: RegistryCredential) => {
    setForm({ host: r.host, username: r.username, password: "" });
    setLocal({});
    setSaid(null);
    save.reset();
    password.current?.focus();
  };
  return (
    <section>
      <div className="heading">
        <h1>Container registries</h1>
        {!manage && <p className="muted small">Owners and admins set registry credentials.</p>}
      </div>
      <p className="muted">
        Deploys of images in these registries pull with these credentials (a user name and a password or access token that can
        pull); Amazon ECR needs none, as its images are pulled with the task&apos;s own role.
      </p>
      {manage && (
        <form ref={ref} className="panel" onSubmit={submit} noValidate aria-label="Registry credentials">
          <h2>Add or replace credentials</h2>
          <div className="inline-form">
            <Field label="Registry host" hint="With its port if not 443: ghcr.io, docker.io, registry.gitlab.com." error={error("host")}>
              <input value={form.host} onChange={(e) => set({ host: e.target.value })} placeholder="ghcr.io" className="mono"
                autoComplete="off" spellCheck={false} autoCapitalize="none" />
            </Field>
            <Field label="User name" hint="GHCR: your GitHub user; Docker Hub: your Docker ID; GitLab: a deploy token's user name." error={error("username")}>
              <input value={form.username} onChange={(e) => set({ username: e.target.value })} autoComplete="off" spellCheck={false}
                autoCapitalize="none" />
            </Field>
            <Field label="Password or access token" hint="With read (pull) access. Stored encrypted, never shown again." error={error("password")}>
              <input ref={password} type="password" value={form.password} onChange={(e) => set({ password: e.target.value })}
                autoComplete="new-password" spellCheck={false} />
            </Field>
          </div>
          {err && !FIELDS.some((f) => err.forField(f)) && <FormError error={err} />}
          {save.error && !(save.error instanceof ApiError) && <FormError error={save.error} />}
          <div className="row">
            <button className="primary" disabled={save.isPending}>
              {save.isPending ? "Signing in…" : replacing ? "Replace credentials" : "Save credentials"}
            </button>
            {(form.host || form.username || form.password) && !save.isPending && (
              <button type="button" className="link" onClick={() => { setForm(EMPTY); setLocal({}); save.reset(); }}>Clear</button>
            )}
          </div>
          <p className="muted small">Launchbay signs in to the registry with them first: credentials it refuses are not saved.</p>
        </form>
      )}
      {/* the live region is there before its words, so that they are heard */}
      <div role="status">{said && <p className="notice" data-testid="registry-said">{said}</p>}</div>
      {registries.isPending && <Loading what="container registries" />}
      <ErrorNote error={registries.error} retry={() => void registries.refetch()} />
      {items && items.length === 0 && (
        <Empty title="No registry credentials">
          Deploys pull images without credentials: public images, and Amazon ECR&apos;s with the task&apos;s role.
        </Empty>
      )}
      {items && items.length > 0 && (
        <table className="table" aria-label="Container registries">
          <thead>
            <tr>
              <th>Registry</th><th>User name</th><th className="hide-narrow">Password</th><th>Last check</th>
              <th className="hide-narrow">Set by</th><th className="hide-narrow">Updated</th>
              {manage && <th><span className="sr-only">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <Row key={r.host} org={org} r={r} manage={manage} onReplace={() => replace(r)}
                onRemoved={() => { setSaid(`Removed the credentials for ${r.host}: later deploys pull its images without credentials.`); refresh(); }} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** What a save did, in words: whether the registry signed them in, and what deploys now do. */
function savedWords(r: RegistryCredential): string {
  const c = checkWords(r.check);
  const check = c.ok ? `Signed in to ${r.host} as ${r.username}.` : `Saved the credentials for ${r.host}, not checked${c.why ? `: ${c.why}` : ""}.`;
  const then = r.message ? ` ${r.message.charAt(0).toUpperCase()}${r.message.slice(1)}.` : "";
  return check + then;
}

function Row({ org, r, manage, onReplace, onRemoved }: {
  org: string; r: RegistryCredential; manage: boolean; onReplace: () => void; onRemoved: () => void;
}) {
  const [removing, setRemoving] = useState(false);
  const remove = useMutation({ mutationFn: () => deleteRegistry(org, r.host), onSuccess: onRemoved });
  const c = checkWords(r.check);
  const password = r.password_set ? <>set <span className="mono">{r.hint ?? ""}</span></> : "not set";
  return (
    <tr data-registry={r.host}>
      <td className="mono break">{r.host}</td>
      <td>
        <span className="mono break">{r.username}</span>
        {/* a phone: the password's column is hidden, its words go here */}
        <small className="narrow-only muted">password {password}</small>
      </td>
      <td className="nowrap hide-narrow">{password}</td>
      <td data-testid="registry-check">
        <span className={`badge badge-${c.ok ? "ok" : "idle"}`} data-ok={c.ok ? "true" : "false"}>{c.label}</span>
        {c.why && <div className="muted"><small>{c.why}</small></div>}
        {r.check?.at && <div className="muted"><small>checked {ago(r.check.at)}</small></div>}
      </td>
      <td className="hide-narrow">{r.set_by ?? "—"}</td>
      <td className="hide-narrow muted">{ago(r.updated)}</td>
      {manage && (
        <td>
          {removing ? (
            <InlineQuestion className="row" label={`Remove the credentials for ${r.host}?`}>
              Deploys of its images then pull without credentials.
              <button className="danger" disabled={remove.isPending} onClick={() => remove.mutate()}>Yes, remove</button>
              <button className="link" onClick={() => { setRemoving(false); remove.reset(); }}>Keep</button>
            </InlineQuestion>
          ) : (
            <span className="row">
              <button className="link" onClick={onReplace} aria-label={`Replace the credentials for ${r.host}`}>Replace</button>
              <button className="link danger" onClick={() => setRemoving(true)} aria-label={`Remove the credentials for ${r.host}`}>Remove</button>
            </span>
          )}
          <ErrorNote error={remove.error} />
        </td>
      )}
    </tr>
  );
}
