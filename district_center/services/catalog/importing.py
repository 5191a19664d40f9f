"""Import the catalog from the spreadsheets districts keep: xlsx, xls or CSV, in their own layout.

One call reads every file, finds the table in every sheet (:mod:`~district_center.services.catalog.tables`),
maps its columns through the alias table, builds the catalog and validates it. Problems come back as data,
every one on its sheet, row and column, with a code (``catalog_import.*``) and a Chinese fix::

    result = import_files([("附件1.xlsx", data)], base=staged_or_published, district=("610100", "西安市"))
    if result.errors:                      # CellError(sheet, row, column, code, params, letter)
        for e in result.errors: print(e, e.fix)
    else:
        catalog = result.catalog           # Catalog.validate() passed
    result.tables                          # sheet, header row, column mapping of each table found
    result.filled                          # which entries got generated codes / placeholders

Which sheets count: every visible sheet whose header is recognisable, whatever its name — one sheet
named "附件1", several sheets one per department (their items are joined), or our own export's sheets.
A sheet without a recognisable header is skipped with a notice.

What the files do not contain comes from ``base`` (the staged or published catalog): an items sheet alone
replaces the list of items, keeping 业务属地, 事项类型 and 一件事; an item whose 实施编码 is already there
keeps its materials and 办理流程 and every field the sheet has no column for (a list of names and
departments updates those and leaves the guide alone).

The catalog header (district code and name) comes from a 目录信息 sheet, else ``base``, else
``district`` — a first import without a district code is refused with ``catalog_import.district_missing``,
whose message names the ``--district`` option and the settings.

Validation problems of ``casework.catalog`` are put back on the cell they are about
(``catalog_import.rule.<kind>``); one with no cell has ``row == 0``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from casework import clock
from casework.catalog import DEFAULT_ITEM_TYPES, Catalog, CatalogError, CatalogProblem
from district_center.services.catalog.aliases import KEYWORDS, bundle_keywords_supported
from district_center.services.catalog.building import (
    Filled,
    ItemDefaults,
    RowReader,
    bundle_dict,
    field_dict,
    item_dict,
    jurisdiction_dict,
    keep_absent,
    level_for_district,
    material_dict,
    process_dict,
)
from district_center.services.catalog.problems import CellError, ImportRefused, Problems
from district_center.services.catalog.sheets import (
    LAYOUT,
    MAX_ROWS,
    META_KEYS,
    SHEET_BUNDLES,
    SHEET_FIELDS,
    SHEET_ITEM_TYPES,
    SHEET_ITEMS,
    SHEET_JURISDICTIONS,
    SHEET_MATERIALS,
    SHEET_META,
    SHEET_PROCESS,
    _Bad,
    _code,
    _int,
    _text,
)
from district_center.services.catalog.tables import Table, find_table
from district_center.services.catalog.workbook import read_file

__all__ = ["CellError", "ImportResult", "import_files"]

#: Column mapping for one import: sheet name -> {column letter: canonical header | NOTE | IGNORE}.
Overrides = Mapping[str, Mapping[str, str]]
#: A district's saved mapping: sheet kind -> {normalised header text: canonical header | NOTE | IGNORE}.
Saved = Mapping[str, Mapping[str, str]]

#: The sheets whose rows belong to an item (by 实施编码), with the item key they fill.
_CHILDREN = ((SHEET_MATERIALS, "materials"), (SHEET_PROCESS, "process"), (SHEET_FIELDS, "fields"))
_SINGLE = (SHEET_META, SHEET_ITEM_TYPES, SHEET_JURISDICTIONS, SHEET_BUNDLES)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """A validated catalog, or the errors (never both), with what the reader found and filled in."""

    catalog: Catalog | None
    problems: tuple[CellError, ...] = ()
    sheets: tuple[str, ...] = ()  # the kinds read (事项, 材料 …)
    tables: tuple[Table, ...] = ()
    filled: tuple[Filled, ...] = ()
    error_count: int = 0

    @property
    def errors(self) -> tuple[CellError, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def notices(self) -> tuple[CellError, ...]:
        return tuple(p for p in self.problems if p.severity != "error")

    @property
    def ok(self) -> bool:
        return self.catalog is not None and not self.errors


# --------------------------------------------------------------------------------------------- reading


def _find_tables(
    files: Sequence[tuple[str, bytes]],
    base_types: Mapping[str, str],
    saved: Saved,
    overrides: Overrides,
    problems: Problems,
) -> list[Table]:
    tables: list[Table] = []
    budget = MAX_ROWS
    for filename, data in files:
        try:
            grids, notices = read_file(filename, data)
        except ImportRefused as exc:
            problems.add(filename, 0, "", exc.code, **{**exc.params, "file": filename})
            continue
        for notice in notices:
            problems.put(notice)
        if not grids:
            problems.add(filename, 0, "", "catalog_import.empty_workbook", file=filename)
        for grid in grids:
            if not any(_text(v) for row in grid.rows for v in row):
                problems.add(grid.name, 0, "", "catalog_import.empty_sheet", severity="info")
                continue
            try:
                table = find_table(
                    grid,
                    problems,
                    types=base_types,
                    saved=saved,
                    overrides=overrides.get(grid.name, {}),
                    max_rows=budget,
                )
            except ImportRefused as exc:
                problems.add(grid.name, 0, "", exc.code, **exc.params)
                continue
            if table is None:
                problems.add(grid.name, 0, "", "catalog_import.no_header", severity="info")
                continue
            budget -= len(table.rows)
            tables.append(table)
            _table_notices(table, problems)
    return tables


def _table_notices(table: Table, problems: Problems) -> None:
    for col in table.columns:
        if col.header is None and not col.note_label and col.how != "duplicate":
            problems.add(
                table.sheet,
                table.header_row,
                col.label or f"{col.letter}列",
                "catalog_import.note_column",
                letter=col.letter,
                severity="info",
            )
    hidden = table.hidden_rows
    if hidden:
        problems.add(
            table.sheet,
            hidden[0],
            "",
            "catalog_import.hidden_rows",
            severity="warning",
            count=len(hidden),
            rows=_row_list(hidden),
        )


def _row_list(rows: Sequence[int], limit: int = 12) -> str:
    shown = "、".join(str(r) for r in rows[:limit])
    return shown + ("…" if len(rows) > limit else "")


# --------------------------------------------------------------------------------------------- building


def _meta(table: Table, problems: Problems) -> dict[str, Any]:
    values: dict[str, tuple[int, str]] = {}
    for row in table.rows:
        key = _text(row.values.get("项目"))
        if key not in META_KEYS:
            problems.add(table.sheet, row.number, "项目", "catalog_import.meta_unknown_key", key=key)
            continue
        values[key] = (row.number, _text(row.values.get("值")))
    out: dict[str, Any] = {}
    for key, field_name in zip(
        META_KEYS, ("version", "district_code", "district_name", "issued_at"), strict=True
    ):
        if key not in values:
            problems.add(table.sheet, 0, "值", "catalog_import.meta_missing_key", key=key)
            continue
        number, text = values[key]
        if field_name == "version":
            try:
                out[field_name] = _int(text)
            except _Bad:
                problems.add(table.sheet, number, "值", "catalog_import.meta_bad_version", value=text)
        elif field_name == "issued_at":
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                problems.add(table.sheet, number, "值", "catalog_import.meta_bad_time", value=text)
                continue
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            out[field_name] = clock.iso_z(parsed)
        else:
            out[field_name] = text
    return out


def _types(table: Table, problems: Problems) -> dict[str, str]:
    types: dict[str, str] = {}
    for row in table.rows:
        r = RowReader(table, row, problems)
        raw_code = row.values.get("代码")
        if isinstance(raw_code, int | float) and not isinstance(raw_code, bool):
            code = f"{int(raw_code):02d}"
        else:
            code = r.get("代码", _code) or ""
            if not code:
                r.fail("代码", "catalog_import.required")
        name = r.required_text("名称")
        if code in types:
            r.fail("代码", "catalog_import.type_code_duplicate", value=code)
        elif name in types.values():
            r.fail("名称", "catalog_import.type_name_duplicate", value=name)
        elif code and name:
            types[code] = name
    return types


@dataclass(slots=True)
class _Rows:
    """Where each catalog entry came from, to put validation problems back on their cells."""

    items: dict[str, tuple[Table, int]] = field(default_factory=dict)  # item where-label -> (table, row)
    materials: dict[str, tuple[Table, int]] = field(default_factory=dict)
    material_codes: dict[str, list[tuple[Table, int, str]]] = field(default_factory=dict)
    bundles: dict[str, tuple[Table, int]] = field(default_factory=dict)
    jurisdictions: dict[str, tuple[Table, int]] = field(default_factory=dict)


# Which column a casework validation problem belongs to (casework.catalog CatalogProblem.kind).
_ITEM_KIND_COLUMN = {
    "malformed_code": "实施编码",
    "duplicate_item_code": "实施编码",
    "malformed_basic_code": "基本编码",
    "empty_name": "事项名称",
    "unknown_item_type": "事项类型",
    "missing_department": "实施主体",
    "malformed_credit_code": "实施主体统一社会信用代码",
    "unknown_jurisdiction": "业务属地",
    "promised_exceeds_legal": "承诺办结时限",
    "immediate_with_limit": "承诺办结时限",
    "promised_without_limit": "承诺办结时限",
    "negative_visits": "到办事现场次数",
    "fee_basis_missing": "收费依据",
    "no_service_object": "服务对象",
    "cancelled_without_date": "取消生效日期",
    "effective_dates_reversed": "取消生效日期",
}
_MATERIAL_KIND_COLUMN = {
    "duplicate_material": "材料编码",
    "material_unnamed": "材料名称",
    "negative_count": "原件份数",
    "commitment_text_missing": "承诺内容",
    "commitment_not_offered": "可告知承诺",
    "material_name_conflict": "材料名称",
}
_BUNDLE_KIND_COLUMN = {
    "duplicate_bundle_code": "一件事编码",
    "bundle_too_small": "包含事项",
    "bundle_duplicate_item": "包含事项",
    "bundle_missing_item": "包含事项",
    "bundle_cancelled_item": "包含事项",
}


def _item_label(item: Mapping[str, Any]) -> str:
    return f"事项“{item['name'] or item['code']}”({item['code']})"


def _rule(problem: CatalogProblem, table: Table | None, row: int, column: str, extra: str = "") -> CellError:
    col = table.column(column) if table is not None and column else None
    detail = f"{extra}：{problem.message}" if extra else problem.message
    return CellError(
        table.sheet if table is not None else ("目录信息" if problem.where == "目录" else ""),
        row,
        col.label if col is not None else column,
        f"catalog_import.rule.{problem.kind}",
        {"detail": detail, "where": problem.where},
        col.letter if col is not None else "",
    )


def _locate(problem: CatalogProblem, rows: _Rows) -> CellError:
    """Put one casework validation problem on the spreadsheet cell it is about."""
    if problem.kind in _MATERIAL_KIND_COLUMN:
        column = _MATERIAL_KIND_COLUMN[problem.kind]
        if problem.kind == "material_name_conflict":
            code = problem.where.removeprefix("材料编码 ").strip()
            entries = rows.material_codes.get(code, [])
            for table, number, name in entries:
                if name != entries[0][2]:
                    return _rule(problem, table, number, column)
        elif problem.where in rows.materials:
            table, number = rows.materials[problem.where]
            return _rule(problem, table, number, column)
    if problem.kind in _BUNDLE_KIND_COLUMN and problem.where in rows.bundles:
        table, number = rows.bundles[problem.where]
        return _rule(problem, table, number, _BUNDLE_KIND_COLUMN[problem.kind])
    if problem.where in rows.items:
        table, number = rows.items[problem.where]
        return _rule(problem, table, number, _ITEM_KIND_COLUMN.get(problem.kind, ""))
    for label, (table, number) in rows.items.items():
        if problem.where.startswith(label + " "):  # a material kept from the base catalog: its item's row
            return _rule(problem, table, number, "", problem.where.removeprefix(label).strip())
    if problem.kind == "duplicate_jurisdiction":
        area = problem.where.removeprefix("业务属地“").removesuffix("”")
        if area in rows.jurisdictions:
            table, number = rows.jurisdictions[area]
            return _rule(problem, table, number, "业务属地")
    return _rule(problem, None, 0, "")


def _check_columns(table: Table, problems: Problems) -> bool:
    required = {
        SHEET_MATERIALS: ("材料名称",),
        SHEET_PROCESS: ("实施编码", "步骤名称"),
        SHEET_FIELDS: ("实施编码", "字段键名", "字段名称"),
        SHEET_BUNDLES: ("一件事编码", "一件事名称", "包含事项"),
        SHEET_JURISDICTIONS: ("业务属地",),
    }.get(table.kind, ())
    ok = True
    for header in required:
        if table.column(header) is None:
            problems.add(table.sheet, table.header_row, header, "catalog_import.missing_column")
            ok = False
    if table.kind == SHEET_MATERIALS and not (table.column("实施编码") or table.column("事项名称")):
        problems.add(table.sheet, table.header_row, "实施编码", "catalog_import.material_item_column")
        ok = False
    return ok


class _Builder:
    def __init__(
        self, by_kind: Mapping[str, list[Table]], base: Catalog | None, district: tuple[str, str], p: Problems
    ) -> None:
        self.by_kind, self.problems = by_kind, p
        self.base_doc = base.to_dict() if base is not None else None
        self.district = district
        self.rows = _Rows()
        self.filled: list[Filled] = []
        self.unreadable: set[str] = set()  # codes of item rows with bad cells: their materials are skipped

    def tables(self, kind: str) -> list[Table]:
        return self.by_kind.get(kind, [])

    def meta(self) -> dict[str, Any] | None:
        if self.tables(SHEET_META):
            return _meta(self.tables(SHEET_META)[0], self.problems)
        if self.base_doc is not None:
            return {k: self.base_doc[k] for k in ("version", "district_code", "district_name", "issued_at")}
        code, name = self.district
        if not code.strip() or not name.strip():
            self.problems.add("", 0, "", "catalog_import.district_missing")
            return None
        now = clock.iso_z(clock.now().replace(microsecond=0))
        return {"version": 1, "district_code": code, "district_name": name, "issued_at": now}

    def types(self) -> dict[str, str]:
        if self.tables(SHEET_ITEM_TYPES):
            return _types(self.tables(SHEET_ITEM_TYPES)[0], self.problems)
        return dict(self.base_doc["item_types"]) if self.base_doc else dict(DEFAULT_ITEM_TYPES)

    def jurisdictions(self) -> list[dict[str, Any]]:
        if not self.tables(SHEET_JURISDICTIONS):
            return list(self.base_doc["jurisdictions"]) if self.base_doc else []
        out = []
        table = self.tables(SHEET_JURISDICTIONS)[0]
        for row in table.rows:
            r = RowReader(table, row, self.problems)
            j = jurisdiction_dict(r)
            if not r.failed:
                out.append(j)
                self.rows.jurisdictions.setdefault(j["area"], (table, row.number))
        return out

    def items(self, meta: Mapping[str, Any], types: Mapping[str, str]) -> list[dict[str, Any]] | None:
        base_items = {it["code"]: it for it in self.base_doc["items"]} if self.base_doc else {}
        if not self.tables(SHEET_ITEMS):
            if self.base_doc is None:
                self.problems.add("", 0, "", "catalog_import.first_import_needs_items")
                return None
            items = [dict(it) for it in self.base_doc["items"]]
            for kind, key in _CHILDREN:
                if self.tables(kind):
                    for it in items:
                        it[key] = []
            return items
        credits = {it["department"]: it["department_credit_code"] for it in base_items.values()}
        defaults = ItemDefaults(
            level_for_district(str(meta.get("district_code", ""))),
            str(meta.get("district_name", "")),
            credits,
        )
        items = []
        for table in self.tables(SHEET_ITEMS):
            for row in table.rows:
                r = RowReader(table, row, self.problems)
                filled = Filled(table.sheet, row.number, _text(row.values.get("事项名称")))
                item = item_dict(r, types, defaults, filled)
                if r.failed:
                    self.unreadable.add(item["code"])
                    continue
                if item["code"] in base_items:
                    keep_absent(item, base_items[item["code"]], table, filled)
                for kind, key in _CHILDREN:
                    if not self.tables(kind) and item["code"] in base_items:
                        item[key] = list(base_items[item["code"]][key])
                items.append(item)
                if filled.fields:
                    self.filled.append(filled)
                self.rows.items.setdefault(_item_label(item), (table, row.number))
        return items

    def attach(self, items: list[dict[str, Any]]) -> None:
        """Materials and 办理流程 rows onto their items, by 实施编码 or, without one, by unique 事项名称."""
        by_code = {it["code"]: it for it in items}
        by_name: dict[str, list[dict[str, Any]]] = {}
        for it in items:
            by_name.setdefault(it["name"], []).append(it)
        unreadable = self.unreadable
        for kind, key, builder in (
            (SHEET_MATERIALS, "materials", material_dict),
            (SHEET_PROCESS, "process", process_dict),
            (SHEET_FIELDS, "fields", field_dict),
        ):
            for table in self.tables(kind):
                if not _check_columns(table, self.problems):
                    continue
                for row in table.rows:
                    r = RowReader(table, row, self.problems)
                    owner = self._owner(r, by_code, by_name, unreadable)
                    entry = builder(r)
                    if r.failed or owner is None:
                        continue
                    owner[key].append(entry)
                    if key == "materials":
                        label = f"{_item_label(owner)} 材料“{entry['name']}”({entry['code']})"
                        self.rows.materials.setdefault(label, (table, row.number))
                        self.rows.material_codes.setdefault(entry["code"], []).append(
                            (table, row.number, entry["name"])
                        )

    def _owner(
        self,
        r: RowReader,
        by_code: Mapping[str, dict[str, Any]],
        by_name: Mapping[str, list[dict[str, Any]]],
        unreadable: set[str],
    ) -> dict[str, Any] | None:
        code = r.get("实施编码", _code) or ""
        if code:
            if code in by_code:
                return by_code[code]
            if code not in unreadable:
                r.fail("实施编码", "catalog_import.unknown_item_code", value=code)
            return None
        name = _text(r.raw("事项名称"))
        if not name:
            r.fail("实施编码" if r.has("实施编码") else "事项名称", "catalog_import.material_item_missing")
            return None
        matches = by_name.get(name, [])
        if len(matches) != 1:
            code_ = (
                "catalog_import.unknown_item_name" if not matches else "catalog_import.ambiguous_item_name"
            )
            r.fail("事项名称", code_, value=name, count=len(matches))
            return None
        return matches[0]

    def bundles(self) -> list[dict[str, Any]]:
        if not self.tables(SHEET_BUNDLES):
            return list(self.base_doc["bundles"]) if self.base_doc else []
        out: list[dict[str, Any]] = []
        table = self.tables(SHEET_BUNDLES)[0]
        if not _check_columns(table, self.problems):
            return out
        with_keywords = bundle_keywords_supported()
        has_keywords = KEYWORDS in {c.header for c in table.columns if c.imported}
        base = {b["code"]: b for b in self.base_doc["bundles"]} if self.base_doc else {}
        for row in table.rows:
            r = RowReader(table, row, self.problems)
            b = bundle_dict(r, with_keywords=with_keywords)
            if with_keywords and not has_keywords and b["code"] in base:  # an older sheet: keep them
                b["keywords"] = list(base[b["code"]].get("keywords", []))
            if not r.failed:
                out.append(b)
                self.rows.bundles.setdefault(f"一件事“{b['name']}”({b['code']})", (table, row.number))
        return out


def _build(
    by_kind: Mapping[str, list[Table]], base: Catalog | None, district: tuple[str, str], p: Problems
) -> tuple[Catalog | None, list[Filled]]:
    b = _Builder(by_kind, base, district, p)
    for kind in _SINGLE:
        for extra in b.tables(kind)[1:]:
            first = b.tables(kind)[0]
            p.add(extra.sheet, 0, "", "catalog_import.duplicate_sheet", kind=kind, first=first.sheet)
    if jt := b.tables(SHEET_JURISDICTIONS):
        _check_columns(jt[0], p)
    meta = b.meta()
    types = b.types()
    jurisdictions = b.jurisdictions()
    items = b.items(meta or {}, types)
    if items is not None:
        b.attach(items)
    bundles = b.bundles()
    if p.has_errors() or meta is None or items is None:
        return None, b.filled
    document = dict(meta, item_types=types, jurisdictions=jurisdictions, items=items, bundles=bundles)
    if b.base_doc is not None and "synonyms" in b.base_doc:  # edited in the console, not in the workbook
        document["synonyms"] = b.base_doc["synonyms"]
    try:
        catalog = Catalog.from_dict(document)
    except CatalogError as exc:  # a shape our readers let through: report it without a cell
        for problem in exc.problems:
            p.put(_rule(problem, None, 0, ""))
        return None, b.filled
    for problem in catalog.problems():
        p.put(_locate(problem, b.rows))
    return (None if p.has_errors() else catalog), b.filled


def _kinds(tables: Iterable[Table]) -> dict[str, list[Table]]:
    out: dict[str, list[Table]] = {}
    for t in tables:
        out.setdefault(t.kind, []).append(t)
    return {k: out[k] for k in LAYOUT if k in out}


def import_files(
    files: Sequence[tuple[str, bytes]],
    *,
    base: Catalog | None,
    district: tuple[str, str],
    saved: Saved | None = None,
    overrides: Overrides | None = None,
) -> ImportResult:
    """Read xlsx / xls / CSV files into a validated catalog (see the module docstring).

    ``saved`` is the district's saved column mapping, ``overrides`` this import's (console form)."""
    problems = Problems()
    base_types = dict(base.item_types) if base is not None else dict(DEFAULT_ITEM_TYPES)
    tables = _find_tables(files, base_types, saved or {}, overrides or {}, problems)
    by_kind = _kinds(tables)
    catalog: Catalog | None = None
    filled: list[Filled] = []
    if not tables:
        if not problems.has_errors():
            problems.add("", 0, "", "catalog_import.no_table")
    else:
        catalog, filled = _build(by_kind, base, district, problems)
    return ImportResult(
        catalog,
        tuple(problems.items),
        tuple(by_kind),
        tuple(tables),
        tuple(filled),
        problems.count("error"),
    )
