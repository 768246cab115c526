import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt, signedIn } from "../test/fakeApi";
import type { NotifyDelivery, Subscription } from "../api/git";

const SUBS = "/v1/orgs/o/projects/p/notifications";
const project = { "GET /v1/orgs/o/projects/p": (): [number, unknown] => [200, { id: "p", name: "shop" }] };
const sub = (over: Partial<Subscription> = {}): Subscription => ({
  id: "ntf_1", project_id: "p", kind: "webhook", name: "ci", url_hint: "https://ci.example.com/…", events: ["*"], enabled: true,
  created: "2026-11-26T00:00:00Z", updated: "2026-11-26T00:00:00Z", secret_rotated: "2026-11-26T00:00:00Z", signed: true, ...over,
});
const delivery = (over: Partial<NotifyDelivery>): NotifyDelivery => ({
  id: "dlv_1", subscription_id: "ntf_1", event: "notification.test", status: "queued", attempts: 0, response_code: null, error: null,
  duration_ms: null, history: [], next_attempt: null, created: new Date().toISOString(), updated: new Date().toISOString(), ...over,
});

test("add a webhook: chosen events, the API's URL error next to the URL, then the signing secret once with the verification code", async () => {
  session.set("t");
  let items: Subscription[] = [];
  const calls = fakeApi({
    ...signedIn(), ...project,
    [`GET ${SUBS}`]: () => [200, { items, next: null }],
    [`POST ${SUBS}`]: async (req) => {
      const body = await req.json() as { url: string; name: string; events: string[] };
      if (body.url.includes("169.254")) return [422, err("invalid", "169.254.169.254 is a link-local address: receivers must be public", "url")];
      const made = sub({ name: body.name, events: body.events, url_hint: `https://${new URL(body.url).host}/…` });
      items = [made];
      return [201, { ...made, secret: "whsec_once" }];
    },
  });
  renderAt("/orgs/o/projects/p/notifications");
  const user = userEvent.setup();
  expect(await screen.findByText("No subscriptions yet")).toBeTruthy();
  await user.click(screen.getByRole("button", { name: "Add a subscription" }));
  const form = screen.getByRole("form", { name: "Add a subscription" });
  expect((within(form).getByLabelText("Kind") as HTMLSelectElement).value).toBe("webhook");
  await user.type(within(form).getByLabelText("URL"), "http://169.254.169.254/latest");
  await user.type(within(form).getByLabelText("Name"), "ci");
  await user.click(within(form).getByRole("checkbox", { name: /All events/ }));
  // the usual four are ticked to start with (an alert's opening among them); keep live, failed and
  // alert.opened, add preview.created
  expect((within(form).getByRole("checkbox", { name: /alert\.opened/ }) as HTMLInputElement).checked).toBe(true);
  expect((within(form).getByRole("checkbox", { name: /alert\.resolved/ }) as HTMLInputElement).checked).toBe(false);
  await user.click(within(form).getByRole("checkbox", { name: /deployment\.rolled_back/ }));
  await user.click(within(form).getByRole("checkbox", { name: /preview\.created/ }));
  await user.click(within(form).getByRole("button", { name: "Subscribe" }));
  const url = within(form).getByLabelText("URL").closest(".field") as HTMLElement;
  expect((await within(url).findByRole("alert")).textContent).toBe("169.254.169.254 is a link-local address: receivers must be public");

  await user.clear(within(form).getByLabelText("URL"));
  await user.type(within(form).getByLabelText("URL"), "https://ci.example.com/hook");
  await user.click(within(form).getByRole("button", { name: "Subscribe" }));
  const secret = await screen.findByRole("region", { name: "Signing secret" });
  expect(screen.queryByRole("form", { name: "Add a subscription" })).toBeNull();
  expect(within(secret).getByLabelText("Signing secret").textContent).toBe("whsec_once");
  expect(within(secret).getByLabelText("Verification code").textContent).toContain("hmac.compare_digest(expected, sig)");
  await user.click(within(secret).getByRole("button", { name: "Copy signing secret" }));
  expect(await navigator.clipboard.readText()).toBe("whsec_once");
  await user.click(within(secret).getByRole("button", { name: "Copy verification code" }));
  expect(await navigator.clipboard.readText()).toContain("def verify(secret: str, body: bytes, header: str");
  await user.click(within(secret).getByRole("button", { name: "I have copied it" }));
  expect(document.body.textContent).not.toContain("whsec_once");

  const card = await screen.findByRole("article", { name: "ci" });
  expect(card.textContent).toContain("Webhook, signed · to https://ci.example.com/… · deployment.live, deployment.failed, preview.created, alert.opened");
  expect(within(card).getByText("enabled")).toBeTruthy();
  expect(calls.filter((c) => c.method === "POST").map((c) => c.body)[1]).toEqual({
    kind: "webhook", url: "https://ci.example.com/hook", name: "ci", events: ["deployment.live", "deployment.failed", "preview.created", "alert.opened"] });
});

