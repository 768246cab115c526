import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt, signedIn, type Answer } from "../test/fakeApi";

const fieldOf = (label: string) => screen.getByLabelText(label).closest(".field") as HTMLElement;
const meWith = (mfa: { enabled: boolean; recovery_codes_left: number }, org: Record<string, unknown> = {}): Answer => () =>
  [200, { user: { id: "u", email: "me@example.com" }, organizations: [{ id: "o", name: "Acme", role: "owner", ...org }], mfa }];

test("sign-in with two-factor authentication: a second step for the code, or a recovery code", async () => {
  session.set(null);
  let tries = 0;
  const calls = fakeApi({
    "POST /v1/auth/login": () => [200, { mfa_required: true, mfa_token: "challenge", expires_in: 300, methods: ["code", "recovery_code"] }],
    "POST /v1/auth/login/mfa": () => {
      tries += 1;
      if (tries === 1) return [401, err("unauthorized", "the code is not valid (wrong, or used already: wait for the next one)", "code")];
      return [200, { token: "session-token", expires_in: 3600 }];
    },
    ...signedIn(),
    "GET /v1/orgs/o/projects": () => [200, { items: [], next: null }],
  });
  const router = renderAt("/login");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Email"), "me@example.com");
  await user.type(screen.getByLabelText("Password"), "a long password");
  await user.click(screen.getByRole("button", { name: "Sign in" }));

  const code = await screen.findByLabelText("Authentication code");
  expect(document.activeElement).toBe(code);                       // focus goes to the code
  expect(code.getAttribute("autocomplete")).toBe("one-time-code");
  expect(session.token).toBeNull();                                 // no session before the code
  await user.type(code, "123 456");
  await user.click(screen.getByRole("button", { name: "Verify" }));
  expect((await within(fieldOf("Authentication code")).findByRole("alert")).textContent).toMatch(/^the code is not valid/);

  await user.click(screen.getByRole("button", { name: "Use a recovery code instead" }));
  const recovery = screen.getByLabelText("Recovery code");
  expect(document.activeElement).toBe(recovery);
  await user.type(recovery, "abcd-efgh-jkmn-pqrs");
  await user.click(screen.getByRole("button", { name: "Verify" }));
  await waitFor(() => expect(router.state.location.pathname).not.toBe("/login"));
  expect(session.token).toBe("session-token");
  const second = calls.filter((c) => c.path === "/v1/auth/login/mfa").map((c) => c.body);
  expect(second).toEqual([{ mfa_token: "challenge", code: "123456" }, { mfa_token: "challenge", recovery_code: "abcd-efgh-jkmn-pqrs" }]);
}, 30_000);

test("account: set up with the password, a QR code and the secret, confirm with a code, recovery codes shown once", async () => {
  session.set("my-token");
  let enabled = false;
  const codes = Array.from({ length: 10 }, (_, i) => `aaaa-bbbb-cccc-000${i}`);
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/me": () => meWith({ enabled, recovery_codes_left: enabled ? 10 : 0 })({} as Request),
    "POST /v1/auth/mfa/setup": async (req) => (await req.json() as { password: string }).password === "a long password"
      ? [201, { secret: "JBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/Launchbay:me%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Launchbay",
        issuer: "Launchbay", account: "me@example.com", digits: 6, period: 30 }]
      : [403, err("forbidden", "the password is wrong", "password")],
    "POST /v1/auth/mfa/confirm": () => { enabled = true; return [200, { recovery_codes: codes, mfa: { enabled: true, recovery_codes_left: 10 } }]; },
  });
  renderAt("/account");
  const user = userEvent.setup();
  expect(await screen.findByText(/^Off\. With it on/)).toBeTruthy();
  await user.click(screen.getByRole("button", { name: "Set up two-factor authentication" }));
  await user.type(screen.getByLabelText("Your password"), "wrong one");
  await user.click(screen.getByRole("button", { name: "Continue" }));
  expect((await within(fieldOf("Your password")).findByRole("alert")).textContent).toBe("the password is wrong");
  await user.clear(screen.getByLabelText("Your password"));
  await user.type(screen.getByLabelText("Your password"), "a long password");
  await user.click(screen.getByRole("button", { name: "Continue" }));

  const qr = await screen.findByRole("img", { name: "QR code to scan with your authenticator app" });
  expect(qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
  expect(screen.getByLabelText("Secret").textContent).toBe("JBSWY3DPEHPK3PXP");
  const code = screen.getByLabelText("Code from your app");
  expect(document.activeElement).toBe(code);
  await user.type(code, "123456");
  await user.click(screen.getByRole("button", { name: "Turn on" }));

  const shown = await screen.findByRole("region", { name: "Recovery codes" });
  expect(within(shown).getAllByRole("listitem").map((li) => li.textContent)).toEqual(codes);
  expect(screen.queryByLabelText("Secret")).toBeNull();             // the secret is gone from the page
  await user.click(within(shown).getByRole("button", { name: "Copy codes" }));
  expect(await within(shown).findByRole("status")).toBeTruthy();     // "Copied."
  expect(await navigator.clipboard.readText()).toBe(codes.join("\n"));   // user-event's clipboard
  await user.click(within(shown).getByRole("button", { name: "I have saved them" }));
  expect(screen.queryByRole("region", { name: "Recovery codes" })).toBeNull();
  expect((await screen.findByText(/recovery codes? left/)).textContent).toContain("10");
  expect(calls.find((c) => c.path === "/v1/auth/mfa/confirm")?.body).toEqual({ code: "123456" });
}, 30_000);

