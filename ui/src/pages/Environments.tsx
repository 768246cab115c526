import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { AwsAccount, CloneAnswer, PlacedEnvironment } from "../api/accountModels";
import { keys, useAwsAccounts, useCan, useHealth, usePlacedEnvironments } from "../api/queries";
import { Empty, ErrorNote } from "../components/Empty";
import { Field, FormError } from "../components/Field";
import { TeardownNote } from "../components/TeardownNote";
import { InlineQuestion, useInlineFocus } from "../components/InlineQuestion";
import { ApprovalForm, approvalWords } from "../components/Approval";
import { PromoteDialog } from "../components/PromoteDialog";
import { AutoPromoteForm } from "../components/AutoPromoteForm";
import { FreezeForm, freezeUntilWords } from "../components/FreezeForm";
import { byWindow, FreezeWindowsForm, windowFreezeWords, windowsWords } from "../components/FreezeWindowsForm";
import { asleepWords, SleepScheduleForm, sleepWords } from "../components/SleepScheduleForm";
import { AllowedIpsForm, envAddressWords } from "../components/AllowedIpsForm";
import { EgressDialog, EgressNote } from "../components/StaticEgress";

interface Place { account: string; region: string }

/** A project's environments: where each deploys (AWS connection and region), create, clone, move, delete. */
export default function EnvironmentsPanel({ org, project }: { org: string; project: string }) {
  const envs = usePlacedEnvironments(org, project);
  const accounts = useAwsAccounts(org);
  const health = useHealth();
  const sandbox = health.data?.sandbox === true || health.data?.mode === "sandbox";
  const can = useCan(org, project);
  const manage = can("project.write");
  const [cloned, setCloned] = useState<CloneAnswer | null>(null);
  const items = envs.data?.items;
  const names = (items ?? []).filter((e) => e.status !== "deleting").map((e) => e.name);
  const ctx: Ctx = { org, project, accounts: accounts.data?.items ?? [], fallback: sandbox ? "sandbox" : "platform account", manage, names,
    deploy: can("deploy") };
  return (
    <section aria-labelledby="envs-h">
      <h2 id="envs-h">Environments</h2>
      <ErrorNote error={envs.error ?? accounts.error} />
      {cloned && (
        <p className="notice" role="status">
          Cloned into <strong>{cloned.name}</strong> with {cloned.services.length} service{cloned.services.length === 1 ? "" : "s"}
          {cloned.with_secrets ? " and their secret values." : cloned.secrets_to_set.length
            ? <>; secrets to set there: {cloned.secrets_to_set.map((s) => <code key={s}>{s} </code>)}</> : "."}
        </p>
      )}
      {items && items.length === 0 && <Empty title="No environments yet">Create one below (e.g. production), or let the first service create it.</Empty>}
      {items && items.length > 0 && (
        <table className="table" aria-label="Environments">
          <thead><tr><th>Name</th><th>Deploys to</th><th className="hide-narrow">Domain suffix</th><th className="hide-narrow">Deploys need</th><th className="hide-narrow">Promotes to</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>{items.map((e) => <EnvRow key={e.id} ctx={ctx} env={e} onCloned={setCloned} />)}</tbody>
        </table>
      )}
      {manage ? <NewEnvironment ctx={ctx} /> : <p className="muted small">Owners and admins add, clone, move and delete environments.</p>}
    </section>
  );
}

/** names: the project's environments a promotion can go to (not being deleted) */
interface Ctx { org: string; project: string; accounts: AwsAccount[]; fallback: string; manage: boolean; names: string[]; deploy: boolean }

