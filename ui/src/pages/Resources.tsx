import { useId, useState, type FormEvent } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import { useCan, useEnvironments, useProject } from "../api/queries";
import { resourceKeys, useResources } from "../api/resources";
import { Empty, ErrorNote, Loading } from "../components/Empty";
import { Field, FormError, useFocusFirstError } from "../components/Field";
import { Modal } from "../components/Modal";
import { TypedNameDialog } from "../components/TypedNameDialog";
import { KindLabel, ResourceBadge } from "../components/ResourceBits";
import { DrainAddFields, DrainDeleteDialog, DrainDialog } from "../components/DrainBits";
import { StatusChanges } from "../components/StatusBadge";
import {
  BACKUP_DAYS, byEnvironment, createBody, drainProblems, emptyForm, endpointText, errorWords, isBusy, KIND_NAMES, KINDS,
  MAX_RECEIVES, patchBody, queueProblems, resizeForm, resizeProblem, RETENTION_DAYS, sizeChoices, sizeText, STORAGE_GB, usedText,
  servicesText, VISIBILITY_SECONDS, withEnvironment, withKind, type QueueTimings, type Resource, type ResourceForm, type ResourceKind, type ResizeForm,
} from "../lib/resources";
import { restoredFromText } from "../lib/restore";

/** A project's managed resources (databases, caches, buckets, volumes, queues, log drains) per environment: add, resize, delete. */
export default function ResourcesPage() {
  const { org = "", project = "" } = useParams();
  const manage = useCan(org, project)("project.write");
  const [params, setParams] = useSearchParams();
  const env = params.get("env") ?? undefined;
  const proj = useProject(org, project);
  const envs = useEnvironments(org, project);
  const resources = useResources(org, project, env);
  const [adding, setAdding] = useState(false);
  const [resizing, setResizing] = useState<Resource | null>(null);
  const [deleting, setDeleting] = useState<Resource | null>(null);
  const envNames = envs.data?.items.map((e) => e.name) ?? [];
  const groups = byEnvironment(resources.data?.items ?? []);

  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={`/orgs/${org}`}>Projects</Link> / <Link to={`/orgs/${org}/projects/${project}`}>{proj.data?.name ?? "…"}</Link> / <span>Resources</span>
      </nav>
      <div className="heading">
        <h1>Resources</h1>
        {manage
          ? <button className="primary" onClick={() => setAdding((a) => !a)} aria-expanded={adding}>Add a resource</button>
          : <p className="muted small">Owners and admins add, change and delete resources.</p>}
      </div>
      <p className="muted">Databases, caches, buckets, volumes and queues in your AWS account, per environment. A service gets one by linking it (on its Resources tab). A log drain needs no link: it sends the logs of its environment's services to Datadog, New Relic or your own endpoint.</p>
      {adding && (
        <AddResource org={org} project={project} environments={envNames.length ? envNames : ["production"]}
          initialEnv={env ?? envNames[0] ?? "production"} onDone={() => setAdding(false)} />
      )}
      {envNames.length > 0 && (
        <div className="tabs" role="group" aria-label="Show environment">
          <button type="button" aria-pressed={!env} onClick={() => setParams({})}>All environments</button>
          {envNames.map((name) => (
            <button key={name} type="button" aria-pressed={env === name} onClick={() => setParams({ env: name })}>{name}</button>
          ))}
        </div>
      )}
      {resources.isPending && <Loading what="resources" />}
      <ErrorNote error={resources.error} retry={() => void resources.refetch()} />
      {resources.data && groups.length === 0 && (
        <Empty title={env ? `No resources in ${env} yet` : "No resources yet"}>
          Add a PostgreSQL or MySQL database, a Redis cache, an S3 bucket, a volume (EFS) for files or a queue (SQS) for work handed to a worker; link it to a service and its next deploy receives the connection, mounts the volume or gets the queue's URL. A log drain sends the services' logs to Datadog, New Relic or an HTTPS endpoint.
        </Empty>
      )}
      <StatusChanges items={resources.data?.items} />
      {groups.map(([environment, items]) => (
        <section key={environment} aria-labelledby={`env-${environment}`}>
          <h2 id={`env-${environment}`}>{environment}</h2>
          <table className="table" aria-label={`Resources in ${environment}`}>
            <thead>
              <tr><th>Resource</th><th>Status</th><th className="hide-narrow">Size</th><th className="hide-narrow">Endpoint</th><th><span className="sr-only">Actions</span></th></tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <ResourceRow key={r.id} r={r} manage={manage} onResize={() => setResizing(r)} onDelete={() => setDeleting(r)} />
              ))}
            </tbody>
          </table>
        </section>
      ))}
      {resizing && <ChangeDialog org={org} project={project} r={resizing} onClose={() => setResizing(null)} />}
      {deleting && <RemoveDialog org={org} project={project} r={deleting} onClose={() => setDeleting(null)} />}
    </section>
  );
}

