// The service's metrics panel (loaded lazily with its tab): charts with deploy markers, a time
// range picker, open alerts, ECS events in words, and the alert rules. The charts are plain SVG: no chart library.
import { useState } from "react";
import { Link } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { Alert, DeployMarker, Metrics, Page, Service, ServiceEvent } from "../../api/models";
import { Empty, ErrorNote, Loading } from "../../components/Empty";
import { statusWords } from "../../components/StatusBadge";
import { ago } from "../../lib/format";
import { chartWords, extent, linePath } from "../../lib/chart";
import AlertRules from "./AlertRules";

const RANGES: [string, number, number][] = [["1 h", 3600, 60], ["3 h", 10800, 60], ["24 h", 86400, 300], ["7 d", 604800, 3600]];
// `queue`: only when the answer has it (the service works through a queue: the one it scales on)
const CHARTS: { title: string; series: string[]; web?: boolean; queue?: boolean }[] = [
  { title: "CPU %", series: ["cpu"] },
  { title: "Memory %", series: ["memory"] },
  { title: "Tasks (running / desired)", series: ["running", "desired"] },
  { title: "Requests", series: ["requests"], web: true },
  { title: "Latency ms (p50 / p95 / p99)", series: ["latency_p50", "latency_p95", "latency_p99"], web: true },
  { title: "Errors (4xx / 5xx)", series: ["http_4xx", "http_5xx"], web: true },
  { title: "Queue: waiting messages", series: ["queue_waiting"], queue: true },
  { title: "Queue: oldest message s", series: ["queue_oldest_s"], queue: true },
];
const BOX = { width: 560, height: 120 };

export default function Observe({ org, service }: { org: string; service: Service }) {
  const [range, setRange] = useState(1);
  const [label, span, period] = RANGES[range] ?? RANGES[1]!;
  const path = { org, svc: service.id };
  const metrics = useQuery({
    queryKey: ["metrics", org, service.id, span, period],
    refetchInterval: 60_000,
    queryFn: () => {
      const to = new Date();
      const from = new Date(to.getTime() - span * 1000);
      return unwrap<Metrics>(api.GET("/v1/orgs/{org}/services/{svc}/metrics", {
        params: { path, query: { from: from.toISOString(), to: to.toISOString(), period: String(period) } },
      }));
    },
  });
  const alerts = useQuery({
    queryKey: ["alerts", org, service.id], refetchInterval: 30_000,
    queryFn: () => unwrap<Page<Alert>>(api.GET("/v1/orgs/{org}/services/{svc}/alerts", { params: { path, query: { status: "open" } } })),
  });
  const events = useQuery({
    queryKey: ["events", org, service.id], refetchInterval: 30_000,
    queryFn: () => unwrap<{ items: ServiceEvent[]; detail: string | null }>(api.GET("/v1/orgs/{org}/services/{svc}/events", { params: { path } })),
  });
  return (
    <section className="observe">
      <div className="heading">
        <h2>Metrics</h2>
        <div role="group" aria-label="Time range" className="ranges">
          {RANGES.map(([name], i) => (
            <button key={name} className={i === range ? "primary" : ""} aria-pressed={i === range} onClick={() => setRange(i)}>{name}</button>
          ))}
        </div>
      </div>
      <OpenAlerts alerts={alerts.data?.items} error={alerts.error} />
      <ErrorNote error={metrics.error} retry={() => void metrics.refetch()} />
      {metrics.isPending ? <Loading what={`metrics (last ${label})`} /> : metrics.data && (
        <div className="charts">
          {CHARTS.filter((c) => (!c.web || service.kind === "web")
            && (!c.queue || c.series.some((s) => s in metrics.data.series))).map((c) => (
            <Chart key={c.title} title={c.title} data={metrics.data} names={c.series} org={org} />
          ))}
        </div>
      )}
      <h2>Events</h2>
      <ErrorNote error={events.error} retry={() => void events.refetch()} />
      {events.data?.detail && <p className="muted">{events.data.detail}</p>}
      {events.data?.items.length === 0 && <Empty title="No events">ECS has nothing to report about this service.</Empty>}
      <ol className="events">
        {events.data?.items.map((e, i) => (
          <li key={i} className={`event ${e.severity}`}>
            <div><strong>{e.explanation}</strong>{e.count > 1 && <span className="muted"> ×{e.count}</span>} <span className="muted small">{ago(e.at)}</span></div>
            {e.fix && <div>Fix: {e.fix}</div>}
            <div className="muted small mono break">{e.title}</div>
          </li>
        ))}
      </ol>
      <AlertRules org={org} service={service} />
    </section>
  );
}

function OpenAlerts({ alerts, error }: { alerts?: Alert[]; error: unknown }) {
  if (error) return <ErrorNote error={error} />;
  if (!alerts?.length) return null;
  return (
    <ul className="alerts" aria-label="Open alerts">
      {alerts.map((a) => <li key={a.id} role="alert" className="event error"><strong>{a.message}</strong> <span className="muted small">since {ago(a.opened)}</span></li>)}
    </ul>
  );
}

function Chart({ title, data, names, org }: { title: string; data: Metrics; names: string[]; org: string }) {
  const ts = data.timestamps;
  const t0 = ts[0] ?? 0;
  const t1 = ts[ts.length - 1] ?? t0 + 1;
  const series = names.map((n) => data.series[n] ?? []);
  const [, max] = extent(series);
  const empty = series.every((s) => s.every((v) => v == null));
  const last = series.map((s) => [...s].reverse().find((v) => v != null));
  return (
    <figure className="chart">
      <figcaption>{title} <span className="muted small">{last.map((v) => (v == null ? "–" : v)).join(" / ")}</span></figcaption>
      {empty ? <p className="muted small">No data in this range.</p> : (
        <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-label={chartWords(title, names, series)} preserveAspectRatio="none">
          {series.map((s, i) => <path key={names[i]} className={`line s${i}`} d={linePath(ts, s, t0, t1, max, BOX)} />)}
          {data.deployments.map((m) => <Marker key={m.id} m={m} t0={t0} t1={t1} />)}
        </svg>
      )}
      <div className="markers small">
        {data.deployments.map((m) => <Link key={m.id} to={`/orgs/${org}/deployments/${m.id}`}>#{m.number} {statusWords(m.status)}</Link>)}
      </div>
    </figure>
  );
}

function Marker({ m, t0, t1 }: { m: DeployMarker; t0: number; t1: number }) {
  const x = ((m.at - t0) / Math.max(1, t1 - t0)) * BOX.width;
  return <line className={`marker ${m.status}`} x1={x} x2={x} y1={0} y2={BOX.height}><title>deployment #{m.number} ({statusWords(m.status)})</title></line>;
}
