import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { Service } from "../api/models";
import { keys } from "../api/queries";
import { ErrorNote } from "./Empty";
import { ConfirmDialog } from "./GitBits";
import { useLiveReleaseAgain } from "./RestartDialog";
import { sleepingServiceWords } from "./SleepScheduleForm";

/** Suspend (POST …/suspend): a worker stops what the service runs, nothing is deleted. Asked first. */
export function SuspendDialog({ org, service, onClose }: { org: string; service: Service; onClose: () => void }) {
  const qc = useQueryClient();
  const suspend = useMutation({
    mutationFn: () => unwrap<Service>(api.POST("/v1/orgs/{org}/services/{svc}/suspend", {
      params: { path: { org, svc: service.id } }, headers: { "Idempotency-Key": crypto.randomUUID() },
    })),
    onSuccess: (s) => {
      qc.setQueryData(keys.service(org, service.id), s);   // `suspending`: polled until it settles
      void qc.invalidateQueries({ queryKey: keys.service(org, service.id) });
      onClose();
    },
  });
  return (
    <ConfirmDialog title={`Suspend ${service.name}?`} confirm={suspend.isPending ? "Suspending…" : "Suspend"} danger
      onConfirm={() => suspend.mutate()} onClose={onClose} pending={suspend.isPending}>
      {service.kind === "cron"
        ? <p>Its schedule stops firing, and it cannot be run by hand, until you resume it.</p>
        : <p>Every task stops and autoscaling is held at 0 until you resume it: it costs no compute meanwhile.</p>}
      {service.kind === "web" && <p>Its address answers <span className="mono">503 service suspended</span>.</p>}
      <p className="muted">Nothing is deleted. Deploys wait for the resume, which brings back the live release with its own settings.</p>
      <ErrorNote error={suspend.error} />
    </ConfirmDialog>
  );
}

/** Resume (POST …/resume): a deployment of the live release, followed on its deployment page. */
export function ResumeDialog({ org, service, onClose }: { org: string; service: Service; onClose: () => void }) {
  const resume = useLiveReleaseAgain(org, service, "resume");
  const asleep = sleepingServiceWords(service);   // put to sleep by its environment's sleep schedule
  return (
    <ConfirmDialog title={`Resume ${service.name}?`} confirm={resume.isPending ? "Starting…" : "Resume now"}
      onConfirm={() => resume.mutate()} onClose={onClose} pending={resume.isPending}>
      <p>
        The live release runs again as it was: its task count, autoscaling and schedule come back from its settings,
        and new tasks take traffic once they pass the health check.
      </p>
      {asleep && <p>{asleep} Resuming wakes it now; it stays up until the schedule next puts it to sleep.</p>}
      {service.needs_deploy && <p className="muted">Changes that are not live yet stay out: deploy once it runs again.</p>}
      <ErrorNote error={resume.error} />
    </ConfirmDialog>
  );
}
