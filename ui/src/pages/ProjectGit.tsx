import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useLocation, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import { gitKeys, useGitEnvironments, useGitToken, useHook, type GitEnvironment, type GitToken, type HookDelivery, type HookSecret } from "../api/git";
import { keys, useCan, useProject } from "../api/queries";
import { Empty, ErrorNote, Loading } from "../components/Empty";
import { ConfirmDialog, CopyValue, shortSha } from "../components/GitBits";
import { ago } from "../lib/format";
import { hookDeliveryWords, unchangedServices } from "../lib/gitWords";

/** A project's git integration: the GitHub webhook, the branch each environment tracks, and the
 * preview environments pull requests opened. */
export default function ProjectGit() {
  const { org = "", project = "" } = useParams();
  const proj = useProject(org, project);
  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={`/orgs/${org}`}>Projects</Link> / <Link to={`/orgs/${org}/projects/${project}`}>{proj.data?.name ?? "…"}</Link> / <span>Git &amp; previews</span>
      </nav>
      <h1>Git &amp; previews</h1>
      <p className="muted">
        A push to a branch an environment tracks deploys that environment&apos;s services built from the pushed repository.
        A pull request against a tracked branch gets a preview environment, removed when it is closed or merged.
      </p>
      <Webhook org={org} project={project} />
      <PrivateRepos org={org} />
      <Branches org={org} project={project} />
      <Previews org={org} project={project} />
    </section>
  );
}

function Webhook({ org, project }: { org: string; project: string }) {
  const hook = useHook(org, project);
  const qc = useQueryClient();
  const [fresh, setFresh] = useState<HookSecret | null>(null);
  const [confirming, setConfirming] = useState(false);
  const make = useMutation({
    mutationFn: () => unwrap<HookSecret>(api.POST("/v1/orgs/{org}/projects/{project}/hooks/github", { params: { path: { org, project } } })),
    onSuccess: (h) => {
      setFresh(h);
      setConfirming(false);
      void qc.invalidateQueries({ queryKey: gitKeys.hook(org, project) });
    },
  });
  return (
    <section aria-labelledby="hook-h">
      <h2 id="hook-h">GitHub webhook</h2>
      {hook.isPending && <Loading what="the webhook" />}
      <ErrorNote error={hook.error} retry={() => void hook.refetch()} />
      {fresh && <HookSetup hook={fresh} onDone={() => setFresh(null)} />}
      {hook.data === null && !fresh && (
        <Empty title="No webhook yet">
          Make one, then add it to the repository on GitHub: pushes and pull requests then reach Launchbay.{" "}
          <button className="primary" onClick={() => make.mutate()} disabled={make.isPending}>Set up the GitHub webhook</button>
        </Empty>
      )}
      {!confirming && <ErrorNote error={make.error} />}
      {hook.data && (
        <>
          <dl className="summary">
            <div><dt>Events</dt><dd>{hook.data.events.join(", ")}</dd></div>
            <div><dt>Payload URL</dt><dd className="mono break">…/v1/hooks/github/{project}</dd></div>
            <div><dt>Secret set</dt><dd>{ago(hook.data.updated)}</dd></div>
          </dl>
          <p className="muted">The secret is never shown again. Lost it, or the admin who set it up left? Rotate it and paste the new one into GitHub.</p>
          <button onClick={() => setConfirming(true)}>Rotate secret</button>
          <HookDeliveries org={org} deliveries={hook.data.deliveries} />
        </>
      )}
      {confirming && (
        <ConfirmDialog title="Rotate the webhook secret?" confirm="Rotate secret" onConfirm={() => make.mutate()} onClose={() => setConfirming(false)} pending={make.isPending}>
          <p>The current secret stops working at once: GitHub&apos;s deliveries are refused until you paste the new one into the webhook&apos;s settings on GitHub.</p>
          <p>From then on, deliveries act with your rights.</p>
          <ErrorNote error={make.error} />
        </ConfirmDialog>
      )}
    </section>
  );
}

/** The organization's GitHub token, which builds clone private repositories with (and commit
 * statuses are posted with): set, replaced or removed by admins; only its last four characters are
 * ever shown back. A link to `#private-repos` (a deployment whose status GitHub refused) lands here. */
