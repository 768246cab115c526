import { StrictMode } from "react";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../App";
import { session } from "../api/client";
import { err, fakeApi, renderAt } from "../test/fakeApi";

const TOKEN = "ZW1haWwtY2hhbmdlLXRva2VuLW9mLXRoZS1saW5r";
const CHANGED = { status: "changed", email: "new@example.com", previous_email: "old@example.com", signed_out_sessions: 2, joined: [] };
const DEAD = "this link is not valid, was used or cancelled already, or has expired: ask for the change again";

test("the new address's link moves the account on opening, once (StrictMode runs effects twice); the held session is forgotten; onward to log in with the new address", async () => {
  session.set("old-session");
  const calls = fakeApi({ "POST /v1/auth/email-change/confirm": () => [200, CHANGED], "POST /v1/auth/login": () => [401, err("unauthorized", "wrong email or password", "password")] });
  const router = createMemoryRouter(routes, { initialEntries: [`/confirm-email-change?token=${TOKEN}`] });
  render(<StrictMode><QueryClientProvider client={makeQueryClient()}><RouterProvider router={router} /></QueryClientProvider></StrictMode>);
  expect(await screen.findByRole("heading", { level: 1, name: "Address changed" })).toBeTruthy();
  expect(screen.getByRole("status").textContent).toBe("Your address is now new@example.com. Every session was signed out: log in with the new address.");
  expect(session.token).toBeNull();
  expect(document.title).toBe("Confirm your new e-mail address · Launchbay");
  const posts = calls.filter((c) => c.path === "/v1/auth/email-change/confirm");
  expect(posts.map((c) => [c.body, c.auth])).toEqual([[{ token: TOKEN }, "Bearer old-session"]]);
  const login = screen.getByRole("link", { name: "Log in with new@example.com" });
  expect(login.getAttribute("href")).toBe("/login?email=new%40example.com");
  await userEvent.setup().click(login);
  expect(await screen.findByRole("heading", { level: 1, name: "Sign in to Launchbay" })).toBeTruthy();
  expect((screen.getByLabelText("Email") as HTMLInputElement).value).toBe("new@example.com");
});

test("invitations waiting for the new address: the organizations joined are said", async () => {
  fakeApi({ "POST /v1/auth/email-change/confirm": () => [200, { ...CHANGED, joined: [{ id: "o2", name: "Beta", role: "viewer" }] }] });
  renderAt(`/confirm-email-change?token=${TOKEN}`);
  await screen.findByRole("heading", { level: 1, name: "Address changed" });
  expect(screen.getByRole("status").textContent).toBe(
    "Your address is now new@example.com. Every session was signed out: log in with the new address.The invitations that waited for it are accepted: Beta (viewer).");
});

test("a dead link (422 at token): said, with how to ask again (sign in first when signed out); nothing forgotten", async () => {
  const calls = fakeApi({ "POST /v1/auth/email-change/confirm": () => [422, err("invalid", DEAD, "token")] });
  renderAt(`/confirm-email-change?token=${TOKEN}`);
  expect(await screen.findByRole("heading", { level: 1, name: "This link does not work" })).toBeTruthy();
  expect(screen.getByRole("alert").textContent).toBe(DEAD);
  expect(screen.getByText(/^A link works once, within 24 hours/).textContent).toContain("Your address did not change.");
  expect(screen.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("/login");
  expect(calls).toHaveLength(1);
});

test("a dead link while signed in: the session stays, and the account page is where to ask again", async () => {
  session.set("t");
  fakeApi({ "POST /v1/auth/email-change/confirm": () => [422, err("invalid", DEAD, "token")] });
  renderAt(`/confirm-email-change?token=${TOKEN}`);
  expect((await screen.findByRole("link", { name: "your account" })).getAttribute("href")).toBe("/account");
  expect(session.token).toBe("t");
});

test("the address signed up meanwhile (409 at email): nothing moved, said; another address from the account page", async () => {
  session.set("t");
  fakeApi({ "POST /v1/auth/email-change/confirm": () => [409, err("conflict", "an account with this email already exists: new@example.com signed up since the change was asked for", "email")] });
  renderAt(`/confirm-email-change?token=${TOKEN}`);
  expect(await screen.findByRole("heading", { level: 1, name: "This address has an account now" })).toBeTruthy();
  expect(screen.getByRole("alert").textContent).toMatch(/new@example\.com signed up since the change was asked for$/);
  expect(screen.getByText(/Nothing moved/)).toBeTruthy();
  expect(screen.getByRole("link", { name: "your account" }).getAttribute("href")).toBe("/account");
  expect(session.token).toBe("t");
});

test("throttled (429): the wait is said, and Try again asks again; no token: nothing is sent", async () => {
  let answer: () => [number, unknown, Record<string, string>?] = () => [429, err("too_many_requests", "too many address changes confirmed from this address: try again later", null), { "Retry-After": "30" }];
  const calls = fakeApi({ "POST /v1/auth/email-change/confirm": () => answer() as [number, unknown] });
  const router = renderAt(`/confirm-email-change?token=${TOKEN}`);
  const user = userEvent.setup();
  expect((await screen.findByRole("alert")).textContent).toBe("too many address changes confirmed from this address: try again later. You can try again in 30 seconds.");
  answer = () => [200, CHANGED];
  await user.click(screen.getByRole("button", { name: "Try again" }));
  expect(await screen.findByRole("heading", { level: 1, name: "Address changed" })).toBeTruthy();
  expect(calls).toHaveLength(2);

  await router.navigate("/confirm-email-change");
  expect(await screen.findByText(/This address has no token/)).toBeTruthy();
  expect(calls).toHaveLength(2);
});
