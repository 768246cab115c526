import { Link, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, session, unwrap } from "../api/client";
import { keys } from "../api/queries";
import type { AddressConfirmed } from "../api/verification";
import { FormError } from "../components/Field";
import { useSentOncePerToken } from "../lib/linkToken";
import { useTitle } from "./Auth";

const HOW_TO_RENEW = "A link works once, within 3 days; a newer link replaces the older ones.";

/** /verify-email?token=…: the e-mailed link that proves the address. Sent once on opening (no
 * button to press); the invitations that waited for the address are accepted then. Public: the
 * link works whether or not this browser is signed in. */
export default function VerifyEmail() {
  useTitle("Confirm your e-mail address");
  const [params] = useSearchParams();
  const token = (params.get("token") ?? "").trim();
  const qc = useQueryClient();
  const confirm = useMutation({
    mutationFn: () => unwrap<AddressConfirmed>(api.POST("/v1/auth/verify-email", { body: { token } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.me }),   // the banner goes
  });
  useSentOncePerToken(token, confirm.mutate);
  const signedIn = Boolean(session.token);

  if (!token) {
    return (
      <div className="auth">
        <h1>Confirm your e-mail address</h1>
        <p>This address has no token: open the link from the e-mail again, all of it (it ends with <code>?token=</code> and a long code).</p>
      </div>
    );
  }
  const badToken = confirm.error instanceof ApiError ? confirm.error.forField("token") : undefined;
  if (badToken) {
    return (
      <div className="auth">
        <h1>This link does not work</h1>
        <p role="alert">{badToken}</p>
        <p className="muted">{HOW_TO_RENEW}</p>
        {signedIn ? (
          <p>Use <strong>Send a new link</strong> in the banner at the top of Launchbay&apos;s pages. <Link to="/">Go to Launchbay</Link></p>
        ) : (
          <p><Link to="/login">Sign in</Link>: the banner at the top of the page offers a new link (none when the address is confirmed already).</p>
        )}
      </div>
    );
  }
  const done = confirm.data;
  if (done) {
    const first = done.joined[0];
    return (
      <div className="auth">
        <h1>Address confirmed</h1>
        <p role="status">
          <strong>{done.email}</strong> is confirmed.{" "}
          {done.joined.length ? "The invitations that waited for it are accepted:" : "No invitation waited for it."}
        </p>
        {done.joined.length > 0 && (
          <ul aria-label="Organizations joined">
            {done.joined.map((o) => <li key={o.id}>{o.name || o.id} ({o.role})</li>)}
          </ul>
        )}
        <p>
          {signedIn
            ? <Link to={first ? `/orgs/${first.id}` : "/"}>{first ? `Go to ${first.name || first.id}` : "Go to Launchbay"}</Link>
            : <Link to={`/login?email=${encodeURIComponent(done.email)}`}>Sign in</Link>}
        </p>
      </div>
    );
  }
  return (
    <div className="auth">
      <h1>Confirm your e-mail address</h1>
      {confirm.error ? (
        <>
          <FormError error={confirm.error} />
          <button type="button" className="primary" onClick={() => confirm.mutate()}>Try again</button>
        </>
      ) : <p role="status">Confirming your address…</p>}
    </div>
  );
}
