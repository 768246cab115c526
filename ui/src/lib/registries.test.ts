import { auditWords } from "./auditWords";
import { checkWords, credentialProblems, HUB_ALIASES, normalHost, registryHost } from "./registries";

// Read with node's fs at run time (as roles.test.ts does): the UI reads images as the API does.
async function readReferencesPy(): Promise<string> {
  const fs = (await import(/* @vite-ignore */ "node:" + "fs")) as { readFileSync(p: string, enc: "utf8"): string };
  return fs.readFileSync("../chalicelib/registries/references.py", "utf8");
}

test.each([
  ["nginx", "docker.io"],
  ["nginx:1.27", "docker.io"],
  ["bitnami/redis:7", "docker.io"],
  ["library/nginx@sha256:" + "a".repeat(64), "docker.io"],
  ["index.docker.io/acme/api:2", "docker.io"],
  ["registry-1.docker.io/acme/api", "docker.io"],
  ["docker.io/acme/api", "docker.io"],
  ["ghcr.io/acme/api:1.4", "ghcr.io"],
  ["Ghcr.IO/acme/api:1", "ghcr.io"],
  ["registry.gitlab.com/acme/group/api", "registry.gitlab.com"],
  ["localhost/api", "localhost"],
  ["localhost:5000/api:dev", "localhost:5000"],
  ["127.0.0.1:5000/acme/api@sha256:" + "b".repeat(64), "127.0.0.1:5000"],
  ["myregistry:5000/api", "myregistry:5000"],
  ["acme/api:1.0", "docker.io"],          // no '.', ':' nor localhost: a Docker Hub user
  ["  ghcr.io/acme/api  ", "ghcr.io"],
])("the registry of %s is %s", (image, host) => {
  expect(registryHost(image)).toBe(host);
});

test("no image, no registry", () => {
  expect(registryHost("")).toBeNull();
  expect(registryHost(null)).toBeNull();
  expect(registryHost(undefined)).toBeNull();
});

test("Docker Hub's aliases are the API's", async () => {
  const py = await readReferencesPy();
  const set = /_HUB_ALIASES = \{([^}]*)\}/.exec(py)![1]!;
  expect([...set.matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort()).toEqual([...HUB_ALIASES].sort());
  expect(normalHost(" Registry-1.Docker.io/ ")).toBe("docker.io");
  expect(normalHost("GHCR.io")).toBe("ghcr.io");
});

test("the form's checks: host[:port], a user name without spaces or ':', a password", () => {
  const ok = { host: "ghcr.io", username: "bot", password: "s3cret" };
  expect(credentialProblems(ok)).toEqual({});
  expect(credentialProblems({ ...ok, host: "127.0.0.1:5000" })).toEqual({});
  expect(credentialProblems({ ...ok, host: "Registry.GitLab.com" })).toEqual({});
  expect(credentialProblems({ host: "", username: "", password: "" })).toEqual({
    host: expect.stringMatching(/host name/), username: "Enter the user name.", password: "Enter the password or access token.",
  });
  expect(credentialProblems({ ...ok, host: "https://ghcr.io" }).host).toMatch(/without https:\/\//);
  expect(credentialProblems({ ...ok, host: "ghcr.io/acme" }).host).toMatch(/without a repository path/);
  expect(credentialProblems({ ...ok, host: "not a host" }).host).toMatch(/with its port if not 443/);
  expect(credentialProblems({ ...ok, host: "ghcr.io:port" }).host).toMatch(/with its port if not 443/);
  expect(credentialProblems({ ...ok, username: "a b" }).username).toMatch(/no spaces or ':'/);
  expect(credentialProblems({ ...ok, username: "a:b" }).username).toMatch(/no spaces or ':'/);
  expect(credentialProblems({ ...ok, password: " s3cret" }).password).toMatch(/space/);
});

test("the last check in words", () => {
  expect(checkWords({ ok: true, message: "signed in to ghcr.io as bot" })).toEqual({ ok: true, label: "signed in", why: null });
  expect(checkWords({ ok: null, message: "not checked: the sandbox reaches no registry but one on this machine" }))
    .toEqual({ ok: false, label: "not checked", why: "the sandbox reaches no registry but one on this machine" });
  expect(checkWords(null)).toEqual({ ok: false, label: "not checked", why: null });
});

test("the audit log says whose credentials were set or removed, with a link to the page", () => {
  const event = (action: string, details: Record<string, unknown>) =>
    ({ id: "a", actor: "me@example.com", action, target_type: "registry", target_id: "ghcr.io", source_ip: "", created: "", details });
  expect(auditWords("o", event("registry.credentials_set", { host: "ghcr.io", username: "bot", version: 2 })))
    .toEqual({ verb: "set the credentials for", what: "registry ghcr.io", to: "/orgs/o/registries", after: "", extra: "as bot (v2)" });
  expect(auditWords("o", event("registry.credentials_delete", { host: "ghcr.io" })))
    .toEqual({ verb: "removed the credentials for", what: "registry ghcr.io", to: "/orgs/o/registries", after: "", extra: null });
});
