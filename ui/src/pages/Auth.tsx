import { useEffect, useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, session, unwrap } from "../api/client";
import type { AuthAnswer, MfaChallenge } from "../api/models";
import type { components } from "../api/schema";
import { Field, FormError, useFocusFirstError } from "../components/Field";

/** A session was answered: keep it and go back to the page that asked for sign-in. */
function useSignedIn() {
  const navigate = useNavigate();
  const location = useLocation();
  const qc = useQueryClient();
  return (answer: { token: string; organization?: AuthAnswer["organization"] }) => {
    session.set(answer.token);
    qc.clear();
    // a path of this app only: the router refuses "//host/…" (another site) with a page error,
    // which left the form as it was after a good sign-in
    const from = (location.state as { from?: string } | null)?.from;
    const back = from && from.startsWith("/") && !from.startsWith("//") ? from : undefined;
    navigate(back ?? (answer.organization ? `/orgs/${answer.organization.id}` : "/"), { replace: true });
  };
}

function useAuth(kind: "login" | "signup", onChallenge?: (c: MfaChallenge) => void) {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: (body: Record<string, string>) =>
      kind === "login"
        ? unwrap<AuthAnswer | MfaChallenge>(api.POST("/v1/auth/login", { body: body as { email: string; password: string } }))
        // (`organization` may be left out by an invited person; the cast holds until `make ui-types` says so too)
        : unwrap<AuthAnswer>(api.POST("/v1/auth/signup", { body: body as components["schemas"]["SignupIn"] })),
    onSuccess: (answer) => {
      if ("mfa_required" in answer) onChallenge?.(answer);   // two-factor authentication: a second step
      else signedIn(answer);
    },
  });
}

const fieldError = (e: unknown, name: string) => (e instanceof ApiError ? e.forField(name) : undefined);
const generalError = (e: unknown, fields: string[]) =>
  e instanceof ApiError && fields.some((f) => e.forField(f)) ? null : e;

// (outside the signed-in frame, whose pages take their title from their h1)
export const useTitle = (title: string) => useEffect(() => { document.title = `${title} · Launchbay`; }, [title]);

export function Login() {
  useTitle("Sign in");
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const auth = useAuth("login", setChallenge);
  const form = useFocusFirstError<HTMLFormElement>(auth.error);
  const location = useLocation();
  const [params] = useSearchParams();
  const state = location.state as { expired?: boolean; passwordChanged?: boolean; revoked?: number; signedOut?: boolean; email?: string } | null;
  // ?email= from a link (the password reset's "Sign in", an invitation e-mail's)
  const [email, setEmail] = useState(state?.email ?? params.get("email") ?? "");
  const [password, setPassword] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    auth.mutate({ email, password });
  };
  if (challenge) return <SecondStep challenge={challenge} onRestart={() => { setChallenge(null); setPassword(""); auth.reset(); }} />;
  return (
    <div className="auth">
      <h1>Sign in to Launchbay</h1>
      {state?.passwordChanged ? (
        <p className="notice" role="status">
          Your password was changed and every session ended
          {state.revoked ? ` (${state.revoked} API token${state.revoked === 1 ? "" : "s"} revoked)` : ""}. Sign in with your new password.
        </p>
      ) : state?.signedOut ? (
        <p className="notice" role="status">You are signed out.</p>
      ) : state?.expired && <p className="notice" role="status">Your session ended. Sign in again to go back to where you were.</p>}
      <form ref={form} onSubmit={submit} noValidate>
        <Field label="Email" error={fieldError(auth.error, "email")}>
          <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </Field>
        <Field label="Password" error={fieldError(auth.error, "password")}>
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </Field>
        <FormError error={generalError(auth.error, ["email", "password"])} />
        <button className="primary" disabled={auth.isPending}>{auth.isPending ? "Signing in…" : "Sign in"}</button>
      </form>
      <p><Link to={email.trim() ? `/forgot-password?email=${encodeURIComponent(email.trim())}` : "/forgot-password"}>Forgot your password?</Link></p>
      <p>New here? <Link to="/signup">Create an account</Link></p>
    </div>
  );
}

