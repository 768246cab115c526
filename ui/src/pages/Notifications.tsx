import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import {
  EVENTS, gitKeys, isSettled, subscriptionTitle, useNotifyDeliveries, useSubscriptions, type NotifyDelivery, type NotifyKind, type Subscription,
} from "../api/git";
import { useProject } from "../api/queries";
import { Empty, ErrorNote, Loading } from "../components/Empty";
import { Field, FormError, useFocusFirstError } from "../components/Field";
import { ConfirmDialog, CopyButton, CopyValue } from "../components/GitBits";
import { ago } from "../lib/format";
import { EVENT_WORDS, eventsText, notifyDeliveryWords, VERIFY_SNIPPET } from "../lib/gitWords";

/** A project's notification subscriptions (signed webhooks, Slack, Teams, e-mail to members) with their delivery logs. */
export default function Notifications() {
  const { org = "", project = "" } = useParams();
  const proj = useProject(org, project);
  const subs = useSubscriptions(org, project);
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<Subscription | null>(null);
  const ctx = { org, project, showSecret: setSecret };
  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={`/orgs/${org}`}>Projects</Link> / <Link to={`/orgs/${org}/projects/${project}`}>{proj.data?.name ?? "…"}</Link> / <span>Notifications</span>
      </nav>
      <div className="heading">
        <h1>Notifications</h1>
        <button className="primary" onClick={() => setAdding((a) => !a)} aria-expanded={adding}>Add a subscription</button>
      </div>
      <p className="muted">Deployment and preview events go to a webhook (JSON signed with HMAC-SHA256), a Slack or Microsoft Teams incoming webhook, or by e-mail to members of the organization. A delivery that fails is tried up to six times over about four minutes.</p>
      {adding && <SubscriptionForm ctx={ctx} onDone={() => setAdding(false)} />}
      {secret?.secret && <SecretOnce sub={secret} onDone={() => setSecret(null)} />}
      {subs.isPending && <Loading what="subscriptions" />}
      <ErrorNote error={subs.error} retry={() => void subs.refetch()} />
      {subs.data?.items.length === 0 && !adding && (
        <Empty title="No subscriptions yet">Add one to hear when a deploy starts, goes live, fails or is rolled back, and when previews come and go.</Empty>
      )}
      {subs.data?.items.map((s) => <SubscriptionCard key={s.id} ctx={ctx} sub={s} />)}
    </section>
  );
}

interface Ctx { org: string; project: string; showSecret: (s: Subscription) => void }

/** The signing secret, this once, with how a receiver checks the signature. */
function SecretOnce({ sub, onDone }: { sub: Subscription; onDone: () => void }) {
  return (
    <div className="panel secret-once" role="region" aria-label="Signing secret">
      <p><strong>Signing secret of {subscriptionTitle(sub)}.</strong> Copy it now: it is shown only once (Rotate secret makes a new one).</p>
      <CopyValue label="Signing secret" value={sub.secret ?? ""} />
      <p>
        Each request carries <code>Launchbay-Signature: t=&lt;unix time&gt;,v1=&lt;hex HMAC-SHA256 of &quot;t.body&quot;&gt;</code>,{" "}
        <code>Launchbay-Event</code> and <code>Launchbay-Delivery</code> (the same on every retry: deduplicate on it). Check the signature on the raw body, before parsing:
      </p>
      <pre className="snippet" aria-label="Verification code">{VERIFY_SNIPPET}</pre>
      <div className="actions">
        <CopyButton text={VERIFY_SNIPPET} label="verification code" />
        <button onClick={onDone}>I have copied it</button>
      </div>
    </div>
  );
}

interface FormValues { kind: NotifyKind; url: string; emails: string; name: string; all: boolean; events: string[] }

const eventsBody = (v: FormValues) => (v.all ? ["*"] : EVENTS.filter((e) => v.events.includes(e)));

export const MAX_EMAILS = 10;

/** The addresses typed one a line (commas, semicolons and spaces separate too), each once. */
export function parseEmails(text: string): string[] {
  const seen = new Set<string>();
  return text.split(/[\s,;]+/).filter((a) => a && !seen.has(a.toLowerCase()) && seen.add(a.toLowerCase()));
}

