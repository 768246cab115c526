import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../../api/client";
import { err, fakeApi, metricsTab, renderAt, signedIn, type Answer } from "../../test/fakeApi";
import type { AlertRule } from "./AlertRules";

const RULES = "/v1/orgs/o/services/s/alert-rules";
const rule = (metric: AlertRule["metric"], threshold: number, window_minutes: number, unit: string, over: Partial<AlertRule> = {}): AlertRule =>
  ({ metric, threshold, window_minutes, unit, enabled: true, default: true, applies: true, ...over });
const defaults = (): AlertRule[] => [
  rule("http_5xx_rate", 5, 5, "%"), rule("latency_p95", 1000, 5, "ms", { default: false, threshold: 500 }),
  rule("cpu", 90, 10, "%"), rule("memory", 90, 10, "%"), rule("restarts", 3, 15, "tasks stopped"),
];
const page: Record<string, Answer> = metricsTab({ timestamps: [], series: {} }, {
  "GET /v1/orgs/o/services/s/alerts": (req) => [200, {
    items: new URL(req.url).searchParams.get("status") === "resolved"
      ? [{ id: "alt_1", rule: "cpu", status: "resolved", value: 40, peak: 97, threshold: 90, unit: "%", message: "web: CPU 97 % over 10 min (threshold 90 %)",
           opened: new Date(Date.now() - 3_600_000).toISOString(), updated: "", resolved: new Date(Date.now() - 600_000).toISOString() }]
      : [],
    next: null }],
});

test("a developer changes two rules, resets one of theirs, and the PUT carries exactly the service's own rules", async () => {
  session.set("t");
  let current = defaults();
  const calls = fakeApi({
    ...signedIn(), ...page,
    [`GET ${RULES}`]: () => [200, { rules: current }],
    [`PUT ${RULES}`]: async (req) => {
      const body = await req.json() as { rules: { metric: AlertRule["metric"]; threshold: number; window_minutes: number; enabled: boolean }[] };
      const k = body.rules.findIndex((r) => r.metric === "memory" && r.threshold === 100);   // as the API: the place in the body
      if (k >= 0) return [422, err("invalid", "memory is at its limit at 100", `rules.${k}.threshold`)];
      const own = new Map(body.rules.map((r) => [r.metric, r]));
      current = defaults().map((r) => (own.has(r.metric) ? { ...r, ...own.get(r.metric)!, default: false } : { ...r, default: r.metric === "latency_p95" ? true : r.default, threshold: r.metric === "latency_p95" ? 1000 : r.threshold }));
      return [200, { rules: current }];
    },
  });
  renderAt("/orgs/o/services/s/metrics");
  const user = userEvent.setup();
  const form = await screen.findByRole("form", { name: "Alert rules" }, { timeout: 5000 });
  expect(within(form).getAllByRole("row")).toHaveLength(6);   // the header and five rules
  expect((within(form).getByLabelText("CPU threshold (%)") as HTMLInputElement).value).toBe("90");
  expect(within(form).getByRole("button", { name: "Save rules" }).hasAttribute("disabled")).toBe(true);

  // a word where a number goes: said at the row, nothing sent
  const cpu = within(form).getByLabelText("CPU threshold (%)");
  await user.clear(cpu);
  await user.type(cpu, "lots");
  await user.click(within(form).getByRole("button", { name: "Save rules" }));
  expect(within(form).getByRole("alert").textContent).toContain('the threshold must be a number above 0, not "lots"');
  expect(cpu.getAttribute("aria-invalid")).toBe("true");
  expect(calls.filter((c) => c.method === "PUT")).toHaveLength(0);

  await user.clear(cpu);
  await user.type(cpu, "80");
  const window = within(form).getByLabelText("CPU window (minutes)");
  await user.clear(window);
  await user.type(window, "15");
  await user.click(within(form).getByRole("checkbox", { name: "Stopped tasks on" }));
  await user.click(within(form).getByRole("button", { name: "Reset p95 latency to the default" }));
  await user.click(within(form).getByRole("button", { name: "Save rules" }));
  await waitFor(() => expect(calls.filter((c) => c.method === "PUT")).toHaveLength(1));
  expect(calls.find((c) => c.method === "PUT")!.body).toEqual({ rules: [
    { metric: "cpu", threshold: 80, window_minutes: 15, enabled: true },
    { metric: "restarts", threshold: 3, window_minutes: 15, enabled: false },
  ] });
  expect(await screen.findByText(/^Saved: the next check/)).toBeTruthy();
  const saved = screen.getByRole("form", { name: "Alert rules" });
  expect((within(saved).getByLabelText("p95 latency threshold (ms)") as HTMLInputElement).value).toBe("1000");
  expect(within(saved).getByRole("row", { name: /CPU/ }).textContent).toContain("yours");

  // the API's refusal of one rule's threshold shows at that rule
  const memory = within(saved).getByLabelText("Memory threshold (%)");
  await user.clear(memory);
  await user.type(memory, "100");
  await user.click(within(saved).getByRole("button", { name: "Save rules" }));
  const row = within(saved).getByRole("row", { name: /Memory/ });
  expect((await within(row).findByRole("alert")).textContent).toContain("memory is at its limit at 100");
  expect(within(saved).getAllByRole("alert")).toHaveLength(1);
  expect(screen.queryByText(/^Saved: the next check/)).toBeNull();   // an edit clears the last save's note
});

test("a viewer reads the rules and the recently resolved alerts, and changes nothing", async () => {
  session.set("t");
  fakeApi({
    ...page,
    "GET /v1/me": () => [200, { user: { id: "u", email: "v@example.com" }, organizations: [{ id: "o", name: "Acme", role: "viewer" }] }],
    "GET /v1/health": () => [200, { mode: "sandbox", sandbox: true }],
    [`GET ${RULES}`]: () => [200, { rules: defaults() }],
  });
  renderAt("/orgs/o/services/s/metrics");
  const form = await screen.findByRole("form", { name: "Alert rules" }, { timeout: 5000 });
  expect(within(form).getByText(/Your role reads these rules/)).toBeTruthy();
  expect(within(form).queryByRole("button", { name: "Save rules" })).toBeNull();
  expect(within(form).queryByRole("button", { name: /Reset/ })).toBeNull();
  expect(within(form).getAllByRole("textbox").every((i) => i.hasAttribute("disabled"))).toBe(true);
  const resolved = await screen.findByRole("list", { name: "Recently resolved alerts" });
  expect(resolved.textContent).toContain("web: CPU 97 % over 10 min (threshold 90 %)");
  expect(resolved.textContent).toContain("opened 1h ago, lasted 50m 0s");
  expect(screen.getByRole("link", { name: "notifications" }).getAttribute("href")).toBe("/orgs/o/projects/p/notifications");
});
