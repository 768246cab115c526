/** A command line split into arguments the way a POSIX shell would for simple input: spaces
 * separate, '…' keeps everything literally, "…" keeps spaces (with \" and \\ escapes), a
 * backslash outside quotes escapes the next character. No expansion: the task gets the words
 * as typed (write `sh -c '…'` for pipes and variables). -> null when a quote is left open. */
export function shellWords(line: string): string[] | null {
  const out: string[] = [];
  let word = "", inWord = false, quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null; else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c; inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      word += line[++i]; inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = ""; inWord = false;
    } else {
      word += c; inWord = true;
    }
  }
  if (quote) return null;
  if (inWord) out.push(word);
  return out;
}
