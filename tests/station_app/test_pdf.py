"""PDF rendering of the 受理 documents: valid PDFs, embedded CJK font, text, page breaks, QR, determinism.

Every rendered page is also saved as PNG under ``test-artifacts/documents/`` for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import pytest
import segno

from casework.documents import (
    CaseDocument,
    DocumentKind,
    Section,
    StationInfo,
    acceptance_receipt,
    refusal_notice,
)
from station_app.pdf import LAYOUTS, qr_png, render
from station_app.pdf.base import NO_LINE_END, NO_LINE_START, DocumentPDF, document_font, wrap
from station_app.pdf.model import PROVISIONAL_NOTE, DocumentView
from station_app.pdf.preview import to_png
from station_app.pdf.samples import ALL, acceptance, collection, long_materials, one_time_notice, refusal


def test_pdftoppm_is_installed() -> None:
    """Rendering needs poppler's pdftoppm (``scripts/test`` installs poppler-utils): fail, never skip."""
    assert shutil.which("pdftoppm"), "install poppler-utils (bash scripts/test does it)"


MM = 72 / 25.4  # points per mm
EXPECTED = {  # strings each sample must print (beyond title, numbers and station)
    "acceptance": [
        "王秀兰",
        "出生一件事",
        "新生儿户口登记",
        "承诺办结日期",
        "容缺后补",
        "告知承诺",
        "数据共享获取",
        "受理人",
        "盖章处",
        "6101**********2148",
    ],
    "collection": [
        "赵德明",
        "阎良区政务服务中心4层民生事务区D16窗口",
        "029-86868920",
        "业务属地",
        "收到申请材料之日起计为受理开始",
        "邮寄送达",
        "受理人",
    ],
    "one_time_notice": ["陈志远", "需补齐补正的材料", "补正方式", "居民户口簿", "一次性告知", "经办人"],
    "refusal": ["刘建华", "不予受理", "理由", "行政复议", "行政诉讼", "六十日", "六个月", "经办人"],
    "long_materials": ["开小超市一件事", "烟草专卖零售许可证", "代理人证件号码"],
}


@pytest.fixture(scope="module")
def out_dir(artifacts_dir: Path) -> Path:
    d = artifacts_dir / "documents"
    d.mkdir(parents=True, exist_ok=True)
    return d


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def render_warnings() -> _Records:
    return _Records()


@pytest.fixture(scope="module")
def rendered(out_dir: Path, render_warnings: _Records) -> dict[tuple[str, str], Path]:
    """Every sample in both layouts, written to ``out_dir`` (PNG pages are made by the tests)."""
    paths: dict[tuple[str, str], Path] = {}
    logger = logging.getLogger("fpdf")
    logger.addHandler(render_warnings)
    try:
        for name, make in ALL.items():
            for layout in LAYOUTS:
                path = out_dir / f"{name}-{layout}.pdf"
                path.write_bytes(render(make(), layout))
                paths[name, layout] = path
    finally:
        logger.removeHandler(render_warnings)
    return paths


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def squash(text: str) -> str:
    """Text without whitespace, so strings wrapped over two lines still match."""
    return re.sub(r"\s+", "", text)


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


CASES = [(name, layout) for name in ALL for layout in LAYOUTS]


@pytest.mark.parametrize(("name", "layout"), CASES)
def test_valid_pdf_renders_to_png(rendered: dict[tuple[str, str], Path], name: str, layout: str) -> None:
    path = rendered[name, layout]
    data = path.read_bytes()
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
    pngs = to_png(path)  # raises if pdftoppm cannot parse it
    assert len(pngs) == page_count(path) >= 1
    assert all(p.stat().st_size > 2000 for p in pngs)
    if layout == "receipt80":
        assert page_count(path) == 1  # one roll, cut to the content's length
        size = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        width = float(re.search(r"Page size:\s+([\d.]+) x", size).group(1))  # type: ignore[union-attr]
        assert width == pytest.approx(80 * MM, abs=0.1)