/** Connection and region pickers; regions are those the chosen connection allows. */
function PlacePicker({ ctx, value, onChange, error }: { ctx: Ctx; value: Place; onChange: (p: Place) => void; error: ApiError | null }) {
  const conn = ctx.accounts.find((a) => a.id === value.account);
  return (
    <>
      <Field label="AWS account" error={error?.forField("aws_account_id")}>
        <select value={value.account} onChange={(e) => onChange({ account: e.target.value, region: "" })}>
          <option value="">{ctx.fallback === "sandbox" ? "The sandbox (no connection)" : "The platform's own account"}</option>
          {ctx.accounts.map((a) => (
            <option key={a.id} value={a.id} disabled={a.status === "pending"}>{a.name}{a.status === "connected" ? "" : ` (${a.status})`}</option>
          ))}
        </select>
      </Field>
      <Field label="Region" error={error?.forField("region")}>
        <select value={value.region} onChange={(e) => onChange({ ...value, region: e.target.value })} disabled={!conn}>
          <option value="">{conn ? `${conn.regions[0]} (first allowed)` : "The platform's region"}</option>
          {conn?.regions.map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
      </Field>
    </>
  );
}

const placeBody = (p: Place) => ({ aws_account_id: p.account || null, region: p.region || null });
const otherError = (err: ApiError | null, fields: string[]) => (err && !fields.some((f) => err.forField(f)) ? err : null);

function NewEnvironment({ ctx }: { ctx: Ctx }) {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [suffix, setSuffix] = useState("");
  const [place, setPlace] = useState<Place>({ account: "", region: "" });
  const create = useMutation({
    mutationFn: () =>
      unwrap<PlacedEnvironment>(api.POST("/v1/orgs/{org}/projects/{project}/environments", {
        params: { path: { org: ctx.org, project: ctx.project } },
        body: { name, domain_suffix: suffix.trim() || null, ...placeBody(place) },
      })),
    onSuccess: () => { setName(""); setSuffix(""); void qc.invalidateQueries({ queryKey: keys.envs(ctx.org, ctx.project) }); },
  });
  const err = create.error instanceof ApiError ? create.error : null;
  const submit = (e: FormEvent) => { e.preventDefault(); create.mutate(); };
  return (
    <form onSubmit={submit} noValidate aria-label="New environment">
      <h3>New environment</h3>
      <div className="inline-form">
        <Field label="Environment name" hint="Lower-case letters, digits and hyphens." error={err?.forField("name")}>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="staging" />
        </Field>
        <Field label="Domain suffix" error={err?.forField("domain_suffix")}><input value={suffix} onChange={(e) => setSuffix(e.target.value)} placeholder="staging.example.com" /></Field>
        <PlacePicker ctx={ctx} value={place} onChange={setPlace} error={err} />
        <button className="primary" disabled={!name.trim() || create.isPending}>Create environment</button>
      </div>
      <FormError error={otherError(err, ["name", "domain_suffix", "aws_account_id", "region"])} />
    </form>
  );
}

function EnvRow({ ctx, env, onCloned }: { ctx: Ctx; env: PlacedEnvironment; onCloned: (c: CloneAnswer) => void }) {
  const qc = useQueryClient();
  const [mode, setMode] = useState<"view" | "clone" | "move" | "approval" | "promote" | "freeze" | "unfreeze" | "delete">("view");
  // a modal of its own: the row's buttons stay, so focus goes back to Promote… when it closes
  const [promoting, setPromoting] = useState(false);
  // the freeze windows', the sleep schedule's and the client addresses' dialogs, as Promote…
  // (and static egress's question)
  const [windowing, setWindowing] = useState<"freeze" | "sleep" | "ips" | "egress" | null>(null);
  const others = ctx.names.filter((n) => n !== env.name);
  const path = { params: { path: { org: ctx.org, project: ctx.project, env: env.name } } };
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: keys.envs(ctx.org, ctx.project) });
    // a clone copies services: the project's service lists (every environment tab) change too
    void qc.invalidateQueries({ queryKey: ["services", ctx.org, ctx.project] });
  };
  const conn = ctx.accounts.find((a) => a.id === env.aws_account_id);
  const region = env.effective_region ?? env.region;
  const where = (env.aws_account_id ? conn?.name ?? "a connection" : ctx.fallback === "sandbox" ? "the sandbox" : "the platform's own account")
    + (region ? ` · ${region}` : "");
  return (
    <tr data-environment={env.name}>
      <td className="nowrap"><strong>{env.name}</strong>
        {/* its column is hidden on a phone: the target under the name instead */}
        {env.promote_to && <small className="narrow-only muted"><span aria-hidden="true">→ </span><span className="sr-only">promotes to </span>{env.promote_to}</small>}
        {env.freeze && (
          <small className="freeze-note" data-frozen="">
            <span className="badge badge-warn">frozen</span>{" "}
            {byWindow(env.freeze) ? windowFreezeWords(env.freeze) : `${env.freeze.reason} · ${freezeUntilWords(env.freeze)}`}
          </small>
        )}
        {windowsWords(env) && <small className="windows-note muted">{windowsWords(env)}</small>}
        {env.sleeping && (
          <small className="sleep-note" data-asleep=""><span className="badge badge-idle">asleep</span> {asleepWords(env.sleeping)}</small>
        )}
        {sleepWords(env) && <small className="sleep-windows-note muted">{sleepWords(env)}</small>}
        {envAddressWords(env) && <small className="ips-note muted" data-allowed-ips="">{envAddressWords(env)}</small>}
        <EgressNote env={env} />
      </td>
      <td>{where}</td>
      <td className="hide-narrow mono">{env.domain_suffix ?? "—"}</td>
      <td className="hide-narrow">{approvalWords(env)}</td>
      <td className="hide-narrow">{env.promote_to ?? "—"}</td>
      <td>
        {env.status === "deleting" && (
          <TeardownNote small teardown={env.teardown} failed={`Deleting ${env.name} failed; what it made in AWS is still there.`}
            removing="Deleting: removing what it made in AWS…"
            retry={() => unwrap(api.DELETE("/v1/orgs/{org}/projects/{project}/environments/{env}", path))} onRetried={refresh}
            canRetry={ctx.manage} cannotRetry="Owners and admins retry it." />
        )}
        {env.status !== "deleting" && mode === "view" && (ctx.manage || others.length > 0 || (env.sleeping && ctx.deploy)) && (
          <span className="row">
            {/* developers too: a late evening's work wakes staging until its window ends */}
            {env.sleeping && ctx.deploy && <WakeButton env={env.name} call={() => unwrap(api.POST(
              "/v1/orgs/{org}/projects/{project}/environments/{env}/wake", path))} onDone={refresh} />}
            {/* every role: a viewer sees the plan, a developer promotes */}
            {others.length > 0 && (
              <button className="link" onClick={() => setPromoting(true)} aria-haspopup="dialog" aria-label={`Promote ${env.name}…`}>Promote…</button>
            )}
            {ctx.manage && (
              <>
                <button className="link" onClick={() => setMode("clone")} aria-label={`Clone ${env.name}`}>Clone</button>
                <button className="link" onClick={() => setMode("move")} aria-label={`Change where ${env.name} deploys`}>Change account</button>
                <button className="link" onClick={() => setMode("approval")} aria-label={`Approvals for ${env.name}`}>Approvals</button>
                {(others.length > 0 || env.promote_to) && (
                  <button className="link" onClick={() => setMode("promote")} aria-label={`Auto-promote ${env.name}`}>Auto-promote</button>
                )}
                {env.freeze
                  ? <button className="link" onClick={() => setMode("unfreeze")} aria-label={`Unfreeze ${env.name}`}>Unfreeze</button>
                  : <button className="link" onClick={() => setMode("freeze")} aria-label={`Freeze ${env.name}…`}>Freeze…</button>}
                <button className="link" onClick={() => setWindowing("freeze")} aria-haspopup="dialog" aria-label={`Freeze windows for ${env.name}…`}>Freeze windows…</button>
                <button className="link" onClick={() => setWindowing("sleep")} aria-haspopup="dialog" aria-label={`Sleep schedule for ${env.name}…`}>Sleep schedule…</button>
                <button className="link" onClick={() => setWindowing("ips")} aria-haspopup="dialog" aria-label={`Who can reach ${env.name}…`}>Who can reach it…</button>
                {env.egress !== undefined && (
                  <button className="link" onClick={() => setWindowing("egress")} aria-haspopup="dialog"
                    aria-label={`Static outbound IP for ${env.name}…`}>Static IP…</button>
                )}
                <button className="link danger" onClick={() => setMode("delete")} aria-label={`Delete ${env.name}`}>Delete</button>
              </>
            )}
          </span>
        )}
        {windowing === "freeze" && <FreezeWindowsForm org={ctx.org} project={ctx.project} env={env}
          onDone={() => { setWindowing(null); refresh(); }} onCancel={() => setWindowing(null)} />}
        {windowing === "sleep" && <SleepScheduleForm org={ctx.org} project={ctx.project} env={env}
          onDone={() => { setWindowing(null); refresh(); }} onCancel={() => setWindowing(null)} />}
        {/* its web services without a list of their own then need a deploy: their pages say so */}
        {windowing === "ips" && <AllowedIpsForm org={ctx.org} project={ctx.project} env={env}
          onDone={() => { setWindowing(null); refresh(); void qc.invalidateQueries({ queryKey: ["service", ctx.org] }); }}
          onCancel={() => setWindowing(null)} />}
        {/* the cost estimate of its services changes too (the NAT gateway split across them) */}
        {windowing === "egress" && <EgressDialog org={ctx.org} project={ctx.project} env={env}
          onDone={() => { setWindowing(null); refresh(); void qc.invalidateQueries({ queryKey: ["cost", ctx.org] }); }}
          onCancel={() => setWindowing(null)} />}
        {promoting && <PromoteDialog org={ctx.org} project={ctx.project} from={env.name} others={others} onClose={() => setPromoting(false)} />}
        {mode === "clone" && <CloneForm ctx={ctx} env={env} onDone={(c) => { onCloned(c); setMode("view"); refresh(); }} onCancel={() => setMode("view")} />}
        {mode === "move" && <MoveForm ctx={ctx} env={env} onDone={() => { setMode("view"); refresh(); }} onCancel={() => setMode("view")} />}
        {mode === "approval" && <ApprovalForm org={ctx.org} project={ctx.project} env={env} onDone={() => { setMode("view"); refresh(); }} onCancel={() => setMode("view")} />}
        {mode === "promote" && <AutoPromoteForm org={ctx.org} project={ctx.project} env={env} others={others}
          onDone={() => { setMode("view"); refresh(); }} onCancel={() => setMode("view")} />}
        {mode === "freeze" && <FreezeForm org={ctx.org} project={ctx.project} env={env} onDone={() => { setMode("view"); refresh(); }} onCancel={() => setMode("view")} />}
        {mode === "unfreeze" && <UnfreezeConfirm env={env.name} thisTime={!!env.freeze && byWindow(env.freeze)}
          call={() => unwrap(api.DELETE("/v1/orgs/{org}/projects/{project}/environments/{env}/freeze", path))}
          onDone={() => { setMode("view"); refresh(); }} onCancel={() => setMode("view")} />}
        {mode === "delete" && <DeleteConfirm env={env.name} call={() => unwrap(api.DELETE("/v1/orgs/{org}/projects/{project}/environments/{env}", path))}
          onDone={refresh} onCancel={() => setMode("view")} />}
      </td>
    </tr>
  );
}