/** What the browser refuses before sending: no address, or more than the API takes. */
export function emailsProblem(emails: string[]): string | undefined {
  if (emails.length === 0) return "Add at least one address.";
  if (emails.length > MAX_EMAILS) return `At most ${MAX_EMAILS} addresses (this list has ${emails.length}).`;
  return undefined;
}


/** Add (kind, URL or addresses, name, events) or edit (URL only when given, addresses, name, events:
 * the changed fields are sent). */
function SubscriptionForm({ ctx, sub, onDone }: { ctx: Ctx; sub?: Subscription; onDone: () => void }) {
  const qc = useQueryClient();
  const initial: FormValues = {
    kind: sub?.kind ?? "webhook", url: "", emails: (sub?.emails ?? []).join("\n"), name: sub?.name ?? "", all: sub ? sub.events.includes("*") : true,
    events: sub && !sub.events.includes("*") ? sub.events : ["deployment.live", "deployment.failed", "deployment.rolled_back", "alert.opened"],
  };
  const [v, setV] = useState(initial);
  // the addresses' own check, made on submit and then again as they are typed
  const [emailsChecked, setEmailsChecked] = useState(false);
  const [tries, setTries] = useState(0);
  const email = v.kind === "email";
  const emails = parseEmails(v.emails);
  const path = { org: ctx.org, project: ctx.project };
  const save = useMutation({
    mutationFn: () => {
      if (!sub) {
        const target = email ? { emails } : { url: v.url.trim() };
        return unwrap<Subscription>(api.POST("/v1/orgs/{org}/projects/{project}/notifications", {
          params: { path }, body: { kind: v.kind, ...target, name: v.name.trim(), events: eventsBody(v) },
        }));
      }
      const body: { url?: string; emails?: string[]; name?: string; events?: string[] } = {};
      if (!email && v.url.trim()) body.url = v.url.trim();
      if (email && JSON.stringify(emails) !== JSON.stringify(parseEmails(initial.emails))) body.emails = emails;
      if (v.name.trim() !== sub.name) body.name = v.name.trim();
      if (JSON.stringify(eventsBody(v)) !== JSON.stringify(eventsBody(initial))) body.events = eventsBody(v);
      return unwrap<Subscription>(api.PATCH("/v1/orgs/{org}/projects/{project}/notifications/{sub}", {
        params: { path: { ...path, sub: sub.id } }, body,
      }));
    },
    onSuccess: (s) => {
      void qc.invalidateQueries({ queryKey: gitKeys.subs(ctx.org, ctx.project) });
      if (s.secret) ctx.showSecret(s);
      onDone();
    },
  });
  const err = save.error instanceof ApiError ? save.error : null;
  const onField = ["kind", "url", "emails", "name", "events"];
  const toggle = (e: string, on: boolean) => setV((o) => ({ ...o, events: on ? [...o.events, e] : o.events.filter((x) => x !== e) }));
  const emailsError = email && emailsChecked ? emailsProblem(emails) : undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (email && emailsProblem(emails)) {
      setEmailsChecked(true);
      save.reset();
      setTries((n) => n + 1);
      return;
    }
    save.mutate();
  };
  const label = sub ? `Edit ${subscriptionTitle(sub)}` : "Add a subscription";
  const ref = useFocusFirstError<HTMLFormElement>(save.error, tries);
  return (
    <form ref={ref} className="card notify-form" onSubmit={submit} aria-label={label} noValidate>
      {!sub && (
        <Field label="Kind" error={err?.forField("kind")}>
          <select value={v.kind} onChange={(e) => setV({ ...v, kind: e.target.value as NotifyKind })}>
            <option value="webhook">Webhook (JSON, signed)</option>
            <option value="slack">Slack incoming webhook</option>
            <option value="teams">Microsoft Teams (Workflows webhook)</option>
            <option value="email">E-mail to members</option>
          </select>
        </Field>
      )}
      {email ? (
        <Field label="Addresses" error={emailsError ?? err?.forField("emails")}
          hint={`One a line, 1 to ${MAX_EMAILS}: each the e-mail address of a member of this organization.${sub ? " The list replaces the current one." : ""}`}>
          <textarea value={v.emails} onChange={(e) => setV({ ...v, emails: e.target.value })} rows={Math.min(MAX_EMAILS, Math.max(3, emails.length + 1))}
            autoComplete="off" spellCheck={false} className="mono" />
        </Field>
      ) : (
        <Field label="URL" error={err?.forField("url")}
          hint={sub ? `Now ${sub.url_hint}; leave empty to keep it.` : v.kind === "slack" ? "https://hooks.slack.com/services/…" : v.kind === "teams" ? "The Workflows webhook's https:// URL (\"When a Teams webhook request is received\")" : "An https:// address on the internet (http://127.0.0.1:PORT in local mode)."}>
          <input value={v.url} onChange={(e) => setV({ ...v, url: e.target.value })} autoComplete="off" className="mono" inputMode="url" />
        </Field>
      )}
      <Field label="Name" hint="Optional, to tell subscriptions apart." error={err?.forField("name")}>
        <input value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} autoComplete="off" />
      </Field>
      <fieldset className={"events" + (err?.forField("events") ? " field-error" : "")}>
        <legend>Events</legend>
        <label className="check"><input type="checkbox" checked={v.all} onChange={(e) => setV({ ...v, all: e.target.checked })} /> All events, including ones added later</label>
        {!v.all && EVENTS.map((e) => (
          <label key={e} className="check">
            <input type="checkbox" checked={v.events.includes(e)} onChange={(x) => toggle(e, x.target.checked)} /> <span className="mono">{e}</span> <small className="muted">{EVENT_WORDS[e]}</small>
          </label>
        ))}
        {err?.forField("events") && <small className="error" role="alert">{err.forField("events")}</small>}
      </fieldset>
      {err && !onField.some((f) => err.forField(f)) && <FormError error={err} />}
      {save.error && !err && <FormError error={save.error} />}
      <div className="actions">
        <button className="primary" disabled={save.isPending}>{sub ? "Save changes" : "Subscribe"}</button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

