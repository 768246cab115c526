// A log drain's fields, its change and delete dialogs and its test line (chalicelib/resources/drains.py),
// shared by the Resources page and the resource's own page.
import { useId, useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import { useServices } from "../api/queries";
import { resourceKeys } from "../api/resources";
import { Field, FormError, useFocusFirstError } from "./Field";
import { ConfirmDialog } from "./GitBits";
import { Modal } from "./Modal";
import {
  DESTINATION_NAMES, DESTINATIONS, drainForm, drainPatchBody, drainProblems, intakeChoices, servicesText, withDestination,
  type DrainDestination, type DrainFields, type Resource,
} from "../lib/resources";

type Form = DrainFields & { destination: DrainDestination };

/** The names of the environment's services (for the services to tick), with those already named
 * that are not deployed (any more) kept, so that a change does not drop them silently. */
function useServiceNames(org: string, project: string, environment: string, named: string[]): string[] {
  const services = useServices(org, project, environment);
  const names = new Set((services.data?.items ?? []).filter((s) => s.status !== "deleting").map((s) => s.name));
  for (const n of named) names.add(n);
  return [...names].sort();
}

/** Every service of the environment (those deployed later too), or the ones ticked; the error
 * (checked here, or the API's 409 when a service would have a third drain) under it. */
export function DrainServices({ form, set, names, error }: {
  form: DrainFields; set: (p: Partial<DrainFields>) => void; names: string[]; error: string | undefined;
}) {
  const id = useId();
  const tick = (name: string, on: boolean) =>
    set({ services: on ? [...form.services.filter((n) => n !== name), name] : form.services.filter((n) => n !== name) });
  const invalid = error ? true : undefined;
  return (
    <fieldset className={"field drain-services" + (error ? " field-error" : "")} aria-describedby={error ? `${id}-err` : `${id}-hint`}>
      <legend>Services whose logs it takes</legend>
      <label className="check">
        <input type="radio" name={`${id}-which`} checked={form.allServices} onChange={() => set({ allServices: true })} />
        Every service of the environment (those deployed later too)
      </label>
      <label className="check">
        <input type="radio" name={`${id}-which`} checked={!form.allServices} onChange={() => set({ allServices: false })}
          aria-invalid={invalid} />
        Only the services ticked below
      </label>
      {!form.allServices && (
        names.length ? (
          <div className="drain-service-list">
            {names.map((n) => (
              <label key={n} className="check">
                <input type="checkbox" checked={form.services.includes(n)} onChange={(e) => tick(n, e.target.checked)} /> {n}
              </label>
            ))}
          </div>
        ) : <p className="muted small">No service in this environment yet: choose every service, and each one deployed is taken.</p>
      )}
      <small id={`${id}-hint`} className="hint">CloudWatch Logs lets at most 2 drains take one service's logs.</small>
      {error && <small id={`${id}-err`} className="error" role="alert">{error}</small>}
    </fieldset>
  );
}

/** The URL (a vendor's intake by site, or an https URL for an endpoint) and the key (a password
 * input: never shown back; on a change, empty keeps the key set). */
export function DrainTarget({ form, set, error, current, keySet }: {
  form: Form; set: (p: Partial<Form>) => void; error: (field: string) => string | undefined;
  /** a change: the drain's URL now (offered even when none of the vendor's) and whether a key is set */
  current?: string | null; keySet?: boolean;
}) {
  const d = DESTINATIONS[form.destination];
  const changing = keySet !== undefined;
  const keyHint = changing
    ? `${keySet ? "A key is set (never shown): leave this empty to keep it, or type a new one to replace it." : "No key is set."} ${d.keyHint}`
    : d.keyHint;
  return (
    <div className="row">
      {d.intakes.length ? (
        <Field label={`${d.title} site`} hint="The intake Firehose delivers to: your account's site." error={error("url")}>
          <select value={form.url} onChange={(e) => set({ url: e.target.value })}>
            {intakeChoices(form.destination, current).map(([u, site]) => <option key={u} value={u}>{site}</option>)}
          </select>
        </Field>
      ) : (
        <Field label="Receiver URL" hint="Where Firehose posts the batches of log lines: an https:// URL." error={error("url")}>
          <input type="url" value={form.url} onChange={(e) => set({ url: e.target.value })} placeholder="https://logs.example.com/firehose"
            className="mono" autoComplete="off" />
        </Field>
      )}
      <Field label={changing ? (d.keyRequired ? `New ${d.keyLabel} (optional)` : "New access key (optional)") : d.keyLabel} hint={keyHint}
        error={error("access_key")}>
        <input type="password" value={form.key} onChange={(e) => set({ key: e.target.value })} autoComplete="new-password" spellCheck={false} />
      </Field>
    </div>
  );
}

/** Which lines go: a CloudWatch Logs filter pattern, or every line (empty). */
export function DrainFilter({ form, set, error }: {
  form: DrainFields; set: (p: Partial<DrainFields>) => void; error: string | undefined;
}) {
  return (
    <Field label="Only lines matching (optional)" error={error}
      hint={'A CloudWatch Logs filter pattern, e.g. ?ERROR ?WARN (either word), or { $.level = "error" } for JSON lines. Empty: every line.'}>
      <input value={form.filter} onChange={(e) => set({ filter: e.target.value })} spellCheck={false} className="mono" placeholder="every line" />
    </Field>
  );
}

/** The add form's part for a drain: its destination, URL, key, services and filter. */
export function DrainAddFields({ org, project, form, set, error }: {
  org: string; project: string; form: Form & { environment: string }; set: (p: Partial<Form>) => void; error: (field: string) => string | undefined;
}) {
  const names = useServiceNames(org, project, form.environment, []);
  return (
    <>
      <div className="row">
        <Field label="Destination" error={error("destination")}>
          <select value={form.destination} onChange={(e) => set(withDestination(form, e.target.value as DrainDestination))}>
            {DESTINATION_NAMES.map((n) => <option key={n} value={n}>{DESTINATIONS[n].title}</option>)}
          </select>
        </Field>
      </div>
      <DrainTarget form={form} set={set} error={error} />
      <DrainServices form={form} set={set} names={names} error={error("services")} />
      <DrainFilter form={form} set={set} error={error("filter_pattern")} />
    </>
  );
}

const DRAIN_FIELDS = ["url", "access_key", "services", "filter_pattern"];

function useInvalidate(org: string, project: string) {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: resourceKeys.all(org, project) });
}

