"""Look inside an xlsx workbook before a reader builds it: zip bombs, "cell bombs", hidden rows and columns.

Two small files can take a server down through a spreadsheet reader:

* a **zip bomb** — members that inflate to gigabytes. :func:`inspect_xlsx` inflates every member as a
  stream, counting what comes out, and stops at :data:`MAX_UNPACKED_BYTES` whatever the zip directory
  declares;
* a **cell bomb** — a 5 KB sheet with one value in A1 and one in XFD1048576. calamine (and openpyxl's
  read-only rows) build the sheet as one dense rectangle: 17 billion cells, and the process aborts out of
  memory. The same stream pass finds each sheet's used extent from the cells' ``r="…"`` references, and a
  sheet over :data:`MAX_CELLS` is refused before anything reads it.

The pass also collects what calamine does not report: hidden rows and columns. Use::

    sheets = inspect_xlsx(data)              # {sheet name: SheetExtent}; ImportRefused when refused
    sheets["附件1"].hidden_rows             # frozenset of 0-based row indexes

The scan reads tags with regular expressions over the inflated XML (chunk-safe), not a DOM: it needs three
attributes and must stay linear in the size of the file.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from posixpath import dirname, join, normpath
from xml.etree import ElementTree

from openpyxl.utils import get_column_letter

from district_center.services.catalog.problems import ImportRefused

__all__ = ["MAX_CELLS", "MAX_UNPACKED_BYTES", "SheetExtent", "inspect_xlsx"]

#: A workbook whose members inflate beyond this is refused (a few thousand items take a few MB).
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
#: A sheet whose used rectangle (from A1) holds more cells than this is refused: 100,000 rows × 40 columns.
MAX_CELLS = 4_000_000

_CHUNK = 1 << 20
_MAX_ROW, _MAX_COL = 1_048_576, 16_384  # Excel's grid
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|row|col)\b([^>]*)>")
_ATTR = re.compile(rb'\b(r|hidden|min|max)="([^"]*)"')
_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(slots=True)
class SheetExtent:
    """What the scan found in one worksheet: used extent (0-based, exclusive) and hidden rows/columns."""

    rows: int = 0
    cols: int = 0
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


class _SheetScan:
    def __init__(self) -> None:
        self.extent = SheetExtent()
        self._row = -1
        self._col = -1

    def feed(self, xml: bytes) -> None:
        ext = self.extent
        for m in _TAG.finditer(xml):
            tag, attrs_raw = m.group(1), m.group(2)
            attrs = dict(_ATTR.findall(attrs_raw))
            hidden = attrs.get(b"hidden") in (b"1", b"true")
            if tag == b"row":
                r = attrs.get(b"r")
                if r is not None and not (r.isdigit() and 0 < int(r) <= _MAX_ROW):
                    raise ImportRefused("catalog_import.sheet_damaged")
                self._row = int(r) - 1 if r else self._row + 1
                self._col = -1
                if hidden:
                    ext.hidden_rows.add(self._row)
            elif tag == b"col":
                lo, hi = attrs.get(b"min", b""), attrs.get(b"max", b"")
                if hidden and lo.isdigit() and hi.isdigit():
                    ext.hidden_cols.update(range(int(lo) - 1, min(int(hi), 16384)))
            else:
                r = attrs.get(b"r")
                ref = _REF.fullmatch(r) if r is not None else None
                if ref:
                    self._col = _column_index(ref.group(1))
                    self._row = int(ref.group(2)) - 1
                    if self._col >= _MAX_COL or not 0 <= self._row < _MAX_ROW:
                        raise ImportRefused("catalog_import.sheet_damaged")
                elif r is not None:  # a reference Excel cannot write: readers misplace or overflow on it
                    raise ImportRefused("catalog_import.sheet_damaged")
                else:
                    self._col += 1
                if attrs_raw.rstrip().endswith(b"/"):
                    continue  # an empty (styled) cell: readers do not count it
                ext.rows = max(ext.rows, self._row + 1)
                ext.cols = max(ext.cols, self._col + 1)


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet member path -> sheet name, from xl/workbook.xml and its relationships."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        raise ImportRefused("catalog_import.not_a_workbook") from None
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_REL_NS}Relationship")}
    out: dict[str, str] = {}
    for sheet in book.iter(f"{_MAIN_NS}sheet"):
        target = targets.get(sheet.get(_DOC_REL))
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else normpath(join(dirname("xl/"), target))
        out[path] = sheet.get("name", "")
    return out


def inspect_xlsx(data: bytes) -> dict[str, SheetExtent]:
    """Each worksheet's extent and hidden rows/columns by sheet name, after checking the whole workbook
    inflates to at most :data:`MAX_UNPACKED_BYTES` and no sheet exceeds :data:`MAX_CELLS`.

    Raises :class:`ImportRefused` with ``catalog_import.not_a_workbook``, ``.too_large_unpacked`` or
    ``.sheet_too_large`` (parameters ``name``, ``extent``)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportRefused("catalog_import.not_a_workbook") from None
    limit_mb = MAX_UNPACKED_BYTES // (1024 * 1024)
    with archive:
        if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise ImportRefused("catalog_import.too_large_unpacked", limit_mb=limit_mb)
        members = _sheet_members(archive)
        found: dict[str, SheetExtent] = {}
        total = 0
        for info in archive.infolist():
            scan = _SheetScan() if info.filename in members else None
            tail = b""
            try:
                with archive.open(info) as stream:
                    while chunk := stream.read(_CHUNK):
                        total += len(chunk)
                        if total > MAX_UNPACKED_BYTES:
                            raise ImportRefused("catalog_import.too_large_unpacked", limit_mb=limit_mb)
                        if scan is None:
                            continue
                        buf = tail + chunk
                        cut = buf.rfind(b"<")
                        if cut >= 0 and buf.find(b">", cut) < 0:
                            buf, tail = buf[:cut], buf[cut:]
                        else:
                            tail = b""
                        scan.feed(buf)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
                raise ImportRefused("catalog_import.not_a_workbook") from None
            if scan is None:
                continue
            name = members[info.filename]
            ext = scan.extent
            if ext.rows * ext.cols > MAX_CELLS:
                last = f"{get_column_letter(min(ext.cols, 18278))}{ext.rows}"
                raise ImportRefused("catalog_import.sheet_too_large", name=name, extent=f"A1:{last}")
            found[name] = ext
    return found