type Asking = "delete" | "rotate" | null;

const KIND_WORDS: Record<NotifyKind, string> = { webhook: "Webhook, signed", slack: "Slack", teams: "Microsoft Teams", email: "E-mail" };

function SubscriptionCard({ ctx, sub }: { ctx: Ctx; sub: Subscription }) {
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [asking, setAsking] = useState<Asking>(null);
  const [log, setLog] = useState(false);
  const [tested, setTested] = useState(false);
  const path = { org: ctx.org, project: ctx.project, sub: sub.id };
  const refresh = () => void qc.invalidateQueries({ queryKey: gitKeys.subs(ctx.org, ctx.project) });
  const toggle = useMutation({
    mutationFn: () => unwrap<Subscription>(api.PATCH("/v1/orgs/{org}/projects/{project}/notifications/{sub}", { params: { path }, body: { enabled: !sub.enabled } })),
    onSuccess: refresh,
  });
  const test = useMutation({
    mutationFn: () => unwrap<NotifyDelivery>(api.POST("/v1/orgs/{org}/projects/{project}/notifications/{sub}/test", { params: { path } })),
    onSuccess: () => {
      setLog(true);
      setTested(true);
      void qc.invalidateQueries({ queryKey: gitKeys.deliveries(ctx.org, ctx.project, sub.id) });
    },
  });
  const rotate = useMutation({
    mutationFn: () => unwrap<Subscription>(api.POST("/v1/orgs/{org}/projects/{project}/notifications/{sub}/rotate-secret", { params: { path } })),
    onSuccess: (s) => { setAsking(null); ctx.showSecret(s); refresh(); },
  });
  const remove = useMutation({
    mutationFn: () => unwrap<null>(api.DELETE("/v1/orgs/{org}/projects/{project}/notifications/{sub}", { params: { path } })),
    onSuccess: () => { setAsking(null); refresh(); },
  });
  const title = subscriptionTitle(sub);
  const to = sub.kind === "email" ? (sub.emails ?? []).join(", ") : sub.url_hint;
  return (
    <article className="card notify-sub" aria-label={title} data-subscription={sub.id}>
      <div className="heading">
        <h2>{title}</h2>
        <span className={`badge ${sub.enabled ? "badge-ok" : "badge-idle"}`}>{sub.enabled ? "enabled" : "disabled"}</span>
      </div>
      <p className="muted">
        {KIND_WORDS[sub.kind] ?? sub.kind} · to <span className="mono" data-to={sub.kind}>{to}</span> · {eventsText(sub.events)}
        {sub.kind === "webhook" && sub.secret_rotated ? ` · secret set ${ago(sub.secret_rotated)}` : ""}
      </p>
      <div className="row-actions">
        <button onClick={() => setEditing((e) => !e)} aria-expanded={editing}>Edit</button>
        <button onClick={() => toggle.mutate()} disabled={toggle.isPending}>{sub.enabled ? "Disable" : "Enable"}</button>
        <button onClick={() => test.mutate()} disabled={test.isPending}>Send test</button>
        {sub.kind === "webhook" && <button onClick={() => setAsking("rotate")}>Rotate secret</button>}
        <button onClick={() => setLog((l) => !l)} aria-expanded={log}>{log ? "Hide deliveries" : "Deliveries"}</button>
        <button className="danger" onClick={() => setAsking("delete")}>Delete</button>
      </div>
      <ErrorNote error={toggle.error ?? test.error} />
      {tested && <p className="notice" role="status">Test queued; its outcome shows in the deliveries below{sub.enabled ? "" : " (a test is sent even while disabled)"}.</p>}
      {editing && <SubscriptionForm ctx={ctx} sub={sub} onDone={() => setEditing(false)} />}
      {log && <DeliveryLog ctx={ctx} sub={sub} />}
      {asking === "delete" && (
        <ConfirmDialog title={`Delete ${title}?`} confirm="Delete" danger onConfirm={() => remove.mutate()} onClose={() => setAsking(null)} pending={remove.isPending}>
          <p>No more events go to <span className="mono">{to}</span>, and its delivery log goes too.</p>
          <ErrorNote error={remove.error} />
        </ConfirmDialog>
      )}
      {asking === "rotate" && (
        <ConfirmDialog title="Rotate the signing secret?" confirm="Rotate secret" onConfirm={() => rotate.mutate()} onClose={() => setAsking(null)} pending={rotate.isPending}>
          <p>The current secret stops signing at once: update the receiver with the new one, shown once next.</p>
          <ErrorNote error={rotate.error} />
        </ConfirmDialog>
      )}
    </article>
  );
}