/** Change a drain (PATCH): its URL, a new key (sent only when typed), its services; checked first. */
export function DrainDialog({ org, project, r, onClose }: { org: string; project: string; r: Resource; onClose: () => void }) {
  const [form, setForm] = useState<Form>(() => drainForm(r));
  const [local, setLocal] = useState<Record<string, string>>({});
  const names = useServiceNames(org, project, r.environment_id, r.services ?? []);
  const invalidate = useInvalidate(org, project);
  const body = drainPatchBody(r, form);
  const patch = useMutation({
    mutationFn: () => unwrap<Resource>(api.PATCH("/v1/orgs/{org}/resources/{res}", { params: { path: { org, res: r.id } }, body })),
    onSuccess: () => { invalidate(); onClose(); },
  });
  const err = patch.error instanceof ApiError ? patch.error : null;
  const set = (p: Partial<Form>) => setForm((f) => ({ ...f, ...p }));
  const error = (f: string) => local[f] ?? err?.forField(f);
  const ref = useFocusFirstError<HTMLFormElement>(patch.error, Object.keys(local).length ? local : null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = drainProblems(form, false);
    setLocal(found);
    if (!Object.keys(found).length) patch.mutate();
  };
  return (
    <Modal title={`Change ${r.name}`} onClose={onClose}>
      <form ref={ref} onSubmit={submit} noValidate>
        <p className="muted">It sends to {DESTINATIONS[form.destination].title} (fixed once made). Firehose takes a new URL or key at once; new services are subscribed within a minute.</p>
        <DrainTarget form={form} set={set} error={error} current={r.url} keySet={!!r.access_key_set} />
        <DrainServices form={form} set={set} names={names} error={error("services")} />
        <DrainFilter form={form} set={set} error={error("filter_pattern")} />
        {err && !DRAIN_FIELDS.some((f) => err.forField(f)) && <FormError error={err} />}
        <div className="actions">
          <button className="primary" disabled={patch.isPending || Object.keys(body).length === 0}>Save changes</button>
          <button type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Modal>
  );
}

/** Delete a drain: asked once (it holds no data, the API needs no typed name). */
export function DrainDeleteDialog({ org, project, r, onClose, onDeleted }: {
  org: string; project: string; r: Resource; onClose: () => void; onDeleted?: () => void;
}) {
  const invalidate = useInvalidate(org, project);
  const remove = useMutation({
    mutationFn: () => unwrap<Resource>(api.DELETE("/v1/orgs/{org}/resources/{res}", { params: { path: { org, res: r.id }, query: {} } })),
    onSuccess: () => { invalidate(); (onDeleted ?? onClose)(); },
  });
  return (
    <ConfirmDialog title={`Delete ${r.name}?`} confirm={remove.isPending ? "Deleting…" : `Delete ${r.name}`} danger
      onConfirm={() => remove.mutate()} onClose={onClose} pending={remove.isPending}>
      <ul className="delete-notes">
        <li>{servicesText(r.services) === "every service" ? "The services" : servicesText(r.services)} stop sending their logs to {DESTINATIONS[r.destination ?? "http"].title}; what was delivered stays there.</li>
        <li>Its stream goes, with its bucket of failed deliveries.</li>
      </ul>
      {r.deletion_protection && <p className="notice">{r.name} has deletion protection on: turn it off first.</p>}
      {remove.error && <FormError error={remove.error} />}
    </ConfirmDialog>
  );
}

/** POST …/test-line: the answer (the line, where it went, when to look). */
interface TestLine { sent: string; destination: string; note: string }

/** Send one test line through the drain's stream (owners and admins), and say what went where. */
export function DrainTest({ org, r, canTest }: { org: string; r: Resource; canTest: boolean }) {
  const send = useMutation({
    mutationFn: () => unwrap<TestLine>(api.POST("/v1/orgs/{org}/resources/{res}/test-line", { params: { path: { org, res: r.id } } })),
  });
  const live = r.status === "available" || r.status === "modifying";
  return (
    <section aria-labelledby="drain-test-h" className="drain-test">
      <h2 id="drain-test-h">Test</h2>
      <p className="muted">A test line goes through its stream as its services' lines do, to check that {r.destination === "http" || !r.destination ? "your endpoint" : DESTINATIONS[r.destination].title} takes them.</p>
      {canTest ? (
        <p>
          <button type="button" onClick={() => send.mutate()} disabled={!live || send.isPending}
            title={live ? undefined : "Once the drain is available"}>
            {send.isPending ? "Sending…" : "Send a test line"}
          </button>
        </p>
      ) : <p className="muted small">Owners and admins can send a test line.</p>}
      <div role="status" data-testid="test-line">
        {send.data && (
          <>
            <p>Sent to <span className="mono break">{send.data.destination}</span>: {send.data.note}.</p>
            <pre className="mono test-line">{send.data.sent}</pre>
          </>
        )}
      </div>
      {send.error && <FormError error={send.error} />}
    </section>
  );
}
