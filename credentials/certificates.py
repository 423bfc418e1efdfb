"""The printable side of a credential: its QR code and its PDF certificate.

Both are functions of what the verification page shows; the signed JSON stays the credential,
the PDF only points back to it. The certificate is drawn in one of the portal's languages: by
default the learner's, with an English one a click away (the verification page offers both). Its
fixed wording and its date are in that language; Arabic and Farsi certificates are laid out right
to left, mirrored (the QR code on the left). Text is shaped by HarfBuzz and laid out by fpdf2's
bidi algorithm, with bundled Noto fonts (credentials/fonts/, SIL Open Font License), so Arabic and
Farsi come out joined and right to left, next to Latin, Cyrillic or Greek names.
"""

import functools
import io
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import segno
from django.conf import settings
from django.utils import dateformat, formats, timezone, translation
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

logger = logging.getLogger(__name__)

# fontTools logs every font subset at INFO: a dozen lines per certificate.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"

# family -> (regular, bold). The first family is the main font (Latin, Cyrillic, Greek); the
# others are used, in this order, for characters it has no glyph for: Arabic script (Arabic,
# Farsi, Dari, Pashto, Kurdish, Urdu) and Ethiopic (Tigrinya, Amharic).
FONT_FILES = {
    "notosans": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    "notonaskharabic": ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
    "notosansethiopic": ("NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf"),
}
MAIN_FONT = next(iter(FONT_FILES))

QR_ERROR = "q"  # survives a crease or a smudge on a printed certificate
QR_BORDER = 4  # the quiet zone, in modules

# Colours (RGB).
INK = (33, 37, 41)
MUTED = (95, 104, 112)
ACCENT = (22, 82, 104)
REVOKED_RED = (176, 0, 32)
WHITE = (255, 255, 255)

# Page geometry in millimetres: A4 landscape, a double frame, the body centred between the
# letterhead and the foot.
PAGE_WIDTH, PAGE_HEIGHT = 297, 210
FRAME = 10
TEXT_MARGIN = 28
TEXT_WIDTH = PAGE_WIDTH - 2 * TEXT_MARGIN
BODY_TOP, BODY_BOTTOM = 40, 146
QR_SIZE = 36
QR_Y = PAGE_HEIGHT - 20 - QR_SIZE
LINE_HEIGHT = 0.5  # millimetres of line per point of font size (about 1.4 lines)

# Characters kept although Unicode calls them format characters: they change how a name is
# shaped (ZWNJ is part of correct Persian spelling) or mark a direction, and hide nothing.
_KEPT_FORMAT_CHARACTERS = frozenset("\u200c\u200d\u200e\u200f\u061c")
_SPACES = re.compile(r"\s+")


def _qr(url: str) -> segno.QRCode:
    return segno.make(url, error=QR_ERROR, boost_error=False, micro=False)


def qr_svg(url: str) -> bytes:
    """A QR code for `url` as a standalone SVG document: a viewBox (it scales) and a natural
    size for an `<img>` without one, a white quiet zone so it reads on a dark page, and no
    style attributes or scripts."""
    qr = _qr(url)
    out = io.BytesIO()
    qr.save(
        out,
        kind="svg",
        border=QR_BORDER,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass=None,
        lineclass=None,
    )
    size = qr.symbol_size(scale=4, border=QR_BORDER)[0]
    # segno writes either a size or a viewBox; this adds the size to the viewBox.
    return out.getvalue().replace(b"<svg ", f'<svg width="{size}" height="{size}" '.encode(), 1)


def _qr_png(url: str) -> bytes:
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=8, border=QR_BORDER, dark="#000", light="#fff")
    return out.getvalue()


