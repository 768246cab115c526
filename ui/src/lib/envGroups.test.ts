import { auditWords, targetPath } from "./auditWords";
import { envOfRows, groupNameProblem, groupVariables } from "./envGroups";

test("group names as the API has them", () => {
  expect(groupNameProblem("datadog")).toBeNull();
  expect(groupNameProblem(" stripe-live ")).toBeNull();
  expect(groupNameProblem("")).toBe("Give the group a name.");
  expect(groupNameProblem("Datadog")).toMatch(/^Lower-case letters/);
  expect(groupNameProblem("1st")).toMatch(/^Lower-case letters/);
  expect(groupNameProblem("a".repeat(64))).toMatch(/^Lower-case letters/);
});

test("the key/value rows as the map PATCH sends, or what is wrong", () => {
  expect(envOfRows([{ key: " DD_SITE ", value: "datadoghq.eu" }, { key: "", value: "" }, { key: "EMPTY", value: "" }]))
    .toEqual({ env: { DD_SITE: "datadoghq.eu", EMPTY: "" }, error: null });
  expect(envOfRows([]).env).toEqual({});
  expect(envOfRows([{ key: "", value: "x" }]).error).toBe("Row 1 has a value but no name.");
  expect(envOfRows([{ key: "A", value: "1" }, { key: "A", value: "2" }]).error).toBe("A is there twice.");
  expect(envOfRows([{ key: "1A", value: "1" }]).error).toMatch(/^1A: names are letters, digits and _/);
});

test("a service's variables from its groups: a later group and its own values override", () => {
  const groups: { name: string; env: Record<string, string>; secrets: { name: string }[] }[] = [
    { name: "datadog", env: { DD_SITE: "eu", DD_ENV: "prod", LOG: "info" }, secrets: [{ name: "DD_API_KEY" }] },
    { name: "stripe", env: { LOG: "debug" }, secrets: [{ name: "DD_ENV" }] },
    { name: "unlinked", env: { X: "1" }, secrets: [] },
  ];
  expect(groupVariables(["datadog", "stripe", "gone"], groups, { env: { DD_SITE: "us" }, secrets: [] })).toEqual([
    { name: "DD_SITE", value: "eu", group: "datadog", overriddenBy: "the service" },
    { name: "DD_ENV", value: "prod", group: "datadog", overriddenBy: "group stripe" },   // stripe's secret of that name
    { name: "LOG", value: "info", group: "datadog", overriddenBy: "group stripe" },
    { name: "LOG", value: "debug", group: "stripe", overriddenBy: null },
  ]);
  expect(groupVariables(["stripe"], groups, { env: {}, secrets: ["LOG"] })[0]!.overriddenBy).toBe("the service");
});

const event = (action: string, details: Record<string, unknown>) =>
  ({ id: "e", actor: "me@example.com", action, target_type: "env_group", target_id: "envgrp_1", source_ip: "", created: "", details });

test("environment group audit events in words, linking to the group (the list once deleted)", () => {
  expect(auditWords("o", event("env_group.create", { name: "datadog", variables: ["DD_SITE"] })))
    .toEqual({ verb: "created", what: "environment group datadog", to: "/orgs/o/env-groups/datadog", after: "", extra: "variables DD_SITE" });
  expect(auditWords("o", event("env_group.update", { name: "datadog", fields: ["env"], variables: ["DD_SITE"] })))
    .toMatchObject({ verb: "changed", what: "environment group datadog", extra: "env" });
  expect(auditWords("o", event("env_group.delete", { name: "datadog" })))
    .toEqual({ verb: "deleted", what: "environment group datadog", to: "/orgs/o/env-groups", after: "", extra: null });
  expect(auditWords("o", event("env_group.secret_set", { group: "datadog", name: "DD_API_KEY", version: 2 })))
    .toEqual({ verb: "set", what: "secret DD_API_KEY of environment group datadog", to: "/orgs/o/env-groups/datadog", after: "", extra: "v2" });
  expect(auditWords("o", event("env_group.secret_delete", { group: "datadog", name: "DD_API_KEY" })))
    .toMatchObject({ verb: "deleted", what: "secret DD_API_KEY of environment group datadog", extra: null });
  expect(targetPath("o", event("env_group.update", {}))).toBe("/orgs/o/env-groups");
});
