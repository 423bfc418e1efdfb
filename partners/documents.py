"""Evidence documents are checked by what they contain, never by their name or declared type."""

import io
import re

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import DocumentKind

MAX_DOCUMENTS = 3
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"

# Markup that a browser would run or render if the file were ever opened as a page: a file that
# carries it is refused even if it is otherwise a valid image or PDF (a polyglot).
ACTIVE_CONTENT = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg|meta|a\s|img\s|style)"
    rb"|javascript:",
    re.IGNORECASE,
)
# PDF features that run code or carry other files.
PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA|OpenAction)\b")

# A 5 MB file can still decode to a huge bitmap; refuse anything past 40 megapixels.
Image.MAX_IMAGE_PIXELS = 40_000_000

ALLOWED_TYPES_TEXT = _("Please upload a PDF, JPEG or PNG file.")


def detect_kind(head: bytes) -> DocumentKind | None:
    if head.startswith(PDF_MAGIC):
        return DocumentKind.PDF
    if head.startswith(PNG_MAGIC):
        return DocumentKind.PNG
    if head.startswith(JPEG_MAGIC):
        return DocumentKind.JPEG
    return None


def validate_evidence(upload: UploadedFile) -> DocumentKind:
    """Return the document's kind, or raise ValidationError with a message for the learner."""
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than 5 MB. Please upload a smaller file or a photo of it."),
            code="too_large",
            params={"name": _display_name(upload)},
        )
    if upload.size == 0:
        raise ValidationError(
            _("“%(name)s” is empty."), code="empty", params={"name": _display_name(upload)}
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    kind = detect_kind(data[:16])
    if kind is None:
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPEG or PNG file.") + " " + str(ALLOWED_TYPES_TEXT),
            code="wrong_type",
            params={"name": _display_name(upload)},
        )
    if ACTIVE_CONTENT.search(data):
        raise ValidationError(
            _("“%(name)s” contains web page content and cannot be accepted."),
            code="active_content",
            params={"name": _display_name(upload)},
        )
    if kind == DocumentKind.PDF:
        _check_pdf(data, upload)
    else:
        _check_image(data, kind, upload)
    return kind


def _check_pdf(data: bytes, upload: UploadedFile) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise ValidationError(
            _("“%(name)s” is not a complete PDF file."),
            code="broken",
            params={"name": _display_name(upload)},
        )
    if PDF_ACTIVE.search(data):
        raise ValidationError(
            _("“%(name)s” contains scripts or attachments. Please save it as a plain PDF."),
            code="active_content",
            params={"name": _display_name(upload)},
        )


def _check_image(data: bytes, kind: DocumentKind, upload: UploadedFile) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            fmt = image.format
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as error:
        raise ValidationError(
            _("“%(name)s” is not a readable image."),
            code="broken",
            params={"name": _display_name(upload)},
        ) from error
    if fmt != {DocumentKind.PNG: "PNG", DocumentKind.JPEG: "JPEG"}[kind]:
        raise ValidationError(ALLOWED_TYPES_TEXT, code="wrong_type")
    # Bytes after the image's end marker are how polyglots hide a second file.
    trailer = data.rstrip(b"\x00")
    end_marker = b"IEND\xaeB`\x82" if kind == DocumentKind.PNG else b"\xff\xd9"
    if not trailer.endswith(end_marker):
        raise ValidationError(
            _("“%(name)s” has extra data after the image and cannot be accepted."),
            code="trailing_data",
            params={"name": _display_name(upload)},
        )


def strip_image_metadata(data: bytes, kind: DocumentKind) -> bytes:
    """Re-encode a photo without its metadata (EXIF GPS positions can reveal where someone is)."""
    if kind == DocumentKind.PDF:
        return data
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        if kind == DocumentKind.JPEG:
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            image.save(out, format="JPEG", quality=90)
        else:
            image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _display_name(upload: UploadedFile) -> str:
    # Only for the error message shown back to the person who chose the file.
    return (upload.name or "")[-60:]
