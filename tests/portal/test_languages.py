"""No template shows text that is not marked for translation.

Every template under templates/ is read as Django template source: comments, `{% translate %}`
tags and `{% blocktranslate %}` blocks, other tags and `{{ variables }}`, `<script>`/`<style>` and
HTML comments are taken out, and so are attributes except the ones a person sees or hears
(title, alt, aria-label, placeholder, and the value of a button). Also left out: `{% setvar %}`
blocks (allauth's element arguments), sample files and codes in `<pre>`, `<code>`, `<kbd>` and
`<samp>`, and paths and URLs (`{{ site_url }}/learn/`). Whatever text is left that has a letter in
it is shown untranslated to an Arabic or Farsi reader, so it fails the test — unless it is in
ALLOWED (technical names that are the same in every language).

Which messages are translated in every language is checked by test_translations.py.
"""

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"

# Words that stay as they are in every language: formats, brands of standards and networks,
# identifiers. Matched as whole text fragments, case-sensitively.
ALLOWED = {"JSON", "PDF", "CSV", "QR", "SVG", "LinkedIn", "did:key", "API", "TOTP", "\u00d7", "·"}

COMMENT_BLOCK = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
COMMENT = re.compile(r"{#.*?#}", re.S)
BLOCKTRANSLATE = re.compile(
    r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}", re.S
)
SETVAR = re.compile(r"{%\s*setvar\b.*?%}.*?{%\s*endsetvar\s*%}", re.S)
TEMPLATE_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
LETTER = re.compile(r"[^\W\d_]")
VISIBLE_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder"}
BUTTON_INPUTS = {"submit", "button", "reset"}
TECHNICAL = {"script", "style", "pre", "code", "kbd", "samp"}


def strip_template(source: str) -> str:
    """The template with everything Django replaces or translates taken out."""
    for pattern in (COMMENT_BLOCK, COMMENT, BLOCKTRANSLATE, SETVAR, HTML_COMMENT):
        source = pattern.sub(" ", source)
    # Nothing in their place: `<{% if href %}a{% else %}button{% endif %}` must stay a tag.
    return TEMPLATE_TAG.sub("", source)


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in TECHNICAL:
            self._hidden_depth += 1
        attrs = dict(attrs)
        visible = {name: value for name, value in attrs.items() if name in VISIBLE_ATTRIBUTES}
        if tag == "input" and (attrs.get("type") or "").lower() in BUTTON_INPUTS:
            visible["value"] = attrs.get("value")
        for name, value in visible.items():
            self._check(value or "", f'{tag}[{name}="…"]')

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in TECHNICAL:
            self._hidden_depth -= 1

    def handle_endtag(self, tag):
        if tag in TECHNICAL and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if not self._hidden_depth:
            self._check(data, "text")

    def _check(self, text: str, where: str):
        for fragment in re.split(r"\s{2,}|\n", unescape(text)):
            if fragment.strip().startswith("/") or "://" in fragment:
                continue  # a path or URL
            fragment = fragment.strip(" \t.,:;()[]!?\"'-\u2013\u2014/|")
            if fragment and LETTER.search(fragment) and fragment not in ALLOWED:
                self.found.append(f"{where}: {fragment!r}")


def untranslated_text(source: str) -> list[str]:
    parser = VisibleText()
    parser.feed(strip_template(source))
    parser.close()
    return parser.found


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.is_file() and p.suffix in {".html", ".txt"})


def test_the_check_finds_untranslated_text():
    assert untranslated_text("<p>Hello</p>") == ["text: 'Hello'"]
    assert untranslated_text('<img alt="A cat" src="x.png">') == ["img[alt=\"…\"]: 'A cat'"]
    assert untranslated_text('<input type="submit" value="Send">') == ["input[value=\"…\"]: 'Send'"]
    assert untranslated_text("Dear {{ name }}, welcome") == ["text: 'Dear , welcome'"]
    translated = """{% load i18n %}{# a note #}{% comment %}Not shown{% endcomment %}
      <h1 class="h3" title="{% translate 'Tip' %}">{% translate "Hello" %}</h1>
      <p>{% blocktranslate with n=name %}Hi {{ n }}{% endblocktranslate %} · {{ date }}</p>
      <input type="text" name="email" value="{{ form.email.value }}">
      <a href="/verify/x/credential.json">JSON</a><!-- a comment -->
      <{% if href %}a href="{{ href }}"{% else %}button{% endif %} class="btn">{{ label }}</a>
      <pre>email,name</pre> {{ site_url }}/learn/
      <script>var a = "b";</script><style>.c { color: red }</style>"""
    assert untranslated_text(translated) == []


def test_there_are_templates_to_check():
    assert len(template_files()) > 50


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_untranslated_visible_text(path):
    found = untranslated_text(path.read_text(encoding="utf-8"))
    assert not found, (
        f"{path.relative_to(TEMPLATES.parent)} shows text that is not translated; wrap it in "
        "{% translate %} (or add a technical token to ALLOWED):\n  " + "\n  ".join(found)
    )
