"""Find the table in a sheet as districts lay it out: header row, column mapping, data rows.

A district's sheet is rarely a bare table. Above the header: a merged banner (西安市…事项清单), a
"填报单位：… 日期：…" line. Inside: a department typed once over twelve merged rows, section rows
("一、行政许可"), blank spacer columns, the header repeated after a page break, 合计 rows. Below: 备注/说明
lines and signatures. :func:`find_table` reads all of that::

    table = find_table(grid, problems, types=catalog_types)   # None when no header is recognisable
    table.kind, table.header_row                              # "事项", 3 (1-based, as Excel shows it)
    [(c.letter, c.label, c.header) for c in table.columns]    # ("B", "部门名称", "实施主体") …
    for row in table.rows: row.number, row.values["事项名称"], row.notes, row.section

**The header row** is the row among the first :data:`HEADER_SCAN_ROWS` that scores best against the alias
table (:mod:`~district_center.services.catalog.aliases`) for some sheet kind; the kind's key columns must
be there. A second header row under merged header cells ("承诺办结时限" over "时限 | 单位") is read with it.

**Merged cells** are filled down and across, so each of the twelve rows gets its department.

**Rows** that are not data are skipped and counted by reason (``blank``, ``title``, ``footnote``,
``header``, ``total``); a section row ("一、行政许可（12项）", "（三）市民政局") sets the 事项类型 or 实施主体
of the rows below it. Columns the alias table does not know become note columns (kept in 备注);
columns with neither a header nor data are spacers and are ignored.

Hazard: :data:`MAX_MERGED_CELLS` bounds the work of filling merged ranges; a sheet over it is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from openpyxl.utils import get_column_letter

from district_center.services.catalog.aliases import (
    ALIASES,
    KEY_FIELDS,
    UNIT_OF,
    HeaderMatch,
    match_header,
    normalize_header,
)
from district_center.services.catalog.problems import ImportRefused, Problems
from district_center.services.catalog.sheets import SHEET_ITEMS, _text
from district_center.services.catalog.workbook import Grid

__all__ = [
    "HEADER_SCAN_ROWS",
    "IGNORE",
    "MAX_MERGED_CELLS",
    "NOTE",
    "Column",
    "Row",
    "Table",
    "find_table",
]

HEADER_SCAN_ROWS = 30
MAX_MERGED_CELLS = 4_000_000
#: Mapping targets besides canonical headers: keep the column in 备注, or drop it.
NOTE = "#note"
IGNORE = "#ignore"

How = Literal["exact", "alias", "saved", "override", "unknown", "duplicate", "spacer", "ignored"]

_UNIT_WORDS = {"单位", "时限单位", "计量单位"}
_QUALIFIERS = {"时限", "天数", "期限", "名称", "内容", "数量", "份数", "编码", "代码"}
_FOOTNOTE = re.compile(r"^[*※]?\s*(注|备注|说明|附注|注释|填表说明|备注说明)\s*\d*\s*([：:.．、]|$)")
_NUMBERING = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+\s*[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+\s*[、.．])\s*"
)
_COUNT_SUFFIX = re.compile(r"\s*[(（]\s*(?:共|计)?\s*\d+\s*(?:项|个)\s*[)）]\s*$")
_DEPARTMENT = re.compile(
    r"(局|委|办|院|厅|处|所|站|队|会|部|室|馆|社|中心|公司|政府|办事处|委员会|分局|支队|大队)$"
)
_REPORTING_UNIT = re.compile(
    r"(?:填报单位|报送单位|填报部门|报送部门|实施部门|部门名称|单位名称|单位)\s*[：:]\s*(\S+?)(?=\s|日期|时间|联系|$)"
)
_LINE_BREAK = re.compile(r"\s*\n\s*")
_LABEL_TEXT = re.compile(r"^[^：:]{1,12}[：:]")
_TOTAL = re.compile(r"^(?:合计|小计|总计|共计)(?:[:：\s(（]|\d|$)")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a found table. ``header`` is the canonical column it maps to (None: a note
    column, kept in 备注 as "label：value"; :data:`IGNORE`: dropped)."""

    index: int
    letter: str
    label: str
    header: str | None
    how: How
    hint: str = ""
    note_label: str = ""  # the name a known note column (进驻时限) gives its text in 备注

    @property
    def imported(self) -> bool:
        return self.header is not None and self.header != IGNORE


