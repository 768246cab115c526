// styles.css against WCAG 2.2: the colours at AA: text 4.5:1 (1.4.3), the focus ring 3:1 against
// the page behind it (1.4.11), in the light and the dark scheme.
async function stylesheet(): Promise<string> {
  const fs = (await import(/* @vite-ignore */ "node:" + "fs")) as { readFileSync(p: string, enc: "utf8"): string };
  return fs.readFileSync("src/styles.css", "utf8");   // vitest runs in ui/
}

/** The custom properties of the first `:root {…}` after `from` in the stylesheet. */
function variables(css: string, from = 0): Record<string, string> {
  const start = css.indexOf(":root", from);
  const body = css.slice(css.indexOf("{", start) + 1, css.indexOf("}", start));
  const long = (hex: string) => (hex.length === 4 ? "#" + [...hex.slice(1)].map((c) => c + c).join("") : hex).toLowerCase();
  return Object.fromEntries([...body.matchAll(/--([a-z-]+):\s*(#(?:[0-9a-f]{6}|[0-9a-f]{3}))\b/gi)].map((m) => [m[1]!, long(m[2]!)]));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

// [foreground, background, minimum]
const PAIRS: [string, string, number][] = [
  ["text", "bg", 4.5], ["text", "panel", 4.5], ["muted", "bg", 4.5], ["muted", "panel", 4.5],
  ["accent", "bg", 4.5], ["accent", "panel", 4.5], ["accent-text", "accent", 4.5],
  ["ok", "ok-bg", 4.5], ["bad", "bad-bg", 4.5], ["warn", "warn-bg", 4.5], ["busy", "busy-bg", 4.5], ["idle", "idle-bg", 4.5],
  ["focus", "bg", 3], ["focus", "panel", 3],
];

test("the colour pairs of both schemes are readable, and the focus ring stands out from the page", async () => {
  const css = await stylesheet();
  const light = variables(css);
  const dark = { ...light, ...variables(css, css.indexOf("prefers-color-scheme: dark")) };
  const failing: string[] = [];
  for (const [scheme, v] of [["light", light], ["dark", dark]] as const) {
    for (const [fg, bg, min] of PAIRS) {
      const ratio = contrast(v[fg]!, v[bg]!);
      if (!(ratio >= min)) failing.push(`${scheme} --${fg} on --${bg}: ${ratio.toFixed(2)} (at least ${min})`);
    }
  }
  expect(failing).toEqual([]);
});

test("the contrast formula", () => {
  expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
  expect(contrast("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
});

test("every animation stops for a person who asked for reduced motion", async () => {
  const css = await stylesheet();
  const reduced = css.slice(css.indexOf("prefers-reduced-motion: reduce"));
  const stopped = reduced.slice(0, reduced.indexOf("}") + 1);
  const animated = [...css.matchAll(/([^{}]+)\{[^}]*\banimation:\s*(?!none)[^;}]+/g)]
    .map((m) => m[1]!.trim()).filter((sel) => !sel.startsWith("@"));
  expect(animated.length).toBeGreaterThan(0);
  expect(animated.filter((sel) => !stopped.includes(sel))).toEqual([]);
});