function ResourceRow({ r, manage, onResize, onDelete }: { r: Resource; manage: boolean; onResize: () => void; onDelete: () => void }) {
  const endpoint = KINDS[r.kind].drain ? r.url ?? null : endpointText(r);
  const error = errorWords(r);
  return (
    <tr data-resource={r.name}>
      <td>
        <strong><Link to={r.id}>{r.name}</Link></strong> <small className="muted"><KindLabel kind={r.kind} /></small>
        {r.deletion_protection && <small className="muted"> · protected</small>}
        <div className="muted small"><GivesWords r={r} /></div>
        {r.restored_from && <div className="muted small restored-from">{restoredFromText(r.restored_from)}</div>}
        {error && <p className="reason">{error}</p>}
      </td>
      <td>
        <ResourceBadge status={r.status} />
        {isBusy(r.status) && r.reason && <div className="muted small">{r.reason}</div>}
      </td>
      <td className="hide-narrow">{sizeText(r) || "—"}</td>
      <td className="hide-narrow mono break">{endpoint ?? (r.status === "available" ? "—" : "once available")}</td>
      <td className="row-actions">
        {manage && <>
        <button className="link" onClick={onResize} disabled={r.status !== "available"} aria-label={`Change ${r.name}`}>Change</button>
        <button className="link danger" onClick={onDelete} disabled={r.status === "deleting"} aria-label={`Delete ${r.name}`}>Delete</button>
        </>}
      </td>
    </tr>
  );
}

/** What a linked service gets from the resource, in a line. */
export function GivesWords({ r }: { r: Pick<Resource, "kind" | "variable" | "services"> }) {
  // what it is set to take (`taking`, on its own page, says which deployed services it takes now)
  if (KINDS[r.kind].drain) return <>takes the logs of {r.services == null ? "every service, those deployed later too" : servicesText(r.services)}</>;
  const variable = <span className="mono">{r.variable}</span>;
  if (KINDS[r.kind].mounted) return <>mounted by the services that link it, at the path each gives; {variable} holds that path</>;
  if (KINDS[r.kind].queue) return <>gives {variable} (its URL) to the services that link it, to send or work on its messages</>;
  return <>gives {variable} to the services that link it</>;
}

function useInvalidate(org: string, project: string) {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: resourceKeys.all(org, project) });
}

