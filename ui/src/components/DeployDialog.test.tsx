import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../App";
import { session } from "../api/client";
import { fakeApi, me, service } from "../test/fakeApi";
import { changeWords, shownPlan, stepWords, summaryWords, type PlannedStep, type ServicePlan } from "./planWords";

// The shape chalicelib/deploys/preview.py answers (tests/deploys/test_lifecycle_api.py).
const plan: ServicePlan = {
  service_id: "s", sandbox: true, summary: { "no-op": 2, update: 2, wait: 1, skip: 1, error: 1 },
  message: "0 to create, 2 to change",
  steps: [
    { step: "log_group", resource: "log group", name: "/launchbay/o/web", action: "no-op", changes: {}, calls: [] },
    { step: "secrets", resource: "secrets (SSM parameters)", name: "/launchbay/o/s", action: "no-op", changes: {}, calls: [] },
    { step: "task_definition", resource: "task definition", name: "web", action: "update", calls: [],
      changes: { memory: [512, 1024], env: { added: ["B"], removed: [], changed: ["A"] } } },
    { step: "service", resource: "ECS service", name: "web", action: "update", calls: [], changes: { task_definition: ["web:1", "(known after apply: task_definition.arn)"] } },
    { step: "certificate", resource: "certificate", name: "-", action: "skip", changes: {}, calls: [] },
    { step: "domain_rule", resource: "listener rule (custom domain)", name: "", action: "error", changes: {}, calls: [], error: "ClientError: denied" },
    { step: "rollout", resource: "rollout", name: "web", action: "wait", changes: {}, calls: [],
      description: "roll out the new task definition on ECS service web and wait until its new tasks pass the health check on /" },
  ],
};

function renderAt(path: string) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={router} /></QueryClientProvider>);
  return router;
}

const serviceApi = {
  "GET /v1/me": me,
  "GET /v1/health": (): [number, unknown] => [200, { mode: "sandbox" }],
  "GET /v1/orgs/o/services/s": (): [number, unknown] => [200, service],
  "GET /v1/orgs/o/projects/p": (): [number, unknown] => [200, { id: "p", name: "shop" }],
  "GET /v1/orgs/o/services/s/(deployments|releases)": (): [number, unknown] => [200, { items: [], next: null }],
  "GET /v1/orgs/o/deployments/d1.*": (): [number, unknown] => [404, { error: { code: "not_found", message: "gone", field: null } }],
};

