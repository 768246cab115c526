// An audit event (chalicelib/audit: "<thing>.<what happened>", its target and details) as a sentence
// with a link to what it is about, instead of "deployment.rollback_pending deployment dep_01m8…".
import type { AuditEvent } from "../api/models";
import { statusWords } from "../components/StatusBadge";

/** verb, then `what` (a link to `to` when there is one), then `after`; `extra` is the detail. */
export interface AuditSentence { verb: string; what: string; to: string | null; after: string; extra: string | null }

const VERBS: Record<string, string> = {
  create: "created", update: "changed", delete: "deleted", deleted: "finished deleting", put: "set", run: "ran",
  join: "joined", invite: "invited", uninvite: "revoked the invitation of", remove: "removed", role: "changed the role of",
  verify: "verified", rotate: "rotated the secret of", rotate_secret: "rotated the secret of", link: "linked",
  unlink: "unlinked", apply: "applied a config file to", clone: "cloned", retire: "retired", open: "opened",
  resolve: "resolved", teardown_failed: "could not tear down", delete_retry: "retried deleting", cancel_requested: "asked to cancel", signup: "signed up",
  suspend: "suspended", suspended: "finished suspending", resumed: "resumed",
};
const NOUNS: Record<string, string> = {
  aws_account: "AWS account", alert_rules: "alert rules of", alert: "alert on", hook: "webhook of project", token: "API token",
  notification: "notification", member: "member", secret: "secret", domain: "domain of",
};

// A deployment's move to a status (chalicelib/lifecycle writes "deployment.<status>").
const MOVED: Record<string, string> = {
  awaiting_approval: "is waiting for approval", queued: "was approved",
  building: "is building", provisioning: "is provisioning", deploying: "is rolling out", live: "went live", failed: "failed",
  rollback_pending: "failed: rollback pending", rolling_back: "is rolling back", rolled_back: "was rolled back",
  superseded: "was superseded", cancelled: "was cancelled",
};

const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");

/** A search hit's audit title ("<action> <target type> <target id>", maybe with <mark>s) as a sentence. */
export function auditHitWords(org: string, title: string): string {
  const plain = title.replace(/<\/?mark>/g, "");
  const m = /^([a-z_]+\.[a-z_]+) ([a-z_]+) (\S+)$/.exec(plain);
  if (!m) return plain;
  const w = auditWords(org, { id: "", actor: "", action: m[1]!, target_type: m[2]!, target_id: m[3]!, source_ip: "", created: "", details: {} });
  return [w.verb, w.what].filter(Boolean).join(" ") + w.after;
}

/** Where the event's target is shown (null: nowhere to go). */
export function targetPath(org: string, e: AuditEvent): string | null {
  const d = e.details;
  switch (e.target_type) {
    case "deployment": return `/orgs/${org}/deployments/${e.target_id}`;
    case "service": return `/orgs/${org}/services/${e.target_id}${e.action.startsWith("secret.") ? "/variables" : e.action === "service.run" ? "/runs" : ""}`;
    case "project": return `/orgs/${org}/projects/${e.target_id}`;
    case "environment": return d.project_id ? `/orgs/${org}/projects/${str(d.project_id)}` : null;
    case "aws_account": return `/orgs/${org}/aws-accounts`;
    case "registry": return `/orgs/${org}/registries`;
    // a deleted group's page is gone: the list
    case "env_group": return e.action === "env_group.delete" || !(d.name || d.group)
      ? `/orgs/${org}/env-groups` : `/orgs/${org}/env-groups/${str(e.action.includes(".secret_") ? d.group : d.name)}`;
    case "invitation": case "membership": case "member": case "user": return e.action === "user.signup" ? null : `/orgs/${org}/members`;
    default: return null;
  }
}

