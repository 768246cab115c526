import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt } from "../test/fakeApi";
import { ENVS, env, project } from "../test/environments";

// chalicelib/deploys/egress.py shown(): the environment's egress as the API answers it
const DYNAMIC = "each task leaves from its own public IP, which changes at every deploy";
const PENDING = "the next deploy makes the NAT gateway and its Elastic IP; the address is shown here then";
const egress = (on: boolean, ips: string[] = []) => ({
  static_egress: on, egress_ips: ips,
  egress: on && ips.length ? `outbound traffic leaves from ${ips.join(", ")}`
    : on ? PENDING
    : ips.length ? `turned off: services move back to public subnets at their next deploy; ${ips.join(", ")} is released once none runs behind it`
    : DYNAMIC,
});
const rowOf = (table: HTMLElement, name: string) => table.querySelector(`tr[data-environment=${name}]`) as HTMLTableRowElement;
const patches = (calls: { method: string; path: string; body: unknown }[]) => calls.filter((c) => c.method === "PATCH").map((c) => [c.path, c.body]);

test("an owner turns static egress on after reading its cost; the row says the next deploy makes the address, then shows it to copy", async () => {
  session.set("t");
  let production = env("production", egress(false));
  const calls = fakeApi(project(() => [production, env("staging", egress(true, ["3.120.45.7"]))], {
    [`PATCH ${ENVS}/production`]: () => { production = { ...production, ...egress(true) }; return [200, production]; },
  }));
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  const prod = rowOf(table, "production");
  await waitFor(() => expect(prod.querySelector(".egress-note")?.textContent).toBe(`Outbound: ${DYNAMIC}`));

  // an address known: prominent, with its own copy button
  const staging = rowOf(table, "staging");
  const note = staging.querySelector(".egress-note") as HTMLElement;
  expect(note.getAttribute("data-egress")).toBe("static");
  expect(note.textContent).toMatch(/^Outbound: 3\.120\.45\.7 \(static\)/);
  expect(note.querySelector("code")?.textContent).toBe("3.120.45.7");
  await user.click(within(note).getByRole("button", { name: "Copy outbound address of staging" }));
  expect(await navigator.clipboard.readText()).toBe("3.120.45.7");

  // the question says what it costs and when it applies; Cancel sends nothing
  const opener = within(prod).getByRole("button", { name: "Static outbound IP for production…" });
  expect(opener.getAttribute("aria-haspopup")).toBe("dialog");
  await user.click(opener);
  let dialog = screen.getByRole("dialog", { name: "Give production a static outbound IP?" });
  expect(dialog.textContent).toContain("about 33 USD a month for the NAT gateway plus 0.045 USD per GB");
  expect(dialog.textContent).toContain("The next deploy of each service applies it");
  await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(document.activeElement).toBe(opener);
  expect(patches(calls)).toEqual([]);

  await user.click(opener);
  dialog = screen.getByRole("dialog", { name: "Give production a static outbound IP?" });
  await user.click(within(dialog).getByRole("button", { name: "Turn on static IP" }));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(patches(calls)).toEqual([[`${ENVS}/production`, { static_egress: true }]]);
  await waitFor(() => expect(prod.querySelector(".egress-note")?.textContent).toBe(`Outbound (static): ${PENDING}`));
  expect(prod.querySelector(".egress-note")?.getAttribute("data-egress")).toBe("pending");
});

test("turning it off says the address is released and allowlists stop matching; it is PATCHed false", async () => {
  session.set("t");
  let staging = env("staging", egress(true, ["3.120.45.7"]));
  const calls = fakeApi(project(() => [staging], {
    [`PATCH ${ENVS}/staging`]: () => { staging = { ...staging, ...egress(false, ["3.120.45.7"]) }; return [200, staging]; },
  }));
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  const row = rowOf(table, "staging");
  await user.click(await within(row).findByRole("button", { name: "Static outbound IP for staging…" }));
  const dialog = screen.getByRole("dialog", { name: "Turn off staging's static outbound IP?" });
  expect(dialog.textContent).toContain("from its next deploy");
  expect(dialog.textContent).toContain("3.120.45.7 is released");
  expect(dialog.textContent).toContain("allowlists that name it no longer match staging's services");
  expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Cancel" }));   // it cannot simply be undone
  await user.click(within(dialog).getByRole("button", { name: "Turn off static IP" }));
  await waitFor(() => expect(patches(calls)).toEqual([[`${ENVS}/staging`, { static_egress: false }]]));
  await waitFor(() => expect(row.querySelector(".egress-note")?.getAttribute("data-egress")).toBe("releasing"));
  expect(row.querySelector(".egress-note")?.textContent).toContain("3.120.45.7 is released once none runs behind it");

  // turned on again before it is released: the question says the address is kept
  await user.click(within(row).getByRole("button", { name: "Static outbound IP for staging…" }));
  expect(screen.getByRole("dialog", { name: "Give staging a static outbound IP?" }).textContent)
    .toContain("3.120.45.7 is still held: turned on again, staging keeps it.");
});

test("the API's refusal (the platform runs in subnets of its own) stays in the dialog at static_egress", async () => {
  session.set("t");
  fakeApi(project(() => [env("production", egress(false))], {
    [`PATCH ${ENVS}/production`]: () => [422, err("invalid", "this platform runs services in the subnets LAUNCHBAY_SUBNETS names: "
      + "their own routing (a NAT gateway of yours) decides the outbound address", "static_egress")],
  }));
  renderAt("/orgs/o/projects/p");
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  await user.click(await within(rowOf(table, "production")).findByRole("button", { name: "Static outbound IP for production…" }));
  const dialog = screen.getByRole("dialog", { name: "Give production a static outbound IP?" });
  await user.click(within(dialog).getByRole("button", { name: "Turn on static IP" }));
  expect((await within(dialog).findByRole("alert")).textContent).toContain("decides the outbound address");
  expect(dialog.isConnected).toBe(true);
});

test("a developer sees each environment's outbound address but cannot switch it", async () => {
  session.set("t");
  fakeApi(project(() => [env("production", egress(true, ["3.120.45.7", "3.120.45.8"])), env("staging", egress(true))], {}, "developer"));
  renderAt("/orgs/o/projects/p");
  const table = await screen.findByRole("table", { name: "Environments" });
  await waitFor(() => expect(rowOf(table, "production").querySelector(".egress-note")?.textContent)
    .toMatch(/^Outbound: 3\.120\.45\.7, 3\.120\.45\.8 \(static\)/));
  expect(rowOf(table, "staging").querySelector(".egress-note")?.textContent).toBe(`Outbound (static): ${PENDING}`);
  expect(within(table).queryByRole("button", { name: /Static outbound IP/ })).toBeNull();
});
