import { useEffect, useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, session, unwrap } from "../api/client";
import type { AuthAnswer, MfaChallenge } from "../api/models";
import type { components } from "../api/schema";
import { Field, FormError, useFocusFirstError } from "../components/Field";
import { acceptInvitation, type Joining } from "../components/Joined";

/** A session was answered: keep it and go back to the page that asked for sign-in. A log-in from an
 * invitation's link (`invitation`: its token) accepts it first; the next page tells what came of it. */
function useSignedIn(invitation?: string) {
  const navigate = useNavigate();
  const location = useLocation();
  const qc = useQueryClient();
  return async (answer: { token: string; organization?: AuthAnswer["organization"]; joined?: AuthAnswer["joined"] }) => {
    session.set(answer.token);
    qc.clear();
    // a confirmed address's log-in accepts its invitations itself (and says so): the link is used up then
    const joining: Joining | null = !invitation ? null
      : answer.joined?.length ? { joined: answer.joined } : await acceptInvitation(invitation);
    // a path of this app only: the router refuses "//host/…" (another site) with a page error,
    // which left the form as it was after a good sign-in
    const from = (location.state as { from?: string } | null)?.from;
    const back = from && from.startsWith("/") && !from.startsWith("//") ? from : undefined;
    const org = answer.organization?.id ?? joining?.joined?.[0]?.id;
    navigate(back ?? (org ? `/orgs/${org}` : "/"), { replace: true, state: joining });
  };
}

function useAuth(kind: "login" | "signup", onChallenge?: (c: MfaChallenge) => void, invitation?: string) {
  const signedIn = useSignedIn(kind === "login" ? invitation : undefined);   // (a sign-up sends it in its body)
  return useMutation({
    mutationFn: (body: Record<string, string>) =>
      kind === "login"
        ? unwrap<AuthAnswer | MfaChallenge>(api.POST("/v1/auth/login", { body: body as { email: string; password: string } }))
        : unwrap<AuthAnswer>(api.POST("/v1/auth/signup", { body: body as components["schemas"]["SignupIn"] })),
    // (awaited: the form says "Signing in…" until the invitation is accepted too)
    onSuccess: (answer) => ("mfa_required" in answer ? onChallenge?.(answer) : signedIn(answer)),   // two-factor: a second step
  });
}

/** "email=…&invitation=…": the query of the other form (log-in or sign-up), keeping the invitation's link. */
const invitationQuery = (email: string, invitation: string) =>
  new URLSearchParams({ ...(email.trim() ? { email: email.trim() } : {}), invitation }).toString();

const fieldError = (e: unknown, name: string) => (e instanceof ApiError ? e.forField(name) : undefined);
const generalError = (e: unknown, fields: string[]) =>
  e instanceof ApiError && fields.some((f) => e.forField(f)) ? null : e;

// (outside the signed-in frame, whose pages take their title from their h1)
export const useTitle = (title: string) => useEffect(() => { document.title = `${title} · Launchbay`; }, [title]);

export function Login() {
  useTitle("Sign in");
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const [params] = useSearchParams();
  // ?invitation= from an invitation e-mail's "log in" link: accepted once signed in
  const invitation = params.get("invitation")?.trim() || undefined;
  const auth = useAuth("login", setChallenge, invitation);
  const form = useFocusFirstError<HTMLFormElement>(auth.error);
  const location = useLocation();
  const state = location.state as {
    expired?: boolean; passwordChanged?: boolean; revoked?: number; signedOut?: boolean; email?: string;
    accountDeleted?: boolean; left?: string[];
  } | null;
  // ?email= from a link (the password reset's "Sign in", an invitation e-mail's)
  const [email, setEmail] = useState(state?.email ?? params.get("email") ?? "");
  const [password, setPassword] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    auth.mutate({ email, password });
  };
  if (challenge) return <SecondStep challenge={challenge} invitation={invitation} onRestart={() => { setChallenge(null); setPassword(""); auth.reset(); }} />;
  return (
    <div className="auth">
      <h1>Sign in to Launchbay</h1>
      {state?.accountDeleted ? (
        <p className="notice" role="status">
          Your account was deleted{state.left?.length ? `; you left ${state.left.join(", ")}` : ""}.
        </p>
      ) : state?.passwordChanged ? (
        <p className="notice" role="status">
          Your password was changed and every session ended
          {state.revoked ? ` (${state.revoked} API token${state.revoked === 1 ? "" : "s"} revoked)` : ""}. Sign in with your new password.
        </p>
      ) : state?.signedOut ? (
        <p className="notice" role="status">You are signed out.</p>
      ) : state?.expired ? <p className="notice" role="status">Your session ended. Sign in again to go back to where you were.</p>
        : invitation && (
          <p className="notice">Sign in with the address the invitation went to: you join the organization that invited you.</p>
        )}
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
      <p>New here? <Link to={invitation ? `/signup?${invitationQuery(email, invitation)}` : "/signup"}>Create an account</Link></p>
    </div>
  );
}

