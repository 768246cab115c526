import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../../api/client";
import { fakeApi, renderAt, service, signedIn } from "../../test/fakeApi";

const base = {
  ...signedIn(),
  "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }] as [number, unknown],
};

test("the domain tab says what to do in its own words, never the API's 'POST .../domain/verify'", async () => {
  session.set("t");
  const rr = { type: "TXT", name: "_launchbay-challenge.shop.example.com", value: "launchbay-verify=abc" };
  fakeApi({
    ...base,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, domain: "shop.example.com" }],
    "GET /v1/orgs/o/services/s/domain": () => [200, {
      domain: "shop.example.com", status: "pending", routed: false, certificate: null, verification: rr,
      message: "domain shop.example.com is not verified: create TXT … = …, then POST .../domain/verify; until then …",
    }],
  });
  renderAt("/orgs/o/services/s/domain");
  expect(await screen.findByText(/Create this TXT record at your DNS provider, then press Check DNS and verify/, {}, { timeout: 5000 })).toBeTruthy();
  expect(screen.getByText("launchbay-verify=abc")).toBeTruthy();
  expect(document.body.textContent).not.toContain("POST");
});

test("a secret saved says when it takes effect, without the API's 'POST .../deployments'", async () => {
  session.set("t");
  fakeApi({
    ...base,
    "GET /v1/orgs/o/services/s": () => [200, service],
    "GET /v1/orgs/o/services/s/secrets": () => [200, { items: [] }],
    "PUT /v1/orgs/o/services/s/secrets/DB_URL": () => [200, {
      name: "DB_URL", version: 1, created: "", updated: "", scope: "service",
      message: "the new value reaches running tasks with the next deploy: POST .../deployments",
    }],
  });
  renderAt("/orgs/o/services/s/variables");
  await userEvent.type(await screen.findByLabelText("Secret name", {}, { timeout: 5000 }), "db_url");
  await userEvent.type(screen.getByLabelText("Secret value"), "postgres://x");
  await userEvent.click(screen.getByRole("button", { name: "Set secret" }));
  await waitFor(() => expect(screen.getAllByRole("status").map((s) => s.textContent)).toContain("DB_URL saved as v1. Running containers get it with the next deploy."));
  expect(document.body.textContent).not.toContain("POST");
});

test("verified is not routed yet: the tab says so and offers Deploy now to route it (the plan, then one deploy)", async () => {
  session.set("t");
  const rr = { type: "TXT", name: "_launchbay-challenge.shop.example.com", value: "launchbay-verify=abc" };
  let verified = false;
  const calls = fakeApi({
    ...base,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, domain: "shop.example.com" }],
    "GET /v1/orgs/o/services/s/domain": () => [200, {
      domain: "shop.example.com", status: verified ? "verified" : "pending", routed: false, certificate: null, verification: rr,
    }],
    "POST /v1/orgs/o/services/s/domain/verify": () => {
      verified = true;
      return [200, { domain: "shop.example.com", status: "verified", routed: false, verification: rr,
        message: "verified: the next deploy routes shop.example.com to this service and requests its certificate" }];
    },
    "GET /v1/orgs/o/services/s/plan": () => [200, { service_id: "s", sandbox: true, summary: { create: 1 }, message: "", steps: [
      { step: "domain_rule", resource: "listener rule (custom domain)", name: "shop.example.com", action: "create", changes: {}, calls: [] }] }],
    "POST /v1/orgs/o/services/s/deployments": () => [202, { id: "d1", number: 2, status: "queued" }],
  });
  const router = renderAt("/orgs/o/services/s/domain");
  const user = userEvent.setup();
  expect(screen.queryByRole("button", { name: "Deploy now to route it" })).toBeNull();
  await user.click(await screen.findByRole("button", { name: "Check DNS and verify" }, { timeout: 5000 }));
  await waitFor(() => expect(screen.getAllByRole("status").map((s) => s.textContent)).toContain(
    "shop.example.com is verified. Nothing reaches it until the next deploy routes it to this service (and requests its certificate)."));
  await user.click(await screen.findByRole("button", { name: "Deploy now to route it" }));
  const dialog = await screen.findByRole("dialog", { name: "Deploy web?" });
  await user.click(await within(dialog).findByRole("button", { name: "Deploy now" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o/deployments/d1"));
  const deploys = calls.filter((c) => c.method === "POST" && c.path.endsWith("/deployments"));
  expect(deploys).toHaveLength(1);
  expect(deploys[0]!.headers.get("Idempotency-Key")).toMatch(/^[0-9a-f-]{36}$/);
});

test("a domain already routed gets no Deploy now to route it", async () => {
  session.set("t");
  fakeApi({
    ...base,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, domain: "shop.example.com" }],
    "GET /v1/orgs/o/services/s/domain": () => [200, { domain: "shop.example.com", status: "verified", routed: true, certificate: null }],
  });
  renderAt("/orgs/o/services/s/domain");
  expect(await screen.findByRole("heading", { name: /shop\.example\.com/ }, { timeout: 5000 })).toBeTruthy();
  expect(screen.queryByRole("button", { name: "Deploy now to route it" })).toBeNull();
});
