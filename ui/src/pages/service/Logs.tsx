// The service's run-time logs (CloudWatch Logs through GET .../logs), followed live in the same
// virtualized LogView as a deploy log: search, Pause/Follow, a time window and a task filter.
import { useMemo, useState } from "react";
import type { Service } from "../../api/models";
import { ErrorNote } from "../../components/Empty";
import { LogView } from "../../components/LogView";
import { useServiceLogs } from "../../components/useServiceLogs";

export const WINDOWS: [string, number][] = [["15 min", 15], ["1 hour", 60], ["6 hours", 360], ["24 hours", 1440], ["7 days", 10080]];

/** `task`: 8 characters of a task id to show alone at first (a run's "Output" link: ?task=…). */
export function Logs({ org, service, interval, task: first }: { org: string; service: Service; interval?: number; task?: string | null }) {
  const [minutes, setMinutes] = useState(60);
  const [sinceMs, setSinceMs] = useState(() => Date.now() - 60 * 60_000);
  const [paused, setPaused] = useState(false);
  const [task, setTask] = useState(first ?? "");
  const logs = useServiceLogs(org, service.id, sinceMs, paused, interval);
  const tasks = useMemo(() => [...new Set([...logs.lines.map((l) => l.step ?? ""), task])].filter(Boolean).sort(), [logs.lines, task]);
  const shown = useMemo(() => (task ? logs.lines.filter((l) => l.step === task) : logs.lines), [logs.lines, task]);
  const pick = (m: number) => {
    setMinutes(m);
    setSinceMs(Date.now() - m * 60_000);
  };
  return (
    <section aria-labelledby="logs-h" className="service-logs">
      <div className="heading">
        <h2 id="logs-h">Run-time logs</h2>
        <div className="row log-filters">
          <label>Since <select value={minutes} onChange={(e) => pick(Number(e.target.value))}>
            {WINDOWS.map(([name, m]) => <option key={m} value={m}>last {name}</option>)}
          </select></label>
          <label>Task <select value={task} onChange={(e) => setTask(e.target.value)}>
            <option value="">all tasks</option>
            {tasks.map((t) => <option key={t} value={t}>{t}</option>)}
          </select></label>
        </div>
      </div>
      <p className="muted small" aria-live="polite">
        {paused ? "Paused: new lines are not fetched until you press Follow." : logs.checked ? `Following: checked ${logs.checked.toLocaleTimeString([], { hour12: false })}.` : "Reading…"}
        {!logs.loading && logs.lines.length === 0 && " No lines in this window yet: a running task's output appears here."}
      </p>
      <ErrorNote error={logs.error} />
      <LogView lines={shown} live={!paused} label={`Run-time log of ${service.name}`} paused={paused} onPausedChange={setPaused} />
    </section>
  );
}
