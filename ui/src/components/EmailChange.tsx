import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { EmailStatus, Me } from "../api/models";
import { keys } from "../api/queries";
import type { EmailChangeSent } from "../api/verification";
import { Field, FormError, useFocusFirstError, withWait } from "./Field";
import { asksForCode, SecondFactorField, secondFactorBody, secondFactorError } from "./SecondFactor";

const errorAt = (e: unknown, field: string) => (e instanceof ApiError ? e.forField(field) : undefined);

/** A day and time in the reader's words, the exact time as the title. */
function When({ iso }: { iso: string }) {
  const at = new Date(iso);
  if (isNaN(at.getTime())) return <>{iso}</>;
  return <time dateTime={iso} title={at.toLocaleString()}>{at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}</time>;
}

/** The e-mail to the new address did not get through: in words, with the receiving server's or SES's. */
const UNDELIVERED: Partial<Record<EmailStatus, string>> = {
  failed: "could not be sent",
  bounced: "bounced",
  complained: "was marked as spam",
};

/** DELETE /v1/me/email: the waiting link stops working. 404 (cancelled meanwhile, or followed) is no
 * failure: /me is read again either way and says what is true. */
function useCancel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      try {
        await unwrap(api.DELETE("/v1/me/email"));
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) throw e;
      }
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.me }),
  });
}

/** Account page: changing the address (POST /v1/me/email with the password, and a code when two-factor
 * authentication is on), and the change waiting for its link (GET /v1/me's `pending_email`): Cancel, or
 * Send again. Nothing moves until the link e-mailed to the new address is followed. */
export function EmailChange({ me }: { me: Me | undefined }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState(false);
  const cancel = useCancel();
  const me2fa = !!me?.mfa?.enabled;
  const [codeAsked, setCodeAsked] = useState(false);   // an answer at `code`: two-factor is on (a /me read before it was)
  const showCode = me2fa || codeAsked;
  const change = useMutation({
    mutationFn: () => unwrap<EmailChangeSent>(api.POST("/v1/me/email", {
      body: {
        email: email.trim(), password,
        ...secondFactorBody(showCode, recovery, code),
      },
    })),
    onError: (e) => { if (asksForCode(e)) setCodeAsked(true); },
    onSuccess: () => {
      setOpen(false); setPassword(""); setCode(""); setRecovery(false); cancel.reset();
      void qc.invalidateQueries({ queryKey: keys.me });   // the change waiting for its link shows
    },
  });
  const form = useFocusFirstError<HTMLFormElement>(change.error);
  const err = change.error instanceof ApiError ? change.error : null;
  const current = me?.user.email;
  const pending = me?.pending_email ?? null;
  const fields = ["email", "password", ...(showCode ? ["code", "recovery_code"] : [])];
  const emailError = err?.status === 429 ? withWait(err) : err?.forField("email");
  const general = err && (err.status === 429 || fields.some((f) => err.forField(f))) ? null : change.error;
  const codeError = secondFactorError(change.error, recovery);
  const sent = change.data;

  const start = (address: string) => { setEmail(address); setOpen(true); change.reset(); cancel.reset(); };
  const close = () => { setOpen(false); setPassword(""); setCode(""); setRecovery(false); change.reset(); };
  const submit = (e: FormEvent) => { e.preventDefault(); change.mutate(); };
  const undelivered = pending?.email_status ? UNDELIVERED[pending.email_status.status] : undefined;

  return (
    <div className="email-change">
      <div role="status">
        {sent && !open && !cancel.isSuccess && (
          <div className="notice">
            <p>Check <strong>{sent.email}</strong> for a link; your address stays <strong>{current ?? "as it is"}</strong> until then.</p>
            {sent.sandbox && (
              <p className="sandbox-note"><span className="badge badge-warn">Sandbox</span> {sent.sandbox}. The link is in the newest .eml file there.</p>
            )}
          </div>
        )}
        {cancel.isSuccess && !pending && <p className="muted">The change of address is cancelled: its link no longer works.</p>}
      </div>
      {pending && (
        <div className="pending-email">
          <p>
            Change to <strong>{pending.email}</strong> waits for its link (until <When iso={pending.expires} />).
          </p>
          {undelivered && (
            <p className="form-error">
              The e-mail to {pending.email} {undelivered}{pending.email_status?.error ? ` (${pending.email_status.error})` : ""}.
              Check the address and send again, or cancel.
            </p>
          )}
          {!open && (
            <div className="actions">
              <button type="button" onClick={() => start(pending.email)}>Send again</button>
              <button type="button" className="danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
                {cancel.isPending ? "Cancelling…" : "Cancel"}
              </button>
            </div>
          )}
          <FormError error={cancel.error} />
        </div>
      )}
      {!pending && !open && (
        <button type="button" onClick={() => start("")}>Change address</button>
      )}
      {open && (
        <form ref={form} onSubmit={submit} noValidate aria-label="Change your e-mail address">
          <p className="muted">
            A link goes to the new address and a notice to the current one. Nothing changes until the link is followed;
            then every session ends and you sign in with the new address.
          </p>
          <Field label="New e-mail address" error={emailError}>
            <input type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
          </Field>
          <Field label="Your password" error={errorAt(change.error, "password")}>
            <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </Field>
          {showCode && (
            <SecondFactorField recovery={recovery} code={code} setCode={setCode} error={codeError} />
          )}
          <FormError error={general} />
          <div className="actions">
            <button className="primary" disabled={change.isPending || !email.trim() || !password || (showCode && !code.trim())}>
              {change.isPending ? "Sending…" : "Send a link"}
            </button>
            {showCode && (
              <button type="button" className="link" onClick={() => { setRecovery(!recovery); setCode(""); change.reset(); }}>
                {recovery ? "Use a code from your app" : "Use a recovery code"}
              </button>
            )}
            <button type="button" onClick={close}>Cancel</button>
          </div>
        </form>
      )}
    </div>
  );
}
