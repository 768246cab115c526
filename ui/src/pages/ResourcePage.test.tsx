import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../App";
import { session } from "../api/client";
import type { DeadLetter, QueueMessages, Redrive, Resource } from "../lib/resources";
import { fakeApi, me, type Answer } from "../test/fakeApi";

// A queue as chalicelib/resources/service.py public() answers it (tests/resources/test_queues.py).
const jobs: Resource = {
  id: "res_q", org_id: "o", project_id: "p", environment_id: "env_p", environment: "production", name: "jobs", kind: "queue",
  size: null, version: null, storage_gb: null, backup_retention_days: null, deletion_protection: false, status: "available",
  reason: "queue jobs is available", last_error: null, variable: "JOBS_QUEUE_URL", created: "2026-11-28T10:00:00Z",
  updated: "2026-11-28T10:00:00Z", where: { account: "123456789012", region: "us-east-1" },
  fifo: false, visibility_timeout_seconds: 60, retention_days: 4, max_receives: 2,
  endpoint: { address: "https://sqs.us-east-1.amazonaws.com/123456789012/launchbay-q", port: null },
  dead_letter_queue: "https://sqs.us-east-1.amazonaws.com/123456789012/launchbay-q-dlq",
};

const role = (name: string): Answer => () => [200, { user: { id: "u", email: "a@b.c" }, organizations: [{ id: "o", name: "Acme", role: name }] }];

