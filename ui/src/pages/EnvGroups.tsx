import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/client";
import { useCan } from "../api/queries";
import { createEnvGroup, envGroupKeys, useEnvGroups, type EnvGroup } from "../api/envGroups";
import { Empty, ErrorNote, Loading } from "../components/Empty";
import { Field, FormError, useFocusFirstError } from "../components/Field";
import { groupNameProblem } from "../lib/envGroups";

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** The organization's environment groups: named sets of variables and secrets that its services
 * link by name (Settings of each service). Every member sees them; owners and admins create them. */
export default function EnvGroupsPage() {
  const { org = "" } = useParams();
  const groups = useEnvGroups(org);
  const manage = useCan(org)("env_group.write");
  const items = groups.data?.items;
  return (
    <section>
      <div className="heading">
        <h1>Environment groups</h1>
        {!manage && <p className="muted small">Owners and admins create and change environment groups.</p>}
      </div>
      <p className="muted">
        Variables and secrets many services share (an APM key, a payment provider&apos;s settings), kept once. A service linking
        groups gets, lowest to highest: its environment&apos;s values, each group in the order it lists them (a later one wins), its own.
        A change to a group reaches its services with their next deploy.
      </p>
      {manage && <CreateForm org={org} />}
      {groups.isPending && <Loading what="environment groups" />}
      <ErrorNote error={groups.error} retry={() => void groups.refetch()} />
      {items && items.length === 0 && (
        <Empty title="No environment groups">
          {manage ? "Create one above, then link it to services in their Settings." : "An owner or admin creates them; services then link them in their Settings."}
        </Empty>
      )}
      {items && items.length > 0 && (
        <table className="table" aria-label="Environment groups">
          <thead>
            <tr><th>Name</th><th className="hide-narrow">Description</th><th>Variables</th><th>Secrets</th><th>Linked services</th></tr>
          </thead>
          <tbody>{items.map((g) => <Row key={g.id} org={org} g={g} />)}</tbody>
        </table>
      )}
    </section>
  );
}

function Row({ org, g }: { org: string; g: EnvGroup }) {
  const vars = Object.keys(g.env).length;
  return (
    <tr data-group={g.name}>
      <td>
        <Link to={`/orgs/${org}/env-groups/${g.name}`} className="mono">{g.name}</Link>
        {g.description && <small className="narrow-only muted">{g.description}</small>}
      </td>
      <td className="hide-narrow muted">{g.description || "—"}</td>
      <td data-testid="group-variables">{vars}</td>
      <td data-testid="group-secrets">{g.secrets.length}</td>
      <td data-testid="group-services">
        {g.services.length === 0 ? <span className="muted">none</span> : (
          <>
            {plural(g.services.length, "service")}
            <small className="muted break"> ({g.services.slice(0, 3).map((s) => `${s.name} (${s.environment ?? "—"})`).join(", ")}
              {g.services.length > 3 ? ", …" : ""})</small>
          </>
        )}
      </td>
    </tr>
  );
}

function CreateForm({ org }: { org: string }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => createEnvGroup(org, { name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}) }),
    onSuccess: (g) => {
      void qc.invalidateQueries({ queryKey: envGroupKeys.list(org) });
      qc.setQueryData(envGroupKeys.one(org, g.name), g);
      void navigate(`/orgs/${org}/env-groups/${g.name}`);
    },
  });
  const err = create.error instanceof ApiError ? create.error : null;
  const ref = useFocusFirstError<HTMLFormElement>(create.error, local);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problem = groupNameProblem(name);
    setLocal(problem);
    if (!problem) create.mutate();
  };
  return (
    <form ref={ref} className="panel" onSubmit={submit} noValidate aria-label="New environment group">
      <h2>New group</h2>
      <div className="inline-form">
        <Field label="Group name" hint="Lower-case letters, digits and hyphens, e.g. datadog; it cannot be renamed." error={local ?? err?.forField("name")}>
          <input value={name} onChange={(e) => setName(e.target.value)} className="mono" autoComplete="off" spellCheck={false} autoCapitalize="none" />
        </Field>
        <Field label="Description" hint="Optional: what the values are for." error={err?.forField("description")}>
          <input value={description} onChange={(e) => setDescription(e.target.value)} autoComplete="off" />
        </Field>
      </div>
      {err && !err.forField("name") && !err.forField("description") && <FormError error={err} />}
      {create.error && !(create.error instanceof ApiError) && <FormError error={create.error} />}
      <button className="primary" disabled={create.isPending}>{create.isPending ? "Creating…" : "Create group"}</button>
      <p className="muted small">You then add its variables and secrets, and link it to services in their Settings.</p>
    </form>
  );
}
