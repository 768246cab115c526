import { useState, type FormEvent } from "react";
import { useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { Invitation, Role } from "../api/models";
import { keys, useCan, useInvitations, useMe, useMembers } from "../api/queries";
import { Empty, ErrorNote } from "../components/Empty";
import { Field } from "../components/Field";
import { InlineQuestion } from "../components/InlineQuestion";

const ROLES: Role[] = ["owner", "admin", "developer", "viewer"];

export default function MembersPage() {
  const { org = "" } = useParams();
  const me = useMe();
  const myRole = me.data?.organizations.find((o) => o.id === org)?.role;
  const manager = myRole === "owner" || myRole === "admin";
  const members = useMembers(org);
  const invitations = useInvitations(org, manager);
  const qc = useQueryClient();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("developer");
  const [sent, setSent] = useState<Invitation | null>(null);
  const invite = useMutation({
    mutationFn: () => unwrap<Invitation>(api.POST("/v1/orgs/{org}/members", { params: { path: { org } }, body: { email, role } })),
    onSuccess: (inv) => { setSent(inv); setEmail(""); void qc.invalidateQueries({ queryKey: keys.invitations(org) }); },
  });
  const change = useMutation({
    mutationFn: ({ user, role }: { user: string; role: Role }) =>
      unwrap(api.PATCH("/v1/orgs/{org}/members/{user}", { params: { path: { org, user } }, body: { role } })),
    onSettled: () => void qc.invalidateQueries({ queryKey: keys.members(org) }),
  });
  const err = invite.error instanceof ApiError ? invite.error : null;
  // the last invitation's note goes: it must not stand next to this one's error
  const submit = (e: FormEvent) => { e.preventDefault(); setSent(null); invite.mutate(); };
  return (
    <section className="narrow">
      <h1>Members</h1>
      <p className="muted">Owners manage everything; admins manage projects; developers deploy and set secrets; viewers read.</p>
      <RequireMfa org={org} required={Boolean(me.data?.organizations.find((o) => o.id === org)?.require_mfa)} />
      {manager && (
        <form className="inline-form" onSubmit={submit} noValidate>
          <Field label="Invite by email" error={err?.forField("email")}><input type="email" value={email} onChange={(e) => setEmail(e.target.value)} /></Field>
          <Field label="Role" error={err?.forField("role")}>
            <select value={role} onChange={(e) => setRole(e.target.value as Role)}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
          </Field>
          <button className="primary" disabled={!email || invite.isPending}>Invite</button>
        </form>
      )}
      {/* at a field when it names one; else here (a network failure too, which is no ApiError) */}
      <ErrorNote error={err && (err.forField("email") || err.forField("role")) ? null : invite.error} />
      {sent && (
        <p className="notice" role="status">
          Invitation for <strong>{sent.email}</strong> ({sent.role}) is pending: it becomes a membership when that address signs up or signs in.
        </p>
      )}
      <ErrorNote error={members.error ?? change.error} />
      <table className="table" aria-label="Members">
        <thead><tr><th>Email</th><th>Role</th></tr></thead>
        <tbody>
          {members.data?.items.map((m) => (
            <tr key={m.user.id}><td>{m.user.email}</td>
              <td>{manager ? (
                <select aria-label={`Role of ${m.user.email}`} value={m.role} onChange={(e) => change.mutate({ user: m.user.id, role: e.target.value as Role })}>
                  {ROLES.map((r) => <option key={r}>{r}</option>)}
                </select>
              ) : m.role}</td></tr>
          ))}
        </tbody>
      </table>
      {manager && <Invitations org={org} items={invitations.data?.items} error={invitations.error} />}
    </section>
  );
}

/** Pending invitations, each revocable after a confirmation. */
function Invitations({ org, items, error }: { org: string; items: Invitation[] | undefined; error: unknown }) {
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState<string | null>(null);
  const revoke = useMutation({
    mutationFn: (invitation: string) =>
      unwrap(api.DELETE("/v1/orgs/{org}/invitations/{invitation}", { params: { path: { org, invitation } } })),
    onSuccess: () => setConfirming(null),
    onSettled: () => void qc.invalidateQueries({ queryKey: keys.invitations(org) }),
  });
  return (
    <>
      <h2>Invitations</h2>
      <ErrorNote error={error ?? revoke.error} />
      {items && items.length === 0 && <Empty title="No pending invitations">Invite someone by email above.</Empty>}
      {items && items.length > 0 && (
        <table className="table" aria-label="Invitations">
          <thead><tr><th>Email</th><th>Role</th><th>Status</th><th className="hide-narrow">Expires</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.id}>
                <td>{i.email}</td><td className="nowrap">{i.role}</td>
                <td><span className={`badge badge-${i.status === "pending" ? "busy" : "idle"}`} data-status={i.status}>{i.status}</span></td>
                <td className="hide-narrow muted">{new Date(i.expires).toLocaleDateString()}</td>
                <td>
                  {confirming === i.id ? (
                    <InlineQuestion className="confirm" label={`Revoke the invitation for ${i.email}?`}>
                      Revoke it?{" "}
                      <button className="danger" disabled={revoke.isPending} onClick={() => revoke.mutate(i.id)}>Yes, revoke</button>{" "}
                      <button className="link" onClick={() => setConfirming(null)}>Keep</button>
                    </InlineQuestion>
                  ) : (
                    <button className="link danger" onClick={() => setConfirming(i.id)} aria-label={`Revoke the invitation for ${i.email}`}>Revoke</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The organization's two-factor policy: owners and admins switch it; everyone sees it. */
function RequireMfa({ org, required }: { org: string; required: boolean }) {
  const qc = useQueryClient();
  const manager = useCan(org)("org.write");
  const policy = useMutation({
    mutationFn: (require_mfa: boolean) => unwrap(api.PATCH("/v1/orgs/{org}", { params: { path: { org } }, body: { require_mfa } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.me }),
  });
  if (!manager) return required ? <p className="notice">This organization requires two-factor authentication of its members.</p> : null;
  return (
    <div className="field">
      <label>
        <input type="checkbox" checked={required} disabled={policy.isPending} aria-describedby="require-mfa-hint"
          onChange={(e) => policy.mutate(e.target.checked)} />{" "}
        Require two-factor authentication
      </label>
      <small id="require-mfa-hint" className="hint">
        Members without it (and their API tokens) are refused in this organization until they turn it on in their account.
      </small>
      <ErrorNote error={policy.error} />
    </div>
  );
}
