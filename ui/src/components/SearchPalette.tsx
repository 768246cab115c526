import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useNavigate } from "react-router";
import type { SearchHit } from "../api/models";
import { useSearch } from "../api/queries";
import { highlighted } from "../lib/highlight";
import { auditHitWords } from "../lib/auditWords";
import { StatusBadge } from "./StatusBadge";
import { useFocusTrap } from "./useFocusTrap";

const TYPES = ["", "service", "deployment", "log", "audit"] as const;

/** Where a result leads in the UI. */
export function hitPath(org: string, h: SearchHit): string {
  // an audit event about a deployment or service names it in its title
  const link = `${h.link ?? ""} ${h.type === "audit" ? h.title.replace(/ (dep|svc)_/g, " deployments/$1_").replace("deployments/svc_", "services/svc_") : ""}`;
  const dep = link.match(/deployments\/(dep_[A-Za-z0-9]+)/)?.[1] ?? (h.type === "deployment" ? h.id : undefined);
  if (dep) return `/orgs/${org}/deployments/${dep}`;
  const svc = link.match(/services\/(svc_[A-Za-z0-9]+)/)?.[1] ?? (h.type === "service" ? h.id : undefined);
  if (svc) return `/orgs/${org}/services/${svc}`;
  return `/orgs/${org}/audit`;
}

function snippetOf(h: SearchHit): string {
  if (h.snippet) return h.snippet;
  const hl = h.highlights;
  if (Array.isArray(hl)) return hl[0] ?? "";
  if (hl) return Object.values(hl).flat()[0] ?? "";
  return "";
}

/** Ctrl-K: search everything in the organization; arrows move, Enter opens, Escape closes. */
export function SearchPalette({ org, onClose }: { org: string; onClose: () => void }) {
  const [q, setQ] = useState("");
  const [type, setType] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const { ref: box, onKeyDown: trap } = useFocusTrap<HTMLDivElement>();
  const navigate = useNavigate();
  const search = useSearch(org, q, type);
  const results = q.trim() ? search.data?.results ?? [] : [];

  useEffect(() => input.current?.focus(), []);   // (useFocusTrap gives focus back when it closes)
  useEffect(() => setActive(0), [q, type]);

  const open = (h: SearchHit | undefined) => {
    if (!h) return;
    onClose();
    navigate(hitPath(org, h));
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") onClose();
    else if (e.key === "ArrowDown") { e.preventDefault(); setActive((a) => Math.min(a + 1, results.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); setActive((a) => Math.max(a - 1, 0)); }
    else if (e.key === "Enter") { e.preventDefault(); open(results[active]); }
    else trap(e);
  };
  const facets = search.data?.facets.type ?? {};
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={box} className="palette" role="dialog" aria-modal="true" aria-label="Search" onKeyDown={onKey}>
        <input
          ref={input} type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Search services, deployments, logs, audit…"
          role="combobox" aria-expanded={results.length > 0} aria-controls="search-results" aria-label="Search"
          aria-activedescendant={results[active] ? `hit-${active}` : undefined}
        />
        <div className="facets" role="group" aria-label="Type">
          {TYPES.map((t) => (
            <button key={t || "all"} type="button" aria-pressed={type === t} onClick={() => setType(t)}>
              {t || "all"}{t && facets[t] != null ? ` (${facets[t]})` : ""}
            </button>
          ))}
        </div>
        <ul id="search-results" role="listbox" aria-label="Results">
          {results.map((h, i) => (
            <li key={h.type + h.id} id={`hit-${i}`} role="option" aria-selected={i === active}
                onMouseEnter={() => setActive(i)} onClick={() => open(h)} className={i === active ? "active" : ""}>
              <span className="hit-type">{h.type}</span>
              <span className="hit-title">{h.type === "audit" ? auditHitWords(org, h.title) : highlighted(h.title)}</span>
              {h.status && <StatusBadge status={h.status} />}
              {snippetOf(h) && <small className="hit-snippet">{highlighted(snippetOf(h))}</small>}
            </li>
          ))}
        </ul>
        {q.trim() && search.data && results.length === 0 && <p className="muted">No matches for “{q}”.</p>}
        {/* the count, said as it changes (the list itself is not a live region) */}
        <p className="sr-only" role="status">
          {q.trim() && search.data ? (search.data.total === 0 ? "No matches" : `${search.data.total} found`) : ""}
        </p>
        {search.error && <p className="form-error" role="alert">{(search.error as Error).message}</p>}
        <p className="muted small">↑ ↓ to move · Enter to open · Esc to close {search.data ? `· ${search.data.total} found` : ""}</p>
      </div>
    </div>
  );
}
