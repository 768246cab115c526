import type { ReactNode } from "react";

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (m) => ENTITIES[m] ?? m);

/** The API's snippet (HTML-escaped text with <mark> around matches) as React nodes: the
 * marks become <mark> elements and everything else stays text, so no HTML is ever injected. */
export function highlighted(snippet: string): ReactNode[] {
  const out: ReactNode[] = [];
  let inMark = false;
  snippet.split(/(<mark>|<\/mark>)/).forEach((part, i) => {
    if (part === "<mark>") inMark = true;
    else if (part === "</mark>") inMark = false;
    else if (part) out.push(inMark ? <mark key={i}>{decode(part)}</mark> : decode(part));
  });
  return out;
}
