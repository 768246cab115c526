// What a deployment changes against the release before it (GET …/deployments/{dep}/changes,
// chalicelib/deploys/changes.py): image, commit with a compare link, settings, variable and secret
// names. On the deployment's page, over its timeline; "Compare with" picks another earlier release
// (`?against=` in the address, so a comparison can be shared).
import { useId, useState, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import type { Deployment, DeploymentChanges, Release } from "../api/models";
import { useDeploymentChanges, useReleases } from "../api/queries";
import { ago, isFinal } from "../lib/format";
import { ErrorNote, Loading } from "./Empty";

/** Lines shown before "Show all": the log below is not pushed far down. */
export const SHOWN = 5;

/** `live`: the service's live release (the releases are read again when it changes). */
export function ChangesSection({ org, d, live }: { org: string; d: Deployment; live?: string | null | undefined }) {
  const [params, setParams] = useSearchParams();
  const against = params.get("against") ?? "";
  const q = useDeploymentChanges(org, d.id, d.status, against);
  // the release before, as the API picks it: the default of Compare with (the same query without `against`)
  const before = useDeploymentChanges(org, d.id, d.status);
  const releases = useReleases(org, d.service_id, live);
  const c = q.data && q.data.deployment.deployment_id === d.id ? q.data : undefined;
  const b = before.data && before.data.deployment.deployment_id === d.id ? before.data : undefined;
  const options = compareOptions(d, releases.data?.items ?? [], b ? b.against : undefined, against, c);
  // the release before named in the address is the default
  const value = b?.against && against === b.against.deployment_id ? "" : against;
  const pick = (value: string) => setParams((p) => {
    const next = new URLSearchParams(p);
    if (value) next.set("against", value); else next.delete("against");
    return next;
  }, { replace: true });
  const selectId = useId();
  return (
    <section aria-labelledby="changes-h" className="changes" data-testid="changes" aria-busy={q.isFetching && !c}>
      <h2 id="changes-h">
        {c?.against
          ? <>Changes since <Link to={`/orgs/${org}/deployments/${c.against.deployment_id}`}>release #{c.against.number}</Link></>
          : "Changes"}
      </h2>
      {/* once the release before is known (or cannot be): the first option names it */}
      {options.length > 1 && (b || before.isError) && (
        <p className="changes-compare">
          <label htmlFor={selectId}>Compare with</label>{" "}
          <select id={selectId} value={value} onChange={(e) => pick(e.target.value)}>
            {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
          </select>
        </p>
      )}
      {!c && q.isPending && <Loading what="the changes" />}
      {!c && <ErrorNote error={q.error} retry={() => void q.refetch()} />}
      {c && <ChangesBody c={c} running={!isFinal(d.status)} />}
    </section>
  );
}

export interface CompareOption { value: string; label: string }

/** What "Compare with" offers: the release before as the API picks it (value "", the default), then
 * the service's other releases (deployments that went live) older than `d`, newest first; one named
 * in the address that is none of these stays (the API says whether it compares with it).
 * `base`: the API's release before (null: none, undefined: not known yet). */
export function compareOptions(d: Pick<Deployment, "id" | "number">, releases: Release[], base: DeploymentChanges["against"] | undefined,
                               against: string, answer?: DeploymentChanges): CompareOption[] {
  const when = (r: Release) => ago(r.finished ?? r.created);
  const baseRelease = base ? releases.find((r) => r.deployment_id === base.deployment_id) : undefined;
  const first: CompareOption = {
    value: "",
    label: base === undefined ? "the release before"
      : base === null ? "nothing: its first release"
      : `release #${base.number} (the release before)${baseRelease ? ` · ${when(baseRelease)}` : ""}`,
  };
  const out = [first];
  for (const r of releases) {
    if (r.number >= d.number || r.deployment_id === d.id || r.deployment_id === base?.deployment_id) continue;
    out.push({ value: r.deployment_id, label: `release #${r.number} · ${when(r)}` });
  }
  if (against && against !== base?.deployment_id && !out.some((o) => o.value === against)) {
    const named = answer?.against?.deployment_id === against ? answer.against : undefined;
    out.push({ value: against, label: named ? `${named.status === "live" ? "release" : "deployment"} #${named.number}` : "the deployment in the address" });
  }
  return out;
}

function ChangesBody({ c, running }: { c: DeploymentChanges; running: boolean }) {
  const [all, setAll] = useState(false);
  const listId = useId();
  if (!c.against) return <p>The service's first release: everything in it is new.</p>;
  const lines = changeLines(c);
  const secretsNote = c.secrets === null && (
    <p className="muted small">
      {running ? "Secrets are read at their current versions when it runs: which of them changed shows then."
        : "Secret versions are not compared: one of these releases did not record them."}
    </p>
  );
  if (c.unchanged || lines.length === 0) {
    return (
      <>
        <p>{c.secrets === null ? "Nothing changed: the same image and settings." : "Nothing changed: the same image, settings and secret versions."}</p>
        {secretsNote}
      </>
    );
  }
  const shown = all || lines.length <= SHOWN ? lines : lines.slice(0, SHOWN - 1);
  return (
    <>
      <ul className="change-list" id={listId} aria-label={`${lines.length} change${lines.length === 1 ? "" : "s"}`}>
        {shown.map((l, i) => <li key={i}>{l}</li>)}
      </ul>
      {lines.length > SHOWN && (
        <button type="button" className="link" aria-expanded={all} aria-controls={listId} onClick={() => setAll(!all)}>
          {all ? "Show fewer" : `Show all ${lines.length} changes`}
        </button>
      )}
      {c.commit?.commits && c.commit.commits.length > 0 && <CommitList commit={c.commit} />}
      {c.commit?.compare_url && (
        <p className="small"><a href={c.commit.compare_url} target="_blank" rel="noreferrer">Compare commits on GitHub</a></p>
      )}
      {secretsNote}
    </>
  );
}

/** The commits the release brings, newest first, as GitHub listed them (the newest 50). */
function CommitList({ commit }: { commit: NonNullable<DeploymentChanges["commit"]> }) {
  const listed = commit.commits ?? [];
  const total = commit.total_commits ?? listed.length;
  return (
    <>
      <ul className="commit-list" aria-label={`${total} commit${total === 1 ? "" : "s"}`}>
        {listed.map((x) => (
          <li key={x.sha}>
            {x.url ? <a href={x.url} target="_blank" rel="noreferrer"><code>{x.sha.slice(0, 7)}</code></a> : <code>{x.sha.slice(0, 7)}</code>}
            {" "}{x.message}{x.author && <span className="muted"> · {x.author}</span>}
          </li>
        ))}
      </ul>
      {total > listed.length && <p className="small muted">and {total - listed.length} older commit{total - listed.length === 1 ? "" : "s"}</p>}
    </>
  );
}

const Arrow = () => <><span aria-hidden="true"> → </span><span className="sr-only"> to </span></>;
const Code = ({ children, title }: { children: ReactNode; title?: string }) => <code title={title}>{children}</code>;

/** The changes, one line each, from the structured fields (the same lines as `summary`, in its
 * order); `summary` itself when they give none (an API that knows more kinds of change). */
export function changeLines(c: DeploymentChanges): ReactNode[] {
  const lines: ReactNode[] = [];
  if (c.image) {
    lines.push(<>Image <Image ref_={c.image.from} /><Arrow /><Image ref_={c.image.to} /></>);
  }
  if (c.commit) {
    lines.push(<>Commit <Code>{short(c.commit.from)}</Code><Arrow /><Code>{short(c.commit.to)}</Code></>);
  }
  for (const s of c.settings) {
    if (s.field === "allowed_ips") {
      lines.push(<>reachable from <Addresses ips={s.from} /><Arrow /><Addresses ips={s.to} /></>);
      continue;
    }
    lines.push(<>{s.field.replace(/_/g, " ")} <Code>{value(s.from)}</Code><Arrow /><Code>{value(s.to)}</Code></>);
  }
  const names = (kind: string, moves: Record<string, string[]>) => {
    for (const [how, list] of Object.entries(moves)) {
      if (list.length) lines.push(<>{kind} {how}: {list.map((n, i) => <span key={n}>{i > 0 && ", "}<Code>{n}</Code></span>)}</>);
    }
  };
  names("Variables", c.variables);
  if (c.secrets) names("Secrets", c.secrets);
  return lines.length || !c.summary.length ? lines : c.summary;
}

const short = (sha: string | null) => (sha ? sha.slice(0, 7) : "none");

/** An image pinned by digest by its name and 12 digits of the digest (the whole in its title). */
function Image({ ref_ }: { ref_: string | null }) {
  if (!ref_) return <Code>none</Code>;
  const [name, digest] = ref_.split("@");
  const repo = (name ?? "").split("/").pop();
  return <Code title={ref_}>{digest ? `${repo}@${digest.slice(0, "sha256:".length + 12)}…` : ref_}</Code>;
}

/** A web service's allowed_ips in a change: its addresses ("203.0.113.0/24, 2001:db8::/32"), or
 * "everyone" for none (null or []). */
function Addresses({ ips }: { ips: unknown }) {
  const list = Array.isArray(ips) ? ips.map(String) : ips ? [String(ips)] : [];
  return list.length ? <Code>{list.join(", ")}</Code> : <>everyone</>;
}

/** A setting's value as the CLI shows it: JSON for lists and objects (cut at 80 characters). */
export function value(v: unknown): string {
  if (v === null || v === undefined) return "none";
  if (typeof v === "object") {
    const text = JSON.stringify(v);
    return text.length <= 80 ? text : text.slice(0, 77) + "...";
  }
  return String(v);
}
