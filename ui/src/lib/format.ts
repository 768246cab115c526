export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return new Date(iso).toLocaleDateString();
}

export function duration(from?: string | null, to?: string | null): string {
  if (!from) return "";
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  if (ms < 1000) return `${Math.max(0, ms)} ms`;
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
}

/** The time of day of an ISO timestamp, 24-hour, in the browser's zone ("" if unreadable). */
export function clock(iso: string | null | undefined): string {
  const d = new Date(iso ?? "");
  return isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour12: false });
}

export const FINAL = new Set(["live", "failed", "rolled_back", "superseded", "cancelled"]);
export const isFinal = (status: string) => FINAL.has(status);

/** When a refused request (429) may be tried again, from its Retry-After seconds: "in 45 seconds",
 * "in 3 minutes (at 16:05)"; "in a moment" without a Retry-After. */
export function retryWords(seconds: number | null | undefined, now = Date.now()): string {
  if (seconds == null) return "in a moment";
  if (seconds < 60) return `in ${Math.max(1, seconds)} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  const at = new Date(now + seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
  if (minutes < 120) return `in ${minutes} minute${minutes === 1 ? "" : "s"} (at ${at})`;
  return `in about ${Math.round(minutes / 60)} hours (at ${at})`;
}