test("a subscription: disable, send test and watch its delivery settle, edit the changed fields, rotate, delete after asking", async () => {
  session.set("t");
  let current = sub();
  let items: Subscription[] = [current, sub({ id: "ntf_2", kind: "slack", name: "", url_hint: "https://hooks.slack.com/…", secret_rotated: null, signed: false })];
  let log: NotifyDelivery[] = [delivery({ id: "dlv_0", event: "deployment.failed", status: "failed", attempts: 6, response_code: 500, error: "HTTP 500" })];
  let logReads = 0;
  const calls = fakeApi({
    ...signedIn(), ...project,
    [`GET ${SUBS}`]: () => [200, { items, next: null }],
    [`PATCH ${SUBS}/ntf_1`]: async (req) => {
      current = { ...current, ...(await req.json() as Partial<Subscription>) };
      items = [current, items[1]!];
      return [200, current];
    },
    [`POST ${SUBS}/ntf_1/test`]: () => {
      log = [delivery({}), ...log];
      return [202, log[0]];
    },
    [`GET ${SUBS}/ntf_1/deliveries`]: () => {
      logReads += 1;
      if (log[0]!.status === "queued" && logReads > 1) log = [{ ...log[0]!, status: "delivered", attempts: 1, response_code: 204 }, ...log.slice(1)];
      return [200, { items: log, next: null }];
    },
    [`POST ${SUBS}/ntf_1/rotate-secret`]: () => [200, { ...current, secret: "whsec_new" }],
    [`DELETE ${SUBS}/ntf_1`]: () => {
      items = items.slice(1);
      return [204, null];
    },
  });
  renderAt("/orgs/o/projects/p/notifications");
  const user = userEvent.setup();
  const card = await screen.findByRole("article", { name: "ci" });
  const slack = screen.getByRole("article", { name: "https://hooks.slack.com/…" });
  expect(slack.textContent).toContain("Slack · to https://hooks.slack.com/… · all events");
  expect(within(slack).queryByRole("button", { name: "Rotate secret" })).toBeNull();   // Slack messages are not signed

  await user.click(within(card).getByRole("button", { name: "Disable" }));
  await waitFor(() => expect(within(card).getByText("disabled")).toBeTruthy());
  expect(within(card).getByRole("button", { name: "Enable" })).toBeTruthy();

  await user.click(within(card).getByRole("button", { name: "Send test" }));
  expect((await within(card).findByRole("status")).textContent).toContain("a test is sent even while disabled");
  const table = await within(card).findByRole("table", { name: "Deliveries" });
  const row = (id: string) => table.querySelector(`tr[data-delivery=${id}]`) as HTMLElement;
  await waitFor(() => expect(row("dlv_1")).toBeTruthy());
  expect(row("dlv_1").querySelector("[data-status]")!.getAttribute("data-status")).toBe("queued");
  await waitFor(() => expect(row("dlv_1").querySelector("[data-status]")!.getAttribute("data-status")).toBe("delivered"), { timeout: 6000 });
  expect(row("dlv_1").textContent).toContain("HTTP 204");
  expect(row("dlv_0").textContent).toContain("deployment.failed");
  expect(row("dlv_0").textContent).toContain("6");
  expect(row("dlv_0").textContent).toContain("HTTP 500");

  await user.click(within(card).getByRole("button", { name: "Edit" }));
  const edit = within(card).getByRole("form", { name: "Edit ci" });
  expect(within(edit).getByText("Now https://ci.example.com/…; leave empty to keep it.")).toBeTruthy();
  await user.clear(within(edit).getByLabelText("Name"));
  await user.type(within(edit).getByLabelText("Name"), "builds");
  await user.click(within(edit).getByRole("button", { name: "Save changes" }));
  const renamed = await screen.findByRole("article", { name: "builds" });
  expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([{ enabled: false }, { name: "builds" }]);

  await user.click(within(renamed).getByRole("button", { name: "Rotate secret" }));
  await user.click(within(screen.getByRole("dialog", { name: "Rotate the signing secret?" })).getByRole("button", { name: "Rotate secret" }));
  expect(within(await screen.findByRole("region", { name: "Signing secret" })).getByLabelText("Signing secret").textContent).toBe("whsec_new");

  await user.click(within(renamed).getByRole("button", { name: "Delete" }));
  let dialog = screen.getByRole("dialog", { name: "Delete builds?" });
  expect(dialog.textContent).toContain("its delivery log goes too");
  await user.keyboard("{Escape}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(calls.some((c) => c.method === "DELETE")).toBe(false);
  await user.click(within(renamed).getByRole("button", { name: "Delete" }));
  dialog = screen.getByRole("dialog", { name: "Delete builds?" });
  await user.click(within(dialog).getByRole("button", { name: "Delete" }));
  await waitFor(() => expect(screen.queryByRole("article", { name: "builds" })).toBeNull());
  expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(1);
}, 20_000);

test("add a Microsoft Teams channel: its kind sent, no signing secret, the card says Teams", async () => {
  session.set("t");
  let items: Subscription[] = [];
  const calls = fakeApi({
    ...signedIn(), ...project,
    [`GET ${SUBS}`]: () => [200, { items, next: null }],
    [`POST ${SUBS}`]: async (req) => {
      const body = await req.json() as { kind: "teams"; name: string; events: string[] };
      const made = sub({ kind: body.kind, name: body.name, events: body.events, url_hint: "https://prod-00.westus.logic.azure.com/…" });
      items = [made];
      return [201, made];
    },
  });
  renderAt("/orgs/o/projects/p/notifications");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Add a subscription" }));
  const form = screen.getByRole("form", { name: "Add a subscription" });
  await user.selectOptions(within(form).getByLabelText("Kind"), "teams");
  expect(within(form).getByText(/When a Teams webhook request is received/)).toBeTruthy();
  await user.type(within(form).getByLabelText("URL"), "https://prod-00.westus.logic.azure.com:443/workflows/x");
  await user.type(within(form).getByLabelText("Name"), "ops");
  await user.click(within(form).getByRole("button", { name: "Subscribe" }));
  const card = await screen.findByRole("article", { name: "ops" });
  expect(card.textContent).toContain("Microsoft Teams · to https://prod-00.westus.logic.azure.com/…");
  expect(screen.queryByRole("region", { name: "Signing secret" })).toBeNull();
  expect((calls.find((c) => c.method === "POST")?.body as { kind: string }).kind).toBe("teams");
});

test("add an e-mail subscription: addresses instead of a URL, one a line, checked in the browser (1-10), the API's refusal at the field", async () => {
  session.set("t");
  let items: Subscription[] = [];
  const calls = fakeApi({
    ...signedIn(), ...project,
    [`GET ${SUBS}`]: () => [200, { items, next: null }],
    [`POST ${SUBS}`]: async (req) => {
      const body = await req.json() as { kind: "email"; emails: string[]; name: string; events: string[] };
      if (body.emails.includes("stranger@example.com")) return [422, err("invalid", "stranger@example.com is not a member of this organization", "emails")];
      const made = sub({ kind: "email", name: body.name, events: body.events, emails: body.emails, url_hint: null, secret_rotated: null, signed: false });
      items = [made];
      return [201, made];
    },
  });
  renderAt("/orgs/o/projects/p/notifications");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Add a subscription" }));
  const form = screen.getByRole("form", { name: "Add a subscription" });
  await user.selectOptions(within(form).getByLabelText("Kind"), "email");
  expect(within(form).queryByLabelText("URL")).toBeNull();
  const addresses = within(form).getByLabelText("Addresses");
  expect(addresses.tagName).toBe("TEXTAREA");
  expect(within(form).getByText(/^One a line, 1 to 10: each the e-mail address of a member of this organization\.$/)).toBeTruthy();
  const field = addresses.closest(".field") as HTMLElement;

  await user.click(within(form).getByRole("button", { name: "Subscribe" }));   // none yet
  expect(within(field).getByRole("alert").textContent).toBe("Add at least one address.");
  expect(document.activeElement).toBe(addresses);
  await user.type(addresses, Array.from({ length: 11 }, (_, i) => `m${i}@example.com`).join("\n"));
  expect(within(field).getByRole("alert").textContent).toBe("At most 10 addresses (this list has 11).");
  await user.click(within(form).getByRole("button", { name: "Subscribe" }));
  expect(calls.some((c) => c.method === "POST")).toBe(false);

  await user.clear(addresses);
  await user.type(addresses, "ana@example.com\nstranger@example.com, ana@example.com\n\n");
  expect(within(field).queryByRole("alert")).toBeNull();
  await user.type(within(form).getByLabelText("Name"), "team");
  await user.click(within(form).getByRole("button", { name: "Subscribe" }));
  expect((await within(field).findByRole("alert")).textContent).toBe("stranger@example.com is not a member of this organization");
  expect(within(form).getAllByRole("alert")).toHaveLength(1);

  await user.clear(addresses);
  await user.type(addresses, "ana@example.com\nbo@example.com");
  await user.click(within(form).getByRole("button", { name: "Subscribe" }));
  const card = await screen.findByRole("article", { name: "team" });
  expect(card.textContent).toContain("E-mail · to ana@example.com, bo@example.com · all events");
  expect(within(card).queryByRole("button", { name: "Rotate secret" })).toBeNull();
  expect(screen.queryByRole("region", { name: "Signing secret" })).toBeNull();
  expect(calls.filter((c) => c.method === "POST").map((c) => c.body)).toEqual([
    { kind: "email", emails: ["ana@example.com", "stranger@example.com"], name: "team", events: ["*"] },
    { kind: "email", emails: ["ana@example.com", "bo@example.com"], name: "team", events: ["*"] },
  ]);
}, 20_000);

test("an e-mail subscription: its addresses on the card (its title without a name), edited like a URL, only the changed fields sent", async () => {
  session.set("t");
  let current = sub({ kind: "email", name: "", emails: ["ana@example.com"], url_hint: null, secret_rotated: null, signed: false });
  const calls = fakeApi({
    ...signedIn(), ...project,
    [`GET ${SUBS}`]: () => [200, { items: [current], next: null }],
    [`PATCH ${SUBS}/ntf_1`]: async (req) => {
      current = { ...current, ...(await req.json() as Partial<Subscription>) };
      return [200, current];
    },
  });
  renderAt("/orgs/o/projects/p/notifications");
  const user = userEvent.setup();
  const card = await screen.findByRole("article", { name: "ana@example.com" });
  expect(card.textContent).toContain("E-mail · to ana@example.com · all events");
  await user.click(within(card).getByRole("button", { name: "Edit" }));
  let edit = within(card).getByRole("form", { name: "Edit ana@example.com" });
  expect(within(edit).queryByLabelText("Kind")).toBeNull();
  expect(within(edit).queryByLabelText("URL")).toBeNull();
  const addresses = within(edit).getByLabelText("Addresses") as HTMLTextAreaElement;
  expect(addresses.value).toBe("ana@example.com");
  // nothing changed but the name: the addresses are not sent
  await user.type(within(edit).getByLabelText("Name"), "ops");
  await user.click(within(edit).getByRole("button", { name: "Save changes" }));
  const renamed = await screen.findByRole("article", { name: "ops" });
  await user.click(within(renamed).getByRole("button", { name: "Edit" }));
  edit = within(renamed).getByRole("form", { name: "Edit ops" });
  await user.type(within(edit).getByLabelText("Addresses"), "\nbo@example.com");
  await user.click(within(edit).getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(screen.getByRole("article", { name: "ops" }).textContent).toContain("to ana@example.com, bo@example.com"));
  expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([
    { name: "ops" }, { emails: ["ana@example.com", "bo@example.com"] }]);
}, 20_000);
