// The plan's words for maintenance, custom hosts (a domain with aliases, HTTPS) and a canary's ramp,
// against steps as GET …/services/{svc}/plan answers them (chalicelib/deploys/steps.py _rule,
// domain_rule, _combined, _https_rules; canary.py): taken from a run against moto, names shortened.
import { changeWords, descriptionLines, planChanges, stepWords, summaryWords, type PlannedStep, type ServicePlan } from "./planWords";

const INTERNAL = "web-pzeegf.acme.launchbay.internal";
const SHOP = "shop.example.com";
const WWW = "www.shop.example.com";
const HOSTS = `${SHOP}, ${WWW}`;
const HTTP_ONLY = "HTTP only until its certificate is issued (PENDING_VALIDATION); then HTTPS, and HTTP redirects to it";
const HTTPS = "HTTPS with its certificate; HTTP answers a 301 to HTTPS";
const step = (over: Partial<PlannedStep> & Pick<PlannedStep, "step">): PlannedStep =>
  ({ resource: "", name: "", action: "no-op", changes: {}, calls: [], ...over });
const lines = (s: PlannedStep) => planChanges(s).map(([, words]) => words);

test("a rule's answer in words: the maintenance page, the 301 to HTTPS, forwarding again; a new message; over HTTPS", () => {
  expect(changeWords("answer", ["forward to the service", "503 maintenance page"]))
    .toBe("answers the 503 maintenance page instead of forwarding to the service");
  expect(changeWords("answer", ["503 maintenance page", "forward to the service"]))
    .toBe("forwards to the service instead of the maintenance page");
  expect(changeWords("answer", ["forward to the service", "301 to https://"]))
    .toBe("answers a 301 to https:// instead of forwarding to the service");
  expect(changeWords("https answer", ["forward to the service", "503 maintenance page"]))
    .toBe("over HTTPS, answers the 503 maintenance page instead of forwarding to the service");
  expect(changeWords("maintenance page", ["another message", "Back at 14:00"])).toBe("the maintenance page says “Back at 14:00” instead");
  expect(changeWords("https maintenance page", ["another message", "Back at 14:00"]))
    .toBe("over HTTPS, the maintenance page says “Back at 14:00” instead");
  expect(changeWords("https", [null, "served with certificate 683b7597"])).toBe("HTTPS served with certificate 683b7597");
  expect(changeWords("answer", ["forward to the service", "something new"])).toBe("answer: forward to the service → something new");   // not known: as it is
  expect(changeWords("https allowed_ips", ["everyone", ["203.0.113.0/24"]])).toBe("https allowed_ips: everyone → 203.0.113.0/24");

  // the service's own host going behind the page (maintenance turned on meanwhile)
  const internal = step({ step: "listener_rule", resource: "listener rule", name: INTERNAL, action: "update",
    changes: { answer: ["forward to the service", "503 maintenance page"] } });
  expect(stepWords(internal)).toBe(`Change listener rule ${INTERNAL}`);
  expect(lines(internal)).toEqual(["answers the 503 maintenance page instead of forwarding to the service"]);
});

