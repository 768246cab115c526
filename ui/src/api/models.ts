// Response bodies, as the API returns them (see the note in client.ts).
import type { components } from "./schema";

export type ServiceIn = components["schemas"]["ServiceIn"];
export type ScaleAt = components["schemas"]["ScaleAt"];
export type QueueScaling = Required<components["schemas"]["QueueScaling"]>;
export type ServicePatch = components["schemas"]["ServicePatch"];
export type HealthCheck = components["schemas"]["HealthCheck"];

export interface Page<T> {
  items: T[];
  next: string | null;
}
/** `email_verified`: the address is proven (a link mailed to it was opened); invitations to it wait until then. */
export interface User { id: string; email: string; name: string; created: string; email_verified?: boolean }
export type Role = "owner" | "admin" | "developer" | "viewer";
export interface Org {
  id: string; name: string; created: string; role: Role; require_mfa?: boolean;
  /** GET /v1/me: the caller's roles in single projects, by project id (none for owners and admins) */
  project_roles?: Record<string, ProjectRole>;
}
/** A developer's or viewer's role in one project: it decides that project's work instead of their organization role. */
export type ProjectRole = "admin" | "developer" | "viewer";
/** Two-factor authentication of the signed-in user (GET /v1/me). */
export interface MfaStatus { enabled: boolean; recovery_codes_left: number }
/** GET /v1/me `email_delivery` (chalicelib/mail/feedback.py): nothing is e-mailed to the user's address
 * (a password reset they ask for excepted) since it bounced for good (`detail`: the receiving server's
 * words, "smtp; 550 5.1.1 user unknown") or they marked a Launchbay e-mail as spam (`detail`: "marked
 * as spam (abuse)"), since `since` (ISO), until they lift it (DELETE /v1/me/email-suppression) or a
 * confirmation or reset link gets through. */
export interface EmailDelivery { suppressed: true; reason: "bounce" | "complaint"; detail: string; since: string }
/** GET /v1/me `pending_email` (chalicelib/accounts/email_change.py): a change of address waiting for the link
 * e-mailed to the new address (until `expires`, ISO); `email_status`: that e-mail's fate (a mistyped address bounces). */
export interface PendingEmail {
  email: string; requested: string; expires: string;
  email_status: { status: EmailStatus; error: string | null; sent: string | null } | null;
}
/** `email_delivery`: null (or absent, an API from before bounces were read) while mail reaches the address;
 * `pending_email`: null (or absent, an API from before addresses could change) while no change waits */
export interface Me { user: User; organizations: Org[]; mfa?: MfaStatus; email_delivery?: EmailDelivery | null; pending_email?: PendingEmail | null }
export interface AuthAnswer {
  token: string; user: User; organization?: Org;
  /** log-in only: the organizations whose invitations it accepted (a confirmed address's) */
  joined?: { id: string; name: string; role: Role }[];
}
/** POST /v1/auth/login with two-factor authentication on: no session yet, a challenge for the code. */
export interface MfaChallenge { mfa_required: true; mfa_token: string; expires_in: number }
export interface MfaSetup { secret: string; otpauth_uri: string; issuer: string; account: string }
export interface RecoveryCodes { recovery_codes: string[]; mfa: MfaStatus }
export interface Project { id: string; org_id: string; name: string; description: string; created: string; updated: string }
export interface Environment {
  id: string; project_id: string; name: string; domain_suffix: string | null; env: Record<string, string>;
  /** deploys of new releases wait for an admin or owner (rollbacks and restarts do not) */
  require_approval?: boolean; prevent_self_approval?: boolean;
  /** another environment's name: each new release that goes live here is promoted there by itself; null: none */
  promote_to?: string | null;
  /** while a deploy freeze lasts (set by hand, or an open freeze window's): new releases are refused there; null: none */
  freeze?: Freeze | null;
  /** recurring deploy freezes (at most 10) */
  freeze_windows?: FreezeWindow[];
  /** when the next window opens, while not frozen now (ISO times); null: no windows, or frozen */
  next_freeze?: { starts: string; until: string; reason: string } | null;
  /** when its services sleep (at most 10): suspended when a window opens, resumed when it closes */
  sleep_windows?: SleepWindow[];
  /** while its services sleep (an open sleep window): until when (ISO) and why; null: awake */
  sleeping?: { until: string; reason: string } | null;
  /** when its services next go to sleep and wake (ISO times), while awake; null: no windows, or asleep */
  next_sleep?: { starts: string; until: string; reason: string } | null;
  /** only clients from these CIDR blocks (IPv4 or IPv6, at most 4; "192.0.2.1" is written
   * "192.0.2.1/32") reach its web services that set no `allowed_ips` of their own (a service's own
   * list wins), the others get the load balancer's 404; null or []: everyone. Applies with each
   * service's next deploy */
  allowed_ips?: string[] | null;
  /** its services' outbound traffic leaves from one Elastic IP (a NAT gateway; README "Static
   * outbound IP"), from each service's next deploy; owners and admins turn it on and off */
  static_egress?: boolean;
  /** the Elastic IP(s) once a deploy made the NAT gateway ([] before; while turned off, until released) */
  egress_ips?: string[];
  /** the environment's egress in the API's words ("outbound traffic leaves from 3.120.45.7") */
  egress?: string;
}
/** A deploy freeze: why, until when (ISO; null: until lifted), who froze it and when; a freeze
 * window's has `by` "freeze window" and the `window`. */
