import { useLocation } from "react-router";
import { api, ApiError, unwrap } from "../api/client";
import { joinedWords, type InvitationAccepted, type JoinedOrg } from "../api/verification";

/** What came of an invitation's link at log-in, carried to the next page in the router's state. */
export interface Joining { joined?: JoinedOrg[]; invitationProblem?: string }

/** The invitation of the link that led to the log-in, accepted with the new session. Never throws:
 * the log-in stands whatever the answer (another address's invitation: 403; a dead link: 422). */
export async function acceptInvitation(token: string): Promise<Joining> {
  try {
    const done = await unwrap<InvitationAccepted>(api.POST("/v1/invitations/accept", { body: { token } }));
    return { joined: done.joined };
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).replace(/[.\s]+$/, "");
    // 422: a dead link; or one this very log-in used up (a confirmed address joins at log-in)
    const after = e instanceof ApiError && e.status === 422
      ? " If you had joined already, the organization is in the switcher above."
      : e instanceof ApiError && e.status === 403 ? "" : " Open the invitation's link again to retry.";
    return { invitationProblem: `The invitation was not accepted: ${message}.${after}` };
  }
}

/** On the page after a log-in through an invitation's link: the organizations joined, or why none. */
export function JoinedNotice() {
  const state = useLocation().state as Joining | null;
  if (state?.invitationProblem) return <p className="notice joined-notice" role="status">{state.invitationProblem}</p>;
  if (!state?.joined) return null;
  return (
    <p className="notice joined-notice" role="status">
      {state.joined.length
        ? `Invitation accepted: you joined ${joinedWords(state.joined)}.`
        : "Invitation accepted: you were a member of the organization that invited you already."}
    </p>
  );
}
