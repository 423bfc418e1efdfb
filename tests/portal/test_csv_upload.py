"""The one CSV upload helper (portal/csv_upload.py): limits, decoding, the strict header check,
rows with their line numbers, and the formula guard of the CSV files the portal writes."""

import csv
import io

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from portal.csv_upload import (
    MAX_BYTES,
    MAX_ROWS,
    MAX_VALUE_CHARS,
    CsvFileField,
    UploadRejected,
    csv_cell,
    csv_download,
    csv_lines,
    csv_rows,
    csv_text,
    email_problem,
)

COLUMNS = ("email", "course", "grade")
REQUIRED = ("email", "course")


def upload(content: str | bytes) -> SimpleUploadedFile:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile("file.csv", data, content_type="text/csv")


def rows_of(content: str | bytes, **kwargs):
    return csv_rows(upload(content), columns=COLUMNS, required=REQUIRED, **kwargs)


def refusal(content: str | bytes, **kwargs) -> UploadRejected:
    with pytest.raises(UploadRejected) as error:
        rows_of(content, **kwargs)
    return error.value


# --- encodings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["no-bom", "bom"])
def test_utf8_is_read_with_or_without_a_byte_order_mark(bom):
    rows = rows_of(f"{bom}Email,Course\r\nrana@example.org,Ürdün · علم\r\n")
    assert [(row.line, row.values) for row in rows] == [
        (2, {"email": "rana@example.org", "course": "Ürdün · علم"})
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_are_refused_with_the_advice_to_save_as_csv_utf8(encoding):
    error = refusal("email,course\nrana@example.org,1\n".encode(encoding))
    assert error.code == "encoding"
    assert "save it as “CSV UTF-8”" in error.messages[0]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "cp1256"])
def test_a_windows_code_page_is_refused_not_guessed(encoding):
    text = (
        "email,course\nJosé@example.org,1\n"
        if encoding != "cp1256"
        else "email,course\nx@y.org,علم\n"
    )
    error = refusal(text.encode(encoding))
    assert error.code == "encoding"
    assert "The file is not in UTF-8." in error.messages[0]


def test_an_ascii_file_saved_as_cp1252_is_read_as_it_is_the_same_bytes():
    rows = rows_of("email,course\nrana@example.org,12\n".encode("cp1252"))
    assert rows[0].values == {"email": "rana@example.org", "course": "12"}


def test_a_nul_byte_is_refused_as_an_encoding_error():
    assert refusal(b"email,course\nrana@example.org,1\x00\n").code == "encoding"


def test_the_refusal_is_in_the_language_of_the_person():
    with translation.override("fr"):
        error = refusal("email,course\nx@y.org,1\n".encode("utf-16"))
    assert "The file is not in UTF-8" not in error.messages[0]
    assert "UTF-8" in error.messages[0]


# --- size and row limits ------------------------------------------------------------------------