export interface Freeze { reason: string; until: string | null; by: string; at: string; window?: FreezeWindow }
/** A recurring deploy freeze (chalicelib/catalog/freeze_windows.py): `start` and `end` are five
 * cron fields read in the IANA `timezone`. */
export type FreezeWindow = Required<components["schemas"]["FreezeWindowIn"]>;
/** A window of an environment's sleep schedule (chalicelib/deploys/sleep.py), as a freeze window;
 * the API answers its reason ("outside working hours" unless one was given). */
export type SleepWindow = Required<components["schemas"]["SleepWindowIn"]>;

/** A web service's canary setting (chalicelib/deploys/canary.py); the API fills in the defaults. */
export type CanarySetting = Required<Omit<components["schemas"]["Canary"], "max_p95_ms" | "ramp" | "baseline">> & {
  /** the 5xx limit counts points above the live release's own share over the same minutes (absent: false) */
  baseline?: boolean;
  /** the p95 response time, in ms, above which a canary also fails (null or absent: not judged) */
  max_p95_ms?: number | null;
  /** larger shares after `percent`, each a stage watched `minutes` with the same limits (e.g. [25, 50]:
   * 10 % -> 25 % -> 50 %, then every task); [] or absent (a setting from before ramps): one stage */
  ramp?: number[];
};

export type ServiceStatus = "new" | "deploying" | "live" | "failed" | "suspending" | "suspended" | "deleting" | "deleted";
export type Kind = "web" | "worker" | "cron";
export interface Service {
  id: string; org_id: string; project_id: string; environment_id: string | null; environment: string | null;
  name: string; kind: Kind; image: string | null; port: number | null; command: string[] | null;
  /** run as one task of each new release before it rolls out (migrations); null: none */
  release_command?: string[] | null;
  /** built from this repository instead of an image (exactly one of image and source) */
  source?: {
    repo: string; branch: string; dockerfile: string; context: string;
    /** watch paths: a push deploys it only when it changes a file matching one (services/api/**, shared); absent: every push */
    paths?: string[] | null;
  } | null;
  cpu: number; memory: number; env: Record<string, string>; build_env: Record<string, string>;
  health_check: Required<HealthCheck> | null; min_instances: number; max_instances: number;
  schedule: string | null; domain: string | null; deregistration_delay: number;
  /** web services with a `domain`: up to 4 more host names it answers on (www.example.com), each
   * verified by its own TXT record and given its own certificate; null: none */
  aliases?: string[] | null;
  /** web services: the aliases answer a 301 to the domain (path and query kept; https:// once the
   * domain is served so) instead of serving the service; null: they serve it (false is stored as null) */
  redirect_aliases?: boolean | null;
  autoscaling: {
    cpu_target: number; requests_per_target: number | null;
    /** scheduled scaling: at each entry's time (five cron fields in its time zone) the task range becomes the entry's; absent or []: none */
    schedule?: ScaleAt[];
    /** also scale on a linked queue's backlog: about `messages_per_task` waiting messages per task on the
     * queue (the resource's name) the service links; absent or null: not */
    queue?: QueueScaling | null;
  } | null;
  /** roll a new release back by itself when one of these alerts opens within the window after it went live */
  auto_rollback?: { window_minutes: number; rules: string[] } | null;
  /** web services: each new release first answers `percent` of the traffic for `minutes`, and rolls
   * back if more than `max_5xx_percent` of its answers are 5xx; null: plain rolling deploys */
  canary?: CanarySetting | null;
  /** web services: only clients from these CIDR blocks (IPv4 or IPv6, at most 4; the API writes
   * "203.0.113.7" as "203.0.113.7/32") reach it through the load balancer, the others get its 404;
   * null or []: everyone. Applies with the next deploy */
  allowed_ips?: string[] | null;
  /** the CPU its tasks run on; null: x86_64 (the API stores x86_64 as null). Applies with the next deploy */
  architecture?: "x86_64" | "arm64" | null;
  /** run tasks on Fargate Spot: `percent` of the tasks above `on_demand_base` (always on regular Fargate,
   * placed first); null: regular Fargate only. Applies with the next deploy */
  spot?: { percent: number; on_demand_base: number } | null;
  status: ServiceStatus; live_deployment_id: string | null; live_image?: string | null; last_error?: string | null;
  /** the rules of its open alerts, e.g. ["cpu", "restarts"] */
  open_alerts?: string[];
  /** whose error `last_error` is: after a rollback the failed deployment's, not the live release's */
  last_error_deployment?: { deployment_id: string; number: number } | null;
  /** while `deleting`: how removing it from AWS goes (`failed`: why, in words; deleting it again resumes) */
  teardown?: ServiceTeardown | null;
  /** while `suspending` or `suspended`: since when, by whom (`error`: the worker is still trying); null once resumed */
  suspended?: {
    at: string; by: string; error?: string | null;
    /** put to sleep by its environment's sleep schedule: why (the window's reason) and until when (ISO) it sleeps */
    sleep?: boolean; reason?: string; until?: string | null;
  } | null;
  /** where the live release answers (web services; chalicelib/deploys/endpoints.py); null: nothing live */
  endpoints?: ServiceEndpoints | null;
  /** where the environment's other services reach it (`api.production.shop.k3x9.internal:8080`, Cloud Map);
   * null before its first release and for services with no port */
  private_address?: string | null;
  /** web services: while on, its hosts answer a 503 page with `message` from the load balancer (its
   * tasks keep running; deploys made meanwhile roll out behind the page): since when and by whom; null: off */
  maintenance?: Maintenance | null;
  /** the organization's environment groups it links, by name, in order (a later one wins; its own
   * variables and secrets win over all); null: none. Applies with the next deploy */
  env_groups?: string[] | null;
  needs_deploy: boolean; pending_changes?: string[]; created: string; updated: string; sandbox?: boolean;
}

