import { fitMemory, memoryChoices } from "./fargate";
import { highlighted } from "./highlight";
import { phases } from "../components/Timeline";
import { hitPath } from "../components/SearchPalette";
import { releaseChanges } from "../pages/service/Deploys";
import { ApiError, parseRetryAfter } from "../api/client";
import { retryWords } from "./format";
import type { Deployment } from "../api/models";

test("only valid Fargate memory sizes are offered", () => {
  expect(memoryChoices(256)).toEqual([512, 1024, 1536, 2048]);
  expect(memoryChoices(4096)[0]).toBe(8192);
  expect(memoryChoices(4096).at(-1)).toBe(30720);
  expect(fitMemory(1024, 512)).toBe(2048); // a CPU change moves memory to a valid size
  expect(fitMemory(1024, 4096)).toBe(4096);
});

test("API field errors map to form fields", () => {
  const e = new ApiError(422, { error: { code: "invalid", message: "2 problems", field: "name",
    fields: [{ field: "name", message: "bad name" }, { field: "health_check.path", message: "bad path" }] } });
  expect(e.forField("name")).toBe("bad name");
  expect(e.forField("health_check")).toBe("bad path");
  expect(e.forField("image")).toBeUndefined();
});

test("highlights become <mark> elements and never HTML", () => {
  const nodes = highlighted("a &lt;script&gt; <mark>web</mark> b");
  expect(nodes[0]).toBe("a <script> ");
  expect((nodes[1] as { type: string }).type).toBe("mark");
});

const dep = (over: Partial<Deployment>): Deployment => ({
  id: "dep_1", service_id: "svc_1", project_id: "p", service_name: "web", kind: "web", number: 2, image: "x",
  status: "queued", reason: null, error: null, steps: [], rollback_of: null, rollback_of_number: null, actor: "a",
  created: "", updated: "", ...over,
});

test("the timeline shows the automatic rollback as its own phase", () => {
  const d = dep({
    status: "rolled_back", error: "health check failed",
    steps: [{ name: "cluster", status: "done" }, { name: "rollout", status: "failed", error: "health" },
      { name: "rollback.service", status: "done" }, { name: "rollback.rollout", status: "done" }],
  });
  const ps = phases(d);
  expect(ps.map((p) => p.id)).toEqual(["queued", "provisioning", "deploying", "rollback", "live"]);
  expect(ps.find((p) => p.id === "deploying")?.state).toBe("failed");
  expect(ps.find((p) => p.id === "rollback")?.steps.map((s) => s.name)).toEqual(["rollback.service", "rollback.rollout"]);
  expect(phases(dep({ status: "provisioning", steps: [{ name: "cluster", status: "running" }] }))[1]?.state).toBe("active");
});

test("a deployment from source shows its building phase first", () => {
  const build = { repo: "acme/shop", branch: "main", ref: "main", dockerfile: "Dockerfile", context: "." };
  const building = phases(dep({ status: "building", build, steps: [{ name: "build.start", status: "done" }, { name: "build", status: "running" }] }));
  expect(building.map((p) => p.id)).toEqual(["queued", "building", "provisioning", "deploying", "live"]);
  expect(building[1]?.state).toBe("active");
  expect(building[1]?.steps.map((s) => s.name)).toEqual(["build.start", "build"]);
  expect(building[2]?.state).toBe("waiting");
  const broken = phases(dep({ status: "failed", build, error: "the build failed", steps: [{ name: "build.start", status: "done" }, { name: "build", status: "failed" }] }));
  expect(broken.map((p) => [p.id, p.state])).toEqual([["queued", "done"], ["building", "failed"], ["provisioning", "skipped"], ["deploying", "skipped"], ["live", "skipped"]]);
  expect(phases(dep({ status: "provisioning", steps: [] })).map((p) => p.id)).not.toContain("building");   // from an image
});

test("a rollback says what changes before it runs", () => {
  const cur = { deployment_id: "d3", number: 3, image: "nginx:1.28", actor: "", created: "", finished: null, current: true, secret_versions: { A: 2 } };
  const old = { ...cur, deployment_id: "d1", number: 1, image: "nginx:1.27", current: false, secret_versions: { A: 1 } };
  expect(releaseChanges(cur, old)).toEqual(["image: nginx:1.28 → nginx:1.27", "secret A: v2 → v1", "release: #3 → #1 (its variables and settings)"]);
});

test("search results lead to the right screen", () => {
  expect(hitPath("o", { id: "dep_1", type: "deployment", title: "", link: "/v1/orgs/o/deployments/dep_1" })).toBe("/orgs/o/deployments/dep_1");
  expect(hitPath("o", { id: "aud_1", type: "audit", title: "deployment.live deployment dep_9", link: "/v1/orgs/o/audit-events/aud_1" })).toBe("/orgs/o/deployments/dep_9");
  expect(hitPath("o", { id: "svc_1", type: "service", title: "web", link: "/v1/orgs/o/services/svc_1" })).toBe("/orgs/o/services/svc_1");
});

test("a 429's Retry-After (seconds or an HTTP date) becomes when to try again", () => {
  const now = Date.parse("2026-11-26T10:00:00Z");
  expect(parseRetryAfter("120", now)).toBe(120);
  expect(parseRetryAfter("Thu, 26 Nov 2026 10:01:30 GMT", now)).toBe(90);
  expect(parseRetryAfter("Thu, 26 Nov 2026 09:00:00 GMT", now)).toBe(0);
  expect(parseRetryAfter("soon", now)).toBeNull();
  expect(parseRetryAfter(null, now)).toBeNull();
  expect(new ApiError(429, { error: { code: "too_many", message: "slow down", field: null } }, "45").retryAfter).toBe(45);
  expect(retryWords(45, now)).toBe("in 45 seconds");
  expect(retryWords(1, now)).toBe("in 1 second");
  expect(retryWords(null, now)).toBe("in a moment");
  expect(retryWords(600, now)).toMatch(/^in 10 minutes \(at \d\d:\d\d\)$/);
  expect(retryWords(61, now)).toMatch(/^in 2 minutes /);
  expect(retryWords(3 * 3600, now)).toMatch(/^in about 3 hours \(at \d\d:\d\d\)$/);
});