test("a domain with an alias: its rules and certificates as one step per kind, each host's part on a line of its own", () => {
  const created = step({ step: "domain_rule", resource: "listener rules (custom domains)", name: HOSTS, action: "create",
    changes: { [SHOP]: "create", [WWW]: "create" },
    description: `${SHOP}: HTTP only: the certificate step requests its certificate; ${WWW}: HTTP only: the certificate step requests its certificate` });
  expect(stepWords(created)).toBe(`Route the custom hosts ${HOSTS} to the service`);
  expect(lines(created)).toEqual([`${SHOP}: a new rule`, `${WWW}: a new rule`]);
  expect(descriptionLines(created)).toEqual([`${SHOP}: HTTP only: the certificate step requests its certificate`,
    `${WWW}: HTTP only: the certificate step requests its certificate`]);

  const behindPage = step({ ...created, action: "update", description: `${SHOP}: ${HTTP_ONLY}; ${WWW}: ${HTTP_ONLY}`,
    changes: { [SHOP]: { answer: ["forward to the service", "503 maintenance page"] }, [WWW]: { "maintenance page": ["another message", "Second"] } } });
  expect(stepWords(behindPage)).toBe(`Change the rules of the custom hosts ${HOSTS}`);
  expect(lines(behindPage)).toEqual([`${SHOP}: answers the 503 maintenance page instead of forwarding to the service`,
    `${WWW}: the maintenance page says “Second” instead`]);
  expect(descriptionLines(behindPage)).toEqual([`${SHOP}: ${HTTP_ONLY}`, `${WWW}: ${HTTP_ONLY}`]);

  // the domain's certificate issued, the alias's not yet: only the domain's part changes
  const upgrade = step({ ...created, action: "update", description: `${SHOP}: ${HTTPS}; ${WWW}: ${HTTP_ONLY}`,
    changes: { [SHOP]: { answer: ["forward to the service", "301 to https://"], https: [null, "served with certificate 683b7597"] } } });
  expect(lines(upgrade)).toEqual([`${SHOP}: answers a 301 to https:// instead of forwarding to the service; HTTPS served with certificate 683b7597`]);
  expect(descriptionLines(upgrade)).toEqual([`${SHOP}: ${HTTPS}`, `${WWW}: ${HTTP_ONLY}`]);
  expect(stepWords({ ...upgrade, action: "no-op", changes: {} })).toBe(`Keep the rules of the custom hosts ${HOSTS} as they are`);

  // hosts no longer its own: their rules go
  expect(lines(step({ ...created, action: "update", changes: { removed: ["old.example.com"] } })))
    .toEqual(["rules removed for old.example.com (no longer its hosts)"]);

  // the certificates of several hosts (the API names that step's resource as the rules')
  const certs = step({ step: "certificate", resource: "listener rules (custom domains)", name: HOSTS, action: "create",
    changes: { [SHOP]: "create", [WWW]: "create" } });
  expect(stepWords(certs)).toBe(`Request the certificates of ${HOSTS} (each validated by DNS)`);
  expect(lines(certs)).toEqual([`${SHOP}: a new certificate requested`, `${WWW}: a new certificate requested`]);
  expect(stepWords({ ...certs, action: "no-op", changes: {} })).toBe(`Keep the certificates of ${HOSTS} as they are`);
  // one host: as any other step
  expect(stepWords(step({ step: "certificate", resource: "certificate", name: SHOP, action: "create" }))).toBe(`Create certificate ${SHOP}`);
  expect(stepWords(step({ step: "domain_rule", resource: "listener rule (custom domain)", name: SHOP, action: "create" })))
    .toBe(`Create listener rule (custom domain) ${SHOP}`);
});

test("a domain over HTTPS: served with its certificate, HTTP answering a 301 to it", () => {
  const https = step({ step: "domain_rule", resource: "listener rules (custom domain, HTTPS)", name: SHOP, action: "create",
    changes: { answer: ["forward to the service", "301 to https://"], https: [null, "served with certificate 683b7597"] }, description: HTTPS });
  expect(stepWords(https)).toBe(`Serve ${SHOP} over HTTPS with its certificate; HTTP answers a 301 to HTTPS`);
  expect(lines(https)).toEqual(["answers a 301 to https:// instead of forwarding to the service", "HTTPS served with certificate 683b7597"]);
  expect(descriptionLines(https)).toEqual([HTTPS]);
  const page = { ...https, action: "update" as const, changes: { "https answer": ["forward to the service", "503 maintenance page"] } };
  expect(stepWords(page)).toBe(`Change the HTTPS rules of ${SHOP} (HTTP answers a 301 to HTTPS)`);
  expect(lines(page)).toEqual(["over HTTPS, answers the 503 maintenance page instead of forwarding to the service"]);
  expect(stepWords({ ...https, action: "no-op", changes: {} })).toBe(`Keep ${SHOP} served over HTTPS as it is`);
});

