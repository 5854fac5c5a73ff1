"""CSV and XLSX downloads of lists and statements.

Text that a spreadsheet would run as a formula (starting with =, +, -, @, a
tab or a carriage return) gets a single quote in front. Numbers, money and
dates stay typed values, so that they still add up in the spreadsheet.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.utils import get_column_letter

from accounts import audit
from accounts.models import AuditEvent

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
UK_DATE = "%d/%m/%Y"
XLSX_DATE_FORMAT = "DD/MM/YYYY"
XLSX_MONEY_FORMAT = '"£"#,##0.00'
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Column:
    """A column of an export: its header and, for money, a currency format."""

    header: str
    money: bool = False


def neutralise(value: str) -> str:
    """Return ``value`` with a quote in front if a spreadsheet would run it."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime(f"{UK_DATE} %H:%M")
    if isinstance(value, date):
        return value.strftime(UK_DATE)
    if isinstance(value, int | Decimal):
        return str(value)
    return neutralise(str(value))


def render_csv(columns: Sequence[Column], rows: Iterable[Sequence]) -> bytes:
    """Return the rows as CSV in UTF-8 with a byte order mark, which Excel needs."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(column.header) for column in columns])
    for row in rows:
        writer.writerow([csv_value(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def render_xlsx(
    columns: Sequence[Column], rows: Iterable[Sequence], *, title: str
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([neutralise(column.header) for column in columns])
    for row_number, row in enumerate(rows, start=2):
        for column_number, (column, value) in enumerate(
            zip(columns, row, strict=True), start=1
        ):
            _write_xlsx_cell(sheet.cell(row_number, column_number), column, value)
    for number, column in enumerate(columns, start=1):
        width = max(12, min(50, len(column.header) + 4))
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_xlsx_cell(cell, column: Column, value) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        cell.value = "Yes" if value else "No"
    elif isinstance(value, datetime):
        cell.value = timezone.localtime(value).replace(tzinfo=None)
        cell.number_format = f"{XLSX_DATE_FORMAT} hh:mm"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = XLSX_DATE_FORMAT
    elif isinstance(value, int | Decimal):
        cell.value = value
        if column.money:
            cell.number_format = XLSX_MONEY_FORMAT
    else:
        # Set as a string explicitly: openpyxl stores text starting with "="
        # as a formula otherwise.
        cell.value = neutralise(str(value))
        cell.data_type = TYPE_STRING


def download(
    *,
    request,
    file_format: str,
    file_stem: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence],
    description: str,
    target=None,
) -> HttpResponse:
    """Return the rows as a CSV or XLSX download and record the export."""
    if file_format == "xlsx":
        body = render_xlsx(columns, rows, title=file_stem)
        content_type = XLSX_CONTENT_TYPE
    elif file_format == "csv":
        body = render_csv(columns, rows)
        content_type = "text/csv; charset=utf-8"
    else:
        raise ValueError(f"Invalid export format {file_format!r}: use csv or xlsx")
    audit.record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=target,
        changes={"list": description, "format": file_format, "rows": len(rows)},
        request=request,
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{file_stem}.{file_format}"'
    )
    return response
