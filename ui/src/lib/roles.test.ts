import { allows, allowsIn, effective, PERMISSIONS, PROJECT_ACTIONS, PROJECT_ROLES, RANK } from "./roles";

// Read with node's fs at run time (as resources.test.ts does): the UI's copy must be the API's.
async function readRolesPy(): Promise<string> {
  const fs = (await import(/* @vite-ignore */ "node:" + "fs")) as { readFileSync(p: string, enc: "utf8"): string };
  return fs.readFileSync("../chalicelib/accounts/roles.py", "utf8");
}

test("roles and permissions are chalicelib/accounts/roles.py's", async () => {
  const py = await readRolesPy();
  const roles = [.../ROLES = \(([^)]*)\)/.exec(py)![1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  expect(Object.entries(RANK).sort((a, b) => b[1] - a[1]).map(([r]) => r)).toEqual(roles);
  const block = /PERMISSIONS = \{([\s\S]*?)\n\}/.exec(py)![1]!;
  const perms = Object.fromEntries([...block.matchAll(/"([^"]+)": "([^"]+)"/g)].map((m) => [m[1], m[2]]));
  expect(PERMISSIONS).toEqual(perms);
});

test("a role allows what its rank reaches", () => {
  expect(allows("viewer", "read")).toBe(true);
  expect(allows("developer", "project.write")).toBe(false);
  expect(allows("admin", "aws_account.write")).toBe(true);
  expect(allows(undefined, "project.delete")).toBe(true);   // not loaded yet: the API decides
});

test("the project actions and project roles are chalicelib/accounts/roles.py's", async () => {
  const py = await readRolesPy();
  const block = /PROJECT_ACTIONS = frozenset\(\{([\s\S]*?)\}\)/.exec(py)![1]!;
  expect([...PROJECT_ACTIONS].sort()).toEqual([...block.matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort());
  const roles = /PROJECT_ROLES = \(([^)]*)\)/.exec(py)![1]!;
  expect([...PROJECT_ROLES]).toEqual([...roles.matchAll(/"([^"]+)"/g)].map((m) => m[1]));
});

test("a developer's or viewer's project role decides that project's work, higher or lower", () => {
  const mine = { p_shop: "developer", p_pay: "viewer" };
  // a viewer who is developer in shop deploys there, and only there
  expect(effective("viewer", mine, "deploy", "p_shop")).toEqual({ role: "developer", byProject: true });
  expect(allowsIn("viewer", mine, "deploy", "p_shop")).toBe(true);
  expect(allowsIn("viewer", mine, "service.write", "p_blog")).toBe(false);
  expect(allowsIn("viewer", mine, "deploy", undefined)).toBe(false);
  // a developer who is viewer in payments changes nothing there
  expect(allowsIn("developer", mine, "secret.write", "p_pay")).toBe(false);
  expect(allowsIn("developer", mine, "secret.write", "p_shop")).toBe(true);
  // a project admin approves and adds environments in that project
  expect(allowsIn("developer", { p_shop: "admin" }, "deploy.approve", "p_shop")).toBe(true);
  expect(allowsIn("developer", { p_shop: "admin" }, "project.delete", "p_shop")).toBe(true);
});

test("organization things keep the organization role; owners and admins act on every project as such", () => {
  const lead = { p_shop: "admin" };
  for (const action of ["member.write", "aws_account.write", "git.write", "registry.write", "org.write"] as const) {
    expect(effective("developer", lead, action, "p_shop")).toEqual({ role: "developer", byProject: false });
    expect(allowsIn("developer", lead, action, "p_shop")).toBe(false);
  }
  // a role kept from before a promotion does not apply
  expect(effective("admin", { p_shop: "viewer" }, "deploy", "p_shop")).toEqual({ role: "admin", byProject: false });
  expect(allowsIn("owner", { p_shop: "viewer" }, "project.delete", "p_shop")).toBe(true);
  // reading is every member's, whatever the project role
  expect(effective("developer", { p_shop: "viewer" }, "read", "p_shop").byProject).toBe(false);
  expect(allowsIn(undefined, undefined, "deploy", "p_shop")).toBe(true);   // not loaded yet: the API decides
});