function CloneForm({ ctx, env, onDone, onCancel }: { ctx: Ctx; env: PlacedEnvironment; onDone: (c: CloneAnswer) => void; onCancel: () => void }) {
  const [name, setName] = useState("");
  const [suffix, setSuffix] = useState("");
  const [withSecrets, setWithSecrets] = useState(false);
  const clone = useMutation({
    mutationFn: () =>
      unwrap<CloneAnswer>(api.POST("/v1/orgs/{org}/projects/{project}/environments/{env}/clone", {
        params: { path: { org: ctx.org, project: ctx.project, env: env.name } },
        body: { name, with_secrets: withSecrets, domain_suffix: suffix.trim() || null },
      })),
    onSuccess: onDone,
  });
  const err = clone.error instanceof ApiError ? clone.error : null;
  const submit = (e: FormEvent) => { e.preventDefault(); clone.mutate(); };
  const ref = useInlineFocus<HTMLFormElement>();
  return (
    <form ref={ref} onSubmit={submit} noValidate aria-label={`Clone ${env.name}`}>
      <Field label="New environment name" hint="Lower-case letters, digits and hyphens." error={err?.forField("name")}>
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label="Its domain suffix" error={err?.forField("domain_suffix")}><input value={suffix} onChange={(e) => setSuffix(e.target.value)} /></Field>
      <label className="check"><input type="checkbox" checked={withSecrets} onChange={(e) => setWithSecrets(e.target.checked)} /> Copy secret values</label>
      <FormError error={otherError(err, ["name", "domain_suffix"])} />
      <span className="row">
        <button className="primary" disabled={!name.trim() || clone.isPending}>Clone</button>
        <button type="button" className="link" onClick={onCancel}>Cancel</button>
      </span>
    </form>
  );
}