const TONE: Record<string, string> = { delivered: "ok", failed: "bad", retrying: "warn", sending: "busy", queued: "idle" };

function DeliveryLog({ ctx, sub }: { ctx: Ctx; sub: Subscription }) {
  const deliveries = useNotifyDeliveries(ctx.org, ctx.project, sub.id);
  const items = deliveries.data?.items;
  return (
    <section aria-label={`Deliveries to ${subscriptionTitle(sub)}`}>
      {deliveries.isPending && <Loading what="deliveries" />}
      <ErrorNote error={deliveries.error} retry={() => void deliveries.refetch()} />
      {items?.length === 0 && <p className="muted">Nothing sent yet. Send test, or deploy a service of this project.</p>}
      {items && items.length > 0 && (
        <table className="table" aria-label="Deliveries">
          <thead><tr><th>When</th><th>Event</th><th>Status</th><th className="hide-narrow">Attempts</th><th>Outcome</th></tr></thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id} data-delivery={d.id}>
                <td>{ago(d.created)}</td>
                <td className="mono">{d.event}</td>
                <td>
                  <span className={`badge badge-${TONE[d.status] ?? "idle"}`} data-status={d.status}>
                    {!isSettled(d.status) && <span className="pulse" aria-hidden="true" />}{d.status}
                  </span>
                </td>
                <td className="hide-narrow">{d.attempts}</td>
                <td className={d.status === "failed" ? "reason" : undefined}>{notifyDeliveryWords(d)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
