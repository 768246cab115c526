import { useState, type FormEvent } from "react";
import { Link, Navigate, useLocation, useNavigate, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { Project } from "../api/models";
import { keys, useCan, useMe, useProjects } from "../api/queries";
import { Empty, ErrorNote, Loading, PageError } from "../components/Empty";
import { Field } from "../components/Field";
import { NewOrgForm } from "../components/NewOrg";
import { ago } from "../lib/format";

/** "/": the first organization's projects. */
export function Home() {
  const me = useMe();
  const { state } = useLocation();   // (a log-in's notice, passed on to the organization's page)
  if (me.isPending) return <Loading what="your organizations" />;
  // (not "you belong to no organization" when the API could not be asked)
  if (!me.data) return <PageError title="Cannot show your organizations" error={me.error} retry={() => void me.refetch()} />;
  const first = me.data.organizations[0];
  if (!first) {
    return (
      <section>
        <h1>Welcome to Launchbay</h1>
        <Empty title="You belong to no organization yet">Ask an owner to invite you, or create one: you become its owner.</Empty>
        <NewOrgForm />
      </section>
    );
  }
  return <Navigate to={`/orgs/${first.id}`} replace state={state} />;
}

export function Projects() {
  const { org = "" } = useParams();
  const projects = useProjects(org);
  const me = useMe();
  const orgName = me.data?.organizations.find((o) => o.id === org)?.name;
  const write = useCan(org)("project.write");
  return (
    <section>
      <h1>{orgName ?? "Projects"}</h1>
      {write && <NewProject org={org} />}
      {projects.isPending && <Loading what="projects" />}
      <ErrorNote error={projects.error} retry={() => void projects.refetch()} />
      {projects.data && projects.data.items.length === 0 && (
        <Empty title="No projects yet">
          A project groups the services of one product. {write ? "Create one above to add your first service." : "An admin or owner creates them."}
        </Empty>
      )}
      <ul className="cards">
        {projects.data?.items.map((p) => (
          <li key={p.id} className="card">
            <Link to={`/orgs/${org}/projects/${p.id}`}><strong>{p.name}</strong></Link>
            {p.description && <p>{p.description}</p>}
            <small className="muted">created {ago(p.created)}</small>
          </li>
        ))}
      </ul>
    </section>
  );
}

function NewProject({ org }: { org: string }) {
  const [name, setName] = useState("");
  const qc = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: () => unwrap<Project>(api.POST("/v1/orgs/{org}/projects", { params: { path: { org } }, body: { name } })),
    onSuccess: (p) => {
      void qc.invalidateQueries({ queryKey: keys.projects(org) });
      navigate(`/orgs/${org}/projects/${p.id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const err = create.error instanceof ApiError ? create.error.forField("name") ?? create.error.message : undefined;
  return (
    <form className="inline-form" onSubmit={submit}>
      <Field label="New project" error={err}>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="shop" />
      </Field>
      <button className="primary" disabled={create.isPending || !name.trim()}>Create project</button>
    </form>
  );
}