test("a canary with a ramp (10 → 25 → 50 %): each stage's steps in words, its share from the step, the service or the description", () => {
  const CANARY = "lb-01m8fr-canary";
  const rules = `${INTERNAL}, ${SHOP}`;
  const same = { [INTERNAL]: ["all to the service", "all to the service"], [SHOP]: ["all to the service", "all to the service"] };
  const watch = (p: number) => `send ${p} % of the requests to the new release for 5 min; more than 2 points of 5xx answers above the live release's share roll the deploy back`;
  const steps: PlannedStep[] = [
    step({ step: "canary.target_group", resource: "target group (canary)", name: "lb-41318f-canary", action: "create" }),
    step({ step: "canary.attach", resource: "listener rules (canary share)", name: rules, action: "update", changes: same }),
    step({ step: "canary.service", resource: "ECS service (canary)", name: CANARY, action: "create" }),
    step({ step: "canary.rollout", resource: "rollout (canary)", name: CANARY, action: "wait",
      description: "start 1 task(s) of the new release beside the live ones and wait until they pass the health check on /" }),
    step({ step: "canary.traffic", resource: "listener rules (canary share)", name: rules, action: "update", changes: same }),
    step({ step: "canary.analysis", resource: "canary watch", name: CANARY, action: "wait", description: watch(10) }),
    step({ step: "canary.service@25", resource: "ECS service (canary)", name: CANARY, action: "create" }),
    step({ step: "canary.rollout@25", resource: "rollout (canary)", name: CANARY, action: "wait",
      description: "grow the canary to 1 task(s) of the new release beside the live ones and wait until they pass the health check on /" }),
    step({ step: "canary.traffic@25", resource: "listener rules (canary share)", name: rules, action: "update", changes: same }),
    step({ step: "canary.analysis@25", resource: "canary watch", name: CANARY, action: "wait", description: watch(25) }),
    step({ step: "canary.retire", resource: "canary", name: CANARY, action: "delete", changes: { "canary service": [CANARY, null] } }),
  ];
  expect(steps.map((s) => stepWords(s, { canaryPercent: 10 }))).toEqual([
    "Create target group (canary) lb-41318f-canary",
    `Add the canary's target group to the rules of ${rules}, with no traffic yet`,
    `Create the canary's ECS service ${CANARY} (the new release beside the live one)`,
    "Start the canary's tasks and wait until they are healthy",
    `Send 10 % of the traffic to the canary on ${rules}`,
    "Watch the canary at 10 % of the traffic",
    `Grow the canary's ECS service ${CANARY} for 25 % of the traffic`,
    "Grow the canary's tasks for 25 % and wait until they are healthy",
    `Send 25 % of the traffic to the canary on ${rules}`,
    "Watch the canary at 25 % of the traffic",
    `Retire the canary once the release is out: the rules forward to the service alone, ECS service ${CANARY} goes`,
  ]);
  // without the service's setting: the watch's description gives the first share; the traffic step has none
  expect(stepWords(steps[5]!)).toBe("Watch the canary at 10 % of the traffic");
  expect(stepWords(steps[4]!)).toBe(`Send its share of the traffic to the canary on ${rules}`);
  // the preview's shares before the canary's target group exists read "all to the service" twice: nothing to say
  expect(planChanges(steps[8]!)).toEqual([]);
  expect(lines({ ...steps[8]!, changes: { [SHOP]: ["10 % to the canary", "25 % to the canary"] } }))
    .toEqual([`${SHOP}: 10 % to the canary → 25 % to the canary`]);
  expect(lines(steps[10]!)).toEqual([`canary service: ${CANARY} → none`]);
  const p: ServicePlan = { service_id: "s", sandbox: true, steps, message: "4 to create, 6 to change",
    summary: { create: 4, update: 6, "no-op": 12, wait: 7, delete: 1 } };
  expect(summaryWords(p)).toBe("4 to create, 6 to change, 1 to delete, 12 unchanged");
});

