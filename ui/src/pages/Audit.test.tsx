import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import type { AuditEvent } from "../api/models";
import { fakeApi, renderAt, signedIn } from "../test/fakeApi";

const ev = (id: string, action: string, target_type: string, target_id: string, details: Record<string, unknown>, actor = "ada@example.com"): AuditEvent =>
  ({ id, actor, action, target_type, target_id, source_ip: "127.0.0.1", created: new Date().toISOString(), details });

test("the audit log reads as sentences that link to what changed, and pages back with `next`", async () => {
  session.set("t");
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects": () => [200, { items: [{ id: "prj_1", org_id: "o", name: "shop" }], next: null }],
    "GET /v1/orgs/o/projects/prj_1/services": () => [200, { items: [{ id: "svc_1", name: "web" }], next: null }],
    "GET /v1/orgs/o/audit": (req) => new URL(req.url).searchParams.get("cursor") === "c2"
      ? [200, { items: [ev("a9", "user.signup", "user", "usr_1", {})], next: null }]
      : [200, { items: [
        ev("a0", "deployment.live", "deployment", "dep_3", { from: "deploying", reason: "serving", number: 3, service: "web" }, "launchbay"),
        ev("a1", "deployment.rollback_pending", "deployment", "dep_2", { from: "deploying", reason: "health check failed", number: 2 }, "launchbay"),
        ev("a2", "deployment.create", "deployment", "dep_2", { number: 2, image: "nginx:1.27", rollback_of: null }),
        ev("a3", "service.update", "service", "svc_1", { fields: ["image", "max_instances"] }),
        ev("a4", "secret.put", "service", "svc_1", { name: "DATABASE_URL", version: 1 }),
        ev("a5", "project.create", "project", "prj_1", { name: "shop" }),
        ev("a6", "member.invite", "invitation", "inv_1", { email: "bob@example.com", role: "viewer" }),
        ev("a7", "member.join", "membership", "mem_1", { role: "viewer" }, "bob@example.com"),
        ev("a8", "resource.link", "service", "svc_1", { resource: "cache", variable: "REDIS_URL" }),
        ev("a10", "aws_account.verify", "aws_account", "awsacc_1", { name: "prod", status: "broken", reason: "the role does not exist" }),
        ev("a11", "aws_account.verify", "aws_account", "awsacc_1", { name: "prod", status: "connected", reason: null }),
      ], next: "c2" }],
  });
  renderAt("/orgs/o/audit");
  const table = await screen.findByRole("table", { name: "Audit events" }, { timeout: 5000 });
  const what = () => within(table).getAllByRole("row").slice(1).map((r) => r.children[2]!.textContent);
  await waitFor(() => expect(what()).toEqual([
    "web #3 went live · serving",
    "deployment #2 failed: rollback pending · health check failed",
    "started deployment #2 · nginx:1.27",
    "changed service web · image, max_instances",
    "set secret DATABASE_URL · v1",
    "created project shop",
    "invited member bob@example.com · as viewer",
    "joined the organization · as viewer",
    "linked cache to service web · as REDIS_URL",
    "could not verify AWS account prod · the role does not exist",
    "verified AWS account prod",
  ]), { timeout: 5000 });
  expect(within(table).getAllByRole("link", { name: "deployment #2" })[0]!.getAttribute("href")).toBe("/orgs/o/deployments/dep_2");
  expect(within(table).getByRole("link", { name: "secret DATABASE_URL" }).getAttribute("href")).toBe("/orgs/o/services/svc_1/variables");
  expect(table.textContent).not.toMatch(/dep_2|svc_1|prj_1/);   // ids only in links, never as words
  await userEvent.click(screen.getByRole("button", { name: "Show older events" }));
  await waitFor(() => expect(what().at(-1)).toBe("signed up"));
  expect(calls.some((c) => c.url.includes("cursor=c2"))).toBe(true);
  expect(screen.queryByRole("button", { name: "Show older events" })).toBeNull();
});
