import { useState, type FormEvent } from "react";
import { useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { AwsAccount } from "../api/accountModels";
import { accountKeys, useAwsAccounts, useCan, useHealth } from "../api/queries";
import { AwsSetup } from "../components/AwsSetup";
import { Empty, ErrorNote, Loading } from "../components/Empty";
import { Field, FormError } from "../components/Field";
import { InlineQuestion } from "../components/InlineQuestion";

const TONE = { pending: "idle", connected: "ok", broken: "bad" } as const;
/** "eu-west-1, us-east-1" or "eu-west-1 us-east-1" as the API's list. */
export const regionList = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** The organization's AWS account connections (#11): connect, verify, edit, remove; the demo one in the sandbox. */
export default function AwsAccountsPage() {
  const { org = "" } = useParams();
  const accounts = useAwsAccounts(org);
  const health = useHealth();
  const qc = useQueryClient();
  const [setupFor, setSetupFor] = useState<string | null>(null);
  const [connecting, setConnecting] = useState(false);
  const refresh = () => void qc.invalidateQueries({ queryKey: accountKeys.awsAccounts(org) });
  const opened = (a: AwsAccount) => {
    qc.setQueryData(accountKeys.awsAccount(org, a.id), a);
    refresh();
    setConnecting(false);
    setSetupFor(a.id);
  };
  const demo = useMutation({
    mutationFn: () => unwrap<AwsAccount>(api.POST("/v1/orgs/{org}/sandbox/aws-account", { params: { path: { org } } })),
    onSuccess: refresh,
  });
  const sandbox = health.data?.sandbox === true || health.data?.mode === "sandbox";
  const manage = useCan(org)("aws_account.write");
  const fallback = sandbox ? "the sandbox (the local AWS simulator)" : "the platform's own AWS account (single-account mode)";
  const items = accounts.data?.items;
  return (
    <section>
      <div className="heading">
        <h1>AWS accounts</h1>
        {manage ? (
          <div className="row">
            {sandbox && (
              <button type="button" onClick={() => demo.mutate()} disabled={demo.isPending}>
                {demo.isPending ? "Creating…" : "Create a demo connection"}
              </button>
            )}
            <button type="button" className="primary" onClick={() => setConnecting(true)}>Connect an AWS account</button>
          </div>
        ) : <p className="muted small">Owners and admins connect AWS accounts.</p>}
      </div>
      <p className="muted">
        Launchbay deploys into your AWS accounts through an IAM role you create there, trusting it with an external id.
        Read <a href="/v1/aws/policy.json" target="_blank" rel="noreferrer">the role&apos;s exact policy</a>.
        An environment without a connection deploys to {fallback}.
      </p>
      <ErrorNote error={demo.error} />
      {connecting && <ConnectForm org={org} onCreated={opened} onCancel={() => setConnecting(false)} />}
      {setupFor && <AwsSetup key={setupFor} org={org} account={setupFor} onClose={() => setSetupFor(null)} />}
      {accounts.isPending && <Loading what="AWS accounts" />}
      <ErrorNote error={accounts.error} retry={() => void accounts.refetch()} />
      {items && items.length === 0 && (
        <Empty title="No AWS account connected">
          Deploys go to {fallback}. Connect an account to deploy into your own.
        </Empty>
      )}
      {items && items.length > 0 && (
        <table className="table" aria-label="AWS accounts">
          <thead><tr><th>Name</th><th>Status</th><th>Regions</th><th className="hide-narrow">Account</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>{items.map((a) => <Row key={a.id} org={org} account={a} onSetup={() => setSetupFor(a.id)} />)}</tbody>
        </table>
      )}
    </section>
  );
}

function ConnectForm({ org, onCreated, onCancel }: { org: string; onCreated: (a: AwsAccount) => void; onCancel: () => void }) {
  const [name, setName] = useState("");
  const [regions, setRegions] = useState("");
  const [accountId, setAccountId] = useState("");
  const create = useMutation({
    mutationFn: () =>
      unwrap<AwsAccount>(api.POST("/v1/orgs/{org}/aws-accounts", {
        params: { path: { org } },
        body: { name, regions: regions.trim() ? regionList(regions) : null, account_id: accountId.trim() || null },
      })),
    onSuccess: onCreated,
  });
  const err = create.error instanceof ApiError ? create.error : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="panel" onSubmit={submit} noValidate aria-label="Connect an AWS account">
      <h2>Connect an AWS account</h2>
      <div className="inline-form">
        <Field label="Connection name" error={err?.forField("name")}><input value={name} onChange={(e) => setName(e.target.value)} placeholder="production" /></Field>
        <Field label="Regions" hint="Comma-separated; empty: the platform's region." error={err?.forField("regions")}>
          <input value={regions} onChange={(e) => setRegions(e.target.value)} placeholder="eu-west-1, us-east-1" />
        </Field>
        <Field label="AWS account id" hint="Optional: 12 digits, checked on verify." error={err?.forField("account_id")}>
          <input value={accountId} onChange={(e) => setAccountId(e.target.value)} inputMode="numeric" />
        </Field>
      </div>
      {err && !["name", "regions", "account_id"].some((f) => err.forField(f)) && <FormError error={err} />}
      <div className="row">
        <button className="primary" disabled={!name.trim() || create.isPending}>Create connection</button>
        <button type="button" className="link" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

function Row({ org, account: a, onSetup }: { org: string; account: AwsAccount; onSetup: () => void }) {
  const qc = useQueryClient();
  const manage = useCan(org)("aws_account.write");
  const [mode, setMode] = useState<"view" | "edit" | "remove">("view");
  const [name, setName] = useState(a.name);
  const [regions, setRegions] = useState(a.regions.join(", "));
  const path = { params: { path: { org, account: a.id } } };
  const done = () => void qc.invalidateQueries({ queryKey: accountKeys.awsAccounts(org) });
  const save = useMutation({
    mutationFn: () => unwrap<AwsAccount>(api.PATCH("/v1/orgs/{org}/aws-accounts/{account}", { ...path, body: { name, regions: regionList(regions) } })),
    onSuccess: () => { setMode("view"); done(); },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/v1/orgs/{org}/aws-accounts/{account}", path)),
    onSuccess: done,
  });
  const recheck = useMutation({
    mutationFn: () => unwrap<AwsAccount>(api.POST("/v1/orgs/{org}/aws-accounts/{account}/verify", { ...path, body: {} })),
    onSettled: done,
  });
  const err = save.error instanceof ApiError ? save.error : null;
  return (
    <tr data-connection={a.name}>
      <td>{mode === "edit" ? (
        <Field label="Name" error={err?.forField("name")}><input value={name} onChange={(e) => setName(e.target.value)} /></Field>
      ) : <>{a.name}{a.demo && <small className="muted"> · demo</small>}</>}</td>
      <td>
        <span className={`badge badge-${TONE[a.status]}`} data-status={a.status}>{a.status}</span>
        {a.status_reason && <div className={a.status === "broken" ? "reason" : "muted"}><small>{a.status_reason}</small></div>}
      </td>
      <td>{mode === "edit" ? (
        <Field label="Regions" error={err?.forField("regions")}><input value={regions} onChange={(e) => setRegions(e.target.value)} /></Field>
      ) : a.regions.join(", ")}</td>
      <td className="hide-narrow mono">{a.account_id ?? "—"}</td>
      <td>
        {mode === "edit" && (
          <span className="row">
            <button className="primary" disabled={save.isPending} onClick={() => save.mutate()}>Save</button>
            <button className="link" onClick={() => { setMode("view"); save.reset(); }}>Cancel</button>
          </span>
        )}
        {mode === "remove" && (
          <InlineQuestion className="row" label={`Remove ${a.name}?`}>
            Remove this connection?
            <button className="danger" disabled={remove.isPending} onClick={() => remove.mutate()}>Yes, remove</button>
            <button className="link" onClick={() => { setMode("view"); remove.reset(); }}>Keep</button>
          </InlineQuestion>
        )}
        {mode === "view" && (
          <span className="row">
            {manage && a.status !== "connected" && <button className="link" onClick={onSetup}>Set up &amp; verify</button>}
            {manage && a.status !== "pending" && a.role_arn && (
              <button className="link" disabled={recheck.isPending} onClick={() => recheck.mutate()}>Verify again</button>
            )}
            {manage && <button className="link" onClick={() => setMode("edit")} aria-label={`Edit ${a.name}`}>Edit</button>}
            {manage && <button className="link danger" onClick={() => setMode("remove")} aria-label={`Remove ${a.name}`}>Remove</button>}
          </span>
        )}
        {err && !err.forField("name") && !err.forField("regions") && <FormError error={err} />}
        <ErrorNote error={remove.error ?? recheck.error} />
      </td>
    </tr>
  );
}
