"""A small accessibility check run in the page (no axe-core here): what a screen reader or a
keyboard needs from every screen, in the words of a problem list (empty when all is well).

- every visible form control has an accessible name (label, aria-label(ledby) or title);
- every visible button and link has a name (icon-only ones too);
- exactly one h1, and headings outside dialogs never skip a level (h1 then h3);
- every table has header cells and a name;
- every dialog has a name (and is aria-modal);
- no duplicate ids, no positive tabindex, every img has an alt, every aria-* id reference exists.

The name computation is simplified (labels, aria-label, aria-labelledby, text, title), which is
enough for this app's plain HTML.
"""
from __future__ import annotations

AUDIT_JS = r"""() => {
  const out = [];
  const vis = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const txt = (el) => (el.textContent || "").replace(/\s+/g, " ").trim();
  const byIds = (ids) => ids.split(/\s+/).map((i) => document.getElementById(i)).filter(Boolean).map(txt).join(" ").trim();
  const name = (el) => {
    const by = el.getAttribute("aria-labelledby");
    if (by && byIds(by)) return byIds(by);
    const aria = (el.getAttribute("aria-label") || "").trim();
    if (aria) return aria;
    if (el.labels && el.labels.length) { const n = [...el.labels].map(txt).join(" ").trim(); if (n) return n; }
    if (["BUTTON", "A", "SUMMARY"].includes(el.tagName) || ["button", "link", "tab", "option"].includes(el.getAttribute("role"))) {
      const n = txt(el) || [...el.querySelectorAll("img[alt]")].map((i) => i.alt).join(" ").trim();
      if (n) return n;
    }
    return (el.getAttribute("title") || "").trim();
  };
  const what = (el) => el.outerHTML.slice(0, 140);
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (vis(el) && !name(el)) out.push("control without a label: " + what(el));
  }
  for (const el of document.querySelectorAll("button, a[href], summary, [role=button], [role=link], [role=tab]")) {
    if (vis(el) && !name(el)) out.push("button or link without a name: " + what(el));
  }
  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].filter(vis);
  const h1 = headings.filter((h) => h.tagName === "H1").length;
  if (h1 !== 1) out.push(`${h1} h1 on the page (one expected)`);
  let prev = 0;
  for (const h of headings.filter((h) => !h.closest("[role=dialog]"))) {
    const level = +h.tagName[1];
    if (prev && level > prev + 1) out.push(`heading skips from h${prev} to h${level}: ${txt(h).slice(0, 60)}`);
    prev = level;
  }
  for (const t of document.querySelectorAll("table")) {
    if (!t.querySelector("th")) out.push("table without header cells: " + what(t));
    if (!name(t) && !t.querySelector("caption")) out.push("table without a name: " + what(t));
  }
  for (const d of document.querySelectorAll("[role=dialog], [role=alertdialog], dialog")) {
    if (!name(d)) out.push("dialog without a name: " + what(d));
  }
  const ids = {};
  for (const el of document.querySelectorAll("[id]")) ids[el.id] = (ids[el.id] || 0) + 1;
  for (const [id, n] of Object.entries(ids)) if (n > 1) out.push(`id ${id} used ${n} times`);
  for (const el of document.querySelectorAll("[tabindex]")) if (+el.getAttribute("tabindex") > 0) out.push("positive tabindex: " + what(el));
  for (const el of document.querySelectorAll("img:not([alt])")) out.push("img without alt: " + what(el));
  for (const el of document.querySelectorAll("[aria-describedby], [aria-labelledby], [aria-controls]")) {
    for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
      for (const id of (el.getAttribute(attr) || "").split(/\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) out.push(`${attr} names a missing #${id}: ${what(el)}`);
      }
    }
  }
  return out;
}"""


def audit(page) -> list[str]:
    """The problems AUDIT_JS finds on the page as it is now."""
    return list(page.evaluate(AUDIT_JS))


def assert_accessible(page, screen: str) -> None:
    page.wait_for_load_state("networkidle")
    problems = audit(page)
    assert not problems, f"{screen} ({page.url}): " + "; ".join(problems)


FOCUSED_OUTLINE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), text: (el.textContent || '').trim().slice(0, 40) };
}"""


def tab_to(page, matches, limit: int = 60) -> int:
    """Press Tab until `matches(focused element info)` holds; -> how many presses. Each focused
    element must show a visible outline (:focus-visible)."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_OUTLINE_JS)
        if focused is None:
            continue
        assert focused["style"] != "none" and focused["width"] >= 2, f"no visible focus on {focused}"
        if matches(page):
            return n
    raise AssertionError(f"not reached with {limit} presses of Tab")
