import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { fakeApi, renderAt, service, signedIn, type Answer } from "../test/fakeApi";

const fieldOf = (label: string) => screen.getByLabelText(label).closest(".field") as HTMLElement;

/** A service page with Settings whose PATCH merges as the API does (spot's fields merged, null turns
 * it off, x86_64 stored as null) and refuses a Spot base at or above max_instances with its 422. */
function serviceApi(start: Record<string, unknown>) {
  let current: Record<string, unknown> = { ...service, project_id: "p", updated: "2026-11-28T10:00:00Z", needs_deploy: false,
    architecture: null, spot: null, ...start };
  const answers: Record<string, Answer> = {
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/services/s": () => [200, current],
    "GET /v1/orgs/o/services/s/cost": () => [404, { error: { code: "not_found", message: "x", field: null } }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/releases": () => [200, { items: [], next: null }],
    "PATCH /v1/orgs/o/services/s": async (req) => {
      const body = await req.json() as { spot?: Record<string, number> | null; architecture?: string | null };
      const spot = body.spot === undefined ? current.spot
        : body.spot && { percent: 100, on_demand_base: 0, ...(current.spot as object | null), ...body.spot };
      const base = (spot as { on_demand_base?: number } | null)?.on_demand_base ?? 0;
      if (spot && base >= (current.max_instances as number)) {
        return [422, { error: { code: "invalid", field: "spot", message: `spot.on_demand_base ${base} would keep all of at most ${current.max_instances as number} task on regular Fargate: lower it or raise max_instances` } }];
      }
      current = { ...current, ...body, spot, architecture: body.architecture === "x86_64" ? null : (body.architecture ?? current.architecture),
        needs_deploy: true, updated: new Date().toISOString() };
      return [200, current];
    },
  };
  return { answers, current: () => current };
}

test("Settings' Compute: arm64 and Spot 70 % with 1 task on regular Fargate sent as they changed; the warning for a web service with none; the summary", async () => {
  session.set("t");
  const api = serviceApi({ max_instances: 3 });
  const calls = fakeApi(api.answers);
  renderAt("/orgs/o/services/s");
  expect((await screen.findByTestId("compute", {}, { timeout: 5000 })).textContent).toBe("x86_64 · regular Fargate");

  cleanup();
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const group = await screen.findByRole("radiogroup", { name: "Architecture" }, { timeout: 5000 });
  const x86 = within(group).getByRole("radio", { name: /x86_64/ }) as HTMLInputElement;
  const arm = within(group).getByRole("radio", { name: /arm64/ }) as HTMLInputElement;
  expect(x86.checked).toBe(true);
  // the one line on the image: said to the radio group
  expect(group.getAttribute("aria-describedby")).toBeTruthy();
  expect(document.getElementById(group.getAttribute("aria-describedby")!)!.textContent).toContain("linux/arm64");
  const toggle = screen.getByRole("checkbox", { name: "Run on Fargate Spot" }) as HTMLInputElement;
  expect(toggle.checked).toBe(false);
  expect(screen.queryByLabelText("Share on Spot (%)")).toBeNull();
  expect(screen.queryByTestId("spot-warning")).toBeNull();

  await user.click(arm);
  await user.click(toggle);
  // on: the API's defaults (every task on Spot, none on regular Fargate) and the warning
  expect((screen.getByLabelText("Share on Spot (%)") as HTMLInputElement).value).toBe("100");
  expect((screen.getByLabelText("Always on regular Fargate (tasks)") as HTMLInputElement).value).toBe("0");
  expect(screen.getByTestId("spot-warning").textContent).toContain("a Spot reclaim can briefly leave no task answering");
  expect(screen.getByTestId("compute-words").textContent).toBe("Runs on arm64 · Fargate Spot.");
  await user.clear(screen.getByLabelText("Share on Spot (%)"));
  await user.type(screen.getByLabelText("Share on Spot (%)"), "70");
  await user.clear(screen.getByLabelText("Always on regular Fargate (tasks)"));
  await user.type(screen.getByLabelText("Always on regular Fargate (tasks)"), "1");
  expect(screen.queryByTestId("spot-warning")).toBeNull();
  expect(screen.getByTestId("compute-words").textContent).toBe("Runs on arm64 · Fargate Spot for 70 % of the tasks, the first 1 task on regular Fargate.");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  const patches = () => calls.filter((c) => c.method === "PATCH").map((c) => c.body);
  await waitFor(() => expect(patches()).toHaveLength(1));
  expect(patches()[0]).toEqual({ architecture: "arm64", spot: { percent: 70, on_demand_base: 1 } });
  expect(await screen.findByText(/Saved\. Runtime settings take effect with the next deploy/)).toBeTruthy();
  // the page's summary (above the tabs) says it at once
  await waitFor(() => expect(screen.getByTestId("compute").textContent).toBe("arm64 · Fargate Spot for 70 % of the tasks, the first 1 task on regular Fargate"));

  // the share alone changed: only it is sent (a PATCH merges Spot's fields)
  await user.clear(screen.getByLabelText("Share on Spot (%)"));
  await user.type(screen.getByLabelText("Share on Spot (%)"), "50");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(2));
  expect(patches()[1]).toEqual({ spot: { percent: 50 } });
  expect(api.current().spot).toEqual({ percent: 50, on_demand_base: 1 });

  // back to x86_64 and off: null for both (the API stores x86_64 as null)
  await user.click(screen.getByRole("radio", { name: /x86_64/ }));
  await user.click(screen.getByRole("checkbox", { name: "Run on Fargate Spot" }));
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(3));
  expect(patches()[2]).toEqual({ architecture: null, spot: null });

  // nothing changed: no Compute field sent
  await user.clear(screen.getByLabelText("Min instances"));
  await user.type(screen.getByLabelText("Min instances"), "2");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(patches()).toHaveLength(4));
  expect(patches()[3]).toEqual({ min_instances: 2 });
});

