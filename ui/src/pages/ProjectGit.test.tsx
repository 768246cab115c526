import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt, signedIn } from "../test/fakeApi";

const HOOK = "/v1/orgs/o/projects/p/hooks/github";
const ENVS = "/v1/orgs/o/projects/p/environments";
const project = {
  "GET /v1/orgs/o/projects/p": (): [number, unknown] => [200, { id: "p", name: "shop" }],
  "GET /v1/orgs/o/git/github": (): [number, unknown] => [200, { provider: "github", configured: false }],
};
/** GET …/hooks/github before a hook is made: a 200 saying so (chalicelib/hooks/service.py describe). */
const noHook = (): [number, unknown] => [200, { configured: false, id: null, provider: "github", url: "http://localhost/v1/hooks/github/p",
  events: ["push", "pull_request"], created: null, updated: null, deliveries: [] }];
const env = (name: string, over: Record<string, unknown> = {}) => ({
  id: "env_" + name, project_id: "p", name, domain_suffix: null, env: {}, branch: null, preview: null,
  created: "2026-11-26T00:00:00Z", updated: "2026-11-26T00:00:00Z", ...over,
});
const delivery = (id: string, event: string, status: string, result: unknown) => ({
  id: "dlv_" + id, delivery: "gh-" + id, event, status, result, created: new Date().toISOString(), finished: null,
});

test("webhook: made with its URL and secret shown once (copy), deliveries in words, rotate asks first", async () => {
  session.set("t");
  let hook: unknown = null;
  let reads = 0;
  let posts = 0;
  const calls = fakeApi({
    ...signedIn(), ...project,
    [`GET ${ENVS}`]: () => [200, { items: [env("production")], next: null }],
    [`GET ${HOOK}`]: () => {
      reads += 1;
      if (!hook) return noHook();
      const push = reads > 2
        ? delivery("1", "push", "done", { branch: "main", environments: ["production"], deployments: ["dep_a", "dep_b"] })
        : delivery("1", "push", "processing", null);
      return [200, { ...(hook as object), deliveries: [push,
        delivery("2", "pull_request", "done", { preview: "pr-7", environment_id: "env_pr", domain_suffix: "pr-7.shop.example.com", from: "production", deployments: ["dep_c"] }),
        delivery("3", "push", "done", { skipped: "no environment tracks branch 'dev'" }),
        delivery("4", "pull_request", "failed", { error: "the hook's admin is no longer a member" })] }];
    },
    [`POST ${HOOK}`]: () => {
      posts += 1;
      hook = { configured: true, id: "hook_1", provider: "github", url: "http://localhost/v1/hooks/github/p", events: ["push", "pull_request"], created: "2026-11-26T00:00:00Z", updated: new Date().toISOString() };
      return [201, { id: "hook_1", provider: "github", url: "http://localhost/v1/hooks/github/p", secret: `s3cret-${posts}`,
        content_type: "application/json", events: ["push", "pull_request"], rotated: posts > 1 }];
    },
  });
  renderAt("/orgs/o/projects/p/git");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Set up the GitHub webhook" }));
  expect(screen.queryByRole("alert")).toBeNull();        // no webhook yet is a state, not an error

  const panel = await screen.findByRole("region", { name: "Webhook secret" });
  expect(within(panel).getByLabelText("Payload URL").textContent).toBe("http://localhost/v1/hooks/github/p");
  expect(within(panel).getByLabelText("Secret").textContent).toBe("s3cret-1");
  expect(panel.textContent).toContain("Pushes");
  expect(panel.textContent).toContain("Pull requests");
  expect(panel.textContent).toContain("application/json");
  await user.click(within(panel).getByRole("button", { name: "Copy secret" }));
  expect(await navigator.clipboard.readText()).toBe("s3cret-1");
  await user.click(within(panel).getByRole("button", { name: "I have copied it" }));
  expect(screen.queryByRole("region", { name: "Webhook secret" })).toBeNull();
  expect(document.body.textContent).not.toContain("s3cret-1");   // shown once: gone from the page

  // the deliveries, each with what it did; one still processing is polled until it has an outcome
  const table = await screen.findByRole("table", { name: "Recent deliveries" });
  const row = (id: string) => table.querySelector(`tr[data-delivery=gh-${id}]`) as HTMLElement;
  expect(row("1").textContent).toContain("Being processed");
  await waitFor(() => expect(row("1").textContent).toContain("Deployed 2 services of production from main"), { timeout: 5000 });
  expect(within(row("1")).getByRole("link", { name: "deployment 2" }).getAttribute("href")).toBe("/orgs/o/deployments/dep_b");
  expect(row("2").textContent).toContain("Opened preview pr-7 from production on *.pr-7.shop.example.com; 1 deployment");
  expect(row("3").textContent).toContain("Nothing to do: no environment tracks branch 'dev'");
  expect(row("4").textContent).toContain("Failed: the hook's admin is no longer a member");

  // rotating asks first; Cancel sends nothing
  await user.click(screen.getByRole("button", { name: "Rotate secret" }));
  let dialog = screen.getByRole("dialog", { name: "Rotate the webhook secret?" });
  await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(1);
  await user.click(screen.getByRole("button", { name: "Rotate secret" }));
  dialog = screen.getByRole("dialog", { name: "Rotate the webhook secret?" });
  await user.click(within(dialog).getByRole("button", { name: "Rotate secret" }));
  const again = await screen.findByRole("region", { name: "Webhook secret" });
  expect(again.textContent).toContain("the old one no longer works");
  expect(within(again).getByLabelText("Secret").textContent).toBe("s3cret-2");
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(2);
});

