import { useEffect, useRef, useState } from "react";
import { api, unwrap } from "../api/client";
import type { LogLine, LogPage } from "../api/models";

export interface Tail { lines: LogLine[]; final: boolean; error: unknown }

/** A deployment's log by cursor: pages until caught up, then polls every `interval` ms until the
 * deployment is final. Lines are appended in order and never twice (the cursor is the API's). */
export function useLogTail(org: string, dep: string, interval = 1000): Tail {
  const [state, setState] = useState<Tail>({ lines: [], final: false, error: null });
  const cursor = useRef<string | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    cursor.current = null;
    setState({ lines: [], final: false, error: null });
    const tick = async () => {
      try {
        const page = await unwrap<LogPage>(
          api.GET("/v1/orgs/{org}/deployments/{dep}/logs", {
            params: { path: { org, dep }, query: { after: cursor.current ?? undefined, limit: "1000" } },
          }),
        );
        if (stopped) return;
        cursor.current = page.next ?? cursor.current;
        const done = page.final && !page.more;
        setState((s) => ({ lines: page.lines.length ? s.lines.concat(page.lines) : s.lines, final: done, error: null }));
        if (!done) timer = setTimeout(tick, page.more ? 0 : interval);
      } catch (error) {
        if (stopped) return;
        setState((s) => ({ ...s, error }));
        timer = setTimeout(tick, interval * 3);
      }
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [org, dep, interval]);
  return state;
}
