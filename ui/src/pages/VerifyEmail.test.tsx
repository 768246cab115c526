import { StrictMode } from "react";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../App";
import { session } from "../api/client";
import { err, fakeApi, renderAt, signedIn } from "../test/fakeApi";

const TOKEN = "dmVyaWZ5LXRoZS1hZGRyZXNzLXRva2VuLW9mLXRoZS1saW5r";
const CONFIRMED = { status: "verified", email: "ana@example.com", joined: [{ id: "o_inv", name: "Inviting", role: "developer" }] };

test("the e-mailed link confirms the address on opening, once (StrictMode runs effects twice); the organizations joined are listed", async () => {
  const calls = fakeApi({ "POST /v1/auth/verify-email": () => [200, CONFIRMED] });
  const router = createMemoryRouter(routes, { initialEntries: [`/verify-email?token=${TOKEN}`] });
  render(<StrictMode><QueryClientProvider client={makeQueryClient()}><RouterProvider router={router} /></QueryClientProvider></StrictMode>);
  expect(await screen.findByRole("heading", { level: 1, name: "Address confirmed" })).toBeTruthy();
  expect(screen.getByRole("status").textContent).toBe("ana@example.com is confirmed. The invitations that waited for it are accepted:");
  expect(within(screen.getByRole("list", { name: "Organizations joined" })).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["Inviting (developer)"]);
  // not signed in here: onward is the log-in, the address filled in
  expect(screen.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("/login?email=ana%40example.com");
  expect(document.title).toBe("Confirm your e-mail address · Launchbay");
  const posts = calls.filter((c) => c.path === "/v1/auth/verify-email");
  expect(posts.map((c) => c.body)).toEqual([{ token: TOKEN }]);
});

test("confirmed while signed in: onward to the organization joined, where the banner is gone", async () => {
  session.set("t");
  let verified = false;
  fakeApi({
    ...signedIn(false),
    "GET /v1/me": () => [200, { user: { id: "u", email: "ana@example.com", email_verified: verified }, organizations: [{ id: "o_inv", name: "Inviting", role: "developer" }] }],
    "POST /v1/auth/verify-email": () => { verified = true; return [200, CONFIRMED]; },
    "GET /v1/orgs/o_inv/projects": () => [200, { items: [], next: null }],
  });
  renderAt(`/verify-email?token=${TOKEN}`);
  const user = userEvent.setup();
  await user.click(await screen.findByRole("link", { name: "Go to Inviting" }));
  expect(await screen.findByRole("heading", { level: 1, name: "Inviting" })).toBeTruthy();
  expect(screen.queryByText(/Confirm your e-mail address/)).toBeNull();
});

test("no organization waited for the address: said so, onward to Launchbay when signed in", async () => {
  session.set("t");
  fakeApi({ "POST /v1/auth/verify-email": () => [200, { ...CONFIRMED, joined: [] }] });
  renderAt(`/verify-email?token=${TOKEN}`);
  expect((await screen.findByRole("status")).textContent).toBe("ana@example.com is confirmed. No invitation waited for it.");
  expect(screen.queryByRole("list")).toBeNull();
  expect(screen.getByRole("link", { name: "Go to Launchbay" }).getAttribute("href")).toBe("/");
});

test("a dead link (422 at token): said, with how to get a new one (the banner's, once signed in)", async () => {
  const calls = fakeApi({ "POST /v1/auth/verify-email": () => [422, err("invalid", "this link is not valid, was used already or has expired: ask for a new one", "token")] });
  renderAt(`/verify-email?token=${TOKEN}`);
  expect(await screen.findByRole("heading", { level: 1, name: "This link does not work" })).toBeTruthy();
  expect(screen.getByRole("alert").textContent).toBe("this link is not valid, was used already or has expired: ask for a new one");
  expect(screen.getByText(/A link works once, within 3 days/)).toBeTruthy();
  expect(screen.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("/login");
  expect(screen.getByText(/the banner at the top of the page offers a new link/)).toBeTruthy();
  expect(calls).toHaveLength(1);
});

test("a dead link while signed in points at the banner's Send a new link", async () => {
  session.set("t");
  fakeApi({ "POST /v1/auth/verify-email": () => [422, err("invalid", "this link is not valid, was used already or has expired: ask for a new one", "token")] });
  renderAt(`/verify-email?token=${TOKEN}`);
  expect(await screen.findByText(/in the banner at the top of Launchbay's pages/)).toBeTruthy();
  expect(screen.getByRole("link", { name: "Go to Launchbay" }).getAttribute("href")).toBe("/");
});

test("throttled (429): the wait is said, and Try again asks again; no token: nothing is sent", async () => {
  let answer: () => [number, unknown, Record<string, string>?] = () => [429, err("too_many_requests", "too many address confirmations from this address: try again later", null), { "Retry-After": "30" }];
  const calls = fakeApi({ "POST /v1/auth/verify-email": () => answer() as [number, unknown] });
  const router = renderAt(`/verify-email?token=${TOKEN}`);
  const user = userEvent.setup();
  expect((await screen.findByRole("alert")).textContent).toBe("too many address confirmations from this address: try again later. You can try again in 30 seconds.");
  answer = () => [200, CONFIRMED];
  await user.click(screen.getByRole("button", { name: "Try again" }));
  expect(await screen.findByRole("heading", { level: 1, name: "Address confirmed" })).toBeTruthy();
  expect(calls).toHaveLength(2);

  await router.navigate("/verify-email");
  expect(await screen.findByText(/This address has no token/)).toBeTruthy();
  expect(calls).toHaveLength(2);
});
