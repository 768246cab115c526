import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, session, unwrap } from "../api/client";
import { useMe } from "../api/queries";
import { DeliveryState } from "../components/EmailDelivery";
import { DeleteAccount } from "../components/DeleteAccount";
import { EmailChange } from "../components/EmailChange";
import { Field, FormError, useFocusFirstError } from "../components/Field";
import { Sessions } from "../components/Sessions";
import { TwoFactor } from "../components/TwoFactor";

const FIELDS = ["current_password", "new_password"];
/** GET/PATCH /v1/me/notifications: e-mails about the caller's own work, each on or off. */
type PrefKey = "deploy_failures" | "approvals" | "token_expiry";
interface EmailPrefs extends Record<PrefKey, boolean> { email: string; about: Record<string, string> }
const PREFS: { key: PrefKey; label: string }[] = [
  { key: "deploy_failures", label: "A deploy I started fails or is rolled back" },
  { key: "approvals", label: "A deploy waits for my approval" },
  { key: "token_expiry", label: "An API token of mine expires within a week" },
];

/** Checkboxes that save as they change (no subscription needed: they are about you). */
function EmailPreferences() {
  const qc = useQueryClient();
  const prefs = useQuery({ queryKey: ["me", "notifications"], queryFn: () => unwrap<EmailPrefs>(api.GET("/v1/me/notifications")) });
  const save = useMutation({
    mutationFn: (body: Partial<Record<PrefKey, boolean>>) =>
      unwrap<EmailPrefs>(api.PATCH("/v1/me/notifications", { body })),
    onSuccess: (answer) => qc.setQueryData(["me", "notifications"], answer),
  });
  return (
    <>
      <h2>E-mail me when</h2>
      <p className="muted">
        About your own work, with no subscription needed{prefs.data ? <>; sent to <strong>{prefs.data.email}</strong></> : null}.
      </p>
      <fieldset disabled={!prefs.data || save.isPending}>
        <legend className="sr-only">E-mails about your own work</legend>
        {PREFS.map(({ key, label }) => (
          <label key={key} className="check">
            <input type="checkbox" checked={!!prefs.data?.[key]} onChange={(e) => save.mutate({ [key]: e.target.checked })} />{" "}
            {label}
          </label>
        ))}
      </fieldset>
      <FormError error={save.error ?? prefs.error} />
      {save.isSuccess ? <p role="status" className="muted">Saved.</p> : null}
    </>
  );
}
/** POST /v1/auth/password: a fresh session, and how many API tokens it revoked. */
interface PasswordAnswer { token: string; expires_in: number; revoked_api_tokens: number }

/** The signed-in user's account: its address (confirmed or not; mail to it held back after a bounce
 * or a spam complaint, and lifting that; changing it, proven by a link to the new address), the
 * password change, which ends every session and API token, e-mail preferences, two-factor
 * authentication, where you're signed in (signing sessions out), and deleting the account. */
export default function AccountPage() {
  const me = useMe();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const email = me.data?.user.email;
  const change = useMutation({
    mutationFn: () => unwrap<PasswordAnswer>(api.POST("/v1/auth/password", { body: { current_password: current, new_password: next } })),
    onSuccess: async (answer) => {
      // The API answers with a fresh session; we end it too so that signing in again with the
      // new password is what proves it works (and no session is left behind unused).
      session.set(null);
      await api.POST("/v1/auth/logout", { headers: { Authorization: `Bearer ${answer.token}` } }).catch(() => undefined);
      qc.clear();
      navigate("/login", { replace: true, state: { passwordChanged: true, email, revoked: answer.revoked_api_tokens } });
    },
  });
  const err = change.error instanceof ApiError ? change.error : null;
  const form = useFocusFirstError<HTMLFormElement>(change.error);
  const general = err && FIELDS.some((f) => err.forField(f)) ? null : change.error;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    change.mutate();
  };
  return (
    <section className="narrow">
      <h1>Your account</h1>
      <h2>E-mail address</h2>
      <p className="muted">
        Signed in as <strong>{email ?? "…"}</strong>
        {me.data?.user.email_verified === true ? <> <span className="badge badge-ok">confirmed</span></>
          : me.data?.user.email_verified === false ? <> <span className="badge badge-warn">not confirmed</span> (the banner above sends a new link)</> : null}.
      </p>
      <DeliveryState />
      <EmailChange me={me.data} />
      <h2>Change password</h2>
      <p className="muted">This ends every session and revokes every API token you have: you sign in again with the new password.</p>
      <form ref={form} onSubmit={submit} noValidate>
        <Field label="Current password" error={err?.forField("current_password")}>
          <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
        </Field>
        <Field label="New password" hint="At least 10 characters." error={err?.forField("new_password")}>
          <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
        </Field>
        <FormError error={general} />
        <button className="primary" disabled={change.isPending || !current || !next}>
          {change.isPending ? "Changing…" : "Change password"}
        </button>
      </form>
      <EmailPreferences />
      <TwoFactor status={me.data?.mfa} />
      <Sessions />
      <DeleteAccount me={me.data} />
    </section>
  );
}
