import { useState, type FormEvent } from "react";
import type { UseMutationResult } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { Service, ServicePatch } from "../../api/models";
import { Field } from "../../components/Field";
import { parseEnv } from "../../components/ServiceForm";

export function EnvEditor({ service, mutation, saved, readOnly }: {
  service: Service; mutation: UseMutationResult<Service, Error, ServicePatch>; saved: boolean; readOnly?: boolean;
}) {
  const [text, setText] = useState(Object.entries(service.env).map(([k, v]) => `${k}=${v}`).join("\n"));
  const [bad, setBad] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseEnv(text);
    setBad(parsed.bad);
    if (!parsed.bad) mutation.mutate({ env: parsed.env });
  };
  const apiErr = mutation.error instanceof ApiError ? mutation.error.forField("env") ?? mutation.error.message : undefined;
  return (
    <form onSubmit={submit} noValidate>
      <Field label="Environment variables" hint="One KEY=value per line; visible to anyone who can read the service." error={bad ?? apiErr}>
        <textarea value={text} onChange={(e) => setText(e.target.value)} rows={8} className="mono" spellCheck={false} readOnly={readOnly} />
      </Field>
      {!readOnly && <button className="primary" disabled={mutation.isPending}>Save variables</button>}
      {saved && <p className="notice" role="status">Saved. The next deploy gives the containers the new values.</p>}
    </form>
  );
}
