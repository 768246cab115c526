// Who reaches an environment's web services (chalicelib/catalog/environments.py allowed_ips): up to
// 4 addresses or CIDR blocks, for its web services that set no list of their own (a service's own
// list wins); the others get the load balancer's 404. Owners and admins change it (PATCH
// …/environments/{env} {allowed_ips}); it applies with each service's next deploy.
import { useId, useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { Environment } from "../api/models";
import { ADDRESSES_HINT, addressCountError, addressesApiError, addressList, addressWords } from "../lib/addresses";
import { Field, FormError, useFocusFirstError } from "./Field";
import { Modal } from "./Modal";

/** An environment's addresses in the row's words: "reachable from 203.0.113.0/24, 192.0.2.1/32"; null: everyone. */
export function envAddressWords(env: Pick<Environment, "allowed_ips">): string | null {
  const words = addressWords(env.allowed_ips);
  return words && `reachable from ${words}`;
}

/** The environment's addresses in a dialog: "Only these addresses" and the Addresses (one per line
 * or comma-separated). Save sends the list, unticked []; ticked with none or more than 4 is refused
 * at the field before sending, and the API's refusal of an address shows there too. */
export function AllowedIpsForm({ org, project, env, onDone, onCancel }: {
  org: string; project: string; env: Environment; onDone: () => void; onCancel: () => void;
}) {
  const [restrict, setRestrict] = useState(!!env.allowed_ips?.length);
  const [text, setText] = useState((env.allowed_ips ?? []).join("\n"));
  const [local, setLocal] = useState<string | null>(null);
  const hintId = useId();
  const save = useMutation({
    mutationFn: (ips: string[]) => unwrap<Environment>(api.PATCH("/v1/orgs/{org}/projects/{project}/environments/{env}", {
      params: { path: { org, project, env: env.name } }, body: { allowed_ips: ips },
    })),
    onSuccess: onDone,
  });
  const err = save.error instanceof ApiError ? save.error : null;
  const apiAtField = restrict ? addressesApiError(err) : undefined;
  const fieldError = local ?? apiAtField;
  const ref = useFocusFirstError<HTMLFormElement>(save.error, local);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const ips = restrict ? addressList(text) : [];
    const refused = restrict ? addressCountError(ips.length) : null;
    setLocal(refused);
    if (!refused) save.mutate(ips);
  };
  const title = `Who can reach ${env.name}`;
  return (
    <Modal title={title} onClose={onCancel} focus="input">
      <form ref={ref} onSubmit={submit} noValidate aria-label={title}>
        <label className="check">
          <input type="checkbox" checked={restrict} aria-describedby={hintId}
            onChange={(e) => { setRestrict(e.target.checked); setLocal(null); }} /> Only these addresses
        </label>
        <p id={hintId} className="muted small">
          Its web services without a list of their own answer only these clients; others get a 404 from the load balancer.
          Applies with each service's next deploy.
        </p>
        {restrict && (
          <Field label="Addresses" hint={ADDRESSES_HINT} error={fieldError}>
            <textarea value={text} onChange={(e) => setText(e.target.value)} rows={4} className="mono" spellCheck={false} autoComplete="off" />
          </Field>
        )}
        {!restrict && !!env.allowed_ips?.length && (
          <p className="small">Saving lets everyone in (its services with a list of their own keep theirs).</p>
        )}
        <FormError error={save.error && !apiAtField ? save.error : null} />
        <div className="actions">
          <button className="primary" disabled={save.isPending}>Save</button>
          <button type="button" className="link" onClick={onCancel}>Cancel</button>
        </div>
      </form>
    </Modal>
  );
}
