import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { fakeApi, renderAt, service, signedIn } from "../test/fakeApi";
import { pageTitle } from "./usePageFocus";

const empty = (): [number, unknown] => [200, { items: [], next: null }];
const api = {
  ...signedIn(),
  "GET /v1/orgs/o/projects": (): [number, unknown] => [200, { items: [{ id: "p", org_id: "o", name: "shop", description: "" }], next: null }],
  "GET /v1/orgs/o/projects/p": (): [number, unknown] => [200, { id: "p", org_id: "o", name: "shop" }],
  "GET /v1/orgs/o/projects/p/(services|environments)": empty, "GET /v1/orgs/o/aws-accounts": empty,
  "GET /v1/orgs/o/services/s": (): [number, unknown] => [200, service],
  "GET /v1/orgs/o/services/s/(deployments|releases|secrets)": empty,
};

test("the first Tab reaches 'Skip to content', which takes focus past the top bar to the page's h1", async () => {
  session.set("t");
  fakeApi(api);
  renderAt("/orgs/o/services/s");
  const user = userEvent.setup();
  const h1 = await screen.findByRole("heading", { level: 1, name: /^web/ });
  await user.tab();
  const skip = screen.getByRole("link", { name: "Skip to content" });
  expect(document.activeElement).toBe(skip);
  await user.keyboard("{Enter}");
  expect(document.activeElement).toBe(h1);
});

test("the browser tab's title is the page's h1 (without its status badge)", async () => {
  session.set("t");
  fakeApi(api);
  renderAt("/orgs/o/services/s");
  await screen.findByRole("heading", { level: 1, name: /^web/ });
  await waitFor(() => expect(document.title).toBe("web · Launchbay"));
  const h1 = document.createElement("h1");
  h1.innerHTML = 'Deployment #2 of web <span class="badge">live</span>';
  expect(pageTitle(h1)).toBe("Deployment #2 of web · Launchbay");
  expect(pageTitle(null)).toBe("Launchbay");
});

test("following a link that goes away with its page puts focus on the new page's h1; a service tab keeps it", async () => {
  session.set("t");
  fakeApi(api);
  renderAt("/orgs/o");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("link", { name: "shop" }));
  const h1 = await screen.findByRole("heading", { level: 1, name: "shop" });
  await waitFor(() => expect(document.activeElement).toBe(h1));

  // on a service page the tabs stay: focus stays on the tab followed
  renderAt("/orgs/o/services/s");
  const variables = await screen.findByRole("link", { name: "Variables & secrets" });
  await user.click(variables);
  await screen.findByRole("heading", { level: 2, name: "Secrets" });
  expect(document.activeElement).toBe(variables);
});

test("a section link of the top bar moves focus to the new page's h1 (the bar stays, the page changed)", async () => {
  session.set("t");
  fakeApi({
    ...api,
    "GET /v1/orgs/o/members": () => [200, { items: [{ user: { id: "u", email: "me@example.com" }, role: "owner" }], next: null }],
    "GET /v1/orgs/o/invitations": empty,
  });
  renderAt("/orgs/o");
  const user = userEvent.setup();
  await screen.findByRole("heading", { level: 1, name: "Acme" });
  await user.click(screen.getByRole("link", { name: "Members" }));
  const h1 = await screen.findByRole("heading", { level: 1, name: "Members" });
  await waitFor(() => expect(document.activeElement).toBe(h1));
});
