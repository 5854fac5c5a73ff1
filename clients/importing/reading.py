"""Reading the rows of an uploaded CSV or XLSX file."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
XLSX_SIGNATURE = b"PK\x03\x04"


class ImportFileError(Exception):
    """The file cannot be read as a table; the message says why and what to do."""


@dataclass(frozen=True)
class Table:
    """The header and data rows of a file. Row numbers count the header as 1."""

    headers: list[str]
    rows: list[tuple[int, list]]


def read_table(content: bytes, file_name: str) -> Table:
    """Return the first sheet of an XLSX file, or the rows of a CSV file."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB. "
            "Split it into smaller files."
        )
    if content.startswith(XLSX_SIGNATURE) or file_name.lower().endswith(".xlsx"):
        raw_rows = _xlsx_rows(content)
    else:
        raw_rows = _csv_rows(content)
    return _table(raw_rows)


def _table(raw_rows) -> Table:
    headers = None
    rows = []
    for number, values in enumerate(raw_rows, start=1):
        if headers is None:
            if _is_blank(values):
                continue
            headers = [_header_text(value) for value in values]
            continue
        if _is_blank(values):
            continue
        rows.append((number, list(values)))
        if len(rows) > MAX_ROWS:
            raise ImportFileError(
                f"The file has more than {MAX_ROWS:,} rows. Split it into "
                "smaller files."
            )
    if headers is None:
        raise ImportFileError("The file is empty. Export it again with a header row.")
    return Table(headers=headers, rows=rows)


def _header_text(value) -> str:
    return "" if value is None else " ".join(str(value).split())


def _is_blank(values) -> bool:
    return all(value is None or str(value).strip() == "" for value in values)


def _xlsx_rows(content: bytes):
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ImportFileError(
            "The file is not a readable XLSX workbook. Save it from Excel as "
            "'Excel Workbook (.xlsx)' or as CSV."
        ) from error
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _csv_rows(content: bytes):
    text = _decode(content)
    sample = text[:4096]
    delimiter = ";" if _looks_semicolon_separated(sample) else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ImportFileError(
            f"The CSV file could not be read ({error}). Save it from Excel as "
            "'CSV UTF-8 (comma delimited)'."
        ) from error


def _decode(content: bytes) -> str:
    # Excel's "CSV UTF-8" starts with a byte order mark; its plain "CSV" on a
    # UK Windows machine is Windows-1252, which has no ŵ or ŷ.
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            "The file is neither UTF-8 nor Windows-1252 text. Save it from "
            "Excel as 'CSV UTF-8 (comma delimited)'."
        ) from error


def _looks_semicolon_separated(sample: str) -> bool:
    first_line = sample.splitlines()[0] if sample else ""
    return first_line.count(";") > first_line.count(",")


_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise_header(text: str) -> str:
    """Fold a header for matching: ``Matter Ref.`` and ``matter_ref`` agree."""
    return _NOT_WORD.sub("", text.casefold())