@pytest.mark.parametrize(("name", "layout"), CASES)
def test_font_embedded_as_subset(rendered: dict[tuple[str, str], Path], name: str, layout: str) -> None:
    fonts = subprocess.run(
        ["pdffonts", str(rendered[name, layout])], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    cjk = [line for line in fonts if "DroidSansFallbackStation" in line]
    assert cjk, fonts
    for line in fonts:  # every font: embedded (emb), subset (sub), with a ToUnicode map (uni)
        assert re.search(r"\byes\s+yes\s+yes\b", line), line
        assert re.match(r"[A-Z]{6}\+", line), line
    data = rendered[name, layout].read_bytes()
    assert b"/FontFile2" in data and b"/ToUnicode" in data


@pytest.mark.parametrize(("name", "layout"), CASES)
def test_text_is_there(rendered: dict[tuple[str, str], Path], name: str, layout: str) -> None:
    doc = ALL[name]()
    raw = pdftotext(rendered[name, layout])
    if layout == "receipt80":  # one column: each extracted line is a printed line
        for line in raw.splitlines():
            assert not line or line[0] not in NO_LINE_START, line
    text = squash(raw)
    for s in [doc.title, doc.case_number, doc.number, doc.station, *EXPECTED[name]]:
        assert squash(s) in text, s
    if doc.provisional_date:
        assert squash(PROVISIONAL_NOTE) in text
    else:
        assert "预计日期" not in text


def assert_inside_margins(path: Path, layout: str) -> int:
    """Every word's box lies inside the page, within the side margins; returns the number of words."""
    xml = pdftotext(path, "-bbox")
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    root = ElementTree.fromstring(xml)
    side = (22 if layout == "a4" else 4) * MM - 1.5  # right margin, less a little glyph side bearing
    left = (25 if layout == "a4" else 4) * MM - 1.5
    words = 0
    for page in root.iter("page"):
        w, h = float(page.get("width", 0)), float(page.get("height", 0))
        for word in page.iter("word"):
            words += 1
            x0, y0, x1, y1 = (float(word.get(k, 0)) for k in ("xMin", "yMin", "xMax", "yMax"))
            assert left <= x0 and x1 <= w - side, (word.text, x0, x1, w)
            assert y0 >= 0 and y1 <= h, (word.text, y0, y1, h)
    return words


@pytest.mark.parametrize(("name", "layout"), CASES)
def test_no_text_outside_the_page_margins(
    rendered: dict[tuple[str, str], Path], name: str, layout: str
) -> None:
    assert assert_inside_margins(rendered[name, layout], layout) > 20


EXTREMES = {
    "cell_taller_than_a_page": Section(
        "已收材料", table=(("序号", "材料名称", "提交方式"), ("1", "超长材料名称" * 400, "原件已核验"))
    ),
    "field_taller_than_a_page": Section("申请人信息", fields=(("申请人", "很长的名称" * 500),)),
    "ragged_table": Section("表", table=(("a", "b", "c"), ("1",), ("1", "2", "3", "多出的一格"))),
    "unbreakable_run": Section("说明", paragraphs=("A" * 500 + "，" + "1" * 300 + "。",)),
    "empty": Section("", fields=(("", ""),), paragraphs=("",)),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_extreme_content_renders_inside_the_page(layout: str, tmp_path: Path) -> None:
    base = acceptance()
    doc = replace(base, sections=(*EXTREMES.values(), base.sections[-1]))
    path = tmp_path / "x.pdf"
    path.write_bytes(render(doc, layout))
    assert_inside_margins(path, layout)
    text = squash(pdftotext(path))
    assert "多出的一格" in text  # a ragged row's extra cell is not dropped
    assert text.count("很长的名称") >= 495  # a few may straddle a page break
    assert text.count("超长材料名称") >= 395
    assert "A" * 60 in text and "1" * 60 in text


def test_long_material_list_spans_pages_cleanly(rendered: dict[tuple[str, str], Path]) -> None:
    path = rendered["long_materials", "a4"]
    pages = pdftotext(path).split("\f")[:-1]
    assert len(pages) == page_count(path) >= 3
    n = len(pages)
    for i, page in enumerate(pages, 1):
        assert squash(f"第{i}页共{n}页") in squash(page)  # page x of y on every page
        if i > 1:
            assert "受理凭证（续）" in page  # running header on continuation pages
    table_pages = [p for p in pages if "第" in p and "册" in p]
    assert len(table_pages) >= 2
    for page in table_pages:  # the header row is repeated wherever the table continues
        assert "材料名称" in page and "提交方式" in page
    whole = squash("".join(pages))
    for i in range(1, 37):  # every row exactly once: none lost or duplicated at a break
        assert whole.count(f"第{i}册") == 1, i
    assert squash(PROVISIONAL_NOTE) in whole
    assert "盖章处" in pages[-1]
    # The receipt roll holds all 36 too, on one long page.
    receipt = squash(pdftotext(rendered["long_materials", "receipt80"]))
    assert all(receipt.count(f"第{i}册") == 1 for i in range(1, 37))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_qr_code_decodes_to_the_case_number(
    rendered: dict[tuple[str, str], Path], layout: str, tmp_path: Path
) -> None:
    doc = collection()
    path = rendered["collection", layout]
    assert b"/Subtype /Image" in path.read_bytes()
    # The payload we encode is exactly the case number (segno round trip of the image we embed).
    qr = segno.make(doc.case_number, error="m", micro=False)
    assert qr.designator in ("1-M", "1-Q") and qr_png(doc.case_number).startswith(b"\x89PNG")
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (test extra) decodes the printed QR")
    from PIL import Image

    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True
    )
    (png,) = tmp_path.glob("p-*.png")
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(png))]
    assert found == [doc.case_number]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_notice_qr_carries_the_notice_number(
    rendered: dict[tuple[str, str], Path], layout: str, tmp_path: Path
) -> None:
    """The station finds the 待补齐 record by scanning the resident's 一次性告知书: its QR is the notice's
    own number (GZ…), which the 待补齐 search box takes as it is."""
    doc = one_time_notice()
    assert doc.qr_payload == doc.number == "GZ" + doc.case_number
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (test extra) decodes the printed QR")
    from PIL import Image

    path = rendered["one_time_notice", layout]
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True
    )
    (png,) = tmp_path.glob("p-*.png")
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(png))] == [doc.number]


