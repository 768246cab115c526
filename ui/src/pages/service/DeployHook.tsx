// A service's deploy hook in its Settings (README "Deploy hooks"): a secret URL that deploys this one
// service, for a CI job that has pushed an image or Docker Hub's webhook. Developers and up make,
// rotate and remove it; every role sees its URL, the key's last four characters and its use. The key
// is in the POST's answer only: shown here once, in this component's state, gone when the person
// dismisses it or leaves the tab.
import { useState, type ReactNode } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { Service } from "../../api/models";
import { useCan } from "../../api/queries";
import {
  curlLine, deployHookKeys, hookUrl, makeDeployHook, removeDeployHook, urlWithKey, useDeployHook, type DeployHookKey,
} from "../../api/deployHooks";
import { ErrorNote, Loading } from "../../components/Empty";
import { ConfirmDialog, CopyButton } from "../../components/GitBits";
import { ago } from "../../lib/format";

export function DeployHookSection({ org, service }: { org: string; service: Service }) {
  const qc = useQueryClient();
  const hook = useDeployHook(org, service.id);
  const may = useCan(org, service.project_id)("deploy") && service.status !== "deleting";
  // the key, this once; `rotated`: the hook existed before (its old key now refused)
  const [fresh, setFresh] = useState<{ answer: DeployHookKey; rotated: boolean } | null>(null);
  const [asking, setAsking] = useState<"rotate" | "remove" | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: deployHookKeys.hook(org, service.id) });
  const make = useMutation({
    // the answer holds the key: not kept in the mutation cache once nothing shows it
    gcTime: 0,
    mutationFn: (_rotating: boolean) => makeDeployHook(org, service.id),
    onSuccess: (answer, rotating) => { setFresh({ answer, rotated: rotating }); setAsking(null); refresh(); },
  });
  const remove = useMutation({
    mutationFn: () => removeDeployHook(org, service.id),
    onSuccess: () => { setFresh(null); setAsking(null); refresh(); },
  });
  const h = hook.data?.configured ? hook.data : null;
  const url = h ? hookUrl(h.path, location.origin, h.url) : "";
  return (
    <section aria-labelledby="deploy-hook-h" className="deploy-hook">
      <h2 id="deploy-hook-h">Deploy hook</h2>
      <p className="muted">
        A secret URL that deploys {service.name} when called, for a CI job that has just pushed an image or Docker Hub&apos;s
        webhook: it can do nothing else, so the job holds no API token.
      </p>
      {hook.isPending && <Loading what="the deploy hook" />}
      <ErrorNote error={hook.error} retry={() => void hook.refetch()} />
      {fresh && <KeyOnce answer={fresh.answer} rotated={fresh.rotated} onDone={() => { setFresh(null); make.reset(); }} />}
      {hook.data && !h && (
        may ? (
          <p>
            <button className="primary" onClick={() => make.mutate(false)} disabled={make.isPending}>Make a deploy hook</button>
          </p>
        ) : <p>No deploy hook. Developers and up make one.</p>
      )}
      {!asking && <ErrorNote error={make.error ?? remove.error} />}
      {h && (
        <>
          <dl className="summary" aria-label="Deploy hook">
            <div className="wide"><dt>URL</dt>
              <dd className="copy-value"><code className="token" data-testid="hook-url">{url}</code> <CopyButton text={url} label="deploy hook URL" /></dd>
            </div>
            <div><dt>Key</dt><dd><span className="mono" data-testid="hook-hint">{h.hint ?? "—"}</span> <small className="muted">in the {h.header} header</small></dd></div>
            <div><dt>Uses</dt><dd data-testid="hook-uses">{h.uses}</dd></div>
            <div><dt>Last used</dt><dd data-testid="hook-last-used">{h.last_used ? ago(h.last_used) : "never"}</dd></div>
            <div><dt>Made by</dt><dd>{h.created_by ?? "—"} · {ago(h.created)}</dd></div>
            <div><dt>Acts as</dt><dd data-testid="hook-acts-as">
              {h.acts_as ?? "—"}
              {h.rotated && h.rotated !== h.created && <small className="muted"> (key rotated {ago(h.rotated)}{h.rotated_by ? ` by ${h.rotated_by}` : ""})</small>}
            </dd></div>
          </dl>
          <p className="muted small">
            The key is never shown again. Lost it? Rotate it and give the new one to the job. Its deploys are made with the
            rights of the member it acts as, while they may deploy here.
          </p>
          {may && (
            <p className="row">
              <button onClick={() => setAsking("rotate")} aria-haspopup="dialog">Rotate key…</button>
              <button className="danger" onClick={() => setAsking("remove")} aria-haspopup="dialog">Remove…</button>
            </p>
          )}
        </>
      )}
      {asking === "rotate" && (
        <ConfirmDialog title="Rotate the deploy hook's key?" confirm="Rotate key" onConfirm={() => make.mutate(true)}
          onClose={() => { setAsking(null); make.reset(); }} pending={make.isPending}>
          <p>The current key stops working at once: calls with it are refused (401) until the CI job or webhook has the new
            key. The URL stays the same.</p>
          <p>From then on the hook deploys {service.name} with your rights.</p>
          <ErrorNote error={make.error} />
        </ConfirmDialog>
      )}
      {asking === "remove" && (
        <ConfirmDialog title="Remove the deploy hook?" confirm="Remove deploy hook" danger onConfirm={() => remove.mutate()}
          onClose={() => { setAsking(null); remove.reset(); }} pending={remove.isPending}>
          <p>Calls to its URL are refused from now on, with any key. A deploy hook made again has a new URL and key.</p>
          <ErrorNote error={remove.error} />
        </ConfirmDialog>
      )}
    </section>
  );
}

/** The key, this once: the URL, the key, a curl line for a CI job and the URL for Docker Hub's
 * webhook (which sends no headers), each with a copy button. */
function KeyOnce({ answer, rotated, onDone }: { answer: DeployHookKey; rotated: boolean; onDone: () => void }) {
  const url = hookUrl(answer.path, location.origin, answer.url);
  return (
    <div className="panel secret-once" role="region" aria-label="Deploy hook key">
      <p>
        <strong>{rotated ? "New key made: the old one no longer works." : "Deploy hook made."}</strong>{" "}
        Copy the key now: it will not be shown again.
      </p>
      <Copyable label="URL" value={url} what="deploy hook URL" />
      <Copyable label="Key" value={answer.key} what="deploy hook key" testId="hook-key" />
      <Copyable label="From a CI job" value={curlLine(url, answer.header, answer.key)} what="curl command" testId="hook-curl">
        after it has pushed the image (deploys the service&apos;s image as set; a JSON body <code>{"{\"image\": \"…\"}"}</code> picks
        another tag of the same repository)
      </Copyable>
      <Copyable label="Docker Hub webhook" value={urlWithKey(url, answer.key)} what="URL for Docker Hub">
        Docker Hub sends no headers: its webhook takes the key in the URL (elsewhere prefer the header, as URLs get logged)
      </Copyable>
      <div className="actions"><button onClick={onDone}>I have copied it</button></div>
    </div>
  );
}

function Copyable({ label, value, what, testId, children }: {
  label: string; value: string; what: string; testId?: string; children?: ReactNode;
}) {
  return (
    <div className="copy-value">
      <span className="muted">{label}</span>
      <code className="token" aria-label={label} data-testid={testId}>{value}</code>
      <CopyButton text={value} label={what} />
      {children && <small className="muted copy-note">{children}</small>}
    </div>
  );
}
