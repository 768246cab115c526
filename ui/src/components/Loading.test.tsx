import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { fakeApi, renderAt, service, signedIn, type Answer } from "../test/fakeApi";

/** An answer held back until `release()` is called. */
function held(body: unknown): { answer: Answer; release: () => void } {
  let release = () => {};
  const gate = new Promise<void>((r) => { release = r; });
  return { answer: async () => { await gate; return [200, body]; }, release };
}

test("loading is said politely by one voice: the first of two loads, then the next, then nothing", async () => {
  session.set("t");
  const services = held({ items: [], next: null });
  const envs = held({ items: [], next: null });
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/projects/p/services": services.answer, "GET /v1/orgs/o/projects/p/environments": envs.answer,
    "GET /v1/orgs/o/projects": () => [200, { items: [], next: null }], "GET /v1/orgs/o/aws-accounts": () => [200, { items: [], next: null }],
  });
  renderAt("/orgs/o/projects/p");
  const voice = screen.getByTestId("loading-voice");
  expect(voice.getAttribute("role")).toBe("status");
  const seen = { selector: "p.muted" };   // the note on the page, not the voice
  await screen.findByText("Loading environments…", seen);
  // both are seen, one is heard: no other live region says "Loading"
  expect(screen.getByText("Loading services…", seen)).toBeTruthy();
  const heard = () => screen.getAllByRole("status").map((s) => s.textContent).filter((t) => t?.startsWith("Loading"));
  expect(heard()).toEqual(["Loading services…"]);
  services.release();
  await waitFor(() => expect(heard()).toEqual(["Loading environments…"]));
  envs.release();
  await waitFor(() => expect(voice.textContent).toBe(""));
  expect(screen.queryByText(/^Loading/)).toBeNull();
});

test("a dialog has its own voice (aria-modal hides the page's): the plan's loading is said inside it", async () => {
  session.set("t");
  const plan = held({ service_id: "s", sandbox: true, summary: {}, message: "", steps: [] });
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/services/s": () => [200, service],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/services/s/(deployments|releases)": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/plan": plan.answer,
  });
  renderAt("/orgs/o/services/s");
  await userEvent.click(await screen.findByRole("button", { name: "Deploy" }));
  const dialog = await screen.findByRole("dialog", { name: "Deploy web?" });
  await waitFor(() => expect(within(dialog).getAllByRole("status").map((s) => s.textContent)).toContain("Loading the plan…"));
  const page = screen.getAllByTestId("loading-voice").find((v) => !dialog.contains(v))!;
  expect(page.textContent).toBe("");     // the page's voice (hidden now) says nothing
  plan.release();
  await waitFor(() => expect(within(dialog).queryByText("Loading the plan…")).toBeNull());
});
