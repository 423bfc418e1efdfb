"""Evidence documents: a quick check at upload, then a rebuild from pixels in a background job.

The upload check looks only at size and at what the file starts with (never its name or declared
type). It does not try to find active content: no scan of the bytes can (`/Op#65nAction`, actions
inside compressed object streams...). Instead every document is rebuilt the way Dangerzone treats
untrusted documents (`rebuild_document`): rendered to pixels in a child process with limits on
memory, CPU and wall-clock time, and written again as an image-only PDF or a re-encoded image.
Only that rebuilt file is ever stored or served.
See docs/decisions/0016-evidence-documents-rebuilt.md.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from . import rebuild_child
from .models import DocumentKind

MAX_DOCUMENTS = 3
# Every file ever sent for one application, failed ones included: without it, a learner could
# send unreadable files without end, each costing up to REBUILD_TIMEOUT_SECONDS of rendering.
MAX_UPLOADS = 10
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# Wall-clock limit for one rebuild; the child also has a CPU-time and an address-space limit.
REBUILD_TIMEOUT_SECONDS = 60
CHILD = Path(rebuild_child.__file__)

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"

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
    kind = detect_kind(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPEG or PNG file.") + " " + str(ALLOWED_TYPES_TEXT),
            code="wrong_type",
            params={"name": _display_name(upload)},
        )
    return kind


def _display_name(upload: UploadedFile) -> str:
    # Only for the error message shown back to the person who chose the file.
    return (upload.name or "")[-60:]


# --- the rebuild --------------------------------------------------------------------------------


class DocumentRefused(Exception):
    """The document could not be rebuilt; `reason` is a DocumentFailure value."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Rebuilt:
    kind: DocumentKind
    data: bytes


def rebuild_document(data: bytes, kind: str, *, timeout: float | None = None) -> Rebuilt:
    """Render `data` to pixels in a limited child process and return a new file made from them.

    Raises DocumentRefused when the file cannot be read, needs a password, has too many pages,
    or goes past a limit (memory, CPU time, wall-clock time): the child is killed and nothing of
    it remains. Never writes the original anywhere: it goes to the child through a pipe.
    """
    from .models import DocumentFailure

    try:
        result = subprocess.run(  # noqa: S603 — our own script, the file goes in on stdin
            # -I: no user site, no environment-driven imports, no current directory on the path.
            [sys.executable, "-I", str(CHILD), str(kind)],
            input=data,
            capture_output=True,
            timeout=timeout or REBUILD_TIMEOUT_SECONDS,
            env={k: v for k, v in os.environ.items() if k.startswith("REBUILD_")},
            cwd="/",
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        # subprocess.run has killed the child already.
        raise DocumentRefused(DocumentFailure.UNREADABLE) from error
    if result.returncode == rebuild_child.EXIT_PASSWORD:
        raise DocumentRefused(DocumentFailure.PASSWORD)
    if result.returncode == rebuild_child.EXIT_TOO_MANY_PAGES:
        raise DocumentRefused(DocumentFailure.TOO_MANY_PAGES)
    # Any other failure (refused, killed by a limit, crashed) is "we could not read it".
    rebuilt_kind = detect_kind(result.stdout[:16]) if result.returncode == 0 else None
    if rebuilt_kind is None:
        raise DocumentRefused(DocumentFailure.UNREADABLE)
    return Rebuilt(kind=rebuilt_kind, data=result.stdout)


def failure_message(reason: str) -> str:
    """What the learner reads about a document that could not be rebuilt."""
    from .models import DocumentFailure

    if reason == DocumentFailure.PASSWORD:
        return _(
            "This PDF is protected by a password, so we could not read it. Please upload a photo "
            "of the document or a PDF without a password."
        )
    if reason == DocumentFailure.TOO_MANY_PAGES:
        return _(
            "This PDF has more than %(max)d pages. Please upload only the pages that show your "
            "situation, or a photo of them."
        ) % {"max": rebuild_child.MAX_PAGES}
    return _("We could not read this file. Please upload a photo of the document or another PDF.")
