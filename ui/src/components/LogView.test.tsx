import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { levelWord, LogLineParts, LogView, withoutStep } from "./LogView";

const line = (seq: number, message: string, step: string | null) => ({ seq, ts: "2026-11-26T17:40:40Z", message, step });

test("a line does not repeat its step's name beside the step ('service service: started')", () => {
  expect(withoutStep(line(1, "service: started", "service"))).toBe("started");
  expect(withoutStep(line(2, "rollback.rollout: done in 1183 ms", "rollback.rollout"))).toBe("done in 1183 ms");
  expect(withoutStep(line(3, "deployment #1 is live", "live"))).toBe("deployment #1 is live");
  expect(withoutStep(line(4, "web started", null))).toBe("web started");
});

test("an error or a warning line says its level in a word (not only in red or amber)", () => {
  const lvl = (level?: string) => {
    const { container, unmount } = render(<div><LogLineParts l={{ ...line(1, "boom", "rollout"), level }} /></div>);
    const text = container.textContent;
    unmount();
    return text;
  };
  expect(lvl("error")).toContain("errorboom");
  expect(lvl("warning")).toContain("warningboom");
  expect(lvl("info")).not.toMatch(/error|warning/);
  expect(lvl(undefined)).not.toMatch(/error|warning/);
  expect(levelWord("critical")).toBe("error");
});

test("the log is not read out line by line (virtualized rows would be too); the match count is said while searching", async () => {
  const lines = [line(1, "started", "service"), line(2, "boom", "rollout")];
  render(<LogView lines={lines} live label="Log of deployment #2" />);
  const log = screen.getByRole("log", { name: "Log of deployment #2" });
  expect(log.getAttribute("aria-live")).toBe("off");
  const count = screen.getByText("2 lines · live");
  expect(count.getAttribute("aria-live")).toBe("off");
  await userEvent.type(screen.getByRole("searchbox", { name: "Search the log" }), "boom");
  const matches = await screen.findByText("1 of 2 lines · live");
  expect(matches.getAttribute("aria-live")).toBe("polite");
});
