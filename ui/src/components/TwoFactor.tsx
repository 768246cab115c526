import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { MfaSetup, MfaStatus, RecoveryCodes } from "../api/models";
import { keys } from "../api/queries";
import { Field, FormError } from "./Field";

const errorAt = (e: unknown, field: string) => (e instanceof ApiError ? e.forField(field) : undefined);
const elsewhere = (e: unknown, fields: string[]) => (e instanceof ApiError && fields.some((f) => e.forField(f)) ? null : e);
const digits = (v: string) => v.replace(/\s/g, "");

/** The otpauth:// URI as a QR code (an SVG drawn here: the secret never leaves the page). */
function QrCode({ uri }: { uri: string }) {
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void import("qrcode").then((q) => q.toString(uri, { type: "svg", margin: 1, errorCorrectionLevel: "M" })).then((s) => live && setSvg(s));
    return () => { live = false; };
  }, [uri]);
  if (!svg) return null;
  return <img className="qr" width={192} height={192} alt="QR code to scan with your authenticator app" src={`data:image/svg+xml;utf8,${encodeURIComponent(svg)}`} />;
}

/** Recovery codes, shown once: a copy button, and "I have saved them" to put them away. */
function ShownOnce({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = () => void navigator.clipboard?.writeText(codes.join("\n")).then(() => setCopied(true), () => setCopied(false));
  return (
    <div className="notice" role="region" aria-label="Recovery codes">
      <p><strong>Your recovery codes.</strong> They are shown this once. Each works once, to sign in without your authenticator app: keep them in a safe place (a password manager).</p>
      <ul className="mono recovery-codes">{codes.map((c) => <li key={c}>{c}</li>)}</ul>
      <div className="actions">
        <button type="button" onClick={copy}>Copy codes</button>
        <button type="button" className="primary" onClick={onDone}>I have saved them</button>
        {copied && <span role="status">Copied.</span>}
      </div>
    </div>
  );
}

/** Account page: two-factor authentication with an authenticator app (TOTP). */
export function TwoFactor({ status }: { status: MfaStatus | undefined }) {
  const qc = useQueryClient();
  const [mode, setMode] = useState<"idle" | "password" | "regenerate" | "disable">("idle");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [useRecovery, setUseRecovery] = useState(false);
  const [setup, setSetup] = useState<MfaSetup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: keys.me });
  const reset = () => { setMode("idle"); setPassword(""); setCode(""); setUseRecovery(false); };

  const start = useMutation({
    mutationFn: () => unwrap<MfaSetup>(api.POST("/v1/auth/mfa/setup", { body: { password } })),
    onSuccess: (s) => { setSetup(s); setPassword(""); setCode(""); setMode("idle"); },
  });
  const confirm = useMutation({
    mutationFn: () => unwrap<RecoveryCodes>(api.POST("/v1/auth/mfa/confirm", { body: { code: digits(code) } })),
    onSuccess: (a) => { setSetup(null); setCodes(a.recovery_codes); setCode(""); refresh(); },
  });
  const regenerate = useMutation({
    mutationFn: () => unwrap<RecoveryCodes>(api.POST("/v1/auth/mfa/recovery-codes", { body: { code: digits(code) } })),
    onSuccess: (a) => { setCodes(a.recovery_codes); reset(); refresh(); },
  });
  const disable = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/auth/mfa/disable", {
      body: { password, ...(useRecovery ? { recovery_code: code.trim() } : { code: digits(code) }) },
    })),
    onSuccess: () => { reset(); refresh(); },
  });
  const on = (f: (e: FormEvent) => void) => (e: FormEvent) => { e.preventDefault(); f(e); };

  if (codes) return (
    <section aria-labelledby="mfa-title">
      <h2 id="mfa-title">Two-factor authentication</h2>
      <ShownOnce codes={codes} onDone={() => setCodes(null)} />
    </section>
  );
  return (
    <section aria-labelledby="mfa-title">
      <h2 id="mfa-title">Two-factor authentication</h2>
      {status?.enabled ? (
        <p>On: signing in asks for a code from your authenticator app. <strong>{status.recovery_codes_left}</strong> recovery code{status.recovery_codes_left === 1 ? "" : "s"} left.</p>
      ) : (
        <p className="muted">Off. With it on, signing in also asks for a code from an authenticator app on your phone. Turning it on or off signs you out everywhere else.</p>
      )}

      {!status?.enabled && !setup && mode !== "password" && (
        <button className="primary" onClick={() => { setMode("password"); start.reset(); }}>Set up two-factor authentication</button>
      )}
      {!status?.enabled && !setup && mode === "password" && (
        <form onSubmit={on(() => start.mutate())} noValidate>
          <Field label="Your password" hint="Asked again before an authenticator is added to your account." error={errorAt(start.error, "password")}>
            <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} autoFocus />
          </Field>
          <FormError error={elsewhere(start.error, ["password"])} />
          <div className="actions">
            <button className="primary" disabled={!password || start.isPending}>Continue</button>
            <button type="button" onClick={reset}>Cancel</button>
          </div>
        </form>
      )}
      {setup && (
        <form onSubmit={on(() => confirm.mutate())} noValidate>
          <p>Scan this QR code with your authenticator app (or type the secret), then type the code it shows.</p>
          <QrCode uri={setup.otpauth_uri} />
          <p>Secret for manual entry (account {setup.account}, issuer {setup.issuer}): <code className="mono" aria-label="Secret">{setup.secret}</code></p>
          <Field label="Code from your app" error={errorAt(confirm.error, "code")}>
            <input inputMode="numeric" autoComplete="one-time-code" maxLength={8} value={code} onChange={(e) => setCode(e.target.value)} autoFocus />
          </Field>
          <FormError error={elsewhere(confirm.error, ["code"])} />
          <div className="actions">
            <button className="primary" disabled={!code.trim() || confirm.isPending}>Turn on</button>
            <button type="button" onClick={() => { setSetup(null); setCode(""); confirm.reset(); }}>Cancel</button>
          </div>
        </form>
      )}

      {status?.enabled && mode === "idle" && (
        <div className="actions">
          <button onClick={() => { setMode("regenerate"); regenerate.reset(); }}>New recovery codes</button>
          <button className="danger" onClick={() => { setMode("disable"); disable.reset(); }}>Turn off</button>
        </div>
      )}
      {status?.enabled && mode === "regenerate" && (
        <form onSubmit={on(() => regenerate.mutate())} noValidate>
          <p className="muted">New codes replace all of your recovery codes: the old ones stop working.</p>
          <Field label="Code from your app" error={errorAt(regenerate.error, "code")}>
            <input inputMode="numeric" autoComplete="one-time-code" maxLength={8} value={code} onChange={(e) => setCode(e.target.value)} autoFocus />
          </Field>
          <FormError error={elsewhere(regenerate.error, ["code"])} />
          <div className="actions">
            <button className="primary" disabled={!code.trim() || regenerate.isPending}>Make new codes</button>
            <button type="button" onClick={reset}>Cancel</button>
          </div>
        </form>
      )}
      {status?.enabled && mode === "disable" && (
        <form onSubmit={on(() => disable.mutate())} noValidate>
          <p className="muted">Turning it off signs you out everywhere else. An organization that requires it refuses you until it is on again.</p>
          <Field label="Your password" error={errorAt(disable.error, "password")}>
            <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} autoFocus />
          </Field>
          <Field key={useRecovery ? "r" : "c"} label={useRecovery ? "Recovery code" : "Code from your app"}
            error={errorAt(disable.error, useRecovery ? "recovery_code" : "code")}>
            {useRecovery
              ? <input autoComplete="off" spellCheck={false} value={code} onChange={(e) => setCode(e.target.value)} />
              : <input inputMode="numeric" autoComplete="one-time-code" maxLength={8} value={code} onChange={(e) => setCode(e.target.value)} />}
          </Field>
          <FormError error={elsewhere(disable.error, ["password", "code", "recovery_code"])} />
          <div className="actions">
            <button className="danger" disabled={!password || !code.trim() || disable.isPending}>Turn off two-factor authentication</button>
            <button type="button" className="link" onClick={() => { setUseRecovery(!useRecovery); setCode(""); disable.reset(); }}>
              {useRecovery ? "Use a code from your app" : "Use a recovery code"}
            </button>
            <button type="button" onClick={reset}>Cancel</button>
          </div>
        </form>
      )}
    </section>
  );
}