test("Settings' Compute: the API's 422 on the tasks always on regular Fargate shows at that field (focused), not at the share; not a number is refused before sending", async () => {
  session.set("t");
  const api = serviceApi({ max_instances: 1, spot: { percent: 100, on_demand_base: 0 }, architecture: "arm64" });
  const calls = fakeApi(api.answers);
  renderAt("/orgs/o/services/s");
  expect((await screen.findByTestId("compute", {}, { timeout: 5000 })).textContent).toBe("arm64 · Fargate Spot");

  cleanup();
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const base = await screen.findByLabelText("Always on regular Fargate (tasks)", {}, { timeout: 5000 });
  expect((screen.getByRole("checkbox", { name: "Run on Fargate Spot" }) as HTMLInputElement).checked).toBe(true);
  expect((screen.getByRole("radio", { name: /arm64/ }) as HTMLInputElement).checked).toBe(true);
  expect(screen.getByTestId("spot-warning")).toBeTruthy();   // a web service with none on regular Fargate

  await user.clear(screen.getByLabelText("Share on Spot (%)"));
  await user.type(screen.getByLabelText("Share on Spot (%)"), "most");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  expect(within(fieldOf("Share on Spot (%)")).getByRole("alert").textContent).toBe('"most" is not a whole number');
  expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(0);

  await user.clear(screen.getByLabelText("Share on Spot (%)"));
  await user.type(screen.getByLabelText("Share on Spot (%)"), "100");
  await user.clear(base);
  await user.type(base, "5");
  await user.click(screen.getByRole("button", { name: "Save changes" }));
  const alert = await within(fieldOf("Always on regular Fargate (tasks)")).findByRole("alert");
  expect(alert.textContent).toBe("spot.on_demand_base 5 would keep all of at most 1 task on regular Fargate: lower it or raise max_instances");
  expect(calls.filter((c) => c.method === "PATCH")[0]!.body).toEqual({ spot: { on_demand_base: 5 } });
  expect(base.getAttribute("aria-invalid")).toBe("true");
  await waitFor(() => expect(document.activeElement).toBe(base));
  expect(within(fieldOf("Share on Spot (%)")).queryByRole("alert")).toBeNull();
  expect(screen.queryByText(/^spot\.on_demand_base 5/, { selector: ".form-error" })).toBeNull();   // said once, at its field
});

test("a new cron job: Spot without the tasks on regular Fargate (must be 0), sent with the architecture; the API's refusal at the switch", async () => {
  session.set("t");
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => [422, { error: { code: "invalid", field: "spot",
      message: "a cron job's run is one task: with spot, on_demand_base must be 0" } }],
  });
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name", {}, { timeout: 5000 }), "nightly");
  await user.selectOptions(screen.getByLabelText("Kind"), "cron");
  await user.type(screen.getByLabelText("Image"), "acme/jobs:1");
  await user.type(screen.getByLabelText("Schedule (UTC)"), "0 3 * * *");
  await user.click(screen.getByRole("radio", { name: /arm64/ }));
  await user.click(screen.getByRole("checkbox", { name: "Run on Fargate Spot" }));
  expect(screen.getByLabelText("Share on Spot (%)")).toBeTruthy();
  expect(screen.queryByLabelText("Always on regular Fargate (tasks)")).toBeNull();
  expect(screen.queryByTestId("spot-warning")).toBeNull();   // one task a run: nothing to keep answering
  await user.click(screen.getByRole("button", { name: "Create service" }));
  const toggle = screen.getByRole("checkbox", { name: "Run on Fargate Spot" });
  expect((await within(toggle.closest(".field") as HTMLElement).findByRole("alert")).textContent)
    .toBe("a cron job's run is one task: with spot, on_demand_base must be 0");
  const post = calls.find((c) => c.method === "POST")!;
  expect(post.body).toMatchObject({ kind: "cron", architecture: "arm64", spot: { percent: 100 } });
  expect((post.body as { spot: object }).spot).not.toHaveProperty("on_demand_base");
});

test("a new web service sends neither setting when left at x86_64 and regular Fargate", async () => {
  session.set("t");
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => [422, { error: { code: "invalid", field: "name", message: "taken" } }],
  });
  renderAt("/orgs/o/projects/p/new");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Name", {}, { timeout: 5000 }), "web");
  await user.type(screen.getByLabelText("Image"), "nginx:1.27");
  expect(screen.getByTestId("compute-words").textContent).toBe("Runs on x86_64 · regular Fargate.");
  await user.click(screen.getByRole("button", { name: "Create service" }));
  await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
  const body = calls.find((c) => c.method === "POST")!.body as Record<string, unknown>;
  expect(body).not.toHaveProperty("architecture");
  expect(body).not.toHaveProperty("spot");
});
