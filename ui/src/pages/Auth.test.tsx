import { render, screen, waitFor } from "@testing-library/react";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../App";
import userEvent from "@testing-library/user-event";
import { err, fakeApi, renderAt } from "../test/fakeApi";

const answer = (org: { id: string; name: string; role: string }) => ({
  token: "t", user: { id: "u", email: "new@example.com", name: "new", created: "2026-11-26T00:00:00Z" },
  organization: { ...org, created: "2026-11-20T00:00:00Z" },
});

test("sign-up: an invited person leaves the organization empty and lands in the one that invited them", async () => {
  const calls = fakeApi({ "POST /v1/auth/signup": () => [201, answer({ id: "o_inviting", name: "Inviting", role: "developer" })] });
  const router = renderAt("/signup");
  const user = userEvent.setup();
  const org = await screen.findByLabelText("Organization");
  expect(org.hasAttribute("required")).toBe(false);
  expect(screen.getByText(/Invited to a team\? Leave it empty to join theirs/)).toBeTruthy();
  await user.type(screen.getByLabelText("Email"), "new@example.com");
  await user.type(screen.getByLabelText("Password"), "a long password");
  await user.type(org, "   ");   // blank is left out, not sent as a name
  await user.click(screen.getByRole("button", { name: "Create account" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o_inviting"));
  expect(calls.find((c) => c.method === "POST")?.body).toEqual({ email: "new@example.com", password: "a long password" });
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

test("sign-up from an invitation e-mail (?email=…&invited=1): the address filled in, the organization explained as optional", async () => {
  const calls = fakeApi({ "POST /v1/auth/signup": () => [201, answer({ id: "o_inviting", name: "Inviting", role: "developer" })] });
  const router = renderAt("/signup?email=new%40example.com&invited=1");
  const user = userEvent.setup();
  expect((await screen.findByLabelText("Email") as HTMLInputElement).value).toBe("new@example.com");
  expect(screen.getByText(/You were invited to an organization on Launchbay\. Leave Organization empty to join the one that invited you/)).toBeTruthy();
  expect(screen.getByText(/^Optional: empty joins the organization that invited you/)).toBeTruthy();
  expect(screen.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("/login?email=new%40example.com");
  await user.type(screen.getByLabelText("Password"), "a long password");
  await user.click(screen.getByRole("button", { name: "Create account" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o_inviting"));
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
