import { useState } from "react";
import { useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { Service, ServicePatch } from "../../api/models";
import { keys, useCan, useEnvironment } from "../../api/queries";
import { useLinks } from "../../api/resources";
import { envGroupKeys, useEnvGroups } from "../../api/envGroups";
import { DeleteByName } from "../../components/DeleteByName";
import { spotPatch } from "../../lib/compute";
import { initialState, ServiceForm, toBody, type FormState } from "../../components/ServiceForm";
import { DeployHookSection } from "./DeployHook";
import { EnvEditor } from "./EnvEditor";

/** Edit every setting (PATCH sends the fields that changed); `only="env"` edits the variables alone. */
export function Settings({ org, service, only }: { org: string; service: Service; only?: "env" }) {
  const qc = useQueryClient();
  const [saved, setSaved] = useState(false);
  const readOnly = !useCan(org, service.project_id)("service.write");
  // its environment (read by the service page too): the client addresses it inherits without a list of its own
  const environment = useEnvironment(org, service.project_id, service.environment_id ?? service.environment ?? "");
  // the queues it links: a web or worker service may scale on one's backlog
  const links = useLinks(org, service.id, service.kind !== "cron" && only !== "env");
  const queues = links.data?.items.filter((l) => l.kind === "queue" && l.resource).map((l) => l.resource!);
  // the organization's environment groups: the ones it may link
  const groups = useEnvGroups(org, only !== "env");
  const patch = useMutation({
    mutationFn: (body: ServicePatch) =>
      unwrap<Service>(api.PATCH("/v1/orgs/{org}/services/{svc}", { params: { path: { org, svc: service.id } }, body })),
    onSuccess: (s, body) => {
      qc.setQueryData(keys.service(org, service.id), s);
      void qc.invalidateQueries({ queryKey: ["services", org, s.project_id] });
      if ("env_groups" in body) void qc.invalidateQueries({ queryKey: envGroupKeys.list(org) });   // the services linking each
      setSaved(true);
    },
  });
  if (only === "env") return <EnvEditor service={service} mutation={patch} saved={saved} readOnly={readOnly} />;
  const submit = (f: FormState) => {
    setSaved(false);
    const before = toBody(initialState(service));
    const after = toBody(f);
    const body: Record<string, unknown> = {};
    for (const k of Object.keys({ ...before, ...after }) as (keyof typeof after)[]) {
      if (k === "name" || k === "kind" || k === "environment") continue;
      // a setting the form no longer gives is removed: null, or [] for the addresses (everyone)
      if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) body[k] = after[k] ?? (k === "allowed_ips" ? [] : null);
    }
    // a PATCH changes the autoscaling fields it names: a schedule emptied is sent as [] and a queue
    // no longer scaled on as null (left out, either would stay)
    const scaling = body.autoscaling as { schedule?: unknown[]; queue?: unknown } | null | undefined;
    if (scaling && !scaling.schedule && before.autoscaling?.schedule?.length) body.autoscaling = { ...scaling, schedule: [] };
    if (scaling && !scaling.queue && before.autoscaling?.queue) body.autoscaling = { ...(body.autoscaling as object), queue: null };
    // Spot: a PATCH merges its fields, so only those that changed go (null turns it off)
    if ("spot" in body) {
      const spot = spotPatch(before.spot, after.spot);
      if (spot === undefined) delete body.spot;
      else body.spot = spot;
    }
    patch.mutate(body as ServicePatch);
  };
  return (
    <div className="narrow">
      <ServiceForm key={service.updated} initial={initialState(service)} editing readOnly={readOnly}
        environments={environment.data ? [environment.data] : undefined} queues={queues}
        envGroups={groups.data?.items.map((g) => g.name)} pending={patch.isPending} error={patch.error} submitLabel="Save changes" onSubmit={submit} />
      {saved && <p className="notice" role="status">Saved. Runtime settings take effect with the next deploy.</p>}
      <DeployHookSection org={org} service={service} />
      {!readOnly && service.status !== "deleting" && <DeleteService org={org} service={service} />}
    </div>
  );
}

/** Delete the service (a worker then removes what it runs in AWS); the project's list then shows
 * it deleting until it is gone. */
function DeleteService({ org, service }: { org: string; service: Service }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  return (
    <DeleteByName what="service" name={service.name}
      remove={() => unwrap<Service>(api.DELETE("/v1/orgs/{org}/services/{svc}", { params: { path: { org, svc: service.id } } }))}
      // not setQueryData: a changed service here reads its cost again, a 404 once the teardown is quick
      onDeleted={() => {
        void navigate(`/orgs/${org}/projects/${service.project_id}`);
        void qc.invalidateQueries({ queryKey: ["services", org, service.project_id] });
      }}>
      It stops, and what it runs in AWS goes (its ECS service or schedule, load balancer rule, secrets). Databases, caches and buckets it links stay.
    </DeleteByName>
  );
}
