import { describe, expect, it } from "vitest";
import { extent, linePath } from "./chart";

describe("metrics chart", () => {
  it("keeps a gap in the data as a gap in the line", () => {
    const d = linePath([0, 60, 120, 180], [1, null, 2, 2], 0, 180, 2, { width: 180, height: 100 });
    expect(d).toBe("M0.0 50.0 M120.0 0.0 L180.0 0.0");
  });
  it("scales to the largest value with headroom, and never to zero", () => {
    expect(extent([[1, 5, null], [3]])).toEqual([0, 5.5]);
    expect(extent([[null, 0]])).toEqual([0, 1]);
  });
});
