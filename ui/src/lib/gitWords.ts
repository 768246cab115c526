// What a GitHub delivery did and what a notification event means, in words (pure: tested alone).
import type { HookDelivery, NotifyDelivery } from "../api/git";

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
const str = (v: unknown) => (typeof v === "string" ? v : "");
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** One sentence for a delivery's outcome (the API's `result`), e.g. "Deployed 2 services of
 * production from main" or "Nothing to do: no environment tracks branch 'dev'". */
export function hookDeliveryWords(d: Pick<HookDelivery, "status" | "result" | "event">): string {
  if (d.status === "received") return "Received; waiting for a worker";
  if (d.status === "processing") return "Being processed";
  const r = d.result ?? {};
  if (r.error) return `Failed: ${str(r.error)}`;
  if (r.skipped) return `Nothing to do: ${str(r.skipped)}`;
  const deployments = list(r.deployments);
  if (r.removed) return `Removed preview ${str(r.preview)} (${str(r.reason)}) and its ${plural(list(r.services).length, "service")}`;
  if (r.preview && r.from) {
    const hosts = r.domain_suffix ? ` on *.${str(r.domain_suffix)}` : "";
    return `Opened preview ${str(r.preview)} from ${str(r.from)}${hosts}; ${plural(deployments.length, "deployment")}`;
  }
  if (r.preview) return `Redeployed preview ${str(r.preview)} at ${str(r.head_sha).slice(0, 7)}; ${plural(deployments.length, "deployment")}`;
  if (r.branch) return `Deployed ${plural(deployments.length, "service")} of ${list(r.environments).join(", ")} from ${str(r.branch)}`;
  return d.status === "failed" ? "Failed" : "Done";
}

/** The services a push left alone because of their watch paths (`result.unchanged`: {"api (production)":
 * "the push changes nothing under services/api"}), each with why: [service, why]. */
export function unchangedServices(d: Pick<HookDelivery, "result">): [string, string][] {
  const left = d.result?.unchanged;
  if (!left || typeof left !== "object" || Array.isArray(left)) return [];
  return Object.entries(left as Record<string, unknown>).map(([name, why]) => [name, str(why)]);
}

export const EVENT_WORDS: Record<string, string> = {
  "deployment.awaiting_approval": "a deploy waits for approval (environments that require it)",
  "deployment.approval_reminder": "a deploy still waits for approval a day before it would be cancelled",
  "deployment.approval_expired": "a deploy nobody approved in time is cancelled",
  "deployment.started": "a deploy starts",
  "deployment.building": "a deploy from source starts building",
  "deployment.live": "a deploy goes live",
  "deployment.failed": "a deploy fails",
  "deployment.rolled_back": "a failed release is rolled back",
  "preview.created": "a pull request's preview environment is created",
  "preview.deleted": "a preview environment is removed",
  "alert.opened": "a service's alert opens (5xx, latency, CPU, memory, restarts)",
  "alert.resolved": "an alert resolves",
  "service.suspended": "a service is suspended (nothing runs)",
  "service.resumed": "a suspended service runs again",
  "service.maintenance": "a web service shows its maintenance page",
  "service.maintenance_over": "a web service is out of maintenance",
  "environment.frozen": "an environment's deploys are frozen (with the reason)",
  "environment.unfrozen": "a deploy freeze is lifted, or its window closes",
  "environment.asleep": "an environment's sleep schedule suspends its services",
  "environment.awake": "its sleep schedule resumes them",
  "queue.dead_letters": "a queue's dead-letter queue grows (messages that kept failing)",
  "log_drain.failing": "a log drain's endpoint stops taking the services' log lines",
  "log_drain.recovered": "a failing log drain delivers again",
  "notification.test": "a test (Send test)",
};

/** A subscription's filter in words: "all events" or the event names. */
export const eventsText = (events: string[]) => (events.includes("*") ? "all events" : events.join(", "));

/** The outcome of a notification delivery in words, e.g. "HTTP 500 · retry at 14:02:10". */
export function notifyDeliveryWords(d: NotifyDelivery): string {
  const parts: string[] = [];
  if (d.response_code != null) parts.push(`HTTP ${d.response_code}`);
  if (d.error) parts.push(d.error);
  if (d.status === "retrying" && d.next_attempt) parts.push(`next attempt ${new Date(d.next_attempt).toLocaleTimeString()}`);
  if (d.status === "queued") parts.push("waiting to be sent");
  return parts.join(" · ");
}

/** How a receiver checks a webhook's signature (the README's Python, verbatim). */
export const VERIFY_SNIPPET = `import hashlib, hmac, time
def verify(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    fields = dict(item.split("=", 1) for item in header.split(","))  # {"t": ..., "v1": ...}
    t, sig = fields["t"], fields["v1"]
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(time.time() - int(t)) <= tolerance and hmac.compare_digest(expected, sig)`;
