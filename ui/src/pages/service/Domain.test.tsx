import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../../api/client";
import { fakeApi, renderAt, service, signedIn } from "../../test/fakeApi";
import { domainNote, httpsNote } from "./Domain";

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

// The domain and its aliases (chalicelib/deploys/operations.py domain_status): each name's claim,
// TXT record, routing, HTTPS and certificate, as GET …/domain answers them.
const txt = (name: string, value: string) => ({ type: "TXT", name: `_launchbay-challenge.${name}`, value: `launchbay-verify=${value}` });
const cname = (name: string) => ({ type: "CNAME", name: `_3f1a.${name}.`, value: `_9b2c.${name.split(".")[0]}.acm-validations.aws.` });
const www = "www.shop.example.com";
const api_ = "api.shop.example.com";
const withAliases = {
  domain: "shop.example.com", status: "verified", verification: txt("shop.example.com", "abc"), verified_at: "2026-11-26T10:00:00Z",
  routed: true, https: true, message: null,
  certificate: { arn: "arn:aws:acm:us-east-1:1:certificate/1", status: "ISSUED", validation_records: [cname("shop.example.com")], dns_managed: true },
  aliases: [
    { domain: www, status: "verified", verification: txt(www, "www1"), verified_at: "2026-11-26T10:05:00Z", routed: true, https: false,
      certificate: { arn: "arn:aws:acm:us-east-1:1:certificate/2", status: "PENDING_VALIDATION", validation_records: [cname(www)], dns_managed: false },
      message: "create the certificate's CNAME validation records at your DNS provider; once it is issued, HTTPS is served within 5 minutes and HTTP redirects to it" },
    { domain: api_, status: "pending", verification: txt(api_, "api1"), verified_at: null, routed: false, https: false, certificate: null,
      message: `domain ${api_} is not verified: create TXT _launchbay-challenge.${api_} = launchbay-verify=api1, then POST .../domain/verify; until then the service does not answer on it` },
  ],
};

test("the domain served over HTTPS; each alias a card of its own: its TXT record, routed or not, HTTPS or what it waits for", async () => {
  session.set("t");
  const calls = fakeApi({
    ...base,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, domain: "shop.example.com", aliases: [www, api_] }],
    "GET /v1/orgs/o/services/s/domain": () => [200, withAliases],
    "POST /v1/orgs/o/services/s/domain/verify": () => [200, {
      domain: "shop.example.com", status: "verified", verification: withAliases.verification, verified_at: withAliases.verified_at, routed: true,
      message: `already verified; not verified yet: ${api_} (see aliases)`,
      aliases: [
        { domain: www, status: "verified", verification: txt(www, "www1"), verified_at: "2026-11-26T10:05:00Z", message: "already verified" },
        { domain: api_, status: "pending", verification: txt(api_, "api1"), verified_at: null,
          message: `domain ${api_} is not verified: TXT _launchbay-challenge.${api_}: no launchbay-verify value was found. ` +
            `Create TXT _launchbay-challenge.${api_} = launchbay-verify=api1 and try again (DNS changes can take minutes to show)` },
      ],
    }],
  });
  renderAt("/orgs/o/services/s/domain");
  const user = userEvent.setup();
  const heading = await screen.findByRole("heading", { level: 2, name: /shop\.example\.com/ }, { timeout: 5000 });
  expect(within(heading).getByText("verified")).toBeTruthy();
  expect(within(heading).getByText("HTTPS").getAttribute("data-https")).toBe("on");
  expect(screen.getByText("Served over HTTPS; plain HTTP redirects to it.")).toBeTruthy();
  expect(screen.getByRole("table", { name: "TXT record of shop.example.com" }).textContent).toContain("launchbay-verify=abc");

  expect(screen.getByRole("heading", { level: 3, name: "Aliases" })).toBeTruthy();
  const wwwCard = screen.getByRole("region", { name: www });
  expect([...wwwCard.querySelectorAll(".alias-badges .badge")].map((b) => b.textContent)).toEqual(["verified", "routed", "HTTP only"]);
  expect(within(wwwCard).getByText("Create the certificate's CNAME validation records at your DNS provider; once it is issued, " +
    "HTTPS is served within 5 minutes and HTTP redirects to it.")).toBeTruthy();
  expect(within(wwwCard).getByText("Certificate: PENDING_VALIDATION")).toBeTruthy();
  const validation = within(wwwCard).getByRole("table", { name: `Certificate validation records of ${www}` });
  expect(within(validation).getAllByRole("cell").map((c) => c.firstChild!.textContent)).toEqual(["CNAME", `_3f1a.${www}.`, "_9b2c.www.acm-validations.aws."]);
  expect(within(wwwCard).getByRole("table", { name: `TXT record of ${www}` }).textContent).toContain("launchbay-verify=www1");

  const apiCard = screen.getByRole("region", { name: api_ });
  expect([...apiCard.querySelectorAll(".alias-badges .badge")].map((b) => b.textContent)).toEqual(["pending", "not routed", "HTTP only"]);
  expect(within(apiCard).getByText(/^Create its TXT record at your DNS provider, then press Check DNS and verify/)).toBeTruthy();
  expect(within(apiCard).queryByRole("table", { name: /Certificate/ })).toBeNull();
  // its own copy buttons, named for it
  await user.click(within(apiCard).getByRole("button", { name: `Copy record value for ${api_}` }));
  expect(await navigator.clipboard.readText()).toBe("launchbay-verify=api1");
  await user.click(within(apiCard).getByRole("button", { name: `Copy record name for ${api_}` }));
  expect(await navigator.clipboard.readText()).toBe(`_launchbay-challenge.${api_}`);
  expect(document.body.textContent).not.toContain("POST");
  expect(screen.queryByRole("button", { name: "Deploy now to route it" })).toBeNull();   // every verified name is routed

  // an alias still pending: Check DNS and verify checks them all; the outcome says each
  await user.click(screen.getByRole("button", { name: "Check DNS and verify" }));
  await waitFor(() => expect(screen.getAllByRole("status").map((s) => s.textContent)).toContain(
    `shop.example.com is verified and routed to this service. Alias ${www} is verified. Alias ${api_} is not verified: ` +
    `TXT _launchbay-challenge.${api_}: no launchbay-verify value was found. Create TXT _launchbay-challenge.${api_} = launchbay-verify=api1 ` +
    "and try again (DNS changes can take minutes to show)."));
  expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(["/v1/orgs/o/services/s/domain/verify"]);
});

