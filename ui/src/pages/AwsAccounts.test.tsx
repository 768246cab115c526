import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { session } from "../api/client";
import { err, fakeApi, renderAt, signedIn } from "../test/fakeApi";
import { regionList } from "./AwsAccounts";

const conn = (over: Record<string, unknown>) => ({
  id: "awsacc_1", org_id: "o", name: "production", regions: ["eu-west-1", "us-east-1"], status: "pending",
  status_reason: "create the role from the template, then verify its ARN", account_id: "111122223333", role_arn: null,
  external_id: "lb-secret-ext", role_name: "launchbay-access-awsacc_1", demo: false, verified: null, checked: null,
  created: "2026-11-26T00:00:00Z", updated: "2026-11-26T00:00:00Z", ...over,
});
const setup = {
  platform_account: "999988887777", external_id: "lb-secret-ext", role_name: "launchbay-access-awsacc_1",
  template: { AWSTemplateFormatVersion: "2010-09-09", Resources: { Role: { Type: "AWS::IAM::Role" } } },
  policy_url: "/v1/aws/policy.json", quick_create_url: null, steps: ["create the stack", "verify"],
};

test("regions typed with commas or spaces become the API's list", () => {
  expect(regionList(" eu-west-1, us-east-1  ap-south-1,")).toEqual(["eu-west-1", "us-east-1", "ap-south-1"]);
});

test("no connection: says deploys go to the platform's own account outside the sandbox; no demo button there", async () => {
  session.set("t");
  fakeApi({ ...signedIn(false), "GET /v1/orgs/o/aws-accounts": () => [200, { items: [], next: null }] });
  renderAt("/orgs/o/aws-accounts");
  expect(await screen.findByText("No AWS account connected")).toBeTruthy();
  expect(screen.getAllByText(/the platform's own AWS account \(single-account mode\)/).length).toBeGreaterThan(0);
  expect(screen.queryByRole("button", { name: "Create a demo connection" })).toBeNull();
  expect(screen.getByRole("link", { name: "the role's exact policy" }).getAttribute("href")).toBe("/v1/aws/policy.json");
}, 30_000);

test("connect: the template and external id, then a failed verify shows the reason next to the role ARN", async () => {
  session.set("t");
  let items: unknown[] = [];
  const calls = fakeApi({
    ...signedIn(true),
    "GET /v1/orgs/o/aws-accounts": () => [200, { items, next: null }],
    "POST /v1/orgs/o/aws-accounts": () => { const c = conn({}); items = [c]; return [201, { ...c, setup }]; },
    "GET /v1/orgs/o/aws-accounts/awsacc_1": () => [200, { ...(items[0] as object), setup }],
    "POST /v1/orgs/o/aws-accounts/awsacc_1/verify": () => {
      items = [conn({ status: "broken", status_reason: "AccessDenied: not authorized to assume the role" })];
      return [422, err("invalid", "the role could not be used: AccessDenied: not authorized to assume the role", "role_arn")];
    },
  });
  renderAt("/orgs/o/aws-accounts");
  const user = userEvent.setup();
  expect(await screen.findByText(/deploys go to the sandbox/i)).toBeTruthy();
  expect(screen.getByRole("button", { name: "Create a demo connection" })).toBeTruthy();

  await user.click(screen.getByRole("button", { name: "Connect an AWS account" }));
  await user.type(screen.getByLabelText("Connection name"), "production");
  await user.type(screen.getByLabelText("Regions"), "eu-west-1, us-east-1");
  await user.type(screen.getByLabelText("AWS account id"), "111122223333");
  await user.click(screen.getByRole("button", { name: "Create connection" }));
  expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "production", regions: ["eu-west-1", "us-east-1"], account_id: "111122223333" });

  const panel = await screen.findByRole("region", { name: "Set up production" });
  expect(within(panel).getByText("lb-secret-ext")).toBeTruthy();
  expect(within(panel).getByLabelText("CloudFormation template").textContent).toContain('"AWS::IAM::Role"');
  await user.type(within(panel).getByLabelText("Role ARN"), "arn:aws:iam::111122223333:role/launchbay-access-awsacc_1");
  await user.click(within(panel).getByRole("button", { name: "Verify" }));
  const field = within(panel).getByLabelText("Role ARN").closest(".field") as HTMLElement;
  expect((await within(field).findByRole("alert")).textContent).toMatch(/AccessDenied: not authorized/);
  // the list shows the connection broken, with the reason in words
  const row = (await screen.findByRole("table", { name: "AWS accounts" })).querySelector("[data-connection=production]") as HTMLElement;
  await waitFor(() => expect(row.querySelector(".badge")?.getAttribute("data-status")).toBe("broken"));
  expect(row.textContent).toContain("AccessDenied: not authorized to assume the role");
  expect(calls.find((c) => c.path.endsWith("/verify"))?.body).toEqual({ role_arn: "arn:aws:iam::111122223333:role/launchbay-access-awsacc_1" });
}, 30_000);

test("edit sends the new name and regions; remove asks first and shows the API's 409", async () => {
  session.set("t");
  let items = [conn({ status: "connected", status_reason: null, role_arn: "arn:aws:iam::111122223333:role/x" })];
  const calls = fakeApi({
    ...signedIn(true),
    "GET /v1/orgs/o/aws-accounts": () => [200, { items, next: null }],
    "PATCH /v1/orgs/o/aws-accounts/awsacc_1": () => { items = [{ ...items[0]!, name: "prod", regions: ["eu-west-1"] }]; return [200, items[0]]; },
    "DELETE /v1/orgs/o/aws-accounts/awsacc_1": () =>
      [409, err("conflict", "environments deploy through this connection (production): point them elsewhere first", "aws_account")],
  });
  renderAt("/orgs/o/aws-accounts");
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Edit production" }));
  const name = screen.getByLabelText("Name");
  await user.clear(name);
  await user.type(name, "prod");
  const regions = screen.getByLabelText("Regions");
  await user.clear(regions);
  await user.type(regions, "eu-west-1");
  await user.click(screen.getByRole("button", { name: "Save" }));
  expect(await screen.findByRole("button", { name: "Remove prod" })).toBeTruthy();
  expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ name: "prod", regions: ["eu-west-1"] });

  await user.click(screen.getByRole("button", { name: "Remove prod" }));
  expect(calls.some((c) => c.method === "DELETE")).toBe(false);
  await user.click(within(screen.getByRole("group", { name: "Remove prod?" })).getByRole("button", { name: "Yes, remove" }));
  expect((await screen.findByText(/environments deploy through this connection \(production\)/)).getAttribute("role")).toBe("alert");
}, 30_000);
