import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import { keys, useMe } from "../api/queries";
import type { LinkSent } from "../api/verification";
import { FormError } from "./Field";

/** Under the top bar while the signed-in user's address is unproven (GET /v1/me's
 * `user.email_verified` false): invitations to it wait until the e-mailed link is opened. */
export function VerifyBanner() {
  const me = useMe();
  const qc = useQueryClient();
  const resend = useMutation({
    mutationFn: () => unwrap<LinkSent>(api.POST("/v1/me/verify-email")),
    // 409: confirmed meanwhile (in another tab, say): /me says so and the banner goes
    onError: (e) => (e instanceof ApiError && e.status === 409 ? qc.invalidateQueries({ queryKey: keys.me }) : undefined),
  });
  const user = me.data?.user;
  if (user?.email_verified !== false) return null;   // (absent: an API from before addresses were proven)
  const sent = resend.data;
  // mail to the address held back (a bounce, a complaint): no link could go; EmailDelivery says what to do
  const held = !!me.data?.email_delivery;
  return (
    <div className="frame-banner verify-banner" role="status">
      <p>
        Confirm your e-mail address: we sent a link to <strong>{user.email}</strong>. Invitations to this address, and e-mails about deploys, wait until you do.{" "}
        {!held && (
          <button type="button" className="link" onClick={() => resend.mutate()} disabled={resend.isPending}>
            {resend.isPending ? "Sending…" : "Send a new link"}
          </button>
        )}
      </p>
      {sent && <p>{sent.message}</p>}
      {sent?.sandbox && (
        <p className="sandbox-note"><span className="badge badge-warn">Sandbox</span> {sent.sandbox}. The link is in the newest .eml file there.</p>
      )}
      <FormError error={resend.error} />
    </div>
  );
}
