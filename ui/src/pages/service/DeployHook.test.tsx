import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../../api/client";
import { curlLine, hookUrl, urlWithKey } from "../../api/deployHooks";
import { type Answer, err, fakeApi, renderAt, service, signedIn } from "../../test/fakeApi";

const HOOK = "/v1/orgs/o/services/s/deploy-hook";
const HEADER = "X-Launchbay-Hook-Key";
const empty = (): [number, unknown] => [200, { items: [], next: null }];
/** What the Settings tab of service "s" asks besides its deploy hook, as role `role`. */
const settingsTab = (role = "owner", over: Record<string, Answer> = {}): Record<string, Answer> => ({
  ...signedIn(),
  "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com" }, organizations: [{ id: "o", name: "Acme", role }] }],
  "GET /v1/orgs/o/services/s": () => [200, service],
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
  "GET /v1/orgs/o/services/s/deployments": empty, "GET /v1/orgs/o/services/s/releases": empty,
  "GET /v1/orgs/o/services/s/links": () => [200, { items: [] }],
  "GET /v1/orgs/o/projects/p/environments/production": () => [200, { id: "env_production", project_id: "p", name: "production", env: {} }],
  ...over,
});
/** A hook as GET answers it (chalicelib/deploys/deploy_hooks.py public). */
const shown = (over: Record<string, unknown> = {}) => ({
  configured: true, id: "dh_1", path: "/v1/deploy-hooks/dh_1", hint: "…AbCd", header: HEADER, created_by: "me@example.com",
  created: "2026-11-26T10:00:00Z", rotated: "2026-11-26T10:00:00Z", rotated_by: "me@example.com", acts_as: "me@example.com",
  last_used: null, uses: 0, ...over,
});

test("a developer makes the deploy hook: the key once with the URL, a curl line and Docker Hub's URL; rotate and remove ask first", async () => {
  session.set("t");
  let hook: Record<string, unknown> | null = null;
  let posts = 0;
  const calls = fakeApi(settingsTab("developer", {
    [`GET ${HOOK}`]: () => [200, hook ?? { configured: false }],
    [`POST ${HOOK}`]: () => {
      posts += 1;
      const key = `lbdh_key${posts}xyzAbC${posts}`;
      hook = shown({ hint: "…" + key.slice(-4), uses: posts > 1 ? 3 : 0, last_used: posts > 1 ? new Date().toISOString() : null,
        rotated: posts > 1 ? new Date().toISOString() : "2026-11-26T10:00:00Z" });
      return [201, { ...hook, key, message: "POST … deploys web; the key is shown this once" }];
    },
    [`DELETE ${HOOK}`]: () => { hook = null; return [204, null]; },
  }));
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  const section = (await screen.findByRole("heading", { name: "Deploy hook" }, { timeout: 5000 })).closest("section") as HTMLElement;
  expect(section.textContent).toContain("for a CI job that has just pushed an image or Docker Hub's webhook");
  await user.click(await within(section).findByRole("button", { name: "Make a deploy hook" }));
  expect(screen.queryByRole("alert")).toBeNull();   // no hook yet is a state, not an error

  const url = hookUrl("/v1/deploy-hooks/dh_1");
  expect(url).toBe(`${location.origin}/v1/deploy-hooks/dh_1`);
  const panel = await screen.findByRole("region", { name: "Deploy hook key" });
  expect(panel.textContent).toContain("Deploy hook made.");
  expect(panel.textContent).toContain("Copy the key now: it will not be shown again.");
  expect(within(panel).getByLabelText("URL").textContent).toBe(url);
  expect(within(panel).getByLabelText("Key").textContent).toBe("lbdh_key1xyzAbC1");
  const curl = `curl -X POST -H '${HEADER}: lbdh_key1xyzAbC1' ${url}`;
  expect(curlLine(url, HEADER, "lbdh_key1xyzAbC1")).toBe(curl);
  expect(within(panel).getByLabelText("From a CI job").textContent).toBe(curl);
  expect(within(panel).getByLabelText("Docker Hub webhook").textContent).toBe(urlWithKey(url, "lbdh_key1xyzAbC1"));
  expect(urlWithKey(url, "lbdh_key1xyzAbC1")).toBe(`${url}?key=lbdh_key1xyzAbC1`);
  await user.click(within(panel).getByRole("button", { name: "Copy curl command" }));
  expect(await navigator.clipboard.readText()).toBe(curl);
  await user.click(within(panel).getByRole("button", { name: "Copy deploy hook key" }));
  expect(await navigator.clipboard.readText()).toBe("lbdh_key1xyzAbC1");

  // the hook as it is now, under the key: its URL (copy), the key's last four, uses, who it acts as
  await waitFor(() => expect(within(section).getByTestId("hook-url").textContent).toBe(url));
  const summary = section.querySelector("dl") as HTMLElement;
  expect(within(summary).getByTestId("hook-hint").textContent).toBe("…AbC1");
  expect(within(summary).getByTestId("hook-uses").textContent).toBe("0");
  expect(within(summary).getByTestId("hook-last-used").textContent).toBe("never");
  expect(within(summary).getByTestId("hook-acts-as").textContent).toBe("me@example.com");
  await user.click(within(summary).getByRole("button", { name: "Copy deploy hook URL" }));
  expect(await navigator.clipboard.readText()).toBe(url);

  // dismissed: the key leaves the page
  await user.click(within(panel).getByRole("button", { name: "I have copied it" }));
  expect(screen.queryByRole("region", { name: "Deploy hook key" })).toBeNull();
  expect(document.body.textContent).not.toContain("lbdh_key1xyzAbC1");

  // rotating asks first (the old key stops at once); Cancel sends nothing
  await user.click(within(section).getByRole("button", { name: "Rotate key…" }));
  let dialog = screen.getByRole("dialog", { name: "Rotate the deploy hook's key?" });
  expect(dialog.textContent).toContain("The current key stops working at once");
  expect(dialog.textContent).toContain("The URL stays the same.");
  await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(1);
  await user.click(within(section).getByRole("button", { name: "Rotate key…" }));
  dialog = screen.getByRole("dialog", { name: "Rotate the deploy hook's key?" });
  await user.click(within(dialog).getByRole("button", { name: "Rotate key" }));
  const again = await screen.findByRole("region", { name: "Deploy hook key" });
  expect(again.textContent).toContain("New key made: the old one no longer works.");
  expect(within(again).getByLabelText("Key").textContent).toBe("lbdh_key2xyzAbC2");
  expect(screen.queryByRole("dialog")).toBeNull();
  await waitFor(() => expect(within(section).getByTestId("hook-uses").textContent).toBe("3"));
  expect(within(section).getByTestId("hook-last-used").textContent).toBe("just now");
  expect(within(section).getByTestId("hook-acts-as").textContent).toMatch(/^me@example\.com \(key rotated just now by me@example\.com\)$/);

  // leaving the tab forgets the key
  await user.click(screen.getByRole("link", { name: "Deployments" }));
  await waitFor(() => expect(screen.queryByRole("heading", { name: "Deploy hook" })).toBeNull());
  await user.click(screen.getByRole("link", { name: "Settings" }));
  expect(await screen.findByTestId("hook-uses")).toBeTruthy();
  expect(screen.queryByRole("region", { name: "Deploy hook key" })).toBeNull();
  expect(document.body.textContent).not.toContain("lbdh_key2xyzAbC2");

  // removing asks first, focus on Cancel; then the section offers to make one again
  await user.click(screen.getByRole("button", { name: "Remove…" }));
  dialog = screen.getByRole("dialog", { name: "Remove the deploy hook?" });
  expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Cancel" }));
  expect(dialog.textContent).toContain("Calls to its URL are refused from now on");
  await user.click(within(dialog).getByRole("button", { name: "Remove deploy hook" }));
  expect(await screen.findByRole("button", { name: "Make a deploy hook" })).toBeTruthy();
  expect(screen.queryByTestId("hook-url")).toBeNull();
  expect(calls.filter((c) => c.path === HOOK).map((c) => c.method).filter((m) => m !== "GET")).toEqual(["POST", "POST", "DELETE"]);
}, 30_000);

