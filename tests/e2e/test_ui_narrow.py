"""What a new user met on a phone (375 px) that a "does the page scroll sideways" check does not
catch, in chromium against the whole stack: log lines cut off at the right edge of the log box,
a deployment row whose image was drawn over by its "who and when", the rollback's list of
changes drawn as boxes (the release list's style leaking into it), the chosen service tab off
screen, fields squeezed three to a line, an environment name broken in two ("product ion"), and
at 1280 px a long organization name pushing the sections onto a second line and fields side by
side out of line when one has a hint, and a project's name run into its date ("shopcreated 1m ago"); and short
words broken in narrow tables ("Revo ke", "viewe r").

Needs `make ui` and chromium, like test_ui_e2e.py.
"""
from __future__ import annotations

import re
import uuid

from tests.e2e.ui_browser import BROWSER_MARKS, create_web_service, deploy_and_wait, expect, fits_375

pytestmark = BROWSER_MARKS
# How many lines a piece of text takes (1: it is whole).
_LINES = "e => { const r = document.createRange(); r.selectNodeContents(e); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"
WIDTH = 375

# Every log row on screen shows its whole message (it wraps), and the log box never scrolls sideways.
_LOG_CUT = """() => {
  const box = document.querySelector('.log-scroll');
  const cut = [...box.querySelectorAll('.log-line .msg')].filter(m => m.scrollWidth > m.clientWidth + 1).map(m => m.textContent);
  return { cut, sideways: box.scrollWidth > box.clientWidth + 1, rows: box.querySelectorAll('.log-line').length };
}"""


# Pairs of boxes that intersect inside one deployment row (its number, badge, image, who and when).
_OVERLAPS = """() => [...document.querySelectorAll('.deploy-list .deploy-row')].flatMap(row => {
  // the text's own box (a Range), not the element's: squeezed text overflows its element
  const kids = [...row.children].map(k => { const r = document.createRange(); r.selectNodeContents(k); return [k.textContent, r.getBoundingClientRect()]; });
  const out = [];
  kids.forEach(([a, r], i) => kids.slice(i + 1).forEach(([b, q]) => {
    if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1) out.push([a, b]);
  }));
  return out;
})"""


