import { useNavigate } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, session, unwrap } from "../api/client";
import type { Page } from "../api/models";
import { sessionKeys, type SignInSession } from "../api/orgs";
import { clientWords } from "../lib/clientWords";
import { ago } from "../lib/format";
import { ErrorNote } from "./Empty";

/** Account page, "Where you're signed in" (GET /v1/me/sessions): each log-in session's client in words,
 * address and age, this device marked; Sign out one (this device's: a log-out) or every other one. */
export function Sessions() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const list = useQuery({ queryKey: sessionKeys.sessions, queryFn: () => unwrap<Page<SignInSession>>(api.GET("/v1/me/sessions")) });
  const refresh = () => void qc.invalidateQueries({ queryKey: sessionKeys.sessions });
  const end = useMutation({
    mutationFn: async (s: SignInSession) => {
      try {
        await unwrap(api.DELETE("/v1/me/sessions/{session}", { params: { path: { session: s.id } } }));
      } catch (e) {   // 404: ended meanwhile (expired, or signed out elsewhere): what was asked is true
        if (!(e instanceof ApiError && e.status === 404)) throw e;
      }
      return s;
    },
    onSuccess: (s) => {
      if (s.current) {   // this device's: a log-out
        session.set(null);
        qc.clear();
        navigate("/login", { replace: true, state: { signedOut: true } });
      }
    },
    onSettled: (s) => { if (!s?.current) refresh(); },
  });
  const others = useMutation({
    mutationFn: () => unwrap<{ signed_out_sessions: number }>(api.DELETE("/v1/me/sessions")),
    onSettled: refresh,
  });
  const items = list.data?.items ?? [];
  const n = others.data?.signed_out_sessions;
  return (
    <>
      <h2>Where you&apos;re signed in</h2>
      <p className="muted">Each log-in, in a browser or the CLI, until it expires or is signed out. API tokens are on their own page.</p>
      <ErrorNote error={list.error ?? end.error ?? others.error} retry={list.error ? () => void list.refetch() : undefined} />
      {items.length > 0 && (
        <div className="scroll-x">
          <table className="table sessions" aria-label="Sessions">
            <thead><tr><th>Client</th><th>Address</th><th>Signed in</th><th><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {items.map((s) => {
                const client = clientWords(s.user_agent);
                return (
                  <tr key={s.id} data-current={String(s.current)}>
                    <td title={s.user_agent ?? undefined}>
                      {client}{s.current && <> <span className="badge badge-ok">this device</span></>}
                    </td>
                    <td className="mono">{s.source_ip ?? <span className="muted">unknown</span>}</td>
                    <td className="muted"><time dateTime={s.created} title={new Date(s.created).toLocaleString()}>{ago(s.created)}</time></td>
                    <td>
                      <button type="button" className="link danger" disabled={end.isPending}
                        aria-label={s.current ? "Sign out this device" : `Sign out ${client}${s.source_ip ? ` at ${s.source_ip}` : ""}, signed in ${ago(s.created)}`}
                        onClick={() => end.mutate(s)}>Sign out</button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {items.some((s) => !s.current) && (
        <button type="button" className="danger" disabled={others.isPending} onClick={() => others.mutate()}>
          {others.isPending ? "Signing out…" : "Sign out everywhere else"}
        </button>
      )}
      {n !== undefined && (
        <p role="status" className="muted">{n ? `Signed out ${n} other session${n === 1 ? "" : "s"}.` : "No other session was signed in."}</p>
      )}
    </>
  );
}
