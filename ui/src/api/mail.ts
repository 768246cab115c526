// E-mail: password reset and invitation re-sends (the invitation's e-mail fields are in models.ts). Answers typed by hand (the OpenAPI document
// describes no response bodies).
import type { Client } from "openapi-fetch";
import { api } from "./client";
import type { components, paths } from "./schema";

/** POST /v1/auth/password-reset: the same answer whether or not the address has an account.
 * `sandbox` is there only in local mode (the e-mail is an .eml file on the API's disk). */
export interface PasswordResetAnswer { status: "requested"; message: string; expires_in: number; sandbox?: string | null }

/** POST /v1/auth/password-reset/confirm: every session and API token of the user was ended. */
export interface PasswordChanged { status: "changed"; email: string; revoked_api_tokens: number; signed_out_sessions: number }

// Until `make ui-types` brings the mail routes into schema.d.ts, they are declared here (request
// bodies and path parameters only, as the generated ones are), so that tsc checks the calls anyway.
type Json<T> = { content: { "application/json": T } };
type Answers = { [status: number]: { headers: Record<string, unknown>; content?: never }; "4XX": { headers: Record<string, unknown>; content: Json<components["schemas"]["Error"]>["content"] } };
type Post<Body> = {
  parameters: { query?: never; header?: never; path?: never; cookie?: never };
  requestBody: Json<Body>;
  responses: Answers;
};
type PostNoBody<Path> = {
  parameters: { query?: never; header?: never; path: Path; cookie?: never };
  requestBody?: never;
  responses: Answers;
};
type Route<Op> = { parameters: { query?: never; header?: never; path?: never; cookie?: never }; post: Op };
interface MailPaths {
  "/v1/auth/password-reset": Route<Post<{ email: string }>>;
  "/v1/auth/password-reset/confirm": Route<Post<{ token: string; password: string }>>;
  "/v1/orgs/{org}/invitations/{invitation}/resend": Route<PostNoBody<{ org: string; invitation: string }>>;
}

export const mailApi = api as unknown as Client<paths & MailPaths>;