/** The event in words: `names` gives services and projects by id (the events of most carry none). */
export function auditWords(org: string, e: AuditEvent, names: Record<string, string> = {}): AuditSentence {
  const d = e.details;
  const [thing = "", happened = ""] = e.action.split(/\.(.*)/s);
  const to = targetPath(org, e);
  if (thing === "deployment") {
    // newer events name the service ("web #2"); older ones only the number
    const what = d.number == null ? "a deployment" : `${d.service ? str(d.service) : "deployment"} #${str(d.number)}`;
    if (happened === "create") return { verb: "started", what, to, after: "", extra: d.rollback_of ? "a rollback" : d.restart_of ? "a restart" : d.resume_of ? "a resume" : str(d.image) || null };
    if (happened === "cancel_requested") return { verb: "asked to cancel", what, to, after: "", extra: null };
    return { verb: "", what, to, after: ` ${MOVED[happened] ?? statusWords(happened)}`, extra: str(d.reason) || null };
  }
  if (e.action === "user.signup") return { verb: "signed up", what: "", to: null, after: "", extra: null };
  if (e.action === "member.join") return { verb: "joined the organization", what: "", to: null, after: "", extra: d.role ? `as ${str(d.role)}` : null };
  if (e.action === "resource.link" || e.action === "resource.unlink") {
    const res = str(d.resource) || "a resource";
    const service = `service ${names[e.target_id] ?? ""}`.trim();
    return happened === "link"
      ? { verb: `linked ${res} to`, what: service, to, after: "", extra: d.variable ? `as ${str(d.variable)}` : null }
      : { verb: `unlinked ${res} from`, what: service, to, after: "", extra: null };
  }
  if (thing === "secret") {
    return { verb: VERBS[happened] ?? happened, what: `secret ${str(d.name)}`, to, after: "", extra: d.version ? `v${str(d.version)}` : null };
  }
  if (e.action === "service.update" && Array.isArray(d.fields)) {
    return { verb: "changed", what: `service ${names[e.target_id] ?? ""}`.trim(), to, after: "", extra: (d.fields as unknown[]).map(str).join(", ") };
  }
  if (e.action === "aws_account.verify") {
    // a verify that found the role broken is recorded too: "verified" alone said the opposite
    const ok = d.status !== "broken";
    return { verb: ok ? "verified" : "could not verify", what: `AWS account ${str(d.name)}`.trim(), to, after: "", extra: ok ? null : str(d.reason) || null };
  }
  if (thing === "registry") {
    // registry.credentials_set / registry.credentials_delete (never the password)
    const set = happened === "credentials_set";
    return { verb: set ? "set the credentials for" : "removed the credentials for", what: `registry ${str(d.host) || e.target_id}`, to, after: "",
      extra: set && d.username ? `as ${str(d.username)}${d.version ? ` (v${str(d.version)})` : ""}` : null };
  }
  if (thing === "env_group") {
    // env_group.secret_set / secret_delete (never the value), create / update / delete
    if (happened === "secret_set" || happened === "secret_delete") {
      return { verb: happened === "secret_set" ? "set" : "deleted", what: `secret ${str(d.name)} of environment group ${str(d.group)}`.trim(), to, after: "",
        extra: happened === "secret_set" && d.version ? `v${str(d.version)}` : null };
    }
    const fields = Array.isArray(d.fields) ? (d.fields as unknown[]).map(str).join(", ") : "";
    const vars = Array.isArray(d.variables) && happened === "create" && d.variables.length ? `variables ${(d.variables as unknown[]).map(str).join(", ")}` : "";
    return { verb: VERBS[happened] ?? happened, what: `environment group ${str(d.name)}`.trim(), to, after: "", extra: fields || vars || null };
  }
  const name = str(d.name) || str(d.email) || names[e.target_id] || "";
  const noun = NOUNS[thing] ?? thing.replace(/_/g, " ");
  const what = `${noun} ${name}`.trim();
  const verb = VERBS[happened];
  if (!verb) return { verb: "", what, to, after: `: ${statusWords(happened)}`, extra: null };   // e.g. resource.available
  const role = str(d.role);
  // a failed teardown, or its retry: why, in AWS's words
  return { verb, what, to, after: "", extra: role ? `as ${role}` : str(d.error) || null };
}
