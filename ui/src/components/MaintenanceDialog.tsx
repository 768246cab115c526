// Maintenance mode of a web service (chalicelib/deploys/maintenance.py): while on, the load balancer
// answers every host of the service (its address, custom domain and aliases) with a 503 page saying
// the team's message, at once; its tasks keep running and deploys made meanwhile roll out behind the
// page. PUT …/maintenance turns it on or changes the message, DELETE turns it off.
import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { Maintenance, Service } from "../api/models";
import { keys } from "../api/queries";
import { ErrorNote } from "./Empty";
import { Field, useFocusFirstError } from "./Field";
import { ConfirmDialog } from "./GitBits";
import { Modal } from "./Modal";

/** The page's message when none is given (chalicelib/deploys/maintenance.py DEFAULT_MESSAGE). */
export const DEFAULT_MAINTENANCE_MESSAGE = "We are working on it and will be back shortly.";
/** chalicelib/deploys/models.py MaintenanceIn.message max_length */
export const MAX_MAINTENANCE_MESSAGE = 500;

/** "In maintenance since 28/11/2026, 14:02:11 by ana@example.com: visitors get a 503 page saying “…”." */
export const maintenanceWords = (m: Maintenance) =>
  `In maintenance since ${new Date(m.since).toLocaleString()} by ${m.by}: visitors get a 503 page saying “${m.message}”.`;

/** Whether the service may be put behind its page now; else why not, in words (null: it may). The
 * API says the same with a 409; this keeps the button from offering what it would refuse. */
export function maintenanceBlocked(s: Pick<Service, "kind" | "status" | "live_deployment_id">): string | null {
  if (s.kind !== "web") return "only a web service answers requests";
  if (s.status === "suspending" || s.status === "suspended") return "it is suspended: its hosts answer no page of yours";
  if (s.status === "deleting") return "it is being deleted";
  if (!s.live_deployment_id) return "it has no live release yet";
  if (s.status === "deploying") return "a deployment is under way: switch maintenance once it has settled (it routes the hosts itself)";
  return null;
}

type Verb = "on" | "message" | "off";
const REFUSED: Record<Verb, string> = {
  on: "Maintenance was not turned on", message: "The message was not changed", off: "Maintenance was not ended",
};

/** A refusal of PUT or DELETE …/maintenance in words: what did not happen, then the API's reason
 * (a 409: a deployment under way, suspended, no live release, not a web service, changed meanwhile). */
export function maintenanceRefusal(error: unknown, verb: Verb): string | null {
  if (!error) return null;
  if (!(error instanceof ApiError) || error.status !== 409) return error instanceof Error ? error.message : String(error);
  const reason = error.message.replace(/\.$/, "");
  return `${REFUSED[verb]}: ${reason}.`;
}

/** PUT or DELETE …/maintenance; the answer is the service. A 409 reads the service again (it moved on:
 * a deployment started, it was suspended) so the page shows why. */
function useMaintenance(org: string, service: Service, onDone: () => void) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (message: string | null) => {
      const init = { params: { path: { org, svc: service.id } } };
      return unwrap<Service>(message === null
        ? api.DELETE("/v1/orgs/{org}/services/{svc}/maintenance", init)
        : api.PUT("/v1/orgs/{org}/services/{svc}/maintenance", { ...init, body: message.trim() ? { message: message.trim() } : {} }));
    },
    onSuccess: (s) => { qc.setQueryData(keys.service(org, service.id), s); onDone(); },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 409) void qc.invalidateQueries({ queryKey: keys.service(org, service.id) });
    },
  });
}

/** Turn maintenance on with a message (optional: the default is said), or change the message while on. */
export function MaintenanceDialog({ org, service, onClose }: { org: string; service: Service; onClose: () => void }) {
  const on = service.maintenance ?? null;
  const [message, setMessage] = useState(on?.message ?? "");
  const save = useMaintenance(org, service, onClose);
  const err = save.error instanceof ApiError ? save.error : null;
  const tooLong = message.trim().length > MAX_MAINTENANCE_MESSAGE
    ? `at most ${MAX_MAINTENANCE_MESSAGE} characters (now ${message.trim().length})` : undefined;
  const fieldError = tooLong ?? err?.forField("message");
  const ref = useFocusFirstError<HTMLFormElement>(fieldError);
  const verb: Verb = on ? "message" : "on";
  const submit = (e: FormEvent) => { e.preventDefault(); if (!tooLong) save.mutate(message); };
  return (
    <Modal title={on ? `Change the maintenance message of ${service.name}` : `Turn on maintenance for ${service.name}?`} onClose={onClose}
      focus="textarea">
      <form ref={ref} onSubmit={submit} noValidate>
        {on
          ? <p>Visitors see the new message at once; maintenance stays on since {new Date(on.since).toLocaleString()}.</p>
          : <>
              <p>
                At once, the load balancer answers every address of {service.name} (its custom domain and aliases too) with a{" "}
                <strong>503 page</strong> saying this message, instead of passing the requests to it.
              </p>
              <p className="muted">
                Its tasks keep running, so a migration or a fix can go on. Deploys made meanwhile roll out behind the page;
                end maintenance to let visitors in again.
              </p>
            </>}
        <Field label="Message (optional)" error={fieldError}
          hint={<>Shown as text, not HTML; at most {MAX_MAINTENANCE_MESSAGE} characters. Empty: “{DEFAULT_MAINTENANCE_MESSAGE}”</>}>
          <textarea value={message} onChange={(e) => setMessage(e.target.value)} rows={3} placeholder={DEFAULT_MAINTENANCE_MESSAGE} />
        </Field>
        {!err?.forField("message") && save.error ? <ErrorNote error={maintenanceRefusal(save.error, verb)} /> : null}
        <div className="actions">
          <button className="primary" disabled={save.isPending || (!!on && message.trim() === on.message)}>
            {save.isPending ? "Saving…" : on ? "Change the message" : "Turn on maintenance"}
          </button>
          <button type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Modal>
  );
}

/** End maintenance: asked first (visitors reach the service again at once, ready or not). */
export function EndMaintenanceDialog({ org, service, onClose }: { org: string; service: Service; onClose: () => void }) {
  const end = useMaintenance(org, service, onClose);
  return (
    <ConfirmDialog title={`End maintenance for ${service.name}?`} confirm={end.isPending ? "Ending…" : "End maintenance"}
      onConfirm={() => end.mutate(null)} onClose={onClose} pending={end.isPending}>
      <p>At once, its addresses pass the requests to its tasks again: visitors get the live release instead of the 503 page.</p>
      {service.needs_deploy && <p className="muted">Changes that are not live yet stay out until the next deploy.</p>}
      <ErrorNote error={maintenanceRefusal(end.error, "off")} />
    </ConfirmDialog>
  );
}
