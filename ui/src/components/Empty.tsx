import { createContext, useContext, useEffect, useId, useMemo, useState, type ReactNode } from "react";
import { ErrorAlert } from "./Named";

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

// One voice for the loading notes of a frame (the signed-in layout, a dialog): a live region must
// exist before its text changes to be heard reliably, and two filling at once (a page's list and
// its panel's) talk over each other. So a <Loading> inside a <LoadingVoice> only registers what it
// loads and the voice says the first (role=status, polite; no aria-busy, which keeps a region
// quiet). A dialog has its own voice: aria-modal hides the page's from a screen reader.
interface Voice { add: (id: string, what: string) => void; remove: (id: string) => void }
const VoiceContext = createContext<Voice | null>(null);

export function Loading({ what }: { what: string }) {
  const voice = useContext(VoiceContext);
  const id = useId();
  useEffect(() => {
    if (!voice) return;
    voice.add(id, what);
    return () => voice.remove(id);
  }, [voice, id, what]);
  // outside any frame (a component on its own) it is its own polite region
  return <p className="muted" role={voice ? undefined : "status"}>Loading {what}…</p>;
}

export function LoadingVoice({ children }: { children: ReactNode }) {
  const [pending, setPending] = useState<{ id: string; what: string }[]>([]);
  const voice = useMemo<Voice>(() => ({
    add: (id, what) => setPending((l) => [...l.filter((x) => x.id !== id), { id, what }]),
    remove: (id) => setPending((l) => l.filter((x) => x.id !== id)),
  }), []);
  return (
    <VoiceContext.Provider value={voice}>
      {children}
      <p className="sr-only" role="status" data-testid="loading-voice">{pending[0] ? `Loading ${pending[0].what}…` : ""}</p>
    </VoiceContext.Provider>
  );
}

/** An error in words; with `retry`, a "Try again" button beside it. A refusal that names what it is
 * about (error.resources: what still uses the thing to delete) lists them under it, linked. */
export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  if (!error) return null;
  return (
    <ErrorAlert error={error}>
      {error instanceof Error ? error.message : String(error)}
      {retry && <> <button type="button" className="link" onClick={retry}>Try again</button></>}
    </ErrorAlert>
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