/** A web service's maintenance mode (chalicelib/deploys/maintenance.py): the page's message (the
 * API's default when none was given), since when (kept when the message changes) and who turned it on. */
export interface Maintenance { message: string; since: string; by: string }

/** The load balancer routes by host: `host` (no public DNS) with `try`, the custom domain once verified
 * (`url`: https:// once its certificate is issued and HTTPS served, `https` says so), and the aliases'
 * addresses once routed (https:// or http://, each by its own certificate). */
export interface ServiceEndpoints {
  load_balancer: string; host: string; domain: string | null; url: string | null; try: string;
  https?: boolean; aliases?: string[];
}

/** A DNS record to create at the domain's DNS provider. */
export interface DnsRecord { name: string; type?: string; value: string }
/** One custom host name of a service (GET …/services/{svc}/domain, chalicelib/deploys/operations.py):
 * its claim and the TXT record that proves it, whether the live release routes it, whether it is
 * served over HTTPS, its certificate once a deploy requested one, and what is pending (`message`,
 * in the API's words; null: nothing). */
export interface DomainName {
  domain: string; status: "pending" | "verified" | "unclaimed" | string; routed: boolean; https?: boolean;
  /** an alias of a service whose aliases redirect: the domain its 301 sends visitors to */
  redirects_to?: string;
  verification?: DnsRecord; verified_at?: string | null; message?: string | null;
  certificate?: { arn?: string; status: string; validation_records?: DnsRecord[] | null; dns_managed?: boolean | null } | null;
}
/** The domain's state and, when the service has aliases, each alias's. POST …/domain/verify answers
 * the same shape (its aliases without `routed` and `certificate`). */
export interface DomainStatus extends DomainName { aliases?: DomainName[] }

export interface ServiceTeardown { state: "queued" | "retrying" | "failed"; error: string | null; updated: string }

export type DeployStatus =
  | "awaiting_approval" | "queued" | "building" | "provisioning" | "deploying" | "live" | "failed" | "rollback_pending"
  | "rolling_back" | "rolled_back" | "superseded" | "cancelled";
/** One status a deployment went through and when it entered it: chalicelib/lifecycle appends one
 * on every move, so a status shorter than a poll is still there. Absent on older deployments. */
export interface PhaseRecord { status: DeployStatus; at: string }
export interface StepPlan { resource?: string; action?: string; changes?: Record<string, [unknown, unknown]> }
export interface Step {
  name: string; status: string; started?: string | null; finished?: string | null;
  error?: string | null; detail?: string | null; plan?: StepPlan | null; result?: unknown;
}
/** What a deployment runs (GET …/deployments/{dep} only; the list leaves it out): the service's
 * settings and variables as they were when it was made. */
