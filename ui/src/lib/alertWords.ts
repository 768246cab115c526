/** Alert rules as people say them (chalicelib/observe/alerts.py WORDS). */
export const RULE_WORDS: Record<string, string> = {
  http_5xx_rate: "5xx responses", latency_p95: "p95 latency", cpu: "CPU", memory: "Memory", restarts: "Stopped tasks",
};

/** A service's open alerts in a few words: "alert: CPU, Stopped tasks" (empty: none). */
export const openAlertsText = (rules: string[] | null | undefined): string =>
  rules?.length ? `alert: ${rules.map((r) => RULE_WORDS[r] ?? r).join(", ")}` : "";
