import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt, signedIn } from "../test/fakeApi";

const fieldOf = (label: string) => screen.getByLabelText(label).closest(".field") as HTMLElement;

test("password change: the API's field errors next to their fields; success ends the sessions and asks to sign in again", async () => {
  session.set("old-token");
  let attempt = 0;
  const calls = fakeApi({
    ...signedIn(),
    "POST /v1/auth/password": () => {
      attempt += 1;
      if (attempt === 1) return [422, { error: { code: "invalid", message: "1 problem", field: "new_password",
        fields: [{ field: "new_password", message: "at least 10 characters" }] } }];
      if (attempt === 2) return [403, err("forbidden", "the current password is wrong", "current_password")];
      return [200, { token: "fresh-token", expires_in: 3600, revoked_api_tokens: 2 }];
    },
    "POST /v1/auth/logout": () => [204, null],
  });
  const router = renderAt("/account");
  const user = userEvent.setup();

  await user.type(await screen.findByLabelText("Current password"), "a long password");
  await user.type(screen.getByLabelText("New password"), "short");
  await user.click(screen.getByRole("button", { name: "Change password" }));
  expect((await within(fieldOf("New password")).findByRole("alert")).textContent).toBe("at least 10 characters");
  expect(within(fieldOf("Current password")).queryByRole("alert")).toBeNull();

  await user.clear(screen.getByLabelText("New password"));
  await user.type(screen.getByLabelText("New password"), "another long password");
  await user.click(screen.getByRole("button", { name: "Change password" }));
  expect((await within(fieldOf("Current password")).findByRole("alert")).textContent).toBe("the current password is wrong");

  await user.click(screen.getByRole("button", { name: "Change password" }));
  expect((await screen.findByText(/Your password was changed and every session ended/)).textContent).toContain("(2 API tokens revoked)");
  expect(router.state.location.pathname).toBe("/login");
  expect(session.token).toBeNull();
  expect((screen.getByLabelText("Email") as HTMLInputElement).value).toBe("me@example.com");
  const change = calls.filter((c) => c.path === "/v1/auth/password").at(-1)!;
  expect(change.body).toEqual({ current_password: "a long password", new_password: "another long password" });
  expect(change.auth).toBe("Bearer old-token");
  // the fresh session the API answered with is ended too: signing in again is the proof
  const logout = calls.find((c) => c.path === "/v1/auth/logout")!;
  expect(logout.auth).toBe("Bearer fresh-token");
}, 30_000);

test("log out from the user menu: ends the session at the API, forgets the token, back to sign in", async () => {
  session.set("my-token");
  const calls = fakeApi({ ...signedIn(), "GET /v1/orgs/o/projects": () => [200, { items: [], next: null }], "POST /v1/auth/logout": () => [204, null] });
  const router = renderAt("/orgs/o");
  const user = userEvent.setup();
  const menu = await screen.findByRole("navigation", { name: "User" });
  expect(await within(menu).findByRole("link", { name: "me@example.com" })).toHaveProperty("pathname", "/account");
  await user.click(within(menu).getByRole("button", { name: "Log out" }));
  expect(await screen.findByText("You are signed out.")).toBeTruthy();
  expect(router.state.location.pathname).toBe("/login");
  expect(session.token).toBeNull();
  expect(calls.find((c) => c.path === "/v1/auth/logout")?.auth).toBe("Bearer my-token");
}, 30_000);

test("e-mail preferences: shown as checkboxes that save as they change", async () => {
  session.set("my-token");
  let prefs = { deploy_failures: true, approvals: true, email: "me@example.com",
    about: { deploy_failures: "deploys you started that fail", approvals: "deploys waiting for your approval" } };
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/me/notifications": () => [200, prefs],
    "PATCH /v1/me/notifications": async (req) => {
      prefs = { ...prefs, ...((await req.clone().json()) as object) };
      return [200, prefs];
    },
  });
  renderAt("/account");
  const user = userEvent.setup();
  const failures = await screen.findByRole("checkbox", { name: "A deploy I started fails or is rolled back" });
  // the preferences' address (beside "Signed in as"'s: which answer comes first varies under load)
  await waitFor(() => expect(screen.getAllByText("me@example.com", { selector: "strong" })).toHaveLength(2));
  expect((failures as HTMLInputElement).checked).toBe(true);
  await user.click(failures);
  expect(await screen.findByText("Saved.")).toBeTruthy();
  expect((failures as HTMLInputElement).checked).toBe(false);
  expect(calls.find((c) => c.path === "/v1/me/notifications" && c.method === "PATCH")?.body).toEqual({ deploy_failures: false });
  expect((screen.getByRole("checkbox", { name: "A deploy waits for my approval" }) as HTMLInputElement).checked).toBe(true);
}, 30_000);

