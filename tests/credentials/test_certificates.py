"""The QR code and the PDF certificate of a credential, in each of the portal's languages.

The PDF is read back with pypdf: its text (through the fonts' ToUnicode maps), the glyphs each
text operation draws (through the embedded font subsets' glyph names), its link and its QR image,
which zxing-cpp decodes as a phone would. Arabic and Farsi wording is checked twice: the glyphs
drawn are exactly the ones HarfBuzz picks for the sentence, joined and in right-to-left visual
order, and the text read back from them is the sentence in reading (logical) order.
"""

import functools
import io
import logging
import re
import unicodedata
from datetime import UTC, datetime

import pytest
import segno
import uharfbuzz as hb
import zxingcpp
from defusedxml import ElementTree as ET
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream

from credentials.certificates import (
    FONT_FILES,
    FONTS,
    _issue_date,
    certificate_pdf,
    printable,
    qr_svg,
)

URL = "https://learn.example.org/verify/Qm3x9dZ0k2aH7fJp1LwX4sVbN8c/"
SVG = "{http://www.w3.org/2000/svg}"
MM = 72 / 25.4  # PDF points per millimetre
ARABIC_BOLD = FONTS / "NotoNaskhArabic-Bold.ttf"
ARABIC_REGULAR = FONTS / "NotoNaskhArabic-Regular.ttf"
LANGUAGES = [code for code, _name in settings.LANGUAGES]

# The certificate's own words (msgids), as drawn: labels in capitals.
WORDING = [
    "Certificate of completion",
    "This certifies that",
    "has completed the course",
]
LABELS = ["Date of issue", "Issued by", "Check this certificate at"]
# 12 March 2025 in each language's own date format (portal/formats/<language>/), month in words.
ISSUE_DATES = {
    "en": "12 March 2025",
    "ar": "12 مارس 2025",
    "fa": "12 مارس 2025",
    "fr": "12 mars 2025",
    "es": "12 de marzo de 2025",
    "uk": "12 березня 2025",
}


def certificate(**overrides) -> bytes:
    facts = {
        "subject_name": "Amina Yusuf",
        "course": "Introduction to Data Analysis",
        "provider": "Open University of Example",
        "issuer": "Refugee Learner Access Programme",
        "issued": datetime(2025, 3, 12, 9, 30, tzinfo=UTC),
        "verification_url": URL,
        "state": "valid",
    }
    return certificate_pdf(**(facts | overrides))


def tr(text: str, language: str) -> str:
    with translation.override(language):
        return gettext(text)


def page_of(pdf: bytes):
    return PdfReader(io.BytesIO(pdf)).pages[0]


def text_of(pdf: bytes) -> str:
    return page_of(pdf).extract_text()


def _drawn(pdf: bytes) -> list[tuple[str, str, TTFont]]:
    """(font name, glyph name, embedded font) of every glyph the page draws, in drawing order:
    on one line of text, left to right."""
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    glyph_names = {}
    for key, font in page["/Resources"]["/Font"].items():
        font = font.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        embedded = TTFont(
            io.BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data())
        )
        order = embedded.getGlyphOrder()
        cid_to_gid = descendant["/CIDToGIDMap"].get_object().get_data()
        glyph_names[key] = (
            str(font["/BaseFont"]).split("+", 1)[1],
            lambda cid, order=order, cid_to_gid=cid_to_gid: order[
                int.from_bytes(cid_to_gid[2 * cid : 2 * cid + 2], "big")
            ],
            embedded,
        )
    glyphs, font = [], None
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"Tf":
            font = glyph_names[operands[0]]
        elif operator in (b"Tj", b"TJ"):
            strings = operands[0] if operator == b"TJ" else [operands[0]]
            for string in strings:
                if isinstance(string, int | float):
                    continue
                raw = getattr(string, "original_bytes", None) or bytes(string)
                for i in range(0, len(raw), 2):
                    name = font[1](int.from_bytes(raw[i : i + 2], "big"))
                    glyphs.append((font[0], name, font[2]))
    return glyphs


def drawn_glyphs(pdf: bytes) -> list[tuple[str, str]]:
    """(font name, glyph name) of every glyph the page draws, in drawing order: on one line
    of text, left to right."""
    return [(font, glyph) for font, glyph, _embedded in _drawn(pdf)]


