import { useEffect, useRef } from "react";

/** An e-mailed link's page (/verify-email, /confirm-email-change) sends its token once on opening: a
 * link works once, and StrictMode runs an effect twice in development (the ref survives that second
 * run). A new token in the address is sent too; no token, nothing. */
export function useSentOncePerToken(token: string, send: () => void): void {
  const asked = useRef("");
  useEffect(() => {
    if (!token || asked.current === token) return;
    asked.current = token;
    send();
  }, [token, send]);
}
