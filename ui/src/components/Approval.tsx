// Environments that require approval (chalicelib/deploys/service.py approve/reject): the setting on
// an environment, and the decision on a deployment waiting for it.
import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { Deployment, Environment } from "../api/models";
import { keys } from "../api/queries";
import { ErrorNote } from "./Empty";
import { Field, FormError } from "./Field";
import { useInlineFocus } from "./InlineQuestion";

/** What an environment's deploys need, in words. */
export function approvalWords(env: Pick<Environment, "require_approval" | "prevent_self_approval">): string {
  if (!env.require_approval) return "no approval";
  return env.prevent_self_approval ? "approval by another admin or owner" : "approval by an admin or owner";
}

/** The environment's approval setting, changed by owners and admins. */
export function ApprovalForm({ org, project, env, onDone, onCancel }: {
  org: string; project: string; env: Environment; onDone: () => void; onCancel: () => void;
}) {
  const [required, setRequired] = useState(!!env.require_approval);
  const [notSelf, setNotSelf] = useState(!!env.prevent_self_approval);
  const save = useMutation({
    mutationFn: () => unwrap<Environment>(api.PATCH("/v1/orgs/{org}/projects/{project}/environments/{env}", {
      params: { path: { org, project, env: env.name } },
      body: { require_approval: required, prevent_self_approval: required && notSelf },
    })),
    onSuccess: onDone,
  });
  const err = save.error instanceof ApiError ? save.error : null;
  const submit = (e: FormEvent) => { e.preventDefault(); save.mutate(); };
  const ref = useInlineFocus<HTMLFormElement>();
  return (
    <form ref={ref} onSubmit={submit} noValidate aria-label={`Approvals for ${env.name}`}>
      <label className="check">
        <input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} /> Deploys wait for an admin or owner to approve them
      </label>
      <label className="check">
        <input type="checkbox" checked={required && notSelf} disabled={!required} onChange={(e) => setNotSelf(e.target.checked)} /> Not the person who asked for the deploy
      </label>
      <p className="muted small">Rollbacks and restarts run a release that went live already: they never wait.</p>
      <FormError error={err} />
      <span className="row">
        <button className="primary" disabled={save.isPending}>Save</button>
        <button type="button" className="link" onClick={onCancel}>Cancel</button>
      </span>
    </form>
  );
}

/** On a deployment waiting for approval: who asked, and Approve / Reject (with a reason) for those who may. */
export function ApprovalBox({ org, d, canApprove }: { org: string; d: Deployment; canApprove: boolean }) {
  const qc = useQueryClient();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const path = { params: { path: { org, dep: d.id } } };
  const settle = (x: Deployment) => {
    qc.setQueryData(keys.deployment(org, d.id), x);
    void qc.invalidateQueries({ queryKey: keys.deployments(org, d.service_id) });
  };
  const approve = useMutation({
    mutationFn: () => unwrap<Deployment>(api.POST("/v1/orgs/{org}/deployments/{dep}/approve", path)),
    onSuccess: settle,
  });
  const reject = useMutation({
    mutationFn: () => unwrap<Deployment>(api.POST("/v1/orgs/{org}/deployments/{dep}/reject", {
      ...path, body: { reason: reason.trim() || null },
    })),
    onSuccess: settle,
  });
  const err = reject.error instanceof ApiError ? reject.error : null;
  const busy = approve.isPending || reject.isPending;
  return (
    <section className="outcome outcome-warn" aria-labelledby="approval-h">
      <h2 id="approval-h" className="outcome-title">Waiting for approval</h2>
      <p>{d.actor} asked to deploy this release to {d.environment ?? "production"}, which requires an admin or owner to approve deploys.
        Nothing runs until then.</p>
      {!canApprove && <p className="muted">An admin or owner of the organization approves or rejects it.</p>}
      {canApprove && !rejecting && (
        <span className="row">
          <button type="button" className="primary" disabled={busy} onClick={() => approve.mutate()}>Approve and deploy</button>
          <button type="button" disabled={busy} onClick={() => setRejecting(true)}>Reject…</button>
        </span>
      )}
      {canApprove && rejecting && (
        <form onSubmit={(e) => { e.preventDefault(); reject.mutate(); }} noValidate aria-label="Reject the deploy">
          <Field label="Why (shown on the deployment)" error={err?.forField("reason")}>
            <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} autoFocus />
          </Field>
          <span className="row">
            <button className="danger" disabled={busy}>Reject the deploy</button>
            <button type="button" className="link" onClick={() => setRejecting(false)}>Keep it waiting</button>
          </span>
        </form>
      )}
      <ErrorNote error={approve.error ?? (err?.forField("reason") ? null : reject.error)} />
    </section>
  );
}