@dataclass(slots=True)
class Row:
    number: int  # the spreadsheet row, 1-based
    values: dict[str, Any]  # canonical header -> cell value (merged cells filled)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (column label, text) of note columns
    section: dict[str, str] = field(default_factory=dict)  # 事项类型 / 实施主体 set by a section row
    hidden: bool = False


@dataclass(slots=True)
class Table:
    source: str
    sheet: str
    kind: str
    header_row: int  # 1-based
    header_rows: int  # 1, or 2 with a sub-header row
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)  # reason -> row numbers
    department: str = ""  # no 实施主体 column: a "填报单位：…" title line, else the sheet's name
    department_from: Literal["", "title", "sheet"] = ""

    def column(self, header: str) -> Column | None:
        for c in self.columns:
            if c.header == header:
                return c
        return None

    @property
    def hidden_rows(self) -> list[int]:
        return [r.number for r in self.rows if r.hidden]


# --------------------------------------------------------------------------------------------- cells


class _Cells:
    """The grid's values with merged ranges filled, and which cells were typed (raw)."""

    def __init__(self, grid: Grid) -> None:
        self.raw = grid.rows
        self.height = len(grid.rows)
        self.width = max((len(r) for r in grid.rows), default=0)
        self.origin: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        self.fill: dict[tuple[int, int], Any] = {}
        area = 0
        for r0, c0, r1, c1 in grid.merged:
            r1, c1 = min(r1, self.height - 1), min(c1, self.width - 1)
            if r0 > r1 or c0 > c1:
                continue
            area += (r1 - r0 + 1) * (c1 - c0 + 1)
            if area > MAX_MERGED_CELLS:
                raise ImportRefused("catalog_import.too_many_merged", name=grid.name)
            value = self.get_raw(r0, c0)
            self.origin[(r0, c0)] = (r0, c0, r1, c1)
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self.fill[(r, c)] = value

    def get_raw(self, r: int, c: int) -> Any:
        row = self.raw[r] if 0 <= r < self.height else ()
        return row[c] if c < len(row) else None

    def get(self, r: int, c: int) -> Any:
        value = self.fill.get((r, c))
        return value if value is not None else self.get_raw(r, c)

    def text(self, r: int, c: int, *, raw: bool = False) -> str:
        return _text(self.get_raw(r, c) if raw else self.get(r, c))

    def raw_cells(self, r: int, width: int) -> list[tuple[int, str]]:
        row = self.raw[r] if r < self.height else []
        out = []
        for c in range(min(width, len(row))):
            t = _text(row[c])
            if t:
                out.append((c, t))
        return out

    def merged_down(self, r: int, c: int) -> bool:
        """Whether (r, c) starts a merged range that goes down to the next row."""
        rng = self.origin.get((r, c))
        return rng is not None and rng[2] > r

    def merge_width(self, r: int, c: int) -> int:
        rng = self.origin.get((r, c))
        return 1 if rng is None else rng[3] - rng[1] + 1

    def covered_from_row(self, r: int, c: int, header_row: int) -> bool:
        """Whether (r, c) is a filled part of a merge that starts on ``header_row``."""
        return (r, c) in self.fill and any(
            o[0] == header_row and o[0] <= r <= o[2] and o[1] <= c <= o[3]
            for o in self._origins_at(header_row)
        )

    def _origins_at(self, r: int) -> list[tuple[int, int, int, int]]:
        return [rng for (r0, _), rng in self.origin.items() if r0 == r]


# --------------------------------------------------------------------------------------------- header


def _score(kind: str, labels: list[tuple[int, str]], saved: Mapping[str, str]) -> int:
    matched: set[str] = set()
    for _, label in labels:
        m = match_header(kind, label, saved)
        if m is not None and m.header not in (NOTE, IGNORE):
            matched.add(m.header)
    required, one_of = KEY_FIELDS[kind]
    if not required <= matched or (one_of and not one_of & matched):
        return 0
    return sum(3 if h in required else 1 for h in matched)


def _best_header(
    cells: _Cells, saved: Mapping[str, Mapping[str, str]], sheet_hint: str
) -> tuple[int, str] | None:
    best: tuple[int, int, str] | None = None  # (score, -row, kind)
    for r in range(min(cells.height, HEADER_SCAN_ROWS)):
        labels = cells.raw_cells(r, cells.width)
        if len(labels) < 2:
            continue
        for kind in ALIASES:
            score = _score(kind, labels, saved.get(kind, {}))
            if score and kind == sheet_hint:
                score += 1
            if score and (best is None or (score, -r) > (best[0], best[1])):
                best = (score, -r, kind)
    return None if best is None else (-best[1], best[2])


