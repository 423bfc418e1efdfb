"""Translations: every message of our own code is translated, compiled and in step with the source.

`make messages` extracts the strings and compiles the .mo files; translators then fill the .po
files (key terms: locale/GLOSSARY.md) and run `make messages` again.
"""

import html
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
LOCALE_DIR = ROOT / "locale"
LANGS = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
IN_CI = os.environ.get("REQUIRE_SERVICES") == "1"
FIX = "run `make messages`, translate what it adds, then run `make messages` again"

# The same ignore patterns as `make messages`; the copy for the staleness check leaves these out.
MAKEMESSAGES_IGNORE = [".venv", "staticfiles", "tests", "node_modules"]
NOT_COPIED = [*MAKEMESSAGES_IGNORE, ".git", "locale", "__pycache__", "*.sqlite3", "*.mo", "*.po"]

PYTHON_FORMAT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?"  # %(name)s
    r"[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"  # flags, width, precision, length
    r"(?P<conv>[diouxXeEfFgGcrsa%])"
)
BRACE_FORMAT = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")
HTML_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^>]*)>")
HTML_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
TRANSLATABLE_ATTRS = {"title", "alt", "aria-label", "placeholder"}


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def load_po(lang: str) -> polib.POFile:
    path = po_path(lang)
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing; {FIX}")
    return polib.pofile(str(path))


