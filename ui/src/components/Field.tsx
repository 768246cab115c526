import { useEffect, useId, useRef, type ReactElement, type ReactNode, cloneElement } from "react";
import { ApiError } from "../api/client";
import { retryWords } from "../lib/format";
import { ErrorAlert } from "./Named";

/** A labelled control with its hint and the API's error for that field next to it. */
export function Field({ label, error, hint, children }: { label: string; error?: string | undefined; hint?: ReactNode; children: ReactElement<Record<string, unknown>> }) {
  const id = useId();
  const hintId = hint ? id + "-hint" : undefined;
  const errId = error ? id + "-err" : undefined;
  const control = cloneElement(children, {
    id,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": [hintId, errId].filter(Boolean).join(" ") || undefined,
  });
  return (
    <div className={"field" + (error ? " field-error" : "")}>
      <label htmlFor={id}>{label}</label>
      {control}
      {hint && <small id={hintId} className="hint">{hint}</small>}
      {error && <small id={errId} className="error" role="alert">{error}</small>}
    </div>
  );
}

/** An error that belongs to no single field (or to a field not on this form); a 429's also says when
 * to try again, from its Retry-After (every throttled form: log-in, sign-up, tokens, resets…). */
export function FormError({ error }: { error: unknown }) {
  return error ? <ErrorAlert error={error}>{withWait(error)}</ErrorAlert> : null;
}

/** An error's message; a 429's also says when to try again (its Retry-After). */
export function withWait(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError && error.status === 429)
    return `${message.replace(/[.\s]+$/, "")}. You can try again ${retryWords(error.retryAfter)}.`;
  return message;
}


/** After a refused submit, focus goes to the first field with an error (a screen reader then
 * reads its label and the error; on a long form it is scrolled into view). Pass the form's
 * errors; the ref goes on the form. */
export function useFocusFirstError<T extends HTMLElement>(...errors: unknown[]) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (errors.some(Boolean)) ref.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, errors);   // (the errors are the dependencies)
  return ref;
}