def test_output_is_deterministic_and_dated_by_the_document(rendered: dict[tuple[str, str], Path]) -> None:
    doc = refusal()
    a = render(doc, "a4")  # the same bytes as the fixture's earlier render of the same document
    assert a == rendered["refusal", "a4"].read_bytes()
    assert render(doc, "receipt80") == rendered["refusal", "receipt80"].read_bytes()
    assert b"/CreationDate (D:20261123000000+08'00')" in a
    later = replace(doc, issued_on=dt.date(2027, 2, 1))
    assert b"/CreationDate (D:20270201000000+08'00')" in render(later, "a4")


def test_rendering_is_fast(rendered: dict[tuple[str, str], Path]) -> None:
    doc = long_materials()  # the fixture's renders have done the one-time font load
    for layout in LAYOUTS:
        t = time.process_time()
        render(doc, layout)
        assert time.process_time() - t < 1.0, layout


def test_every_character_has_a_glyph(
    rendered: dict[tuple[str, str], Path], render_warnings: _Records
) -> None:
    """fpdf2 logs a warning for each character no embedded font can draw: none while rendering."""
    assert len(rendered) == len(CASES)
    assert render_warnings.messages == []


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_character_no_font_has_is_marked_not_dropped(layout: str, tmp_path: Path) -> None:
    """A rare 生僻字 outside the CJK font prints as □ with a note naming it, never silently vanishes."""
    rare = "\U0002a6a5"  # 𪚥, CJK Extension B: not in DroidSansFallbackFull
    doc = replace(refusal(), worker=f"王{rare}明")
    logger, records = logging.getLogger("fpdf"), _Records()
    logger.addHandler(records)
    try:
        data = render(doc, layout)
    finally:
        logger.removeHandler(records)
    assert records.messages == []
    path = tmp_path / "rare.pdf"
    path.write_bytes(data)
    text = squash(pdftotext(path))
    assert "王□明" in text and "U+2A6A5" in text and "手写补正" in text
    assert "字库未收录" not in squash(pdftotext(_write(tmp_path / "plain.pdf", render(refusal(), layout))))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_section_numerals() -> None:
    from station_app.pdf.a4 import cn_numeral

    assert [cn_numeral(n) for n in (1, 9, 10, 11, 20, 23, 99)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十三",
        "九十九",
    ]


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="receipt80"):
        render(acceptance(), "letter")  # type: ignore[arg-type]