function PrivateRepos({ org }: { org: string }) {
  const token = useGitToken(org);
  const { hash } = useLocation();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const h = heading.current;
    if (hash !== "#private-repos" || !h) return;
    h.tabIndex = -1;
    h.focus();   // reading starts here, and the browser scrolls to it
  }, [hash]);
  const can = useCan(org);
  const qc = useQueryClient();
  const [value, setValue] = useState("");
  const [editing, setEditing] = useState(false);
  const [removing, setRemoving] = useState(false);
  const done = () => { setValue(""); setEditing(false); setRemoving(false); void qc.invalidateQueries({ queryKey: gitKeys.token(org) }); };
  const save = useMutation({
    mutationFn: () => unwrap<GitToken>(api.PUT("/v1/orgs/{org}/git/github", { params: { path: { org } }, body: { token: value.trim() } })),
    onSuccess: done,
  });
  const remove = useMutation({
    mutationFn: () => unwrap<null>(api.DELETE("/v1/orgs/{org}/git/github", { params: { path: { org } } })),
    onSuccess: done,
  });
  const err = save.error instanceof ApiError ? save.error : null;
  const message = err?.forField("token") ?? (save.error ? (save.error as Error).message : undefined);
  const submit = (e: FormEvent) => { e.preventDefault(); save.mutate(); };
  const t = token.data;
  return (
    <section aria-labelledby="private-h" id="private-repos">
      <h2 id="private-h" ref={heading}>Private repositories</h2>
      <ErrorNote error={token.error} retry={() => void token.refetch()} />
      {t && !t.configured && <p>No GitHub token: builds clone public repositories only.</p>}
      {t?.configured && (
        <dl className="summary">
          <div><dt>GitHub token</dt><dd className="mono">{t.hint}</dd></div>
          <div><dt>Set</dt><dd>{t.updated ? ago(t.updated) : "—"}{t.set_by ? ` by ${t.set_by}` : ""}</dd></div>
        </dl>
      )}
      <p className="muted">
        One token for the whole organization: every build of its services clones with it (CodeBuild reads it from Secrets Manager in the
        account the build runs in). A fine-grained token with read access to the repositories&apos; contents is enough for builds.
        With the token, Launchbay also posts each deployment&apos;s status on its commit on GitHub, for which the token needs permission
        to write commit statuses (classic: <code>repo:status</code>; fine-grained: <em>Commit statuses</em>, read and write).
      </p>
      {can("git.write") && t && !editing && (
        <p>
          <button onClick={() => setEditing(true)}>{t.configured ? "Replace token" : "Add a GitHub token"}</button>{" "}
          {t.configured && <button className="danger" onClick={() => setRemoving(true)}>Remove token</button>}
        </p>
      )}
      {editing && (
        <form className="inline-form" onSubmit={submit} aria-label="GitHub token" noValidate>
          <input type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} aria-label="GitHub token"
            placeholder="github_pat_… or ghp_…" className="mono" aria-invalid={message ? true : undefined} />
          <button className="primary" disabled={save.isPending || !value.trim()}>Save token</button>
          <button type="button" onClick={() => { setEditing(false); setValue(""); save.reset(); }}>Cancel</button>
        </form>
      )}
      {message && <small className="error" role="alert">{message}</small>}
      {removing && (
        <ConfirmDialog title="Remove the GitHub token?" confirm="Remove token" onConfirm={() => remove.mutate()} onClose={() => setRemoving(false)} pending={remove.isPending}>
          <p>Builds of private repositories fail from their next deploy. Its copies leave your AWS accounts shortly.</p>
          <ErrorNote error={remove.error} />
        </ConfirmDialog>
      )}
    </section>
  );
}

/** The answer of POST …/hooks/github: URL and secret (this once) and where they go on GitHub. */
function HookSetup({ hook, onDone }: { hook: HookSecret; onDone: () => void }) {
  return (
    <div className="panel secret-once" role="region" aria-label="Webhook secret">
      <p><strong>{hook.rotated ? "New secret made: the old one no longer works." : "Webhook made."}</strong> Copy the secret now: it is shown only once.</p>
      <CopyValue label="Payload URL" value={hook.url} />
      <CopyValue label="Secret" value={hook.secret} />
      <ol>
        <li>On GitHub, open the repository&apos;s <strong>Settings → Webhooks</strong> and choose <strong>{hook.rotated ? "Edit" : "Add webhook"}</strong> (one webhook per repository whose services this project builds).</li>
        <li><strong>Payload URL</strong>: the URL above. <strong>Content type</strong>: <code>{hook.content_type}</code>. <strong>Secret</strong>: the secret above.</li>
        <li>Under <strong>Which events</strong>, choose <em>Let me select individual events</em> and tick <strong>Pushes</strong> and <strong>Pull requests</strong>.</li>
        <li>Save. GitHub sends a <em>ping</em> first, which Launchbay answers with 200; pushes and pull requests then appear below.</li>
      </ol>
      <button onClick={onDone}>I have copied it</button>
    </div>
  );
}

