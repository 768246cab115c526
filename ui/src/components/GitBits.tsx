// Small pieces shared by the Git & previews and Notifications pages and the service page.
import { useEffect, useState, type ReactNode } from "react";
import { Modal } from "./Modal";
import type { Commit } from "../api/git";

export const shortSha = (sha: string | null | undefined) => (sha ?? "").slice(0, 7);

/** Copies `text`; says "Copied" for a moment, on the button and to a screen reader. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (!done) return;
    const t = setTimeout(() => setDone(false), 1500);
    return () => clearTimeout(t);
  }, [done]);
  const copy = () => {
    void navigator.clipboard?.writeText(text).then(() => setDone(true), () => setDone(false));
  };
  // The button's name stays "Copy <label>" (aria-label), which a screen reader reads instead of
  // the visible "Copied": the outcome is said by a status of its own.
  return (
    <>
      <button type="button" onClick={copy} aria-label={`Copy ${label}`}>
        {done ? "Copied" : "Copy"}
      </button>
      <span className="sr-only" role="status">{done ? `Copied the ${label}` : ""}</span>
    </>
  );
}

/** A value with its copy button, shown in a mono box. */
export function CopyValue({ label, value }: { label: string; value: string }) {
  return (
    <div className="copy-value">
      <span className="muted">{label}</span>
      <code className="token" aria-label={label}>{value}</code>
      <CopyButton text={value} label={label.toLowerCase()} />
    </div>
  );
}

/** A modal question (see Modal): Escape or a click outside answers no. Focus starts on the
 * answer that does nothing (Cancel) when the question is about something that cannot be undone. */
export function ConfirmDialog({ title, children, confirm, onConfirm, onClose, pending, danger }: {
  title: string; children: ReactNode; confirm: string; onConfirm: () => void; onClose: () => void; pending?: boolean; danger?: boolean;
}) {
  return (
    <Modal title={title} onClose={onClose} focus={danger ? "button.cancel" : "button"}>
      {children}
      <div className="actions">
        <button className={danger ? "danger" : "primary"} onClick={onConfirm} disabled={pending}>{confirm}</button>
        <button className="cancel" onClick={onClose}>Cancel</button>
      </div>
    </Modal>
  );
}

/** The commit a deployment builds: short sha, first line of its message, author. */
export function CommitLine({ commit }: { commit: Commit | null | undefined }) {
  if (!commit?.sha) return null;
  return (
    <span className="commit" title={commit.sha}>
      <span className="mono">{shortSha(commit.sha)}</span>
      {commit.message ? <> {commit.message.split("\n")[0]}</> : null}
      {commit.author ? <span className="muted"> · {commit.author}</span> : null}
    </span>
  );
}
