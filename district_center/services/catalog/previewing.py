"""The preview of an import (导入预览): what the reader found, what publishing would change; nothing staged.

The CLI's ``catalog import --dry-run`` prints it and the console shows it before the administrator stages
anything. It says, for each table found, the sheet and the header row and how every column was mapped; how
many items, departments and 事项类型 the import holds; which entries got generated codes or placeholders;
the items new / changed / cancelled against the published catalog; and every problem with its place, its
message and how to fix it::

    preview = build_preview(result, published=published_catalog, today="2026-12-01")
    preview.ok, preview.counts["items"], preview.changes["summary"]
    page_data = preview.to_dict()           # JSON: the console keeps it with the pending upload
    print(render_text(page_data))           # the CLI's words

Pure: the callers (``publishing.preview_files``, ``publishing.stage_import``) read the catalogs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from casework.catalog import Catalog, CatalogError, diff
from casework.catalog_delta import diff_dict
from district_center.services.catalog.importing import ImportResult
from district_center.services.catalog.tables import IGNORE, Table

__all__ = ["FILLED_LABELS", "SKIP_LABELS", "ImportPreview", "build_preview", "render_text"]

#: What the preview calls each filled-in field.
FILLED_LABELS = {
    "code": "实施编码（生成）",
    "basic_code": "基本编码（生成）",
    "department": "实施主体（取自标题或分类行）",
    "item_type": "事项类型（取自分类行）",
    "department_credit_code": "统一社会信用代码（未填）",
    "level": "行使层级（按区县代码）",
    "jurisdiction": "业务属地（本区县）",
    "promised_limit": "承诺办结时限（占位 20 工作日，标为样例）",
}
SKIP_LABELS = {
    "blank": "空行",
    "title": "标题或说明行",
    "section": "分类行",
    "footnote": "备注、说明或落款行",
    "header": "重复的表头",
    "total": "合计行",
}
MAX_LISTED = 200  # filled-in entries listed by name (all are counted)
_HOW = {
    "exact": "列名一致",
    "alias": "按别名",
    "saved": "按已保存的对应",
    "override": "按本次选择",
    "unknown": "未识别，作为备注",
    "duplicate": "重复，作为备注",
    "spacer": "空列，忽略",
    "ignored": "不导入",
}


@dataclass(frozen=True, slots=True)
class ImportPreview:
    result: ImportResult
    changes: dict[str, Any] | None
    names: dict[str, str]  # item / bundle code -> name, for the change lists

    @property
    def ok(self) -> bool:
        return self.result.ok and self.changes is not None

    @property
    def counts(self) -> dict[str, Any]:
        catalog = self.result.catalog
        if catalog is None:
            rows = sum(len(t.rows) for t in self.result.tables if t.kind == "事项")
            return {"items": 0, "rows": rows, "departments": 0, "types": {}, "bundles": 0, "materials": 0}
        types = Counter(catalog.item_type_name(i.item_type) for i in catalog.items)
        return {
            "items": len(catalog.items),
            "rows": len(catalog.items),
            "departments": len({i.department for i in catalog.items}),
            "types": dict(types.most_common()),
            "bundles": len(catalog.bundles),
            "materials": sum(len(i.materials) for i in catalog.items),
        }

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "ok": self.ok,
            "tables": [_table_dict(t) for t in r.tables],
            "counts": self.counts,
            "filled": [
                {
                    "sheet": f.sheet,
                    "row": f.row,
                    "name": f.name,
                    "fields": [FILLED_LABELS[x] for x in f.fields],
                }
                for f in r.filled[:MAX_LISTED]
            ],
            "filled_count": len(r.filled),
            "filled_fields": {
                FILLED_LABELS[k]: v for k, v in Counter(x for f in r.filled for x in f.fields).most_common()
            },
            "generated_codes": sum(1 for f in r.filled if "code" in f.fields),
            "changes": self.changes,
            "names": self.names,
            "errors": [p.to_dict() for p in r.errors],
            "error_count": r.error_count,
            "notices": [p.to_dict() for p in r.notices],
        }


def _table_dict(t: Table) -> dict[str, Any]:
    return {
        "file": t.source,
        "sheet": t.sheet,
        "kind": t.kind,
        "header_row": t.header_row,
        "header_rows": t.header_rows,
        "rows": len(t.rows),
        "department": t.department,
        "department_from": t.department_from,
        "columns": [
            {
                "letter": c.letter,
                "label": c.label,
                "header": c.header or "",
                "target": c.header if c.header else "#note",
                "how": c.how,
                "how_text": _HOW[c.how] if c.header != IGNORE or c.how in _HOW else "",
                "hint": c.hint,
            }
            for c in t.columns
        ],
        "review": any(c.how not in ("exact", "spacer") for c in t.columns),  # anything but our own names
        "skipped": {SKIP_LABELS[k]: v for k, v in t.skipped.items() if k in SKIP_LABELS},
        "skipped_count": sum(len(v) for v in t.skipped.values()),
    }


def _changes(
    published: Catalog | None, catalog: Catalog, today: str
) -> tuple[dict[str, Any], dict[str, str]]:
    from district_center.services.catalog.publishing import carry_cancellations, empty_like

    merged = carry_cancellations(published, catalog, today)
    old = published or empty_like(catalog)
    names = {i.code: i.name for i in merged.items} | {b.code: b.name for b in merged.bundles}
    return diff_dict(diff(old, merged)), names


def build_preview(result: ImportResult, *, published: Catalog | None, today: str) -> ImportPreview:
    """The preview of ``result`` against the ``published`` catalog (cancellations dated ``today``)."""
    if result.catalog is None or result.errors:
        return ImportPreview(result, None, {})
    try:
        changes, names = _changes(published, result.catalog, today)
    except CatalogError as exc:  # carried-over cancellations broke a rule (a bundle of a cancelled item)
        from district_center.services.catalog.problems import CellError

        problems = tuple(
            CellError("", 0, "", f"catalog_import.rule.{p.kind}", {"detail": p.message, "where": p.where})
            for p in exc.problems
        )
        failed = ImportResult(
            None, result.problems + problems, result.sheets, result.tables, result.filled, len(problems)
        )
        return ImportPreview(failed, None, {})
    return ImportPreview(result, changes, names)


# --------------------------------------------------------------------------------------------- text


def render_text(p: dict[str, Any]) -> str:
    """The preview as the CLI prints it (Chinese)."""
    out: list[str] = []
    for t in p["tables"]:
        out.append(
            f"工作表“{t['sheet']}”（{t['file']}）：{t['kind']}表，表头在第 {t['header_row']} 行"
            + ("（两行表头）" if t["header_rows"] == 2 else "")
            + f"，数据 {t['rows']} 行"
            + (f"，跳过 {t['skipped_count']} 行" if t["skipped_count"] else "")
        )
        if t["department"]:
            source = "表头上方的填报单位" if t["department_from"] == "title" else "工作表名称"
            out.append(f"  实施主体取自{source}：{t['department']}")
        for label, rows in t["skipped"].items():
            out.append(f"  跳过的{label}：第 {_rows(rows)} 行")
        mapping = []
        for c in t["columns"]:
            target = {"": "备注", IGNORE: "不导入"}.get(c["header"], c["header"])
            mapping.append(f"{c['letter']}“{c['label'] or '（无表头）'}”→{target}")
        out.append("  列对应：" + "；".join(mapping))
    counts = p["counts"]
    if p["ok"]:
        types = "、".join(f"{k} {v}" for k, v in counts["types"].items())
        out.append(
            f"共 {counts['items']} 个事项、{counts['departments']} 个部门、{len(counts['types'])} 种事项类型"
            + (f"（{types}）" if types else "")
            + f"，{counts['materials']} 份材料，{counts['bundles']} 个一件事"
        )
    if p["filled_count"]:
        fields = "、".join(f"{k} {v} 个" for k, v in p["filled_fields"].items())
        out.append(f"补全了 {p['filled_count']} 个事项：{fields}")
        for f in p["filled"][:5]:
            out.append(f"  {f['sheet']} 第{f['row']}行 {f['name']}：{'、'.join(f['fields'])}")
        if p["filled_count"] > 5:
            out.append(f"  …另有 {p['filled_count'] - 5} 个")
    if p["changes"] is not None:
        ch, names = p["changes"], p["names"]
        out.append(f"与已发布目录相比：{ch['summary']}")
        for key, title in (("added_items", "新增"), ("cancelled_items", "取消")):
            for code in ch[key][:20]:
                out.append(f"  {title}：{names.get(code, '')}（{code}）")
        for c in ch["changed_items"][:20]:
            out.append(f"  变更：{c['name']}（{c['code']}）字段：{'、'.join(c['fields'])}")
    if p["errors"]:
        out.append(f"错误 {p['error_count']} 处（改正后重新导入）：")
        out += [_problem_line(e) for e in p["errors"]]
    if p["notices"]:
        out.append("提示：")
        out += [_problem_line(e) for e in p["notices"]]
    return "\n".join(out)


def _rows(rows: list[int], limit: int = 10) -> str:
    return "、".join(str(r) for r in rows[:limit]) + ("…" if len(rows) > limit else "")


def _problem_line(e: dict[str, Any]) -> str:
    where = e["sheet"] + (f" 第{e['row']}行" if e["row"] else "")
    where += (f" {e['letter']}列" if e["letter"] else "") + (f"“{e['column']}”" if e["column"] else "")
    line = f"  {where}：{e['message']}" if where else f"  {e['message']}"
    return line + (f"\n    改正方法：{e['fix']}" if e["fix"] else "")
