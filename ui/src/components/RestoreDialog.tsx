// A database restored to a point in time, from its own page (chalicelib/resources/restore.py):
// the window said on both clocks, and for owners and admins the dialog that asks for the copy.
import { useId, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import { resourceKeys, useRestoreWindow } from "../api/resources";
import { KINDS, plural, statusWords, type Resource } from "../lib/resources";
import {
  bothClocks, browserZone, isoWithOffset, restoreBody, restoreForm, restoreProblems, restoreReady, restoreSizes, utcText,
  windowBounds, windowWords, zoneName, type RestoreForm, type RestoreWindow, type Zone,
} from "../lib/restore";
import { ErrorNote, Loading } from "./Empty";
import { Field, FormError, useFocusFirstError } from "./Field";
import { Modal } from "./Modal";

/** A database page's "Point-in-time restore": its window (read when the database is available),
 * or why none is offered (the API's 409: no backups kept, no restorable time yet); the action for
 * those who may (`canRestore`), said to the others. */
export function RestoreSection({ org, project, r, canRestore }: { org: string; project: string; r: Resource; canRestore: boolean }) {
  const span = useRestoreWindow(org, r);
  const [open, setOpen] = useState(false);
  const refused = span.error instanceof ApiError && span.error.status === 409 ? span.error : null;
  const w = span.data;
  return (
    <section aria-labelledby="restore-h" className="restore">
      <h2 id="restore-h">Point-in-time restore</h2>
      {!restoreReady(r) && (
        <p className="muted">{r.status === "creating" ? "A restore is offered once the database is available." : `No restore while the database is ${statusWords(r.status)}.`}</p>
      )}
      {restoreReady(r) && span.isPending && <Loading what="restore window" />}
      {refused && <p className="notice" data-testid="no-restore" data-refusal={refused.field ?? ""}>No restore is offered: {refused.message}</p>}
      {!refused && <ErrorNote error={span.error} retry={() => void span.refetch()} />}
      {w && (
        <>
          <p data-testid="restore-window">
            Restorable to any second {windowWords(w)}: backups are kept {plural(w.backup_retention_days, "day")}.
          </p>
          <p className="muted small">
            A restore makes a new {KINDS[r.kind].label} database beside {r.name}, with its version, storage, backups and
            credentials; {r.name} stays as it is until you delete it.
          </p>
          {canRestore ? (
            <p>
              <button type="button" onClick={() => { void span.refetch(); setOpen(true); }} aria-haspopup="dialog">Restore to a point in time</button>
            </p>
          ) : <p className="muted small">Owners and admins can restore it to a point in time.</p>}
        </>
      )}
      {open && w && <RestoreDialog org={org} project={project} r={r} w={w} onClose={() => setOpen(false)} />}
    </section>
  );
}

/** The restore's questions: the copy's name (checked as the API does), the latest restorable time or a
 * chosen one within the window (on the person's clock, said in UTC too, sent with its offset), the
 * instance class (the source's by default) and Switch links. Errors at their fields; once the API
 * took it (202), the copy's own page, where its status and origin show. */
export function RestoreDialog({ org, project, r, w, onClose, zone = browserZone }: {
  org: string; project: string; r: Resource; w: RestoreWindow; onClose: () => void; zone?: Zone;
}) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [form, setForm] = useState<RestoreForm>(() => restoreForm(r, w, zone));
  const [local, setLocal] = useState<Record<string, string>>({});
  const set = (p: Partial<RestoreForm>) => setForm((f) => ({ ...f, ...p }));
  const restore = useMutation({
    mutationFn: () => unwrap<Resource>(api.POST("/v1/orgs/{org}/resources/{res}/restore", {
      params: { path: { org, res: r.id } }, body: restoreBody(form, r, zone),
    })),
    onSuccess: (made) => {
      qc.setQueryData(resourceKeys.one(org, project, made.id), made);
      void qc.invalidateQueries({ queryKey: resourceKeys.all(org, project) });
      onClose();
      void navigate(`/orgs/${org}/projects/${project}/resources/${made.id}`);
    },
  });
  const err = restore.error instanceof ApiError ? restore.error : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = restoreProblems(form, w, zone);
    setLocal(found);
    if (!Object.keys(found).length) restore.mutate();
  };
  const fieldError = (f: string) => local[f] ?? err?.forField(f);
  const ref = useFocusFirstError<HTMLFormElement>(restore.error, Object.keys(local).length ? local : null);
  const bounds = windowBounds(w, zone);
  const chosen = form.latest ? null : isoWithOffset(form.when, zone);
  const zoneWords = zoneName() ? `your time, ${zoneName()}` : "your time";
  const onField = ["name", "to", "size", "switch_links"];
  const id = useId();
  return (
    <Modal title={`Restore ${r.name} to a point in time`} onClose={onClose}>
      <form ref={ref} onSubmit={submit} noValidate className="restore-form">
        <p className="muted">
          A new {KINDS[r.kind].label} database with {r.name}'s version ({r.version}), storage ({r.storage_gb} GB), backups and
          credentials, as it was then. {r.name} stays as it is until you delete it. RDS takes as long as a new database, and more
          for a long log to replay.
        </p>
        <Field label="Name of the copy" hint="Lower-case letters, digits and hyphens, 2 to 32, starting with a letter." error={fieldError("name")}>
          <input value={form.name} onChange={(e) => set({ name: e.target.value })} autoComplete="off" spellCheck={false} />
        </Field>
        <fieldset className={fieldError("to") ? "field-error" : undefined}>
          <legend>Restore to</legend>
          <label className="check">
            <input type="radio" name="restore-to" checked={form.latest} onChange={() => set({ latest: true })} aria-describedby={`${id}-latest`} />
            Latest restorable time
          </label>
          <p id={`${id}-latest`} className="hint muted small radio-hint">A few minutes ago: now {bothClocks(w.latest, zone)}.</p>
          <label className="check">
            <input type="radio" name="restore-to" checked={!form.latest} onChange={() => set({ latest: false })} />
            A chosen date and time
          </label>
          {!form.latest && (
            <Field label={`Date and time (${zoneWords})`} error={fieldError("to")}
              hint={<>
                {chosen ? <>That is <strong data-testid="restore-utc">{utcText(chosen)}</strong>. </> : null}
                Within the window {windowWords(w, zone)}.
              </>}>
              <input type="datetime-local" step={1} min={bounds.min} max={bounds.max} value={form.when}
                onChange={(e) => set({ when: e.target.value })} />
            </Field>
          )}
        </fieldset>
        <Field label={KINDS[r.kind].sizeLabel} hint={`Default ${r.name}'s; a copy only to look at can be smaller.`} error={fieldError("size")}>
          <select value={form.size} onChange={(e) => set({ size: e.target.value })}>
            {restoreSizes(r).map((s) => <option key={s} value={s}>{s}{s === r.size ? ` (${r.name}'s)` : ""}</option>)}
          </select>
        </Field>
        <SwitchLinks checked={form.switchLinks} onChange={(switchLinks) => set({ switchLinks })} source={r.name} error={fieldError("switch_links")} />
        {err && !onField.some((f) => err.forField(f)) && <FormError error={err} />}
        {restore.error && !err && <FormError error={restore.error} />}
        <div className="actions">
          <button className="primary" disabled={restore.isPending}>{restore.isPending ? "Restoring…" : "Restore"}</button>
          <button type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Modal>
  );
}

