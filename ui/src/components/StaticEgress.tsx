// An environment's outbound address (README "Static outbound IP", chalicelib/deploys/egress.py): by
// default each task leaves from its own public IP; with `static_egress` every service of the
// environment leaves from one Elastic IP behind a NAT gateway, from each service's next deploy.
// Owners and admins turn it on and off (PATCH …/environments/{env} {static_egress}); the API refuses
// it (422 at static_egress) where the platform runs in subnets it does not manage.
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { Environment } from "../api/models";
import { ErrorNote } from "./Empty";
import { ConfirmDialog, CopyButton } from "./GitBits";

type Egress = Pick<Environment, "name" | "static_egress" | "egress_ips" | "egress">;

/** The row's line: "Outbound: 3.120.45.7 (static)" with a copy button once the address is known,
 * else the API's sentence; nothing from an API that does not say. */
export function EgressNote({ env }: { env: Egress }) {
  if (env.egress === undefined) return null;
  const on = !!env.static_egress;
  const ips = env.egress_ips ?? [];
  if (on && ips.length > 0) {
    const list = ips.join(", ");
    return (
      <small className="egress-note" data-egress="static">
        Outbound: <code className="egress-ip">{breakable(list)}</code> (static){" "}
        <CopyButton text={list} label={`outbound address of ${env.name}`} />
      </small>
    );
  }
  return (
    <small className="egress-note muted" data-egress={on ? "pending" : ips.length ? "releasing" : "dynamic"}>
      {on ? "Outbound (static): " : "Outbound: "}{env.egress}
    </small>
  );
}

/** An address that may wrap after its dots only (a narrow row), never inside a number. */
function breakable(ips: string) {
  return ips.split(".").map((part, i, all) => (i < all.length - 1 ? <span key={i}>{part}.<wbr /></span> : part));
}

/** Asks before turning static egress on (what it costs, when it applies) or off (the address goes). */
export function EgressDialog({ org, project, env, onDone, onCancel }: {
  org: string; project: string; env: Egress; onDone: () => void; onCancel: () => void;
}) {
  const on = !!env.static_egress;
  const ips = (env.egress_ips ?? []).join(", ");
  const save = useMutation({
    mutationFn: () => unwrap<Environment>(api.PATCH("/v1/orgs/{org}/projects/{project}/environments/{env}", {
      params: { path: { org, project, env: env.name } }, body: { static_egress: !on },
    })),
    onSuccess: onDone,
  });
  if (on) {
    return (
      <ConfirmDialog title={`Turn off ${env.name}'s static outbound IP?`} confirm="Turn off static IP" danger
        onConfirm={() => save.mutate()} onClose={onCancel} pending={save.isPending}>
        <p>Each service of {env.name} goes back to leaving from its own public IP, which changes at every deploy, from its next deploy.</p>
        <p>
          Once none runs behind the NAT gateway, it is deleted{ips ? <> and <span className="mono">{ips}</span> is released</> : ""}:
          allowlists that name {ips ? "it" : "the address"} no longer match {env.name}&apos;s services.
        </p>
        <ErrorNote error={save.error} />
      </ConfirmDialog>
    );
  }
  return (
    <ConfirmDialog title={`Give ${env.name} a static outbound IP?`} confirm="Turn on static IP"
      onConfirm={() => save.mutate()} onClose={onCancel} pending={save.isPending}>
      <p>
        Every service of {env.name} then leaves from one Elastic IP, which a database host, a payment provider or a partner&apos;s
        API can allow.
      </p>
      <p>
        <strong>It costs</strong> about 33 USD a month for the NAT gateway plus 0.045 USD per GB through it, and 0.005 USD an
        hour for the address.
      </p>
      <p>
        The next deploy of each service applies it (the first one makes the gateway); the address shows here then.
        {ips && <> <span className="mono">{ips}</span> is still held: turned on again, {env.name} keeps it.</>}
      </p>
      <ErrorNote error={save.error} />
    </ConfirmDialog>
  );
}
