import { useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { Deployment, Service } from "../api/models";
import { keys } from "../api/queries";
import { ErrorNote } from "./Empty";
import { ConfirmDialog } from "./GitBits";

/** Restart: every task of the live release replaced by a fresh one (POST …/restart), then the
 * deployment page follows it as it follows a deploy. Asked first: it is a rollout. */
export function RestartDialog({ org, service, onClose }: { org: string; service: Service; onClose: () => void }) {
  const restart = useLiveReleaseAgain(org, service, "restart");
  return (
    <ConfirmDialog title={`Restart ${service.name}?`} confirm={restart.isPending ? "Starting…" : "Restart now"}
      onConfirm={() => restart.mutate()} onClose={onClose} pending={restart.isPending}>
      <p>
        Every task is replaced by a new one running the live release as it is: the same image, settings and secret
        versions. New tasks take traffic once they pass the health check, then the old ones stop.
      </p>
      {service.needs_deploy && (
        <p className="muted">The service has changes that are not live yet: a restart leaves them out. Deploy to apply them.</p>
      )}
      <ErrorNote error={restart.error} />
    </ConfirmDialog>
  );
}

/** POST …/restart or …/resume: a deployment of the live release; its page then follows it. */
export function useLiveReleaseAgain(org: string, service: Service, action: "restart" | "resume") {
  const qc = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () => {
      const init = { params: { path: { org, svc: service.id } }, headers: { "Idempotency-Key": crypto.randomUUID() } };
      return unwrap<Deployment>(action === "restart" ? api.POST("/v1/orgs/{org}/services/{svc}/restart", init)
        : api.POST("/v1/orgs/{org}/services/{svc}/resume", init));
    },
    onSuccess: (dep) => {
      void qc.invalidateQueries({ queryKey: keys.deployments(org, service.id) });
      void qc.invalidateQueries({ queryKey: keys.service(org, service.id) });
      navigate(`/orgs/${org}/deployments/${dep.id}`);
    },
  });
}
