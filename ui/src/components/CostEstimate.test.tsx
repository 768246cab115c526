import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { makeQueryClient } from "../App";
import { session } from "../api/client";
import { CostEstimate } from "./CostEstimate";

// The network is the one thing replaced: fetch answers what the API answers.
function fakeApi(answers: Record<string, unknown>) {
  const calls: string[] = [];
  globalThis.fetch = (async (input: Request) => {
    const path = new URL(input.url).pathname;
    calls.push(path);
    const body = answers[path];
    return new Response(JSON.stringify(body ?? { error: { code: "not_found", message: path, field: null } }),
      { status: body ? 200 : 404, headers: { "Content-Type": "application/json" } });
  }) as typeof fetch;
  return calls;
}

const prices = { date: "2026-11-26", kind: "on-demand list prices as published", sources: ["https://aws.amazon.com/fargate/pricing/"] };

test("a service's monthly range, with its lines and the price date in the details", async () => {
  session.set("t");
  const calls = fakeApi({
    "/v1/orgs/o/services/s/cost": {
      monthly_min: 42.76, monthly_max: 69.14, currency: "USD", region: "us-east-1", prices_region: "us-east-1", prices,
      lines: [{ item: "Fargate vCPU (0.25 vCPU per task, x86_64)", unit: "vCPU-hour", unit_price: 0.04048, quantity: 182.5,
        monthly: 7.39, quantity_max: 547.5, monthly_max: 22.16 },
      { item: "load balancer hours", unit: "ALB-hour", unit_price: 0.0225, quantity: 730, monthly: 16.43, quantity_max: 730, monthly_max: 16.43 }],
      assumptions: ["730 hours a month"],
    },
  });
  render(<QueryClientProvider client={makeQueryClient()}><CostEstimate org="o" service="s" /></QueryClientProvider>);
  expect(await screen.findByText("$42.76–$69.14 / month")).toBeTruthy();
  expect(calls).toEqual(["/v1/orgs/o/services/s/cost"]);
  await userEvent.setup().click(screen.getByText(/Estimated cost/));
  const lines = screen.getByRole("table", { name: "Cost lines" });
  expect(within(lines).getByText("182.5–547.5 vCPU-hour")).toBeTruthy();
  expect(within(lines).getByText("$7.39–$22.16")).toBeTruthy();
  expect(within(lines).getByText("$16.43")).toBeTruthy();
  expect(screen.getByText(/prices of 2026-11-26/)).toBeTruthy();
  expect(screen.getByText("730 hours a month")).toBeTruthy();
});

test("a project's total, or one environment's when the page shows one", async () => {
  session.set("t");
  const env = (name: string, region: string, n: number) => ({
    name, region, monthly_min: n, monthly_max: n, currency: "USD",
    services: [{ id: name + "-web", name: "web", kind: "web", monthly_min: n, monthly_max: n, currency: "USD" }],
  });
  fakeApi({
    "/v1/orgs/o/projects/p/cost": { monthly_min: 105.43, monthly_max: 105.43, currency: "USD", prices,
      environments: [{ ...env("production", "us-east-1", 42.76), monthly_min: 56.74, monthly_max: 56.74,
        resources: [{ id: "res_1", name: "db", kind: "postgres", size: "db.t4g.micro", monthly_min: 13.98, monthly_max: 13.98, currency: "USD" }] },
      env("eu", "eu-central-1", 48.69)] },
  });
  const { unmount } = render(<QueryClientProvider client={makeQueryClient()}><CostEstimate org="o" project="p" /></QueryClientProvider>);
  expect(await screen.findByText("$105.43 / month")).toBeTruthy();
  const list = screen.getByRole("list", { name: "Cost by environment" });
  expect(within(list).getByText(/eu \(eu-central-1\): \$48\.69 \/ month/)).toBeTruthy();
  // the environment's database is listed with its services: the lines add up to the environment's total
  expect(within(list).getByText("db (postgres db.t4g.micro): $13.98 / month")).toBeTruthy();
  unmount();
  render(<QueryClientProvider client={makeQueryClient()}><CostEstimate org="o" project="p" environment="eu" /></QueryClientProvider>);
  expect(await screen.findByText("$48.69 / month")).toBeTruthy();
  expect(screen.queryByText(/production/)).toBeNull();
});
