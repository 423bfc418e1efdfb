"""Every page of the permission matrix fits a 360 px phone, for every role that may open it.

The pages and who may open them come from the permission matrix (tests/matrix/): each URL that
answers 200 to a role is opened by that role, in English and in Arabic (right to left), with a
Farsi sample, at 360 x 740 in Chromium, with the long names, addresses and several rows of a real
programme (tests/browser/phone_world.py) and two flash messages on every page. A page fits when
it is no wider than the screen and no element reaches past the screen's edge — the right edge
left to right, the left edge right to left — unless it is clipped on purpose (text that is
visually hidden, an SVG drawing). A table that scrolls sideways inside its box does not fit: on a
phone its rows are stacked.

One browser, one signed-in context per role, the data built once: the whole walk takes about a
minute or two.
"""

import pytest
from django.conf import settings
from django.test import override_settings

from tests.matrix.test_permission_matrix import GET_MATRIX
from tests.matrix.urls import url_for
from tests.matrix.world import ROLES

from .helpers import signed_in_context
from .phone_world import build_phone_world, messages_cookie

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "ar")
# Farsi (right to left, its own words and digits) on the pages of the roles most people have.
SAMPLE = {"fa": ("anonymous", "learner_a", "coordinator_a")}

# Each element that reaches past the screen's edge, outermost first, unless an ancestor clips it.
MEASURE = """() => {
  const screen = window.innerWidth;
  const rtl = getComputedStyle(document.documentElement).direction === "rtl";
  const past = (box) => (rtl ? -box.left : box.right - screen);
  const clippedBy = (el) => {
    for (let up = el; up && up !== document.body; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow !== "visible") return overflow;
    }
    return null;
  };
  const describe = (el) => {
    const classes = [...el.classList].slice(0, 3).join(".");
    return `<${el.tagName.toLowerCase()}${classes ? "." + classes : ""}>`;
  };
  const beyond = [];
  const report = (el, box, what) => {
    if (el !== document.body && past(el.getBoundingClientRect()) > 0.5) return;  // outermost only
    const clip = clippedBy(el);
    if (clip === "hidden" || clip === "clip") return;
    const how = clip ? " (scrolls sideways inside its box)" : "";
    beyond.push(`${what} by ${Math.round(past(box))}px${how}`);
  };
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || past(box) <= 0.5) continue;
    const text = (el.innerText || "").trim().slice(0, 40);
    report(el.parentElement, box, `${describe(el)} “${text}”`);
  }
  // Text wider than its element (a long address) spills out of a box that fits.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.data.trim()) continue;
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (!box.width || past(box) <= 0.5) continue;
    const text = node.data.trim().slice(0, 40);
    report(node.parentElement, box, `text “${text}” in ${describe(node.parentElement)}`);
  }
  return {
    width: document.documentElement.scrollWidth,
    screen: screen,
    lang: document.documentElement.lang,
    beyond: beyond.slice(0, 5),
  };
}"""


def pages_for(role: str) -> list[str]:
    """The matrix's URL names that answer 200 to `role`."""
    return [name for name in sorted(GET_MATRIX) if GET_MATRIX[name][role] == 200]


def languages_for(role: str) -> list[str]:
    return [*LANGUAGES, *(lang for lang, roles in SAMPLE.items() if role in roles)]


# The issuer has a domain, as in the matrix: its DID document is served (decision 0025).
@override_settings(CREDENTIAL_ISSUER_DID="did:web:learn.example.org")
def test_every_page_fits_a_360px_phone_for_every_role_in_english_and_arabic(
    new_context, live_server
):
    world = build_phone_world()
    site = live_server.url
    is_page: dict[str, bool] = {}  # URL name → HTML page (not a file, JSON, a PDF...)
    checked, problems = set(), []
    for role in ROLES:
        context = new_context()
        if world.users[role] is not None:
            signed_in_context(context, live_server, world.users[role])
        page = context.new_page()
        for language in languages_for(role):
            for name in pages_for(role):
                url = site + url_for(name, world)
                if name not in is_page:
                    response = context.request.get(url, max_redirects=0)
                    assert response.status == 200, f"{name} as {role}: {response.status}"
                    is_page[name] = response.headers["content-type"].startswith("text/html")
                if not is_page[name]:
                    continue
                context.add_cookies(
                    [
                        {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site},
                        {"name": "messages", "value": messages_cookie(language), "url": site},
                    ]
                )
                response = page.goto(url)
                assert response.status == 200, f"{name} as {role} in {language}: {response.status}"
                found = page.evaluate(MEASURE)
                assert found["lang"] == language, f"{url} is in {found['lang']}, not {language}"
                checked.add((name, role, language))
                if found["width"] > found["screen"] or found["beyond"]:
                    problems.append(
                        f"{name} as {role} in {language} ({url.removeprefix(site)}): "
                        f"{found['width']}px wide; " + "; ".join(found["beyond"])
                    )
    pages = {name for name, _, _ in checked}
    print(
        f"\n{len(checked)} checks: {len(pages)} pages, "
        f"{len({(n, r) for n, r, _ in checked})} page-role pairs, "
        f"languages {sorted({lang for _, _, lang in checked})}"
    )
    assert not problems, f"{len(problems)} of {len(checked)} pages overflow:\n" + "\n".join(
        problems
    )
