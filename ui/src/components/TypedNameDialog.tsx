import { useState, type ReactNode } from "react";
import { ApiError } from "../api/client";
import { confirmMatches } from "../lib/resources";
import { Field, FormError } from "./Field";
import { Modal } from "./Modal";

/** Something that loses data, asked in a dialog with the name typed again (a resource's Delete, a
 * queue's Purge): the action's button stays disabled until the typed name matches exactly (the
 * API compares it so), and `onConfirm` gets what was typed. The API's refusal of `confirm` shows
 * at the field; any other refusal in the dialog as it is (it says what to do), with its field
 * in `data-refusal`. Focus starts in the name's input. */
export function TypedNameDialog({ title, name, action, pending, error, onConfirm, onClose, children }: {
  title: string; name: string; action: string; pending: boolean; error: unknown;
  onConfirm: (typed: string) => void; onClose: () => void; children: ReactNode;
}) {
  const [typed, setTyped] = useState("");
  const err = error instanceof ApiError ? error : null;
  const matches = confirmMatches({ name }, typed);
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={(e) => { e.preventDefault(); if (matches && !pending) onConfirm(typed); }} noValidate>
        {children}
        <Field label={`Type ${name} to confirm`} error={err?.forField("confirm")}>
          <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" className="mono" />
        </Field>
        {err && !err.forField("confirm") && <p className="form-error" role="alert" data-refusal={err.field ?? ""}>{err.message}</p>}
        {!err && <FormError error={error} />}
        <div className="actions">
          <button className="danger" disabled={pending || !matches}>{action}</button>
          <button type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Modal>
  );
}
