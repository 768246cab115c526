import { computeSummary, SPOT_BASE, SPOT_PERCENT, spotErrorPart, spotLeavesNoneAnswering, spotPatch, spotWords } from "./compute";

// (Read with node's fs at run time: Vite will not import a file outside ui/, and tsc has no node types here.)
async function readPy(path: string): Promise<string> {
  const fs = (await import(/* @vite-ignore */ "node:" + "fs")) as { readFileSync(p: string, enc: "utf8"): string };
  return fs.readFileSync(path, "utf8");   // vitest runs in ui/
}

test("Spot in the words of chalicelib/cloud/capacity.py words()", () => {
  expect(spotWords(null)).toBe("regular Fargate");
  expect(spotWords(undefined)).toBe("regular Fargate");
  expect(spotWords({ percent: 100, on_demand_base: 0 })).toBe("Fargate Spot");
  expect(spotWords({})).toBe("Fargate Spot");   // the API's defaults: 100 %, none on regular Fargate
  expect(spotWords({ percent: 70, on_demand_base: 0 })).toBe("Fargate Spot for 70 % of the tasks");
  expect(spotWords({ percent: 100, on_demand_base: 1 })).toBe("Fargate Spot, the first 1 task on regular Fargate");
  expect(spotWords({ percent: 70, on_demand_base: 1 })).toBe("Fargate Spot for 70 % of the tasks, the first 1 task on regular Fargate");
  expect(spotWords({ percent: 50, on_demand_base: 2 })).toBe("Fargate Spot for 50 % of the tasks, the first 2 tasks on regular Fargate");
  expect(spotWords({ percent: 1 })).toBe("Fargate Spot for 1 % of the tasks");
});

test("the summary as capacity.py summary(): the architecture (null is x86_64) and where the tasks run", () => {
  expect(computeSummary({})).toBe("x86_64 · regular Fargate");
  expect(computeSummary({ architecture: null, spot: null })).toBe("x86_64 · regular Fargate");
  expect(computeSummary({ architecture: "x86_64", spot: { percent: 70, on_demand_base: 1 } }))
    .toBe("x86_64 · Fargate Spot for 70 % of the tasks, the first 1 task on regular Fargate");
  expect(computeSummary({ architecture: "arm64", spot: { percent: 100, on_demand_base: 0 } })).toBe("arm64 · Fargate Spot");
  expect(computeSummary({ architecture: "arm64", spot: null })).toBe("arm64 · regular Fargate");
});

test("the wording, limits and defaults are the API's (capacity.py, catalog/models.py Spot)", async () => {
  const capacity = await readPy("../chalicelib/cloud/capacity.py");
  for (const piece of ['"regular Fargate"', 'f"Fargate Spot{share}{first}"', '" for {percent} % of the tasks"',
    '", the first {base} task{\'s\' if base != 1 else \'\'} on regular Fargate"', "{service.get('architecture') or 'x86_64'} · "]) {
    expect(capacity, piece).toContain(piece);
  }
  const models = await readPy("../chalicelib/catalog/models.py");
  const spot = /class Spot\(BaseModel\):([\s\S]*?)\n\n\n/.exec(models)![1]!;
  expect(spot).toContain(`percent: int = Field(${SPOT_PERCENT.default}, ge=${SPOT_PERCENT.min}, le=${SPOT_PERCENT.max}`);
  expect(spot).toContain(`on_demand_base: int = Field(${SPOT_BASE.default}, ge=${SPOT_BASE.min}, le=${SPOT_BASE.max}`);
});

test("a PATCH of Spot: off sends null, on sends the setting, a change only the fields that differ", () => {
  expect(spotPatch(null, null)).toBeUndefined();
  expect(spotPatch(null, { percent: 70, on_demand_base: 1 })).toEqual({ percent: 70, on_demand_base: 1 });
  expect(spotPatch({ percent: 70, on_demand_base: 1 }, null)).toBeNull();
  expect(spotPatch({ percent: 70, on_demand_base: 1 }, { percent: 50, on_demand_base: 1 })).toEqual({ percent: 50 });
  expect(spotPatch({ percent: 70, on_demand_base: 1 }, { percent: 70, on_demand_base: 2 })).toEqual({ on_demand_base: 2 });
  expect(spotPatch({ percent: 70, on_demand_base: 1 }, { percent: 70, on_demand_base: 1 })).toBeUndefined();
  expect(spotPatch({ percent: 70, on_demand_base: 0 }, { percent: 70 })).toBeUndefined();   // a cron job's: no base given
});

test("a web service with no task always on regular Fargate is warned; a worker, a cron job or a base of 1 is not", () => {
  expect(spotLeavesNoneAnswering("web", { percent: 100, on_demand_base: 0 })).toBe(true);
  expect(spotLeavesNoneAnswering("web", { percent: 70 })).toBe(true);
  expect(spotLeavesNoneAnswering("web", { percent: 100, on_demand_base: 1 })).toBe(false);
  expect(spotLeavesNoneAnswering("web", null)).toBe(false);
  expect(spotLeavesNoneAnswering("worker", { percent: 100, on_demand_base: 0 })).toBe(false);
  expect(spotLeavesNoneAnswering("cron", { percent: 100 })).toBe(false);
});

test("which part of the Spot setting an API error is about", () => {
  // a PATCH: field spot, the message names the part (chalicelib/catalog/service.py _merged_setting, models.py service_problems)
  expect(spotErrorPart("spot", "spot.on_demand_base 5 would keep all of at most 1 task on regular Fargate: lower it or raise max_instances"))
    .toBe("on_demand_base");
  expect(spotErrorPart("spot", "spot.percent: Input should be less than or equal to 100")).toBe("percent");
  expect(spotErrorPart("spot", "a cron job's run is one task: with spot, on_demand_base must be 0")).toBe("on_demand_base");
  expect(spotErrorPart("spot", "spot: Extra inputs are not permitted")).toBe("spot");
  // a create: the field itself
  expect(spotErrorPart("spot.percent", "Input should be greater than or equal to 1")).toBe("percent");
  expect(spotErrorPart("spot.on_demand_base", "Input should be less than or equal to 100")).toBe("on_demand_base");
});
