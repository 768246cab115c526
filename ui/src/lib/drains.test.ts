import {
  createBody, DESTINATIONS, destinationText, drainCovers, drainForm, drainPatchBody, drainProblems, drainUrlProblem, emptyForm, intakeChoices,
  servicesText, sizeText, withDestination, withKind, type Resource,
} from "./resources";

// A drain as chalicelib/resources/service.py public() answers it (tests/resources/test_drains.py).
const logs: Resource = {
  id: "res_d", org_id: "o", project_id: "p", environment_id: "env_p", environment: "production", name: "logs", kind: "log_drain",
  size: null, version: null, storage_gb: null, backup_retention_days: null, deletion_protection: false, status: "available",
  reason: "log drain logs is available", last_error: null, variable: "", created: "", updated: "", endpoint: null,
  destination: "datadog", url: "https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input", access_key_set: true, services: null,
  taking: ["web"], failed_deliveries_bucket: "launchbay-drain-logs-failed",
};

// The intakes are a copy of chalicelib/resources/drains.py DESTINATIONS: compared, so the two cannot drift.
test("the destinations and their intakes are the API's (chalicelib/resources/drains.py), the default first", async () => {
  const fs = (await import(/* @vite-ignore */ "node:" + "fs")) as { readFileSync(p: string, enc: "utf8"): string };
  const py = fs.readFileSync("../chalicelib/resources/drains.py", "utf8");
  for (const [name, d] of Object.entries(DESTINATIONS)) {
    const block = new RegExp(`"${name}": Destination\\("${name}", "([^"]+)", \\(([^)]*)\\), (True|False)`).exec(py);
    expect(block, name).not.toBeNull();
    expect(d.title, name).toBe(block![1]);
    expect(d.intakes.map(([u]) => u), name).toEqual([...block![2]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]));
    expect(d.keyRequired, name).toBe(block![3] === "True");
  }
  expect(DESTINATIONS.datadog.intakes.map(([, site]) => site)).toEqual(
    ["US1 (datadoghq.com)", "US3 (us3.datadoghq.com)", "US5 (us5.datadoghq.com)", "EU (datadoghq.eu)", "AP1 (ap1.datadoghq.com)"]);
});

test("the add form's drain: the vendor's default intake, a key, every service or those ticked; no protection, size or version sent", () => {
  const form = withKind(emptyForm("staging"), "log_drain");
  expect([form.destination, form.url, form.key, form.allServices]).toEqual(
    ["datadog", "https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input", "", true]);
  expect(createBody({ ...form, name: " logs ", key: "dd-key" })).toEqual({ name: "logs", kind: "log_drain", environment: "staging",
    destination: "datadog", url: "https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input", access_key: "dd-key" });
  const http = withDestination({ ...form, key: "typed" }, "http");
  expect([http.url, http.key]).toEqual(["", ""]);   // a new destination: the key typed for another goes
  expect(withDestination(form, "newrelic").url).toBe("https://aws-api.newrelic.com/firehose/v1");
  expect(createBody({ ...http, name: "mine", url: "https://logs.example.com/in", allServices: false, services: ["web"] })).toEqual({
    name: "mine", kind: "log_drain", environment: "staging", destination: "http", url: "https://logs.example.com/in", services: ["web"] });
  expect(createBody({ ...http, name: "errs", url: "https://logs.example.com/in", filter: " ?ERROR " }).filter_pattern).toBe("?ERROR");
});

