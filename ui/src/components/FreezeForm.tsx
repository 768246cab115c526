// A deploy freeze (chalicelib/catalog/environments.py freeze_environment): new releases are refused
// in the environment until a time or until lifted; set and lifted by owners and admins.
import { useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { Environment, Freeze } from "../api/models";
import { Field, FormError } from "./Field";
import { useInlineFocus } from "./InlineQuestion";

/** "until <local time>" or "until lifted" */
export const freezeUntilWords = (f: Freeze) =>
  f.until ? `until ${new Date(f.until).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}` : "until lifted";

/** A `datetime-local` value ("2026-11-30T08:00", the browser's own time zone) as ISO with Z; "" stays absent. */
export const localToIso = (value: string): string | undefined => {
  if (!value) return undefined;
  const d = new Date(value);   // a date-time without an offset is local time
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
};

export function FreezeForm({ org, project, env, onDone, onCancel }: {
  org: string; project: string; env: Environment; onDone: () => void; onCancel: () => void;
}) {
  const [reason, setReason] = useState("");
  const [until, setUntil] = useState("");
  const freeze = useMutation({
    mutationFn: () => {
      const iso = localToIso(until);
      return unwrap<Environment>(api.POST("/v1/orgs/{org}/projects/{project}/environments/{env}/freeze", {
        params: { path: { org, project, env: env.name } },
        body: iso ? { reason: reason.trim(), until: iso } : { reason: reason.trim() },
      }));
    },
    onSuccess: onDone,
  });
  const err = freeze.error instanceof ApiError ? freeze.error : null;
  const ref = useInlineFocus<HTMLFormElement>();
  const submit = (e: FormEvent) => { e.preventDefault(); freeze.mutate(); };
  return (
    <form ref={ref} onSubmit={submit} noValidate aria-label={`Freeze ${env.name}`}>
      <Field label="Reason" hint="Every refused deploy says it." error={err?.forField("reason")}>
        <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Black Friday" />
      </Field>
      <Field label="Until (optional)" hint="Your local time; empty: until someone lifts it." error={err?.forField("until")}>
        <input type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
      </Field>
      <p className="muted small">
        While {env.name} is frozen, new releases are refused there and deploys waiting for approval stay waiting;
        rollbacks and restarts still run.
      </p>
      <FormError error={err && !err.forField("reason") && !err.forField("until") ? err : null} />
      <span className="row">
        <button className="primary" disabled={!reason.trim() || freeze.isPending}>Freeze</button>
        <button type="button" className="link" onClick={onCancel}>Cancel</button>
      </span>
    </form>
  );
}