/** Sign-in, second step: the code of the authenticator app, or a recovery code. */
function SecondStep({ challenge, invitation, onRestart }: { challenge: MfaChallenge; invitation?: string | undefined; onRestart: () => void }) {
  const signedIn = useSignedIn(invitation);
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

/** /signup; an invitation e-mail's link adds ?email=<the invited address>&invitation=<its token>, which
 * proves the address: the account joins the organizations that invited it, and needs none of its own.
 * (Older links' `invited=1` without a token is an ordinary sign-up.) */
export function Signup() {
  useTitle("Create your account");
  const auth = useAuth("signup");
  const formRef = useFocusFirstError<HTMLFormElement>(auth.error);
  const [params] = useSearchParams();
  const invitation = params.get("invitation")?.trim() || undefined;
  // "sign up without it" stays on this page: the dead link's answer goes with the link
  const { reset } = auth;
  useEffect(() => reset(), [invitation, reset]);
  const [form, setForm] = useState({ email: params.get("email") ?? "", password: "", organization: "" });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // blank: no organization is created (with an invitation, the person joins the one that invited them)
    const organization = form.organization.trim();
    auth.mutate({ email: form.email, password: form.password, ...(organization ? { organization } : {}), ...(invitation ? { invitation } : {}) });
  };
  const email = form.email.trim();
  const deadLink = fieldError(auth.error, "invitation");
  const taken = auth.error instanceof ApiError && auth.error.status === 409 && fieldError(auth.error, "email");
  return (
    <div className="auth">
      <h1>Create your Launchbay account</h1>
      {invitation && (
        <p className="notice">
          You were invited to an organization on Launchbay: sign up with the address the invitation went to, and you join it.
        </p>
      )}
      {deadLink && (
        <div className="form-error" role="alert">
          <p>{deadLink}</p>
          <p>Ask whoever invited you to send the invitation again (each new invitation e-mail replaces the earlier one&apos;s link), or <Link to="/signup">sign up without it</Link> with an organization of your own.</p>
        </div>
      )}
      <form ref={formRef} onSubmit={submit} noValidate>
        <Field label="Email" error={fieldError(auth.error, "email")}>
          <input type="email" autoComplete="username" value={form.email} onChange={set("email")} required />
        </Field>
        {taken && (
          <p className="notice">
            {invitation
              ? <><Link to={`/login?${invitationQuery(email, invitation)}`}>Sign in with this address</Link> to accept the invitation</>
              : <><Link to={`/login?email=${encodeURIComponent(email)}`}>Sign in with this address</Link></>}
            , or <Link to={`/forgot-password?email=${encodeURIComponent(email)}`}>choose a new password</Link> if you forgot it.
          </p>
        )}
        <Field label="Password" hint="At least 10 characters." error={fieldError(auth.error, "password")}>
          <input type="password" autoComplete="new-password" value={form.password} onChange={set("password")} required />
        </Field>
        <Field label="Organization" error={fieldError(auth.error, "organization")}
          hint={invitation
            ? "Optional: you join the organization that invited you; name one only to also create your own."
            : "Your team or company; you can invite others later. Invited to a team? Open the link in the invitation e-mail instead."}>
          <input value={form.organization} onChange={set("organization")} required={!invitation} />
        </Field>
        <FormError error={generalError(auth.error, ["email", "password", "organization", "invitation"])} />
        <button className="primary" disabled={auth.isPending}>{auth.isPending ? "Creating…" : "Create account"}</button>
      </form>
      <p>Already have an account? <Link to={invitation ? `/login?${invitationQuery(email, invitation)}` : email ? `/login?email=${encodeURIComponent(email)}` : "/login"}>Sign in</Link></p>
    </div>
  );
}
