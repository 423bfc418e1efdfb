"""The CSV files people upload (completions, bulk enrolment, bulk invitations, voucher codes) and
the CSV reports they download: one size limit, one row cap, one decoding, one strict header
check, one formula guard, one shape for the upload view and one results partial
(templates/portal/partials/upload_results.html). docs/decisions/0019-csv-uploads.md says why.

A file that cannot be used at all raises UploadRejected, whose message is shown on the file
field; nothing is stored from it. A file that can be used gives one CsvRow per data line, with
its line number, and each import gives every line a result and a reason of its own.
"""

import codecs
import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The limits of every upload. MAX_BYTES is written out ("2 MB") in the messages below.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
# Longer values are invalid in every column; this bounds what a stored line holds.
MAX_VALUE_CHARS = 300
MAX_EMAIL_CHARS = 254

# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Byte-order marks of the other Unicode encodings (UTF-32's begin like UTF-16's). Such a file is
# refused with the advice to save it as "CSV UTF-8": Excel's "Unicode text" is UTF-16 and
# tab-separated, so decoding it would only trade a clear message for a confusing one.
_OTHER_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)

# Reasons a line can have in any import (each import adds its own). The code is stored; the
# sentence is written when it is shown, in the language of whoever reads it.
ROW_REASONS = {
    "extra_values": gettext_lazy("This line has more values than the header has columns."),
    "missing_email": gettext_lazy("The e-mail address is missing."),
    "invalid_email": gettext_lazy("This is not a valid e-mail address."),
}


class UploadRejected(ValidationError):
    """The uploaded file cannot be used at all (too big, not UTF-8, wrong header, too many
    lines...); nothing was stored. Its message is for the person who uploaded it."""


@dataclass(frozen=True)
class CsvRow:
    line: int  # where the line ends in the file (a quoted value may span several lines)
    values: dict[str, str]  # column -> value, stripped and cut to MAX_VALUE_CHARS
    extra: bool  # the line has values beyond the header's columns


# --- reading ------------------------------------------------------------------------------------


def _too_big() -> UploadRejected:
    return UploadRejected(
        _("The file is larger than 2 MB. Please split it into smaller files."), code="too_big"
    )


def _not_utf8() -> UploadRejected:
    return UploadRejected(
        _(
            "The file is not in UTF-8. In your spreadsheet, save it as “CSV UTF-8” and "
            "upload it again."
        ),
        code="encoding",
    )


