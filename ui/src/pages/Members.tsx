import { useState, type FormEvent } from "react";
import { useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { EmailStatus, Invitation, Member, MemberProjectRole, Page, Project, ProjectRole, Role } from "../api/models";
import { keys, useCan, useInvitations, useMe, useMembers, useProjects } from "../api/queries";
import { Empty, ErrorNote } from "../components/Empty";
import { Field, withWait } from "../components/Field";
import { ago } from "../lib/format";
import { PROJECT_ROLES } from "../lib/roles";
import { InlineQuestion } from "../components/InlineQuestion";
import { OrgSettings } from "../components/OrgSettings";

const ROLES: Role[] = ["owner", "admin", "developer", "viewer"];

export default function MembersPage() {
  const { org = "" } = useParams();
  const me = useMe();
  const mine = me.data?.organizations.find((o) => o.id === org);
  const myRole = mine?.role;
  const manager = myRole === "owner" || myRole === "admin";
  const members = useMembers(org);
  const projects = useProjects(org);
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
      <p className="muted">
        Owners manage everything; admins manage projects; developers deploy and set secrets; viewers read.
        A developer or viewer may also have a role in a project: it decides that project&apos;s work (its environments,
        services, secrets, resources and deploys) instead of their organization role, higher or lower.
      </p>
      {/* owners and admins switch it in the settings at the end */}
      {!(mine && manager) && <RequireMfa org={org} required={Boolean(mine?.require_mfa)} />}
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
          Invitation for <strong>{sent.email}</strong> ({sent.role}) is pending: it becomes a membership when the person opens the e-mail&apos;s link and signs up or signs in with that address.
          {sent.last_sent ? " An e-mail with the link to sign up went to it." : ""}
        </p>
      )}
      <ErrorNote error={members.error ?? change.error} />
      <table className="table" aria-label="Members">
        <thead><tr><th>Email</th><th>Role</th><th>Project roles</th></tr></thead>
        <tbody>
          {members.data?.items.map((m) => (
            <tr key={m.user.id}><td>{m.user.email}{m.user.email_verified === false && <> <small className="muted">(address not confirmed)</small></>}</td>
              <td>{manager ? (
                <select aria-label={`Role of ${m.user.email}`} value={m.role} onChange={(e) => change.mutate({ user: m.user.id, role: e.target.value as Role })}>
                  {ROLES.map((r) => <option key={r}>{r}</option>)}
                </select>
              ) : m.role}</td>
              <td><ProjectRoles org={org} m={m} manager={manager} projects={projects.data?.items} /></td></tr>
          ))}
        </tbody>
      </table>
      {manager && <Invitations org={org} items={invitations.data?.items} error={invitations.error} />}
      {mine && manager && <OrgSettings org={mine}><RequireMfa org={org} required={Boolean(mine.require_mfa)} /></OrgSettings>}
    </section>
  );
}

/** A member's roles in single projects ("shop: developer"), each removable by admins and owners,
 * who also add one to a developer or viewer. An owner's or admin's (kept from before a promotion)
 * is greyed: it decides nothing while they act on every project as such. */
function ProjectRoles({ org, m, manager, projects }: { org: string; m: Member; manager: boolean; projects: Project[] | undefined }) {
  const qc = useQueryClient();
  const [adding, setAdding] = useState(false);
  const who = m.user.email;
  const remove = useMutation({
    mutationFn: (project: string) =>
      unwrap<Member>(api.DELETE("/v1/orgs/{org}/members/{user}/projects/{project}", { params: { path: { org, user: m.user.id, project } } })),
    onSettled: () => void qc.invalidateQueries({ queryKey: keys.members(org) }),
  });
  const given = m.project_roles ?? [];
  const scoped = m.role === "developer" || m.role === "viewer";
  return (
    <div className="project-roles">
      {given.length > 0 && (
        <ul className="chips" aria-label={`Project roles of ${who}`}>
          {given.map((r) => <ProjectRoleChip key={r.project_id} r={r} who={who} role={m.role}
            onRemove={manager ? () => remove.mutate(r.project_id) : undefined} removing={remove.isPending} />)}
        </ul>
      )}
      {given.length === 0 && !(manager && scoped) && <span className="muted">—</span>}
      <ErrorNote error={remove.error} />
      {manager && scoped && (adding
        ? <AddProjectRole org={org} m={m} projects={projects} onDone={() => setAdding(false)} />
        : <button type="button" className="link" aria-label={`Add a project role for ${who}`} onClick={() => setAdding(true)}>Add project role</button>)}
    </div>
  );
}

function ProjectRoleChip({ r, who, role, onRemove, removing }: {
  r: MemberProjectRole; who: string; role: Role; onRemove: (() => void) | undefined; removing: boolean;
}) {
  const name = r.project ?? r.project_id;
  const why = `Does not apply: ${role}s act on every project as ${role}`;
  return (
    <li className={`badge ${r.applies ? "badge-busy" : "badge-idle project-role-inactive"}`} data-applies={String(r.applies)}
      title={r.applies ? undefined : why}>
      <span>{name}: {r.role}</span>
      {!r.applies && <span className="sr-only"> ({why.toLowerCase()})</span>}
      {onRemove && (
        <button type="button" className="link chip-remove" aria-label={`Remove ${who}'s role in ${name}`} disabled={removing}
          onClick={onRemove}>×</button>
      )}
    </li>
  );
}

