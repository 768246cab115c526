import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../../api/client";
import { fakeApi, renderAt, service, signedIn } from "../../test/fakeApi";
import { shellWords } from "../../lib/shellWords";
import { scheduleWords } from "../ServicePage";

const cron = { ...service, kind: "cron", port: null, health_check: null, schedule: "cron(0 3 * * ? *)", min_instances: 1, max_instances: 1 };

test("a cron job's runs: what each column is, how long a finished run took, why one failed, who started it", async () => {
  session.set("t");
  fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/services/s": () => [200, cron],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/services/s/runs": () => [200, { items: [
      { id: "r2", status: "failed", trigger: "schedule", actor: "schedule", created: "2026-11-26T03:00:00Z", started: "2026-11-26T03:00:01Z",
        finished: "2026-11-26T03:00:04.5Z", exit_code: 1, reason: "Essential container in task exited" },
      { id: "r1", status: "succeeded", trigger: "manual", actor: "ada@example.com", created: "2026-11-25T17:00:00Z", started: "2026-11-25T17:00:01Z",
        finished: "2026-11-25T17:00:11Z", exit_code: 0, task_arn: "arn:aws:ecs:us-east-1:1:task/launchbay-o/cb42deedfb356debc7bcdc48ca5dbbab" },
    ], next: null }],
  });
  renderAt("/orgs/o/services/s/runs");
  const table = await screen.findByRole("table", { name: "Runs" }, { timeout: 5000 });
  expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Status", "Started", "Took", "Exit code", "Command", "Started by", "Output"]);
  const [failed, ok] = within(table).getAllByRole("row").slice(1);
  expect(failed!.textContent).toContain("3.5 s");   // from started to finished, not to now
  expect(failed!.textContent).toContain("Essential container in task exited");
  expect(failed!.textContent).toContain("the schedule");
  expect(ok!.querySelector(".badge")!.className).toContain("badge-ok");
  expect(ok!.textContent).toContain("Run now, by ada@example.com");
  expect(ok!.textContent).toContain("its own");   // no command given: the job's own
  // what it printed: the Logs tab with its task's lines alone
  expect(within(ok!).getByRole("link", { name: "Output" }).getAttribute("href")).toBe("/orgs/o/services/s/logs?task=cb42deed");
  // the summary: the schedule in words, and no instance count (a cron job runs one task per run)
  expect(screen.getByText("daily at 03:00 UTC")).toBeTruthy();
  expect(document.querySelector(".summary")!.textContent).not.toContain("instance");
});

test("EventBridge schedules in words", () => {
  expect(scheduleWords("cron(0 3 * * ? *)")).toBe("daily at 03:00 UTC");
  expect(scheduleWords("cron(5 * * * ? *)")).toBe("hourly at :05");
  expect(scheduleWords("rate(15 minutes)")).toBe("every 15 minutes");
  expect(scheduleWords("rate(1 hour)")).toBe("every hour");
  expect(scheduleWords("cron(30 2 ? * 2 *)")).toBe("");   // anything else: the expression alone
});

test("a one-off command on a web service: typed as a shell line, sent as arguments, listed with its command", async () => {
  session.set("t");
  let runs: unknown[] = [];
  const calls = fakeApi({
    ...signedIn(),
    "GET /v1/orgs/o/services/s": () => [200, { ...service, release_command: ["python", "manage.py", "migrate"] }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", org_id: "o", name: "shop" }],
    "GET /v1/orgs/o/services/s/runs": () => [200, { items: runs, next: null }],
    "POST /v1/orgs/o/services/s/runs": async (req) => {
      const body = await req.json();
      if (!body.command) return [422, { error: { code: "invalid", message: "give the command to run", field: "command" } }];
      const run = { id: "r1", status: "starting", trigger: "manual", actor: "a@b.c", created: "2026-11-26T03:00:00Z", command: body.command };
      runs = [run];
      return [202, run];
    },
  });
  renderAt("/orgs/o/services/s/runs");
  const user = userEvent.setup();
  const form = await screen.findByRole("form", { name: "Run a command" }, { timeout: 5000 });
  expect(screen.queryByRole("button", { name: "Run now" })).toBeNull();   // a web server's own command never ends
  expect(document.querySelector(".summary")!.textContent).toContain("python manage.py migrate");   // its release command

  await user.click(within(form).getByRole("button", { name: "Run" }));   // empty: refused here, nothing sent
  expect(within(form).getByRole("alert").textContent).toContain("type the command");
  expect(calls.some((c) => c.method === "POST")).toBe(false);

  await user.type(within(form).getByLabelText("Run a command"), `python manage.py shell -c "print('hi there')"`);
  await user.click(within(form).getByRole("button", { name: "Run" }));
  await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({ command: ["python", "manage.py", "shell", "-c", "print('hi there')"] }));
  const table = await screen.findByRole("table", { name: "Runs" });
  await waitFor(() => expect(within(table).getAllByRole("row")[1]!.textContent).toContain(`python manage.py shell -c 'print('\\''hi there'\\'')'`));
  expect((within(form).getByLabelText("Run a command") as HTMLInputElement).value).toBe("");
});

test("shell words: quotes, escapes, an open quote", () => {
  expect(shellWords(`rake db:migrate`)).toEqual(["rake", "db:migrate"]);
  expect(shellWords(`sh -c 'echo $HOME && ls'`)).toEqual(["sh", "-c", "echo $HOME && ls"]);
  expect(shellWords(String.raw`echo "a \"b\" c" d\ e ''`)).toEqual(["echo", 'a "b" c', "d e", ""]);
  expect(shellWords(`echo 'open`)).toBeNull();
  expect(shellWords("   ")).toEqual([]);
});
