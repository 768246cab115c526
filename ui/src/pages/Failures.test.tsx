// What a person sees when the API is down, answers 5xx, or ends the session (401).
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session, statusWords } from "../api/client";
import { fakeApi, renderAt, service, signedIn } from "../test/fakeApi";

const empty = (): [number, unknown] => [200, { items: [], next: null }];
const servicePage = {
  ...signedIn(),
  "GET /v1/orgs/o/services/s": (): [number, unknown] => [200, service],
  "GET /v1/orgs/o/projects/p": (): [number, unknown] => [200, { id: "p", name: "shop" }],
  "GET /v1/orgs/o/services/s/(deployments|releases)": empty,
};

/** The fake API, except that reading the service gets no answer at all while `down()` says so. */
function withServiceUnreachable(down: () => boolean) {
  fakeApi(servicePage);
  const answer = globalThis.fetch;
  globalThis.fetch = (async (req: Request) => {
    if (down() && new URL(req.url).pathname === "/v1/orgs/o/services/s") throw new TypeError("Failed to fetch");
    return answer(req);
  }) as typeof fetch;
}

test("the API unreachable: the page keeps its heading, says the server does not answer, and Try again reads it again", async () => {
  session.set("t");
  let down = true;
  withServiceUnreachable(() => down);
  renderAt("/orgs/o/services/s");
  const user = userEvent.setup();
  // (the query tries 3 times, 1 s and 2 s apart, before it gives up)
  expect(await screen.findByRole("heading", { level: 1, name: "Cannot show this service" }, { timeout: 10_000 })).toBeTruthy();
  expect(screen.getByRole("alert").textContent).toMatch(/^Cannot reach Launchbay's API: no answer from the server/);
  expect(screen.queryByText(/Failed to fetch/)).toBeNull();
  down = false;
  await user.click(screen.getByRole("button", { name: "Try again" }));
  expect(await screen.findByRole("heading", { level: 1, name: /^web/ })).toBeTruthy();
}, 20_000);

test("a 503 from a proxy (no JSON) says the API is not answering right now, not 'request failed'", async () => {
  session.set("t");
  fakeApi({ ...servicePage, "GET /v1/orgs/o/services/s": () => [503, "<html>Service Unavailable</html>"] });
  renderAt("/orgs/o/services/s");
  expect(await screen.findByRole("heading", { level: 1, name: "Cannot show this service" }, { timeout: 10_000 })).toBeTruthy();
  expect(screen.getByRole("alert").textContent).toContain("Launchbay's API is not answering right now (HTTP 503). Try again in a moment.");
  expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
}, 20_000);

test("an error the API words itself is shown as it is; a bare 500 in words", () => {
  expect(statusWords(500)).toBe("Launchbay's API failed on this request (HTTP 500). Try again; if it keeps failing, tell whoever runs Launchbay.");
  expect(statusWords(504)).toContain("not answering right now (HTTP 504)");
  expect(statusWords(418)).toBe("The request failed (HTTP 418).");
});

test("the session expired (401): sign in again, then back on the page that was open", async () => {
  session.set("old");
  const calls = fakeApi({
    ...servicePage,
    "GET /v1/orgs/o/services/s": (req) => req.headers.get("Authorization") === "Bearer new"
      ? [200, service] : [401, { error: { code: "unauthorized", message: "session expired", field: null } }],
    "POST /v1/auth/login": () => [200, { token: "new", organization: { id: "o", name: "Acme" } }],
  });
  const router = renderAt("/orgs/o/services/s/variables?x=1");
  const user = userEvent.setup();
  expect(await screen.findByRole("heading", { name: "Sign in to Launchbay" })).toBeTruthy();
  expect(screen.getByRole("status").textContent).toBe("Your session ended. Sign in again to go back to where you were.");
  expect(session.token).toBeNull();
  await user.type(screen.getByLabelText("Email"), "me@example.com");
  await user.type(screen.getByLabelText("Password"), "a long password");
  await user.click(screen.getByRole("button", { name: "Sign in" }));
  await waitFor(() => expect(router.state.location.pathname + router.state.location.search).toBe("/orgs/o/services/s/variables?x=1"));
  expect(await screen.findByRole("heading", { level: 1, name: /^web/ })).toBeTruthy();
  expect(calls.filter((c) => c.path === "/v1/orgs/o/services/s").at(-1)?.auth).toBe("Bearer new");
}, 20_000);

test("'/' with the API unreachable says so (it said 'You belong to no organization yet')", async () => {
  session.set("t");
  fakeApi(signedIn());
  const answer = globalThis.fetch;
  let down = true;
  globalThis.fetch = (async (req: Request) => {
    if (down && new URL(req.url).pathname === "/v1/me") throw new TypeError("Failed to fetch");
    return answer(req);
  }) as typeof fetch;
  const router = renderAt("/");
  const user = userEvent.setup();
  expect(await screen.findByRole("heading", { level: 1, name: "Cannot show your organizations" }, { timeout: 10_000 })).toBeTruthy();
  expect(screen.queryByText(/You belong to no organization/)).toBeNull();
  down = false;
  await user.click(screen.getByRole("button", { name: "Try again" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o"));
}, 20_000);

test("a list that cannot be read offers Try again (a project's services)", async () => {
  session.set("t");
  let fail = true;
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/projects/p/services": () => (fail ? [503, null] : [200, { items: [], next: null }]),
    "GET /v1/orgs/o/projects/p/environments": empty, "GET /v1/orgs/o/projects": empty, "GET /v1/orgs/o/aws-accounts": empty,
  });
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const alert = await screen.findByText(/not answering right now \(HTTP 503\)/, {}, { timeout: 10_000 });
  fail = false;
  await user.click(within(alert).getByRole("button", { name: "Try again" }));
  expect(await screen.findByText("No services yet")).toBeTruthy();
}, 20_000);
