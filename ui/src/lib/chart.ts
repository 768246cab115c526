// Pure helpers of the metrics chart: scale a series into an SVG path with gaps kept as gaps.
export interface Box { width: number; height: number }

export function extent(series: (number | null)[][]): [number, number] {
  let max = 0;
  for (const s of series) for (const v of s) if (v != null && v > max) max = v;
  return [0, max > 0 ? max * 1.1 : 1];
}

/** "M x y L x y …", a new "M" after each missing point, so a gap in the data is a gap in the line. */
export function linePath(ts: number[], values: (number | null)[], t0: number, t1: number, max: number, box: Box): string {
  const span = Math.max(1, t1 - t0);
  let d = "";
  let pen = false;
  values.forEach((v, i) => {
    const t = ts[i];
    if (v == null || t == null) { pen = false; return; }
    const x = ((t - t0) / span) * box.width;
    const y = box.height - (v / max) * box.height;
    d += `${pen ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)} `;
    pen = true;
  });
  return d.trim();
}

/** A chart in words, for a screen reader (the picture says nothing to it): each series' latest
 * value and its highest in the range, e.g. "CPU %: cpu now 20, at most 35". */
export function chartWords(title: string, names: string[], series: (number | null)[][]): string {
  const parts = names.map((n, i) => {
    const s = (series[i] ?? []).filter((v): v is number => v != null);
    if (!s.length) return `${n} no data`;
    const round = (v: number) => String(Math.round(v * 10) / 10);
    return `${n} now ${round(s[s.length - 1]!)}, at most ${round(Math.max(...s))}`;
  });
  return `${title}: ${parts.join("; ")}`;
}
