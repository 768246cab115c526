import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useMutation } from "@tanstack/react-query";
import { ErrorNote } from "./Empty";
import { Field } from "./Field";

/** "Delete this <what>" at the end of its page: asks for the name typed again, then `remove`;
 * the API's refusal (a project that still has services, say) is shown as it is. */
export function DeleteByName({ what, name, children, remove, onDeleted }: {
  what: string; name: string; children: ReactNode; remove: () => Promise<unknown>; onDeleted: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const [typed, setTyped] = useState("");
  const del = useMutation({ mutationFn: remove, onSuccess: onDeleted });
  const submit = (e: FormEvent) => { e.preventDefault(); if (typed === name) del.mutate(); };
  // "Keep it" removes the form it is in: focus goes back to the button that opened it, not to <body>
  const start = useRef<HTMLButtonElement>(null);
  const kept = useRef(false);
  useEffect(() => { if (!asking && kept.current) { kept.current = false; start.current?.focus(); } }, [asking]);
  return (
    <section className="danger-zone" aria-label={`Delete this ${what}`}>
      <h2>Delete this {what}</h2>
      <p className="muted">{children}</p>
      {!asking ? <button ref={start} className="danger" onClick={() => setAsking(true)}>Delete {name}…</button> : (
        <form onSubmit={submit} noValidate>
          <Field label={`Type ${name} to confirm`}>
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" className="mono" autoFocus />
          </Field>
          <ErrorNote error={del.error} />
          <div className="actions">
            <button className="danger" disabled={del.isPending || typed !== name}>Delete {name}</button>
            <button type="button" onClick={() => { kept.current = true; setAsking(false); setTyped(""); del.reset(); }}>Keep it</button>
          </div>
        </form>
      )}
    </section>
  );
}