def test_wrap_keeps_chinese_punctuation_rules_and_width() -> None:
    doc = one_time_notice()
    view = DocumentView.of(doc)
    text = (
        "您申请办理的“城乡居民养老保险参保登记”，申请材料不齐全或不符合法定形式。"
        "现将需要补齐补正的全部材料一次性告知如上，请按上述要求准备材料后再次到任一服务站提交（咨询电话029-81160083），谢谢！"
    )
    with document_font(view) as font:
        pdf = DocumentPDF(view, font_path=font)
        pdf.add_page()
        pdf.size(10.5)
        for width in (41.0, 57.5, 80.0, 123.4):
            lines = wrap(pdf, text, width, first_indent=7.4)
            assert "".join(lines) == text
            assert pdf.get_string_width(lines[0]) <= width - 7.4 + 1e-6
            for line in lines:
                assert pdf.get_string_width(line) <= width + 1e-6
            for line in lines[1:]:
                assert line[0] not in NO_LINE_START, (width, line)
            for line in lines[:-1]:
                assert line[-1] not in NO_LINE_END, (width, line)
            assert any("029-81160083" in line for line in lines)  # a phone number is never split
        assert wrap(pdf, "甲\n乙", 50) == ["甲", "乙"]


def test_documents_from_the_casework_builders_render(out_dir: Path) -> None:
    """Real ``casework.documents`` output (not the samples) renders in both layouts."""
    from casework.acceptance import accept
    from casework.cases import CaseStatus, MaterialRecord, Satisfaction
    from casework.workdays import WorkCalendar
    from tests.casework.case_helpers import CATALOG, FORM, HOUSEHOLD, ID_CARD, INCOME, NOW, new_case

    station = StationInfo("大雁塔街道某社区便民服务站（样例）", "雁塔区", "雁塔区某路1号", "029-88888888")
    case = new_case(at=NOW)
    scans = ("ef" * 32, "fe" * 32)
    for m in (ID_CARD, FORM):
        record = MaterialRecord(m.code, m.name, Satisfaction.ORIGINAL_VERIFIED, scans, "w-01")
        case.set_material(record, at=NOW)
    case.set_material(
        MaterialRecord(HOUSEHOLD.code, HOUSEHOLD.name, Satisfaction.DEFERRED, due_date=dt.date(2026, 10, 9)),
        at=NOW,
    )
    case.set_material(
        MaterialRecord(
            INCOME.code, INCOME.name, Satisfaction.COMMITMENT, commitment_text=INCOME.commitment_text
        ),
        at=NOW,
    )
    accept(case, CATALOG, WorkCalendar(), actor="w-01", at=NOW)
    receipt = acceptance_receipt(case, CATALOG, station=station, worker="王芳", issued_at=NOW)
    refused_case = new_case(at=NOW)
    refused_case.transition(CaseStatus.REFUSED, actor="w-01", at=NOW, reason="不属于本站受理范围（样例）")
    refusal_doc = refusal_notice(refused_case, CATALOG, station=station, worker="王芳", issued_at=NOW)
    docs: list[CaseDocument] = [receipt, refusal_doc]
    assert [d.kind for d in docs] == [DocumentKind.RECEIPT, DocumentKind.REFUSAL_NOTICE]
    for doc in docs:
        for layout in LAYOUTS:
            path = out_dir / f"builder-{doc.kind.prefix}-{layout}.pdf"
            path.write_bytes(render(doc, layout))
            if layout == "a4":
                assert to_png(path)
            text = squash(pdftotext(path))
            assert doc.case_number in text and squash(doc.station) in text and doc.title in text
            for section in doc.sections:
                for label, value in section.fields:
                    assert squash(value) in text, (label, value)