test("tracked branches are PATCHed (the API's error next to the branch); previews listed with PR, head and hosts", async () => {
  session.set("t");
  const pushed = new Date(Date.now() - 3 * 3600_000).toISOString();
  let items: Record<string, unknown>[] = [
    env("production", { domain_suffix: "shop.example.com" }),
    env("staging", { branch: "develop" }),
    env("pr-7", { domain_suffix: "pr-7.shop.example.com", preview: { pr: 7, head_sha: "abcdef0123456789", head_ref: "feature/cart", last_push: pushed } }),
    env("pr-12", { preview: { pr: 12, head_sha: "1234567890abcdef", head_ref: "fix", last_push: pushed } }),
  ];
  const calls = fakeApi({
    ...signedIn(), ...project,
    [`GET ${HOOK}`]: noHook,
    [`GET ${ENVS}`]: () => [200, { items, next: null }],
    [`PATCH ${ENVS}/production`]: async (req) => {
      const body = await req.json() as { branch: string | null };
      if (body.branch === "bad..name") return [422, err("invalid", "branch must be a branch name such as main", "branch")];
      items = items.map((e) => (e.name === "production" ? { ...e, branch: body.branch } : e));
      return [200, items[0]];
    },
  });
  renderAt("/orgs/o/projects/p/git");
  const user = userEvent.setup();
  const branches = await screen.findByRole("table", { name: "Tracked branches" });
  expect(branches.querySelectorAll("tbody tr")).toHaveLength(2);   // previews track no branch themselves
  expect((within(branches).getByLabelText("Branch staging tracks") as HTMLInputElement).value).toBe("develop");
  const input = within(branches).getByLabelText("Branch production tracks");
  const prod = input.closest("tr") as HTMLElement;
  await user.type(input, "bad..name");
  await user.click(within(prod).getByRole("button", { name: "Save" }));
  expect((await within(prod).findByRole("alert")).textContent).toBe("branch must be a branch name such as main");
  expect(input.getAttribute("aria-invalid")).toBe("true");
  await user.clear(input);
  await user.type(input, "main");
  await user.click(within(prod).getByRole("button", { name: "Save" }));
  expect((await within(prod).findByRole("status")).textContent).toBe("Tracks main.");
  expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([{ branch: "bad..name" }, { branch: "main" }]);

  const previews = screen.getByRole("table", { name: "Preview environments" });
  const rows = [...previews.querySelectorAll("tbody tr")] as HTMLElement[];
  expect(rows.map((r) => r.getAttribute("data-preview"))).toEqual(["pr-12", "pr-7"]);
  expect(rows[1]!.textContent).toContain("#7");
  expect(rows[1]!.textContent).toContain("abcdef0");
  expect(rows[1]!.textContent).toContain("feature/cart");
  expect(rows[1]!.textContent).toContain("*.pr-7.shop.example.com");
  expect(rows[1]!.textContent).toContain("3h ago");
  expect(rows[0]!.textContent).toContain("none (no domain suffix)");
  expect(within(rows[1]!).getByRole("link", { name: "pr-7" }).getAttribute("href")).toBe("/orgs/o/projects/p?env=pr-7");
  expect(screen.getByText("No webhook yet")).toBeTruthy();
});

