import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt } from "../test/fakeApi";
import { ENVS, env, project } from "../test/environments";

const ONLY = "Only these addresses";
const HINT = "Its web services without a list of their own answer only these clients; others get a 404 from the load balancer. "
  + "Applies with each service's next deploy.";

async function openAccess(name = "staging") {
  const user = userEvent.setup();
  const table = await screen.findByRole("table", { name: "Environments" });
  const row = table.querySelector(`tr[data-environment=${name}]`) as HTMLTableRowElement;
  const opener = await within(row).findByRole("button", { name: `Who can reach ${name}…` });
  expect(opener.textContent).toBe("Who can reach it…");
  expect(opener.getAttribute("aria-haspopup")).toBe("dialog");
  await user.click(opener);
  const dialog = screen.getByRole("dialog", { name: `Who can reach ${name}` });
  const form = within(dialog).getByRole("form", { name: `Who can reach ${name}` });
  const tick = within(form).getByRole("checkbox", { name: ONLY }) as HTMLInputElement;
  return { user, table, row, opener, dialog, form, tick };
}

/** The API as it answers: a single address written as a /32 (IPv6: /128), [] stored as everyone. */
const normalized = (ips: string[]) => ips.map((a) => (a.includes("/") ? a : `${a}/${a.includes(":") ? 128 : 32}`));
const patches = (calls: { method: string; body: unknown }[]) => calls.filter((c) => c.method === "PATCH").map((c) => c.body);

test("an owner lets only some addresses in: the list is PATCHed (commas and lines, each once), the row then says it", async () => {
  session.set("t");
  let staging = env("staging");
  const calls = fakeApi(project(() => [env("production"), staging], {
    [`PATCH ${ENVS}/staging`]: () => {
      const body = calls.at(-1)!.body as { allowed_ips: string[] };
      staging = { ...staging, allowed_ips: normalized(body.allowed_ips) };
      return [200, staging];
    },
  }));
  renderAt("/orgs/o/projects/p");
  const { user, row, opener, dialog, form, tick } = await openAccess();
  expect(row.textContent).not.toContain("reachable from");
  // everyone, to start with: the box unticked (and focused), no addresses asked for
  expect(tick.checked).toBe(false);
  expect(document.activeElement).toBe(tick);
  expect(document.getElementById(tick.getAttribute("aria-describedby")!)!.textContent).toBe(HINT);
  expect(within(form).queryByLabelText("Addresses")).toBeNull();

  await user.click(tick);
  const addresses = within(form).getByLabelText("Addresses") as HTMLTextAreaElement;
  expect(document.getElementById(addresses.getAttribute("aria-describedby")!)!.textContent).toMatch(/^One per line, IPv4 or IPv6, .*; at most 4\.$/);
  await user.type(addresses, " 203.0.113.0/24 {Enter}{Enter}192.0.2.1, 203.0.113.0/24");
  await user.click(within(form).getByRole("button", { name: "Save" }));
  await waitFor(() => expect(patches(calls)).toEqual([{ allowed_ips: ["203.0.113.0/24", "192.0.2.1"] }]));
  await waitFor(() => expect(dialog.isConnected).toBe(false));
  await waitFor(() => expect(within(row).getByText("reachable from 203.0.113.0/24, 192.0.2.1/32")).toBeTruthy());
  expect(document.activeElement).toBe(opener);
  expect(within(screen.getByRole("table", { name: "Environments" })).getAllByText(/reachable from/)).toHaveLength(1);   // production: everyone
});

test("an environment's list shows ticked in the dialog; unticking sends [] and the row no longer says it", async () => {
  session.set("t");
  let staging = env("staging", { allowed_ips: ["203.0.113.0/24", "2001:db8::/32"] });
  const calls = fakeApi(project(() => [staging], {
    [`PATCH ${ENVS}/staging`]: () => { staging = { ...staging, allowed_ips: null }; return [200, staging]; },
  }));
  renderAt("/orgs/o/projects/p");
  const { user, row, form, tick } = await openAccess();
  expect(row.cells[0]!.textContent).toContain("reachable from 203.0.113.0/24, 2001:db8::/32");
  expect(tick.checked).toBe(true);
  expect((within(form).getByLabelText("Addresses") as HTMLTextAreaElement).value).toBe("203.0.113.0/24\n2001:db8::/32");
  await user.click(tick);
  expect(within(form).queryByLabelText("Addresses")).toBeNull();
  expect(form.textContent).toContain("Saving lets everyone in (its services with a list of their own keep theirs).");
  await user.click(within(form).getByRole("button", { name: "Save" }));
  await waitFor(() => expect(patches(calls)).toEqual([{ allowed_ips: [] }]));
  await waitFor(() => expect(row.textContent).not.toContain("reachable from"));
  expect(screen.queryByRole("dialog")).toBeNull();
});