def printable(text: str) -> str:
    """`text` as it can be drawn: control characters (newlines, tabs, backspace, ...) become
    spaces; invisible characters that reorder or hide text (bidi overrides and isolates), private
    use, surrogates and unassigned code points go; runs of space become one."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc":
            kept.append(" ")
        elif category in ("Cs", "Co", "Cn") or (
            category == "Cf" and char not in _KEPT_FORMAT_CHARACTERS
        ):
            continue
        else:
            kept.append(char)
    return _SPACES.sub(" ", "".join(kept)).strip()


@functools.cache
def _characters(family: str) -> frozenset[int]:
    """The code points a bundled font family has glyphs for."""
    return frozenset(TTFont(FONTS / FONT_FILES[family][0], lazy=True).getBestCmap())


def _letters(texts: Iterable[str]) -> set[int]:
    return {
        ord(char)
        for text in texts
        for char in text
        if not unicodedata.category(char).startswith("Z")
    }


def _main_family(wording: Iterable[str]) -> str:
    """The family the certificate's own wording is set in: the one that draws most of its
    characters (Noto Naskh Arabic for an Arabic or Farsi certificate, so its spaces, digits and
    punctuation match its letters; Noto Sans otherwise)."""
    letters = _letters(wording)
    return max(
        FONT_FILES, key=lambda family: (len(letters & _characters(family)), family == MAIN_FONT)
    )


def _families_for(texts: Iterable[str], *, main: str = MAIN_FONT) -> list[str]:
    """The font families needed to draw `texts`: the main one, then each fallback that has a
    glyph for a character the ones before it lack. Characters none has are logged (they come
    out as boxes)."""
    missing = _letters(texts)
    families = []
    for family in [main, *(family for family in FONT_FILES if family != main)]:
        covered = missing & _characters(family)
        if covered or not families:
            families.append(family)
            missing -= covered
    if missing:
        logger.warning(
            "No bundled font draws %s", ", ".join(f"U+{point:04X}" for point in sorted(missing))
        )
    return families


# A month abbreviated on a web page ("12 Mar 2025", portal/formats/en) is written out on a
# certificate; an escaped M ("\M") is a literal M in a format, left alone.
_ABBREVIATED_MONTH = re.compile(r"(?<!\\)M")


def _issue_date(issued: datetime) -> str:
    """The date in the active language's own date format (portal/formats/<language>/), the
    month as a word: "12 March 2025", "12 مارس 2025", "12 березня 2025", "12 de marzo de 2025"."""
    if timezone.is_aware(issued):
        issued = timezone.localtime(issued)
    return dateformat.format(issued, _ABBREVIATED_MONTH.sub("F", formats.get_format("DATE_FORMAT")))


def certificate_languages() -> list[str]:
    """The languages a certificate can be drawn in: the portal's."""
    return [code for code, _name in settings.LANGUAGES]


def certificate_pdf(
    *,
    subject_name: str,
    course: str,
    provider: str,
    issuer: str,
    issued: datetime,
    verification_url: str,
    state: str,
    language: str = "en",
) -> bytes:
    """The certificate of a credential: a one-page A4 landscape PDF, its wording and date in
    `language` (one of the portal's). `state` is the verification state ("valid" or
    "revoked"); a revoked credential's certificate says REVOKED across the page. There is no
    certificate for any other state."""
    if state not in ("valid", "revoked"):
        raise ValueError(f"No certificate for a credential in state {state!r}.")
    if language not in certificate_languages():
        raise ValueError(f"No certificate in language {language!r}.")
    with translation.override(language):
        return _render(
            subject_name=printable(subject_name),
            course=printable(course),
            provider=printable(provider),
            issuer=printable(issuer),
            issued=issued,
            verification_url=verification_url,
            revoked=state == "revoked",
            language=language,
        )


@dataclass
class _Line:
    """A centred paragraph of the body, shrunk until it takes at most `max_lines` lines.
    `direction` is the paragraph's base direction: the certificate's own for its wording, "ltr"
    for an address, None (from its first letter, as HTML's dir="auto") for a name or a title."""

    text: str
    size: float
    min_size: float
    max_lines: int = 1
    bold: bool = False
    color: tuple[int, int, int] = INK
    space_before: float = 0
    rule_after: bool = False
    direction: str | None = None


