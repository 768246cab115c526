import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { ApiToken } from "../api/models";
import { keys, useTokens } from "../api/queries";
import { Empty, ErrorNote } from "../components/Empty";
import { Field } from "../components/Field";
import { ago } from "../lib/format";

export default function TokensPage() {
  const tokens = useTokens();
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [fresh, setFresh] = useState<ApiToken | null>(null);
  const create = useMutation({
    mutationFn: () => unwrap<ApiToken>(api.POST("/v1/tokens", { body: { name } })),
    onSuccess: (t) => { setFresh(t); setName(""); void qc.invalidateQueries({ queryKey: keys.tokens }); },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/v1/tokens/{token_id}", { params: { path: { token_id: id } } })),
    onSettled: () => void qc.invalidateQueries({ queryKey: keys.tokens }),
  });
  const submit = (e: FormEvent) => { e.preventDefault(); create.mutate(); };
  return (
    <section className="narrow">
      <h1>API tokens</h1>
      <p className="muted">For the CLI and CI: <code>LAUNCHBAY_TOKEN=lb_… launchbay deploy</code>.</p>
      <form className="inline-form" onSubmit={submit}>
        <Field label="Token name" error={create.error instanceof ApiError ? create.error.forField("name") ?? create.error.message : undefined}>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="ci" />
        </Field>
        <button className="primary" disabled={!name.trim() || create.isPending}>Create token</button>
      </form>
      {fresh?.token && (
        <div className="notice" role="status">
          <p>Copy <strong>{fresh.name}</strong> now: it is shown only once.</p>
          <code className="token">{fresh.token}</code>{" "}
          <button type="button" onClick={() => void navigator.clipboard?.writeText(fresh.token ?? "")}>Copy</button>
          <button type="button" className="link" onClick={() => setFresh(null)}>Done</button>
        </div>
      )}
      <ErrorNote error={tokens.error ?? revoke.error} />
      {tokens.data?.items.length === 0 && <Empty title="No tokens">Create one for scripts and CI.</Empty>}
      <table className="table" aria-label="API tokens">
        <tbody>
          {tokens.data?.items.map((t) => (
            <tr key={t.id}><td>{t.name}</td><td className="mono">{t.prefix}…</td><td className="muted">created {ago(t.created)}</td>
              <td className="muted">{t.last_used ? `used ${ago(t.last_used)}` : "never used"}</td>
              <td><button className="link danger" onClick={() => revoke.mutate(t.id)} aria-label={`Revoke ${t.name}`}>Revoke</button></td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
