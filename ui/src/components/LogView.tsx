import { useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { LogLine } from "../api/models";
import { clock } from "../lib/format";
import { LogAnnouncer } from "./LogAnnouncer";

const ROW = 20;

/** The message without the step's name in front when the step is shown beside it ("service: started"). */
export const withoutStep = (l: LogLine) => (l.step && l.message.startsWith(`${l.step}: `) ? l.message.slice(l.step.length + 2) : l.message);

/** A warning or an error says so in a word, not only by its colour. */
export const levelWord = (level: string | undefined) =>
  level === "error" || level === "critical" ? "error" : level === "warning" || level === "warn" ? "warning" : null;

/** One line's parts: time, step, the level when it is not plain information, the message. */
export function LogLineParts({ l }: { l: LogLine }) {
  const level = levelWord(l.level);
  return (
    <>
      <span className="ts">{clock(l.ts)}</span>
      {l.step && <span className="step">{l.step}</span>}
      {level && <span className={`lvl lvl-word-${level}`}>{level}</span>}
      <span className="msg">{withoutStep(l)}</span>
    </>
  );
}

/** A virtualized log: only the rows on screen are in the DOM, so 10,000 lines stay fast. A long
 * line wraps (an ARN or a stack trace is read whole, on a phone too): rows are measured once shown.
 * It follows new lines unless paused (or scrolled up); the filter shows matching lines only.
 * Pass `paused`/`onPausedChange` when pausing must also stop the reads (run-time logs). */
export function LogView({ lines, live, label = "Log", paused: controlled, onPausedChange, announce = false, outcome }: {
  lines: LogLine[]; live: boolean; label?: string; paused?: boolean; onPausedChange?: (paused: boolean) => void;
  /** a deploy log: say new lines (throttled) and, with `outcome`, how it ended (LogAnnouncer) */
  announce?: boolean; outcome?: string | null;
}) {
  const [query, setQuery] = useState("");
  const [own, setOwn] = useState(false);
  const paused = controlled ?? own;
  const setPaused = (p: boolean) => {
    setOwn(p);
    onPausedChange?.(p);
  };
  const q = useDeferredValue(query.trim().toLowerCase());
  const shown = useMemo(() => (q ? lines.filter((l) => l.message.toLowerCase().includes(q)) : lines), [lines, q]);
  const parent = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: shown.length, getScrollElement: () => parent.current, estimateSize: () => ROW, overscan: 20 });

  // Following: to the end whenever lines come or wrapped rows are measured (the total grows).
  const total = v.getTotalSize();
  useEffect(() => {
    if (!paused && shown.length) v.scrollToIndex(shown.length - 1, { align: "end" });
  }, [shown.length, paused, v, total]);

  // Only a person scrolling up pauses: the follow's own scrolls (and the measuring of wrapped rows)
  // move the view too, so a scroll counts as theirs only just after a wheel, touch, key or press.
  const touched = useRef(0);
  const byHand = () => { touched.current = Date.now(); };
  const onScroll = () => {
    const el = parent.current;
    if (!el || Date.now() - touched.current > 1000) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW * 2;
    if (!atBottom && !paused && live) setPaused(true);
  };

  return (
    <div className="logview">
      <div className="log-toolbar">
        <label className="log-search">
          <span className="sr-only">Search the log</span>
          <input type="search" placeholder="Search the log" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        {/* said while searching (how many match); a count ticking up while following is not */}
        <span className="muted" aria-live={q ? "polite" : "off"}>{q ? `${shown.length} of ${lines.length} lines` : lines.length === 1 ? "1 line" : `${lines.length} lines`}{live ? " · live" : ""}</span>
        <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>{paused ? "Follow" : "Pause"}</button>
        {announce && <LogAnnouncer count={lines.length} live={live} following={!paused} outcome={outcome} />}
      </div>
      {/* role=log is a live region by default: rows the virtualizer adds while scrolling (old lines)
          would be read out as if new, and a following log reads every line. Off: a deploy log's
          LogAnnouncer says how many lines came and how it ended; the lines are read on demand. */}
      <div ref={parent} className="log-scroll" onScroll={onScroll} role="log" aria-live="off" aria-label={label} tabIndex={0}
        onWheel={byHand} onTouchMove={byHand} onMouseDown={byHand} onKeyDown={byHand}>
        <div style={{ height: v.getTotalSize(), position: "relative" }}>
          {v.getVirtualItems().map((item) => {
            const l = shown[item.index]!;
            return (
              <div key={l.seq} ref={v.measureElement} data-index={item.index} className={`log-line lvl-${l.level ?? "info"}`}
                style={{ transform: `translateY(${item.start}px)` }}>
                <LogLineParts l={l} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