test("Deploy shows the plan in words; Cancel deploys nothing; Deploy now deploys once", async () => {
  session.set("t");
  const calls = fakeApi({
    ...serviceApi,
    "GET /v1/orgs/o/services/s/plan": () => [200, plan],
    "POST /v1/orgs/o/services/s/deployments": () => [202, { id: "d1", number: 2, status: "queued" }],
  });
  const router = renderAt("/orgs/o/services/s");
  const user = userEvent.setup();

  await user.click(await screen.findByRole("button", { name: "Deploy" }, { timeout: 5000 }));
  const dialog = await screen.findByRole("dialog", { name: "Deploy web?" });
  const steps = within(dialog).getByRole("list", { name: "What this deploy does" });
  expect(await within(steps).findByText("Change task definition web")).toBeTruthy();
  expect(within(dialog).getByText("memory: 512 → 1024")).toBeTruthy();
  expect(within(dialog).getByText("env: added B; changed A")).toBeTruthy();
  expect(within(dialog).getByText("Keep log group /launchbay/o/web as it is")).toBeTruthy();
  expect(within(dialog).getByText("Skip certificate")).toBeTruthy();
  expect(within(dialog).getByText("Cannot plan listener rule (custom domain): ClientError: denied")).toBeTruthy();
  expect(within(dialog).getByText("Roll out web and wait until it is healthy")).toBeTruthy();
  expect(within(dialog).getByText(/wait until its new tasks pass the health check on \/$/)).toBeTruthy();   // the API's description
  expect(within(dialog).getByText("2 to change, 2 unchanged, 1 skipped, 1 cannot be planned")).toBeTruthy();
  expect(document.activeElement?.textContent).toBe("Deploy now");   // Enter confirms, Escape leaves

  await user.keyboard("{Escape}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(calls.filter((r) => r.method === "POST")).toHaveLength(0);

  await user.click(screen.getByRole("button", { name: "Deploy" }));
  await user.click(await screen.findByRole("button", { name: "Deploy now" }));
  await vi.waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o/deployments/d1"));
  const posts = calls.filter((r) => r.method === "POST");
  expect(posts).toHaveLength(1);
  expect(posts[0]!.headers.get("Idempotency-Key")).toMatch(/^[0-9a-f-]{36}$/);
  expect(calls.filter((r) => r.url.endsWith("/plan"))).toHaveLength(2);   // read again each time it opens
});

test("a plan that cannot be read says why and still lets you deploy", async () => {
  session.set("t");
  const calls = fakeApi({
    ...serviceApi,
    "GET /v1/orgs/o/services/s/plan": () => [409, { error: { code: "conflict", message: "the service is being deleted", field: null } }],
    "POST /v1/orgs/o/services/s/deployments": () => [409, { error: { code: "conflict", message: "a deploy is already running", field: null } }],
  });
  renderAt("/orgs/o/services/s");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Deploy" }, { timeout: 5000 }));
  const dialog = await screen.findByRole("dialog");
  expect(await within(dialog).findByText("the service is being deleted")).toBeTruthy();
  await user.click(within(dialog).getByRole("button", { name: "Deploy now" }));
  expect(await within(dialog).findByText("a deploy is already running")).toBeTruthy();
  expect(calls.filter((r) => r.method === "POST")).toHaveLength(1);
});

test("plan changes in words: pairs, name lists, words", () => {
  expect(changeWords("memory", [512, 1024])).toBe("memory: 512 → 1024");
  expect(changeWords("owner", [null, "svc_1"])).toBe("owner: none → svc_1");
  expect(changeWords("added", ["A", "B"])).toBe("added: A, B");   // secrets: names, never a pair
  expect(changeWords("allowed_ips", [["203.0.113.0/24", "2001:db8::/32"], "everyone"]))
    .toBe("allowed_ips: 203.0.113.0/24, 2001:db8::/32 → everyone");   // a rule's addresses, not JSON
  expect(changeWords("revision", "new")).toBe("revision: new");
  expect(changeWords("targets", [null, { cpu: 60, requests: null }])).toBe('targets: none → {"cpu":60,"requests":null}');
  expect(changeWords("spec", ["a".repeat(100), "b"]).length).toBeLessThan(100);
  expect(stepWords({ step: "x", resource: "target group", name: "-", action: "create", changes: {}, calls: [] })).toBe("Create target group");
  expect(summaryWords({ ...plan, summary: { wait: 1 }, message: "nothing would change in AWS but the rollout" }))
    .toBe("nothing would change in AWS but the rollout");
});

test("no release command: one \"Skip release command\" line (with why), counted once", () => {
  const skip = (step: string, description?: string): PlannedStep =>
    ({ step, resource: "release command", name: "-", action: "skip", changes: {}, calls: [], ...(description ? { description } : {}) });
  const p = { ...plan, steps: [skip("release.start"), skip("release", "no release command")], summary: { skip: 2, "no-op": 1 } };
  const shown = shownPlan(p);
  expect(shown.steps.map((s) => [stepWords(s), s.description])).toEqual([["Skip release command", "no release command"]]);
  expect(summaryWords(shown)).toBe("1 unchanged, 1 skipped");
  // a release command that runs: both steps stay
  const runs = { ...p, steps: [{ ...skip("release.start"), action: "create" as const }, { ...skip("release"), action: "wait" as const }] };
  expect(shownPlan(runs).steps).toHaveLength(2);
});

test("the plan of a service built from source: what it builds, each waiting step by what it waits for", () => {
  const step = (stepName: string, resource: string, name: string, action: PlannedStep["action"], changes = {}): PlannedStep =>
    ({ step: stepName, resource, name, action, changes, calls: [] });
  expect(stepWords(step("build", "rollout", "lb-1", "wait"))).toBe("Build the image from the repository and wait for it");
  expect(stepWords(step("resources", "rollout", "lb-1", "wait"))).toBe("Wait until the linked databases, caches and buckets are ready");
  expect(stepWords(step("rollout", "rollout", "lb-1", "wait"))).toBe("Roll out lb-1 and wait until it is healthy");
  // the linked resources, by name, as the API names that step now (never "rollout")
  expect(stepWords(step("resources", "linked resources", "db", "wait"))).toBe("Wait until the linked db is available");
  expect(stepWords(step("resources", "linked resources", "cache, db", "wait"))).toBe("Wait until the linked cache, db are available");
  expect(stepWords(step("resources", "linked resources", "db", "no-op"))).toBe("The linked db is available: nothing to wait for");
  expect(stepWords(step("resources", "linked resources", "", "skip"))).toBe("No linked resources: nothing to wait for");
  expect(stepWords(step("image", "container image", "(known after apply: build.image)", "no-op"))).toBe("Keep container image (the image the build makes) as it is");
  expect(changeWords("image", [null, "(known after apply: build.image)"])).toBe("image: none → (the image the build makes)");
  expect(changeWords("task_definition", ["web:1", "(known after apply: task_definition.arn)"])).toBe("task_definition: web:1 → (known once task_definition has run)");
});

test("Deploy of a service built from source says what it builds (no empty 'Image')", async () => {
  session.set("t");
  const source = { ...service, image: null, source: { repo: "acme/shop", branch: "main", dockerfile: "Dockerfile", context: "." } };
  fakeApi({
    ...serviceApi,
    "GET /v1/orgs/o/services/s": () => [200, source],
    "GET /v1/orgs/o/services/s/plan": () => [200, { ...plan, steps: [], summary: {} }],
  });
  renderAt("/orgs/o/services/s");
  await userEvent.click(await screen.findByRole("button", { name: "Deploy" }, { timeout: 5000 }));
  const dialog = await screen.findByRole("dialog", { name: "Deploy web?" });
  expect(dialog.querySelector("p.muted")!.textContent).toBe("Builds acme/shop@main (Dockerfile), then runs the image · into the sandbox");
});

test("the keyboard stays in the Deploy dialog, and Escape gives focus back to Deploy", async () => {
  session.set("t");
  fakeApi({ ...serviceApi, "GET /v1/orgs/o/services/s/plan": () => [200, plan] });
  renderAt("/orgs/o/services/s");
  const user = userEvent.setup();
  const deploy = await screen.findByRole("button", { name: "Deploy" }, { timeout: 5000 });
  await user.click(deploy);
  const dialog = await screen.findByRole("dialog", { name: "Deploy web?" });
  await within(dialog).findByRole("list", { name: "What this deploy does" });
  expect(document.activeElement?.textContent).toBe("Deploy now");
  await user.tab();
  expect(document.activeElement?.textContent).toBe("Cancel");
  await user.tab();   // round to the first, not out to the page behind
  expect(document.activeElement?.textContent).toBe("Deploy now");
  await user.tab({ shift: true });
  expect(document.activeElement?.textContent).toBe("Cancel");
  await user.keyboard("{Escape}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(document.activeElement).toBe(deploy);
});

test("a frozen environment's 409 (field environment) shows the API's message in the dialog", async () => {
  session.set("t");
  const message = "the production environment is frozen until 2026-11-30T08:00:00Z: Black Friday (rollbacks and restarts still run; an admin lifts it with `launchbay envs unfreeze production`)";
  fakeApi({
    ...serviceApi,
    "GET /v1/orgs/o/services/s/plan": () => [200, plan],
    "POST /v1/orgs/o/services/s/deployments": () => [409, { error: { code: "conflict", message, field: "environment" } }],
  });
  renderAt("/orgs/o/services/s");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Deploy" }, { timeout: 5000 }));
  const dialog = await screen.findByRole("dialog");
  await within(dialog).findByText(summaryWords(shownPlan(plan)));
  await user.click(within(dialog).getByRole("button", { name: "Deploy now" }));
  expect((await within(dialog).findByText(message)).getAttribute("role")).toBe("alert");
});

// The task role and volume steps as GET …/plan answers them for a service linking a volume
// "uploads" (read-only) and a bucket "files" (read-only): chalicelib/deploys/task_role.py and
// cloud/inspect.py (_volumes), as tests/resources/test_volumes.py makes them.
const FS = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-77be2ad0";
const BUCKET = "arn:aws:s3:::launchbay-01m8fp69j4";
const readOnly = [`elasticfilesystem:ClientMount on ${FS}`, `s3:GetObject on ${BUCKET}/*`, `s3:ListBucket, s3:GetBucketLocation on ${BUCKET}`];
const volumePlan: ServicePlan = {
  service_id: "s", sandbox: true, summary: { "no-op": 1, create: 1, update: 1 }, message: "1 to create, 1 to change",
  steps: [
    { step: "resources", resource: "linked resources", name: "files, uploads", action: "no-op", changes: {}, calls: [],
      description: "files, uploads are available, nothing to wait for; the task reads S3_BUCKET from Secrets Manager (a reference, never the value); it mounts uploads at /app/uploads" },
    { step: "task_role", resource: "task role (IAM)", name: "launchbay-svc-01m8fp69", action: "create", calls: [],
      changes: { allows: [null, readOnly] }, description: "allows bucket files: read; volume uploads: read" },
    { step: "task_definition", resource: "task definition", name: "lb-01m8fp69", action: "update", calls: [],
      changes: { task_role: [null, "arn:aws:iam::000000000000:role/launchbay-svc-01m8fp69"], volumes: [null, ["/app/uploads <- fs-77be2ad0 (read-only)"]],
        env: { added: ["UPLOADS_PATH"], removed: [], changed: [] } } },
  ],
};

test("the task role step and the task definition's volumes and role read as words", () => {
  const [, role, td] = volumePlan.steps as [PlannedStep, PlannedStep, PlannedStep];
  expect(stepWords(role)).toBe("Create the service's task role launchbay-svc-01m8fp69 (IAM)");
  expect(stepWords({ ...role, action: "update" })).toBe("Change what the task role launchbay-svc-01m8fp69 (IAM) allows");
  expect(stepWords({ ...role, action: "no-op" })).toBe("Keep the task role launchbay-svc-01m8fp69 (IAM) as it is");
  expect(stepWords({ ...role, action: "skip", name: "launchbay-svc-01m8fp69", changes: {} })).toBe("Skip task role (IAM)");
  // a new role: all it allows, a bucket's listing and objects as one line
  expect(changeWords("allows", role.changes.allows)).toBe("allows volume fs-77be2ad0: read; bucket launchbay-01m8fp69j4: read");
  // a changed one: what changes only (the volume made writable, the bucket unlinked, another linked)
  const now = [`elasticfilesystem:ClientMount, elasticfilesystem:ClientWrite on ${FS}`,
    "s3:GetObject, s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload on arn:aws:s3:::launchbay-other/*",
    "s3:ListBucket, s3:GetBucketLocation on arn:aws:s3:::launchbay-other"];
  expect(changeWords("allows", [readOnly, now])).toBe("allows volume fs-77be2ad0: read → read and write; "
    + "bucket launchbay-other: read and write (new); bucket launchbay-01m8fp69j4: no longer (was read)");
  expect(changeWords("allows", [readOnly, []])).toBe("allows nothing any more");
  expect(changeWords("allows", [null, ["sts:AssumeRole on *"]])).toBe("allows: none → sts:AssumeRole on *");   // not understood: as it is

  expect(changeWords("task_role", td.changes.task_role)).toBe("task role: none → launchbay-svc-01m8fp69");
  expect(changeWords("task_role", ["arn:aws:iam::1:role/launchbay-svc-01m8fp69", null])).toBe("task role: launchbay-svc-01m8fp69 → none");
  expect(changeWords("volumes", td.changes.volumes)).toBe("volumes: mounts fs-77be2ad0 at /app/uploads, read-only");
  expect(changeWords("volumes", [["/app/uploads <- fs-77be2ad0 (read-only)"], ["/app/uploads <- fs-77be2ad0"]]))
    .toBe("volumes: /app/uploads becomes read and write");
  expect(changeWords("volumes", [["/data <- fs-1", "/srv <- fs-2"], ["/data <- fs-3 (read-only)"]]))
    .toBe("volumes: mounts fs-3 at /data instead of fs-1, read-only; unmounts fs-2 from /srv");
});

// A queue "jobs" linked send-only (a web service handing work over), then with receive and delete
// (a worker): chalicelib/deploys/task_role.py statements(), one statement per queue.
test("the task role's queue grants read as words: send, or send, receive and delete", () => {
  const JOBS = "arn:aws:sqs:us-east-1:123456789012:launchbay-01m8fp69j4";
  const send = [`sqs:SendMessage, sqs:GetQueueAttributes, sqs:GetQueueUrl on ${JOBS}`];
  const work = [`sqs:SendMessage, sqs:GetQueueAttributes, sqs:GetQueueUrl, sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility on ${JOBS}`];
  expect(changeWords("allows", [null, send])).toBe("allows queue launchbay-01m8fp69j4: send");
  expect(changeWords("allows", [send, work])).toBe("allows queue launchbay-01m8fp69j4: send → send, receive and delete");
  expect(changeWords("allows", [readOnly, [...readOnly, ...send]])).toBe("allows queue launchbay-01m8fp69j4: send (new)");
  expect(changeWords("allows", [[`sqs:SendMessage on ${JOBS}.fifo`], []])).toBe("allows nothing any more");
  expect(changeWords("allows", [[...send, ...readOnly], readOnly])).toBe("allows queue launchbay-01m8fp69j4: no longer (was send)");
});

test("Deploy shows a service's task role and mounted volumes in words, never as JSON", async () => {
  session.set("t");
  fakeApi({ ...serviceApi, "GET /v1/orgs/o/services/s/plan": () => [200, volumePlan] });
  renderAt("/orgs/o/services/s");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Deploy" }, { timeout: 5000 }));
  const dialog = await screen.findByRole("dialog", { name: "Deploy web?" });
  const steps = within(dialog).getByRole("list", { name: "What this deploy does" });
  const role = (await within(steps).findByText("Create the service's task role launchbay-svc-01m8fp69 (IAM)")).closest("li") as HTMLElement;
  expect(role.getAttribute("data-step")).toBe("task_role");
  expect(within(role).getByText("allows bucket files: read; volume uploads: read")).toBeTruthy();   // the API's description
  expect(within(role).getByText("allows volume fs-77be2ad0: read; bucket launchbay-01m8fp69j4: read")).toBeTruthy();
  const td = within(steps).getByText("Change task definition lb-01m8fp69").closest("li") as HTMLElement;
  expect(within(td).getByText("task role: none → launchbay-svc-01m8fp69")).toBeTruthy();
  expect(within(td).getByText("volumes: mounts fs-77be2ad0 at /app/uploads, read-only")).toBeTruthy();
  expect(within(td).getByText("env: added UPLOADS_PATH")).toBeTruthy();
  expect(steps.textContent).not.toMatch(/[[\]{}"]|<-|elasticfilesystem:/);
});

test("Deploy of a canary with a ramp behind a domain and its alias: each stage in words, each host's rules on a line of its own", async () => {
  session.set("t");
  const canary = "lb-01m8fr-canary";
  const hosts = "shop.example.com, www.shop.example.com";
  const ramp: ServicePlan = {
    service_id: "s", sandbox: true, summary: { "no-op": 1, update: 2, wait: 1 }, message: "0 to create, 2 to change",
    steps: [
      { step: "domain_rule", resource: "listener rules (custom domains)", name: hosts, action: "update", calls: [],
        changes: { "shop.example.com": { answer: ["forward to the service", "503 maintenance page"] } },
        description: "shop.example.com: HTTPS with its certificate; HTTP answers a 301 to HTTPS; www.shop.example.com: HTTP only until its certificate is issued (PENDING_VALIDATION); then HTTPS, and HTTP redirects to it" },
      { step: "canary.traffic", resource: "listener rules (canary share)", name: hosts, action: "update", calls: [],
        changes: { "shop.example.com": ["all to the service", "all to the service"] } },
      { step: "canary.traffic@25", resource: "listener rules (canary share)", name: hosts, action: "no-op", calls: [], changes: {} },
      { step: "canary.analysis@25", resource: "canary watch", name: canary, action: "wait", changes: {}, calls: [],
        description: "send 25 % of the requests to the new release for 5 min; more than 2 % 5xx answers roll the deploy back" },
    ],
  };
  fakeApi({
    ...serviceApi,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, canary: { percent: 15, minutes: 5, max_5xx_percent: 2, max_p95_ms: null, ramp: [25] } }],
    "GET /v1/orgs/o/services/s/plan": () => [200, ramp],
  });
  renderAt("/orgs/o/services/s");
  await userEvent.click(await screen.findByRole("button", { name: "Deploy" }, { timeout: 5000 }));
  const steps = await within(await screen.findByRole("dialog", { name: "Deploy web?" })).findByRole("list", { name: "What this deploy does" });
  const rules = steps.querySelector("[data-step=domain_rule]") as HTMLElement;
  expect(rules.querySelector(".plan-what")!.textContent).toBe(`Change the rules of the custom hosts ${hosts}`);
  expect([...rules.querySelectorAll(".plan-description")].map((e) => e.textContent)).toEqual([
    "shop.example.com: HTTPS with its certificate; HTTP answers a 301 to HTTPS",
    "www.shop.example.com: HTTP only until its certificate is issued (PENDING_VALIDATION); then HTTPS, and HTTP redirects to it"]);
  expect(within(rules).getByText("shop.example.com: answers the 503 maintenance page instead of forwarding to the service")).toBeTruthy();
  // the first stage's share from the service's setting; nothing said for a share that reads the same twice
  const first = steps.querySelector("[data-step='canary.traffic']") as HTMLElement;
  expect(first.querySelector(".plan-what")!.textContent).toBe(`Send 15 % of the traffic to the canary on ${hosts}`);
  expect(first.querySelector(".plan-changes")).toBeNull();
  expect(steps.querySelector("[data-step='canary.traffic@25'] .plan-what")!.textContent).toBe(`Send 25 % of the traffic to the canary on ${hosts}`);
  expect(steps.querySelector("[data-step='canary.analysis@25'] .plan-what")!.textContent).toBe("Watch the canary at 25 % of the traffic");
  expect(steps.textContent).not.toMatch(/[[\]{}"]/);
});
