import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { Service } from "../api/models";
import { useEnvironments, useProject } from "../api/queries";
import { useEnvGroups } from "../api/envGroups";
import { initialState, ServiceForm, toBody, type FormState } from "../components/ServiceForm";

export default function NewService() {
  const { org = "", project = "" } = useParams();
  const [params] = useSearchParams();
  const proj = useProject(org, project);
  const envs = useEnvironments(org, project);
  const groups = useEnvGroups(org);
  // offered only when the organization has some
  const groupNames = groups.data?.items.length ? groups.data.items.map((g) => g.name) : undefined;
  const navigate = useNavigate();
  const qc = useQueryClient();
  const create = useMutation({
    mutationFn: (f: FormState) =>
      unwrap<Service>(api.POST("/v1/orgs/{org}/projects/{project}/services", { params: { path: { org, project } }, body: toBody(f) })),
    onSuccess: (s) => {
      void qc.invalidateQueries({ queryKey: ["services", org, project] });
      navigate(`/orgs/${org}/services/${s.id}`);
    },
  });
  return (
    <section className="narrow">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={`/orgs/${org}`}>Projects</Link> / <Link to={`/orgs/${org}/projects/${project}`}>{proj.data?.name ?? "…"}</Link> / <span>New service</span>
      </nav>
      <h1>New service</h1>
      <ServiceForm
        initial={initialState(undefined, params.get("env") ?? "")}
        environments={envs.data?.items}
        envGroups={groupNames}
        pending={create.isPending}
        error={create.error}
        submitLabel="Create service"
        onSubmit={(f) => create.mutate(f)}
      />
    </section>
  );
}
