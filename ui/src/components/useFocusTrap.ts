import { useEffect, useRef, useState, type KeyboardEvent } from "react";

const FOCUSABLE = 'button:not(:disabled), [href], input:not(:disabled), select:not(:disabled), textarea:not(:disabled), summary, [tabindex]:not([tabindex="-1"])';

/** A modal dialog's keyboard: Tab and Shift+Tab go round inside it (not to the page behind), and
 * when it closes, focus goes back to what had it when it opened (the button that opened it). */
export function useFocusTrap<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  // what had focus when the dialog first rendered: read before any effect (a child's autoFocus,
  // the dialog's own focus move) runs, so it is the opener and never a control inside
  const [opener] = useState(() => document.activeElement as HTMLElement | null);
  useEffect(() => () => { if (opener?.isConnected) opener.focus(); }, [opener]);
  const onKeyDown = (e: KeyboardEvent) => {
    const box = ref.current;
    if (e.key !== "Tab" || !box) return;
    const items = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    const at = document.activeElement;
    if (e.shiftKey && (at === first || at === box)) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && at === last) { e.preventDefault(); first.focus(); }
  };
  return { ref, onKeyDown };
}