test("a drain's settings are checked as the API checks them: https (http to this machine only), the vendor's key, some services", () => {
  const form = withKind(emptyForm(), "log_drain");
  expect(drainProblems(form, true)).toEqual({ access_key: "your Datadog API key" });
  expect(drainProblems({ ...form, key: "k" }, true)).toEqual({});
  expect(drainProblems({ ...form, destination: "newrelic", url: DESTINATIONS.newrelic.intakes[1]![0] }, true))
    .toEqual({ access_key: "your New Relic license key" });
  expect(drainProblems(form, false)).toEqual({});   // a change: an empty key keeps the one set
  const http = withDestination(form, "http");
  expect(drainProblems(http, true)).toEqual({ url: "the URL of your receiver (https://…)" });   // no key needed
  expect(drainProblems({ ...http, url: "https://in.example.com/x", allServices: false }, true))
    .toEqual({ services: "tick at least one service, or choose every service" });
  expect(drainUrlProblem("http://logs.example.com/in")).toBe("an https:// URL: Firehose delivers over HTTPS only");
  expect(drainUrlProblem("logs.example.com")).toBe("a whole URL, e.g. https://logs.example.com/firehose");
  expect(drainUrlProblem("ftp://logs.example.com")).toBe("an https:// URL: Firehose delivers over HTTPS only");
  expect(drainUrlProblem("http://127.0.0.1:9000/firehose")).toBeNull();   // the API decides (local mode only)
  expect(drainUrlProblem(" https://logs.example.com/in ")).toBeNull();
});

test("a drain's change: a new URL, the key only when typed, services when changed (null: every service again)", () => {
  const form = drainForm(logs);
  expect(form).toEqual({ destination: "datadog", url: logs.url, key: "", allServices: true, services: [], filter: "" });
  expect(drainPatchBody(logs, form)).toEqual({});
  expect(drainPatchBody(logs, { ...form, key: "new-key" })).toEqual({ access_key: "new-key" });
  expect(drainPatchBody(logs, { ...form, allServices: false, services: ["web"] })).toEqual({ services: ["web"] });
  const named = { ...logs, services: ["web", "worker"] };
  expect(drainPatchBody(named, { ...drainForm(named), services: ["worker", "web"] })).toEqual({});   // the same, in another order
  expect(drainPatchBody(named, { ...drainForm(named), allServices: true })).toEqual({ services: null });
  // only some lines, then every line again ("")
  expect(drainPatchBody(logs, { ...form, filter: " ?ERROR ?WARN " })).toEqual({ filter_pattern: "?ERROR ?WARN" });
  const filtered = { ...logs, filter_pattern: "?ERROR" };
  expect(drainForm(filtered).filter).toBe("?ERROR");
  expect(drainPatchBody(filtered, { ...drainForm(filtered), filter: "" })).toEqual({ filter_pattern: "" });
  expect(drainPatchBody(logs, { ...form, url: DESTINATIONS.datadog.intakes[0]![0] })).toEqual({ url: DESTINATIONS.datadog.intakes[0]![0] });
  // a URL set through the API that is none of the vendor's stays offered
  expect(intakeChoices("datadog", "https://proxy.example.com/dd").at(-1)).toEqual(["https://proxy.example.com/dd", "https://proxy.example.com/dd"]);
  expect(intakeChoices("datadog", logs.url)).toHaveLength(5);
  expect(intakeChoices("http", "https://x.example.com")).toEqual([]);
});

test("what a drain's row says: destination by site, what it is set to take; which services it covers", () => {
  expect(destinationText(logs)).toBe("Datadog EU (datadoghq.eu)");
  expect(destinationText({ destination: "http", url: "https://in.example.com" })).toBe("HTTPS endpoint");
  expect(sizeText(logs)).toBe("Datadog EU (datadoghq.eu) · every service");
  expect(sizeText({ ...logs, destination: "newrelic", url: "https://aws-api.newrelic.com/firehose/v1", services: ["web", "api"] }))
    .toBe("New Relic US · web, api");
  expect([servicesText(null), servicesText([]), servicesText(["a", "b"])]).toEqual(["every service", "no service", "a, b"]);
  expect([drainCovers(logs, "web"), drainCovers({ services: ["api"] }, "web"), drainCovers({ services: ["web"] }, "web")]).toEqual([true, false, true]);
});
