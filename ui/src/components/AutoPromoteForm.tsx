// An environment that promotes by itself (`promote_to`: chalicelib/catalog/environments.py
// promotion_target, chalicelib/deploys/promote.py follow_on): the setting, changed by owners and admins.
import { useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { Environment } from "../api/models";
import { Field, FormError } from "./Field";
import { useInlineFocus } from "./InlineQuestion";

/** `others`: the project's other environments (not being deleted), the targets it may choose. */
export function AutoPromoteForm({ org, project, env, others, onDone, onCancel }: {
  org: string; project: string; env: Environment; others: string[]; onDone: () => void; onCancel: () => void;
}) {
  const [target, setTarget] = useState(env.promote_to ?? "");
  // the current target stays a choice even when the list leaves it out (it is being deleted)
  const choices = env.promote_to && !others.includes(env.promote_to) ? [env.promote_to, ...others] : others;
  const save = useMutation({
    mutationFn: () => unwrap<Environment>(api.PATCH("/v1/orgs/{org}/projects/{project}/environments/{env}", {
      params: { path: { org, project, env: env.name } }, body: { promote_to: target || null },
    })),
    onSuccess: onDone,
  });
  const err = save.error instanceof ApiError ? save.error : null;
  const submit = (e: FormEvent) => { e.preventDefault(); save.mutate(); };
  const ref = useInlineFocus<HTMLFormElement>();
  return (
    <form ref={ref} onSubmit={submit} noValidate aria-label={`Auto-promote ${env.name}`}>
      <Field label="Promote new live releases to" error={err?.forField("promote_to")}>
        <select value={target} onChange={(e) => setTarget(e.target.value)}>
          <option value="">nowhere (promote by hand)</option>
          {choices.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </Field>
      <p className="muted small">
        {target
          ? <>Each new release that goes live in {env.name} is then deployed to the same-named services in {target},
            with {target}'s approval rules. Rollbacks, restarts and resumes are not promoted.</>
          : <>New releases stay in {env.name} until someone promotes them (<em>Promote…</em>).</>}
      </p>
      <FormError error={err && !err.forField("promote_to") ? err : null} />
      <span className="row">
        <button className="primary" disabled={save.isPending}>Save</button>
        <button type="button" className="link" onClick={onCancel}>Cancel</button>
      </span>
    </form>
  );
}