def test_a_file_of_exactly_the_size_limit_is_read_and_one_byte_more_is_refused():
    header = "email,course\n"
    line = "rana@example.org,1\n"
    body = line * ((MAX_BYTES - len(header)) // len(line))
    padding = MAX_BYTES - len(header) - len(body)
    exact = header + body + " " * (padding - 1) + "\n"
    assert len(exact.encode()) == MAX_BYTES
    assert csv_text(upload(exact)) == exact
    error = refusal(exact + "\n")
    assert error.code == "too_big"
    assert error.messages == ["The file is larger than 2 MB. Please split it into smaller files."]


def test_the_size_limit_holds_when_the_upload_does_not_say_its_size():
    big = upload("email,course\n" + "rana@example.org,1\n" * (MAX_BYTES // 19 + 1))
    big.size = None
    with pytest.raises(UploadRejected) as error:
        csv_text(big)
    assert error.value.code == "too_big"


def test_the_form_field_refuses_a_file_over_the_limit_before_it_is_read():
    class Form(forms.Form):
        csv_file = CsvFileField()

    too_big = upload(b"a" * (MAX_BYTES + 1))
    form = Form(files={"csv_file": too_big})
    assert not form.is_valid()
    assert form.errors["csv_file"] == [
        "The file is larger than 2 MB. Please split it into smaller files."
    ]
    assert Form(files={"csv_file": upload("email\nx@y.org\n")}).is_valid()
    assert 'accept=".csv,text/csv"' in str(Form()["csv_file"])


def test_the_row_cap_counts_data_lines_only():
    at_cap = "email,course\n\n" + "rana@example.org,1\n" * MAX_ROWS + "\n,\n"
    assert len(rows_of(at_cap)) == MAX_ROWS
    error = refusal("email,course\n" + "rana@example.org,1\n" * (MAX_ROWS + 1))
    assert error.code == "too_many_rows"
    assert error.messages == [
        f"The file has more than {MAX_ROWS:,} lines. Please split it into smaller files."
    ]


# --- the header ---------------------------------------------------------------------------------


def test_a_missing_column_is_named():
    error = refusal("email,grade\nx@y.org,A\n")
    assert error.code == "header"
    message = error.messages[0]
    assert message.startswith("The first line must name the columns: email,course,grade")
    assert "This file's first line is: email,grade" in message
    assert message.endswith("Missing: course.")


def test_an_unknown_column_is_named():
    message = refusal("email,course,colour\nx@y.org,1,red\n").messages[0]
    assert "Not known: colour." in message
    assert "Missing" not in message


def test_a_column_named_twice_is_named():
    message = refusal("email,course,Email\nx@y.org,1,z@y.org\n").messages[0]
    assert "Named more than once: email." in message


def test_everything_wrong_with_a_header_is_said_at_once():
    message = refusal("mail,grade,grade\nx,A,B\n").messages[0]
    assert "Missing: email, course." in message
    assert "Not known: mail." in message
    assert "Named more than once: grade." in message


def test_columns_are_matched_in_any_order_and_case_and_through_aliases():
    rows = rows_of(" COURSE_ID ,Email\n12,x@y.org\n", aliases={"course_id": "course"})
    assert rows[0].values == {"course": "12", "email": "x@y.org"}


def test_blank_header_cells_are_ignored_with_their_values():
    rows = rows_of("email,course,,\nx@y.org,1,left,out\n")
    assert rows[0].values == {"email": "x@y.org", "course": "1"}
    assert rows[0].extra is False


@pytest.mark.parametrize("content", ["", "\n\n", " , \n"])
def test_an_empty_file_is_refused(content):
    error = refusal(content)
    assert (error.code, error.messages) == ("empty", ["The file is empty."])


def test_a_file_with_only_a_header_is_refused_with_the_imports_own_words():
    assert refusal("email,course\n\n").messages == ["The file has a header line but no data lines."]
    error = refusal("email,course\n", no_rows_message="Nobody to invite.")
    assert (error.code, error.messages) == ("no_rows", ["Nobody to invite."])


# --- rows ---------------------------------------------------------------------------------------


def test_each_row_has_the_line_number_a_spreadsheet_shows():
    content = 'email,course,grade\na@y.org,1,A\n\nb@y.org,2,"two\nlines"\nc@y.org,3\n'
    rows = rows_of(content)
    assert [row.line for row in rows] == [2, 5, 6]
    assert rows[1].values["grade"] == "two\nlines"
    assert rows[2].values == {"email": "c@y.org", "course": "3", "grade": ""}


def test_values_beyond_the_header_mark_the_row_and_blank_ones_do_not():
    rows = rows_of("email,course\na@y.org,1,surplus\nb@y.org,2, ,\n")
    assert [row.extra for row in rows] == [True, False]
    assert rows[0].values == {"email": "a@y.org", "course": "1"}


def test_values_are_stripped_and_cut_to_a_bound():
    rows = rows_of(f"email,course\n  a@y.org ,{'x' * (MAX_VALUE_CHARS + 50)}\n")
    assert rows[0].values == {"email": "a@y.org", "course": "x" * MAX_VALUE_CHARS}


def test_a_stray_quote_is_refused_with_its_line_not_guessed_at():
    error = refusal('email,course\na@y.org,1\nb@y.org,"2\n')
    assert error.code == "csv"
    assert error.messages == ["The file could not be read as CSV (line 3)."]
    assert refusal('email,course\na@y.org,"1"x\n').code == "csv"


def test_csv_lines_gives_every_record_with_its_line():
    assert list(csv_lines('a,b\n\n"c\nd",e\n')) == [(1, ["a", "b"]), (2, []), (4, ["c\nd", "e"])]


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        ("", "missing_email"),
        ("not-an-email", "invalid_email"),
        ("x" * 250 + "@y.org", "invalid_email"),
        ("rana@example.org", ""),
    ],
)
def test_email_problem_gives_the_reason_code_of_a_line(email, problem):
    assert email_problem(email) == problem


def test_upload_rejected_is_a_validation_error_so_forms_show_it_on_the_field():
    assert issubclass(UploadRejected, ValidationError)


# --- writing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_gets_a_leading_quote(start):
    assert csv_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"


@pytest.mark.parametrize(
    ("value", "cell"), [("Hope", "Hope"), (None, ""), (12, "12"), ("a=b", "a=b"), ("", "")]
)
def test_other_cells_are_written_as_they_are(value, cell):
    assert csv_cell(value) == cell


def test_a_download_is_utf8_with_a_bom_not_cached_and_every_cell_guarded():
    response = csv_download(
        "problems.csv",
        ["line", "email", "reason"],
        [[2, "=cmd|' /C calc'!A0", "Not valid"], [3, "rana@example.org", "-"]],
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="problems.csv"'
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(body[1:]))) == [
        ["line", "email", "reason"],
        ["2", "'=cmd|' /C calc'!A0", "Not valid"],
        ["3", "rana@example.org", "'-"],
    ]