/** Give a developer or viewer a role in one project (one they already have there is replaced). */
function AddProjectRole({ org, m, projects, onDone }: { org: string; m: Member; projects: Project[] | undefined; onDone: () => void }) {
  const qc = useQueryClient();
  const [project, setProject] = useState("");
  const [role, setRole] = useState<ProjectRole>("developer");
  const add = useMutation({
    mutationFn: () => unwrap<Member>(api.PUT("/v1/orgs/{org}/members/{user}/projects/{project}", {
      params: { path: { org, user: m.user.id, project } }, body: { role } })),
    onSuccess: () => { void qc.invalidateQueries({ queryKey: keys.members(org) }); onDone(); },
  });
  const err = add.error instanceof ApiError ? add.error : null;
  const atField = err && (err.forField("project") || err.forField("role"));
  const submit = (e: FormEvent) => { e.preventDefault(); add.mutate(); };
  return (
    <form className="inline-form project-role-form" onSubmit={submit} noValidate aria-label={`Project role for ${m.user.email}`}>
      <Field label="Project" error={err?.forField("project")}>
        <select value={project} onChange={(e) => setProject(e.target.value)}>
          <option value="">Choose a project</option>
          {projects?.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      </Field>
      <Field label="Role in project" error={err?.forField("role")}>
        <select value={role} onChange={(e) => setRole(e.target.value as ProjectRole)}>{PROJECT_ROLES.map((r) => <option key={r}>{r}</option>)}</select>
      </Field>
      <button className="primary" disabled={!project || add.isPending}>Add</button>
      <button type="button" className="link" onClick={onDone}>Cancel</button>
      <ErrorNote error={atField ? null : add.error} />
    </form>
  );
}

/** Pending and expired invitations: when the last e-mail went out, Resend (which renews an expired
 * one too), and Revoke after a confirmation. */
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
      {/* six columns, a badge in two: on a phone the table scrolls sideways in itself, not the page */}
      {items && items.length > 0 && (
        <div className="scroll-x">
          <table className="table invitations" aria-label="Invitations">
            <thead><tr><th>Email</th><th>Role</th><th>Status</th><th className="hide-narrow">Expires</th><th>Last sent</th><th><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.id}>
                  <td>{i.email}</td><td className="nowrap">{i.role}</td>
                  <td><span className={`badge badge-${i.status === "pending" ? "busy" : "idle"}`} data-status={i.status}>{i.status}</span></td>
                  <td className="hide-narrow muted">{new Date(i.expires).toLocaleDateString()}</td>
                  <td className="muted"><LastSent i={i} /></td>
                  <td>
                    {(i.status === "pending" || i.status === "expired") && confirming !== i.id && <Resend org={org} i={i} />}
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
        </div>
      )}
    </>
  );
}

/** The badge of an e-mail that did not reach its person (others: none). */
const UNDELIVERED: Partial<Record<EmailStatus, string>> = { failed: "not delivered", bounced: "bounced", complained: "complained" };
const NOT_SENT = "not sent: ";

function LastSent({ i }: { i: Invitation }) {
  if (!i.last_sent) return <span data-last-sent="never">never</span>;
  const sends = i.sends ? `${i.sends} e-mail${i.sends === 1 ? "" : "s"} sent, the last ` : "sent ";
  const when = <time dateTime={i.last_sent} title={sends + new Date(i.last_sent).toLocaleString()} data-last-sent={i.last_sent}>{ago(i.last_sent)}</time>;
  // an e-mail SES refused (or never reached), that bounced or was marked as spam would leave the
  // person waiting: say so, with the reason (SES's, the receiving server's words, the complaint's)
  const st = i.email_status;
  const badge = st && UNDELIVERED[st.status];
  if (!st || !badge) return when;
  // "not sent: ADDRESS bounced on …": SES was not asked, the address is held back; the row names it already
  const held = st.status === "failed" && st.error?.startsWith(NOT_SENT);
  let why = held ? st.error!.slice(NOT_SENT.length) : st.error;
  if (held && why!.toLowerCase().startsWith(i.email.toLowerCase() + " ")) why = "the address" + why!.slice(i.email.length);
  return (
    <>{when} <span className="badge badge-bad" data-email-status={st.status}>{held ? "not sent" : badge}</span>
      {why && <><span className="sr-only">: </span><br /><small data-email-error>{why}</small></>}</>
  );
}

/** E-mail the invitation again (an expired one is renewed for 14 days): the row becomes the answer.
 * Refused (429) when the last e-mail went out under a minute ago: when to try again is said. */
function Resend({ org, i }: { org: string; i: Invitation }) {
  const qc = useQueryClient();
  const resend = useMutation({
    mutationFn: () => unwrap<Invitation>(api.POST("/v1/orgs/{org}/invitations/{invitation}/resend", { params: { path: { org, invitation: i.id } } })),
    onSuccess: (sent) => qc.setQueryData<Page<Invitation>>(keys.invitations(org), (page) =>
      page && { ...page, items: page.items.map((x) => (x.id === sent.id ? { ...x, ...sent } : x)) }),
  });
  return (
    <span className="resend">
      <button className="link" disabled={resend.isPending} onClick={() => resend.mutate()} aria-label={`Resend the invitation for ${i.email}`}>
        {resend.isPending ? "Sending…" : "Resend"}
      </button>{" "}
      {resend.isSuccess && <span className="muted" role="status">Sent.</span>}
      {resend.error != null && <small className="error" role="alert">{withWait(resend.error)}</small>}
    </span>
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
