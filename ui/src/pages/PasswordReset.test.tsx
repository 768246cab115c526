import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { err, fakeApi, renderAt } from "../test/fakeApi";
import { checkNewPassword } from "./PasswordReset";

const REQUESTED = {
  status: "requested", expires_in: 1800,
  message: "if an account uses ana@example.com, a link to choose a new password is on its way; it works once, within 30 minutes",
};
const TOKEN = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5";

test("log-in links to forgot password, carrying the address typed; the answer's message and the Sandbox note show", async () => {
  const calls = fakeApi({
    "POST /v1/auth/password-reset": () => [202, { ...REQUESTED, sandbox: "no e-mail leaves this machine: messages are written to /srv/data/mail" }],
  });
  const router = renderAt("/login");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Email"), "ana@example.com");
  await user.click(screen.getByRole("link", { name: "Forgot your password?" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/forgot-password"));
  expect(router.state.location.search).toBe("?email=ana%40example.com");
  const email = await screen.findByLabelText("Email");
  expect((email as HTMLInputElement).value).toBe("ana@example.com");
  expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Forgot your password?");
  await user.click(screen.getByRole("button", { name: "Send me a link" }));
  const status = await screen.findByRole("status");
  expect(status.textContent).toContain(REQUESTED.message);
  const note = within(status).getByText("Sandbox").closest("p")!;
  expect(note.textContent).toContain("no e-mail leaves this machine: messages are written to /srv/data/mail");
  expect(note.textContent).toContain("newest .eml file");
  expect(calls.find((c) => c.method === "POST")?.body).toEqual({ email: "ana@example.com" });
  expect(screen.getByRole("button", { name: "Send another link" })).toBeTruthy();
  expect(screen.getByRole("link", { name: "Back to sign in" }).getAttribute("href")).toBe("/login?email=ana%40example.com");
});

test("forgot password on AWS: the message alone, no Sandbox note", async () => {
  fakeApi({ "POST /v1/auth/password-reset": () => [202, REQUESTED] });
  renderAt("/forgot-password");
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Email"), "ana@example.com");
  await user.click(screen.getByRole("button", { name: "Send me a link" }));
  expect((await screen.findByRole("status")).textContent).toBe(REQUESTED.message);
  expect(screen.queryByText("Sandbox")).toBeNull();
});

test("forgot password: a malformed address is refused at the field; too many asks say when to try again", async () => {
  let answer: () => [number, unknown, Record<string, string>?] = () => [422, err("invalid", "not an e-mail address", "email")];
  fakeApi({ "POST /v1/auth/password-reset": () => answer() as [number, unknown] });
  renderAt("/forgot-password");
  const user = userEvent.setup();
  const email = await screen.findByLabelText("Email");
  await user.type(email, "ana@");
  await user.click(screen.getByRole("button", { name: "Send me a link" }));
  const field = email.closest(".field") as HTMLElement;
  expect((await within(field).findByRole("alert")).textContent).toBe("not an e-mail address");
  await waitFor(() => expect(document.activeElement).toBe(email));
  expect(email.getAttribute("aria-invalid")).toBe("true");

  answer = () => [429, err("too_many_requests", "too many password resets for this e-mail address: try again later", "email"), { "Retry-After": "600" }];
  await user.type(email, "example.com");
  await user.click(screen.getByRole("button", { name: "Send me a link" }));
  const alert = await screen.findByText(/too many password resets/);
  expect(alert.getAttribute("role")).toBe("alert");
  expect(alert.textContent).toMatch(/^too many password resets for this e-mail address: try again later\. You can try again in 10 minutes \(at \d\d:\d\d\)\.$/);
  expect(within(field).queryByRole("alert")).toBeNull();   // the wait is the answer, not the address
  expect(screen.queryByRole("status")).toBeNull();
});

test("the browser refuses a short or unconfirmed password before sending (counting characters as the API does)", () => {
  expect(checkNewPassword("short", "short")).toEqual({ password: "Use at least 10 characters (this one has 5)." });
  expect(checkNewPassword("a long password", "a long passw0rd")).toEqual({ confirm: "The two passwords differ: type the same one twice." });
  expect(checkNewPassword("a long password", "a long password")).toBeNull();
  expect(checkNewPassword("🔑🔑🔑🔑🔑", "🔑🔑🔑🔑🔑")?.password).toMatch(/has 5\)/);   // 10 UTF-16 units, 5 characters
  expect(checkNewPassword("  123456789  ", "  123456789  ")?.password).toMatch(/has 9\)/);   // the API strips the spaces around
  expect(checkNewPassword("x".repeat(257), "x".repeat(257))?.password).toBe("Use at most 256 characters (this one has 257).");
});

test("reset password: checked in the browser first, then changed; sessions and tokens counted; sign in with the address filled in", async () => {
  const calls = fakeApi({
    "POST /v1/auth/password-reset/confirm": () => [200, { status: "changed", email: "ana@example.com", revoked_api_tokens: 2, signed_out_sessions: 1 }],
  });
  const router = renderAt(`/reset-password?token=${TOKEN}`);
  const user = userEvent.setup();
  const password = await screen.findByLabelText("New password");
  const confirm = screen.getByLabelText("Confirm new password");
  await user.type(password, "too short");
  await user.type(confirm, "too short");
  await user.click(screen.getByRole("button", { name: "Change password" }));
  expect(within(password.closest(".field") as HTMLElement).getByRole("alert").textContent).toBe("Use at least 10 characters (this one has 9).");
  expect(document.activeElement).toBe(password);
  await user.type(password, "!!");   // the check follows the typing now: the length is fine, the two differ
  expect(within(password.closest(".field") as HTMLElement).queryByRole("alert")).toBeNull();
  expect(within(confirm.closest(".field") as HTMLElement).getByRole("alert").textContent).toMatch(/differ/);
  await user.click(screen.getByRole("button", { name: "Change password" }));
  expect(document.activeElement).toBe(confirm);
  expect(calls).toHaveLength(0);   // nothing sent yet

  await user.type(confirm, "!!");
  await user.click(screen.getByRole("button", { name: "Change password" }));
  expect(await screen.findByRole("heading", { level: 1, name: "Password changed" })).toBeTruthy();
  expect(screen.getByRole("status").textContent).toMatch(/The password of ana@example\.com is changed\. 1 session signed out and 2 API tokens revoked/);
  expect(calls.map((c) => c.body)).toEqual([{ token: TOKEN, password: "too short!!" }]);
  const signIn = screen.getByRole("link", { name: "Sign in" });
  expect(signIn.getAttribute("href")).toBe("/login?email=ana%40example.com");
  await user.click(signIn);
  await waitFor(() => expect(router.state.location.pathname).toBe("/login"));
  expect((await screen.findByLabelText("Email") as HTMLInputElement).value).toBe("ana@example.com");
  expect(screen.getByRole("status").textContent).toMatch(/Your password was changed .*2 API tokens revoked/);
});

test("reset password: a used or expired link says so and offers a new one; a refused password shows at its field", async () => {
  let answer: [number, unknown] = [422, err("invalid", "this password is too common", "password")];
  fakeApi({ "POST /v1/auth/password-reset/confirm": () => answer });
  renderAt(`/reset-password?token=${TOKEN}`);
  const user = userEvent.setup();
  const password = await screen.findByLabelText("New password");
  await user.type(password, "password1234");
  await user.type(screen.getByLabelText("Confirm new password"), "password1234");
  await user.click(screen.getByRole("button", { name: "Change password" }));
  expect((await within(password.closest(".field") as HTMLElement).findByRole("alert")).textContent).toBe("this password is too common");
  expect(screen.getAllByRole("alert")).toHaveLength(1);

  answer = [422, err("invalid", "this link is not valid, was used already or has expired: ask for a new one", "token")];
  await user.click(screen.getByRole("button", { name: "Change password" }));
  expect(await screen.findByRole("heading", { level: 1, name: "This link does not work" })).toBeTruthy();
  expect(screen.getByRole("alert").textContent).toBe("this link is not valid, was used already or has expired: ask for a new one");
  expect(screen.queryByLabelText("New password")).toBeNull();
  expect(screen.getByRole("link", { name: "Ask for a new link" }).getAttribute("href")).toBe("/forgot-password");
});

test("reset password: too many attempts say when to try again", async () => {
  fakeApi({ "POST /v1/auth/password-reset/confirm": () => [429, err("too_many_requests", "too many password reset attempts from this address: try again later", null), { "Retry-After": "30" }] });
  renderAt(`/reset-password?token=${TOKEN}`);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("New password"), "a long password");
  await user.type(screen.getByLabelText("Confirm new password"), "a long password");
  await user.click(screen.getByRole("button", { name: "Change password" }));
  expect((await screen.findByRole("alert")).textContent).toBe("too many password reset attempts from this address: try again later. You can try again in 30 seconds.");
});

test("reset password without a token in the address: says so and links to ask for one", async () => {
  const calls = fakeApi({});
  renderAt("/reset-password");
  expect(await screen.findByText(/This address has no reset token/)).toBeTruthy();
  expect(screen.queryByLabelText("New password")).toBeNull();
  expect(screen.getByRole("link", { name: "Ask for a new link" }).getAttribute("href")).toBe("/forgot-password");
  expect(calls).toHaveLength(0);
});
