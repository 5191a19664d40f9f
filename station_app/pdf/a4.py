"""A4 layout: a Chinese government-window document (centered title, ruled tables, stamp area, page x of y)."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf.enums import Align, VAlign, XPos, YPos
from fpdf.fonts import FontFace

from .base import BLACK, CJK, GREY, LATIN, LIGHT, DocumentPDF, document_font, output_bytes
from .model import DocumentKind, PrintDocument, format_date

LEFT, RIGHT, TOP, BOTTOM = 25.0, 22.0, 20.0, 22.0
PAGE_W = 210.0
CONTENT_W = PAGE_W - LEFT - RIGHT
QR_W = 32.0
BODY_PT = 11.0
LINE_H = 6.2
LABEL_STYLE = FontFace(family=CJK, emphasis=None, fill_color=LIGHT)
INDENT_EM = 2  # a Chinese paragraph opens with a two-character indent


class A4PDF(DocumentPDF):
    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(10)
        self.size(8.5)
        self.set_text_color(*GREY)
        self.cell(
            CONTENT_W / 2, 5, f"{self.doc.station.name}", align=Align.L, new_x=XPos.RIGHT, new_y=YPos.TOP
        )
        self.cell(
            CONTENT_W / 2,
            5,
            f"{self.doc.title}（续）  办件编号 {self.doc.case_number}",
            align=Align.R,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_draw_color(*GREY)
        self.set_line_width(0.2)
        self.line(LEFT, self.get_y() + 1, PAGE_W - RIGHT, self.get_y() + 1)
        self.set_text_color(*BLACK)
        self.set_draw_color(*BLACK)
        self.set_y(TOP + 2)

    def footer(self) -> None:
        self.set_y(-14)
        self.size(9)
        self.set_text_color(*GREY)
        # The total is filled in at output time, after glyph lookup: print it with the Latin font.
        parts = [(CJK, f"第 {self.page_no()} 页  共 "), (LATIN, self.str_alias_nb_pages), (CJK, " 页")]
        widths = []
        for family, text in parts:
            self.set_font(family, size=9)
            # DejaVu digits share one width: size the total's cell as one digit per digit of this page.
            widths.append(self.get_string_width(text if family == CJK else "9" * len(str(self.page_no()))))
        self.set_x((PAGE_W - sum(widths)) / 2)
        for (family, text), w in zip(parts, widths, strict=True):
            self.set_font(family, size=9)
            self.cell(w, 5, text, align=Align.C)
        self.set_text_color(*BLACK)


def render_a4(doc: PrintDocument) -> bytes:
    with document_font(doc) as font_path:
        pdf = A4PDF(doc, font_path=font_path, orientation="P", unit="mm", format="A4")
        pdf.set_margins(LEFT, TOP, RIGHT)
        pdf.set_auto_page_break(True, margin=BOTTOM)
        pdf.alias_nb_pages()
        pdf.add_page()
        _title(pdf, doc)
        _info_block(pdf, doc)
        _body(pdf, doc)
        _signature(pdf, doc)
        return output_bytes(pdf)


def _title(pdf: A4PDF, doc: PrintDocument) -> None:
    pdf.size(12)
    pdf.multi_cell(CONTENT_W, 6.5, doc.station.name, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.size(22)
    pdf.set_char_spacing(2.5)
    with pdf.bold(0.35):
        pdf.multi_cell(CONTENT_W, 11, doc.title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_char_spacing(0)
    pdf.ln(2)
    pdf.size(10.5)
    pdf.multi_cell(
        CONTENT_W,
        5.5,
        f"文书编号：{doc.document_number}",
        align=Align.R,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_line_width(0.6)
    y = pdf.get_y() + 1.2
    pdf.line(LEFT, y, PAGE_W - RIGHT, y)
    pdf.set_line_width(0.2)
    pdf.line(LEFT, y + 0.9, PAGE_W - RIGHT, y + 0.9)
    pdf.set_y(y + 4)


def _items_text(doc: PrintDocument) -> str:
    if len(doc.items) == 1 and not doc.bundle_name:
        return doc.items[0]
    lines = [f"{doc.bundle_name}（共{len(doc.items)}个事项）："] if doc.bundle_name else []
    lines += [f"{i}. {name}" for i, name in enumerate(doc.items, 1)]
    return "\n".join(lines)


def _info_rows(doc: PrintDocument) -> list[tuple[str, str]]:
    a = doc.applicant
    rows = [("办件编号", doc.case_number), ("申 请 人", a.name)]
    if a.id_number_masked:
        rows.append(("证件号码", f"{a.id_number_masked}（{a.id_type}）" if a.id_type else a.id_number_masked))
    if a.phone_masked:
        rows.append(("联系电话", a.phone_masked))
    if a.agent:
        rows.append(("代 理 人", a.agent))
    rows.append(("申请事项", _items_text(doc)))
    rows += list(doc.extra.items())
    return rows


def _info_block(pdf: A4PDF, doc: PrintDocument) -> None:
    """Labelled case facts in a ruled table, with the case-number QR code to its right."""
    y0 = pdf.get_y()
    table_w = CONTENT_W - QR_W - 6
    pdf.size(BODY_PT)
    with pdf.table(
        width=table_w,
        col_widths=(26, table_w - 26),
        align=Align.L,
        text_align=(Align.C, Align.L),
        v_align=VAlign.M,
        line_height=LINE_H,
        first_row_as_headings=False,
        padding=(1.2, 2),
        borders_layout="ALL",
    ) as table:
        for label, value in _info_rows(doc):
            row = table.row()
            row.cell(label, style=LABEL_STYLE)
            row.cell(value)
    y1 = pdf.get_y()
    qr_x = PAGE_W - RIGHT - QR_W
    pdf.qr(qr_x, y0, QR_W)
    pdf.set_xy(qr_x - 3, y0 + QR_W)
    pdf.size(8)
    pdf.multi_cell(QR_W + 6, 3.8, f"扫码查询办件\n{doc.case_number}", align=Align.C)
    pdf.set_y(max(y1, pdf.get_y()) + 4)
    pdf.size(BODY_PT)


def _heading(pdf: A4PDF, text: str) -> None:
    if pdf.will_page_break(LINE_H * 4):
        pdf.add_page()
    pdf.size(12)
    with pdf.bold(0.2):
        pdf.multi_cell(CONTENT_W, 7.5, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.size(BODY_PT)
    pdf.ln(0.5)


def _paragraph(pdf: A4PDF, text: str, *, indent: bool = True) -> None:
    """A body paragraph; ``write`` flows the wrapped lines back to the left margin after the indent."""
    pdf.size(BODY_PT)
    pdf.set_x(LEFT + (INDENT_EM * pdf.font_size if indent else 0))
    pdf.write(LINE_H, text)
    pdf.ln(LINE_H + 0.8)


def _table(pdf: A4PDF, headings: Sequence[str], widths: Sequence[float], rows: Sequence[Sequence[str]],
           aligns: Sequence[Align]) -> None:
    pdf.size(10)
    with pdf.table(
        width=CONTENT_W,
        col_widths=tuple(widths),
        text_align=tuple(aligns),
        v_align=VAlign.M,
        line_height=5.4,
        headings_style=FontFace(emphasis=None, fill_color=LIGHT, family=CJK),
        repeat_headings=1,
        padding=(1.2, 1.5),
        borders_layout="ALL",
    ) as table:
        head = table.row()
        for h in headings:
            head.cell(h, align=Align.C)
        for values in rows:
            row = table.row()
            for v in values:
                row.cell(v)
    pdf.ln(3)
    pdf.size(BODY_PT)


def _received_table(pdf: A4PDF, doc: PrintDocument) -> None:
    rows = [
        (str(i), m.name, str(m.originals), str(m.copies), m.how_text)
        for i, m in enumerate(doc.received, 1)
    ]
    _table(
        pdf,
        ("序号", "材料名称", "原件", "复印件", "收取情况"),
        (11, 70, 13, 15, CONTENT_W - 109),
        rows,
        (Align.C, Align.L, Align.C, Align.C, Align.L),
    )


def _missing_table(pdf: A4PDF, doc: PrintDocument) -> None:
    rows = [(str(i), m.name, m.reason, m.how_to_supply) for i, m in enumerate(doc.missing, 1)]
    _table(
        pdf,
        ("序号", "材料名称", "需补正原因", "补正要求及方式"),
        (11, 52, 45, CONTENT_W - 108),
        rows,
        (Align.C, Align.L, Align.L, Align.L),
    )


def _promised(pdf: A4PDF, doc: PrintDocument) -> None:
    if doc.promised_date is None:
        return
    pdf.size(BODY_PT)
    with pdf.bold(0.2):
        pdf.write(LINE_H, "承诺办结日期：")
    pdf.write(LINE_H, doc.promised_line)
    pdf.ln(LINE_H)
    if doc.promised_provisional:
        pdf.size(10)
        pdf.multi_cell(
            CONTENT_W,
            5.2,
            "（预计日期，以区政务服务中心公布的节假日安排为准）",
            align=Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.size(BODY_PT)
    pdf.ln(1.5)


def _routing(pdf: A4PDF, doc: PrintDocument) -> None:
    r = doc.routing
    if r is None:
        return
    _heading(pdf, "业务属地及结果领取")
    rows = [("业务属地", r.jurisdiction), ("属地通办窗口", r.window)]
    if r.window_phone:
        rows.append(("窗口电话", r.window_phone))
    if r.result_pickup:
        rows.append(("结果领取", r.result_pickup))
    pdf.size(10.5)
    with pdf.table(
        width=CONTENT_W,
        col_widths=(30, CONTENT_W - 30),
        text_align=(Align.C, Align.L),
        v_align=VAlign.M,
        line_height=LINE_H,
        first_row_as_headings=False,
        padding=(1.2, 2),
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=LABEL_STYLE)
            row.cell(value)
    pdf.ln(2)
    _paragraph(pdf, r.clock_note)


def _body(pdf: A4PDF, doc: PrintDocument) -> None:
    pdf.size(BODY_PT)
    pdf.multi_cell(CONTENT_W, LINE_H, f"{doc.applicant.name}：", align=Align.L,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for section in doc.sections:
        if section.heading:
            _heading(pdf, section.heading)
        for line in section.lines:
            _paragraph(pdf, line)
    if doc.kind is DocumentKind.REFUSAL:
        _heading(pdf, "不予受理理由")
        _paragraph(pdf, doc.reason or "（未填写）")
    if doc.received:
        _heading(pdf, f"已收取材料（共{len(doc.received)}项）")
        _received_table(pdf, doc)
    if doc.missing:
        title = "需补正材料" if doc.kind is DocumentKind.ONE_TIME_NOTICE else "尚缺材料"
        _heading(pdf, f"{title}（共{len(doc.missing)}项，一次性告知）")
        _missing_table(pdf, doc)
    _routing(pdf, doc)
    _promised(pdf, doc)
    if doc.kind is DocumentKind.REFUSAL:
        _heading(pdf, "权利告知")
        _paragraph(pdf, doc.remedies_text)


def _signature(pdf: A4PDF, doc: PrintDocument) -> None:
    """受理人 / 咨询电话 / 申请人签收 on the left; station, date and the stamp circle on the right."""
    block_h = 46.0
    if pdf.will_page_break(block_h):
        pdf.add_page()
    pdf.ln(4)
    y = pdf.get_y()
    pdf.size(BODY_PT)
    left_w = CONTENT_W * 0.5
    lines = [f"受理人：{doc.worker}"]
    if doc.phone:
        lines.append(f"咨询电话：{doc.phone}")
    if doc.station.address:
        lines.append(f"地址：{doc.station.address}")
    lines.append("申请人签收：")
    pdf.set_xy(LEFT, y)
    pdf.multi_cell(left_w - 4, 8, "\n".join(lines), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y_left_end = pdf.get_y()
    sign_y = y_left_end - 2
    pdf.set_line_width(0.2)
    pdf.line(LEFT + 24, sign_y, LEFT + left_w - 6, sign_y)

    right_x = LEFT + left_w
    right_w = CONTENT_W - left_w
    # Stamp circle first, so the text prints over it like a real seal placed over the date.
    cx, cy, r = right_x + right_w / 2, y + 21, 19.0
    pdf.set_draw_color(*GREY)
    pdf.set_dash_pattern(dash=1.2, gap=1.0)
    pdf.circle(x=cx, y=cy, radius=r, style="D")
    pdf.set_dash_pattern()
    pdf.set_draw_color(*BLACK)
    pdf.set_text_color(*GREY)
    pdf.size(9)
    pdf.set_xy(cx - r, cy - r + 4)
    pdf.cell(2 * r, 4, "（盖章处）", align=Align.C)
    pdf.set_text_color(*BLACK)
    pdf.size(BODY_PT)
    pdf.set_xy(right_x, y + 18)
    pdf.multi_cell(right_w, 7, f"{doc.station.name}\n{format_date(doc.issued_on)}", align=Align.C,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(y_left_end, y + 2 * r + 4))