def csv_text(upload: UploadedFile) -> str:
    """The file's text: UTF-8, with or without the byte-order mark spreadsheets write. Anything
    else (UTF-16, a Windows code page) is refused rather than guessed at: cp1252, cp1256 and
    cp1251 bytes all decode as some text, and a wrong guess garbles names without a word."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise _too_big()
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise _too_big()
    if raw.startswith(_OTHER_BOMS):
        raise _not_utf8()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _not_utf8() from error
    # UTF-16 without a byte-order mark can decode, but is full of NULs, which no column holds.
    if "\x00" in text:
        raise _not_utf8()
    return text


def csv_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, values) for each record of the text, read strictly: a stray quote is an
    error (UploadRejected naming the line), not a guess at what was meant."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for values in reader:
            yield reader.line_num, values
    except csv.Error as error:
        raise UploadRejected(
            _("The file could not be read as CSV (line %(line)d).") % {"line": reader.line_num},
            code="csv",
        ) from error


def _header_names(
    header: list[str],
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    aliases: Mapping[str, str],
) -> list[str]:
    """The column of each position ("" for a blank header cell, whose values are ignored), or
    UploadRejected naming what is missing, unknown or repeated."""
    names = [aliases.get(h.strip().lower(), h.strip().lower()) for h in header]
    named = [n for n in names if n]
    missing = [c for c in required if c not in names]
    unknown = [n for n in named if n not in columns]
    repeated = sorted(n for n, times in Counter(named).items() if times > 1)
    if not (missing or unknown or repeated):
        return names
    optional = [c for c in columns if c not in required]
    parts = [
        _(
            "The first line must name the columns: %(columns)s (%(optional)s may be left "
            "out). This file's first line is: %(header)s"
        )
        % {
            "columns": ",".join(columns),
            "optional": ", ".join(optional) or "-",
            "header": ",".join(header)[:200],
        }
    ]
    if missing:
        parts.append(_("Missing: %(columns)s.") % {"columns": ", ".join(missing)})
    if unknown:
        parts.append(_("Not known: %(columns)s.") % {"columns": ", ".join(unknown)[:200]})
    if repeated:
        parts.append(_("Named more than once: %(columns)s.") % {"columns": ", ".join(repeated)})
    raise UploadRejected(" ".join(parts), code="header")


def csv_rows(
    upload: UploadedFile,
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    aliases: Mapping[str, str] | None = None,
    no_rows_message: str | None = None,
) -> list[CsvRow]:
    """Each non-blank data line of a file whose first line names its columns (in any order and
    case; `aliases` maps other accepted names). Raises UploadRejected when the file cannot be
    used at all: then nothing may be stored."""
    lines = csv_lines(csv_text(upload))
    _line, header = next(lines, (0, None))
    if header is None or not any(h.strip() for h in header):
        raise UploadRejected(_("The file is empty."), code="empty")
    names = _header_names(header, columns=columns, required=required, aliases=aliases or {})
    rows: list[CsvRow] = []
    for line, values in lines:
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise UploadRejected(
                _("The file has more than %(max)s lines. Please split it into smaller files.")
                % {"max": f"{MAX_ROWS:,}"},
                code="too_many_rows",
            )
        record = {
            name: (values[i].strip()[:MAX_VALUE_CHARS] if i < len(values) else "")
            for i, name in enumerate(names)
            if name
        }
        extra = any(v.strip() for v in values[len(names) :])
        rows.append(CsvRow(line=line, values=record, extra=extra))
    if not rows:
        raise UploadRejected(
            no_rows_message or _("The file has a header line but no data lines."), code="no_rows"
        )
    return rows


def email_problem(email: str) -> str:
    """The reason code of an e-mail address on a line ("" when it is fine)."""
    if not email:
        return "missing_email"
    try:
        validate_email(email)
    except ValidationError:
        return "invalid_email"
    return "invalid_email" if len(email) > MAX_EMAIL_CHARS else ""


# --- writing ------------------------------------------------------------------------------------


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: one it would run as a formula gets a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_download(
    filename: str, header: Iterable[str], rows: Iterable[Iterable[Any]]
) -> HttpResponse:
    """A CSV attachment (UTF-8 with a byte-order mark, so spreadsheets read it as UTF-8) whose
    every cell goes through csv_cell. Not kept in any cache: it may hold personal data."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return response


# --- the upload form, view and results page -----------------------------------------------------


class CsvFileField(forms.FileField):
    """The file field of an upload form: refuses a file over MAX_BYTES before it is read."""

    def __init__(self, *, accept: str = ".csv,text/csv", **kwargs):
        kwargs.setdefault("label", gettext_lazy("CSV file"))
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": accept}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload.size > MAX_BYTES:
            raise _too_big()
        return upload


def csv_upload_view(
    request: HttpRequest,
    *,
    form: forms.Form,
    create: Callable[[dict], Any],
    done: Callable[[Any], tuple[str, str]],
    template: str,
    context: Callable[[], dict],
) -> HttpResponse:
    """The one shape of an upload page. On a valid POST, `create(cleaned_data)` stores the
    upload (raising ValidationError, shown on the file field, when it cannot); `done(upload)`
    gives the success message and the URL of its results page. Otherwise the page is shown
    with the form and `context()`."""
    if request.method == "POST" and form.is_valid():
        try:
            upload = create(form.cleaned_data)
        except ValidationError as error:
            form.add_error("csv_file", error)
        else:
            message, url = done(upload)
            messages.success(request, message)
            return redirect(url)
    return render(request, template, {"form": form, **context()})


@dataclass(frozen=True)
class ResultRow:
    """One line of an upload as its results page shows it."""

    line: int
    result_label: str
    badge: str  # Bootstrap colour of the result: success, info, warning or light (waiting)
    cells: tuple[str, ...]  # the values that tell the person which line this is
    reason: str


def upload_results_context(
    *,
    upload: models.Model,
    processed: int,
    counts: list[tuple[str, str, int]],
    page,
    cells_heading: str,
    running_message: str | None = None,
    errors_url: str | None = None,
) -> dict:
    """What templates/portal/partials/upload_results.html shows: progress, counts by result,
    one page of lines (ResultRow), and where the lines needing attention can be downloaded."""
    total = upload.total
    return {
        "upload": upload,
        "processed": processed,
        "percent": round(processed * 100 / total) if total else 100,
        "running": upload.status != "done",
        "running_message": running_message or _("The file is being handled in the background."),
        "counts": counts,
        "page": page,
        "cells_heading": cells_heading,
        "errors_url": errors_url,
    }
