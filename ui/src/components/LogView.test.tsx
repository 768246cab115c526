import { render } from "@testing-library/react";
import { levelWord, LogLineParts, withoutStep } from "./LogView";

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