test("private repositories: an admin adds the organization's GitHub token (the API's error by the field), replaces and removes it; only its last four characters show", async () => {
  session.set("t");
  const TOKEN = "github_pat_" + "k7Q".repeat(28);
  let token: Record<string, unknown> = { provider: "github", configured: false };
  const calls = fakeApi({
    ...signedIn(), ...project,
    [`GET ${HOOK}`]: noHook,
    [`GET ${ENVS}`]: () => [200, { items: [env("production")], next: null }],
    "GET /v1/orgs/o/git/github": () => [200, token],
    "PUT /v1/orgs/o/git/github": async (req) => {
      const body = await req.json() as { token: string };
      if (!body.token.startsWith("github_pat_")) return [422, err("invalid", "token must be a GitHub personal access token", "token")];
      token = { provider: "github", configured: true, version: 1, hint: "…" + body.token.slice(-4), set_by: "me@example.com",
        created: new Date().toISOString(), updated: new Date().toISOString() };
      return [200, token];
    },
    "DELETE /v1/orgs/o/git/github": () => { token = { provider: "github", configured: false }; return [204, null]; },
  });
  renderAt("/orgs/o/projects/p/git");
  const user = userEvent.setup();
  const section = (await screen.findByRole("heading", { name: "Private repositories" })).closest("section") as HTMLElement;
  expect((await within(section).findByText(/No GitHub token/)).textContent).toContain("public repositories only");
  await user.click(within(section).getByRole("button", { name: "Add a GitHub token" }));
  const input = within(section).getByLabelText("GitHub token", { selector: "input" });
  expect(input.getAttribute("type")).toBe("password");
  await user.type(input, "nope-not-a-token");
  await user.click(within(section).getByRole("button", { name: "Save token" }));
  expect((await within(section).findByRole("alert")).textContent).toBe("token must be a GitHub personal access token");
  await user.clear(input);
  await user.type(input, TOKEN);
  await user.click(within(section).getByRole("button", { name: "Save token" }));
  await waitFor(() => expect(section.textContent).toContain("…" + TOKEN.slice(-4)));
  expect(section.textContent).toContain("by me@example.com");
  expect(document.body.innerHTML).not.toContain(TOKEN.slice(0, -4));          // never shown back, not even in an input
  expect(calls.filter((c) => c.method === "PUT").map((c) => c.body)).toEqual([{ token: "nope-not-a-token" }, { token: TOKEN }]);

  // removing asks first
  await user.click(within(section).getByRole("button", { name: "Remove token" }));
  const dialog = screen.getByRole("dialog", { name: "Remove the GitHub token?" });
  await user.click(within(dialog).getByRole("button", { name: "Remove token" }));
  expect(await within(section).findByText(/No GitHub token/)).toBeTruthy();
  expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(1);
});

