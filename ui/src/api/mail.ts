// E-mail: the password reset's answers, typed by hand (the OpenAPI document describes no response
// bodies; the routes and request bodies are in schema.d.ts; an invitation's e-mail fields are in models.ts).

/** POST /v1/auth/password-reset: the same answer whether or not the address has an account.
 * `sandbox` is there only in local mode (the e-mail is an .eml file on the API's disk). */
export interface PasswordResetAnswer { status: "requested"; message: string; expires_in: number; sandbox?: string | null }

/** POST /v1/auth/password-reset/confirm: every session and API token of the user was ended. */
export interface PasswordChanged { status: "changed"; email: string; revoked_api_tokens: number; signed_out_sessions: number }
