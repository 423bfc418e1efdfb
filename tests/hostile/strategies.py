"""Hypothesis strategies for hostile input: text and CSV files as careless or malicious people
and broken spreadsheets produce them."""

import csv
import io

from hypothesis import strategies as st

# Values a spreadsheet, a copy-paste or an attacker puts in a cell or a form field.
NASTY = [
    "",
    " ",
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    '"',
    '""quoted""',
    "a,b",
    "line\nbreak",
    "\r\n",
    "\x00",
    "nul\x00inside",
    "\x1b[31mred",
    "\u202eRTL override\u202c",
    "\u200f\u0645\u0631\u062d\u0628\u0627",  # RLM + Arabic
    "\ufeffbom",
    "\U0001f600 emoji",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%s%s%n",
    "{{ 7*7 }}",
    "x" * 5000,
]
MARKER = "<script>alert(1)</script>"

nasty_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=250, max_size=400),
)


def emails(domain: str = "example.org"):
    return st.from_regex(r"[a-z]{1,10}", fullmatch=True).map(lambda local: f"{local}@{domain}")


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]


@st.composite
def csv_files(draw, *, columns: list[str], cell) -> bytes:
    """A CSV file: usually the right columns (sometimes shuffled, missing, extra or repeated),
    rows of valid and hostile cells (sometimes short or long), in some encoding; or raw bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=400))
    header = list(columns)
    shape = draw(st.sampled_from(["ok", "ok", "ok", "shuffled", "missing", "extra", "twice"]))
    if shape == "shuffled":
        header = draw(st.permutations(header))
    elif shape == "missing":
        header = header[1:]
    elif shape == "extra":
        header = [*header, draw(st.sampled_from(["notes", "", "=cmd"]))]
    elif shape == "twice":
        header = [*header, header[0]]
    header = [draw(st.sampled_from([name, name.upper(), f" {name} "])) for name in header]
    rows = draw(
        st.lists(
            st.lists(st.one_of(cell, nasty_text), min_size=0, max_size=len(header) + 2),
            min_size=0,
            max_size=8,
        )
    )
    if rows and draw(st.booleans()):
        rows.append(list(rows[0]))  # a duplicate line
    text = csv_text(header, rows)
    encoding = draw(st.sampled_from(ENCODINGS))
    return text.encode(encoding, errors="replace")
