import { useEffect, useRef } from "react";
import { useLocation } from "react-router";

/** The page's own words for the browser tab: its h1 without the status badge ("web · Launchbay"). */
export function pageTitle(h1: Element | null): string {
  if (!h1) return "Launchbay";
  const copy = h1.cloneNode(true) as Element;
  copy.querySelectorAll(".badge, .sr-only").forEach((e) => e.remove());
  const text = (copy.textContent ?? "").replace(/\s+/g, " ").trim();
  return text ? `${text} · Launchbay` : "Launchbay";
}

const PENDING_MS = 5000;

/** What a screen reader and a keyboard need from a client-side page change, in the box `main`:
 * - the document title follows the page's h1 (every screen had the title "Launchbay");
 * - after a move to another address, focus goes to the new page's h1, where reading starts, when
 *   it was lost with the old page (it fell to <body>, so the next Tab would start from the top) or
 *   is in the top bar (a section link: the page changed, not the bar). When it is still on
 *   something in the page that stayed (a service tab), or in a dialog, it stays.
 * Pages load lazily, so both wait for the h1 to appear. */
export function usePageFocus<T extends HTMLElement>() {
  const main = useRef<T>(null);
  const { pathname } = useLocation();
  const pendingUntil = useRef(0);
  const first = useRef(true);

  useEffect(() => {
    if (first.current) { first.current = false; return; }
    pendingUntil.current = Date.now() + PENDING_MS;
  }, [pathname]);

  useEffect(() => {
    const box = main.current;
    if (!box) return;
    const sync = () => {
      const h1 = box.querySelector("h1");
      const title = pageTitle(h1);
      if (document.title !== title) document.title = title;
      if (!pendingUntil.current) return;
      if (Date.now() > pendingUntil.current) { pendingUntil.current = 0; return; }
      const at = document.activeElement;
      const lost = !at || at === document.body || (!box.contains(at) && !at.closest("[role=dialog]"));
      if (h1 && lost) {
        pendingUntil.current = 0;
        h1.tabIndex = -1;
        h1.focus();
      }
    };
    sync();
    const watch = new MutationObserver(sync);
    watch.observe(box, { subtree: true, childList: true, characterData: true });
    return () => watch.disconnect();
  }, []);
  return main;
}
