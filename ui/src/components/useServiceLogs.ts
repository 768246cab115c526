import { useEffect, useRef, useState } from "react";
import { api, unwrap } from "../api/client";
import type { LogLine } from "../api/models";

/** A line of GET .../services/{svc}/logs (CloudWatch Logs): epoch ms, the task's stream. */
export interface RuntimeLine { ts: number; message: string; stream: string }
interface RuntimePage { lines: RuntimeLine[]; next: string | null }

// Each poll asks again from a little before the newest line seen: CloudWatch can deliver a
// task's line late, after newer lines of another task. Lines seen in that window are skipped.
export const OVERLAP_MS = 5_000;
export const KEEP = 20_000;   // lines kept in memory; the oldest go first

const level = (m: string) => (/\b(ERROR|FATAL|CRITICAL|PANIC)\b/i.test(m) ? "error" : /\bWARN(ING)?\b/i.test(m) ? "warning" : "info");
/** "web/web/0f3c9a..." -> the task id's first 8 characters, as the log's step column. */
export const taskOf = (stream: string) => (stream.split("/").pop() ?? stream).slice(0, 8);

/** Keeps a service's run-time lines in time order, each once, however often the same time
 * window is read again. */
export class LogFollower {
  lines: LogLine[] = [];
  private seq = 0;
  private seen = new Map<string, number>();   // key -> ts, for lines inside the overlap window
  private newest = -Infinity;

  /** Adds the lines not seen yet; returns how many. */
  add(batch: RuntimeLine[]): number {
    let added = 0;
    let out = this.lines;
    for (const l of batch) {
      const key = `${l.ts}|${l.stream}|${l.message}`;
      if (this.seen.has(key) || l.ts < this.newest - OVERLAP_MS) continue;
      this.seen.set(key, l.ts);
      const line: LogLine = { seq: ++this.seq, ts: new Date(l.ts).toISOString(), level: level(l.message), step: taskOf(l.stream), message: l.message };
      if (out === this.lines) out = this.lines.slice();
      let i = out.length;   // usually at the end; a late line goes back to its time
      while (i > 0 && Date.parse(out[i - 1]!.ts) > l.ts) i--;
      out.splice(i, 0, line);
      this.newest = Math.max(this.newest, l.ts);
      added++;
    }
    if (added) {
      for (const [k, ts] of this.seen) if (ts < this.newest - OVERLAP_MS) this.seen.delete(k);
      this.lines = out.length > KEEP ? out.slice(out.length - KEEP) : out;
    }
    return added;
  }

  /** Where the next poll starts (ISO): from `floor` until a line was seen, then just before the newest. */
  since(floor: number): string {
    return new Date(Math.max(floor, this.newest - OVERLAP_MS)).toISOString();
  }
}

export interface ServiceLogs { lines: LogLine[]; error: unknown; loading: boolean; checked: Date | null }

/** Follows a service's run-time logs from `sinceMs`: reads page after page (the API's `next`)
 * until caught up, then polls every `interval` ms. `paused` stops polling, not the lines shown. */
export function useServiceLogs(org: string, svc: string, sinceMs: number, paused: boolean, interval = 2000): ServiceLogs {
  const [state, setState] = useState<ServiceLogs>({ lines: [], error: null, loading: true, checked: null });
  const follower = useRef(new LogFollower());

  useEffect(() => {   // a new service or window: start again
    follower.current = new LogFollower();
    setState({ lines: [], error: null, loading: true, checked: null });
  }, [org, svc, sinceMs]);

  useEffect(() => {
    if (paused) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cursor: string | null = null;
    const f = follower.current;
    const tick = async () => {
      try {
        const query = cursor ? { after: cursor, limit: "1000" } : { since: f.since(sinceMs), limit: "1000" };
        const page = await unwrap<RuntimePage>(api.GET("/v1/orgs/{org}/services/{svc}/logs", { params: { path: { org, svc }, query } }));
        if (stopped || f !== follower.current) return;
        const added = f.add(page.lines);
        const more = Boolean(page.next && page.next !== cursor && page.lines.length);
        cursor = more ? page.next : null;
        setState((s) => ({ lines: added ? f.lines : s.lines, error: null, loading: false, checked: new Date() }));
        timer = setTimeout(tick, more ? 0 : interval);
      } catch (error) {
        if (stopped) return;
        cursor = null;
        setState((s) => ({ ...s, error, loading: false }));
        timer = setTimeout(tick, interval * 3);
      }
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [org, svc, sinceMs, paused, interval]);
  return state;
}