def live_entries(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def key(entry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


def label(entry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    context = f" [context {entry.msgctxt!r}]" if entry.msgctxt else ""
    return f"{entry.msgid!r}{context} ({where or 'no source reference'})"


def nplurals(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    assert match, "the Plural-Forms header is missing or has no nplurals"
    return int(match.group(1))


def translations(entry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def untranslated_problems(po: polib.POFile) -> list[str]:
    problems = []
    forms = nplurals(po)
    for entry in live_entries(po):
        if entry.fuzzy:
            problems.append(f"fuzzy: {label(entry)}")
        if entry.msgid_plural and sorted(entry.msgstr_plural) != list(range(forms)):
            problems.append(f"needs {forms} plural forms: {label(entry)}")
        if any(not text.strip() for text in translations(entry)):
            problems.append(f"untranslated: {label(entry)}")
    return problems


# --- Placeholders ---------------------------------------------------------------------------


def python_placeholders(text: str) -> tuple[Counter, list[str]]:
    named, positional = Counter(), []
    for match in PYTHON_FORMAT.finditer(text):
        if match.group("conv") == "%":
            continue
        if match.group("name") is not None:
            named[(match.group("name"), match.group("conv"))] += 1
        else:
            positional.append(match.group("conv"))
    return named, positional


def html_tags(text: str) -> Counter:
    """Tags with their untranslatable attribute values: `<a href="/x">` must stay as it is."""
    tags = Counter()
    for closing, name, attrs in HTML_TAG.findall(text):
        kept = sorted(
            (attr.lower(), double if double else single)
            for attr, double, single in HTML_ATTR.findall(attrs)
            if attr.lower() not in TRANSLATABLE_ATTRS
        )
        tags[(closing, name.lower(), tuple(kept))] += 1
    return tags


def placeholder_problems(entry) -> list[str]:
    problems = []
    sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
    texts = translations(entry)
    if "python-format" in entry.flags:
        src_named = Counter()
        for source in sources:
            src_named |= python_placeholders(source)[0]
        src_positional = python_placeholders(sources[-1])[1]
        for index, text in enumerate(texts):
            named, positional = python_placeholders(text)
            if entry.msgid_plural:
                # A plural form may leave out the number ("one day", Arabic's dual), but never
                # a text placeholder, and never invent one.
                missing = {ph for ph in src_named if ph not in named and ph[1] not in "diouxX"}
                extra = set(named) - set(src_named)
                if missing or extra or (positional and positional != src_positional):
                    problems.append(f"form {index} placeholders differ: {label(entry)}")
            elif set(named) != set(src_named) or positional != src_positional:
                problems.append(f"placeholders differ: {label(entry)}")
        if entry.msgid_plural and texts:
            last = python_placeholders(texts[-1])[0]
            plural_named = python_placeholders(entry.msgid_plural)[0]
            if set(plural_named) - set(last):
                problems.append(f"last plural form lacks a placeholder: {label(entry)}")
    if "python-brace-format" in entry.flags:
        wanted = {
            name.split(":")[0].split("!")[0]
            for source in sources
            for name in BRACE_FORMAT.findall(source)
        }
        for text in texts:
            found = {name.split(":")[0].split("!")[0] for name in BRACE_FORMAT.findall(text)}
            if found - wanted or (not entry.msgid_plural and found != wanted):
                problems.append(f"brace placeholders differ: {label(entry)}")
    want_tags = html_tags(sources[0])
    for text in texts:
        if text and html_tags(text) != want_tags:
            problems.append(f"HTML tags differ: {label(entry)}")
    return problems


def test_placeholder_check_catches_mistakes():
    def entry(msgid, msgstr="", plural=None, forms=None, flags=("python-format",)):
        return polib.POEntry(
            msgid=msgid,
            msgstr=msgstr,
            msgid_plural=plural or "",
            msgstr_plural=dict(enumerate(forms or [])),
            flags=list(flags),
        )

    assert not placeholder_problems(entry("Hi %(name)s, 100%%", "Salut %(name)s, 100\u00a0%%"))
    assert placeholder_problems(entry("Hi %(name)s", "Salut"))
    assert placeholder_problems(entry("Hi %(name)s", "Salut %(nom)s"))
    assert placeholder_problems(entry("%s of %d", "%d de %s"))
    assert placeholder_problems(entry("Hi {name}", "Salut {nom}", flags=["python-brace-format"]))
    link = 'Read <a href="/privacy/">this</a>'
    assert not placeholder_problems(entry(link, 'Lisez <a href="/privacy/">ceci</a>', flags=[]))
    assert placeholder_problems(entry(link, 'Lisez <a href="/evil/">ceci</a>', flags=[]))
    assert placeholder_problems(entry(link, "Lisez ceci", flags=[]))
    days = ("%(count)d day left for %(name)s", "%(count)d days left for %(name)s")
    good = ["%(name)s: يوم واحد", "%(name)s: %(count)d أيام"]
    assert not placeholder_problems(entry(days[0], plural=days[1], forms=good))
    no_name = ["يوم واحد", "%(count)d أيام"]
    assert placeholder_problems(entry(days[0], plural=days[1], forms=no_name))
    no_count_in_last = ["%(name)s: يوم واحد", "%(name)s: أيام"]
    assert placeholder_problems(entry(days[0], plural=days[1], forms=no_count_in_last))


# --- Tests on the .po and .mo files ---------------------------------------------------------


def test_every_language_but_english_is_configured():
    assert {"ar", "fa", "fr", "es", "uk"} <= set(LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_po_file_exists_with_a_proper_header(lang):
    po = load_po(lang)
    assert live_entries(po), f"{po_path(lang)} has no messages; {FIX}"
    assert po.metadata.get("Language") == lang, "the header's Language is wrong"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", ""), "the header must say UTF-8"
    assert nplurals(po) >= 1
    assert not po.metadata_is_fuzzy, "the header is flagged fuzzy"


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_and_none_is_fuzzy(lang):
    problems = untranslated_problems(load_po(lang))
    assert not problems, f"{lang}: {len(problems)} problem(s); {FIX}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_and_html_are_kept(lang):
    problems = [
        problem
        for entry in live_entries(load_po(lang))
        if not entry.fuzzy
        for problem in placeholder_problems(entry)
    ]
    assert not problems, f"{lang}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_mo_file_matches_po_file(lang):
    po = load_po(lang)
    mo_path = po_path(lang).with_suffix(".mo")
    assert mo_path.is_file(), f"{mo_path.relative_to(ROOT)} is missing; run `make messages`"
    mo = polib.mofile(str(mo_path))

    def table(entries):
        return {key(entry): tuple(translations(entry)) for entry in entries if entry.msgid}

    expected, compiled = table(po.translated_entries()), table(mo)
    stale = sorted(
        repr(k[1]) for k in expected.keys() | compiled.keys() if expected.get(k) != compiled.get(k)
    )
    assert not stale, (
        f"{mo_path.relative_to(ROOT)} differs from the .po file; run "
        "`.venv/bin/python scripts/compile_messages.py`:\n" + "\n".join(stale)
    )
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


@pytest.mark.parametrize("lang", LANGS)
def test_msgfmt_accepts_the_po_file(lang, tmp_path):
    """GNU msgfmt --check: format strings, plural header, duplicate entries."""
    load_po(lang)
    require_gettext()
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(po_path(lang))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- In step with the source ----------------------------------------------------------------


def require_gettext():
    if shutil.which("xgettext") and shutil.which("msgfmt"):
        return
    if IN_CI:
        pytest.fail("GNU gettext (xgettext, msgfmt) is required in CI (REQUIRE_SERVICES=1)")
    pytest.skip("GNU gettext (xgettext) is not installed, so the source cannot be extracted")


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory):
    """The messages makemessages finds in the source, extracted in a copy of the project.

    makemessages writes into the locale directory next to the code it scans, so it runs in a
    copy: the real locale/ is never touched.
    """
    require_gettext()
    copy = tmp_path_factory.mktemp("makemessages") / "project"
    shutil.copytree(ROOT, copy, symlinks=True, ignore=shutil.ignore_patterns(*NOT_COPIED))
    (copy / "locale").mkdir()
    cwd = Path.cwd()
    os.chdir(copy)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "LOCALE_PATHS", [copy / "locale"])
            patch.setattr(settings, "STATIC_ROOT", copy / "staticfiles")
            call_command(
                "makemessages",
                locale=["en"],
                ignore_patterns=list(MAKEMESSAGES_IGNORE),
                keep_pot=True,
                no_obsolete=True,
                verbosity=0,
            )
    finally:
        os.chdir(cwd)
    pot = polib.pofile(str(copy / "locale" / "django.pot"))
    entries = live_entries(pot)
    assert entries, "makemessages found no messages at all"
    return {key(entry): entry for entry in entries}


@pytest.mark.parametrize("lang", LANGS)
def test_po_file_is_in_step_with_the_source(lang, source_messages):
    po = {key(entry): entry for entry in live_entries(load_po(lang))}
    missing = [label(entry) for k, entry in source_messages.items() if k not in po]
    plural_changed = [
        label(entry)
        for k, entry in source_messages.items()
        if k in po and entry.msgid_plural != po[k].msgid_plural
    ]
    untranslated = [
        label(po[k])
        for k in source_messages.keys() & po.keys()
        if po[k].fuzzy or any(not text.strip() for text in translations(po[k]))
    ]
    gone = [label(entry) for k, entry in po.items() if k not in source_messages]
    report = {
        "in the source but not in the .po file": missing,
        "plural msgid changed": plural_changed,
        "not translated": untranslated,
        "no longer in the source": gone,
    }
    problems = [f"{title}:\n  " + "\n  ".join(items) for title, items in report.items() if items]
    assert not problems, f"{lang}: {FIX}\n" + "\n".join(problems)


MARKS_STRINGS = re.compile(
    r"\bgettext(?:_lazy)?\b|\bngettext\b|\bpgettext\b|{%\s*(?:translate|trans|blocktranslate|blocktrans)\b"
)


def source_files_with_messages() -> list[str]:
    """Every Python file and template of our own that marks a string for translation."""
    # scripts/ only mentions gettext (it compiles the catalogues); it has no messages.
    skip = set(MAKEMESSAGES_IGNORE) | {".git", "locale", "__pycache__", "vc-verifier", "scripts"}
    found = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if set(relative.parts) & skip or not path.is_file():
            continue
        if path.suffix in {".py", ".html", ".txt"} and MARKS_STRINGS.search(
            path.read_text(encoding="utf-8", errors="replace")
        ):
            found.append(relative.as_posix())
    return sorted(found)


def test_every_app_and_template_is_extracted(source_messages):
    """Each file that marks strings (every app, reporting, allauth overrides, e-mail
    templates) has its messages in the catalogue that the .po files are checked against."""
    extracted = {
        path.removeprefix("./")
        for entry in source_messages.values()
        for path, _line in entry.occurrences
    }
    files = source_files_with_messages()
    assert any(f.startswith("reporting/") for f in files)
    assert any(f.startswith("templates/") and f.endswith(".txt") for f in files)
    missing = [f for f in files if f not in extracted]
    assert not missing, "files whose messages makemessages did not extract:\n" + "\n".join(missing)


# --- Behaviour ------------------------------------------------------------------------------

H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
LANDING_H1 = "Free online courses for refugees and displaced people"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "direction", "stylesheet"),
    [
        ("ar", "rtl", r"bootstrap\.rtl\.min(\.[0-9a-f]+)?\.css"),
        ("fa", "rtl", r"bootstrap\.rtl\.min(\.[0-9a-f]+)?\.css"),
        ("uk", "ltr", r"bootstrap\.min(\.[0-9a-f]+)?\.css"),
    ],
)
def test_landing_page_in_the_language_cookie(client, lang, direction, stylesheet):
    client.cookies["django_language"] = lang
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in page
    assert re.search(stylesheet, page), "the stylesheet for the text direction is not linked"
    if direction == "ltr":
        assert "bootstrap.rtl" not in page
    entry = load_po(lang).find(LANDING_H1)
    assert entry and entry.msgstr, f"{LANDING_H1!r} is not translated into {lang}"
    heading = H1.search(page)
    assert heading, "the page has no h1"
    text = html.unescape(heading.group(1)).strip()
    assert text != LANDING_H1
    assert text == entry.msgstr