function SwitchLinks({ checked, onChange, source, error }: {
  checked: boolean; onChange: (v: boolean) => void; source: string; error: string | undefined;
}) {
  const id = useId();
  return (
    <div className={"field" + (error ? " field-error" : "")}>
      <label className="check">
        <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-hint` + (error ? ` ${id}-err` : "")} /> Switch links
      </label>
      <small id={`${id}-hint`} className="hint">
        Once the copy is available, the services that link {source} link the copy instead and are redeployed; {source} stays until
        you delete it. Unticked, nothing links the copy until you link it.
      </small>
      {error && <small id={`${id}-err`} className="error" role="alert">{error}</small>}
    </div>
  );
}

/** A restored resource's origin on its page: the source (a link while it exists), the moment, and
 * what Switch links does or did. */
export function RestoredFromWords({ r, sourceUrl }: { r: Resource; sourceUrl: string }) {
  const f = r.restored_from;
  if (!f) return null;
  const moment = f.to ? <>at {bothClocks(f.to)}</> : <>at the latest restorable time when asked</>;
  return (
    <span data-testid="restored-from">
      <Link to={sourceUrl}>{f.name}</Link> {moment}
      {f.switch_links
        ? r.status === "creating"
          ? <>; once available, {f.name}'s links move here and the services that link it are redeployed</>
          : <>; {f.name}'s links were moved here once it was available</>
        : null}
    </span>
  );
}