test("the account page says whether the address is confirmed", async () => {
  session.set("my-token");
  let verified = false;
  fakeApi({
    ...signedIn(),
    "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com", email_verified: verified }, organizations: [{ id: "o", name: "Acme", role: "owner" }] }],
    "GET /v1/me/notifications": () => [200, { deploy_failures: true, approvals: true, email: "me@example.com", about: {} }],
    "POST /v1/me/verify-email": () => [409, err("conflict", "this e-mail address is confirmed already", "email")],
  });
  renderAt("/account");
  const signedInAs = async () => (await screen.findByText(/^Signed in as/, { selector: "p" })).textContent;
  await waitFor(async () => expect(await signedInAs()).toBe("Signed in as me@example.com not confirmed (the banner above sends a new link)."));
  // confirmed in another tab: the banner's Send a new link answers 409 and /me is read again
  verified = true;
  await userEvent.setup().click(screen.getByRole("button", { name: "Send a new link" }));
  await waitFor(async () => expect(await signedInAs()).toBe("Signed in as me@example.com confirmed."));
});

test("mail held back: the e-mail section says why, with My mailbox works again (204: it says mail goes there again); nothing when mail reaches the address", async () => {
  session.set("t");
  const since = "2026-03-05T10:20:00Z";
  const day = new Date(since).toLocaleDateString(undefined, { dateStyle: "medium" });
  let delivery: unknown = { suppressed: true, reason: "bounce", detail: "smtp; 550 5.1.1 user unknown", since };
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com", email_verified: true }, organizations: [{ id: "o", name: "Acme", role: "owner" }], email_delivery: delivery }],
    "GET /v1/me/notifications": () => [200, { deploy_failures: true, approvals: true, email: "me@example.com", about: {} }],
    "DELETE /v1/me/email-suppression": () => { delivery = null; return [204, null]; },
  });
  renderAt("/account");
  const user = userEvent.setup();
  const held = (await screen.findByText(/^E-mail to/, { selector: ".delivery-held p" })).closest(".delivery-held") as HTMLElement;
  expect(held.textContent).toBe(`held back E-mail to me@example.com is held back: it bounced on ${day} (smtp; 550 5.1.1 user unknown). ` +
    "Nothing is e-mailed to it until you say your mailbox works again. My mailbox works again");
  const region = held.closest("[role=status]") as HTMLElement;
  expect(region).toBeTruthy();
  await user.click(within(held).getByRole("button", { name: "My mailbox works again" }));
  await waitFor(() => expect(region.textContent).toBe("E-mail goes to me@example.com again."));
  expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/v1/me/email-suppression"]);
  expect(document.querySelector(".delivery-banner")).toBeNull();   // on this page, the section says it
}, 30_000);

test("a complaint: the account page says you marked an e-mail as spam; lifted meanwhile (404) reads /me again", async () => {
  session.set("t");
  let delivery: unknown = { suppressed: true, reason: "complaint", detail: "marked as spam (abuse)", since: "2026-03-05T10:20:00Z" };
  fakeApi({
    ...signedIn(),
    "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com" }, organizations: [{ id: "o", name: "Acme", role: "owner" }], email_delivery: delivery }],
    "GET /v1/me/notifications": () => [200, { deploy_failures: true, approvals: true, email: "me@example.com", about: {} }],
    "DELETE /v1/me/email-suppression": () => { delivery = null; return [404, err("not_found", "e-mail to this address is not held back", "email")]; },
  });
  renderAt("/account");
  const user = userEvent.setup();
  const held = (await screen.findByText(/^E-mail to/, { selector: ".delivery-held p" })).closest(".delivery-held") as HTMLElement;
  expect(held.textContent).toMatch(/is held back: you marked a Launchbay e-mail as spam on .+ \(abuse\)\. Nothing is e-mailed/);
  const region = held.closest("[role=status]") as HTMLElement;
  await user.click(within(held).getByRole("button", { name: "My mailbox works again" }));
  await waitFor(() => expect(region.textContent).toBe("E-mail to me@example.com was not held back any more: it goes there again."));
  expect(screen.queryByRole("alert")).toBeNull();
}, 30_000);

test("mail reaching the address: no word of it on the account page", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/me": () => [200, { user: { id: "u", email: "me@example.com", email_verified: true }, organizations: [{ id: "o", name: "Acme", role: "owner" }], email_delivery: null }],
    "GET /v1/me/notifications": () => [200, { deploy_failures: true, approvals: true, email: "me@example.com", about: {} }],
  });
  renderAt("/account");
  expect(await screen.findByText("confirmed")).toBeTruthy();
  expect(document.querySelector(".delivery-state")?.textContent).toBe("");
  expect(screen.queryByRole("button", { name: "My mailbox works again" })).toBeNull();
}, 30_000);

