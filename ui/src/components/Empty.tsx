import type { ReactNode } from "react";

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p className="muted" aria-busy="true">Loading {what}…</p>;
}

/** An error in words; with `retry`, a "Try again" button beside it. */
export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert">
      {error instanceof Error ? error.message : String(error)}
      {retry && <> <button type="button" className="link" onClick={retry}>Try again</button></>}
    </p>
  );
}

/** A page that could not be read: still a page (its h1 says what was asked for), the reason, and a
 * way to ask again. */
export function PageError({ title, error, retry }: { title: string; error: unknown; retry: () => void }) {
  return (
    <section>
      <h1>{title}</h1>
      <ErrorNote error={error} retry={retry} />
    </section>
  );
}