function MoveForm({ ctx, env, onDone, onCancel }: { ctx: Ctx; env: PlacedEnvironment; onDone: () => void; onCancel: () => void }) {
  const [place, setPlace] = useState<Place>({ account: env.aws_account_id ?? "", region: env.aws_account_id ? env.region ?? "" : "" });
  const move = useMutation({
    mutationFn: () =>
      unwrap<PlacedEnvironment>(api.PATCH("/v1/orgs/{org}/projects/{project}/environments/{env}", {
        params: { path: { org: ctx.org, project: ctx.project, env: env.name } }, body: placeBody(place),
      })),
    onSuccess: onDone,
  });
  const err = move.error instanceof ApiError ? move.error : null;
  const submit = (e: FormEvent) => { e.preventDefault(); move.mutate(); };
  const ref = useInlineFocus<HTMLFormElement>();
  return (
    <form ref={ref} onSubmit={submit} noValidate aria-label={`Where ${env.name} deploys`}>
      <PlacePicker ctx={ctx} value={place} onChange={setPlace} error={err} />
      <FormError error={otherError(err, ["aws_account_id", "region"])} />
      <span className="row">
        <button className="primary" disabled={move.isPending}>Save</button>
        <button type="button" className="link" onClick={onCancel}>Cancel</button>
      </span>
    </form>
  );
}