export interface DeploySpec {
  image: string | null; port: number | null; command: string[] | null; cpu: number; memory: number;
  env: Record<string, string>; health_check: { path: string; interval_seconds?: number; grace_period_seconds?: number } | null;
  min_instances: number; max_instances: number;
  schedule: string | null; domain: string | null; autoscaling: { cpu_target: number } | null;
  deregistration_delay?: number | null; release_command?: string[] | null;
  /** only where set (an x86_64 service on regular Fargate has neither) */
  architecture?: "x86_64" | "arm64" | null; spot?: { percent?: number; on_demand_base?: number } | null;
}
export interface Deployment {
  id: string; service_id: string; project_id: string; service_name: string; kind: Kind; number: number;
  image: string | null; status: DeployStatus; reason: string | null; error: string | null; steps: Step[];
  rollback_of: string | null; rollback_of_number: number | null; actor: string; created: string; updated: string;
  /** a restart: the live release run again, every task replaced */
  restart_of?: string | null; restart_of_number?: number | null;
  /** a resume of a suspended service: its live release run again */
  resume_of?: string | null; resume_of_number?: number | null;
  /** a promotion (chalicelib/deploys/promote.py): the release of another environment it deploys */
  promoted_from?: { deployment_id: string; number: number; service_id: string; environment: string; environment_id: string } | null;
  promoted_from_id?: string | null;
  /** a rollback the platform made on an alert (the service's auto_rollback) */
  auto_rollback?: { alert_id: string; rule: string; message: string | null; release: number; after_minutes: number } | null;
  /** a new release of a web service with a canary setting and a live release: how its canary goes */
  canary?: DeployCanary | null;
  finished?: string | null; environment?: string | null; sandbox?: boolean; cancel_requested?: string | null;
  /** an environment that requires approval: who let it go out, or turned it down */
  approved_by?: string | null; approved?: string | null; rejected_by?: string | null;
  /** a deployment from source: what it builds (a rollback reuses the built image: none) */
  build?: { repo: string; branch: string; ref: string; dockerfile: string; context: string; commit_sha?: string } | null;
  image_digest?: string | null;
  rollback_steps?: Step[]; rollback_to?: string | null; rollback_to_number?: number | null;
  phases?: PhaseRecord[]; spec?: DeploySpec;
  /** the commit status Launchbay last posted (or tried to) on GitHub for it (chalicelib/hooks/statuses.py);
   * absent: none (not a commit of a GitHub repository, or the organization has no GitHub token) */
  github_status?: GithubStatus | null;
}
/** Where a canary is: `waiting` (its steps not begun), `starting` (its task and traffic share being
 * set up), `watching` (its 5xx answers counted), then `passed` (the watch ran its minutes),
 * `proceeded` (a person ended the watch early), `failed` (rolled back), or `not_started` (the
 * deployment settled before the canary began). */
export type CanaryState = "waiting" | "starting" | "watching" | "passed" | "proceeded" | "failed" | "not_started";
/** A deployment's canary (chalicelib/deploys/canary.py public): the setting it was made with, its
 * state, the tasks it runs, whether it is gone (`retired`: the rules forward to the service alone),
 * what the watch counted on its target group so far (null: not watched yet), the watch's start and
 * planned end (ISO), and who ended the watch early (POST …/proceed). */
export interface DeployCanary extends CanarySetting {
  state: CanaryState; tasks: number; retired: boolean;
  /** the share of the stage watched now or last reached, that stage (1-based) and how many there are
   * (1 + the ramp's length); absent on a deployment read from before ramps */
  share?: number; stage?: number; stages?: number;
  requests: number | null; http_5xx: number | null;
  /** with `baseline`: the live release's requests and 5xx answers over the same minutes (its own target
   * group); judged against once it has 20 requests (fewer: the limit alone); null: not read yet */
  baseline_requests?: number | null; baseline_http_5xx?: number | null;
  /** the canary's 95th percentile response time so far, in ms (each minute's, weighted by its requests) */
  p95_ms?: number | null;
  watch_started: string | null; watch_ends: string | null;
  proceed: { by: string; at: string } | null;
}
/** A deployment's commit status on GitHub: what was sent (`state`, `description`, `context`
 * "launchbay/<environment>/<service>", `target_url`) and what GitHub answered (`error`: why it was not
 * taken, e.g. the token's missing permission; null once posted). */
