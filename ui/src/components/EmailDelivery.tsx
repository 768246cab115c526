import { useState } from "react";
import { useLocation } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { EmailDelivery } from "../api/models";
import { keys, useMe } from "../api/queries";
import { FormError } from "./Field";

/** The day in the reader's words ("Mar 5, 2026"), the exact time as the title. */
export function Day({ iso }: { iso: string }) {
  const at = new Date(iso);
  if (isNaN(at.getTime())) return <>{iso}</>;
  return <time dateTime={iso} title={at.toLocaleString()}>{at.toLocaleDateString(undefined, { dateStyle: "medium" })}</time>;
}

/** Why mail to the address is held back: "it bounced on DATE (smtp; 550 5.1.1 user unknown)", or "you
 * marked a Launchbay e-mail as spam on DATE (abuse)" (the complaint's type, when SES gave one). */
export function HeldBackWhy({ d }: { d: EmailDelivery }) {
  if (d.reason === "complaint") {
    const type = /^marked as spam \((.*)\)$/.exec(d.detail)?.[1] ?? d.detail;
    return <>you marked a Launchbay e-mail as spam on <Day iso={d.since} />{type ? ` (${type})` : ""}</>;
  }
  return <>it bounced on <Day iso={d.since} />{d.detail ? ` (${d.detail})` : ""}</>;
}

/** DELETE /v1/me/email-suppression: mail to the address resumes. A 404 (lifted meanwhile: in another tab,
 * or a confirmation link got through) is no failure: /me is read again either way and says so. */
function useLift() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (email: string) => {
      try {
        await unwrap(api.DELETE("/v1/me/email-suppression"));
        return `E-mail goes to ${email} again.`;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return `E-mail to ${email} was not held back any more: it goes there again.`;
        throw e;
      }
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.me }),
  });
}

/** The held-back sentence and *My mailbox works again*. */
function HeldBack({ email, d, unconfirmed, lift, onLift, badge }: {
  email: string; d: EmailDelivery; unconfirmed: boolean; lift: ReturnType<typeof useLift>; onLift?: () => void; badge?: boolean;
}) {
  return (
    <>
      <p>
        {badge && <><span className="badge badge-bad">held back</span>{" "}</>}
        E-mail to <strong>{email}</strong> is held back: <HeldBackWhy d={d} />.
        {unconfirmed ? " Nothing is e-mailed to it, a new confirmation link included, until you say your mailbox works again."
          : " Nothing is e-mailed to it until you say your mailbox works again."}{" "}
        <button type="button" className="link" disabled={lift.isPending} onClick={() => { onLift?.(); lift.mutate(email); }}>
          {lift.isPending ? "Saving…" : "My mailbox works again"}
        </button>
      </p>
      <FormError error={lift.error} />
    </>
  );
}

/** Under the top bar while GET /v1/me says `email_delivery` (the address bounced, or its owner marked
 * an e-mail as spam). Not on the account page, whose e-mail section says the same with the same button. */
export function DeliveryBanner() {
  const me = useMe();
  const { pathname } = useLocation();
  const lift = useLift();
  const [saidAt, setSaidAt] = useState<string | null>(null);
  const [page, setPage] = useState(pathname);
  if (page !== pathname) { setPage(pathname); setSaidAt(null); }   // another page: the answer was read
  const user = me.data?.user;
  const d = me.data?.email_delivery;
  // the answer stays on the page it was given on; the next page has no banner
  const said = lift.data && saidAt === pathname ? lift.data : null;
  const held = user && d && pathname !== "/account";
  if (!held && !said) return null;
  return (
    <div className="frame-banner delivery-banner" role="status">
      {held ? <HeldBack email={user.email} d={d} unconfirmed={user.email_verified === false} lift={lift} onLift={() => setSaidAt(pathname)} />
        : <p>{said}</p>}
    </div>
  );
}

/** The account page's word on its address's mail: held back (why, and the button), the answer once
 * lifted here, or nothing while mail reaches it. A status region that stays while the sentence turns
 * into the answer, so the answer is heard. */
export function DeliveryState() {
  const me = useMe();
  const lift = useLift();
  const user = me.data?.user;
  const d = me.data?.email_delivery;
  return (
    <div role="status" className="delivery-state">
      {user && d ? (
        <div className="notice delivery-held">
          <HeldBack email={user.email} d={d} unconfirmed={user.email_verified === false} lift={lift} badge />
        </div>
      ) : lift.data ? <p className="notice">{lift.data}</p> : null}
    </div>
  );
}
