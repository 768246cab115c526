import { screen, waitFor } from "@testing-library/react";
import { session } from "../api/client";
import { fakeApi, renderAt, signedIn, type Answer } from "../test/fakeApi";

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
