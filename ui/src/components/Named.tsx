import type { ReactNode } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../api/client";
import { orgSettingsPath } from "../api/orgs";

type Named = ApiError["resources"][number];

/** Where the page of a thing a refusal names is (error.resources); null: it has no page of its own. */
function pathOf(org: string | undefined, r: Named): string | null {
  if (r.type === "organization") return orgSettingsPath(r.id);
  if (!org) return null;
  if (r.type === "service") return `/orgs/${org}/services/${r.id}`;
  if (r.type === "project") return `/orgs/${org}/projects/${r.id}`;
  return null;   // an environment: its project's page shows it
}

/** What a refusal names, by id (a 409 that refuses a delete: what still uses it), each linked to its page. */
function NamedResources({ named }: { named: Named[] }) {
  const { org } = useParams();
  return (
    <ul className="named-resources">
      {named.map((r) => {
        const path = pathOf(org, r);
        return <li key={`${r.type}:${r.id}`}>{path ? <Link to={path}>{r.name}</Link> : r.name} <span className="muted">({r.type})</span></li>;
      })}
    </ul>
  );
}

/** An error's alert: its words in a paragraph, and what it names (error.resources) listed under them. */
export function ErrorAlert({ error, children }: { error: unknown; children: ReactNode }) {
  if (!(error instanceof ApiError && error.resources.length > 0))
    return <p className="form-error" role="alert">{children}</p>;
  return <div className="form-error" role="alert"><p>{children}</p><NamedResources named={error.resources} /></div>;
}
