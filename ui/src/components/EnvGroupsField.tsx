import { useEffect, useId, useRef, useState } from "react";
import { MAX_LINKED } from "../lib/envGroups";

/** A service's environment groups, in order: added from the organization's (`choices`, undefined
 * while not read), removed, moved up and down. A later group wins over an earlier one, the service's
 * own values over all. Inside ServiceForm's fieldset, so a viewer sees it disabled. */
export function EnvGroupsField({ names, choices, onChange, error }: {
  names: string[]; choices: string[] | undefined; onChange: (v: string[]) => void; error: string | undefined;
}) {
  const id = useId();
  const [pick, setPick] = useState("");
  const box = useRef<HTMLDivElement>(null);
  // after a move, the moved group's button keeps the focus (its row moved, or the button went disabled)
  const refocus = useRef<string | null>(null);
  useEffect(() => {
    const label = refocus.current;
    if (!label) return;
    refocus.current = null;
    const buttons = [...(box.current?.querySelectorAll<HTMLButtonElement>("button") ?? [])];
    const same = buttons.find((b) => b.getAttribute("aria-label") === label && !b.disabled);
    const other = buttons.find((b) => b.getAttribute("aria-label") === label.replace(/ (up|down)$/, (m) => (m === " up" ? " down" : " up")));
    (same ?? other)?.focus();
  }, [names]);
  const left = (choices ?? []).filter((c) => !names.includes(c));
  const chosen = left.includes(pick) ? pick : left[0] ?? "";
  const move = (i: number, by: -1 | 1) => {
    const next = [...names];
    [next[i], next[i + by]] = [next[i + by]!, next[i]!];
    refocus.current = `Move ${names[i]!} ${by < 0 ? "up" : "down"}`;
    onChange(next);
  };
  const described = [`${id}-hint`, error ? `${id}-err` : ""].filter(Boolean).join(" ");
  return (
    <div ref={box} className={"field env-groups" + (error ? " field-error" : "")} role="group" aria-labelledby={`${id}-label`}
      // refused by the API: the group takes the focus (its name, hint and error read), as a field would
      aria-describedby={described} aria-invalid={error ? true : undefined} tabIndex={error ? -1 : undefined}>
      <span id={`${id}-label`} className="field-label">Environment groups</span>
      {names.length > 0 ? (
        <ol aria-label="Linked environment groups" className="env-group-list">
          {names.map((n, i) => (
            <li key={n} className="alias-row" data-group={n}>
              <span className="mono">{n}</span>
              {choices && !choices.includes(n) && <small className="error">not found</small>}
              <span className="row">
                <button type="button" className="link" aria-label={`Move ${n} up`} disabled={i === 0} onClick={() => move(i, -1)}>Up</button>
                <button type="button" className="link" aria-label={`Move ${n} down`} disabled={i === names.length - 1} onClick={() => move(i, 1)}>Down</button>
                <button type="button" className="link danger" aria-label={`Remove ${n}`} onClick={() => {
                  onChange(names.filter((x) => x !== n));
                  box.current?.querySelector<HTMLElement>("select, button.add-group")?.focus();
                }}>Remove</button>
              </span>
            </li>
          ))}
        </ol>
      ) : <p className="muted small">None linked.</p>}
      {choices === undefined ? null : names.length >= MAX_LINKED ? (
        <p className="muted small">At most {MAX_LINKED} groups.</p>
      ) : left.length === 0 ? (
        <p className="muted small">{choices.length ? "Every group of the organization is linked." : "The organization has no environment groups yet."}</p>
      ) : (
        <div className="alias-row">
          <select aria-label="Group to add" value={chosen} onChange={(e) => setPick(e.target.value)}>
            {left.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
          <button type="button" className="link add-group" onClick={() => { if (chosen) onChange([...names, chosen]); }}>Add group</button>
        </div>
      )}
      <small id={`${id}-hint`} className="hint">
        Shared variables and secrets of the organization. Lowest to highest: the environment&apos;s values, these groups from top to
        bottom (a later one wins), the service&apos;s own. Applies with the next deploy.
      </small>
      {error && <small id={`${id}-err`} className="error" role="alert">{error}</small>}
    </div>
  );
}
