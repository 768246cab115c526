import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useLocation, useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { Me, Org } from "../api/models";
import { dropOrg, putOrg, type OrgDeleted, type OrgDeletedState } from "../api/orgs";
import { keys } from "../api/queries";
import { allows } from "../lib/roles";
import { DeleteByName } from "./DeleteByName";
import { Field, FormError, useFocusFirstError } from "./Field";

/** An organization's settings, for its owners and admins (the Members page, at #settings): its name
 * (PATCH /v1/orgs/{org}); for owners, deleting it with its name typed again. */
export function OrgSettings({ org, children }: { org: Org; children?: ReactNode }) {
  const here = useRef<HTMLElement>(null);
  const { hash } = useLocation();
  useEffect(() => { if (hash === "#settings") here.current?.scrollIntoView?.(); }, [hash]);
  return (
    <section id="settings" ref={here} className="org-settings" aria-labelledby="org-settings-h">
      <h2 id="org-settings-h">Organization settings</h2>
      <Rename org={org} />
      {children}
      {allows(org.role, "org.delete") && <DeleteOrg org={org} />}
    </section>
  );
}

function Rename({ org }: { org: Org }) {
  const qc = useQueryClient();
  const [name, setName] = useState(org.name);
  useEffect(() => setName(org.name), [org.id, org.name]);
  const rename = useMutation({
    mutationFn: () => unwrap<Org>(api.PATCH("/v1/orgs/{org}", { params: { path: { org: org.id } }, body: { name: name.trim() } })),
    onSuccess: (answer) => putOrg(qc, { ...org, ...answer }),
  });
  const err = rename.error instanceof ApiError ? rename.error : null;
  const form = useFocusFirstError<HTMLFormElement>(rename.error);
  const submit = (e: FormEvent) => { e.preventDefault(); rename.mutate(); };
  const unchanged = name.trim() === org.name;
  return (
    <form ref={form} className="inline-form" onSubmit={submit} noValidate aria-label="Rename the organization">
      <Field label="Organization name" error={err?.forField("name")}>
        <input value={name} maxLength={100} autoComplete="off" onChange={(e) => { setName(e.target.value); rename.reset(); }} />
      </Field>
      <button className="primary" disabled={rename.isPending || !name.trim() || unchanged}>{rename.isPending ? "Saving…" : "Rename"}</button>
      <FormError error={err?.forField("name") ? null : rename.error} />
      {rename.isSuccess && unchanged && <p role="status" className="muted">Renamed to {org.name}.</p>}
    </form>
  );
}

/** DELETE /v1/orgs/{org}?confirm=NAME (owners, from a log-in session). Refused (409) while it has projects:
 * the API's message names them. Once deleted it leaves the switcher, and the next organization (or the
 * page offering to create one) says so. */
function DeleteOrg({ org }: { org: Org }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const done = useRef<OrgDeleted | null>(null);
  const remove = async () => {
    done.current = await unwrap<OrgDeleted>(api.DELETE("/v1/orgs/{org}", { params: { path: { org: org.id }, query: { confirm: org.name } } }));
  };
  const onDeleted = () => {
    const answer = done.current;
    const next = qc.getQueryData<Me>(keys.me)?.organizations.find((o) => o.id !== org.id);
    dropOrg(qc, org.id);
    // (members_removed counts the caller's own membership too)
  const state: OrgDeletedState = { orgDeleted: { name: answer?.name ?? org.name, others_removed: Math.max(0, (answer?.members_removed ?? 1) - 1) } };
    navigate(next ? `/orgs/${next.id}` : "/", { replace: true, state });
    void qc.invalidateQueries({ queryKey: keys.me });
  };
  return (
    <DeleteByName what="organization" name={org.name} remove={remove} onDeleted={onDeleted}>
      Danger zone: everyone loses access at once and its members are told by e-mail; its API tokens are revoked,
      and its AWS connections, registries and audit log are removed. Delete its projects first.
    </DeleteByName>
  );
}