function pageApi(over: Record<string, Answer> = {}): Record<string, Answer> {
  return {
    "GET /v1/me": me,
    "GET /v1/health": () => [200, { mode: "sandbox" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/resources/res_q": () => [200, jobs],
    ...over,
  };
}

function renderAt(path = "/orgs/o/projects/p/resources/res_q") {
  session.set("t");
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={router} /></QueryClientProvider>);
  return router;
}

const counts = (c: Partial<QueueMessages> = {}): QueueMessages => ({ visible: 4, in_flight: 1, delayed: 0, dead: 3, redrive: null, ...c });
const shown = (key: string) => document.querySelector(`[data-count=${key}] .count`)?.textContent;

test("a queue's page: its settings, URL and dead-letter queue, and the messages now with a Refresh", async () => {
  let reads = 0;
  fakeApi(pageApi({ "GET /v1/orgs/o/resources/res_q/messages": () => { reads += 1; return [200, counts({ visible: 3 + reads })]; } }));
  renderAt();
  const user = userEvent.setup();
  expect((await screen.findByRole("heading", { level: 1 })).textContent).toBe("jobs available");
  const crumbs = screen.getByRole("navigation", { name: "Breadcrumb" });
  expect(within(crumbs).getByRole("link", { name: "Resources" }).getAttribute("href")).toBe("/orgs/o/projects/p/resources");
  const summary = screen.getByTestId("resource-summary");
  for (const text of ["standard: about in order, at least once", "1 min: a received message stays hidden", "4 days: how long a message",
    "2 receives: then a message not deleted goes to the dead-letter queue", "JOBS_QUEUE_URL", "account 123456789012, us-east-1"])
    expect(summary.textContent, text).toContain(text);
  expect(screen.getByTestId("resource-address").textContent).toBe("https://sqs.us-east-1.amazonaws.com/123456789012/launchbay-q");
  expect(screen.getByTestId("dead-letter-queue").textContent).toBe("https://sqs.us-east-1.amazonaws.com/123456789012/launchbay-q-dlq");

  const messages = screen.getByRole("region", { name: "Messages" });
  await waitFor(() => expect(shown("visible")).toBe("4"));
  expect([shown("in_flight"), shown("delayed"), shown("dead")]).toEqual(["1", "0", "3"]);
  expect(within(messages).getByText("Waiting").closest("div")!.textContent).toContain("ready to be received");
  expect(within(messages).getByText("Dead").closest("div")!.textContent).toContain("in the dead-letter queue");
  expect(messages.textContent).toMatch(/As SQS counts them \(approximately: a count can lag a minute\), read at \d\d:\d\d:\d\d\./);
  await user.click(within(messages).getByRole("button", { name: "Refresh" }));
  await waitFor(() => expect(shown("visible")).toBe("5"));
  expect(reads).toBe(2);
  await new Promise((r) => setTimeout(r, 2500));   // nothing moving: no reads by themselves
  expect(reads).toBe(2);
});

test("move dead letters back: asked first, then the move followed every 2 s until done, and said", async () => {
  const started: Redrive = { status: "moving", moved: 0, left: 3, requested: "2026-11-28T10:00:00Z", by: "a@b.c" };
  let state: QueueMessages = counts();
  let reads = 0;
  const calls = fakeApi(pageApi({
    "GET /v1/orgs/o/resources/res_q/messages": () => {
      reads += 1;
      // the worker finishes after two reads of the move
      if (state.redrive?.status === "moving" && reads >= 4) state = { ...state, visible: 7, dead: 0, redrive: { ...started, status: "done", moved: 3, left: 0, finished: "2026-11-28T10:00:04Z" } };
      return [200, state];
    },
    "POST /v1/orgs/o/resources/res_q/redrive": () => { state = { ...state, redrive: started }; return [202, started]; },
  }));
  renderAt();
  const user = userEvent.setup();
  const move = await screen.findByRole("button", { name: "Move dead letters back" });
  await user.click(move);
  const dialog = screen.getByRole("dialog", { name: "Move 3 dead letters back to jobs?" });
  expect(dialog.textContent).toContain("Each goes back to the queue as a new message, with its body and attributes");
  expect(dialog.textContent).toContain("after 2 receives without being deleted it dies again. Fix what made them fail first.");
  expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Move them back" }));
  await user.keyboard("{Escape}");   // no: nothing sent, focus back
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(document.activeElement).toBe(move);
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

  await user.click(move);
  await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Move them back" }));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  const said = screen.getByTestId("redrive");
  expect(said.getAttribute("role")).toBe("status");
  expect(said.textContent).toBe("Moving dead letters back to the queue: 0 moved, about 3 left (asked by a@b.c).");
  expect((screen.getByRole("button", { name: "Move dead letters back" }) as HTMLButtonElement).disabled).toBe(true);   // one at a time
  await waitFor(() => expect(said.textContent).toMatch(/^Moved 3 dead letters back to the queue at \d\d:\d\d:\d\d \(asked by a@b\.c\)\.$/), { timeout: 8000 });
  expect(shown("visible")).toBe("7");
  expect(shown("dead")).toBe("0");
  expect(screen.queryByRole("button", { name: "Move dead letters back" })).toBeNull();   // nothing dead any more
  const after = reads;
  await new Promise((r) => setTimeout(r, 2500));   // done: the reads stop
  expect(reads).toBe(after);
});

test("a refused move shows the API's reason in the dialog, and the counts are read again", async () => {
  let reads = 0;
  fakeApi(pageApi({
    "GET /v1/orgs/o/resources/res_q/messages": () => { reads += 1; return [200, counts({ dead: reads > 1 ? 0 : 3 })]; },
    "POST /v1/orgs/o/resources/res_q/redrive": () =>
      [409, { error: { code: "conflict", message: "the dead-letter queue is empty: nothing to move back", field: "redrive" } }],
  }));
  renderAt();
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Move dead letters back" }));
  const dialog = screen.getByRole("dialog");
  await user.click(within(dialog).getByRole("button", { name: "Move them back" }));
  const refusal = await within(dialog).findByRole("alert");
  expect(refusal.textContent).toBe("the dead-letter queue is empty: nothing to move back");
  expect(refusal.getAttribute("data-refusal")).toBe("redrive");
  await waitFor(() => expect(shown("dead")).toBe("0"));
});

test("a failed move is said with its reason; a viewer sees the counts and no button; a failed read offers Try again", async () => {
  const failed: Redrive = { status: "failed", moved: 10, left: 5, requested: "", by: "a@b.c", error: "AccessDenied: no sqs:SendMessage" };
  fakeApi(pageApi({
    "GET /v1/me": role("viewer"),
    "GET /v1/orgs/o/resources/res_q/messages": () => [200, counts({ dead: 5, redrive: failed })],
  }));
  renderAt();
  await waitFor(() => expect(shown("dead")).toBe("5"));
  expect(screen.getByTestId("redrive").textContent).toBe(
    "Moving dead letters back failed after 10 moved: AccessDenied: no sqs:SendMessage. About 5 still in the dead-letter queue; try again once the cause is fixed.");
  expect(screen.queryByRole("button", { name: "Move dead letters back" })).toBeNull();
  expect(screen.getByText("Developers and up can look at the dead letters and move them back to the queue.")).toBeTruthy();
  expect(screen.queryByRole("button", { name: "Look at dead letters" })).toBeNull();
  expect(screen.queryByRole("button", { name: "Change" })).toBeNull();
  expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
});

// The dead-letter sample as GET …/dead-letters answers it (tests/resources/test_queues.py).
const NOTE = "a sample, as SQS hands them out (not every one, not in order); they stay in the dead-letter queue until moved back or purged";
const letter = (d: Partial<DeadLetter> = {}): DeadLetter => ({
  id: "m-1", body: '{"order": 42, "step": "charge"}', truncated: false, sent: new Date(Date.now() - 3 * 60_000).toISOString(),
  receives: 3, group: null, attributes: { tenant: "acme" }, ...d,
});

test("look at dead letters: a sample shown where they are (JSON indented, a cut body said), the note, Look again, Hide; never read by itself", async () => {
  let answer: DeadLetter[] = [letter(), letter({ id: "m-2", body: "x".repeat(4096), truncated: true, sent: null, receives: 5, attributes: {} })];
  const calls = fakeApi(pageApi({
    "GET /v1/me": role("developer"),
    "GET /v1/orgs/o/resources/res_q/messages": () => [200, counts({ dead: 3 })],
    "GET /v1/orgs/o/resources/res_q/dead-letters": () => [200, { items: answer, note: NOTE }],
  }));
  renderAt();
  const user = userEvent.setup();
  const open = await screen.findByRole("button", { name: "Look at dead letters" });
  expect(open.getAttribute("aria-expanded")).toBe("false");
  expect(screen.queryByRole("region", { name: "Dead letters" })).toBeNull();
  expect(calls.filter((c) => c.path.endsWith("/dead-letters"))).toHaveLength(0);   // asked for, never read ahead
  await user.click(open);
  const panel = screen.getByRole("region", { name: "Dead letters" });
  expect(open.getAttribute("aria-expanded")).toBe("true");
  expect(open.getAttribute("aria-controls")).toBe(panel.id);
  const said = within(panel).getByRole("status");
  await waitFor(() => expect(said.textContent).toMatch(/^2 dead letters shown \(of about 3\)\. Read at \d\d:\d\d:\d\d\.$/));
  expect(within(panel).getByTestId("dead-letters-note").textContent).toBe(
    "A sample, as SQS hands them out (not every one, not in order); they stay in the dead-letter queue until moved back or purged.");
  const items = within(within(panel).getByRole("list", { name: "Dead letters looked at" })).getAllByRole("listitem")
    .filter((li) => li.classList.contains("dead-letter"));
  expect(items).toHaveLength(2);

  const [first, second] = items as [HTMLElement, HTMLElement];
  expect(within(first).getByRole("heading", { level: 4 }).textContent).toBe("Dead letter 1");
  const body = within(first).getByRole("group", { name: /^Dead letter 1 Body/ });
  expect(body.tagName).toBe("PRE");
  expect(body.getAttribute("tabindex")).toBe("0");
  expect(body.textContent).toBe('{\n  "order": 42,\n  "step": "charge"\n}');
  expect(first.textContent).toContain("Body (JSON, indented)");
  expect(first.textContent).toContain("3 min ago");
  expect(first.querySelector("time")!.getAttribute("datetime")).toBe(answer[0]!.sent);
  expect(first.textContent).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  expect(first.textContent).toContain("Receives3");
  expect(first.textContent).toContain("tenant: acme");
  expect(first.textContent).toContain("Message IDm-1");
  expect(first.textContent).not.toContain("Group");   // a standard queue has none
  const cut = within(second).getByRole("group", { name: /^Dead letter 2 Body/ });
  expect(cut.textContent).toBe("x".repeat(4096));
  expect(second.textContent).toContain("Body (cut at 4 KB)");
  expect(second.textContent).toContain("Sent—");
  expect(second.textContent).toContain("Attributesnone");
  const call = calls.find((c) => c.path.endsWith("/dead-letters"))!;
  expect(call.method).toBe("GET");
  expect(new URL(call.url).search).toBe("");

  answer = [];   // moved back (or purged) elsewhere meanwhile
  await user.click(within(panel).getByRole("button", { name: "Look again" }));
  await waitFor(() => expect(said.textContent).toMatch(/^No dead letters right now\. Read at /));
  expect(within(panel).queryByRole("list")).toBeNull();
  expect(calls.filter((c) => c.path.endsWith("/dead-letters"))).toHaveLength(2);
  await new Promise((r) => setTimeout(r, 2100));   // no reads by themselves
  expect(calls.filter((c) => c.path.endsWith("/dead-letters"))).toHaveLength(2);

  await user.click(within(panel).getByRole("button", { name: "Hide" }));
  expect(screen.queryByRole("region", { name: "Dead letters" })).toBeNull();
  expect(document.activeElement).toBe(screen.getByRole("button", { name: "Look at dead letters" }));
});

test("a FIFO queue's dead letters show their group; a refused look is said with Try again; none to look at without dead letters", async () => {
  let refuse = true;
  fakeApi(pageApi({
    "GET /v1/orgs/o/resources/res_q": () => [200, { ...jobs, fifo: true }],
    "GET /v1/orgs/o/resources/res_q/messages": () => [200, counts({ dead: 1 })],
    "GET /v1/orgs/o/resources/res_q/dead-letters": () => refuse
      ? [409, { error: { code: "conflict", message: "the queue is gone from AWS (deleted outside Launchbay?)", field: "resource" } }]
      : [200, { items: [letter({ group: "order-42", attributes: {} })], note: NOTE }],
  }));
  renderAt();
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Look at dead letters" }));
  const panel = screen.getByRole("region", { name: "Dead letters" });
  expect((await within(panel).findByRole("alert")).textContent).toBe("the queue is gone from AWS (deleted outside Launchbay?) Try again");
  refuse = false;
  await user.click(within(panel).getByRole("button", { name: "Try again" }));
  await waitFor(() => expect(within(panel).getByRole("status").textContent).toMatch(/^1 dead letter shown\. Read at /));
  expect(within(panel).queryByRole("alert")).toBeNull();
  expect(within(panel).getByText("Group").closest("div")!.textContent).toBe("Grouporder-42");
  cleanup();

  fakeApi(pageApi({ "GET /v1/orgs/o/resources/res_q/messages": () => [200, counts({ dead: 0 })] }));
  renderAt();
  await waitFor(() => expect(shown("dead")).toBe("0"));
  expect(screen.queryByRole("button", { name: "Look at dead letters" })).toBeNull();
});

test("a move back or a purge of the dead letters takes the sample away (what it showed has gone)", async () => {
  let state = counts({ dead: 2 });
  fakeApi(pageApi({
    "GET /v1/orgs/o/resources/res_q/messages": () => [200, state],
    "GET /v1/orgs/o/resources/res_q/dead-letters": () => [200, { items: [letter()], note: NOTE }],
    "POST /v1/orgs/o/resources/res_q/purge": () => { state = { ...state, dead: 0 }; return [200, { purged: 2, dead_letters: true }]; },
  }));
  renderAt();
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Look at dead letters" }));
  expect(await screen.findByRole("list", { name: "Dead letters looked at" })).toBeTruthy();
  await user.click(screen.getByRole("button", { name: "Purge dead letters" }));
  const dialog = screen.getByRole("dialog", { name: "Purge the dead letters of jobs?" });
  await user.type(within(dialog).getByLabelText("Type jobs to confirm"), "jobs");
  await user.click(within(dialog).getByRole("button", { name: "Purge dead letters" }));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(screen.queryByRole("region", { name: "Dead letters" })).toBeNull();
  cleanup();

  const started: Redrive = { status: "moving", moved: 0, left: 2, requested: "2026-11-28T10:00:00Z", by: "a@b.c" };
  fakeApi(pageApi({
    "GET /v1/orgs/o/resources/res_q/messages": () => [200, counts({ dead: 2 })],
    "GET /v1/orgs/o/resources/res_q/dead-letters": () => [200, { items: [letter()], note: NOTE }],
    "POST /v1/orgs/o/resources/res_q/redrive": () => [202, started],
  }));
  renderAt();
  await user.click(await screen.findByRole("button", { name: "Look at dead letters" }));
  expect(await screen.findByRole("list", { name: "Dead letters looked at" })).toBeTruthy();
  await user.click(screen.getByRole("button", { name: "Move dead letters back" }));
  await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Move them back" }));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(screen.queryByRole("region", { name: "Dead letters" })).toBeNull();
});

test("the messages are read once the queue is available; a read the API refuses is shown with Try again", async () => {
  let resource: Resource = { ...jobs, status: "creating", reason: "queued", endpoint: null, dead_letter_queue: null };
  let refuse = true;
  const calls = fakeApi(pageApi({
    "GET /v1/orgs/o/resources/res_q": () => [200, resource],
    "GET /v1/orgs/o/resources/res_q/messages": () => refuse
      ? [409, { error: { code: "conflict", message: "the queue is gone from AWS (deleted outside Launchbay?)", field: "resource" } }]
      : [200, counts()],
  }));
  renderAt();
  const user = userEvent.setup();
  expect(await screen.findByText("The counts are read from SQS once the queue is available.")).toBeTruthy();
  expect(screen.getByTestId("resource-address").textContent).toBe("once available");
  expect(screen.getByTestId("dead-letter-queue").textContent).toBe("once available");
  expect(calls.filter((c) => c.path.endsWith("/messages"))).toHaveLength(0);
  resource = jobs;   // the page polls a busy resource every 2 s
  const messages = screen.getByRole("region", { name: "Messages" });
  expect((await within(messages).findByRole("alert", {}, { timeout: 5000 })).textContent).toBe(
    "the queue is gone from AWS (deleted outside Launchbay?) Try again");
  refuse = false;
  await user.click(within(messages).getByRole("button", { name: "Try again" }));
  await waitFor(() => expect(shown("visible")).toBe("4"));
});

test("Delete from the queue's page goes back to the list once the API accepted it", async () => {
  const calls = fakeApi(pageApi({
    "GET /v1/orgs/o/resources/res_q/messages": () => [200, counts({ dead: 0 })],
    "DELETE /v1/orgs/o/resources/res_q": () => [202, { ...jobs, status: "deleting" }],
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [{ ...jobs, status: "deleting" }], next: null }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [{ id: "env_p", name: "production" }], next: null }],
  }));
  const router = renderAt();
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Delete" }));
  const dialog = screen.getByRole("dialog", { name: "Delete jobs?" });
  await user.type(within(dialog).getByLabelText("Type jobs to confirm"), "jobs");
  await user.click(within(dialog).getByRole("button", { name: "Delete jobs" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o/projects/p/resources"));
  expect(new URL(calls.find((c) => c.method === "DELETE")!.url).searchParams.get("confirm")).toBe("jobs");
  expect(await screen.findByRole("heading", { level: 1, name: "Resources" })).toBeTruthy();
});

test("purge waiting messages: the name typed again, then the count said and the counts read again; focus back", async () => {
  let state = counts({ visible: 4, dead: 1 });
  const calls = fakeApi(pageApi({
    "GET /v1/orgs/o/resources/res_q/messages": () => [200, state],
    "POST /v1/orgs/o/resources/res_q/purge": () => { state = { ...state, visible: 0, in_flight: 0 }; return [200, { purged: 4, dead_letters: false }]; },
  }));
  renderAt();
  const user = userEvent.setup();
  await waitFor(() => expect(shown("visible")).toBe("4"));
  const open = screen.getByRole("button", { name: "Purge waiting messages" });
  expect(open.getAttribute("aria-haspopup")).toBe("dialog");
  await user.click(open);
  const dialog = screen.getByRole("dialog", { name: "Purge the waiting messages of jobs?" });
  expect(dialog.textContent).toContain("Every message in jobs is deleted for good: the waiting ones (about 4 now) and those in flight or delayed; nobody receives them. Its dead letters stay.");
  expect(dialog.textContent).toContain("SQS purges a queue at most once a minute");
  const typed = within(dialog).getByLabelText("Type jobs to confirm");
  expect(document.activeElement).toBe(typed);
  const purge = within(dialog).getByRole("button", { name: "Purge waiting messages" }) as HTMLButtonElement;
  expect(purge.disabled).toBe(true);
  await user.type(typed, "job");
  expect(purge.disabled).toBe(true);
  await user.type(typed, "s{Enter}");   // Enter sends it once the name matches
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  const call = calls.find((c) => c.method === "POST")!;
  expect(call.path).toBe("/v1/orgs/o/resources/res_q/purge");
  expect([...new URL(call.url).searchParams.entries()]).toEqual([["confirm", "jobs"]]);
  const said = screen.getByTestId("purged");
  expect(said.getAttribute("role")).toBe("status");
  expect(said.textContent).toBe("Purged 4 waiting messages. SQS finishes deleting within a minute: until then a count may still show some.");
  await waitFor(() => expect(shown("visible")).toBe("0"));
  expect(shown("dead")).toBe("1");
  expect(document.activeElement).toBe(screen.getByRole("button", { name: "Purge waiting messages" }));
});

test("purge dead letters: ?dead_letters=true; SQS's once-a-minute 409 in the dialog, a refused name at its field", async () => {
  let answer: [number, unknown] = [409, { error: { code: "conflict", message: "SQS purges a queue at most once a minute: try again in a minute", field: "queue" } }];
  const calls = fakeApi(pageApi({
    "GET /v1/orgs/o/resources/res_q/messages": () => [200, counts({ dead: 3 })],
    "POST /v1/orgs/o/resources/res_q/purge": () => answer,
  }));
  renderAt();
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Purge dead letters" }));
  const dialog = screen.getByRole("dialog", { name: "Purge the dead letters of jobs?" });
  expect(dialog.textContent).toContain("Every dead letter of jobs (about 3 now) is deleted for good: nobody can look at them or move them back. Its waiting messages stay.");
  const typed = within(dialog).getByLabelText("Type jobs to confirm");
  await user.type(typed, "jobs");
  const purge = within(dialog).getByRole("button", { name: "Purge dead letters" });
  await user.click(purge);
  const refusal = await within(dialog).findByRole("alert");
  expect(refusal.textContent).toBe("SQS purges a queue at most once a minute: try again in a minute");
  expect(refusal.getAttribute("data-refusal")).toBe("queue");
  expect(new URL(calls.find((c) => c.method === "POST")!.url).searchParams.get("dead_letters")).toBe("true");
  expect(screen.getByTestId("purged").textContent).toBe("");

  answer = [422, { error: { code: "invalid", message: "purging 'jobs' deletes its dead letters for good: confirm with ?confirm=jobs", field: "confirm" } }];
  await user.click(purge);
  await waitFor(() => expect(typed.getAttribute("aria-invalid")).toBe("true"));
  expect(typed.closest(".field")!.querySelector("[role=alert]")!.textContent).toBe("purging 'jobs' deletes its dead letters for good: confirm with ?confirm=jobs");

  answer = [200, { purged: 3, dead_letters: true }];
  await user.click(purge);
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(screen.getByTestId("purged").textContent).toMatch(/^Purged 3 dead letters\. /);
  expect(calls.filter((c) => c.method === "POST")).toHaveLength(3);
});

test("a developer moves dead letters back but is told who purges; no purge while a move runs", async () => {
  const started: Redrive = { status: "moving", moved: 0, left: 3, requested: "2026-11-28T10:00:00Z", by: "a@b.c" };
  fakeApi(pageApi({
    "GET /v1/me": role("developer"),
    "GET /v1/orgs/o/resources/res_q/messages": () => [200, counts()],
  }));
  renderAt();
  expect(await screen.findByRole("button", { name: "Move dead letters back" })).toBeTruthy();
  expect(screen.queryByRole("button", { name: "Purge waiting messages" })).toBeNull();
  expect(screen.queryByRole("button", { name: "Purge dead letters" })).toBeNull();
  expect(screen.getByText("Owners and admins can purge a queue's waiting messages or its dead letters.")).toBeTruthy();
  cleanup();

  fakeApi(pageApi({ "GET /v1/orgs/o/resources/res_q/messages": () => [200, counts({ redrive: started })] }));
  renderAt();
  const dead = await screen.findByRole("button", { name: "Purge dead letters" }) as HTMLButtonElement;
  expect(dead.disabled).toBe(true);
  expect(dead.title).toBe("A move is under way");
  expect((screen.getByRole("button", { name: "Purge waiting messages" }) as HTMLButtonElement).disabled).toBe(false);
});

// A log drain as the API answers it (tests/resources/test_drains.py): the key never, whether one is set.
const logs: Resource = {
  ...jobs, id: "res_d", name: "logs", kind: "log_drain", variable: "", reason: "log drain logs is available", endpoint: null,
  fifo: undefined, visibility_timeout_seconds: undefined, retention_days: undefined, max_receives: undefined, dead_letter_queue: undefined,
  destination: "http", url: "https://logs.example.com/in", access_key_set: true, services: ["web", "api"], taking: ["web"],
  failed_deliveries_bucket: "launchbay-drain-logs-failed", filter_pattern: "?ERROR ?WARN",
};
const drainApi = (over: Record<string, Answer> = {}) => pageApi({ "GET /v1/orgs/o/resources/res_d": () => [200, logs], ...over });

test("a drain's page: destination, URL, key set (never the key), what it is set to take and takes now, its failures' bucket; no links", async () => {
  fakeApi(drainApi());
  renderAt("/orgs/o/projects/p/resources/res_d");
  expect((await screen.findByRole("heading", { level: 1 })).textContent).toBe("logs available");
  expect(document.querySelector("main")!.textContent).toContain("Log drain in production: takes the logs of web, api.");
  expect(screen.getByTestId("drain-destination").textContent).toBe("HTTPS endpoint");
  expect(screen.getByTestId("resource-address").textContent).toBe("https://logs.example.com/in");
  expect(screen.getByTestId("drain-key").textContent).toBe("set (never shown)");
  expect(screen.getByTestId("drain-services").textContent).toBe("web, api");
  expect(screen.getByTestId("drain-filter").textContent).toBe("only those matching ?ERROR ?WARN");
  expect(screen.getByTestId("drain-taking").textContent).toBe("webdeployed services only: one not deployed yet is taken from its first deploy");
  expect(screen.getByTestId("failed-deliveries").textContent).toBe("launchbay-drain-logs-failed");
  const summary = screen.getByTestId("resource-summary");
  for (const gone of ["Variable", "Endpoint", "link"]) expect(summary.textContent, gone).not.toContain(gone);
  expect(screen.queryByRole("region", { name: "Messages" })).toBeNull();
  cleanup();

  fakeApi(drainApi({ "GET /v1/orgs/o/resources/res_d": () => [200, { ...logs, services: null, taking: [], access_key_set: false }] }));
  renderAt("/orgs/o/projects/p/resources/res_d");
  expect((await screen.findByTestId("drain-services")).textContent).toBe("every service of the environment (those deployed later too)");
  expect(screen.getByTestId("drain-taking").textContent).toMatch(/^no deployed service/);
  expect(screen.getByTestId("drain-key").textContent).toBe("none");
});

test("send a test line: the line sent and where, said; refused while not available; a viewer has no button", async () => {
  let status = 202;
  const calls = fakeApi(drainApi({
    "POST /v1/orgs/o/resources/res_d/test-line": () => status === 202
      ? [202, { sent: "launchbay: a test line from log drain logs (production), sent by a@b.c", destination: "https://logs.example.com/in",
          note: "delivered within a minute (Firehose buffers up to 60 s); look for it there" }]
      : [409, { error: { code: "conflict", message: "the endpoint answered 500", field: "destination" } }],
  }));
  renderAt("/orgs/o/projects/p/resources/res_d");
  const user = userEvent.setup();
  const test = await screen.findByRole("region", { name: "Test" });
  await user.click(within(test).getByRole("button", { name: "Send a test line" }));
  const said = within(test).getByRole("status");
  await waitFor(() => expect(said.textContent).toContain("Sent to https://logs.example.com/in: delivered within a minute (Firehose buffers up to 60 s); look for it there."));
  expect(said.textContent).toContain("launchbay: a test line from log drain logs (production), sent by a@b.c");
  expect(calls.filter((c) => c.path.endsWith("/test-line"))).toHaveLength(1);
  status = 409;
  await user.click(within(test).getByRole("button", { name: "Send a test line" }));
  expect((await within(test).findByRole("alert")).textContent).toBe("the endpoint answered 500");
  cleanup();

  fakeApi(drainApi({ "GET /v1/orgs/o/resources/res_d": () => [200, { ...logs, status: "creating", reason: "queued", taking: [] }] }));
  renderAt("/orgs/o/projects/p/resources/res_d");
  expect((await screen.findByRole("button", { name: "Send a test line" }) as HTMLButtonElement).disabled).toBe(true);
  cleanup();

  for (const who of ["viewer", "developer"]) {
    fakeApi(drainApi({ "GET /v1/me": role(who) }));
    renderAt("/orgs/o/projects/p/resources/res_d");
    expect(await screen.findByText("Owners and admins can send a test line.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Send a test line" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Change" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
    cleanup();
  }
});

test("a drain's Change from its page: the key input empty and sent only when filled; every service again sends null", async () => {
  const calls = fakeApi(drainApi({
    "GET /v1/orgs/o/projects/p/services": () => [200, { items: [{ id: "s1", name: "web", status: "live" }], next: null }],
    "PATCH /v1/orgs/o/resources/res_d": () => [202, { ...logs, status: "modifying" }],
  }));
  renderAt("/orgs/o/projects/p/resources/res_d");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Change" }));
  const dialog = screen.getByRole("dialog", { name: "Change logs" });
  const url = within(dialog).getByLabelText("Receiver URL") as HTMLInputElement;
  expect(url.value).toBe("https://logs.example.com/in");
  // api is named though not deployed: still offered, ticked
  expect((await within(dialog).findByRole("checkbox", { name: "api" }) as HTMLInputElement).checked).toBe(true);
  await user.clear(url);
  await user.type(url, "http://elsewhere.example.com");
  await user.click(within(dialog).getByRole("button", { name: "Save changes" }));
  expect(within(url.closest(".field") as HTMLElement).getByRole("alert").textContent).toBe("an https:// URL: Firehose delivers over HTTPS only");
  expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(0);
  await user.clear(url);
  await user.type(url, "https://logs.example.com/in");
  await user.type(within(dialog).getByLabelText("New access key (optional)"), "k-2");
  await user.click(within(dialog).getByRole("radio", { name: /Every service/ }));
  await user.click(within(dialog).getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(calls.find((c) => c.method === "PATCH")!.body).toEqual({ access_key: "k-2", services: null });
});

test("Delete from a drain's page: asked once, then back to the list", async () => {
  const calls = fakeApi(drainApi({
    "DELETE /v1/orgs/o/resources/res_d": () => [202, { ...logs, status: "deleting" }],
    "GET /v1/orgs/o/projects/p/resources": () => [200, { items: [], next: null }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
  }));
  const router = renderAt("/orgs/o/projects/p/resources/res_d");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Delete" }));
  const ask = screen.getByRole("dialog", { name: "Delete logs?" });
  expect(ask.textContent).toContain("web, api stop sending their logs to HTTPS endpoint");
  await user.click(within(ask).getByRole("button", { name: "Delete logs" }));
  await waitFor(() => expect(router.state.location.pathname).toBe("/orgs/o/projects/p/resources"));
  expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(1);
});
