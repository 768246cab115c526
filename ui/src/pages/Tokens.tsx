import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { ApiToken } from "../api/models";
import { keys, useTokens } from "../api/queries";
import { Empty, ErrorNote } from "../components/Empty";
import { Field } from "../components/Field";
import { CopyButton } from "../components/GitBits";
import { ago } from "../lib/format";
import { InlineQuestion } from "../components/InlineQuestion";

export default function TokensPage() {
  const tokens = useTokens();
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");   // "" = never: a token for CI is better with an end
  const [fresh, setFresh] = useState<ApiToken | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);   // the token whose revocation awaits a yes
  const create = useMutation({
    mutationFn: () => unwrap<ApiToken>(api.POST("/v1/tokens", { body: { name, ...(days ? { expires_days: Number(days) } : {}) } })),
    onSuccess: (t) => { setFresh(t); setName(""); void qc.invalidateQueries({ queryKey: keys.tokens }); },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/v1/tokens/{token_id}", { params: { path: { token_id: id } } })),
    onSettled: () => { setRevoking(null); void qc.invalidateQueries({ queryKey: keys.tokens }); },
  });
  const submit = (e: FormEvent) => { e.preventDefault(); create.mutate(); };
  return (
    <section className="narrow">
      <h1>API tokens</h1>
      <p className="muted">For the CLI and CI: <code>LAUNCHBAY_TOKEN=lb_… launchbay deploy</code>.</p>
      <form className="inline-form" onSubmit={submit}>
        <Field label="Token name" error={create.error instanceof ApiError && create.error.field !== "expires_days" ? create.error.forField("name") ?? create.error.message : undefined}>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="ci" />
        </Field>
        <Field label="Expires" error={create.error instanceof ApiError ? create.error.forField("expires_days") : undefined}>
          <select value={days} onChange={(e) => setDays(e.target.value)}>
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="365">in a year</option>
            <option value="">never</option>
          </select>
        </Field>
        <button className="primary" disabled={!name.trim() || create.isPending}>Create token</button>
      </form>
      {fresh?.token && (
        <div className="notice" role="status">
          <p>Copy <strong>{fresh.name}</strong> now: it is shown only once.</p>
          <code className="token">{fresh.token}</code>{" "}
          <CopyButton text={fresh.token} label={`token ${fresh.name}`} />
          <button type="button" className="link" onClick={() => setFresh(null)}>Done</button>
        </div>
      )}
      <ErrorNote error={tokens.error ?? revoke.error} />
      {tokens.data?.items.length === 0 && <Empty title="No tokens">Create one for scripts and CI.</Empty>}
      {(tokens.data?.items.length ?? 0) > 0 && (
        <table className="table" aria-label="API tokens">
          <thead><tr><th>Name</th><th className="hide-narrow">Starts with</th><th>Created</th><th>Expires</th><th className="hide-narrow">Last used</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {tokens.data?.items.map((t) => (
              <tr key={t.id}>
                <td className="nowrap">{t.name}</td><td className="mono hide-narrow">{t.prefix}…</td><td className="muted">{ago(t.created)}</td>
                <td className={t.expires && Date.parse(t.expires) < Date.now() ? "reason" : "muted"}>{expiry(t.expires)}</td>
                <td className="muted hide-narrow">{t.last_used ? ago(t.last_used) : "never"}</td>
                <td>
                  {revoking === t.id ? (
                    <InlineQuestion label={`Revoke ${t.name}?`}>
                      Scripts using it stop working.{" "}
                      <button className="danger" onClick={() => revoke.mutate(t.id)} disabled={revoke.isPending}>Yes, revoke</button>{" "}
                      <button className="link" onClick={() => setRevoking(null)}>Keep</button>
                    </InlineQuestion>
                  ) : <button className="link danger" onClick={() => setRevoking(t.id)} aria-label={`Revoke ${t.name}`}>Revoke</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** When a token stops working, in words: "never", "in 5 hours", "in 12 days", "expired". */
export function expiry(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const hours = (Date.parse(iso) - now) / 3_600_000;
  if (hours <= 0) return "expired";
  const [n, unit] = hours < 24 ? [Math.ceil(hours), "hour"] : [Math.ceil(hours / 24), "day"];
  return `in ${n} ${unit}${n === 1 ? "" : "s"}`;
}
