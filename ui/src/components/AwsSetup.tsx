import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { AwsAccount } from "../api/accountModels";
import { accountKeys, useAwsAccount } from "../api/queries";
import { ErrorNote, Loading } from "./Empty";
import { Field, FormError } from "./Field";

/** How to create a connection's role (quick-create link or template, external id), then the
 * field for the stack's RoleArn output and Verify, whose failure reason the API gives in words. */
export function AwsSetup({ org, account, onClose }: { org: string; account: string; onClose: () => void }) {
  const conn = useAwsAccount(org, account);
  const qc = useQueryClient();
  const [roleArn, setRoleArn] = useState("");
  const verify = useMutation({
    mutationFn: () =>
      unwrap<AwsAccount>(api.POST("/v1/orgs/{org}/aws-accounts/{account}/verify", {
        params: { path: { org, account } }, body: { role_arn: roleArn.trim() || null },
      })),
    // a failed verify is recorded too (the connection turns broken): refresh either way
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: accountKeys.awsAccounts(org) });
      void qc.invalidateQueries({ queryKey: accountKeys.awsAccount(org, account) });
    },
  });
  if (conn.isPending) return <Loading what="the connection's setup" />;
  if (!conn.data?.setup) return <ErrorNote error={conn.error ?? "this connection has no setup"} />;
  const { setup } = conn.data;
  const template = JSON.stringify(setup.template, null, 2);
  const err = verify.error instanceof ApiError ? verify.error : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    verify.mutate();
  };
  return (
    <div className="panel aws-setup" role="region" aria-label={`Set up ${conn.data.name}`}>
      <div className="heading">
        <h2>Set up {conn.data.name}</h2>
        <button type="button" className="link" onClick={onClose}>Close</button>
      </div>
      <ol>
        <li>
          In the AWS account{conn.data.account_id ? <> <span className="mono">{conn.data.account_id}</span></> : null}, create
          the role&apos;s stack{" "}
          {setup.quick_create_url ? (
            <a href={setup.quick_create_url} target="_blank" rel="noreferrer">with this CloudFormation quick-create link</a>
          ) : (
            <>from the template below (CloudFormation console, or <code>aws cloudformation create-stack --capabilities CAPABILITY_NAMED_IAM --template-body file://launchbay-access.json</code>)</>
          )}
          . It trusts Launchbay&apos;s account <span className="mono">{setup.platform_account}</span> only with the external id{" "}
          <code>{setup.external_id}</code>; the role is <span className="mono">{setup.role_name}</span>, with{" "}
          <a href={setup.policy_url} target="_blank" rel="noreferrer">this policy</a>.
          <details>
            <summary>CloudFormation template</summary>
            <button type="button" onClick={() => void navigator.clipboard?.writeText(template)}>Copy template</button>{" "}
            <button type="button" onClick={() => download("launchbay-access.json", template)}>Download</button>
            <pre className="template" aria-label="CloudFormation template">{template}</pre>
          </details>
        </li>
        <li>
          Paste the stack&apos;s <code>RoleArn</code> output and verify: Launchbay assumes the role with the external id and checks its trust.
          <form className="inline-form" onSubmit={submit} noValidate>
            <Field label="Role ARN" error={err?.forField("role_arn")}>
              <input value={roleArn} onChange={(e) => setRoleArn(e.target.value)} placeholder="arn:aws:iam::111122223333:role/launchbay-access-…" className="mono" />
            </Field>
            <button className="primary" disabled={verify.isPending || (!roleArn.trim() && !conn.data.role_arn)}>
              {verify.isPending ? "Verifying…" : "Verify"}
            </button>
          </form>
          {err && !err.forField("role_arn") && <FormError error={err} />}
          {verify.data?.status === "connected" && (
            <p className="notice" role="status">Connected: the role works in account <span className="mono">{verify.data.account_id}</span>.</p>
          )}
        </li>
      </ol>
    </div>
  );
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  a.click();
  URL.revokeObjectURL(url);
}