class _Certificate(FPDF):
    def __init__(self, families: list[str], *, rtl: bool = False) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(TEXT_MARGIN, TEXT_MARGIN, TEXT_MARGIN)
        # Only the fonts the text needs: each one parsed is time, and fpdf2 embeds every font
        # it was given, even unused.
        for family in families:
            regular, bold = FONT_FILES[family]
            self.add_font(family, "", FONTS / regular)
            self.add_font(family, "B", FONTS / bold)
        self.main = families[0]
        self.set_fallback_fonts(families[1:])
        self.rtl = rtl
        self.direction = "rtl" if rtl else "ltr"
        self.set_text_shaping(True)

    def _direction(self, direction: str | None) -> None:
        # The base direction of the paragraphs that follow, for fpdf2's bidi algorithm (None:
        # from the first strong character).
        self.set_text_shaping(True, direction=direction)

    def _paragraph(self, line: _Line, *, dry_run: bool) -> float:
        height = line.size * LINE_HEIGHT
        self._direction(line.direction)
        return self.multi_cell(
            TEXT_WIDTH,
            height,
            line.text,
            align=Align.C,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            dry_run=dry_run,
            output=MethodReturnValue.HEIGHT,
        )

    def fit(self, line: _Line) -> float:
        """Pick the size for `line` and return the height it takes: one line if a size down to
        70 % of the largest allows, else as few lines as sizes down to the smallest allow.
        Sizes are guessed from the text's width (which grows with the size), then checked by
        laying the text out, which takes time for a long text."""
        style = "B" if line.bold else ""
        largest = line.size
        self.set_font(self.main, style, 1)
        self._direction(line.direction)
        width_per_point = max(self.get_string_width(line.text), 0.001)
        for lines in range(1, line.max_lines + 1):
            smallest = (
                line.min_size if lines == line.max_lines else max(line.min_size, largest * 0.7)
            )
            # Words do not fill a wrapped line to the end: leave some room on each.
            guess = lines * TEXT_WIDTH * (1 if lines == 1 else 0.9) / width_per_point
            size = min(largest, int(guess * 2) / 2)
            for _attempt in range(4):
                if size < smallest:
                    break
                line.size = size
                if lines == 1 and size * width_per_point <= TEXT_WIDTH:
                    return size * LINE_HEIGHT  # fits unwrapped: no need to lay it out
                height = self._height(line)
                if height <= lines * size * LINE_HEIGHT + 0.01:
                    return height
                size -= 0.5
        line.size = line.min_size
        return self._height(line)

    def _height(self, line: _Line) -> float:
        self.set_font(self.main, "B" if line.bold else "", line.size)
        return self._paragraph(line, dry_run=True)

    def paragraphs(
        self, lines: list[_Line], *, centre_between: tuple[float, float] | None = None
    ) -> None:
        """The lines from the current height down, or centred as a block between two heights."""
        heights = [line.space_before + self.fit(line) for line in lines]
        if centre_between:
            top, bottom = centre_between
            # A name or course too long for the space left: everything smaller, down to half size.
            original = [(line.size, line.min_size, line.space_before) for line in lines]
            scale = 1.0
            while sum(heights) > bottom - top and scale > 0.5:
                scale -= 0.05
                for line, sizes in zip(lines, original, strict=True):
                    line.size, line.min_size, line.space_before = (value * scale for value in sizes)
                heights = [line.space_before + self.fit(line) for line in lines]
            self.set_y(max(top, (top + bottom - sum(heights)) / 2))
        for line in lines:
            self.set_y(self.get_y() + line.space_before)
            self.set_font(self.main, "B" if line.bold else "", line.size)
            self.set_text_color(*line.color)
            self._paragraph(line, dry_run=False)
            if line.rule_after:
                y = self.get_y() + 3
                self.set_draw_color(*ACCENT)
                self.set_line_width(0.6)
                self.line(PAGE_WIDTH / 2 - 25, y, PAGE_WIDTH / 2 + 25, y)

    def labelled(self, label: str, value: str, *, width: float, link: str = "") -> None:
        """An upper-case label over its value, at the current position, aligned to the start
        of the line (the right on a right-to-left certificate). A link is an address: always
        left to right."""
        x = self.get_x()
        align = Align.R if self.rtl else Align.L
        # Naskh letters are small for their point size: an Arabic-script label a little larger.
        self.set_font(self.main, "", 9 if self.rtl else 8)
        self.set_text_color(*MUTED)
        self._direction(self.direction)
        self.cell(width, 4.5, label.upper(), align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_font(self.main, "B" if not link else "", 11 if not link else 9.5)
        self.set_text_color(*(ACCENT if link else INK))
        self._direction("ltr" if link else None)
        self.multi_cell(width, 5.5, value, align=align, link=link, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_xy(x, self.get_y() + 2.5)


def _render(
    *, subject_name, course, provider, issuer, issued, verification_url, revoked, language
) -> bytes:
    rtl = translation.get_language_bidi()
    direction = "rtl" if rtl else "ltr"
    title = _("Certificate of completion")
    wording = {
        "title": title,
        "certifies": _("This certifies that"),
        "completed": _("has completed the course"),
        "offered_by": _("offered by %(provider)s") % {"provider": provider},
        "date_label": _("Date of issue"),
        "date": _issue_date(issued),
        "issued_by": _("Issued by"),
        "check_at": _("Check this certificate at"),
    }
    if revoked:
        wording |= {
            "revoked": _("REVOKED"),
            "revoked_banner": _(
                "REVOKED: the issuer has revoked this credential. It is no longer valid."
            ),
        }
    own_words = [text for key, text in wording.items() if key not in ("offered_by", "date")]
    main = _main_family(own_words)
    pdf = _Certificate(
        _families_for(
            [*wording.values(), subject_name, course, issuer, verification_url], main=main
        ),
        rtl=rtl,
    )
    pdf.set_title(f"{title}: {subject_name}" + (f" ({wording['revoked']})" if revoked else ""))
    pdf.set_author(issuer)
    pdf.set_creator(issuer)
    pdf.set_lang(language)
    pdf.add_page()

    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(FRAME, FRAME, PAGE_WIDTH - 2 * FRAME, PAGE_HEIGHT - 2 * FRAME)
    pdf.set_line_width(0.3)
    pdf.rect(FRAME + 3, FRAME + 3, PAGE_WIDTH - 2 * FRAME - 6, PAGE_HEIGHT - 2 * FRAME - 6)

    pdf.set_y(29)
    pdf.paragraphs([_Line(issuer, size=13, min_size=9, bold=True, color=ACCENT)])
    pdf.paragraphs(
        [
            _Line(title, size=34, min_size=24, rule_after=True, direction=direction),
            _Line(
                wording["certifies"],
                size=14,
                min_size=14,
                color=MUTED,
                space_before=12,
                direction=direction,
            ),
            _Line(subject_name, size=38, min_size=18, max_lines=2, bold=True, space_before=4),
            _Line(
                wording["completed"],
                size=14,
                min_size=14,
                color=MUTED,
                space_before=4,
                direction=direction,
            ),
            _Line(course, size=22, min_size=13, max_lines=2, bold=True, space_before=2),
            _Line(
                wording["offered_by"],
                size=14,
                min_size=10,
                max_lines=2,
                color=MUTED,
                space_before=1,
                direction=direction,
            ),
        ],
        centre_between=(BODY_TOP, BODY_BOTTOM),
    )

    # The foot: when and by whom at the start of the line (left, or right on a right-to-left
    # certificate), where to check it at the end, in the QR code (which opens the public page).
    width = PAGE_WIDTH - 2 * TEXT_MARGIN - QR_SIZE - 8
    qr_x = TEXT_MARGIN if rtl else PAGE_WIDTH - TEXT_MARGIN - QR_SIZE
    text_x = PAGE_WIDTH - TEXT_MARGIN - width if rtl else TEXT_MARGIN
    pdf.image(
        io.BytesIO(_qr_png(verification_url)),
        x=qr_x,
        y=QR_Y,
        w=QR_SIZE,
        h=QR_SIZE,
        link=verification_url,
    )
    pdf.set_xy(text_x, QR_Y + 1)
    pdf.labelled(wording["date_label"], wording["date"], width=width)
    pdf.labelled(wording["issued_by"], issuer, width=width)
    pdf.labelled(wording["check_at"], verification_url, width=width, link=verification_url)

    if revoked:
        _mark_revoked(pdf, wording["revoked"], wording["revoked_banner"])
    return bytes(pdf.output())


def _mark_revoked(pdf: _Certificate, word: str, banner: str) -> None:
    """REVOKED across the page, over the text, and a banner saying what it means."""
    pdf._direction(pdf.direction)
    with pdf.local_context(fill_opacity=0.18, text_color=REVOKED_RED):
        pdf.set_font(pdf.main, "B", 110)
        with pdf.rotation(24, PAGE_WIDTH / 2, PAGE_HEIGHT / 2):
            pdf.set_xy(0, PAGE_HEIGHT / 2 - 22)
            pdf.cell(PAGE_WIDTH, 44, word, align=Align.C)
    inner = FRAME + 3
    pdf.set_fill_color(*REVOKED_RED)
    pdf.rect(inner, inner, PAGE_WIDTH - 2 * inner, 11, style="F")
    pdf.set_xy(inner, inner)
    pdf.set_font(pdf.main, "B", 11)
    pdf.set_text_color(*WHITE)
    pdf.cell(PAGE_WIDTH - 2 * inner, 11, banner, align=Align.C)