test("redirecting aliases: the alias's rule answers a 301 to the domain (its target from the description), a target changed said so", () => {
  expect(changeWords("redirects to", ["itself over HTTPS", SHOP])).toBe(`redirects to ${SHOP} instead of to itself over HTTPS`);
  expect(changeWords("redirects to", [SHOP, "itself over HTTPS"])).toBe(`redirects to itself over HTTPS instead of to ${SHOP}`);
  expect(changeWords("https redirects to", ["shop.example.org", SHOP])).toBe(`over HTTPS, redirects to ${SHOP} instead of to shop.example.org`);
  // turned on: the alias's rule goes from forwarding to a 301 to the domain (the API words each 301 "301 to https://")
  const on = step({ step: "domain_rule", resource: "listener rules (custom domains)", name: HOSTS, action: "update",
    changes: { [WWW]: { answer: ["forward to the service", "301 to https://"] } },
    description: `${SHOP}: ${HTTP_ONLY}; ${WWW}: a 301 to http://${SHOP}` });
  expect(lines(on)).toEqual([`${WWW}: answers a 301 to http://${SHOP} instead of forwarding to the service`]);
  expect(descriptionLines(on)).toEqual([`${SHOP}: ${HTTP_ONLY}`, `${WWW}: a 301 to http://${SHOP}`]);
  // both served over HTTPS: each of the alias's rules redirects to https://
  const https = step({ ...on, description: `${SHOP}: ${HTTPS}; ${WWW}: HTTPS with its certificate; both answer a 301 to https://${SHOP}`,
    changes: { [WWW]: { "https answer": ["forward to the service", "301 to https://"], "redirects to": ["itself over HTTPS", SHOP] } } });
  expect(lines(https)).toEqual([`${WWW}: over HTTPS, answers a 301 to https://${SHOP} instead of forwarding to the service; redirects to ${SHOP} instead of to itself over HTTPS`]);
  // a new alias's rule, made redirecting
  const made = step({ ...on, changes: { [WWW]: "create" } });
  expect(lines(made)).toEqual([`${WWW}: a new rule, answering a 301 to http://${SHOP}`]);
  // the domain's own part: its words as before
  expect(lines(step({ ...on, changes: { [SHOP]: { answer: ["forward to the service", "301 to https://"] } } })))
    .toEqual([`${SHOP}: answers a 301 to https:// instead of forwarding to the service`]);
});

test("scheduled scaling in the autoscaling step: a schedule added, changed and removed, as the API lists its actions", () => {
  const DAY = "cron(0 8 ? * 2-6 *) Europe/Berlin: 4..10 tasks";
  const NIGHT = "cron(0 20 ? * 2-6 *) Europe/Berlin: 1..4 tasks";
  const scaling = (scheduled: [string[], string[]]) =>
    step({ step: "autoscaling", resource: "autoscaling", name: "svc-web", action: "update", changes: { scheduled } });
  expect(lines(scaling([[], [DAY, NIGHT]]))).toEqual([`scales on a schedule: ${DAY}; ${NIGHT}`]);
  expect(lines(scaling([[DAY, NIGHT], [DAY]]))).toEqual([`scheduled scaling: ${DAY}; ${NIGHT} → ${DAY}`]);
  expect(lines(scaling([[DAY], []]))).toEqual([`no scheduled scaling any more (was ${DAY})`]);
  expect(changeWords("min", [1, 4])).toBe("min: 1 → 4");   // the range in force, as before
});

test("a log group's drains in words: none → datadog, and back", () => {
  expect(changeWords("log_drains", [[], ["datadog"]])).toBe("log drains: none → datadog");
  expect(changeWords("log_drains", [["datadog", "archive"], []])).toBe("log drains: datadog, archive → none");
});
