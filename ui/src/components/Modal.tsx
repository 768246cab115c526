import { useEffect, useId, type ReactNode } from "react";
import { LoadingVoice } from "./Empty";
import { useFocusTrap } from "./useFocusTrap";

/** A modal dialog: role=dialog and aria-modal, named by its heading; focus moves inside at once (to
 * the first element matching `focus`, else the first control), Tab and Shift+Tab stay inside,
 * Escape or a click outside closes it, and focus goes back to what opened it. */
export function Modal({ title, onClose, children, focus = "input, select, textarea, button" }: {
  title: string; onClose: () => void; children: ReactNode; focus?: string;
}) {
  const { ref, onKeyDown: trap } = useFocusTrap<HTMLDivElement>();
  const titleId = useId();
  useEffect(() => {
    const box = ref.current;
    (box?.querySelector<HTMLElement>(focus) ?? box)?.focus();
  }, []);   // on opening only
  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && onClose()}
      onKeyDown={(e) => {
        if (e.key === "Escape") { e.stopPropagation(); onClose(); } else trap(e);
      }}>
      <div ref={ref} tabIndex={-1} className="dialog" role="dialog" aria-modal="true" aria-labelledby={titleId}>
        <h2 id={titleId}>{title}</h2>
        <LoadingVoice>{children}</LoadingVoice>
      </div>
    </div>
  );
}
