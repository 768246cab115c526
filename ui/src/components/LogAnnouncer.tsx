import { useEffect, useRef, useState } from "react";
import { statusWords } from "./StatusBadge";

/** The least time between two "N new log lines": often enough to know it moves, rarely enough
 * not to drown out what the reader is doing. */
export const ANNOUNCE_EVERY = 5000;

/** What a followed live log says to a screen reader (the log itself is aria-live=off: every line
 * read out, and the virtualizer's rows, would be noise): "12 new log lines" at most every
 * ANNOUNCE_EVERY ms while followed (not paused), and "Deploy finished: live." when it ends. The lines there when it was
 * first read are the log, not news; only a log seen running announces its end. */
export function LogAnnouncer({ count, live, following = true, outcome }: {
  count: number; live: boolean; following?: boolean; outcome?: string | null;
}) {
  const [said, setSaid] = useState({ n: 0, text: "" });
  const base = useRef<number | null>(null);
  const latest = useRef(count);
  latest.current = count;
  const lastAt = useRef(-Infinity);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const followed = useRef(false);
  const say = (text: string) => setSaid((s) => ({ n: s.n + 1, text }));

  useEffect(() => {
    if (!live) return;
    followed.current = true;
    if (!following) {   // paused: quiet; on Follow again, counting starts from there
      clearTimeout(timer.current);
      timer.current = undefined;
      base.current = null;
      return;
    }
    if (base.current === null) {
      if (count) base.current = count;
      return;
    }
    if (count <= base.current || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      const fresh = latest.current - (base.current ?? latest.current);
      base.current = latest.current;
      lastAt.current = Date.now();
      say(fresh === 1 ? "1 new log line" : `${fresh} new log lines`);
    }, Math.max(0, lastAt.current + ANNOUNCE_EVERY - Date.now()));
  }, [count, live, following]);

  useEffect(() => {
    if (live || !outcome || !followed.current) return;
    clearTimeout(timer.current);
    timer.current = undefined;
    say(`Deploy finished: ${statusWords(outcome)}.`);
  }, [live, outcome]);

  useEffect(() => () => clearTimeout(timer.current), []);
  // a new span each time: the same words twice ("3 new log lines") are still said
  return <p className="sr-only" role="status" data-testid="log-news">{said.text && <span key={said.n}>{said.text}</span>}</p>;
}