export interface GithubStatus {
  state: "pending" | "success" | "failure" | "error"; description: string; context: string; target_url?: string;
  repository: string; response_code: number | null; error: string | null; at: string;
}
/** A release as GET …/deployments/{dep}/changes names it. */
export interface ReleaseRef { deployment_id: string; number: number; status: DeployStatus; image: string | null; commit: string | null }
export interface CommitListed { sha: string; message: string; author: string; url: string | null }

/** What a deployment changes against the release before it (chalicelib/deploys/changes.py): names
 * only for variables and secrets. `against` null: the service's first release; `secrets` null:
 * read from their current versions when it runs (not known yet). */
export interface DeploymentChanges {
  deployment: ReleaseRef; against: ReleaseRef | null;
  image: { from: string | null; to: string | null } | null;
  commit: {
    from: string | null; to: string | null; compare_url: string | null;
    /** the commits it brings, newest first (chalicelib/hooks/commits.py: GitHub's compare, the newest 50) */
    commits?: CommitListed[] | null; total_commits?: number | null; commits_error?: string | null;
  } | null;
  settings: { field: string; from: unknown; to: unknown }[];
  variables: { added: string[]; removed: string[]; changed: string[] };
  secrets: { added: string[]; removed: string[]; rotated: string[] } | null;
  /** the changes in words, one line each */
  summary: string[]; unchanged: boolean;
}
export interface LogLine { seq: number; ts: string; level?: string; message: string; step?: string | null }
export interface LogPage { lines: LogLine[]; next: string | null; more: boolean; status: DeployStatus; final: boolean }
export interface Release {
  deployment_id: string; number: number; image: string; actor: string; created: string;
  finished: string | null; current: boolean; secret_versions: Record<string, number>;
}
/** A service's secret: its own, or inherited from its environment or an environment group it links
 * (`env_group`: that group's name, when `scope` is "env_group"). */
export interface Secret {
  name: string; version: number; created: string; updated: string; scope: "service" | "environment" | "env_group"; env_group?: string;
}
export interface ApiToken { id: string; name: string; prefix: string; org_id: string | null; created: string; last_used: string | null; expires?: string | null; token?: string }
export interface Member { user: User; role: Role; created: string; project_roles?: MemberProjectRole[] }
/** `applies`: false while the member is an owner or admin (kept from before a promotion, it decides nothing) */
export interface MemberProjectRole { project_id: string; project: string | null; role: ProjectRole; applies: boolean }
/** `last_sent`: when the last invitation e-mail went out (null: none yet); `sends`: how many did;
 * `email_status`: what became of that e-mail: SES's reason when it failed ("not sent: …" when its
 * address is held back), the receiving server's words when it bounced, or "the recipient marked as
 * spam (…)" when it complained. */
export interface Invitation {
  id: string; email: string; role: Role; status: string; created: string; expires: string; last_sent?: string | null; sends?: number;
  email_status?: { status: EmailStatus; error: string | null; sent: string | null } | null;
}
/** What became of one e-mail (chalicelib/mail/service.py, feedback.py): `bounced` and `complained`
 * come after `sent`, once SES reports them. */
export type EmailStatus = "pending" | "sending" | "retrying" | "sent" | "failed" | "bounced" | "complained";
export interface AuditEvent {
  id: string; actor: string; action: string; target_type: string; target_id: string;
  source_ip: string; created: string; details: Record<string, unknown>;
}
export interface SearchHit {
  id: string; type: "service" | "deployment" | "log" | "audit"; title: string; body?: string | null;
  status?: string | null; created?: string | null; link?: string | null; snippet?: string | null;
  highlights?: Record<string, string[]> | string[]; project_id?: string | null; score?: number | null;
}
export interface SearchAnswer {
  results: SearchHit[]; total: number; next: string | null;
  facets: { type?: Record<string, number>; status?: Record<string, number> };
}
export interface Health { status?: string; mode?: string; sandbox?: boolean; [k: string]: unknown }

// GET …/services/{svc}/metrics, …/events, …/alerts (chalicelib/observe)
export interface DeployMarker { id: string; number: number; status: string; image: string; at: number; created: string; link: string }
export interface Metrics {
  timestamps: number[]; series: Record<string, (number | null)[]>; units: Record<string, string>;
  deployments: DeployMarker[]; from: string; to: string; period: number; sandbox?: boolean;
}
export interface ServiceEvent {
  kind: string; severity: "info" | "warning" | "error"; title: string; explanation: string; fix: string | null;
  source: string; count: number; first: string; at: string; tasks: string[];
}
export interface Alert {
  id: string; rule: string; status: "open" | "resolved"; value: number; peak: number; threshold: number; unit: string;
  message: string; opened: string; updated: string; resolved: string | null;
}
