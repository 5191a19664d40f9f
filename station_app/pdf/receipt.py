"""80 mm receipt-printer roll: one narrow column, page as long as the content, QR code at the bottom.

The page height is found by laying the document out once on a very tall page and then again on a page
cut to the height used. A document longer than ``MAX_H`` continues on further pages of that height.
"""

from __future__ import annotations

from fpdf.enums import Align, XPos, YPos

from .base import BLACK, GREY, DocumentPDF, document_font, output_bytes
from .model import DocumentKind, PrintDocument, format_date

PAGE_W = 80.0
MARGIN = 4.0
CONTENT_W = PAGE_W - 2 * MARGIN
MAX_H = 3000.0  # mm; PDF viewers handle pages up to 5080 mm
QR_W = 34.0
BODY_PT = 8.5
LINE_H = 4.1


def render_receipt80(doc: PrintDocument) -> bytes:
    with document_font(doc) as font_path:
        used = _layout(doc, font_path, MAX_H)[1]
        pdf, _ = _layout(doc, font_path, min(MAX_H, max(used + MARGIN + 0.5, 60.0)))
        return output_bytes(pdf)


class ReceiptPDF(DocumentPDF):
    reach: float = 0.0  # lowest point a keep-together block asked for on the last page


def _layout(doc: PrintDocument, font_path: str, height: float) -> tuple[ReceiptPDF, float]:
    """Lay out on pages of ``height``; returns the PDF and the height the last page needs."""
    pdf = ReceiptPDF(doc, font_path=font_path, orientation="P", unit="mm", format=(PAGE_W, height))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.add_page()
    _content(pdf, doc)
    return pdf, max(pdf.get_y(), pdf.reach)


def _keep(pdf: DocumentPDF, need: float) -> None:
    """Start a new page unless ``need`` mm fit on this one (keeps stamp box and QR whole)."""
    if pdf.will_page_break(need):
        pdf.add_page()
    if isinstance(pdf, ReceiptPDF):
        pdf.reach = pdf.get_y() + need


