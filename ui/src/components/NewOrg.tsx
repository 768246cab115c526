import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { Org } from "../api/models";
import { putOrg } from "../api/orgs";
import { Field, FormError, useFocusFirstError, withWait } from "./Field";
import { Modal } from "./Modal";

/** POST /v1/orgs: a name; the caller becomes its owner and is switched to it. The API's refusals of the
 * name (one of yours has it already, 20 owned already, too long, 10 an hour: with when to try again)
 * show at the field. */
export function NewOrgForm({ onDone, onCancel }: { onDone?: () => void; onCancel?: () => void }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => unwrap<Org>(api.POST("/v1/orgs", { body: { name: name.trim() } })),
    onSuccess: (org) => {
      putOrg(qc, org);
      onDone?.();
      navigate(`/orgs/${org.id}`, { state: { orgCreated: org.name } });
    },
  });
  const err = create.error instanceof ApiError ? create.error : null;
  const atName = err?.forField("name") ? (err.status === 429 ? withWait(err) : err.forField("name")) : undefined;
  const form = useFocusFirstError<HTMLFormElement>(create.error);
  const submit = (e: FormEvent) => { e.preventDefault(); if (name.trim()) create.mutate(); };
  return (
    <form ref={form} onSubmit={submit} noValidate aria-label="New organization" className="new-org">
      <Field label="Organization name" error={atName} hint="You become its owner; invite others from its Members page.">
        <input value={name} maxLength={100} autoComplete="off" onChange={(e) => setName(e.target.value)} />
      </Field>
      <FormError error={atName ? null : create.error} />
      <div className="actions">
        <button className="primary" disabled={create.isPending || !name.trim()}>
          {create.isPending ? "Creating…" : "Create organization"}
        </button>
        {onCancel && <button type="button" onClick={onCancel}>Cancel</button>}
      </div>
    </form>
  );
}

/** The top bar's "New organization" (a "+" named so), beside the switcher: the form in a dialog. */
export function NewOrgButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      {/* a "+" beside the switcher: the top bar has no room for the words at 1280 px (test_ui_narrow.py) */}
      <button type="button" className="new-org-btn" aria-label="New organization" title="New organization" onClick={() => setOpen(true)}>+</button>
      {open && (
        <Modal title="New organization" onClose={() => setOpen(false)}>
          <NewOrgForm onDone={() => setOpen(false)} onCancel={() => setOpen(false)} />
        </Modal>
      )}
    </>
  );
}