/** /me of "me@example.com" with this pending change (and two-factor on or off). */
const meWith = (pending: () => unknown, mfa = false) => ({
  "GET /v1/me": (): [number, unknown] => [200, {
    user: { id: "u", email: "me@example.com", email_verified: true }, organizations: [{ id: "o", name: "Acme", role: "owner" }],
    mfa: { enabled: mfa, recovery_codes_left: mfa ? 8 : 0 }, email_delivery: null, pending_email: pending(),
  }],
  "GET /v1/me/notifications": (): [number, unknown] => [200, { deploy_failures: true, approvals: true, email: "me@example.com", about: {} }],
});
const EXPIRES = "2026-11-27T10:00:00Z";
/** A paragraph by its whole text (the addresses in it are <strong>). */
const para = (re: RegExp) => (_: string, el: Element | null) => el?.tagName === "P" && re.test(el.textContent ?? "");

test("changing the address: field errors at their fields, 403 authorization and 429's wait said; 202 says where the link went and the change waits", async () => {
  session.set("t");
  let pending: unknown = null;
  const answers: [number, unknown, Record<string, string>?][] = [
    [422, err("invalid", "this is the account's address already", "email")],
    [403, err("forbidden", "the password is wrong", "password")],
    [403, err("forbidden", "the e-mail address is changed from a log-in session, not an API token", "authorization")],
    [429, err("too_many_requests", "a change was asked for less than 60 s ago: wait a moment", "email"), { "Retry-After": "42" }],
    [202, { status: "sent", email: "new@example.com", expires_in: 86400, message: "a link is on its way", sandbox: "no e-mail leaves this machine: see /data/mail" }],
  ];
  const calls = fakeApi({
    ...signedIn(),
    ...meWith(() => pending),
    "POST /v1/me/email": () => {
      const a = answers.shift()!;
      if (a[0] === 202) pending = { email: "new@example.com", requested: "2026-11-26T10:00:00Z", expires: EXPIRES, email_status: { status: "pending", error: null, sent: null } };
      return a as [number, unknown];
    },
  });
  renderAt("/account");
  const user = userEvent.setup();
  expect(await screen.findByRole("heading", { level: 2, name: "E-mail address" })).toBeTruthy();
  await user.click(await screen.findByRole("button", { name: "Change address" }));
  const form = screen.getByRole("form", { name: "Change your e-mail address" });
  expect(within(form).queryByLabelText("Code from your app")).toBeNull();   // two-factor off
  await user.type(within(form).getByLabelText("New e-mail address"), "me@example.com");
  await user.type(within(form).getByLabelText("Your password"), "a long password");
  const send = within(form).getByRole("button", { name: "Send a link" });
  await user.click(send);
  expect((await within(fieldOf("New e-mail address")).findByRole("alert")).textContent).toBe("this is the account's address already");
  await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("New e-mail address")));

  await user.clear(screen.getByLabelText("New e-mail address"));
  await user.type(screen.getByLabelText("New e-mail address"), "new@example.com");
  await user.click(send);
  expect((await within(fieldOf("Your password")).findByRole("alert")).textContent).toBe("the password is wrong");
  expect(within(fieldOf("New e-mail address")).queryByRole("alert")).toBeNull();

  await user.click(send);
  expect((await within(form).findByText(/not an API token/, { selector: ".form-error" })).getAttribute("role")).toBe("alert");

  await user.click(send);
  expect((await within(fieldOf("New e-mail address")).findByRole("alert")).textContent)
    .toBe("a change was asked for less than 60 s ago: wait a moment. You can try again in 42 seconds.");
  expect(form.querySelector(".form-error")).toBeNull();

  await user.click(send);
  const said = await screen.findByText(/^Check/);
  expect(said.textContent).toBe("Check new@example.com for a link; your address stays me@example.com until then.");
  expect(said.closest("[role=status]")).toBeTruthy();
  expect(screen.getByText(/no e-mail leaves this machine/).textContent).toBe("Sandbox no e-mail leaves this machine: see /data/mail. The link is in the newest .eml file there.");
  expect(screen.queryByRole("form", { name: "Change your e-mail address" })).toBeNull();
  expect((await screen.findByText(/^Change to/)).textContent).toMatch(/^Change to new@example\.com waits for its link \(until .+\)\.$/);
  expect(calls.filter((c) => c.path === "/v1/me/email").map((c) => c.body)).toEqual(Array(5).fill(0).map((_, n) => (
    { email: n === 0 ? "me@example.com" : "new@example.com", password: "a long password" })));
  expect(calls.find((c) => c.path === "/v1/me/email")?.auth).toBe("Bearer t");
}, 30_000);

