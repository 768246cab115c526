import { useId, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import { useCan, useProject } from "../api/queries";
import { resourceKeys, useQueueMessages, useResource } from "../api/resources";
import { ErrorNote, Loading, PageError } from "../components/Empty";
import { ConfirmDialog } from "../components/GitBits";
import { KindLabel, ResourceBadge } from "../components/ResourceBits";
import { RestoredFromWords, RestoreSection } from "../components/RestoreDialog";
import { TypedNameDialog } from "../components/TypedNameDialog";
import { StatusChanges } from "../components/StatusBadge";
import { clock } from "../lib/format";
import {
  bodyText, canMoveBack, countable, deadLetters, destinationText, endpointText, servicesText, errorWords, isBusy, KINDS, moving, plural, purgeWords,
  redriveWords, sampleWords, secondsText, sinceText, sizeText, utcText,
  type DeadLetter, type DeadLetterSample, type Purged, type QueueMessages, type Redrive, type Resource,
} from "../lib/resources";
import { restorable } from "../lib/restore";
import { DrainTest } from "../components/DrainBits";
import { ChangeDialog, GivesWords, RemoveDialog } from "./Resources";

/** One resource: what it is, where it answers, what a linked service gets; Change and Delete as on
 * the list. A queue also shows its settings, its dead-letter queue and its messages now, shows a
 * sample of its dead letters, moves them back and purges them or its waiting messages. A database restores to a point in
 * time; a restored one says where from. A log drain shows where it sends, what it takes (set, and
 * now) and its failed deliveries' bucket, and sends a test line; it has no variable or links. */
export default function ResourcePage() {
  const { org = "", project = "", res = "" } = useParams();
  const can = useCan(org, project);
  const proj = useProject(org, project);
  const resource = useResource(org, project, res);
  const navigate = useNavigate();
  const [open, setOpen] = useState<"change" | "delete" | null>(null);
  const list = `/orgs/${org}/projects/${project}/resources`;
  const crumbs = (name: string) => (
    <nav className="crumbs" aria-label="Breadcrumb">
      <Link to={`/orgs/${org}`}>Projects</Link> / <Link to={`/orgs/${org}/projects/${project}`}>{proj.data?.name ?? "…"}</Link> /{" "}
      <Link to={list}>Resources</Link> / <span>{name}</span>
    </nav>
  );
  if (resource.isPending) return <Loading what="resource" />;
  const r = resource.data;
  if (!r) return <PageError title="Cannot show this resource" error={resource.error} retry={() => void resource.refetch()} />;
  const k = KINDS[r.kind];
  const manage = can("project.write");
  return (
    <section>
      {crumbs(r.name)}
      <div className="heading">
        <h1>{r.name} <ResourceBadge status={r.status} /></h1>
        {manage && (
          <div className="actions">
            <button onClick={() => setOpen("change")} disabled={r.status !== "available"} aria-haspopup="dialog">Change</button>
            <button className="danger" onClick={() => setOpen("delete")} disabled={r.status === "deleting"} aria-haspopup="dialog">Delete</button>
          </div>
        )}
      </div>
      <StatusChanges items={[r]} />
      <p className="muted"><KindLabel kind={r.kind} /> in {r.environment}: <GivesWords r={r} />.</p>
      {k.about && <p className="muted kind-about">{k.about}</p>}
      <Summary r={r} sourceUrl={r.restored_from ? `${list}/${r.restored_from.resource_id}` : ""} />
      {restorable(r) && <RestoreSection org={org} project={project} r={r} canRestore={manage} />}
      {/* keyed: another queue's page starts afresh (no sample or purge answer of the one before) */}
      {k.queue && <Messages key={r.id} org={org} r={r} canRedrive={can("queue.redrive")} canPurge={can("project.delete")} />}
      {k.drain && <DrainTest org={org} r={r} canTest={manage} />}
      {open === "change" && <ChangeDialog org={org} project={project} r={r} onClose={() => setOpen(null)} />}
      {open === "delete" && (
        <RemoveDialog org={org} project={project} r={r} onClose={() => setOpen(null)} onDeleted={() => void navigate(list)} />
      )}
    </section>
  );
}

function Summary({ r, sourceUrl }: { r: Resource; sourceUrl: string }) {
  const k = KINDS[r.kind];
  const error = errorWords(r);
  const address = endpointText(r);
  return (
    <dl className="summary" data-testid="resource-summary">
      <div><dt>Kind</dt><dd><KindLabel kind={r.kind} /></dd></div>
      <div><dt>Environment</dt><dd>{r.environment}</dd></div>
      {k.drain ? <DrainRows r={r} /> : k.queue ? (
        <>
          <div><dt>Order</dt><dd>{r.fifo ? "FIFO: in order within a message group, each received once" : "standard: about in order, at least once"}</dd></div>
          {r.visibility_timeout_seconds != null && (
            <div><dt>Visibility timeout</dt><dd>{secondsText(r.visibility_timeout_seconds)}: a received message stays hidden from other consumers this long</dd></div>
          )}
          {r.retention_days != null && <div><dt>Retention</dt><dd>{plural(r.retention_days, "day")}: how long a message nobody received is kept</dd></div>}
          {r.max_receives != null && (
            <div><dt>Max receives</dt><dd>{plural(r.max_receives, "receive")}: then a message not deleted goes to the dead-letter queue</dd></div>
          )}
        </>
      ) : (
        <div><dt>{k.mounted ? "Holds" : "Size"}</dt><dd>{sizeText(r) || "—"}</dd></div>
      )}
      {!k.drain && <div><dt>Variable</dt><dd className="mono">{r.variable}</dd></div>}
      <div><dt>Deletion protection</dt><dd>{r.deletion_protection ? "on" : "off"}</dd></div>
      {r.where?.region && <div><dt>Where</dt><dd>{r.where.account ? `account ${r.where.account}, ` : ""}{r.where.region}</dd></div>}
      {isBusy(r.status) && r.reason && <div className="pending"><dt>Now</dt><dd>{r.reason}</dd></div>}
      {!k.drain && (
        <div className="wide">
          <dt>{k.queue ? "Queue URL" : k.mounted ? "File system" : "Endpoint"}</dt>
          <dd className="mono" data-testid="resource-address">{address ?? (r.status === "available" ? "—" : "once available")}</dd>
        </div>
      )}
      {k.queue && (
        <div className="wide">
          <dt>Dead-letter queue</dt>
          <dd>
            <span className="mono" data-testid="dead-letter-queue">{r.dead_letter_queue ?? (r.status === "available" ? "—" : "once available")}</span>
            <div className="muted">where a message goes after {r.max_receives != null ? plural(r.max_receives, "receive") : "its receives"} without being deleted; kept 14 days</div>
          </dd>
        </div>
      )}
      {r.restored_from && <div className="wide"><dt>Restored from</dt><dd><RestoredFromWords r={r} sourceUrl={sourceUrl} /></dd></div>}
      {error && <div className="bad wide"><dt>Last error</dt><dd>{error}</dd></div>}
    </dl>
  );
}

/** A drain's settings: where it sends, whether a key is set (never the key), what it is set to take
 * and what it takes now, and the bucket keeping what Firehose failed to deliver. */
function DrainRows({ r }: { r: Resource }) {
  return (
    <>
      <div><dt>Destination</dt><dd data-testid="drain-destination">{destinationText(r)}</dd></div>
      <div><dt>Key</dt><dd data-testid="drain-key">{r.access_key_set ? "set (never shown)" : "none"}</dd></div>
      <div className="wide"><dt>URL</dt><dd className="mono break" data-testid="resource-address">{r.url ?? "—"}</dd></div>
      <div>
        <dt>Set to take</dt>
        <dd data-testid="drain-services">
          {r.services == null ? "every service of the environment (those deployed later too)" : servicesText(r.services)}
        </dd>
      </div>
      <div>
        <dt>Lines</dt>
        <dd data-testid="drain-filter">{r.filter_pattern ? <>only those matching <span className="mono">{r.filter_pattern}</span></> : "every line"}</dd>
      </div>
      <div>
        <dt>Takes now</dt>
        <dd data-testid="drain-taking">
          {r.taking?.length ? r.taking.join(", ") : r.status === "available" ? "no deployed service" : "once available"}
          {r.status === "available" && <div className="muted small">deployed services only: one not deployed yet is taken from its first deploy</div>}
        </dd>
      </div>
      <div className="wide">
        <dt>Failed deliveries</dt>
        <dd>
          <span className="mono" data-testid="failed-deliveries">{r.failed_deliveries_bucket ?? (r.status === "available" ? "—" : "once available")}</span>
          <div className="muted">what Firehose could not deliver after retrying for an hour lands in this S3 bucket, kept 14 days</div>
        </dd>
      </div>
    </>
  );
}

const COUNTS: [keyof Omit<QueueMessages, "redrive">, string, string][] = [
  ["visible", "Waiting", "ready to be received"],
  ["in_flight", "In flight", "received, not deleted yet: being worked on"],
  ["delayed", "Delayed", "sent with a delay, not yet visible"],
  ["dead", "Dead", "in the dead-letter queue"],
];

/** A queue's messages now (SQS's approximate counts), read again on Refresh and every 2 s while
 * dead letters are moved back; a look at a sample of the dead letters and the move itself
 * (developers and up), the move asked first; a purge of the waiting messages or of the dead
 * letters (owners and admins), the queue's name typed again. */
function Messages({ org, r, canRedrive, canPurge }: { org: string; r: Resource; canRedrive: boolean; canPurge: boolean }) {
  const qc = useQueryClient();
  const messages = useQueueMessages(org, r);
  const [asking, setAsking] = useState(false);
  const [purging, setPurging] = useState<"waiting" | "dead" | null>(null);
  const [purged, setPurged] = useState<Purged | null>(null);
  const m = messages.data;
  // A look at the dead letters: asked for by a press only (each look is audited, and bodies may
  // hold what senders put there), kept in this page alone (a mutation, dropped at once when the
  // page goes: never in the query cache, never read again by itself).
  const [looking, setLooking] = useState(false);
  const lookButton = useRef<HTMLButtonElement>(null);
  const look = useMutation({
    gcTime: 0,
    mutationFn: () => unwrap<DeadLetterSample>(api.GET("/v1/orgs/{org}/resources/{res}/dead-letters", { params: { path: { org, res: r.id } } })),
  });
  const lookAgain = () => { setLooking(true); look.mutate(); };
  const stopLooking = (focusBack = false) => {
    setLooking(false);
    look.reset();
    if (focusBack) lookButton.current?.focus();
  };
  const purge = useMutation({
    mutationFn: ({ typed, dead }: { typed: string; dead: boolean }) => unwrap<Purged>(api.POST("/v1/orgs/{org}/resources/{res}/purge", {
      params: { path: { org, res: r.id }, query: dead ? { confirm: typed, dead_letters: "true" } : { confirm: typed } },
    })),
    onSuccess: (out) => {
      setPurged(out);
      setPurging(null);
      if (out.dead_letters) stopLooking();   // what was shown is gone
      void qc.invalidateQueries({ queryKey: resourceKeys.messages(org, r.id) });
    },
  });
  const openPurge = (which: "waiting" | "dead") => { purge.reset(); setPurged(null); setPurging(which); };
  const redrive = useMutation({
    mutationFn: () => unwrap<Redrive>(api.POST("/v1/orgs/{org}/resources/{res}/redrive", { params: { path: { org, res: r.id } } })),
    onSuccess: (started) => {
      // the answer is the move under way: follow it at once (polled while moving)
      qc.setQueryData<QueueMessages>(resourceKeys.messages(org, r.id), (old) => (old ? { ...old, redrive: started } : old));
      void qc.invalidateQueries({ queryKey: resourceKeys.messages(org, r.id) });
      setAsking(false);
      stopLooking();   // what was shown is on its way back to the queue
    },
    // a 409 (nothing to move, or a move already running) changes what the counts say: read them again
    onError: () => void qc.invalidateQueries({ queryKey: resourceKeys.messages(org, r.id) }),
  });
  const refused = redrive.error instanceof ApiError ? redrive.error : null;
  const words = redriveWords(m?.redrive, (iso) => clock(iso));
  const lookId = useId();
  return (
    <section aria-labelledby="messages-h" className="queue-messages">
      <div className="heading">
        <h2 id="messages-h">Messages</h2>
        {countable(r) && (
          <button type="button" onClick={() => void messages.refetch()} disabled={messages.isFetching}>
            {messages.isFetching ? "Reading…" : "Refresh"}
          </button>
        )}
      </div>
      {!countable(r) && <p className="muted">The counts are read from SQS once the queue is available.</p>}
      {countable(r) && messages.isPending && <Loading what="messages" />}
      <ErrorNote error={messages.error} retry={() => void messages.refetch()} />
      {m && (
        <>
          <dl className="summary counts">
            {COUNTS.map(([key, label, what]) => (
              <div key={key} data-count={key} className={key === "dead" && (m.dead ?? 0) > 0 ? "bad" : undefined}>
                <dt>{label}</dt>
                <dd><strong className="count">{m[key] ?? "—"}</strong> <span className="muted small">{what}</span></dd>
              </div>
            ))}
          </dl>
          <p className="muted small">
            As SQS counts them (approximately: a count can lag a minute){messages.dataUpdatedAt ? `, read at ${clock(new Date(messages.dataUpdatedAt).toISOString())}` : ""}.
          </p>
        </>
      )}
      {/* the move's progress and its end are said as they change */}
      <p role="status" className={m?.redrive?.status === "failed" ? "reason redrive" : "redrive"} data-testid="redrive">{words}</p>
      {m && (m.dead ?? 0) > 0 && (canRedrive ? (
        <p className="actions dead-actions">
          <button type="button" ref={lookButton} onClick={lookAgain} disabled={look.isPending}
            aria-controls={looking ? lookId : undefined} aria-expanded={looking}>
            Look at dead letters
          </button>
          <button type="button" onClick={() => { redrive.reset(); setAsking(true); }} disabled={!canMoveBack(m)} aria-haspopup="dialog"
            title={moving(m) ? "A move is under way" : undefined}>
            Move dead letters back
          </button>
        </p>
      ) : (
        <p className="muted small">Developers and up can look at the dead letters and move them back to the queue.</p>
      ))}
      {canRedrive && looking && (
        <DeadLetterPanel id={lookId} fifo={!!r.fifo} dead={m?.dead} pending={look.isPending} error={look.error} sample={look.data}
          at={look.submittedAt} onAgain={lookAgain} onHide={() => stopLooking(true)} />
      )}
      {/* a purge's answer, said once the dialog has closed */}
      <p role="status" className="purged" data-testid="purged">{purged ? purgeWords(purged) : ""}</p>
      {m && (canPurge ? (
        <p className="actions purge-actions">
          <button type="button" className="danger" onClick={() => openPurge("waiting")} aria-haspopup="dialog">Purge waiting messages</button>
          <button type="button" className="danger" onClick={() => openPurge("dead")} aria-haspopup="dialog" disabled={moving(m)}
            title={moving(m) ? "A move is under way" : undefined}>
            Purge dead letters
          </button>
        </p>
      ) : (
        <p className="muted small">Owners and admins can purge a queue's waiting messages or its dead letters.</p>
      ))}
      {purging && (
        <TypedNameDialog name={r.name} pending={purge.isPending} error={purge.error} onClose={() => setPurging(null)}
          onConfirm={(typed) => purge.mutate({ typed, dead: purging === "dead" })}
          title={purging === "dead" ? `Purge the dead letters of ${r.name}?` : `Purge the waiting messages of ${r.name}?`}
          action={purge.isPending ? "Purging…" : purging === "dead" ? "Purge dead letters" : "Purge waiting messages"}>
          {purging === "dead" ? (
            <p>
              Every dead letter of {r.name} ({m?.dead != null ? `about ${m.dead} now` : "SQS has not counted them"}) is <strong>deleted for
              good</strong>: nobody can look at them or move them back. Its waiting messages stay.
            </p>
          ) : (
            <p>
              Every message in {r.name} is <strong>deleted for good</strong>: the waiting ones ({m ? `about ${m.visible} now` : "not counted"}) and
              those in flight or delayed; nobody receives them. Its dead letters stay.
            </p>
          )}
          <p className="muted small">SQS purges a queue at most once a minute, and takes up to a minute to finish.</p>
        </TypedNameDialog>
      )}
      {asking && m && (
        <ConfirmDialog title={`Move ${deadLetters(m.dead ?? 0)} back to ${r.name}?`} confirm={redrive.isPending ? "Moving…" : "Move them back"}
          onConfirm={() => redrive.mutate()} onClose={() => setAsking(false)} pending={redrive.isPending}>
          <p>
            Each goes back to the queue as a new message, with its body and attributes{r.fifo ? " and its message group" : ""}, and is
            received again from there: after {r.max_receives != null ? plural(r.max_receives, "receive") : "its receives"} without being
            deleted it dies again. Fix what made them fail first.
          </p>
          <p className="muted">The worker moves a thousand at a time; this page follows it.</p>
          {refused && <p className="form-error" role="alert" data-refusal={refused.field ?? ""}>{refused.message}</p>}
          {redrive.error && !refused && <ErrorNote error={redrive.error} />}
        </ConfirmDialog>
      )}
    </section>
  );
}

/** A sample of a queue's dead letters, looked at where they are (up to 10, as SQS hands them out):
 * each one's when sent, receives, FIFO group, attributes and body (JSON indented; a body cut at
 * 4 KB says so), the API's note on what the sample is, Look again and Hide. */
function DeadLetterPanel({ id, fifo, dead, pending, error, sample, at, onAgain, onHide }: {
  id: string; fifo: boolean; dead: number | null | undefined; pending: boolean; error: Error | null;
  sample: DeadLetterSample | undefined; at: number; onAgain: () => void; onHide: () => void;
}) {
  const items = sample?.items ?? [];
  const said = pending ? "Reading a sample from the dead-letter queue…" : sample
    ? `${sampleWords(items.length, dead)}${at ? ` Read at ${clock(new Date(at).toISOString())}.` : ""}` : "";
  return (
    <section id={id} aria-labelledby={`${id}-h`} className="dead-letters" data-testid="dead-letters">
      <div className="heading">
        <h3 id={`${id}-h`}>Dead letters</h3>
        <div className="actions">
          <button type="button" onClick={onAgain} disabled={pending}>{pending ? "Looking…" : "Look again"}</button>
          <button type="button" onClick={onHide}>Hide</button>
        </div>
      </div>
      {sample && <p className="muted small" data-testid="dead-letters-note">{sample.note.replace(/^./, (c) => c.toUpperCase()).replace(/\.?$/, ".")}</p>}
      <p role="status" className="dead-letters-said">{said}</p>
      <ErrorNote error={error} retry={onAgain} />
      {items.length > 0 && (
        <ol className="dead-letter-list" aria-label="Dead letters looked at">
          {items.map((d, i) => <DeadLetterItem key={d.id} d={d} n={i + 1} fifo={fifo} />)}
        </ol>
      )}
    </section>
  );
}

function DeadLetterItem({ d, n, fifo }: { d: DeadLetter; n: number; fifo: boolean }) {
  const body = bodyText(d);
  const attributes = Object.entries(d.attributes);
  const headId = useId();
  return (
    <li className="dead-letter" aria-labelledby={headId} data-dead-letter={d.id}>
      <h4 id={headId}>Dead letter {n}</h4>
      <dl className="summary dead-letter-facts">
        <div>
          <dt>Sent</dt>
          <dd>{d.sent ? <><time dateTime={d.sent}>{sinceText(d.sent)}</time> <span className="muted small">{utcText(d.sent)}</span></> : "—"}</dd>
        </div>
        <div>
          <dt>Receives</dt>
          <dd>{d.receives} <span className="muted small">as SQS counts them: each look here counts one</span></dd>
        </div>
        {(fifo || d.group != null) && <div><dt>Group</dt><dd className="mono break">{d.group ?? "—"}</dd></div>}
        <div className="wide">
          <dt>Attributes</dt>
          <dd>
            {attributes.length ? (
              <ul className="dead-letter-attributes">
                {attributes.map(([name, value]) => <li key={name}><span className="mono">{name}</span>: <span className="mono break">{value}</span></li>)}
              </ul>
            ) : <span className="muted">none</span>}
          </dd>
        </div>
        <div className="wide"><dt>Message ID</dt><dd className="mono break">{d.id}</dd></div>
      </dl>
      <p className="muted small dead-letter-body-h" id={`${headId}-b`}>
        Body{body.json ? " (JSON, indented)" : ""}{d.truncated ? " (cut at 4 KB)" : ""}
      </p>
      {/* the body scrolls inside itself (a long one), reachable by keyboard */}
      <pre className="mono dead-letter-body" tabIndex={0} role="group" aria-labelledby={`${headId} ${headId}-b`}>{body.text}</pre>
    </li>
  );
}
