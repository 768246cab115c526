import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { useMutation } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { PasswordChanged, PasswordResetAnswer } from "../api/mail";
import { Field, FormError, useFocusFirstError } from "../components/Field";
import { useTitle } from "./Auth";

/** The API's rules for passwords (sign-up's too), checked here before sending. */
export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 256;

// A 429 names the field it counts ("email" for one address's resets), but what to do is wait: it
// is said under the form with the wait, not at the field.
const atField = (e: unknown, name: string) => (e instanceof ApiError && e.status !== 429 ? e.forField(name) : undefined);
const notAtField = (e: unknown, fields: string[]) => (fields.some((f) => atField(e, f)) ? null : e);
const loginLink = (email: string) => (email ? `/login?email=${encodeURIComponent(email)}` : "/login");
const plural = (n: number, one: string, many = one + "s") => `${n} ${n === 1 ? one : many}`;

/** /forgot-password: ask for a link to choose a new password. The answer is the same whether or not
 * the address has an account; in local mode it says where the e-mail was written instead of sent. */
export function ForgotPassword() {
  useTitle("Forgot your password");
  const [params] = useSearchParams();
  const [email, setEmail] = useState(params.get("email") ?? "");
  const reset = useMutation({
    mutationFn: (address: string) => unwrap<PasswordResetAnswer>(api.POST("/v1/auth/password-reset", { body: { email: address } })),
  });
  const form = useFocusFirstError<HTMLFormElement>(reset.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    reset.mutate(email.trim());
  };
  const sent = reset.data;
  return (
    <div className="auth">
      <h1>Forgot your password?</h1>
      <p className="muted">Type the e-mail address you sign in with: a link to choose a new password goes to it.</p>
      {sent && (
        <div role="status" className="reset-sent">
          <p className="notice">{sent.message}</p>
          {sent.sandbox && (
            <p className="notice sandbox-note">
              <span className="badge badge-warn">Sandbox</span> {sent.sandbox}. The link is in the newest .eml file there.
            </p>
          )}
        </div>
      )}
      <form ref={form} onSubmit={submit} noValidate aria-label="Ask for a password reset link">
        <Field label="Email" error={atField(reset.error, "email")}>
          <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </Field>
        <FormError error={notAtField(reset.error, ["email"])} />
        <button className="primary" disabled={reset.isPending || !email.trim()}>
          {reset.isPending ? "Sending…" : sent ? "Send another link" : "Send me a link"}
        </button>
      </form>
      <p><Link to={loginLink(email.trim())}>Back to sign in</Link></p>
    </div>
  );
}

interface Checked { password?: string; confirm?: string }

/** What the browser refuses before sending: the API's length rule, and two different passwords.
 * Characters are counted as the API does (code points, an emoji is one; without the spaces around,
 * which it strips). */
export function checkNewPassword(password: string, confirm: string): Checked | null {
  const found: Checked = {};
  const length = [...password.trim()].length;
  if (length < MIN_PASSWORD) found.password = `Use at least ${MIN_PASSWORD} characters (this one has ${length}).`;
  else if (length > MAX_PASSWORD) found.password = `Use at most ${MAX_PASSWORD} characters (this one has ${length}).`;
  if (confirm !== password) found.confirm = "The two passwords differ: type the same one twice.";
  return found.password || found.confirm ? found : null;
}

/** /reset-password?token=…: the e-mail's link. Choose a new password; every session and API token
 * of the account ends, and the person signs in again. */
export function ResetPassword() {
  useTitle("Choose a new password");
  const [params] = useSearchParams();
  const token = (params.get("token") ?? "").trim();
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  // after a refused submit the browser's check follows the typing; `tries` moves the focus once per submit
  const [tried, setTried] = useState(false);
  const [tries, setTries] = useState(0);
  const change = useMutation({
    mutationFn: () => unwrap<PasswordChanged>(api.POST("/v1/auth/password-reset/confirm", { body: { token, password } })),
  });
  const local = tried ? checkNewPassword(password, confirm) : null;
  const form = useFocusFirstError<HTMLFormElement>(change.error, tries);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = checkNewPassword(password, confirm);
    setTried(Boolean(found));
    if (found) {
      change.reset();
      setTries((n) => n + 1);
    } else change.mutate();
  };

  if (!token) {
    return (
      <div className="auth">
        <h1>Choose a new password</h1>
        <p>This address has no reset token: open the link from the e-mail again, all of it (it ends with <code>?token=</code> and a long code).</p>
        <p><Link to="/forgot-password">Ask for a new link</Link></p>
      </div>
    );
  }
  const badToken = atField(change.error, "token");
  if (badToken) {
    return (
      <div className="auth">
        <h1>This link does not work</h1>
        <p role="alert">{badToken}</p>
        <p className="muted">A reset link works once, within 30 minutes of being asked for; a newer link replaces the older ones.</p>
        <p><Link to="/forgot-password">Ask for a new link</Link></p>
      </div>
    );
  }
  const done = change.data;
  if (done) {
    return (
      <div className="auth">
        <h1>Password changed</h1>
        <p role="status">
          The password of <strong>{done.email}</strong> is changed. {plural(done.signed_out_sessions, "session")} signed out
          and {plural(done.revoked_api_tokens, "API token")} revoked: sign in again with the new password
          (two-factor authentication, when on, still applies).
        </p>
        <p>
          <Link to={loginLink(done.email)} state={{ passwordChanged: true, revoked: done.revoked_api_tokens }}>Sign in</Link>
        </p>
      </div>
    );
  }
  return (
    <div className="auth">
      <h1>Choose a new password</h1>
      <p className="muted">Every session and API token of your account ends: you sign in again with the new password.</p>
      <form ref={form} onSubmit={submit} noValidate aria-label="Choose a new password">
        <Field label="New password" hint={`At least ${MIN_PASSWORD} characters.`} error={local?.password ?? atField(change.error, "password")}>
          <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </Field>
        <Field label="Confirm new password" error={local?.confirm}>
          <input type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} required />
        </Field>
        <FormError error={notAtField(change.error, ["password", "token"])} />
        <button className="primary" disabled={change.isPending}>{change.isPending ? "Changing…" : "Change password"}</button>
      </form>
      <p><Link to="/login">Back to sign in</Link></p>
    </div>
  );
}
