import { screen } from "@testing-library/react";
import { session } from "../../api/client";
import { fakeApi, metricsTab, renderAt, signedIn } from "../../test/fakeApi";
import { chartWords } from "../../lib/chart";

test("the charts' deploy markers name each deployment's status in words", async () => {
  session.set("t");
  const t = Math.floor(Date.now() / 1000);
  fakeApi({
    ...signedIn(),
    ...metricsTab({
      timestamps: [t - 120, t - 60], series: { cpu: [10, 20] }, units: { cpu: "%" },
      deployments: [{ id: "d2", number: 2, status: "rolled_back", image: "nginx:1.27", at: t - 90, created: "", link: "" }],
    }),
  });
  renderAt("/orgs/o/services/s/metrics");
  const links = await screen.findAllByRole("link", { name: "#2 rolled back" }, { timeout: 5000 });
  expect(links[0]!.getAttribute("href")).toBe("/orgs/o/deployments/d2");
});

test("each chart says its numbers to a screen reader (now, and the highest in the range)", async () => {
  session.set("t");
  const t = Math.floor(Date.now() / 1000);
  fakeApi({
    ...signedIn(),
    ...metricsTab({
      timestamps: [t - 120, t - 60, t], series: { cpu: [10, 35.04, 20], running: [1, 1, 1], desired: [1, 2, null] },
      units: { cpu: "%" },
    }),
  });
  renderAt("/orgs/o/services/s/metrics");
  expect(await screen.findByRole("img", { name: "CPU %: cpu now 20, at most 35" }, { timeout: 5000 })).toBeTruthy();
  expect(screen.getByRole("img", { name: "Tasks (running / desired): running now 1, at most 1; desired now 2, at most 2" })).toBeTruthy();
  expect(chartWords("Requests", ["requests"], [[null, null]])).toBe("Requests: requests no data");
});

test("a service working through a queue charts its backlog; one that does not, no empty queue chart", async () => {
  session.set("t");
  const t = Math.floor(Date.now() / 1000);
  fakeApi({
    ...signedIn(),
    ...metricsTab({ timestamps: [t - 60, t], series: { cpu: [5, 6], queue_waiting: [40, 7] }, units: {} }),
  });
  renderAt("/orgs/o/services/s/metrics");
  expect(await screen.findByRole("img", { name: "Queue: waiting messages: queue_waiting now 7, at most 40" },
    { timeout: 5000 })).toBeTruthy();
  // its oldest-message age was not in the answer (moto keeps none): no chart of nothing
  expect(screen.queryByRole("img", { name: /Queue: oldest message/ })).toBeNull();
});
