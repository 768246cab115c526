// Response bodies of the account-level screens (AWS connections, environments' placement,
// password change), typed by hand like models.ts: the OpenAPI document has no response bodies.
import type { Environment } from "./models";

export type ConnectionStatus = "pending" | "connected" | "broken";

export interface AwsSetup {
  platform_account: string; external_id: string; role_name: string; template: Record<string, unknown>;
  policy_url: string; quick_create_url: string | null; steps: string[];
}
export interface AwsAccount {
  id: string; org_id: string; name: string; regions: string[]; status: ConnectionStatus; status_reason: string | null;
  account_id: string | null; role_arn: string | null; external_id: string; role_name: string; demo: boolean;
  verified: string | null; checked: string | null; created: string; updated: string; setup?: AwsSetup;
}

/** An environment with where it deploys (GET …/environments). */
export interface PlacedEnvironment extends Environment {
  aws_account_id: string | null; region: string | null; deploys_to: "platform account" | "connected account";
  /** the region it deploys to: `region`, else the platform's (older APIs leave it out) */
  effective_region?: string;
  created: string; updated: string;
  /** "deleting": its AWS resources are being removed (then it goes) */
  status?: "active" | "deleting";
  teardown?: EnvTeardown | null;
}
/** Progress of an environment's removal from AWS (chalicelib/deploys/env_teardown.py). */
export interface EnvTeardown {
  state: "queued" | "running" | "waiting" | "retrying" | "failed";
  /** in words: AWS's answer, or why a service it waits for will not go */
  error?: string | null;
  /** what it waits for first, e.g. "service web" */
  waiting_for?: string[];
  updated?: string;
}
export interface CloneAnswer extends PlacedEnvironment { services: string[]; with_secrets: boolean; secrets_to_set: string[] }
