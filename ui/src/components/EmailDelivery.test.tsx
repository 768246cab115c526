import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { type Answer, err, fakeApi, renderAt, signedIn } from "../test/fakeApi";

const SINCE = "2026-03-05T10:20:00Z";
const day = new Date(SINCE).toLocaleDateString(undefined, { dateStyle: "medium" });
const BOUNCE = { suppressed: true, reason: "bounce", detail: "smtp; 550 5.1.1 user unknown", since: SINCE };
const COMPLAINT = { suppressed: true, reason: "complaint", detail: "marked as spam (abuse)", since: SINCE };

let delivery: unknown = null;
let verified: boolean | undefined = true;
const me: Answer = () => [200, { user: { id: "u", email: "ana@example.com", email_verified: verified },
  organizations: [{ id: "o", name: "Acme", role: "owner" }], email_delivery: delivery }];
const around = { ...signedIn(false), "GET /v1/me": me, "GET /v1/orgs/o/projects": () => [200, { items: [], next: null }],
  "GET /v1/me/notifications": () => [200, { deploy_failures: true, approvals: true, token_expiry: true, email: "ana@example.com", about: {} }] } as Record<string, Answer>;
const banner = async () => (await screen.findByText(/^E-mail to/, { selector: ".delivery-banner p" })).closest(".delivery-banner") as HTMLElement;

beforeEach(() => { delivery = null; verified = true; session.set("t"); });

test("a bounce: the banner says where, when and the server's words; My mailbox works again lifts it (204), /me is read again and the banner says so", async () => {
  delivery = BOUNCE;
  const calls = fakeApi({ ...around, "DELETE /v1/me/email-suppression": () => { delivery = null; return [204, null]; } });
  renderAt("/orgs/o");
  const user = userEvent.setup();
  const region = await banner();
  expect(region.getAttribute("role")).toBe("status");
  expect(region.closest("main")).toBeNull();   // the frame's, above every page
  expect(region.textContent).toBe(`E-mail to ana@example.com is held back: it bounced on ${day} (smtp; 550 5.1.1 user unknown). ` +
    "Nothing is e-mailed to it until you say your mailbox works again. My mailbox works again");
  expect(within(region).getByText(day).getAttribute("dateTime")).toBe(SINCE);
  expect(document.querySelector(".verify-banner")).toBeNull();   // a confirmed address: that one only
  const reads = calls.filter((c) => c.path === "/v1/me").length;
  await user.click(within(region).getByRole("button", { name: "My mailbox works again" }));
  await waitFor(() => expect(region.textContent).toBe("E-mail goes to ana@example.com again."));
  expect(region.isConnected).toBe(true);   // the same live region: the answer is heard
  expect(calls.filter((c) => c.method === "DELETE").map((c) => [c.path, c.body, c.auth])).toEqual([["/v1/me/email-suppression", null, "Bearer t"]]);
  expect(calls.filter((c) => c.path === "/v1/me").length).toBeGreaterThan(reads);
});

test("a complaint, on an unconfirmed address: both banners, the held-back one first and saying the confirmation link waits too", async () => {
  delivery = COMPLAINT;
  verified = false;
  fakeApi(around);
  renderAt("/orgs/o");
  const region = await banner();
  expect(region.textContent).toBe(`E-mail to ana@example.com is held back: you marked a Launchbay e-mail as spam on ${day} (abuse). ` +
    "Nothing is e-mailed to it, a new confirmation link included, until you say your mailbox works again. My mailbox works again");
  const verify = document.querySelector(".verify-banner") as HTMLElement;
  expect(verify.textContent).toMatch(/^Confirm your e-mail address/);
  expect(region.compareDocumentPosition(verify) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  expect(screen.getAllByRole("button", { name: "My mailbox works again" })).toHaveLength(1);
});

test("lifted meanwhile (404): no error, /me is read again, the banner says mail goes there again; the answer goes with the next page", async () => {
  delivery = BOUNCE;
  const calls = fakeApi({ ...around, "DELETE /v1/me/email-suppression": () => { delivery = null; return [404, err("not_found", "e-mail to this address is not held back", "email")]; } });
  const router = renderAt("/orgs/o");
  const user = userEvent.setup();
  const region = await banner();
  await user.click(within(region).getByRole("button", { name: "My mailbox works again" }));
  await waitFor(() => expect(region.textContent).toBe("E-mail to ana@example.com was not held back any more: it goes there again."));
  expect(screen.queryByRole("alert")).toBeNull();
  expect(calls.filter((c) => c.path === "/v1/me").length).toBeGreaterThan(1);
  await act(() => router.navigate("/tokens"));
  await waitFor(() => expect(document.querySelector(".delivery-banner")).toBeNull());
});

test("a failure to lift (500) shows in the banner, which stays", async () => {
  delivery = BOUNCE;
  fakeApi({ ...around, "DELETE /v1/me/email-suppression": () => [500, err("internal", "something broke", null)] });
  renderAt("/orgs/o");
  const user = userEvent.setup();
  const region = await banner();
  await user.click(within(region).getByRole("button", { name: "My mailbox works again" }));
  expect((await within(region).findByRole("alert")).textContent).toBe("something broke");
  expect(region.textContent).toMatch(/^E-mail to ana@example\.com is held back/);
});

test.each([["null", null], ["absent (an older API)", undefined]])("no banner while mail reaches the address (%s)", async (_, value) => {
  delivery = value;
  fakeApi(around);
  renderAt("/orgs/o");
  expect(await screen.findByRole("heading", { level: 1, name: "Acme" })).toBeTruthy();
  await waitFor(() => expect(screen.queryByText("ana@example.com", { selector: "nav a" })).toBeTruthy());
  expect(document.querySelector(".delivery-banner")).toBeNull();
});

test("no banner on the account page (its e-mail section says it, with the one button), nor on the public pages", async () => {
  delivery = BOUNCE;
  fakeApi(around);
  const router = renderAt("/account");
  expect(await screen.findByText(/^E-mail to/, { selector: ".delivery-held p" })).toBeTruthy();
  expect(document.querySelector(".delivery-banner")).toBeNull();
  expect(screen.getAllByRole("button", { name: "My mailbox works again" })).toHaveLength(1);
  await act(() => router.navigate("/orgs/o"));   // the same /me: the banner is back on another page
  expect(await banner()).toBeTruthy();
  await act(() => router.navigate("/forgot-password"));
  expect(await screen.findByRole("heading", { level: 1, name: "Forgot your password?" })).toBeTruthy();
  expect(document.querySelector(".delivery-banner")).toBeNull();
});