test("two-factor on: the code field is asked, its error shown there; a recovery code instead", async () => {
  session.set("t");
  let n = 0;
  const calls = fakeApi({
    ...signedIn(),
    ...meWith(() => null, true),
    "POST /v1/me/email": () => (++n === 1 ? [403, err("forbidden", "the code is not valid", "code")]
      : [202, { status: "sent", email: "new@example.com", expires_in: 86400, message: "on its way" }]),
  });
  renderAt("/account");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Change address" }));
  await user.type(screen.getByLabelText("New e-mail address"), "new@example.com");
  await user.type(screen.getByLabelText("Your password"), "a long password");
  const send = screen.getByRole("button", { name: "Send a link" });
  expect((send as HTMLButtonElement).disabled).toBe(true);   // no code yet
  await user.type(screen.getByLabelText("Code from your app"), "123 456");
  await user.click(send);
  expect((await within(fieldOf("Code from your app")).findByRole("alert")).textContent).toBe("the code is not valid");
  await user.click(screen.getByRole("button", { name: "Use a recovery code" }));
  await user.type(screen.getByLabelText("Recovery code"), " abcd-efgh ");
  await user.click(screen.getByRole("button", { name: "Send a link" }));
  expect(await screen.findByText(para(/^Check new@example\.com for a link/))).toBeTruthy();
  expect(screen.queryByText("Sandbox")).toBeNull();
  expect(calls.filter((c) => c.path === "/v1/me/email").map((c) => c.body)).toEqual([
    { email: "new@example.com", password: "a long password", code: "123456" },
    { email: "new@example.com", password: "a long password", recovery_code: "abcd-efgh" },
  ]);
}, 30_000);

test("a change waiting for its link: a bounce said with its error; Send again re-opens the form; Cancel ends it", async () => {
  session.set("t");
  let pending: unknown = { email: "typo@exmaple.com", requested: "2026-11-26T10:00:00Z", expires: EXPIRES,
    email_status: { status: "bounced", error: "smtp; 550 5.1.1 user unknown", sent: "2026-11-26T10:00:02Z" } };
  const calls = fakeApi({
    ...signedIn(),
    ...meWith(() => pending),
    "DELETE /v1/me/email": () => { pending = null; return [204, null]; },
  });
  renderAt("/account");
  const user = userEvent.setup();
  const waits = await screen.findByText(/^Change to/);
  const when = waits.querySelector("time")!;
  expect(when.getAttribute("datetime")).toBe(EXPIRES);
  expect(waits.textContent).toBe(`Change to typo@exmaple.com waits for its link (until ${when.textContent}).`);
  expect(screen.getByText(/^The e-mail to typo@exmaple.com bounced/).textContent)
    .toBe("The e-mail to typo@exmaple.com bounced (smtp; 550 5.1.1 user unknown). Check the address and send again, or cancel.");
  expect(screen.queryByRole("button", { name: "Change address" })).toBeNull();

  await user.click(screen.getByRole("button", { name: "Send again" }));
  expect((screen.getByLabelText("New e-mail address") as HTMLInputElement).value).toBe("typo@exmaple.com");
  expect(screen.queryByRole("button", { name: "Send again" })).toBeNull();
  await user.click(within(screen.getByRole("form", { name: "Change your e-mail address" })).getByRole("button", { name: "Cancel" }));
  expect(screen.queryByRole("form", { name: "Change your e-mail address" })).toBeNull();

  await user.click(screen.getByRole("button", { name: "Cancel" }));
  expect(await screen.findByText("The change of address is cancelled: its link no longer works.")).toBeTruthy();
  await waitFor(() => expect(screen.queryByText(/^Change to/)).toBeNull());
  expect(screen.getByRole("button", { name: "Change address" })).toBeTruthy();
  expect(calls.filter((c) => c.method === "DELETE").map((c) => [c.path, c.auth])).toEqual([["/v1/me/email", "Bearer t"]]);
}, 30_000);

test("a change still sending says nothing of its e-mail; cancelled meanwhile (404) reads /me again without an error", async () => {
  session.set("t");
  let pending: unknown = { email: "new@example.com", requested: "2026-11-26T10:00:00Z", expires: EXPIRES, email_status: { status: "sent", error: null, sent: "2026-11-26T10:00:02Z" } };
  fakeApi({
    ...signedIn(),
    ...meWith(() => pending),
    "DELETE /v1/me/email": () => { pending = null; return [404, err("not_found", "no change of address is waiting", "email")]; },
  });
  renderAt("/account");
  const user = userEvent.setup();
  await screen.findByText(para(/^Change to new@example\.com waits/));
  expect(screen.queryByText(/^The e-mail to/)).toBeNull();
  await user.click(screen.getByRole("button", { name: "Cancel" }));
  await waitFor(() => expect(screen.queryByText(/^Change to/)).toBeNull());
  expect(screen.queryByRole("alert")).toBeNull();
}, 30_000);
