// A log-in session's User-Agent in words, as the CLI's `launchbay sessions` says it (cli/commands/accounts.py).

// the first that matches names it: Edge and Opera say "Chrome" too, Chrome says "Safari"
const BROWSERS: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, "Edge"], [/OPR\/|Opera/, "Opera"], [/Firefox\/|FxiOS\//, "Firefox"],
  [/Chrome\/|CriOS\/|Chromium\//, "Chrome"], [/Safari\//, "Safari"],
];
const SYSTEMS: [RegExp, string][] = [
  [/iPhone|iPad|iPod/, "iOS"], [/Android/, "Android"], [/CrOS/, "ChromeOS"], [/Windows/, "Windows"],
  [/Macintosh|Mac OS X/, "macOS"], [/Linux|X11/, "Linux"],
];

/** "launchbay CLI 1.2", "Firefox on macOS", else the raw string cut to 40 characters ("unknown client" when none). */
export function clientWords(agent: string | null | undefined): string {
  const a = agent?.trim();
  if (!a) return "unknown client";
  const cli = /launchbay-cli(?:\/(\S+))?/i.exec(a);
  if (cli) return "launchbay CLI" + (cli[1] ? ` ${cli[1]}` : "");
  const browser = BROWSERS.find(([mark]) => mark.test(a))?.[1];
  const system = SYSTEMS.find(([mark]) => mark.test(a))?.[1];
  if (browser) return system ? `${browser} on ${system}` : browser;
  return a.length <= 40 ? a : a.slice(0, 39) + "…";
}
