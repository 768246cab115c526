import { Link, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, session, unwrap } from "../api/client";
import { joinedWords, type EmailChanged } from "../api/verification";
import { FormError } from "../components/Field";
import { useSentOncePerToken } from "../lib/linkToken";
import { useTitle } from "./Auth";

const HOW_TO_ASK_AGAIN = "A link works once, within 24 hours; asking for the change again, or cancelling it, ends the earlier link.";

/** /confirm-email-change?token=…: the link e-mailed to the new address. Sent once on opening, like
 * /verify-email's. Public: the link may be opened on another device, signed in or not. On success every
 * log-in session of the account has ended (this browser's too, if it held one): the person signs in
 * again with the new address. */
export default function ConfirmEmailChange() {
  useTitle("Confirm your new e-mail address");
  const [params] = useSearchParams();
  const token = (params.get("token") ?? "").trim();
  const qc = useQueryClient();
  const confirm = useMutation({
    mutationFn: () => unwrap<EmailChanged>(api.POST("/v1/auth/email-change/confirm", { body: { token } })),
    onSuccess: () => {
      // the session this browser held is dead now (every log-in session of the account ended):
      // forget it and what was read with it
      session.set(null);
      qc.clear();
    },
  });
  useSentOncePerToken(token, confirm.mutate);
  const signedIn = Boolean(session.token);

  if (!token) {
    return (
      <div className="auth">
        <h1>Confirm your new e-mail address</h1>
        <p>This address has no token: open the link from the e-mail again, all of it (it ends with <code>?token=</code> and a long code).</p>
      </div>
    );
  }
  const error = confirm.error instanceof ApiError ? confirm.error : null;
  const badToken = error?.forField("token");
  if (badToken) {
    return (
      <div className="auth">
        <h1>This link does not work</h1>
        <p role="alert">{badToken}</p>
        <p className="muted">{HOW_TO_ASK_AGAIN} Your address did not change.</p>
        {signedIn
          ? <p>Ask again from <Link to="/account">your account</Link>: <strong>Change address</strong> sends a new link.</p>
          : <p><Link to="/login">Sign in</Link> with your current address, then ask again from your account page (<strong>Change address</strong>).</p>}
      </div>
    );
  }
  const taken = error?.status === 409 ? error.forField("email") : undefined;
  if (taken) {
    return (
      <div className="auth">
        <h1>This address has an account now</h1>
        <p role="alert">{taken}</p>
        <p className="muted">Someone signed up with it after the change was asked for. Nothing moved: your address is the one you had.</p>
        {signedIn
          ? <p>Choose another address on <Link to="/account">your account</Link> page.</p>
          : <p><Link to="/login">Sign in</Link> with your current address to choose another one.</p>}
      </div>
    );
  }
  const done = confirm.data;
  if (done) {
    return (
      <div className="auth">
        <h1>Address changed</h1>
        <div role="status">
          <p>
            Your address is now <strong>{done.email}</strong>. Every session was signed out: log in with the new address.
          </p>
          {done.joined.length > 0 && <p>The invitations that waited for it are accepted: {joinedWords(done.joined)}.</p>}
        </div>
        <p className="muted">{done.previous_email} gets no more e-mail about the account; it was told of the change.</p>
        <p><Link className="button primary" to={`/login?email=${encodeURIComponent(done.email)}`}>Log in with {done.email}</Link></p>
      </div>
    );
  }
  return (
    <div className="auth">
      <h1>Confirm your new e-mail address</h1>
      {confirm.error ? (
        <>
          <FormError error={confirm.error} />
          <button type="button" className="primary" onClick={() => confirm.mutate()}>Try again</button>
        </>
      ) : <p role="status">Changing your address…</p>}
    </div>
  );
}