test("HTTPS on its way for the domain: the badge says HTTP only and the note what it waits for; an alias verified since the last deploy offers Deploy now", async () => {
  session.set("t");
  fakeApi({
    ...base,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, domain: "shop.example.com", aliases: [www] }],
    "GET /v1/orgs/o/services/s/domain": () => [200, {
      ...withAliases, https: false, message: "certificate issued: HTTPS is served within 5 minutes (and HTTP redirects to it)",
      aliases: [{ ...withAliases.aliases[0], routed: false, certificate: null, message: "verified: the next deploy routes it and requests its certificate" }],
    }],
  });
  renderAt("/orgs/o/services/s/domain");
  const heading = await screen.findByRole("heading", { level: 2, name: /shop\.example\.com/ }, { timeout: 5000 });
  expect(within(heading).getByText("HTTP only").getAttribute("data-https")).toBe("off");
  expect(screen.getByText("Certificate issued: HTTPS is served within 5 minutes (and HTTP redirects to it).").className).toBe("notice");
  expect(screen.queryByText("Served over HTTPS; plain HTTP redirects to it.")).toBeNull();
  const card = screen.getByRole("region", { name: www });
  expect([...card.querySelectorAll(".alias-badges .badge")].map((b) => b.textContent)).toEqual(["verified", "not routed", "HTTP only"]);
  expect(within(card).getByText("Verified. The next deploy routes it to this service and requests its certificate.")).toBeTruthy();
  expect(screen.queryByRole("button", { name: "Check DNS and verify" })).toBeNull();   // every name verified
  expect(screen.getByRole("button", { name: "Deploy now to route it" })).toBeTruthy();
});

test("the words for HTTPS: served, waiting for validation records, for the certificate, or for the next deploy", () => {
  const name = { domain: "shop.example.com", status: "verified", routed: true, certificate: null };
  expect(httpsNote({ ...name, https: true })).toBeNull();
  expect(httpsNote({ ...name, routed: false })).toBeNull();   // the domain's note says the deploy comes first
  expect(domainNote({ ...name, routed: false })).toBe("Verified. The next deploy routes the domain to this service and requests its certificate.");
  expect(httpsNote({ ...name, message: "certificate PENDING_VALIDATION: HTTPS is served once it is issued" }))
    .toBe("Certificate PENDING_VALIDATION: HTTPS is served once it is issued.");
  expect(httpsNote({ ...name, certificate: { status: "PENDING_VALIDATION", dns_managed: false } }))
    .toBe("Create the certificate's validation records below at your DNS provider.");
  expect(httpsNote(name)).toBe("Served over HTTP for now: HTTPS comes once its certificate is issued.");
});

test("a redirecting alias says where its 301 goes", async () => {
  session.set("t");
  fakeApi({
    ...base,
    "GET /v1/orgs/o/services/s": () => [200, { ...service, domain: "shop.example.com", aliases: [www], redirect_aliases: true }],
    "GET /v1/orgs/o/services/s/domain": () => [200, {
      ...withAliases, aliases: [{ ...withAliases.aliases[0], redirects_to: "shop.example.com" }] }],
  });
  renderAt("/orgs/o/services/s/domain");
  const card = await screen.findByRole("region", { name: www }, { timeout: 5000 });
  expect([...card.querySelectorAll(".alias-badges .badge")].map((b) => b.textContent))
    .toEqual(["verified", "routed", "HTTP only", "301 to shop.example.com"]);
});
