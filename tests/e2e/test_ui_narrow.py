"""What a new user met on a phone (375 px) that a "does the page scroll sideways" check does not
catch, in chromium against the whole stack: log lines cut off at the right edge of the log box,
and a deployment row whose image was drawn over by its "who and when".

Needs `make ui` and chromium, like test_ui_e2e.py.
"""
from __future__ import annotations

import re

from tests.e2e.ui_browser import BROWSER_MARKS, deploy_and_wait, expect, fits_375, sign_up_with_project

pytestmark = BROWSER_MARKS
WIDTH = 375

# Every log row on screen shows its whole message (it wraps), and the log box never scrolls sideways.
_LOG_CUT = """() => {
  const box = document.querySelector('.log-scroll');
  const cut = [...box.querySelectorAll('.log-line .msg')].filter(m => m.scrollWidth > m.clientWidth + 1).map(m => m.textContent);
  return { cut, sideways: box.scrollWidth > box.clientWidth + 1, rows: box.querySelectorAll('.log-line').length };
}"""


def test_log_lines_wrap_and_rows_do_not_overlap_at_375(page):
    sign_up_with_project(page, "narrow")
    page.get_by_role("link", name="New service").first.click()
    page.get_by_label("Name", exact=True).fill("web")
    page.get_by_label("Image").fill("nginx:1.27")
    page.get_by_role("button", name="Create service").click()
    expect(page.get_by_role("heading", name=re.compile("^web"))).to_be_visible()
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
