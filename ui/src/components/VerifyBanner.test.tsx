import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { type Answer, err, fakeApi, renderAt, signedIn } from "../test/fakeApi";

const meAs = (verified: () => boolean | undefined): Answer => () =>
  [200, { user: { id: "u", email: "ana@example.com", email_verified: verified() }, organizations: [{ id: "o", name: "Acme", role: "owner" }] }];
const around = { ...signedIn(false), "GET /v1/orgs/o/projects": () => [200, { items: [], next: null }] } as Record<string, Answer>;
const banner = () => screen.findByText(/^Confirm your e-mail address: we sent a link to/);

test("an unconfirmed address: the banner says where the link went and why; Send a new link shows the answer and the Sandbox note", async () => {
  session.set("t");
  const calls = fakeApi({
    ...around, "GET /v1/me": meAs(() => false),
    "POST /v1/me/verify-email": () => [202, { status: "sent", email: "ana@example.com", expires_in: 259200,
      message: "a link to confirm ana@example.com is on its way; it works within 3 days",
      sandbox: "no e-mail leaves this machine: messages are written to /srv/data/mail" }],
  });
  renderAt("/orgs/o");
  const user = userEvent.setup();
  const text = await banner();
  expect(text.textContent).toBe("Confirm your e-mail address: we sent a link to ana@example.com. Invitations to this address, and e-mails about deploys, wait until you do. Send a new link");
  const region = text.closest(".verify-banner") as HTMLElement;
  expect(region.getAttribute("role")).toBe("status");
  expect(region.closest("main")).toBeNull();   // the frame's, above every page
  await user.click(within(region).getByRole("button", { name: "Send a new link" }));
  expect(await within(region).findByText("a link to confirm ana@example.com is on its way; it works within 3 days")).toBeTruthy();
  const note = within(region).getByText("Sandbox").closest("p")!;
  expect(note.textContent).toContain("messages are written to /srv/data/mail");
  expect(calls.filter((c) => c.path === "/v1/me/verify-email").map((c) => [c.method, c.body, c.auth])).toEqual([["POST", null, "Bearer t"]]);
});

test("asked again too soon (429): how long to wait, from the Retry-After", async () => {
  session.set("t");
  fakeApi({
    ...around, "GET /v1/me": meAs(() => false),
    "POST /v1/me/verify-email": () => [429, err("too_many_requests", "a link was e-mailed less than 60 s ago: wait a moment", "email"), { "Retry-After": "42" }] as unknown as [number, unknown],
  });
  renderAt("/orgs/o");
  const user = userEvent.setup();
  await banner();
  await user.click(screen.getByRole("button", { name: "Send a new link" }));
  expect((await screen.findByRole("alert")).textContent).toBe("a link was e-mailed less than 60 s ago: wait a moment. You can try again in 42 seconds.");
});

test("confirmed meanwhile (409): /me is asked again and the banner goes", async () => {
  session.set("t");
  let verified = false;
  const calls = fakeApi({
    ...around, "GET /v1/me": meAs(() => verified),
    "POST /v1/me/verify-email": () => { verified = true; return [409, err("conflict", "this e-mail address is confirmed already", "email")]; },
  });
  renderAt("/orgs/o");
  const user = userEvent.setup();
  await banner();
  await user.click(screen.getByRole("button", { name: "Send a new link" }));
  await waitFor(() => expect(screen.queryByText(/Confirm your e-mail address/)).toBeNull());
  expect(calls.filter((c) => c.path === "/v1/me").length).toBeGreaterThan(1);
});

test("no banner for a confirmed address, nor for an API that does not say (email_verified absent), nor on the public pages", async () => {
  session.set("t");
  let verified: boolean | undefined = true;
  fakeApi({ ...around, "GET /v1/me": meAs(() => verified) });
  const router = renderAt("/orgs/o");
  expect(await screen.findByRole("heading", { level: 1, name: "Acme" })).toBeTruthy();
  expect(screen.queryByText(/Confirm your e-mail address/)).toBeNull();
  verified = undefined;
  await router.navigate("/account");
  expect(await screen.findByText("ana@example.com", { selector: "strong" })).toBeTruthy();
  expect(screen.queryByText(/Confirm your e-mail address/)).toBeNull();
  verified = false;
  await router.navigate("/forgot-password");
  expect(await screen.findByRole("heading", { level: 1, name: "Forgot your password?" })).toBeTruthy();
  expect(screen.queryByText(/Confirm your e-mail address/)).toBeNull();
});

test("mail to the address held back (a bounce): no Send a new link, since no link could go", async () => {
  session.set("t");
  fakeApi({
    ...around,
    "GET /v1/me": () => [200, { user: { id: "u", email: "ana@example.com", email_verified: false }, organizations: [{ id: "o", name: "Acme", role: "owner" }],
      email_delivery: { suppressed: true, reason: "bounce", detail: "smtp; 550 5.1.1 user unknown", since: "2026-11-28T10:00:00.000000Z" } }],
  });
  renderAt("/orgs/o");
  const region = (await banner()).closest(".verify-banner") as HTMLElement;
  expect(within(region).queryByRole("button", { name: "Send a new link" })).toBeNull();
});
