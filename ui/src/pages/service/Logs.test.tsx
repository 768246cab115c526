import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { makeQueryClient } from "../../App";
import { session } from "../../api/client";
import type { Service } from "../../api/models";
import { LogFollower, OVERLAP_MS, taskOf, type RuntimeLine } from "../../components/useServiceLogs";
import { fakeApi, renderAt, service, signedIn } from "../../test/fakeApi";
import { Logs } from "./Logs";

const T = Date.now() - 60_000;   // inside the default window (the last hour)
const line = (dt: number, message: string, stream = "web/web/0f3c9a11deadbeef"): RuntimeLine => ({ ts: T + dt, message, stream });

test("LogFollower: each line once and in time order, however often a window is read again", () => {
  const f = new LogFollower();
  expect(f.add([line(0, "a"), line(10, "b")])).toBe(2);
  expect(f.add([line(0, "a"), line(10, "b"), line(20, "c")])).toBe(1);   // the overlap read again
  expect(f.add([line(5, "late from another task", "web/web/77aa0000ffff")])).toBe(1);
  expect(f.lines.map((l) => l.message)).toEqual(["a", "late from another task", "b", "c"]);
  expect(f.lines.map((l) => l.step)).toEqual(["0f3c9a11", "77aa0000", "0f3c9a11", "0f3c9a11"]);
  expect(f.since(0)).toBe(new Date(T + 20 - OVERLAP_MS).toISOString());
  expect(f.since(T + 1000)).toBe(new Date(T + 1000).toISOString());        // never before the chosen window
  expect(f.add([line(20 - OVERLAP_MS - 1, "older than the window")])).toBe(0);
  expect(new LogFollower().since(T)).toBe(new Date(T).toISOString());
  expect(f.add([line(30, "ERROR db down"), line(31, "WARNING slow")])).toBe(2);
  expect(f.lines.slice(-2).map((l) => l.level)).toEqual(["error", "warning"]);
  expect(taskOf("plain")).toBe("plain");
});

test("the Logs tab pages with `next`, then polls with since; Pause stops the reads, Follow resumes", async () => {
  session.set("t");
  let appended = false;
  const calls = fakeApi({
    "GET /v1/orgs/o/services/s/logs": (req) => {
      const q = new URL(req.url).searchParams;
      if (q.get("after") === "p2") return [200, { lines: [line(20, "third")], next: "p2", sandbox: true }];
      if (q.get("since") && !q.get("after") && calls.length === 1) return [200, { lines: [line(0, "first"), line(10, "second")], next: "p2", sandbox: true }];
      return [200, { lines: [line(10, "second"), line(20, "third"), ...(appended ? [line(30, "fourth")] : [])], next: null, sandbox: true }];
    },
  });
  const user = userEvent.setup();
  render(<QueryClientProvider client={makeQueryClient()}><Logs org="o" service={service as unknown as Service} interval={40} /></QueryClientProvider>);

  expect(await screen.findByText("3 lines · live", {}, { timeout: 5000 })).toBeTruthy();
  expect(new URL(calls[1]!.url).searchParams.get("after")).toBe("p2");
  await waitFor(() => expect(calls.length).toBeGreaterThan(3));        // polling, since just before the newest line
  expect(new URL(calls[3]!.url).searchParams.get("since")).toBe(new Date(T + 20 - OVERLAP_MS).toISOString());
  expect(screen.getByText("3 lines · live")).toBeTruthy();                 // the overlap is not shown twice

  await user.click(screen.getByRole("button", { name: "Pause" }));
  expect(screen.getByText(/^Paused/)).toBeTruthy();
  const n = calls.length;
  appended = true;
  await act(() => new Promise((r) => setTimeout(r, 200)));
  expect(calls.length).toBe(n);
  expect(screen.getByText("3 lines")).toBeTruthy();

  await user.click(screen.getByRole("button", { name: "Follow" }));
  expect(await screen.findByText("4 lines · live")).toBeTruthy();
  await user.type(screen.getByPlaceholderText("Search the log"), "fou");
  expect(await screen.findByText("1 of 4 lines · live")).toBeTruthy();
  expect(screen.getByRole("log", { name: "Run-time log of web" })).toBeTruthy();
});

test("a run's Output link (?task=…) opens the Logs tab with that task's lines alone", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/services/s": () => [200, service],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/services/s/deployments": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/services/s/logs": () => [200, { lines: [line(0, "serving"), line(10, "hello from run", "web/web/cb42deedfb356deb")], next: null, sandbox: true }],
  });
  renderAt("/orgs/o/services/s/logs?task=cb42deed");
  // of the 2 lines read, the task's one is shown ("1 line", not "1 lines"; jsdom lays out no rows to read)
  expect(await screen.findByText(/^1 line\b/, {}, { timeout: 5000 })).toBeTruthy();
  expect((screen.getByLabelText("Task") as HTMLSelectElement).value).toBe("cb42deed");
});
