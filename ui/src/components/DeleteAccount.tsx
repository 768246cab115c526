import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, session, unwrap } from "../api/client";
import type { Me } from "../api/models";
import { orgSettingsPath, type AccountDeleted } from "../api/orgs";
import { Field, FormError, useFocusFirstError } from "./Field";
import { asksForCode, SecondFactorField, secondFactorBody, secondFactorError } from "./SecondFactor";

const WORD = "delete";
const errorAt = (e: unknown, field: string) => (e instanceof ApiError ? e.forField(field) : undefined);

/** Account page, the danger zone: POST /v1/me/delete with the password (and a code, or a recovery code,
 * when two-factor authentication is on) once "delete" is typed. Refused (409) while the account is an
 * organization's only owner: the message, and links to the settings of every organization it names by id. Deleted: the
 * session is forgotten and the log-in page says so. */
export function DeleteAccount({ me }: { me: Me | undefined }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState(false);
  const [typed, setTyped] = useState("");
  const [codeAsked, setCodeAsked] = useState(false);
  const showCode = !!me?.mfa?.enabled || codeAsked;
  const del = useMutation({
    mutationFn: () => unwrap<AccountDeleted>(api.POST("/v1/me/delete", {
      body: { password, ...secondFactorBody(showCode, recovery, code) },
    })),
    onError: (e) => { if (asksForCode(e)) setCodeAsked(true); },
    onSuccess: (answer) => {
      session.set(null);   // every session of the account is dead already
      qc.clear();
      navigate("/login", { replace: true, state: { accountDeleted: true, left: answer.left_organizations } });
    },
  });
  const form = useFocusFirstError<HTMLFormElement>(del.error);
  const err = del.error instanceof ApiError ? del.error : null;
  const fields = ["password", ...(showCode ? ["code", "recovery_code"] : [])];
  const blocking = err?.status === 409 && err.forField("organizations") ? err : null;
  const general = err && (blocking || fields.some((f) => err.forField(f))) ? null : del.error;
  const codeError = secondFactorError(del.error, recovery);
  // the organizations the refusal names, by id (its message names five at most), to open their settings
  const named = blocking ? blocking.resources.filter((r) => r.type === "organization") : [];
  const close = () => { setOpen(false); setPassword(""); setCode(""); setTyped(""); setRecovery(false); del.reset(); };
  const submit = (e: FormEvent) => { e.preventDefault(); if (typed.trim() === WORD && password) del.mutate(); };
  return (
    <section className="danger-zone" aria-labelledby="delete-account-h">
      <h2 id="delete-account-h">Delete account</h2>
      <p className="muted">
        Your memberships, sessions and API tokens go, and the address is free for a new sign-up. The organizations&apos; history
        stays. Organizations you are the only owner of need another owner, or deleting, first.
      </p>
      {!open ? <button type="button" className="danger" onClick={() => setOpen(true)}>Delete your account…</button> : (
        <form ref={form} onSubmit={submit} noValidate aria-label="Delete your account">
          <Field label="Your password" error={errorAt(del.error, "password")}>
            <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} autoFocus />
          </Field>
          {showCode && (
            <SecondFactorField recovery={recovery} code={code} setCode={setCode} error={codeError} />
          )}
          <Field label={`Type ${WORD} to confirm`}>
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" className="mono" />
          </Field>
          {blocking && (
            <div className="form-error" role="alert" data-refusal="organizations">
              <p>{blocking.message}</p>
              {named.length > 0 && (
                <ul>{named.map((o) => <li key={o.id}><Link to={orgSettingsPath(o.id)}>{o.name}: members and settings</Link></li>)}</ul>
              )}
            </div>
          )}
          <FormError error={general} />
          <div className="actions">
            <button className="danger" disabled={del.isPending || !password || typed.trim() !== WORD || (showCode && !code.trim())}>
              {del.isPending ? "Deleting…" : "Delete my account"}
            </button>
            {showCode && (
              <button type="button" className="link" onClick={() => { setRecovery(!recovery); setCode(""); del.reset(); }}>
                {recovery ? "Use a code from your app" : "Use a recovery code"}
              </button>
            )}
            <button type="button" onClick={close}>Keep it</button>
          </div>
        </form>
      )}
    </section>
  );
}