def _has_subheader(cells: _Cells, h: int, width: int) -> bool:
    if h + 1 >= cells.height:
        return False
    if any(cells.merged_down(h, c) for c in range(width)):
        return True
    under_merge = False
    for c, _ in cells.raw_cells(h + 1, width):
        parent_is_wide = any(
            rng[0] == h and rng[1] <= c <= rng[3] and rng[3] > rng[1] for rng in cells._origins_at(h)
        )
        if not parent_is_wide:
            return False
        under_merge = True
    return under_merge


def _resolve(kind: str, parent: str, child: str, saved: Mapping[str, str]) -> HeaderMatch | None:
    if not child:
        return match_header(kind, parent, saved)
    combined = match_header(kind, parent + child, saved)
    if combined is not None:
        return combined
    pm = match_header(kind, parent, saved) if parent else None
    cn = normalize_header(child)
    if pm is not None and cn in _UNIT_WORDS and pm.header in UNIT_OF:
        return HeaderMatch(UNIT_OF[pm.header], pm.how, "field")
    if pm is not None and cn in _QUALIFIERS:
        return pm
    return match_header(kind, child, saved) or pm


def _columns(
    cells: _Cells,
    kind: str,
    h: int,
    sub: bool,
    width: int,
    saved: Mapping[str, str],
    overrides: Mapping[str, str],
    problems: Problems,
    sheet: str,
) -> list[Column]:
    columns: list[Column] = []
    taken: dict[str, int] = {}
    for c in range(width):
        letter = get_column_letter(c + 1)
        parent = cells.text(h, c) if sub else cells.text(h, c, raw=True)
        child = "" if not sub or cells.covered_from_row(h + 1, c, h) else cells.text(h + 1, c, raw=True)
        if child == parent:
            child = ""
        label = f"{parent}/{child}" if parent and child else (child or parent)
        label = _LINE_BREAK.sub("", label)  # "部门\n名称" is shown (and reported) as 部门名称
        override = overrides.get(letter)
        hint = note_label = ""
        how: How
        if override is not None:
            header: str | None = None if override == NOTE else override
            how = "override"
        else:
            m = _resolve(kind, parent, child, saved)
            if m is None:
                header, how = None, "unknown" if label else "spacer"
            elif m.header == IGNORE or m.role == "skip":
                header, how, hint = IGNORE, "ignored" if m.role == "skip" else m.how, m.hint
            elif m.header == NOTE or m.role == "note":
                header, how = None, m.how
                note_label = m.header if m.role == "note" else ""
            else:
                header, how, hint = m.header, m.how, m.hint
        if header is not None and header != IGNORE:
            if header in taken:
                first = columns[taken[header]]
                problems.add(
                    sheet,
                    h + 1,
                    label,
                    "catalog_import.duplicate_column",
                    letter=letter,
                    severity="warning",
                    first=f"{first.letter}列“{first.label}”",
                    field=header,
                )
                header, how = None, "duplicate"
            else:
                taken[header] = len(columns)
        columns.append(Column(c, letter, label, header, how, hint, note_label))
    return columns


def _title_department(cells: _Cells, h: int) -> str:
    for r in range(h):
        for _, t in cells.raw_cells(r, cells.width):
            m = _REPORTING_UNIT.search(t)
            if m and _DEPARTMENT.search(m.group(1)):
                return m.group(1)
    return ""


# --------------------------------------------------------------------------------------------- rows


def _section(text: str, types: Mapping[str, str]) -> dict[str, str] | None:
    """A section row's meaning: {"事项类型": name} or {"实施主体": name}, or None for a plain title."""
    t = _COUNT_SUFFIX.sub("", _NUMBERING.sub("", text)).strip()
    for suffix in ("事项清单", "事项", "类"):
        if t.endswith(suffix) and len(t) > len(suffix):
            t = t.removesuffix(suffix)
            break
    for code, name in types.items():
        if t in (name, name.removeprefix("行政"), code):
            return {"事项类型": name}
    if 2 <= len(t) <= 30 and _DEPARTMENT.search(t) and not re.search(r"[，。；,;]", t):
        return {"实施主体": t}
    return None