def _text(pdf: DocumentPDF, text: str, *, pt: float = BODY_PT, align: Align = Align.L,
          h: float = LINE_H) -> None:
    pdf.size(pt)
    pdf.multi_cell(CONTENT_W, h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _rule(pdf: DocumentPDF, dashed: bool = True) -> None:
    y = pdf.get_y() + 1.2
    pdf.set_line_width(0.2)
    if dashed:
        pdf.set_dash_pattern(dash=0.8, gap=0.6)
    pdf.line(MARGIN, y, PAGE_W - MARGIN, y)
    pdf.set_dash_pattern()
    pdf.set_y(y + 1.6)


def _field(pdf: DocumentPDF, label: str, value: str) -> None:
    _text(pdf, f"{label}：{value}")


def _heading(pdf: DocumentPDF, text: str) -> None:
    pdf.ln(0.8)
    pdf.size(9.5)
    with pdf.bold(0.15):
        pdf.multi_cell(CONTENT_W, 5, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _content(pdf: DocumentPDF, doc: PrintDocument) -> None:
    _text(pdf, doc.station.name, pt=9.5, align=Align.C, h=4.6)
    pdf.ln(1)
    pdf.set_char_spacing(1)
    pdf.size(15)
    with pdf.bold(0.3):
        pdf.multi_cell(CONTENT_W, 7.5, doc.title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_char_spacing(0)
    _text(pdf, f"文书编号：{doc.document_number}", pt=8, align=Align.C, h=3.8)
    _rule(pdf, dashed=False)

    _field(pdf, "办件编号", doc.case_number)
    a = doc.applicant
    _field(pdf, "申请人", a.name)
    if a.id_number_masked:
        _field(pdf, a.id_type or "证件号码", a.id_number_masked)
    if a.phone_masked:
        _field(pdf, "联系电话", a.phone_masked)
    if a.agent:
        _field(pdf, "代理人", a.agent)
    if doc.bundle_name:
        _field(pdf, "一件事", f"{doc.bundle_name}（{len(doc.items)}个事项）")
        for i, name in enumerate(doc.items, 1):
            _text(pdf, f"  {i}. {name}")
    else:
        _field(pdf, "申请事项", "；".join(doc.items))
    for label, value in doc.extra.items():
        _field(pdf, label, value)

    for section in doc.sections:
        _rule(pdf)
        if section.heading:
            _heading(pdf, section.heading)
        for line in section.lines:
            _text(pdf, line)

    if doc.kind is DocumentKind.REFUSAL:
        _rule(pdf)
        _heading(pdf, "不予受理理由")
        _text(pdf, doc.reason or "（未填写）")

    if doc.received:
        _rule(pdf)
        _heading(pdf, f"已收取材料（{len(doc.received)}项）")
        for i, m in enumerate(doc.received, 1):
            _text(pdf, f"{i}. {m.name}")
            _text(pdf, f"    原件{m.originals} 复印件{m.copies} · {m.how_text}", pt=7.5, h=3.7)
    if doc.missing:
        _rule(pdf)
        title = "需补正材料" if doc.kind is DocumentKind.ONE_TIME_NOTICE else "尚缺材料"
        _heading(pdf, f"{title}（{len(doc.missing)}项，一次性告知）")
        for i, m in enumerate(doc.missing, 1):
            _text(pdf, f"{i}. {m.name}")
            if m.reason:
                _text(pdf, f"    原因：{m.reason}", pt=7.5, h=3.7)
            if m.how_to_supply:
                _text(pdf, f"    补正：{m.how_to_supply}", pt=7.5, h=3.7)

    r = doc.routing
    if r is not None:
        _rule(pdf)
        _heading(pdf, "业务属地及结果领取")
        _field(pdf, "业务属地", r.jurisdiction)
        _field(pdf, "属地窗口", r.window)
        if r.window_phone:
            _field(pdf, "窗口电话", r.window_phone)
        if r.result_pickup:
            _field(pdf, "结果领取", r.result_pickup)
        _text(pdf, r.clock_note)

    if doc.promised_date is not None:
        _rule(pdf)
        pdf.size(9.5)
        with pdf.bold(0.15):
            pdf.multi_cell(CONTENT_W, 5, f"承诺办结日期：{doc.promised_line}", align=Align.L,
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if doc.promised_provisional:
            _text(pdf, "（预计日期，以区政务服务中心公布的节假日安排为准）", pt=7.5, h=3.7)

    if doc.kind is DocumentKind.REFUSAL:
        _rule(pdf)
        _heading(pdf, "权利告知")
        _text(pdf, doc.remedies_text)

    _rule(pdf, dashed=False)
    _field(pdf, "受理人", doc.worker)
    _field(pdf, "日期", format_date(doc.issued_on))
    if doc.phone:
        _field(pdf, "咨询电话", doc.phone)
    if doc.station.address:
        _field(pdf, "地址", doc.station.address)
    pdf.ln(2)
    _stamp_box(pdf)
    _qr(pdf, doc)


def _stamp_box(pdf: DocumentPDF) -> None:
    h = 22.0
    _keep(pdf, h + 2)
    y = pdf.get_y()
    x = MARGIN + CONTENT_W - 34
    pdf.set_draw_color(*GREY)
    pdf.set_dash_pattern(dash=0.8, gap=0.6)
    pdf.rect(x, y, 34, h)
    pdf.set_dash_pattern()
    pdf.set_draw_color(*BLACK)
    pdf.set_text_color(*GREY)
    pdf.size(7.5)
    pdf.set_xy(x, y + h / 2 - 2)
    pdf.cell(34, 4, "盖章处", align=Align.C)
    pdf.set_text_color(*BLACK)
    pdf.set_xy(MARGIN, y + h - 5)
    pdf.cell(CONTENT_W - 36, 4, "申请人签收：________", align=Align.L)
    pdf.set_y(y + h + 2)


def _qr(pdf: DocumentPDF, doc: PrintDocument) -> None:
    need = QR_W + 14
    _keep(pdf, need)
    _rule(pdf)
    y = pdf.get_y() + 1
    pdf.qr((PAGE_W - QR_W) / 2, y, QR_W)
    pdf.set_y(y + QR_W)
    _text(pdf, doc.case_number, pt=9, align=Align.C, h=4.4)
    _text(pdf, "扫码查询办件进度 · 请妥善保管本凭证", pt=7, align=Align.C, h=3.6)
