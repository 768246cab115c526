import { eventsText, hookDeliveryWords, notifyDeliveryWords, unchangedServices } from "./gitWords";
import type { NotifyDelivery } from "../api/git";

test("a pull request's later push and its close, in words", () => {
  expect(hookDeliveryWords({ event: "pull_request", status: "done",
    result: { preview: "pr-7", environment_id: "env_1", head_sha: "abcdef0123", deployments: ["d1"] } }))
    .toBe("Redeployed preview pr-7 at abcdef0; 1 deployment");
  expect(hookDeliveryWords({ event: "pull_request", status: "done",
    result: { preview: "pr-7", environment_id: "env_1", removed: true, reason: "pull request #7 merged", services: ["s1", "s2"] } }))
    .toBe("Removed preview pr-7 (pull request #7 merged) and its 2 services");
  expect(hookDeliveryWords({ event: "push", status: "received", result: null })).toBe("Received; waiting for a worker");
});

test("a subscription's filter and a retrying delivery in words", () => {
  expect(eventsText(["*"])).toBe("all events");
  expect(eventsText(["deployment.live", "preview.created"])).toBe("deployment.live, preview.created");
  const retrying = { status: "retrying", response_code: 503, error: null, next_attempt: "2026-11-26T10:00:08Z" } as NotifyDelivery;
  expect(notifyDeliveryWords(retrying)).toBe(`HTTP 503 · next attempt ${new Date("2026-11-26T10:00:08Z").toLocaleTimeString()}`);
  expect(notifyDeliveryWords({ status: "failed", response_code: null, error: "no connection within 3 s" } as NotifyDelivery)).toBe("no connection within 3 s");
});

test("a push's services left alone by their watch paths: each with why; none when the result has none", () => {
  expect(unchangedServices({ result: { skipped: "no service's watch paths changed", unchanged: { "api (production)": "the push changes nothing under services/api" } } }))
    .toEqual([["api (production)", "the push changes nothing under services/api"]]);
  expect(hookDeliveryWords({ event: "push", status: "done", result: { skipped: "no service's watch paths changed", unchanged: {} } }))
    .toBe("Nothing to do: no service's watch paths changed");
  expect(unchangedServices({ result: { branch: "main", deployments: [] } })).toEqual([]);
  expect(unchangedServices({ result: null })).toEqual([]);
});
