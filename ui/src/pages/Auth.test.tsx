import { render, screen, waitFor, within } from "@testing-library/react";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../App";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt } from "../test/fakeApi";

const answer = (org: { id: string; name: string; role: string }) => ({
  token: "t", user: { id: "u", email: "new@example.com", name: "new", created: "2026-11-26T00:00:00Z" },
  organization: { ...org, created: "2026-11-20T00:00:00Z" },
});

test("sign-up: the organization is asked for (an invited person follows the invitation e-mail's link instead)", async () => {
  fakeApi({});
  renderAt("/signup");
  const org = await screen.findByLabelText("Organization");
  expect(org.hasAttribute("required")).toBe(true);
  expect(screen.getByText(/Invited to a team\? Open the link in the invitation e-mail instead/)).toBeTruthy();
  expect(screen.queryByText(/You were invited/)).toBeNull();
});

test("sign-up: without an invitation, the API's answer shows at the organization field; a named one is sent", async () => {
  const calls = fakeApi({
    "POST /v1/auth/signup": async (req) => {
      const body = await req.json() as { organization?: string };
      return body.organization
        ? [201, answer({ id: "o_new", name: body.organization, role: "owner" })]
        : [422, err("invalid", "name the organization to create (only an address with a pending invitation may leave it out: it joins the organization that invited it)", "organization")];
    },
  });
  const router = renderAt("/signup");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Email"), "new@example.com");
  await user.type(screen.getByLabelText("Password"), "a long password");
  await user.click(screen.getByRole("button", { name: "Create account" }));
  const org = screen.getByLabelText("Organization");
  await waitFor(() => expect(org.getAttribute("aria-invalid")).toBe("true"));
  expect(screen.getByRole("alert").textContent).toMatch(/^name the organization to create/);
  expect(router.state.location.pathname).toBe("/signup");
  await user.type(org, " Acme ");
  await user.click(screen.getByRole("button", { name: "Create account" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o_new"));
  expect(calls.filter((c) => c.method === "POST").map((c) => c.body)).toEqual([
    { email: "new@example.com", password: "a long password" },
    { email: "new@example.com", password: "a long password", organization: "Acme" },
  ]);
});

test("sign-in: back to the page that asked for it, but never to a path that leaves the app (//host)", async () => {
  fakeApi({ "POST /v1/auth/login": () => [200, answer({ id: "o1", name: "Acme", role: "owner" })] });
  const signIn = async (from: string) => {
    const router = createMemoryRouter(routes, { initialEntries: [{ pathname: "/login", state: { from } }] });
    const view = render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={router} /></QueryClientProvider>);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Email"), "new@example.com");
    await user.type(screen.getByLabelText("Password"), "a long password");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(router.state.location.pathname).not.toBe("/login"));
    view.unmount();
    return router.state.location.pathname;
  };
  expect(await signIn("/orgs/o1/audit")).toBe("/orgs/o1/audit");
  expect(await signIn("//members")).toBe("/orgs/o1");
});

const INVITE = "aW52aXRhdGlvbi10b2tlbi1vZi10aGUtZS1tYWls";

test("sign-up from an invitation e-mail's link: the address filled in, the organization optional, the token sent; lands in the inviting one", async () => {
  const calls = fakeApi({ "POST /v1/auth/signup": () => [201, answer({ id: "o_inviting", name: "Inviting", role: "developer" })] });
  const router = renderAt(`/signup?email=new%40example.com&invitation=${INVITE}`);
  const user = userEvent.setup();
  expect((await screen.findByLabelText("Email") as HTMLInputElement).value).toBe("new@example.com");
  expect(screen.getByText(/You were invited to an organization on Launchbay: sign up with the address the invitation went to/)).toBeTruthy();
  const org = screen.getByLabelText("Organization");
  expect(org.hasAttribute("required")).toBe(false);
  expect(screen.getByText("Optional: you join the organization that invited you; name one only to also create your own.").id)
    .toBe(org.getAttribute("aria-describedby"));
  // "Sign in" keeps the invitation: an account of this address accepts it at log-in
  expect(screen.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe(`/login?email=new%40example.com&invitation=${INVITE}`);
  await user.type(screen.getByLabelText("Password"), "a long password");
  await user.type(org, "   ");   // blank is left out, not sent as a name
  await user.click(screen.getByRole("button", { name: "Create account" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o_inviting"));
  expect(calls.find((c) => c.method === "POST")?.body).toEqual({ email: "new@example.com", password: "a long password", invitation: INVITE });
});

test("sign-up with an invitation and an organization named: both are sent", async () => {
  const calls = fakeApi({ "POST /v1/auth/signup": () => [201, answer({ id: "o_mine", name: "Mine", role: "owner" })] });
  const router = renderAt(`/signup?email=new%40example.com&invitation=${INVITE}`);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Password"), "a long password");
  await user.type(screen.getByLabelText("Organization"), "Mine");
  await user.click(screen.getByRole("button", { name: "Create account" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o_mine"));
  expect(calls.find((c) => c.method === "POST")?.body).toEqual({ email: "new@example.com", password: "a long password", organization: "Mine", invitation: INVITE });
});

test("sign-up with a dead invitation link (422 at invitation): said with what to do, not at a field", async () => {
  fakeApi({ "POST /v1/auth/signup": () => [422, err("invalid", "this invitation link is not valid, was used or revoked, or has expired: ask for a new invitation", "invitation")] });
  const router = renderAt(`/signup?email=new%40example.com&invitation=${INVITE}`);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Password"), "a long password");
  await user.click(screen.getByRole("button", { name: "Create account" }));
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toMatch(/^this invitation link is not valid, was used or revoked, or has expired: ask for a new invitation/);
  expect(alert.textContent).toMatch(/Ask whoever invited you to send the invitation again/);
  expect(within(alert).getByRole("link", { name: "sign up without it" }).getAttribute("href")).toBe("/signup");
  expect(screen.getAllByRole("alert")).toHaveLength(1);   // not again under the form
  expect(document.querySelectorAll('[aria-invalid="true"]')).toHaveLength(0);
  expect(router.state.location.pathname).toBe("/signup");
  // without it: an ordinary sign-up, the dead link's answer gone
  await user.click(within(alert).getByRole("link", { name: "sign up without it" }));
  await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
  expect(screen.queryByText(/You were invited/)).toBeNull();
  expect(screen.getByLabelText("Organization").hasAttribute("required")).toBe(true);
});

test("sign-up with an invitation for an address that has an account (409 at email): sign in keeping the invitation, or reset the password", async () => {
  fakeApi({ "POST /v1/auth/signup": () => [409, err("conflict", "an account with this email already exists", "email")] });
  const router = renderAt(`/signup?email=old%40example.com&invitation=${INVITE}`);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Password"), "a long password");
  await user.click(screen.getByRole("button", { name: "Create account" }));
  const email = screen.getByLabelText("Email");
  await waitFor(() => expect(email.getAttribute("aria-invalid")).toBe("true"));
  expect(screen.getByRole("alert").textContent).toBe("an account with this email already exists");
  expect(screen.getByRole("link", { name: "Sign in with this address" }).getAttribute("href")).toBe(`/login?email=old%40example.com&invitation=${INVITE}`);
  expect(screen.getByRole("link", { name: "choose a new password" }).getAttribute("href")).toBe("/forgot-password?email=old%40example.com");
  await user.click(screen.getByRole("link", { name: "Sign in with this address" }));
  expect(await screen.findByText(/Sign in with the address the invitation went to/)).toBeTruthy();
  expect(router.state.location.search).toBe(`?email=old%40example.com&invitation=${INVITE}`);
  expect((screen.getByLabelText("Email") as HTMLInputElement).value).toBe("old@example.com");
});

test("an old invitation link (?invited=1, no token) is an ordinary sign-up: the organization asked for, no invitation sent", async () => {
  const calls = fakeApi({ "POST /v1/auth/signup": () => [422, err("invalid", "name the organization to create", "organization")] });
  renderAt("/signup?email=new%40example.com&invited=1");
  const user = userEvent.setup();
  expect((await screen.findByLabelText("Email") as HTMLInputElement).value).toBe("new@example.com");
  expect(screen.queryByText(/You were invited/)).toBeNull();
  expect(screen.getByLabelText("Organization").hasAttribute("required")).toBe(true);
  await user.type(screen.getByLabelText("Password"), "a long password");
  await user.click(screen.getByRole("button", { name: "Create account" }));
  await waitFor(() => expect(screen.getByLabelText("Organization").getAttribute("aria-invalid")).toBe("true"));
  expect(calls.find((c) => c.method === "POST")?.body).toEqual({ email: "new@example.com", password: "a long password" });
});

test("sign-up without invited=1 says nothing of an invitation; sign-in takes ?email= too", async () => {
  fakeApi({});
  renderAt("/signup?email=new%40example.com");
  const user = userEvent.setup();
  expect((await screen.findByLabelText("Email") as HTMLInputElement).value).toBe("new@example.com");
  expect(screen.queryByText(/You were invited/)).toBeNull();
  await user.click(screen.getByRole("link", { name: "Sign in" }));
  expect((await screen.findByRole("heading", { name: "Sign in to Launchbay" }))).toBeTruthy();
  expect((screen.getByLabelText("Email") as HTMLInputElement).value).toBe("new@example.com");
  expect(screen.getByRole("link", { name: "Forgot your password?" }).getAttribute("href")).toBe("/forgot-password?email=new%40example.com");
});

// a log-in through an invitation e-mail's link (/login?email=…&invitation=…): accepted with the new session
const orgsOf = (...orgs: string[]) => () => [200, {
  user: { id: "u", email: "old@example.com", email_verified: true },
  organizations: orgs.map((id) => ({ id, name: id === "o_inviting" ? "Inviting" : "Mine", role: "owner" })),
}] as [number, unknown];
const around = {
  "GET /v1/health": () => [200, { mode: "aws", sandbox: false }] as [number, unknown],
  "GET /v1/orgs/[^/]+/projects": () => [200, { items: [], next: null }] as [number, unknown],
};

async function signInAt(path: string) {
  const router = renderAt(path);
  const user = userEvent.setup();
  expect(await screen.findByText(/Sign in with the address the invitation went to/)).toBeTruthy();
  expect((screen.getByLabelText("Email") as HTMLInputElement).value).toBe("old@example.com");
  expect(screen.getByRole("link", { name: "Create an account" }).getAttribute("href")).toBe(`/signup?email=old%40example.com&invitation=${INVITE}`);
  await user.type(screen.getByLabelText("Password"), "a long password");
  await user.click(screen.getByRole("button", { name: "Sign in" }));
  return { router, user };
}

test("log-in from an invitation's link: accepted with the new session; the organization joined opens and says so", async () => {
  const calls = fakeApi({
    ...around,
    "POST /v1/auth/login": () => [200, { token: "sess", expires_in: 3600 }],
    "POST /v1/invitations/accept": () => [200, { email_verified: true, joined: [{ id: "o_inviting", name: "Inviting", role: "developer" }] }],
    "GET /v1/me": orgsOf("o_mine", "o_inviting"),
  });
  const { router } = await signInAt(`/login?email=old%40example.com&invitation=${INVITE}`);
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o_inviting"));
  expect((await screen.findByText(/^Invitation accepted/)).textContent).toBe("Invitation accepted: you joined Inviting (developer).");
  expect(screen.getByText(/^Invitation accepted/).getAttribute("role")).toBe("status");
  const accept = calls.find((c) => c.path === "/v1/invitations/accept");
  expect(accept?.body).toEqual({ token: INVITE });
  expect(accept?.auth).toBe("Bearer sess");
});

test("log-in of a confirmed address from an invitation's link: the log-in joined it (its answer says so), the used link is not sent again", async () => {
  const calls = fakeApi({
    ...around,
    "POST /v1/auth/login": () => [200, { token: "sess", expires_in: 3600, joined: [{ id: "o_inviting", name: "Inviting", role: "viewer" }] }],
    "POST /v1/invitations/accept": () => [422, err("invalid", "this invitation link is not valid, was used or revoked, or has expired: ask for a new invitation", "token")],
    "GET /v1/me": orgsOf("o_mine", "o_inviting"),
  });
  const { router } = await signInAt(`/login?email=old%40example.com&invitation=${INVITE}`);
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o_inviting"));
  expect((await screen.findByText(/^Invitation accepted/)).textContent).toBe("Invitation accepted: you joined Inviting (viewer).");
  expect(calls.some((c) => c.path === "/v1/invitations/accept")).toBe(false);
});

test("log-in from an invitation sent to another address (403): signed in all the same, the reason told", async () => {
  fakeApi({
    ...around,
    "POST /v1/auth/login": () => [200, { token: "sess", expires_in: 3600 }],
    "POST /v1/invitations/accept": () => [403, err("forbidden", "this invitation was sent to another e-mail address: log in with that address to accept it", "token")],
    "GET /v1/me": orgsOf("o_mine"),
  });
  const { router } = await signInAt(`/login?email=old%40example.com&invitation=${INVITE}`);
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o_mine"));   // through "/": the notice comes along
  const notice = await screen.findByText(/^The invitation was not accepted/);
  expect(notice.textContent).toBe("The invitation was not accepted: this invitation was sent to another e-mail address: log in with that address to accept it.");
  expect(session.token).toBe("sess");
  expect(await screen.findByRole("heading", { level: 1, name: "Mine" })).toBeTruthy();
});

test("log-in with two-factor authentication from a dead invitation link (422): accepted after the second step; the log-in stands", async () => {
  const calls = fakeApi({
    ...around,
    "POST /v1/auth/login": () => [200, { mfa_required: true, mfa_token: "challenge", expires_in: 300 }],
    "POST /v1/auth/login/mfa": () => [200, { token: "sess2", expires_in: 3600 }],
    "POST /v1/invitations/accept": () => [422, err("invalid", "this invitation link is not valid, was used or revoked, or has expired: ask for a new invitation", "token")],
    "GET /v1/me": orgsOf("o_mine"),
  });
  const { router, user } = await signInAt(`/login?email=old%40example.com&invitation=${INVITE}`);
  expect(calls.some((c) => c.path === "/v1/invitations/accept")).toBe(false);   // no session yet
  await user.type(await screen.findByLabelText("Authentication code"), "123456");
  await user.click(screen.getByRole("button", { name: "Verify" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o_mine"));
  expect((await screen.findByText(/^The invitation was not accepted/)).textContent).toMatch(/has expired: ask for a new invitation\. If you had joined already, the organization is in the switcher above\.$/);
  expect(calls.find((c) => c.path === "/v1/invitations/accept")?.auth).toBe("Bearer sess2");
  expect(session.token).toBe("sess2");
});

test("a throttled log-in (429) says when to try again, from its Retry-After, as every form does", async () => {
  fakeApi({ "POST /v1/auth/login": () => [429, err("too_many_requests", "too many failed log-ins from this address: try again later", null), { "Retry-After": "42" }] as unknown as [number, unknown] });
  renderAt("/login?email=old%40example.com");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Password"), "a long password");
  await user.click(screen.getByRole("button", { name: "Sign in" }));
  expect((await screen.findByRole("alert")).textContent).toBe(
    "too many failed log-ins from this address: try again later. You can try again in 42 seconds.");
});

test("log-in without an invitation accepts nothing", async () => {
  const calls = fakeApi({ ...around, "POST /v1/auth/login": () => [200, { token: "sess", expires_in: 3600 }], "GET /v1/me": orgsOf("o_mine") });
  const router = renderAt("/login?email=old%40example.com");
  const user = userEvent.setup();
  expect(screen.queryByText(/the invitation went to/)).toBeNull();
  await user.type(await screen.findByLabelText("Password"), "a long password");
  await user.click(screen.getByRole("button", { name: "Sign in" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o_mine"));
  expect(calls.some((c) => c.path === "/v1/invitations/accept")).toBe(false);
  expect(screen.queryByText(/invitation/i)).toBeNull();
});