def find_table(
    grid: Grid,
    problems: Problems,
    *,
    types: Mapping[str, str],
    saved: Mapping[str, Mapping[str, str]] | None = None,
    overrides: Mapping[str, str] | None = None,
    max_rows: int,
) -> Table | None:
    """The table of ``grid``, or None (with an info problem) when no row looks like a header.

    ``saved``: kind -> {normalised label: canonical header | NOTE | IGNORE}; ``overrides``: column letter ->
    the same, for this sheet only (the console's mapping form). ``types``: 事项类型 names for section rows.
    At most ``max_rows`` data rows are read; past that one error is added and the rest is not read."""
    saved = saved or {}
    overrides = overrides or {}
    cells = _Cells(grid)
    found = _best_header(cells, saved, grid.name)
    if found is None:
        return None
    h, kind = found
    width = cells.width
    sub = _has_subheader(cells, h, width)
    columns = _columns(cells, kind, h, sub, width, saved.get(kind, {}), overrides, problems, grid.name)
    table = Table(grid.source, grid.name, kind, h + 1, 2 if sub else 1, columns)
    if kind == SHEET_ITEMS and table.column("实施主体") is None:
        table.department = _title_department(cells, h)
        if table.department:
            table.department_from = "title"
        elif grid.name and _DEPARTMENT.search(grid.name.strip()) and not grid.from_csv:
            table.department, table.department_from = grid.name.strip(), "sheet"
    _read_rows(cells, table, grid, problems, types, max_rows)
    _drop_spacers(table)
    return table


def _key_column(table: Table) -> int | None:
    required, _ = KEY_FIELDS[table.kind]
    for c in table.columns:
        if c.header in required:
            return c.index
    return None


def _read_rows(
    cells: _Cells, table: Table, grid: Grid, problems: Problems, types: Mapping[str, str], max_rows: int
) -> None:
    start = table.header_row + table.header_rows - 1  # 0-based index of the first row after the header
    width = len(table.columns)
    name_col = _key_column(table)
    header_norm = {c.index: normalize_header(c.label) for c in table.columns if c.label}
    name_label = header_norm.get(name_col, "\0") if name_col is not None else "\0"
    section: dict[str, str] = {}
    skipped = table.skipped
    for r in range(start, cells.height):
        number = r + 1
        raw = cells.raw_cells(r, width)
        if not raw:
            skipped.setdefault("blank", []).append(number)
            continue
        name = cells.text(r, name_col) if name_col is not None else ""
        if len(raw) == 1 and name_col is not None:
            c, t = raw[0]
            if (c != name_col or cells.merge_width(r, c) > 1) and name in ("", t):
                if _FOOTNOTE.match(t):
                    skipped.setdefault("footnote", []).append(number)
                    continue
                meaning = _section(t, types) if table.kind == SHEET_ITEMS else None
                if meaning is not None:
                    section = {**section, **meaning}
                    skipped.setdefault("section", []).append(number)
                else:
                    skipped.setdefault("title", []).append(number)
                continue
        if name_col is not None and name and len(name) <= 20 and normalize_header(name) == name_label:
            matches = sum(1 for c, t in raw if header_norm.get(c) == normalize_header(t))
            if matches >= 2 and matches * 2 >= len(raw):  # the header again, after a page break
                skipped.setdefault("header", []).append(number)
                continue
        if _TOTAL.match(name) or _TOTAL.match(raw[0][1]):
            skipped.setdefault("total", []).append(number)
            continue
        if all(_LABEL_TEXT.match(t) or _FOOTNOTE.match(t) for _, t in raw):  # 填表人：… 审核人：…
            skipped.setdefault("footnote", []).append(number)
            continue
        if len(table.rows) >= max_rows:
            problems.add(
                table.sheet, number, "", "catalog_import.too_many_rows", file=table.source, limit=max_rows
            )
            return
        values: dict[str, Any] = {}
        notes: list[tuple[str, str]] = []
        for col in table.columns:
            value = cells.get(r, col.index)
            if col.header is None:
                t = _text(value)
                if t:
                    notes.append((col.note_label or col.label or f"{col.letter}列", t))
            elif col.header != IGNORE:
                values[col.header] = value
        table.rows.append(Row(number, values, notes, dict(section), r in grid.hidden_rows))


def _drop_spacers(table: Table) -> None:
    """Unknown columns without a header that hold no data in any row are spacers, not notes."""
    used = {label for row in table.rows for label, _ in row.notes}  # spacers have no label: "D列"
    table.columns = [
        c
        for c in table.columns
        if not (c.header is None and not c.label and f"{c.letter}列" not in used and c.how != "override")
    ]