/** The add form: the fields of the chosen kind, with the values it offers; API errors next to their field. */
export function AddResource({ org, project, environments, initialEnv, onDone }: {
  org: string; project: string; environments: string[]; initialEnv: string; onDone: () => void;
}) {
  const [form, setForm] = useState<ResourceForm>(() => emptyForm(initialEnv));
  const invalidate = useInvalidate(org, project);
  const create = useMutation({
    mutationFn: () =>
      unwrap<Resource>(api.POST("/v1/orgs/{org}/projects/{project}/resources", { params: { path: { org, project } }, body: createBody(form) })),
    onSuccess: () => { invalidate(); onDone(); },
  });
  const err = create.error instanceof ApiError ? create.error : null;
  const k = KINDS[form.kind];
  const set = (patch: Partial<ResourceForm>) => setForm((f) => ({ ...f, ...patch }));
  const onField = ["name", "kind", "environment", "size", "version", "storage_gb", "backup_retention_days", "deletion_protection",
    ...(k.queue ? QUEUE_FIELDS : []), ...(k.drain ? ["destination", "url", "access_key", "services"] : [])];
  // a queue's timings are checked before sending (whole numbers in AWS's limits), at their fields
  const [local, setLocal] = useState<Record<string, string>>({});
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = k.queue ? queueProblems(form) : k.drain ? drainProblems(form, true) : {};
    setLocal(found);
    if (!Object.keys(found).length) create.mutate();
  };
  const fieldError = (f: string) => local[f] ?? err?.forField(f);
  const ref = useFocusFirstError<HTMLFormElement>(create.error, Object.keys(local).length ? local : null);
  return (
    <form ref={ref} onSubmit={submit} className="card resource-form" aria-label="Add a resource" noValidate>
      <div className="row">
        <Field label="Kind" error={err?.forField("kind")}>
          <select value={form.kind} onChange={(e) => setForm((f) => withKind(f, e.target.value as ResourceKind))}>
            {KIND_NAMES.map((n) => <option key={n} value={n}>{KINDS[n].label}</option>)}
          </select>
        </Field>
        <Field label="Name" hint="Lower-case letters, digits and hyphens, e.g. main-db." error={err?.forField("name")}>
          <input value={form.name} onChange={(e) => set({ name: e.target.value })} autoComplete="off" />
        </Field>
        <Field label="Environment" error={err?.forField("environment")}>
          <select value={form.environment} onChange={(e) => setForm((f) => withEnvironment(f, e.target.value))}>
            {environments.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </Field>
      </div>
      {k.sizes.length > 0 && (
        <div className="row">
          <Field label={k.sizeLabel} error={err?.forField("size")}>
            <select value={form.size} onChange={(e) => set({ size: e.target.value })}>
              {k.sizes.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </Field>
          <Field label="Version" error={err?.forField("version")}>
            <select value={form.version} onChange={(e) => set({ version: e.target.value })}>
              {k.versions.map((v) => <option key={v} value={v}>{v}</option>)}
            </select>
          </Field>
          {k.storage && (
            <Field label="Storage (GB)" hint={`${STORAGE_GB[0]} to ${STORAGE_GB[1]}; it can grow later, never shrink.`} error={err?.forField("storage_gb")}>
              <input type="number" min={STORAGE_GB[0]} max={STORAGE_GB[1]} value={form.storage} onChange={(e) => set({ storage: e.target.value })} />
            </Field>
          )}
          <Field label="Backups (days)" hint={`${BACKUP_DAYS[0]} (none) to ${BACKUP_DAYS[1]}.`} error={err?.forField("backup_retention_days")}>
            <input type="number" min={BACKUP_DAYS[0]} max={BACKUP_DAYS[1]} value={form.backups} onChange={(e) => set({ backups: e.target.value })} />
          </Field>
        </div>
      )}
      {k.queue && (
        <>
          <FifoBox checked={form.fifo} onChange={(fifo) => set({ fifo })} error={err?.forField("fifo")} />
          <QueueFields form={form} set={set} error={fieldError} />
        </>
      )}
      {k.drain && <DrainAddFields org={org} project={project} form={form} set={set} error={fieldError} />}
      {k.about && <p className="muted kind-about">{k.about}</p>}
      {form.kind !== "bucket" && !k.drain && (
        <label className="check">
          <input type="checkbox" checked={form.protection} onChange={(e) => set({ protection: e.target.checked })} />
          Deletion protection (on by default in production: the resource cannot be deleted until it is turned off)
        </label>
      )}
      {err?.fields.deletion_protection && <p className="form-error" role="alert">{err.fields.deletion_protection}</p>}
      {err && !onField.some((f) => err.forField(f)) && <FormError error={err} />}
      {create.error && !err && <FormError error={create.error} />}
      <div className="actions">
        <button className="primary" disabled={create.isPending}>{create.isPending ? "Adding…" : `Add ${k.label}`}</button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

/** The Change dialog of the resource's kind: a drain's settings, or a resize. */
export function ChangeDialog(props: { org: string; project: string; r: Resource; onClose: () => void }) {
  return KINDS[props.r.kind].drain ? <DrainDialog {...props} /> : <ResizeDialog {...props} />;
}

/** The Delete dialog of the resource's kind: a drain is asked once (no data goes), the others need their name typed. */
export function RemoveDialog(props: { org: string; project: string; r: Resource; onClose: () => void; onDeleted?: () => void }) {
  return KINDS[props.r.kind].drain ? <DrainDeleteDialog {...props} /> : <DeleteDialog {...props} />;
}

/** Resize (PATCH of the changed fields only): the same choices as the add form; storage only grows. */
export function ResizeDialog({ org, project, r, onClose }: { org: string; project: string; r: Resource; onClose: () => void }) {
  const [form, setForm] = useState<ResizeForm>(() => resizeForm(r));
  const invalidate = useInvalidate(org, project);
  const body = patchBody(r, form);
  const problem = resizeProblem(r, form);
  const patch = useMutation({
    mutationFn: () => unwrap<Resource>(api.PATCH("/v1/orgs/{org}/resources/{res}", { params: { path: { org, res: r.id } }, body })),
    onSuccess: () => { invalidate(); onClose(); },
  });
  const err = patch.error instanceof ApiError ? patch.error : null;
  const k = KINDS[r.kind];
  const timings = k.queue ? queueProblems(form) : {};
  const set = (p: Partial<ResizeForm>) => setForm((f) => ({ ...f, ...p }));
  const fieldError = (f: string) => (problem?.field === f ? problem.message : timings[f] ?? err?.forField(f));
  const onField = ["size", "storage_gb", "backup_retention_days", ...(k.queue ? QUEUE_FIELDS : [])];
  return (
    <Modal title={`Change ${r.name}`} onClose={onClose}>
      <form onSubmit={(e) => { e.preventDefault(); patch.mutate(); }} noValidate>
        <p className="muted"><KindLabel kind={r.kind} />{r.version ? ` ${r.version}` : ""} in {r.environment}.{" "}
          {k.mounted ? `A volume has no size to change: it grows with its files (${usedText(r)}).`
            : k.queue ? `Its order stays as it was made (${r.fifo ? "FIFO" : "standard"}); new timings apply to its messages within a minute.`
            : "The engine and version stay; AWS applies a resize within minutes and the status says when it is done."}</p>
        {k.queue && <QueueFields form={form} set={set} error={fieldError} />}
        {k.sizes.length > 0 && (
          <Field label={k.sizeLabel} error={fieldError("size")}>
            <select value={form.size} onChange={(e) => set({ size: e.target.value })}>
              {sizeChoices(r.kind).map((s) => <option key={s} value={s}>{s}{s === r.size ? " (now)" : ""}</option>)}
            </select>
          </Field>
        )}
        {k.storage && (
          <Field label="Storage (GB)" hint={`Can only grow: now ${r.storage_gb} GB, at most ${STORAGE_GB[1]}.`} error={fieldError("storage_gb")}>
            <input type="number" min={r.storage_gb ?? STORAGE_GB[0]} max={STORAGE_GB[1]} value={form.storage} onChange={(e) => set({ storage: e.target.value })} />
          </Field>
        )}
        {k.backups && (
          <Field label="Backups (days)" hint={`${BACKUP_DAYS[0]} (none) to ${BACKUP_DAYS[1]}.`} error={fieldError("backup_retention_days")}>
            <input type="number" min={BACKUP_DAYS[0]} max={BACKUP_DAYS[1]} value={form.backups} onChange={(e) => set({ backups: e.target.value })} />
          </Field>
        )}
        <label className="check">
          <input type="checkbox" checked={form.protection} onChange={(e) => set({ protection: e.target.checked })} />
          Deletion protection
        </label>
        {err && !onField.some((f) => err.forField(f)) && <FormError error={err} />}
        <div className="actions">
          <button className="primary" disabled={patch.isPending || !!problem || Object.keys(timings).length > 0 || Object.keys(body).length === 0}>Save changes</button>
          <button type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
      {k.sizes.length > 0 && <RotateCredentials org={org} project={project} r={r} onDone={onClose} />}
    </Modal>
  );
}

/** New generated credentials (POST …/rotate): asked twice, since RDS refuses the old password at once. */
function RotateCredentials({ org, project, r, onDone }: { org: string; project: string; r: Resource; onDone: () => void }) {
  const [sure, setSure] = useState(false);
  const invalidate = useInvalidate(org, project);
  const rotate = useMutation({
    mutationFn: () => unwrap<Resource>(api.POST("/v1/orgs/{org}/resources/{res}/rotate", { params: { path: { org, res: r.id } } })),
    onSuccess: () => { invalidate(); onDone(); },
  });
  return (
    <section aria-label="Credentials" className="rotate">
      <h3>Credentials</h3>
      <p className="muted small">New generated credentials replace these; the services that link {r.name} restart their live releases with them (a deploy freeze lets the restarts through). Until then, running tasks keep only their open connections.</p>
      {rotate.error instanceof ApiError && <FormError error={rotate.error} />}
      {sure
        ? <button className="danger" onClick={() => rotate.mutate()} disabled={rotate.isPending}>Yes, rotate and restart</button>
        : <button onClick={() => setSure(true)} disabled={r.status !== "available"}>Rotate credentials</button>}
    </section>
  );
}

/** Delete after typing the name (TypedNameDialog). The API refuses while protection is on or a
 * service links the resource: its reason is shown as it is, since it says what to do. */
export function DeleteDialog({ org, project, r, onClose, onDeleted }: {
  org: string; project: string; r: Resource; onClose: () => void;
  /** after the API accepted the delete (the resource's own page goes back to the list); default: onClose */
  onDeleted?: () => void;
}) {
  const invalidate = useInvalidate(org, project);
  const remove = useMutation({
    mutationFn: (typed: string) =>
      unwrap<Resource>(api.DELETE("/v1/orgs/{org}/resources/{res}", { params: { path: { org, res: r.id }, query: { confirm: typed } } })),
    onSuccess: () => { invalidate(); (onDeleted ?? onClose)(); },
  });
  const k = KINDS[r.kind];
  return (
    <TypedNameDialog title={`Delete ${r.name}?`} name={r.name} action={`Delete ${r.name}`} pending={remove.isPending}
      error={remove.error} onConfirm={(typed) => remove.mutate(typed)} onClose={onClose}>
      <ul className="delete-notes">
        {k.backups
          ? <li>Its data goes. AWS takes a <strong>final snapshot</strong> first, which stays in your account: a new resource can be restored from it.</li>
          : k.mounted
            ? <li><strong>Its files are deleted</strong> with the file system. Its daily backups stay in AWS Backup for <strong>35 days</strong>: a restore from one is done there.</li>
            : k.queue
              ? <li>The queue and its dead-letter queue go, with <strong>every message in them</strong>: nothing keeps a copy.</li>
              : <li>The bucket goes; AWS refuses to delete a bucket that still holds objects (it then shows as failed, nothing lost).</li>}
        <li>It is refused while <strong>deletion protection</strong> is on (turn it off with Change) or while a <strong>service links</strong> it (unlink it on the service's Resources tab).</li>
      </ul>
      {r.deletion_protection && <p className="notice">{r.name} has deletion protection on.</p>}
    </TypedNameDialog>
  );
}

const QUEUE_FIELDS = ["fifo", "visibility_timeout_seconds", "retention_days", "max_receives"];

/** A queue's order, chosen once: a box with its sentence (and the API's error) under it. */
function FifoBox({ checked, onChange, error }: { checked: boolean; onChange: (v: boolean) => void; error: string | undefined }) {
  const id = useId();
  return (
    <div className={"field" + (error ? " field-error" : "")}>
      <label className="check">
        <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-invalid={error ? true : undefined}
          aria-describedby={[`${id}-hint`, error ? `${id}-err` : ""].filter(Boolean).join(" ")} /> FIFO (first in, first out)
      </label>
      <small id={`${id}-hint`} className="hint">
        Messages of one group are received in the order sent, each once; senders give a MessageGroupId. Fixed once the queue is made.
        Unticked: a standard queue, about in order and at least once, with no limit on how fast it is sent to.
      </small>
      {error && <small id={`${id}-err`} className="error" role="alert">{error}</small>}
    </div>
  );
}

/** A queue's three timings, with AWS's limits in each hint; errors (checked here, or the API's) at their fields. */
function QueueFields({ form, set, error }: {
  form: QueueTimings; set: (p: Partial<QueueTimings>) => void; error: (field: string) => string | undefined;
}) {
  const input = (key: keyof QueueTimings) => (
    <input value={form[key]} onChange={(e) => set({ [key]: e.target.value })} inputMode="numeric" autoComplete="off" />
  );
  return (
    <div className="row">
      <Field label="Visibility timeout (s)" error={error("visibility_timeout_seconds")}
        hint={`How long a received message stays hidden from other consumers while one works on it; ${VISIBILITY_SECONDS[0]} to ${VISIBILITY_SECONDS[1]} (12 h). Longer than a message's work.`}>
        {input("visibility")}
      </Field>
      <Field label="Retention (days)" error={error("retention_days")}
        hint={`How long a message nobody received is kept; ${RETENTION_DAYS[0]} to ${RETENTION_DAYS[1]}.`}>
        {input("retention")}
      </Field>
      <Field label="Max receives" error={error("max_receives")}
        hint={`A message received this many times without being deleted moves to the dead-letter queue (kept 14 days); ${MAX_RECEIVES[0]} to ${MAX_RECEIVES[1]}.`}>
        {input("receives")}
      </Field>
    </div>
  );
}
