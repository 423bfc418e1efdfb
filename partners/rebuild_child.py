"""Rebuild one untrusted document from its pixels, in a process of its own (not Django).

    python -I partners/rebuild_child.py KIND < original > rebuilt

The parent (partners/documents.py) starts this with a wall-clock timeout; the first thing this
process does is cap its own address space and CPU time, so a decompression or page-count bomb
kills this process, not the Celery worker. Nothing is written to disk: bytes in on stdin, bytes
out on stdout, a one-word reason on stderr when the file is refused.

What comes out holds nothing of what went in but pixels: a PDF's pages are rendered by PDFium
(no JavaScript, no forms, no annotations' actions, no attachments are ever run or carried) and
written into a new PDF whose only content is one JPEG image per page; a photo is decoded by
Pillow, turned upright from its EXIF orientation, copied pixel by pixel into a new image (no EXIF,
no comment, no ICC profile, no text chunks, nothing after the end marker) and encoded again.
"""

import io
import os
import resource
import sys

# Limits (the parent passes them in the environment so tests can tighten them).
MAX_PAGES = int(os.environ.get("REBUILD_MAX_PAGES", "20"))
DPI = int(os.environ.get("REBUILD_DPI", "150"))
MAX_PAGE_PIXELS = int(os.environ.get("REBUILD_MAX_PAGE_PIXELS", "4000000"))  # ~A3 at 150 dpi
MAX_SOURCE_PIXELS = int(os.environ.get("REBUILD_MAX_SOURCE_PIXELS", "50000000"))
MAX_IMAGE_PIXELS = int(os.environ.get("REBUILD_MAX_IMAGE_PIXELS", "12000000"))  # a phone photo
MAX_OUTPUT_BYTES = int(os.environ.get("REBUILD_MAX_OUTPUT_BYTES", str(5 * 1024 * 1024)))
MEMORY_BYTES = int(os.environ.get("REBUILD_MEMORY_BYTES", str(1024 * 1024 * 1024)))
CPU_SECONDS = int(os.environ.get("REBUILD_CPU_SECONDS", "30"))

# Exit codes the parent understands.
EXIT_UNREADABLE = 2
EXIT_PASSWORD = 3
EXIT_TOO_MANY_PAGES = 4


class Refused(Exception):
    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def limit_resources() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # may not write a file of any size
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _jpeg_pages_to_pdf(pages, *, quality: int, dpi: float) -> bytes:
    out = io.BytesIO()
    pages[0].save(
        out,
        format="PDF",
        save_all=True,
        append_images=pages[1:],
        resolution=dpi,
        quality=quality,
    )
    return out.getvalue()


def rebuild_pdf(data: bytes) -> bytes:
    import pypdfium2 as pdfium
    from PIL import Image

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        # FPDF_ERR_PASSWORD: a user password is needed to open it.
        raise Refused(EXIT_PASSWORD if error.err_code == 4 else EXIT_UNREADABLE) from error
    count = len(document)
    if count == 0:
        raise Refused(EXIT_UNREADABLE)
    if count > MAX_PAGES:
        raise Refused(EXIT_TOO_MANY_PAGES)

    def render(dpi: float) -> list:
        pages = []
        for index in range(count):
            page = document[index]
            width, height = page.get_size()
            if not (width > 0 and height > 0):
                raise Refused(EXIT_UNREADABLE)
            scale = dpi / 72
            pixels = width * height * scale * scale
            if pixels > MAX_PAGE_PIXELS:
                scale *= (MAX_PAGE_PIXELS / pixels) ** 0.5
            # No forms are initialised: form fields' scripts never run; PDFium has no JavaScript
            # engine in this build anyway. Annotations are drawn as they appear, as pixels.
            bitmap = page.render(scale=scale, may_draw_forms=False)
            image = bitmap.to_pil()
            # A fresh image: nothing of PDFium's bitmap but the pixels.
            clean = Image.frombytes("RGB", image.size, image.convert("RGB").tobytes())
            pages.append(clean)
            page.close()
        return pages

    for dpi, quality in ((DPI, 75), (DPI * 2 / 3, 60), (DPI / 2, 50)):
        pages = render(dpi)
        rebuilt = _jpeg_pages_to_pdf(pages, quality=quality, dpi=dpi)
        if len(rebuilt) <= MAX_OUTPUT_BYTES:
            return rebuilt
    return rebuilt  # Still large at 75 dpi: kept, the page count bounds it.


def rebuild_image(data: bytes, kind: str) -> bytes:
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as source:
            expected = {"jpeg": "JPEG", "png": "PNG"}[kind]
            if source.format != expected:
                raise Refused(EXIT_UNREADABLE)
            width, height = source.size
            if width * height > MAX_SOURCE_PIXELS or width < 1 or height < 1:
                raise Refused(EXIT_UNREADABLE)
            source.load()
            upright = ImageOps.exif_transpose(source)
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
                upright.mode == "P" and "transparency" in upright.info
            )
            if has_alpha:
                rgba = upright.convert("RGBA")
                flattened = Image.new("RGB", rgba.size, "white")
                flattened.paste(rgba, mask=rgba.getchannel("A"))
                upright = flattened
            mode = "L" if upright.mode in ("1", "L", "I", "I;16", "F") else "RGB"
            pixels = upright.convert(mode)
    except Refused:
        raise
    except Exception as error:  # Pillow raises many kinds for broken input.
        raise Refused(EXIT_UNREADABLE) from error
    if pixels.width * pixels.height > MAX_IMAGE_PIXELS:
        ratio = (MAX_IMAGE_PIXELS / (pixels.width * pixels.height)) ** 0.5
        size = (max(1, int(pixels.width * ratio)), max(1, int(pixels.height * ratio)))
        pixels = pixels.resize(size, Image.Resampling.LANCZOS)
    # A new image holding only the pixels: no info dict (EXIF, comment, ICC profile, text).
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if kind == "png":
        clean.save(out, format="PNG", optimize=True)
        if out.tell() <= MAX_OUTPUT_BYTES:
            return out.getvalue()
        # A big photo saved as PNG: sent back as a JPEG (the parent reads the kind from the bytes).
    for quality in (85, 70, 55):
        out = io.BytesIO()
        clean.save(out, format="JPEG", quality=quality)
        if out.tell() <= MAX_OUTPUT_BYTES:
            break
    return out.getvalue()


def main() -> int:
    limit_resources()
    kind = sys.argv[1]
    data = sys.stdin.buffer.read()
    try:
        rebuilt = rebuild_pdf(data) if kind == "pdf" else rebuild_image(data, kind)
    except Refused as refused:
        return refused.code
    except MemoryError:
        return EXIT_UNREADABLE
    except Exception:  # Any failure to read the file is the same answer for the learner.
        return EXIT_UNREADABLE
    sys.stdout.buffer.write(rebuilt)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
