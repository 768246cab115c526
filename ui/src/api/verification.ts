// Proving an e-mail address and joining through an invitation's link: the answers, typed by hand
// (the OpenAPI document describes no response bodies; the routes and request bodies are in schema.d.ts).
import type { Role } from "./models";

/** An organization an invitation was accepted for, just now. */
export interface JoinedOrg { id: string; name: string; role: Role }

/** POST /v1/auth/verify-email: the address is confirmed; the invitations waiting for it were accepted. */
export interface AddressConfirmed { status: "verified"; email: string; joined: JoinedOrg[] }

/** POST /v1/me/verify-email: a new link is on its way (it replaces the earlier one). `sandbox` is
 * there only in local mode (the e-mail is an .eml file on the API's disk). */
export interface LinkSent { status: "sent"; email: string; expires_in: number; message: string; sandbox?: string | null }

/** POST /v1/invitations/accept: the address is proven by the link; `joined` is empty for a member already. */
export interface InvitationAccepted { email_verified: true; joined: JoinedOrg[] }

/** "Acme (developer)", "Acme (developer) and Beta (viewer)", "A, B and C": the organizations joined, in words. */
export function joinedWords(joined: JoinedOrg[]): string {
  const each = joined.map((o) => `${o.name || o.id} (${o.role})`);
  return each.length < 2 ? (each[0] ?? "") : `${each.slice(0, -1).join(", ")} and ${each.at(-1)}`;
}

/** POST /v1/me/email: a link is on its way to the new address (`email`); the address stays as it is until
 * it is followed. `sandbox` only in local mode. */
export interface EmailChangeSent { status: "sent"; email: string; expires_in: number; message: string; sandbox?: string | null }

/** POST /v1/auth/email-change/confirm: the account moved to `email`; every log-in session of it ended
 * (`signed_out_sessions` of them), and the invitations waiting for the new address were accepted. */
export interface EmailChanged { status: "changed"; email: string; previous_email: string; signed_out_sessions: number; joined: JoinedOrg[] }