test("private repositories: a developer sees whether a token is set and no buttons to change it", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(), ...project,
    "GET /v1/me": () => [200, { user: { id: "u", email: "dev@example.com" }, organizations: [{ id: "o", name: "Acme", role: "developer" }] }],
    [`GET ${HOOK}`]: noHook,
    [`GET ${ENVS}`]: () => [200, { items: [env("production")], next: null }],
    "GET /v1/orgs/o/git/github": () => [200, { provider: "github", configured: true, version: 2, hint: "…Ab3d", set_by: "boss@example.com",
      created: "2026-11-26T00:00:00Z", updated: new Date().toISOString() }],
  });
  renderAt("/orgs/o/projects/p/git");
  const section = (await screen.findByRole("heading", { name: "Private repositories" })).closest("section") as HTMLElement;
  await waitFor(() => expect(section.textContent).toContain("…Ab3d"));
  await waitFor(() => expect(within(section).queryByRole("button", { name: "Replace token" })).toBeNull());
  expect(within(section).queryByRole("button", { name: "Remove token" })).toBeNull();
});

test("private repositories: the token also posts commit statuses, and says the permission that takes; a deployment's link lands on it", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(), ...project,
    [`GET ${HOOK}`]: noHook,
    [`GET ${ENVS}`]: () => [200, { items: [env("production")], next: null }],
  });
  // from a deployment whose status GitHub refused: "Set the organization's GitHub token"
  renderAt("/orgs/o/projects/p/git#private-repos");
  const heading = await screen.findByRole("heading", { name: "Private repositories" });
  const section = heading.closest("section") as HTMLElement;
  expect(section.id).toBe("private-repos");
  expect(section.textContent).toContain("With the token, Launchbay also posts each deployment's status on its commit on GitHub, " +
    "for which the token needs permission to write commit statuses (classic: repo:status; fine-grained: Commit statuses, read and write).");
  await waitFor(() => expect(document.activeElement).toBe(heading));   // reading starts at the token, not at the webhook
});

test("the Git page opened without the anchor: focus is not moved to the token", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(), ...project,
    [`GET ${HOOK}`]: noHook,
    [`GET ${ENVS}`]: () => [200, { items: [env("production")], next: null }],
  });
  renderAt("/orgs/o/projects/p/git");
  const heading = await screen.findByRole("heading", { name: "Private repositories" });
  await screen.findByText(/No GitHub token/);
  expect(document.activeElement).not.toBe(heading);
  expect(heading.getAttribute("tabindex")).toBeNull();
});

test("watch paths in the deliveries: the services a push left alone, each with why; a push that left them all says so", async () => {
  session.set("t");
  const hook = { configured: true, id: "hook_1", provider: "github", url: "http://localhost/v1/hooks/github/p", events: ["push", "pull_request"],
    created: "2026-11-26T00:00:00Z", updated: "2026-11-26T00:00:00Z" };
  fakeApi({
    ...signedIn(), ...project,
    [`GET ${ENVS}`]: () => [200, { items: [env("production", { branch: "main" })], next: null }],
    [`GET ${HOOK}`]: () => [200, { ...hook, deliveries: [
      delivery("1", "push", "done", { branch: "main", environments: ["production"], deployments: ["dep_a"],
        unchanged: { "api (production)": "the push changes nothing under services/api" } }),
      delivery("2", "push", "done", { skipped: "no service's watch paths changed", unchanged: {
        "api (production)": "the push changes nothing under services/api", "web (production)": "the push changes nothing under services/web/**, shared" } }),
    ] }],
  });
  renderAt("/orgs/o/projects/p/git");
  const table = await screen.findByRole("table", { name: "Recent deliveries" }, { timeout: 5000 });
  const row = (id: string) => table.querySelector(`tr[data-delivery=gh-${id}]`) as HTMLElement;
  expect(row("1").textContent).toContain("Deployed 1 service of production from main");
  expect(within(row("1")).getByRole("list", { name: "Left alone" }).textContent)
    .toBe("Left api (production) alone: the push changes nothing under services/api");
  expect(row("2").textContent).toContain("Nothing to do: no service's watch paths changed");
  expect(within(within(row("2")).getByRole("list", { name: "Left alone" })).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
    "Left api (production) alone: the push changes nothing under services/api",
    "Left web (production) alone: the push changes nothing under services/web/**, shared",
  ]);
});