def outline(font: TTFont, glyph: str) -> tuple | None:
    """A glyph's outline (its points, components resolved), None for an empty glyph (a space,
    a zero-width joiner or non-joiner). The same in a font and in its subset, whatever the
    subset names the glyph (glyphs without a Unicode value, like ligatures, get made-up
    names there)."""
    glyf = font["glyf"]
    coordinates, ends, _flags = glyf[glyph].getCoordinates(glyf)
    return (tuple(map(tuple, coordinates)), tuple(ends)) if len(coordinates) else None


def drawn_outlines(pdf: bytes, font_name: str) -> list[tuple]:
    """The outlines of the visible glyphs drawn in `font_name`, in drawing order."""
    return [
        shape
        for font, glyph, embedded in _drawn(pdf)
        if font == font_name and (shape := outline(embedded, glyph)) is not None
    ]


@functools.cache
def _font(font_file) -> TTFont:
    return TTFont(font_file)


def shaped_outlines(text: str, font_file) -> list[tuple]:
    """The outlines of the visible glyphs HarfBuzz picks for `text` in `font_file`, in visual
    order (left to right)."""
    font = hb.Font(hb.Face(hb.Blob.from_file_path(str(font_file))))
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    assert buffer.direction == "rtl"
    hb.shape(font, buffer, {})
    original = _font(font_file)
    order = original.getGlyphOrder()
    return [
        shape
        for info in buffer.glyph_infos
        if (shape := outline(original, order[info.codepoint])) is not None
    ]


def contains_run(glyphs: list[str], run: list[str]) -> bool:
    return any(glyphs[i : i + len(run)] == run for i in range(len(glyphs) - len(run) + 1))


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def shaped(text: str, font_file) -> list[str]:
    """The glyph names HarfBuzz picks for `text` in `font_file`, in visual order (left to
    right), spaces left out."""
    font = hb.Font(hb.Face(hb.Blob.from_file_path(str(font_file))))
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    assert buffer.direction == "rtl"
    hb.shape(font, buffer, {})
    return [
        font.glyph_to_string(info.codepoint)
        for info in buffer.glyph_infos
        if text[info.cluster] != " "
    ]