test("more than 4 addresses, or ticked with none, are refused at the field before sending; the API's 422 shows there too", async () => {
  session.set("t");
  const message = "allowed_ips[1]: 'office' is not an IP address or CIDR block (e.g. 203.0.113.0/24 or 2001:db8::/32)";
  const calls = fakeApi(project(() => [env("staging")], {
    [`PATCH ${ENVS}/staging`]: () => [422, err("invalid", message, "allowed_ips")],
  }));
  renderAt("/orgs/o/projects/p");
  const { user, dialog, form, tick } = await openAccess();
  await user.click(tick);
  const addresses = within(form).getByLabelText("Addresses");
  const field = addresses.closest(".field") as HTMLElement;
  const save = within(form).getByRole("button", { name: "Save" });

  await user.type(addresses, "10.0.0.1{Enter}10.0.0.2{Enter}10.0.0.3, 10.0.0.4{Enter}10.0.0.5");
  await user.click(save);
  expect(within(field).getByRole("alert").textContent).toBe("at most 4 addresses: the load balancer matches at most 5 values per rule, one is the host");
  expect(addresses.getAttribute("aria-invalid")).toBe("true");
  expect(document.activeElement).toBe(addresses);
  expect(patches(calls)).toHaveLength(0);

  await user.clear(addresses);   // ticked with none: it would let everyone in
  await user.click(save);
  expect(within(field).getByRole("alert").textContent).toBe("give at least one address, or untick Only these addresses to let everyone in");
  expect(patches(calls)).toHaveLength(0);

  await user.type(addresses, "10.0.0.1{Enter}office");
  await user.click(save);
  expect((await within(field).findByRole("alert")).textContent).toBe(message);
  expect(addresses.getAttribute("aria-invalid")).toBe("true");
  expect(dialog.querySelector(".form-error")).toBeNull();   // at its field, not again under the form
  expect(patches(calls)).toEqual([{ allowed_ips: ["10.0.0.1", "office"] }]);
  expect(dialog.isConnected).toBe(true);   // the dialog stays, the addresses as typed
  expect((addresses as HTMLTextAreaElement).value).toBe("10.0.0.1\noffice");
});

test("an error of no field (a refusal) shows under the form; Escape closes the dialog without saving, focus back on its button", async () => {
  session.set("t");
  const calls = fakeApi(project(() => [env("staging", { allowed_ips: ["192.0.2.1/32"] })], {
    [`PATCH ${ENVS}/staging`]: () => [403, err("forbidden", "this takes the admin role or higher", null)],
  }));
  renderAt("/orgs/o/projects/p");
  const { user, opener, form } = await openAccess();
  await user.click(within(form).getByRole("button", { name: "Save" }));
  expect((await within(form).findByText("this takes the admin role or higher")).getAttribute("role")).toBe("alert");
  expect(within(form).getByLabelText("Addresses").getAttribute("aria-invalid")).toBeNull();
  await user.keyboard("{Escape}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(document.activeElement).toBe(opener);
  expect(patches(calls)).toEqual([{ allowed_ips: ["192.0.2.1/32"] }]);
});

test("a developer sees who can reach an environment, without the button that changes it", async () => {
  session.set("t");
  fakeApi(project(() => [env("staging", { allowed_ips: ["203.0.113.0/24"] })], {}, "developer"));
  renderAt("/orgs/o/projects/p");
  const table = await screen.findByRole("table", { name: "Environments" });
  await screen.findByText("Owners and admins add, clone, move and delete environments.");   // the role is known
  expect(within(table).getByText("reachable from 203.0.113.0/24")).toBeTruthy();
  expect(within(table).queryByRole("button", { name: /^Who can reach/ })).toBeNull();
});
