import { ApiError } from "../api/client";
import { Field } from "./Field";

/** The second factor a password-confirmed request asks for when two-factor authentication is on
 * (changing the address, deleting the account): a code from the app, or a recovery code. */

/** The body's part: nothing when no code is asked, else {code} (spaces dropped) or {recovery_code}. */
export function secondFactorBody(shown: boolean, recovery: boolean, code: string): { code?: string; recovery_code?: string } {
  if (!shown) return {};
  return recovery ? { recovery_code: code.trim() } : { code: code.replace(/\s/g, "") };
}

/** An answer at `code` or `recovery_code`: two-factor is on (a /me read before it was turned on says otherwise). */
export const asksForCode = (e: unknown) => e instanceof ApiError && !!(e.forField("code") || e.forField("recovery_code"));

/** The field's error: a recovery code's own, else the code's. */
export function secondFactorError(e: unknown, recovery: boolean): string | undefined {
  if (!(e instanceof ApiError)) return undefined;
  return recovery ? (e.forField("recovery_code") ?? e.forField("code")) : e.forField("code");
}

export function SecondFactorField({ recovery, code, setCode, error }: {
  recovery: boolean; code: string; setCode: (code: string) => void; error?: string;
}) {
  return (
    <Field key={recovery ? "r" : "c"} label={recovery ? "Recovery code" : "Code from your app"} error={error}
      hint={recovery ? "One of your recovery codes (each works once)." : "Two-factor authentication is on: the code your authenticator app shows."}>
      {recovery
        ? <input autoComplete="off" autoCapitalize="none" spellCheck={false} value={code} onChange={(e) => setCode(e.target.value)} />
        : <input inputMode="numeric" autoComplete="one-time-code" maxLength={8} value={code} onChange={(e) => setCode(e.target.value)} />}
    </Field>
  );
}
