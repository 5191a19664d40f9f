"""Read the bytes a district sends — xlsx, xls (Excel 97–2003) or CSV — into plain grids of cell values.

The format is told from the bytes, not the file name: a zip is an xlsx workbook (read with calamine, after
:func:`~district_center.services.catalog.xlsx_guard.inspect_xlsx`), an OLE2 compound file is an ``.xls``
workbook (read with xlrd, which keeps sparse sheets sparse) or a password-protected xlsx (refused), and text
is CSV in UTF-8, UTF-8 with BOM or GB18030 (what Excel on Chinese Windows writes), comma, semicolon or tab
separated::

    grids, notices = read_file("清单.xls", data)     # ImportRefused for a file that cannot be read at all
    for g in grids:
        g.name, g.rows[0], g.merged, g.hidden_rows   # raw values, 0-based (row, col) from A1

A :class:`Grid` holds raw values: merged ranges are listed, not filled (the table finder fills them, as it
needs to know which cells were typed). Hidden sheets are skipped with a notice (they usually hold the
drop-down lists of a template); hidden rows and columns are read like the others and reported.

Hazards: every reader here builds a whole sheet in memory. The limits that keep that bounded are the
upload size (console and API), :data:`~district_center.services.catalog.xlsx_guard.MAX_CELLS` for xlsx,
xlrd's ragged rows for xls, and :data:`MAX_CSV_ROWS` for CSV.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import python_calamine
import xlrd
from openpyxl.utils import get_column_letter

from district_center.services.catalog.problems import CellError, ImportRefused
from district_center.services.catalog.xlsx_guard import MAX_CELLS, SheetExtent, inspect_xlsx

__all__ = ["MAX_CSV_ROWS", "Grid", "read_file"]

#: A CSV with more rows than this is refused (the table finder caps data rows well below it).
MAX_CSV_ROWS = 200_000

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_OOXML = "EncryptionInfo".encode("utf-16-le")  # stream names in the OLE2 directory
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass(slots=True)
class Grid:
    """One sheet: ``rows[r][c]`` raw values (None or "" when empty), 0-based from A1; ``merged`` ranges
    as (first row, first col, last row, last col), inclusive."""

    source: str
    name: str
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: frozenset[int] = frozenset()
    hidden_cols: frozenset[int] = frozenset()
    from_csv: bool = False


def read_file(filename: str, data: bytes) -> tuple[list[Grid], list[CellError]]:
    """The sheets of one uploaded file and the reader's notices. Raises :class:`ImportRefused`."""
    if not data.strip():
        raise ImportRefused("catalog_import.empty_file", file=filename)
    if data.startswith(_ZIP):
        return _read_xlsx(filename, data)
    if data.startswith(_OLE):
        if _ENCRYPTED_OOXML in data or _ENCRYPTED_PACKAGE in data:  # an xlsx saved with a password
            raise ImportRefused("catalog_import.password_protected", file=filename)
        return _read_xls(filename, data)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")) or b"\x00" in data[:4096]:
        raise ImportRefused("catalog_import.not_a_workbook", file=filename)
    return [_read_csv(filename, data)], []


# --------------------------------------------------------------------------------------------- xlsx


def _read_xlsx(filename: str, data: bytes) -> tuple[list[Grid], list[CellError]]:
    extents = inspect_xlsx(data)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise ImportRefused("catalog_import.password_protected", file=filename) from None
    except (python_calamine.CalamineError, ValueError, OSError):
        raise ImportRefused("catalog_import.not_a_workbook", file=filename) from None
    grids: list[Grid] = []
    notices: list[CellError] = []
    try:
        for meta in book.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            if meta.visible != python_calamine.SheetVisibleEnum.Visible:
                notices.append(CellError(meta.name, 0, "", "catalog_import.hidden_sheet", severity="info"))
                continue
            extent = extents.get(meta.name, SheetExtent())
            try:
                sheet = book.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False)
                merged = [(a[0], a[1], b[0], b[1]) for a, b in sheet.merged_cell_ranges or []]
            except (python_calamine.CalamineError, ValueError, OverflowError):
                notices.append(CellError(meta.name, 0, "", "catalog_import.sheet_damaged"))
                continue
            grids.append(
                Grid(
                    filename,
                    meta.name,
                    [list(r) for r in rows],
                    merged,
                    frozenset(extent.hidden_rows),
                    frozenset(extent.hidden_cols),
                )
            )
    finally:
        book.close()
    return grids, notices


# --------------------------------------------------------------------------------------------- xls


def _xls_value(cell: Any, datemode: int) -> Any:
    kind = cell.ctype
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if kind in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return cell.value


def _read_xls(filename: str, data: bytes) -> tuple[list[Grid], list[CellError]]:
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, ragged_rows=True, on_demand=True)
    except xlrd.XLRDError as exc:
        code = "catalog_import.password_protected" if "encrypt" in str(exc).lower() else None
        raise ImportRefused(code or "catalog_import.not_a_workbook", file=filename) from None
    except Exception:  # xlrd raises struct, index and assertion errors on damaged BIFF
        raise ImportRefused("catalog_import.not_a_workbook", file=filename) from None
    grids: list[Grid] = []
    notices: list[CellError] = []
    try:
        for index, name in enumerate(book.sheet_names()):
            try:
                sheet = book.sheet_by_index(index)
            except Exception:  # damaged sheet records
                notices.append(CellError(name, 0, "", "catalog_import.sheet_damaged"))
                continue
            if sheet.visibility:
                notices.append(CellError(name, 0, "", "catalog_import.hidden_sheet", severity="info"))
                continue
            cells = sum(sheet.row_len(r) for r in range(sheet.nrows))
            if cells > MAX_CELLS:
                extent = f"A1:{get_column_letter(max(1, sheet.ncols))}{sheet.nrows}"
                raise ImportRefused("catalog_import.sheet_too_large", name=name, extent=extent)
            rows = [[_xls_value(c, book.datemode) for c in sheet.row(r)] for r in range(sheet.nrows)]
            merged = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]
            hidden_rows = frozenset(r for r, info in sheet.rowinfo_map.items() if info.hidden)
            hidden_cols = frozenset(c for c, info in sheet.colinfo_map.items() if info.hidden)
            grids.append(Grid(filename, name, rows, merged, hidden_rows, hidden_cols))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return grids, notices


# --------------------------------------------------------------------------------------------- csv


def decode_text(filename: str, data: bytes) -> str:
    """CSV text from its bytes: UTF-8 (with or without BOM) when it decodes, else GB18030 (a superset of
    GBK and GB2312). Raises ``catalog_import.unknown_encoding`` when neither fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused("catalog_import.unknown_encoding", file=filename)


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(filename: str, data: bytes) -> Grid:
    text = decode_text(filename, data)
    rows: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)):
            rows.append(list(row))
            if len(rows) > MAX_CSV_ROWS:
                raise ImportRefused("catalog_import.too_many_rows", file=filename, limit=MAX_CSV_ROWS)
    except csv.Error:  # a cell over csv.field_size_limit() (128 KiB), a NUL byte …
        raise ImportRefused("catalog_import.csv_malformed", file=filename) from None
    return Grid(filename, filename, rows, from_csv=True)