test("account: turning it off takes the password and a code or a recovery code; new recovery codes take a code", async () => {
  session.set("my-token");
  let enabled = true;
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/me": () => meWith({ enabled, recovery_codes_left: enabled ? 3 : 0 })({} as Request),
    "POST /v1/auth/mfa/recovery-codes": () => [200, { recovery_codes: ["new1-new1-new1-new1"], mfa: { enabled: true, recovery_codes_left: 10 } }],
    "POST /v1/auth/mfa/disable": async (req) => {
      const body = await req.json() as { recovery_code?: string };
      if (!body.recovery_code) return [403, err("forbidden", "the code is not valid", "code")];
      enabled = false;
      return [200, { mfa: { enabled: false, recovery_codes_left: 0 } }];
    },
  });
  renderAt("/account");
  const user = userEvent.setup();
  expect((await screen.findByText(/recovery codes? left/)).textContent).toContain("3");
  await user.click(screen.getByRole("button", { name: "New recovery codes" }));
  await user.type(screen.getByLabelText("Code from your app"), "654321");
  await user.click(screen.getByRole("button", { name: "Make new codes" }));
  const shown = await screen.findByRole("region", { name: "Recovery codes" });
  expect(within(shown).getByText("new1-new1-new1-new1")).toBeTruthy();
  await user.click(within(shown).getByRole("button", { name: "I have saved them" }));

  await user.click(await screen.findByRole("button", { name: "Turn off" }));
  expect(document.activeElement).toBe(screen.getByLabelText("Your password"));
  await user.type(screen.getByLabelText("Your password"), "a long password");
  await user.type(screen.getByLabelText("Code from your app"), "111111");
  await user.click(screen.getByRole("button", { name: "Turn off two-factor authentication" }));
  expect((await within(fieldOf("Code from your app")).findByRole("alert")).textContent).toBe("the code is not valid");
  await user.click(screen.getByRole("button", { name: "Use a recovery code" }));
  await user.type(screen.getByLabelText("Recovery code"), "aaaa-bbbb-cccc-dddd");
  await user.click(screen.getByRole("button", { name: "Turn off two-factor authentication" }));
  expect(await screen.findByText(/^Off\. With it on/)).toBeTruthy();
  expect(calls.filter((c) => c.path === "/v1/auth/mfa/disable").map((c) => c.body)).toEqual([
    { password: "a long password", code: "111111" },
    { password: "a long password", recovery_code: "aaaa-bbbb-cccc-dddd" },
  ]);
}, 30_000);

test("members: owners and admins switch 'require two-factor authentication'; the API's refusal is shown", async () => {
  session.set("my-token");
  let required = false;
  let attempt = 0;
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/me": () => meWith({ enabled: true, recovery_codes_left: 10 }, { require_mfa: required })({} as Request),
    "GET /v1/orgs/o/members": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/invitations": () => [200, { items: [], next: null }],
    "PATCH /v1/orgs/o": async (req) => {
      attempt += 1;
      if (attempt === 1) return [409, err("state_conflict", "turn on two-factor authentication for yourself first (it would lock you out)", "require_mfa")];
      required = (await req.json() as { require_mfa: boolean }).require_mfa;
      return [200, { id: "o", name: "Acme", role: "owner", require_mfa: required }];
    },
  });
  renderAt("/orgs/o/members");
  const user = userEvent.setup();
  const box = await screen.findByRole("checkbox", { name: "Require two-factor authentication" });
  expect((box as HTMLInputElement).checked).toBe(false);
  await user.click(box);
  expect((await screen.findByRole("alert")).textContent).toMatch(/^turn on two-factor authentication for yourself first/);
  await user.click(box);
  await waitFor(() => expect((screen.getByRole("checkbox", { name: "Require two-factor authentication" }) as HTMLInputElement).checked).toBe(true));
  expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([{ require_mfa: true }, { require_mfa: true }]);
}, 30_000);