function HookDeliveries({ org, deliveries }: { org: string; deliveries: HookDelivery[] }) {
  if (deliveries.length === 0) return <Empty title="No deliveries yet">Once GitHub sends a push or a pull request, it shows here with what it did.</Empty>;
  return (
    <table className="table" aria-label="Recent deliveries">
      <thead><tr><th>When</th><th>Event</th><th>What it did</th><th className="hide-narrow">GitHub delivery</th></tr></thead>
      <tbody>
        {deliveries.map((d) => (
          <tr key={d.id} data-delivery={d.delivery}>
            <td>{ago(d.created)}</td>
            <td>{d.event === "pull_request" ? "pull request" : d.event}</td>
            <td className={d.status === "failed" ? "reason" : undefined}>
              {hookDeliveryWords(d)}
              {deploymentIds(d).map((id, i) => <span key={id}> <Link to={`/orgs/${org}/deployments/${id}`}>deployment {i + 1}</Link></span>)}
              {unchangedServices(d).length > 0 && (
                // services whose watch paths the push did not touch
                <ul className="unchanged small muted" aria-label="Left alone">
                  {unchangedServices(d).map(([name, why]) => <li key={name}>Left {name} alone: {why}</li>)}
                </ul>
              )}
            </td>
            <td className="hide-narrow mono break">{d.delivery}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const deploymentIds = (d: HookDelivery) => (Array.isArray(d.result?.deployments) ? (d.result.deployments as string[]) : []);

/** Each environment's tracked branch (PATCH …/environments/{env} `branch`; empty: tracks none). */
function Branches({ org, project }: { org: string; project: string }) {
  const envs = useGitEnvironments(org, project);
  const tracked = (envs.data?.items ?? []).filter((e) => !e.preview);
  return (
    <section aria-labelledby="branches-h">
      <h2 id="branches-h">Tracked branches</h2>
      <ErrorNote error={envs.error} retry={() => void envs.refetch()} />
      <p className="muted">Previews get host names under <span className="mono">pr-N.&lt;domain suffix&gt;</span> of the environment they are cloned from: give it a domain suffix.</p>
      {tracked.length > 0 && (
        <table className="table" aria-label="Tracked branches">
          <thead><tr><th>Environment</th><th>Branch</th><th className="hide-narrow">Domain suffix</th></tr></thead>
          <tbody>{tracked.map((e) => <BranchRow key={e.id} org={org} project={project} env={e} />)}</tbody>
        </table>
      )}
    </section>
  );
}

function BranchRow({ org, project, env }: { org: string; project: string; env: GitEnvironment }) {
  const qc = useQueryClient();
  const [branch, setBranch] = useState(env.branch ?? "");
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: () =>
      unwrap<GitEnvironment>(api.PATCH("/v1/orgs/{org}/projects/{project}/environments/{env}", {
        params: { path: { org, project, env: env.name } }, body: { branch: branch.trim() || null },
      })),
    onSuccess: () => {
      setSaved(true);
      void qc.invalidateQueries({ queryKey: keys.envs(org, project) });
    },
  });
  const err = save.error instanceof ApiError ? save.error : null;
  const message = err?.forField("branch") ?? (save.error ? (save.error as Error).message : undefined);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    save.mutate();
  };
  const changed = branch.trim() !== (env.branch ?? "");
  return (
    <tr data-environment={env.name}>
      <td>{env.name}</td>
      <td>
        <form className="inline-form" onSubmit={submit} aria-label={`Branch of ${env.name}`} noValidate>
          <input value={branch} onChange={(e) => { setBranch(e.target.value); setSaved(false); }} aria-label={`Branch ${env.name} tracks`}
            placeholder="none" className="mono" aria-invalid={message ? true : undefined} />
          <button disabled={save.isPending || !changed}>Save</button>
        </form>
        {message && <small className="error" role="alert">{message}</small>}
        {saved && !changed && <small className="muted" role="status">{env.branch ? `Tracks ${env.branch}.` : "Tracks no branch."}</small>}
      </td>
      <td className="hide-narrow mono">{env.domain_suffix ?? "—"}</td>
    </tr>
  );
}

function Previews({ org, project }: { org: string; project: string }) {
  const envs = useGitEnvironments(org, project);
  const previews = (envs.data?.items ?? []).filter((e) => e.preview).sort((a, b) => (b.preview?.pr ?? 0) - (a.preview?.pr ?? 0));
  return (
    <section aria-labelledby="previews-h">
      <h2 id="previews-h">Preview environments</h2>
      {envs.isPending && <Loading what="environments" />}
      {envs.data && previews.length === 0 && (
        <Empty title="No preview environments">
          A pull request opened against a tracked branch gets one (not from forks), cloned from that branch&apos;s environment; each push redeploys it.
        </Empty>
      )}
      {previews.length > 0 && (
        <table className="table" aria-label="Preview environments">
          <thead><tr><th>Preview</th><th>Pull request</th><th>Head</th><th className="hide-narrow">Host names</th><th>Last push</th></tr></thead>
          <tbody>
            {previews.map((e) => (
              <tr key={e.id} data-preview={e.name}>
                <td><Link to={`/orgs/${org}/projects/${project}?env=${encodeURIComponent(e.name)}`}>{e.name}</Link></td>
                <td>#{e.preview?.pr}</td>
                <td><span className="mono">{shortSha(e.preview?.head_sha)}</span>{e.preview?.head_ref && <small className="muted"> {e.preview.head_ref}</small>}</td>
                <td className="hide-narrow mono break">{e.domain_suffix ? `*.${e.domain_suffix}` : "none (no domain suffix)"}</td>
                <td>{ago(e.preview?.last_push)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
