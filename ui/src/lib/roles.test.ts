import { allows, PERMISSIONS, RANK } from "./roles";

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
