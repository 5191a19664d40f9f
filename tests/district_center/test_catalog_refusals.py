"""Workbooks the import must refuse with a clear message — and nothing staged, nothing half-read."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import msoffcrypto.format.ooxml
import xlwt
from openpyxl import Workbook

from casework.messages import text
from district_center.db.engine import Database
from district_center.services.catalog.importing import import_files
from district_center.services.catalog.publishing import read_staged, stage_import
from district_center.services.catalog.sheets import export_xlsx

from .catalog_samples import rich_catalog
from .sheet_fixtures import notice, to_xlsx

DISTRICT = ("610100", "西安市")


def _codes(files: list[tuple[str, bytes]]) -> list[str]:
    result = import_files(files, base=None, district=DISTRICT)
    assert result.catalog is None
    for e in result.errors:  # every refusal has words and a fix, in both languages
        assert e.message != e.code and e.fix, e.code
        assert text(e.code, e.params, "en") != e.code
    return [e.code for e in result.errors]


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_no_recognisable_header() -> None:
    data = _xlsx([["名单"], ["张三", "李四"], ["1", "2"]])
    assert _codes([("名单.xlsx", data)]) == ["catalog_import.no_table"]


def test_empty_workbook_and_empty_files() -> None:
    assert _codes([("空.xlsx", _xlsx([]))]) == ["catalog_import.no_table"]
    assert _codes([("空.csv", b"")]) == ["catalog_import.empty_file"]
    assert _codes([("空.xls", b"   \n")]) == ["catalog_import.empty_file"]


def test_password_protected_xlsx() -> None:
    plain = to_xlsx(notice()[0])
    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(plain)).encrypt("district-secret", out)
    assert _codes([("加密.xlsx", out.getvalue())]) == ["catalog_import.password_protected"]


def _bomb() -> bytes:
    """A real workbook plus one member of 300 MB of zeros (a few hundred KB compressed)."""
    source = zipfile.ZipFile(io.BytesIO(export_xlsx(rich_catalog())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        with archive.open("xl/media/image1.bin", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                member.write(chunk)
    return out.getvalue()


def test_zip_bomb_is_refused_before_inflating() -> None:
    assert _codes([("炸弹.xlsx", _bomb())]) == ["catalog_import.too_large_unpacked"]


def test_a_cell_bomb_is_refused_without_building_the_sheet() -> None:
    """One value in A1 and one in XFD1048576: 4.8 KB that calamine would build as 17 billion cells."""
    wb = Workbook()
    wb.active["A1"] = "事项名称"
    wb.active["XFD1048576"] = "x"
    out = io.BytesIO()
    wb.save(out)
    assert _codes([("范围.xlsx", out.getvalue())]) == ["catalog_import.sheet_too_large"]


def test_an_xls_bomb_stays_sparse() -> None:
    wb = xlwt.Workbook()
    ws = wb.add_sheet("附件1")
    for c, h in enumerate(["部门名称", "事项名称", "事项类型"]):
        ws.write(0, c, h)
    ws.write(1, 0, "市民政局")
    ws.write(1, 1, "低保")
    ws.write(1, 2, "行政给付")
    ws.write(65535, 255, "x")
    out = io.BytesIO()
    wb.save(out)
    result = import_files([("稀疏.xls", out.getvalue())], base=None, district=DISTRICT)
    assert result.errors == () and result.catalog is not None and len(result.catalog.items) == 1
    assert result.tables[0].skipped["title"] == [65536]  # listed in the preview, not lost silently


def test_not_a_spreadsheet() -> None:
    assert _codes([("图片.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)]) == ["catalog_import.not_a_workbook"]
    assert _codes([("坏.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)]) == [
        "catalog_import.not_a_workbook"
    ]


def test_one_bad_file_stages_nothing_and_keeps_the_staged_catalog(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    db.upgrade()
    try:
        good = to_xlsx(notice()[0])
        preview, changes = stage_import(db, tmp_path, [("附件1.xlsx", good)], actor="t", district=DISTRICT)
        assert preview.ok and changes is not None
        before = (tmp_path / "catalog" / "staged.json").read_bytes()
        files = [("附件1.xlsx", good), ("炸弹.xlsx", _bomb())]
        preview, changes = stage_import(db, tmp_path, files, actor="t", district=DISTRICT)
        assert changes is None and not preview.ok
        assert [e.code for e in preview.result.errors] == ["catalog_import.too_large_unpacked"]
        assert preview.result.errors[0].sheet == "炸弹.xlsx"
        assert (tmp_path / "catalog" / "staged.json").read_bytes() == before
        assert read_staged(tmp_path) is not None
    finally:
        db.dispose()