function DeleteConfirm({ env, call, onDone, onCancel }: { env: string; call: () => Promise<unknown>; onDone: () => void; onCancel: () => void }) {
  const del = useMutation({ mutationFn: call, onSuccess: onDone });
  return (
    <div>
      <InlineQuestion className="row" label={`Delete ${env}?`}>
        Delete {env}?
        <button className="danger" disabled={del.isPending} onClick={() => del.mutate()}>Yes, delete</button>
        <button className="link" onClick={onCancel}>Keep</button>
      </InlineQuestion>
      <ErrorNote error={del.error} />
    </div>
  );
}

/** Resume the services the sleep schedule suspended, now; the row then says so until the list is read again. */
function WakeButton({ env, call, onDone }: { env: string; call: () => Promise<unknown>; onDone: () => void }) {
  const wake = useMutation({ mutationFn: call, onSuccess: onDone });
  return (
    <>
      <button className="link" disabled={wake.isPending} onClick={() => wake.mutate()}
        aria-label={`Wake ${env} now`} title="Its services resume now and stay up until the window next opens">
        {wake.isPending ? "Waking…" : "Wake now"}
      </button>
      <ErrorNote error={wake.error} />
    </>
  );
}

/** thisTime: the freeze is an open freeze window's, which lifting ends until the window next opens */
function UnfreezeConfirm({ env, thisTime, call, onDone, onCancel }: {
  env: string; thisTime: boolean; call: () => Promise<unknown>; onDone: () => void; onCancel: () => void;
}) {
  const lift = useMutation({ mutationFn: call, onSuccess: onDone });
  return (
    <div>
      <InlineQuestion className="row" label={`Unfreeze ${env}?`}>
        {thisTime
          ? `Unfreeze ${env} this time only? New releases go out again until the freeze window next opens; the window stays.`
          : `Unfreeze ${env}? New releases go out again.`}
        <button className="primary" disabled={lift.isPending} onClick={() => lift.mutate()}>Yes, unfreeze</button>
        <button className="link" onClick={onCancel}>Keep frozen</button>
      </InlineQuestion>
      <ErrorNote error={lift.error} />
    </div>
  );
}