def svg_matrix(svg: bytes) -> list[list[bool]]:
    """The modules of a segno SVG QR code, quiet zone included, read back from its path."""
    root = ET.fromstring(svg)
    size = int(root.get("viewBox").split()[2])
    (dark,) = (path for path in root.iter(f"{SVG}path") if path.get("stroke") == "#000")
    matrix = [[False] * size for _ in range(size)]
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([-\d. ]+)", dark.get("d")):
        numbers = [float(n) for n in args.split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:  # a horizontal line of dark modules one module high, through the row's middle
            end = numbers[0] + (0 if command == "H" else x)
            for column in range(int(x), int(end)):
                matrix[int(y)][column] = True
            x = end
    return matrix


def decode(image: Image.Image) -> zxingcpp.Barcode:
    (barcode,) = zxingcpp.read_barcodes(image)
    return barcode


# --- QR code ------------------------------------------------------------------------------------


def test_qr_svg_is_a_scalable_svg_document_without_styles_or_scripts():
    svg = qr_svg(URL)

    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    _x, _y, width, height = (int(n) for n in root.get("viewBox").split())
    assert width == height == segno.make(URL, error="q", boost_error=False).symbol_size()[0]
    assert int(root.get("width")) == int(root.get("height")) >= width
    for element in root.iter():
        assert "style" not in element.attrib
        assert element.tag not in (f"{SVG}style", f"{SVG}script", f"{SVG}foreignObject")
        assert not any(attribute.startswith("on") for attribute in element.attrib)
    # A light background under the whole symbol, quiet zone included.
    assert any(path.get("fill") == "#fff" for path in root.iter(f"{SVG}path"))


def test_qr_svg_encodes_the_verification_url_with_a_quiet_zone():
    matrix = svg_matrix(qr_svg(URL))

    expected = segno.make(URL, error="q", boost_error=False, micro=False)
    border = 4
    size = expected.symbol_size(border=0)[0]
    assert len(matrix) == size + 2 * border
    assert [row[border:-border] for row in matrix[border:-border]] == [
        [bool(module) for module in row] for row in expected.matrix
    ]
    assert not any(matrix[row][column] for row in range(border) for column in range(len(matrix)))
    image = Image.new("L", (len(matrix),) * 2, 255)
    image.putdata([0 if module else 255 for row in matrix for module in row])
    barcode = decode(image.resize((len(matrix) * 8,) * 2, Image.NEAREST))
    assert barcode.text == URL
    assert barcode.ec_level == "Q"


# --- the certificate ----------------------------------------------------------------------------


def test_certificate_is_one_a4_landscape_page_with_the_credentials_facts():
    pdf = certificate()

    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (297, 210)
    text = text_of(pdf)
    for fact in (
        "Refugee Learner Access Programme",
        "Certificate of completion",
        "Amina Yusuf",
        "Introduction to Data Analysis",
        "Open University of Example",
        "12 March 2025",
        URL,
    ):
        assert fact in text
    assert "REVOKED" not in text
    assert reader.metadata.title == "Certificate of completion: Amina Yusuf"
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"]]
    assert links and set(links) == {URL}  # the URL text and the QR code both link to the page


def test_certificate_qr_code_decodes_to_the_verification_url():
    (image,) = page_of(certificate()).images

    barcode = decode(image.image)

    assert barcode.text == URL
    assert barcode.ec_level == "Q"


def test_certificate_is_in_the_language_asked_for_not_the_active_one():
    with translation.override("fr"):
        pdf = certificate(language="en")
        assert translation.get_language() == "fr"  # the active language is left as it was

    text = text_of(pdf)
    assert "Certificate of completion" in text
    assert "12 March 2025" in text
    assert "mars" not in text


def test_a_language_the_portal_does_not_have_is_refused():
    with pytest.raises(ValueError, match="language"):
        certificate(language="de")


@pytest.mark.parametrize("language", LANGUAGES)
def test_certificate_wording_and_date_are_in_its_language_on_one_page_without_tofu(language):
    pdf = certificate(language=language)

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = nfkc(text_of(pdf))
    wording = [tr(msgid, language) for msgid in WORDING]
    wording += [tr(msgid, language).upper() for msgid in LABELS]
    wording.append(tr("offered by %(provider)s", language).split("%(provider)s")[0].strip())
    if language != "en":
        # Translated for real, not the English fallback.
        assert wording[0] != "Certificate of completion"
    for words in wording:
        if language in settings.RTL_LANGUAGES:
            # A line that mixes scripts reads back in drawing order: check word by word there.
            assert set(nfkc(words).split()) <= set(text.split()), words
        else:
            assert nfkc(words) in text, words
    date = ISSUE_DATES[language]
    if language in settings.RTL_LANGUAGES:
        # "12 مارس 2025" read right to left: drawn left to right as 2025, the month, 12.
        day, month, year = date.split()
        bold = [glyph for font, glyph in drawn_glyphs(pdf) if font == "NotoNaskhArabicBold"]
        digits = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        visual = [digits[int(d)] for d in year] + ["space"] + shaped(month, ARABIC_BOLD)
        assert contains_run(bold, [*visual, "space", *(digits[int(d)] for d in day)])
    else:
        assert date in text
    # No tofu: every glyph drawn is a real one of the font it is drawn in.
    assert ".notdef" not in {glyph for _font, glyph in drawn_glyphs(pdf)}
    assert reader.metadata.title == f"{tr('Certificate of completion', language)}: Amina Yusuf"
    assert reader.pdf_header.startswith("%PDF-")
    assert reader.trailer["/Root"]["/Lang"] == language


CERTIFICATE_MSGIDS = [
    *WORDING,
    *LABELS,
    "offered by %(provider)s",
    "REVOKED",
    "REVOKED: the issuer has revoked this credential. It is no longer valid.",
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_bundled_fonts_have_a_glyph_for_every_character_of_the_wording(language):
    covered = set()
    for regular, bold in FONT_FILES.values():
        for font_file in (regular, bold):
            covered |= set(TTFont(FONTS / font_file).getBestCmap())
    with translation.override(language):
        texts = [gettext(msgid) for msgid in CERTIFICATE_MSGIDS]
        texts += [text.upper() for text in texts] + [
            _issue_date(datetime(2025, m, 1)) for m in range(1, 13)
        ]
    missing = {
        char for text in texts for char in text if ord(char) not in covered and not char.isspace()
    }
    assert not missing


@pytest.mark.parametrize("language", LANGUAGES)
def test_revoked_certificate_in_each_language_says_so_on_one_page_without_tofu(language):
    pdf = certificate(state="revoked", language=language)

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    banner = tr("REVOKED: the issuer has revoked this credential. It is no longer valid.", language)
    assert set(nfkc(banner).split()) <= set(nfkc(text_of(pdf)).split())
    assert ".notdef" not in {glyph for _font, glyph in drawn_glyphs(pdf)}


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_arabic_script_wording_is_shaped_right_to_left_and_reads_in_logical_order(language):
    pdf = certificate(subject_name="سارة أحمد", language=language)

    drawn = drawn_outlines(pdf, "NotoNaskhArabic")
    nominal = TTFont(ARABIC_REGULAR).getBestCmap()
    for msgid in ("Certificate of completion", "This certifies that", "has completed the course"):
        sentence = tr(msgid, language)
        assert any("\u0600" <= char <= "\u06ff" for char in sentence), "not Arabic script"
        # Drawn as HarfBuzz shapes it (joined forms and ligatures, in visual order: the last
        # letter leftmost), compared by outline, since the subset renames ligature glyphs ...
        assert contains_run(drawn, shaped_outlines(sentence, ARABIC_REGULAR)), sentence
        # ... which is neither the letters' isolated forms in reading order nor reversed.
        letters = [
            outline(_font(ARABIC_REGULAR), nominal[ord(char)])
            for char in sentence
            if ord(char) in nominal and unicodedata.category(char) != "Cf" and char != " "
        ]
        assert not contains_run(drawn, letters)
        assert not contains_run(drawn, letters[::-1])
        # Read back (as copy and paste and screen readers do), it is the sentence as written.
        assert nfkc(sentence) in nfkc(text_of(pdf)).splitlines()


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_right_to_left_certificate_is_mirrored_qr_code_on_the_left(language):
    pdf = certificate(language=language)

    (image,) = page_of(pdf).images
    labels = []
    page_of(pdf).extract_text(
        visitor_text=lambda text, _cm, tm, _font, _size: (
            labels.append(tm[4]) if text.strip() == tr("Date of issue", language) else None
        )
    )
    (label_x,) = labels
    (qr,) = [a.get_object() for a in page_of(pdf)["/Annots"] if a.get_object()["/Rect"][0] < 100]
    assert float(qr["/Rect"][0]) < 30 * MM  # the QR code's link, on the left
    assert label_x > 297 / 2 * MM  # the labels on the right half
    assert decode(image.image).text == URL


def test_english_certificate_keeps_the_qr_code_on_the_right():
    pdf = certificate(language="en")

    rects = [a.get_object()["/Rect"] for a in page_of(pdf)["/Annots"]]
    assert max(float(rect[2]) for rect in rects) > (297 - 30) * MM


def test_ukrainian_certificate_is_drawn_in_cyrillic_with_noto_sans():
    pdf = certificate(language="uk")

    cyrillic = {
        char
        for msgid in WORDING + LABELS
        for char in tr(msgid, "uk") + tr(msgid, "uk").upper()
        if "\u0400" <= char <= "\u04ff"
    }
    assert cyrillic, "not translated into Ukrainian"
    assert {ord(char) for char in cyrillic} <= set(
        TTFont(FONTS / "NotoSans-Regular.ttf").getBestCmap()
    )
    fonts = {font for font, _glyph in drawn_glyphs(pdf)}
    assert fonts == {"NotoSans", "NotoSansBold"}
    assert "12 березня 2025" in text_of(pdf)


@pytest.mark.parametrize("name", ["سارة أحمد", "پریسا رضایی"], ids=["arabic", "farsi"])
def test_arabic_script_names_are_shaped_and_laid_out_right_to_left(name):
    pdf = certificate(subject_name=name)

    glyphs = drawn_glyphs(pdf)
    arabic = [glyph for font, glyph in glyphs if font == "NotoNaskhArabicBold"]
    # Exactly the glyphs HarfBuzz picks, in its visual order: joined forms, last letter leftmost.
    assert arabic == shaped(name, ARABIC_BOLD)
    # ... which are not the letters' isolated forms in reading order.
    nominal = TTFont(ARABIC_BOLD).getBestCmap()
    assert arabic != [nominal[ord(char)] for char in name if char != " "]
    assert arabic != [nominal[ord(char)] for char in reversed(name) if char != " "]
    assert ".notdef" not in {glyph for _font, glyph in glyphs}
    # The words read back as written (each word's glyphs map back to its letters).
    assert set(name.split()) <= set(text_of(pdf).split())
    assert PdfReader(io.BytesIO(pdf)).metadata.title.endswith(name)


def test_the_first_word_of_a_right_to_left_name_is_drawn_rightmost():
    pdf = certificate(subject_name="سارة أحمد")

    page, chunks = page_of(pdf), []
    page.extract_text(visitor_text=lambda text, _cm, tm, _font, _size: chunks.append((text, tm)))
    words = [text for text, _tm in chunks if text.strip() in ("سارة", "أحمد")]
    assert words == ["أحمد", "سارة"]  # drawn left to right


@pytest.mark.parametrize(
    "name",
    [
        "Оксана Шевченко",
        "Amélie Nguyễn Đức Çelik Søren Łukasz",
        "Ελένη Παπαδοπούλου",
        "ሰላም ተስፋይ",
        "Amélie Nguyễn سارة أحمد Оксана",
    ],
)
def test_names_in_other_scripts_are_drawn_with_real_glyphs(name, caplog):
    pdf = certificate(subject_name=name)

    assert ".notdef" not in {glyph for _font, glyph in drawn_glyphs(pdf)}
    assert set(name.split()) <= set(text_of(pdf).split())
    assert "No bundled font" not in caplog.text


def test_only_the_fonts_a_certificate_needs_are_embedded():
    latin, arabic = certificate(), certificate(subject_name="سارة أحمد")

    def fonts(pdf):
        return {
            str(f.get_object()["/BaseFont"]) for f in page_of(pdf)["/Resources"]["/Font"].values()
        }

    assert not any("Arabic" in font for font in fonts(latin))
    assert any("NotoNaskhArabic" in font for font in fonts(arabic))
    assert b"NotoNaskhArabic" not in latin
    assert b"NotoNaskhArabic" in arabic


def test_a_script_no_bundled_font_has_is_logged_and_still_gives_a_certificate(caplog):
    with caplog.at_level(logging.WARNING, logger="credentials.certificates"):
        pdf = certificate(subject_name="张伟")

    assert pdf.startswith(b"%PDF-")
    assert "U+5F20" in caplog.text


def test_control_characters_in_a_name_are_not_drawn():
    pdf = certificate(subject_name="Ali\b\x01 Has\x00san\n\tOmar\x7f", course="Maths\r\nOne")

    text = text_of(pdf)
    assert "Ali Has san Omar" in text
    assert "Maths One" in text
    assert ".notdef" not in {glyph for _font, glyph in drawn_glyphs(pdf)}


@pytest.mark.parametrize(
    ("raw", "drawn"),
    [
        ("Ali\b\x01Hassan", "Ali Hassan"),
        ("  Amina\n\n Yusuf\t", "Amina Yusuf"),
        ("\u202eAli Hassan\u202c", "Ali Hassan"),  # a right-to-left override would reverse it
        ("Ali\u2066 Hassan\u2069\ufeff\ue000", "Ali Hassan"),
        ("می\u200cخواهم", "می\u200cخواهم"),  # noqa: RUF001 (ZWNJ is Persian spelling)
        ("سارة\u200f 2", "سارة\u200f 2"),
    ],
)
def test_printable_drops_characters_that_hide_or_reorder_text(raw, drawn):
    assert printable(raw) == drawn


def test_revoked_credential_certificate_says_revoked():
    pdf = certificate(state="revoked")

    text = text_of(pdf)
    assert "REVOKED: the issuer has revoked this credential. It is no longer valid." in text
    assert re.search(r"^REVOKED$", text, re.MULTILINE)  # the word across the page
    assert "Amina Yusuf" in text  # which credential it was stays readable
    assert PdfReader(io.BytesIO(pdf)).metadata.title.endswith("(REVOKED)")


def test_no_certificate_for_a_credential_that_does_not_verify():
    with pytest.raises(ValueError, match="invalid"):
        certificate(state="invalid")


def test_a_very_long_name_and_course_stay_above_the_foot():
    name = "Wolfeschlegelsteinhausenbergerdorff " * 5 + "Maria de los Ángeles"
    course = "Advanced Topics in Sustainable Community Development and Public Health " * 3
    pdf = certificate(subject_name=name[:200], course=course[:200])

    page, lowest = page_of(pdf), []
    page.extract_text(
        visitor_text=lambda text, _cm, tm, _font, _size: (
            lowest.append(tm[5]) if "offered by" in text else None
        )
    )
    (baseline,) = lowest
    foot_top = (210 - 154) * MM  # the QR code and "Date of issue" start 154 mm down
    assert baseline > foot_top + 3
    assert set(name[:200].split()) <= set(text_of(pdf).split())


def test_certificate_is_small():
    # Fonts are subset: only the glyphs used are embedded (speed is measured in bench/, not here).
    pdf = certificate(subject_name="Amélie سارة أحمد Оксана", state="revoked")
    assert len(pdf) < 200_000