/** Sign-in, second step: the code of the authenticator app, or a recovery code. */
function SecondStep({ challenge, onRestart }: { challenge: MfaChallenge; onRestart: () => void }) {
  const signedIn = useSignedIn();
  const [recovery, setRecovery] = useState(false);
  const [value, setValue] = useState("");
  const verify = useMutation({
    mutationFn: () => unwrap<AuthAnswer>(api.POST("/v1/auth/login/mfa", {
      body: { mfa_token: challenge.mfa_token, ...(recovery ? { recovery_code: value.trim() } : { code: value.replace(/\s/g, "") }) },
    })),
    onSuccess: signedIn,
  });
  const field = recovery ? "recovery_code" : "code";
  const expired = verify.error instanceof ApiError && verify.error.forField("mfa_token");
  const submit = (e: FormEvent) => { e.preventDefault(); verify.mutate(); };
  const toggle = () => { setRecovery(!recovery); setValue(""); verify.reset(); };
  return (
    <div className="auth">
      <h1>Two-factor authentication</h1>
      <p className="muted">
        {recovery ? "Type one of your recovery codes (each works once)." : "Type the 6-digit code your authenticator app shows for Launchbay."}
      </p>
      <form onSubmit={submit} noValidate>
        <Field key={field} label={recovery ? "Recovery code" : "Authentication code"} error={fieldError(verify.error, field) ?? fieldError(verify.error, "code")}>
          {recovery
            ? <input autoComplete="off" autoCapitalize="none" spellCheck={false} value={value} onChange={(e) => setValue(e.target.value)} autoFocus required />
            : <input inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]*" maxLength={8} value={value} onChange={(e) => setValue(e.target.value)} autoFocus required />}
        </Field>
        <FormError error={generalError(verify.error, [field, "code"])} />
        <button className="primary" disabled={verify.isPending || !value.trim()}>{verify.isPending ? "Verifying…" : "Verify"}</button>
      </form>
      <p>
        <button type="button" className="link" onClick={toggle}>{recovery ? "Use your authenticator app instead" : "Use a recovery code instead"}</button>
        {expired ? <> · <button type="button" className="link" onClick={onRestart}>Sign in again</button></> : null}
      </p>
    </div>
  );
}

/** /signup; an invitation e-mail's link adds ?email=<the invited address>&invited=1. */
export function Signup() {
  useTitle("Create your account");
  const auth = useAuth("signup");
  const formRef = useFocusFirstError<HTMLFormElement>(auth.error);
  const [params] = useSearchParams();
  const invited = params.get("invited") === "1";
  const [form, setForm] = useState({ email: params.get("email") ?? "", password: "", organization: "" });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // blank: no organization is created; an invited person joins the one that invited them
    const organization = form.organization.trim();
    auth.mutate({ email: form.email, password: form.password, ...(organization ? { organization } : {}) });
  };
  return (
    <div className="auth">
      <h1>Create your Launchbay account</h1>
      {invited && (
        <p className="notice">
          You were invited to an organization on Launchbay. Leave Organization empty to join the one that invited you
          (sign up with the address the invitation went to).
        </p>
      )}
      <form ref={formRef} onSubmit={submit} noValidate>
        <Field label="Email" error={fieldError(auth.error, "email")}>
          <input type="email" autoComplete="username" value={form.email} onChange={set("email")} required />
        </Field>
        <Field label="Password" hint="At least 10 characters." error={fieldError(auth.error, "password")}>
          <input type="password" autoComplete="new-password" value={form.password} onChange={set("password")} required />
        </Field>
        <Field label="Organization" error={fieldError(auth.error, "organization")}
          hint={invited
            ? "Optional: empty joins the organization that invited you; a name also creates an organization of your own (you join theirs too)."
            : "Your team or company; you can invite others later. Invited to a team? Leave it empty to join theirs."}>
          <input value={form.organization} onChange={set("organization")} />
        </Field>
        <FormError error={generalError(auth.error, ["email", "password", "organization"])} />
        <button className="primary" disabled={auth.isPending}>{auth.isPending ? "Creating…" : "Create account"}</button>
      </form>
      <p>Already have an account? <Link to={form.email.trim() ? `/login?email=${encodeURIComponent(form.email.trim())}` : "/login"}>Sign in</Link></p>
    </div>
  );
}