def test_log_lines_wrap_and_rows_do_not_overlap_at_375(page):
    page.goto("/signup")
    page.get_by_label("Email").fill(f"narrow-{uuid.uuid4().hex[:6]}@example.com")
    page.get_by_label("Password").fill("a long password")
    page.get_by_label("Organization").fill("Globex Corporation International Holdings")
    page.get_by_role("button", name="Create account").click()
    # the organization's long name leaves the sections on one line at 1280 px
    main = page.get_by_role("navigation", name="Main")
    expect(main.get_by_role("link", name="API tokens")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Sandbox")).to_be_visible()   # the whole bar has loaded
    page.wait_for_load_state("networkidle")
    tops = {round(main.get_by_role("link", name=n).bounding_box()["y"]) for n in ("Projects", "Members", "API tokens")}
    assert len(tops) == 1, tops
    page.get_by_label("New project").fill("shop")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_text("No services yet")).to_be_visible()
    project_url = page.url
    # the projects list: "created …" under the project's name, not run into it ("shopcreated 1m ago")
    main.get_by_role("link", name="Projects").click()
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="shop", exact=True))
    name, when = card.get_by_role("link", name="shop").bounding_box(), card.get_by_text(re.compile("^created")).bounding_box()
    assert when["y"] >= name["y"] + name["height"] - 1, (name, when)
    page.goto(project_url)
    svc_url = create_web_service(page)
    deploy_and_wait(page, "live")

    # the deployment's log: long lines (ARNs) wrap instead of running off the box
    page.set_viewport_size({"width": WIDTH, "height": 740})
    log = page.get_by_role("log")
    log.scroll_into_view_if_needed()
    page.get_by_placeholder("Search the log").fill("arn:aws:")
    expect(log).to_contain_text("arn:aws:")
    seen = page.evaluate(_LOG_CUT)
    assert seen["rows"] > 0 and not seen["cut"] and not seen["sideways"], seen
    page.set_viewport_size({"width": 1280, "height": 860})
    fits_375(page, "deployment page")

    # a second release, then the service page on a phone: nothing in a history row overlaps
    page.goto(svc_url + "/settings")
    page.get_by_label("Image", exact=True).fill("nginx:1.28")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    page.goto(svc_url)
    deploy_and_wait(page, "live")
    page.goto(svc_url)
    expect(page.locator(".deploy-list > li")).to_have_count(2)
    # whether "who and when" fits beside the image depends on their widths: try every phone width
    for width in range(320, 721, 8):
        page.set_viewport_size({"width": width, "height": 740})
        overlaps = page.evaluate(_OVERLAPS)
        assert overlaps == [], (width, overlaps)
    page.set_viewport_size({"width": WIDTH, "height": 740})
    # the rollback's changes are a plain list inside the release's box, not boxes of their own
    page.get_by_role("button", name="Roll back to #1").click()
    change = page.get_by_role("dialog", name="Roll back to #1").get_by_role("listitem").first
    expect(change).to_contain_text("nginx:1.28")
    assert change.evaluate("li => getComputedStyle(li).borderTopWidth") == "0px"
    page.set_viewport_size({"width": 1280, "height": 860})
    fits_375(page, "service page with two releases")

    # the chosen tab is on screen among all the others, and fields side by side are not squeezed
    page.goto(svc_url + "/settings")
    page.set_viewport_size({"width": WIDTH, "height": 740})
    tabs = page.get_by_role("navigation", name="Service sections").get_by_role("link")
    expect(tabs).to_have_count(8)   # a web service: deployments, logs, variables, resources, settings, domain, runs, metrics
    for box in [tabs.nth(i).bounding_box() for i in range(8)]:
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    expect(page.get_by_label("Grace period (s)")).to_be_visible()
    narrowest = page.evaluate("Math.min(...[...document.querySelectorAll('.row > .field')].map(f => f.getBoundingClientRect().width))")
    assert narrowest >= 140, narrowest
    # an environment's name stays on one line
    page.goto(project_url)
    name = page.get_by_role("table", name="Environments").locator("tr[data-environment=production] strong")
    expect(name).to_have_text("production")
    assert name.evaluate("e => e.getClientRects().length") == 1
    page.set_viewport_size({"width": 1280, "height": 860})

    # fields side by side: labels level, inputs level, the button level with the inputs, hints or not
    page.get_by_role("navigation", name="Main").get_by_role("link", name="AWS accounts").click()
    page.get_by_role("button", name="Connect an AWS account").click()
    form = page.get_by_role("form", name="Connect an AWS account")
    tops = form.evaluate("""f => ({
      labels: [...f.querySelectorAll('.inline-form .field label')].map(e => Math.round(e.getBoundingClientRect().top)),
      inputs: [...f.querySelectorAll('.inline-form .field input')].map(e => Math.round(e.getBoundingClientRect().top)) })""")
    assert len(set(tops["labels"])) == 1 and len(set(tops["inputs"])) == 1, tops
    page.goto(project_url)
    env_form = page.get_by_role("form", name="New environment")
    level = env_form.evaluate("""f => [...f.querySelectorAll('.inline-form > .field input, .inline-form > .field select, .inline-form > button')]
      .map(e => Math.round(e.getBoundingClientRect().top))""")
    assert max(level) - min(level) <= 2, level

    # an invitation at 375 px: its role and the Revoke button each stay one word on one line
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    page.get_by_label("Invite by email").fill("a-rather-long-address-for-a-phone@example.com")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Invite").click()
    row = page.get_by_role("table", name="Invitations").get_by_role("row").nth(1)
    expect(row).to_contain_text("viewer")
    page.set_viewport_size({"width": WIDTH, "height": 740})
    assert row.get_by_role("cell", name="viewer", exact=True).evaluate(_LINES) == 1
    assert row.get_by_role("button", name=re.compile("^Revoke")).evaluate(_LINES) == 1
    page.set_viewport_size({"width": 1280, "height": 860})
