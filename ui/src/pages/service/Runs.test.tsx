import { screen, within } from "@testing-library/react";
import { session } from "../../api/client";
import { fakeApi, renderAt, service, signedIn } from "../../test/fakeApi";
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
        finished: "2026-11-25T17:00:11Z", exit_code: 0 },
    ], next: null }],
  });
  renderAt("/orgs/o/services/s/runs");
  const table = await screen.findByRole("table", { name: "Runs" }, { timeout: 5000 });
  expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Status", "Started", "Took", "Exit code", "Started by"]);
  const [failed, ok] = within(table).getAllByRole("row").slice(1);
  expect(failed!.textContent).toContain("3.5 s");   // from started to finished, not to now
  expect(failed!.textContent).toContain("Essential container in task exited");
  expect(failed!.textContent).toContain("the schedule");
  expect(ok!.querySelector(".badge")!.className).toContain("badge-ok");
  expect(ok!.textContent).toContain("Run now, by ada@example.com");
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