test("a viewer sees the hook's URL and use but no action; without a hook, who makes one", async () => {
  session.set("t");
  let hook: Record<string, unknown> = shown({ uses: 2, last_used: "2026-11-26T11:00:00Z" });
  fakeApi(settingsTab("viewer", { [`GET ${HOOK}`]: () => [200, hook] }));
  renderAt("/orgs/o/services/s/settings");
  expect((await screen.findByTestId("hook-url", {}, { timeout: 5000 })).textContent).toBe(`${location.origin}/v1/deploy-hooks/dh_1`);
  expect(screen.getByTestId("hook-uses").textContent).toBe("2");
  expect(screen.getByTestId("hook-hint").textContent).toBe("…AbCd");
  for (const name of ["Make a deploy hook", "Rotate key…", "Remove…"]) expect(screen.queryByRole("button", { name })).toBeNull();

  hook = { configured: false } as Record<string, unknown>;
  cleanup();
  renderAt("/orgs/o/services/s/settings");
  expect(await screen.findByText("No deploy hook. Developers and up make one.", {}, { timeout: 5000 })).toBeTruthy();
  expect(screen.queryByRole("button", { name: "Make a deploy hook" })).toBeNull();
});

test("a refused rotation says why in its dialog and shows no key", async () => {
  session.set("t");
  fakeApi(settingsTab("owner", {
    [`GET ${HOOK}`]: () => [200, shown()],
    [`POST ${HOOK}`]: () => [403, err("forbidden", "a deploy hook acts as the member who makes it", "actor")],
  }));
  renderAt("/orgs/o/services/s/settings");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Rotate key…" }, { timeout: 5000 }));
  const dialog = screen.getByRole("dialog", { name: "Rotate the deploy hook's key?" });
  await user.click(within(dialog).getByRole("button", { name: "Rotate key" }));
  expect((await within(dialog).findByRole("alert")).textContent).toContain("a deploy hook acts as the member who makes it");
  expect(screen.queryByRole("region", { name: "Deploy hook key" })).toBeNull();
  await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
  expect(screen.queryByRole("alert")).toBeNull();   // the refusal went with its question
});

test("the API's own URL wins over the page's origin (a UI served apart from the API)", () => {
  expect(hookUrl("/v1/deploy-hooks/dh_1", "https://ui.example.com", "https://api.example.com/v1/deploy-hooks/dh_1"))
    .toBe("https://api.example.com/v1/deploy-hooks/dh_1");
  expect(hookUrl("/v1/deploy-hooks/dh_1", "https://ui.example.com")).toBe("https://ui.example.com/v1/deploy-hooks/dh_1");
});
