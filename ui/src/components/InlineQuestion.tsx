import { useEffect, useRef, useState, type ReactNode } from "react";

const nameOf = (el: Element) => (el.getAttribute("aria-label") ?? el.textContent ?? "").trim();

/** An inline question or form that takes the place of the button that opened it ("Revoke" turns
 * into "Yes, revoke / Keep"). Without care, the clicked button goes away and focus falls to
 * <body>: the next Tab starts at the top of the page. With it: focus moves into the question when
 * it appears (its first field, else its safe answer, a `button.link` such as Keep or Cancel),
 * and when it goes, back to the button that opened it (the one of the same name in the same
 * cell), unless focus went somewhere on purpose meanwhile. */
export function useInlineFocus<T extends HTMLElement>(first = "input, select, textarea, button.link") {
  const ref = useRef<T>(null);
  const [opener] = useState(() => {
    const at = document.activeElement;
    return at && at !== document.body ? nameOf(at) : null;
  });
  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    box.querySelector<HTMLElement>(first)?.focus();
    const ancestors: HTMLElement[] = [];
    for (let e = box.parentElement; e; e = e.parentElement) ancestors.push(e);
    return () => {
      const at = document.activeElement;
      if (!opener || (at && at !== document.body && at.isConnected)) return;
      const around = ancestors.find((e) => e.isConnected);   // the cell, when a wrapper went too
      [...(around?.querySelectorAll<HTMLElement>("button, a[href]") ?? [])].find((b) => nameOf(b) === opener)?.focus();
    };
  }, []);   // on appearing and going only
  return ref;
}

/** A yes/no question in a row (role=group, named by the question), with useInlineFocus. */
export function InlineQuestion({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  const ref = useInlineFocus<HTMLSpanElement>();
  return <span ref={ref} role="group" aria-label={label} className={className}>{children}</span>;
}
