"""A4 layout: a Chinese government-window document (centered title, ruled tables, stamp area, page x of y)."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf.enums import Align, VAlign, XPos, YPos
from fpdf.fonts import FontFace

from casework.documents import Section

from .base import BLACK, CJK, GREY, LATIN, LIGHT, DocumentPDF, document_font, fit, output_bytes, wrap
from .model import DocumentView, format_date

LEFT, RIGHT, TOP, BOTTOM = 25.0, 22.0, 16.0, 19.0
PAGE_W = 210.0
CONTENT_W = PAGE_W - LEFT - RIGHT
QR_W = 30.0
QR_MIN_W = 24.0
BODY_PT = 10.5
TABLE_PT = 10.0
LINE_H = 5.8
CELL_LINE_H = 4.8
CELL_PAD = (0.8, 1.6)
LABEL_W = 34.0
PAD = 1.6
LABEL_STYLE = FontFace(family=CJK, emphasis=None, fill_color=LIGHT)
HEAD_STYLE = LABEL_STYLE  # table header rows: shaded like the field labels
MAX_ROW_LINES = 34  # lines of one table row; 34 × CELL_LINE_H fits well inside a page
INDENT_EM = 2  # a Chinese paragraph opens with a two-character indent
DIGITS = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """Chinese section numeral for 1–99: 一, 十, 十一, 二十, 二十三."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else DIGITS[tens] + "十")
    return head + (DIGITS[ones] if ones else "")


class A4PDF(DocumentPDF):
    def header(self) -> None:
        if self.page_no() == 1:
            return
        doc = self.view.doc
        self.set_y(10)
        self.size(8.5)
        self.set_text_color(*GREY)
        right = f"{self.view.word('doc.pdf.continued', title=doc.title)}  {doc.case_number}"
        right_w = self.get_string_width(right) + 1
        station = wrap(self, doc.station, CONTENT_W - right_w - 4)
        left = station[0] if len(station) == 1 else wrap(self, doc.station, CONTENT_W - right_w - 8)[0] + "…"
        self.cell(CONTENT_W - right_w, 5, left, align=Align.L, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.cell(right_w, 5, right, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*GREY)
        self.set_line_width(0.2)
        self.line(LEFT, self.get_y() + 1, PAGE_W - RIGHT, self.get_y() + 1)
        self.set_text_color(*BLACK)
        self.set_draw_color(*BLACK)
        self.set_y(TOP + 2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_text_color(*GREY)
        # The total is filled in at output time, after glyph lookup: print it with the Latin font.
        view = self.view
        parts = [
            (CJK, view.word("doc.pdf.page", page=self.page_no())),
            (LATIN, self.str_alias_nb_pages),
            (CJK, view.word("doc.pdf.page_end")),
        ]
        widths = []
        for family, text in parts:
            self.set_font(family, size=9)
            # DejaVu digits share one width: size the total's cell as one digit per digit of this page.
            widths.append(self.get_string_width(text if family == CJK else "9" * len(str(self.page_no()))))
        self.set_x((PAGE_W - sum(widths)) / 2)
        for (family, text), w in zip(parts, widths, strict=True):
            self.set_font(family, size=9)
            self.cell(w, 5, text, align=Align.L)
        self.set_text_color(*BLACK)


def render_a4(view: DocumentView) -> bytes:
    with document_font(view) as font_path:
        pdf = A4PDF(view, font_path=font_path, orientation="P", unit="mm", format="A4")
        pdf.set_margins(LEFT, TOP, RIGHT)
        pdf.set_auto_page_break(True, margin=BOTTOM)
        pdf.alias_nb_pages()
        pdf.add_page()
        _title(pdf, view)
        _head_block(pdf, view)
        number = 0
        for section in view.body:
            if section.title == view.head_section:
                continue
            numeral = cn_numeral(number + 1) + "、" if view.language == "zh_CN" else f"{number + 1}. "
            _section(pdf, view, numeral, section)
            number += 1
        if view.missing_note:
            _note(pdf, view.missing_note)
        _signature(pdf, view)
        return output_bytes(pdf)


def _title(pdf: A4PDF, view: DocumentView) -> None:
    doc = view.doc
    pdf.size(12)
    pdf.para(CONTENT_W, 6.5, doc.station, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.size(22)
    pdf.set_char_spacing(3 if view.language == "zh_CN" else 0.3)
    with pdf.bold(0.35):
        pdf.para(CONTENT_W, 10, doc.title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_char_spacing(0)
    pdf.ln(1)
    pdf.size(10.5)
    number = view.labelled(view.word("doc.label.document_number"), doc.number)
    pdf.para(CONTENT_W, 5.5, number, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_line_width(0.6)
    y = pdf.get_y() + 1.2
    pdf.line(LEFT, y, PAGE_W - RIGHT, y)
    pdf.set_line_width(0.2)
    pdf.line(LEFT, y + 0.9, PAGE_W - RIGHT, y + 0.9)
    pdf.set_y(y + 4)


def _fields(pdf: A4PDF, rows: Sequence[tuple[str, str]], width: float, *, pairs: bool = True) -> None:
    """Label/value rows in a ruled table; two pairs to a row when every value is short."""
    pdf.size(TABLE_PT)
    label_w = max(24.0, min(LABEL_W, max(pdf.get_string_width(label) for label, _ in rows) + 2 * PAD + 2))
    half_value_w = width / 2 - label_w
    two_up = (
        pairs
        and len(rows) >= 2
        and all(pdf.get_string_width(value) + 2 * PAD + 1 <= half_value_w for _, value in rows)
    )
    ncols = 2 if two_up else 1
    value_w = width / ncols - label_w
    with pdf.table(
        width=width,
        col_widths=(label_w, value_w) * ncols,
        align=Align.L,
        text_align=(Align.C, Align.L) * ncols,
        v_align=VAlign.M,
        line_height=CELL_LINE_H,
        first_row_as_headings=False,
        padding=CELL_PAD,
        borders_layout="ALL",
    ) as table:
        for start in range(0, len(rows), ncols):
            row = table.row()
            if ncols == 1:  # a value may be long enough to need continuation rows
                label, value = rows[start]
                for i, (label_text, value_text) in enumerate(
                    _row_chunks(pdf, [label, value or "—"], [label_w, value_w])
                ):
                    if i:
                        row = table.row()
                    row.cell(label_text, style=LABEL_STYLE)
                    row.cell(value_text)
                continue
            for label, value in rows[start : start + ncols]:
                row.cell(fit(pdf, label, label_w - 2 * PAD), style=LABEL_STYLE)
                row.cell(fit(pdf, value or "—", value_w - 2 * PAD))
            if len(rows[start : start + ncols]) < ncols:
                row.cell("", colspan=2)
    pdf.size(BODY_PT)


def _head_block(pdf: A4PDF, view: DocumentView) -> None:
    """办件编号 and 申请事项 in a ruled table, the case-number QR code to its right."""
    y0 = pdf.get_y()
    _fields(pdf, view.head_fields, CONTENT_W - QR_W - 6, pairs=False)
    y1 = pdf.get_y()
    qr_w = min(QR_W, max(QR_MIN_W, y1 - y0 - 3))  # as tall as the table, within limits
    qr_x = PAGE_W - RIGHT - (QR_W + qr_w) / 2
    pdf.qr(qr_x, y0 - 1, qr_w)
    pdf.set_xy(qr_x - 4, y0 - 1 + qr_w)
    pdf.size(7.5)
    pdf.para(
        qr_w + 8, 3.6, view.word("doc.pdf.scan_to_check"), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_y(max(y1, pdf.get_y()) + 3)
    pdf.size(BODY_PT)


def _heading(pdf: A4PDF, text: str) -> None:
    if pdf.will_page_break(LINE_H * 4):
        pdf.add_page()
    pdf.ln(0.5)
    pdf.size(11.5)
    with pdf.bold(0.22):
        pdf.para(CONTENT_W, 7, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(0.3)
    pdf.size(BODY_PT)


def _paragraph(pdf: A4PDF, text: str, *, indent_em: float = INDENT_EM) -> None:
    """A body paragraph; ``write`` flows the wrapped lines back to the left margin after the indent."""
    pdf.size(BODY_PT)
    indent = indent_em * pdf.font_size
    inner = CONTENT_W - 2 * pdf.c_margin - 0.3  # cell() insets its text by c_margin each side
    for i, line in enumerate(wrap(pdf, text, inner, first_indent=indent)):
        pdf.set_x(LEFT + (indent if i == 0 else 0))
        pdf.cell(CONTENT_W, LINE_H, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(0.5)


def _row_chunks(pdf: A4PDF, cells: Sequence[str], widths: Sequence[float]) -> list[list[str]]:
    """The cells' text broken to their widths, cut into rows of at most ``MAX_ROW_LINES`` lines: fpdf2
    cannot split one table row across pages, so an enormous cell continues in the next row."""
    wrapped = [wrap(pdf, text, w - 2 * PAD - 0.3) for text, w in zip(cells, widths, strict=True)]
    n = max(len(lines) for lines in wrapped)
    return [
        ["\n".join(lines[start : start + MAX_ROW_LINES]) for lines in wrapped]
        for start in range(0, max(n, 1), MAX_ROW_LINES)
    ]


def _table(pdf: A4PDF, rows: Sequence[Sequence[str]], centred: Sequence[str] = ()) -> None:
    """A ruled table; the first row is the header, repeated on every page the table reaches."""
    pdf.size(TABLE_PT)
    ncols = max(len(r) for r in rows)  # a ragged row keeps every cell: pad the rest with blanks
    rows = [tuple(r) + ("",) * (ncols - len(r)) for r in rows]
    widths = pdf.column_widths(rows, CONTENT_W, PAD)
    header = rows[0]
    aligns = tuple(Align.C if h in ("序号", "原件", "复印件", "份数", *centred) else Align.L for h in header)
    with pdf.table(
        width=CONTENT_W,
        col_widths=tuple(widths),
        align=Align.L,
        text_align=aligns,
        v_align=VAlign.M,
        line_height=CELL_LINE_H,
        headings_style=HEAD_STYLE,
        repeat_headings=1,
        padding=CELL_PAD,
        borders_layout="ALL",
    ) as table:
        head = table.row()
        for c, h in enumerate(header):
            head.cell(fit(pdf, h, widths[c] - 2 * PAD), align=Align.C)
        for cells in rows[1:]:
            for chunk in _row_chunks(pdf, cells, widths):
                row = table.row()
                for text in chunk:
                    row.cell(text)
    pdf.ln(2.5)
    pdf.size(BODY_PT)


def _note(pdf: A4PDF, text: str) -> None:
    """A framed note (the provisional promised date)."""
    pdf.size(10)
    pdf.set_draw_color(*GREY)
    pdf.para(
        CONTENT_W, 5.6, text, border=1, align=Align.L, padding=(1.5, 2.5), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_draw_color(*BLACK)
    pdf.ln(2)
    pdf.size(BODY_PT)


def _section(pdf: A4PDF, view: DocumentView, numeral: str, section: Section) -> None:
    if section.title:
        _heading(pdf, f"{numeral}{section.title}")
    if section.fields:
        _fields(pdf, section.fields, CONTENT_W)
        pdf.ln(2)
    if section.table:
        _table(pdf, section.table, (view.word("doc.table.no"),))
    for paragraph in section.paragraphs:
        _paragraph(pdf, paragraph, indent_em=INDENT_EM if view.language == "zh_CN" else 0)
    if view.provisional_note and view.carries_promise(section):
        _note(pdf, view.provisional_note)


def _signature(pdf: A4PDF, view: DocumentView) -> None:
    """Worker, contact and 申请人签收 on the left; station and date on the right, the stamp circle over
    them as a seal is placed over the date."""
    doc = view.doc
    r = 15.0
    block_h = 2 * r + 5
    if pdf.will_page_break(block_h + 2):
        pdf.add_page()
        pdf.size(BODY_PT)
        pdf.cell(CONTENT_W, LINE_H, view.word("doc.pdf.no_body"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    y = pdf.get_y()
    pdf.size(BODY_PT)
    left_w = CONTENT_W * 0.5
    lines = [view.labelled(view.worker_label, doc.worker)]
    lines += [view.labelled(view.contact_label(label), value) for label, value in view.contact]
    pdf.set_xy(LEFT, y)
    pdf.para(left_w - 4, 6.2, "\n".join(lines), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    sign_y = pdf.get_y()
    signed = view.word("doc.pdf.signed_by_applicant")
    sign_w = max(26.0, pdf.get_string_width(signed) + 2)
    pdf.cell(sign_w, 7, signed)
    pdf.set_line_width(0.2)
    pdf.line(LEFT + sign_w, sign_y + 6, LEFT + left_w - 6, sign_y + 6)
    y_left_end = sign_y + 8

    right_x = LEFT + left_w
    right_w = CONTENT_W - left_w
    sign_pt = BODY_PT
    pdf.size(sign_pt)
    while pdf.get_string_width(doc.station) > right_w - 1 and sign_pt > 9:
        sign_pt -= 0.5
        pdf.size(sign_pt)
    text = (
        fit(pdf, doc.station, right_w - 2 * pdf.c_margin) + "\n" + format_date(doc.issued_on, view.language)
    )
    text_h = 6.5 * (text.count("\n") + 1)
    cx, cy = right_x + right_w / 2, y + r + 1
    pdf.set_draw_color(*GREY)
    pdf.set_dash_pattern(dash=1.2, gap=1.0)
    pdf.circle(x=cx, y=cy, radius=r, style="D")
    pdf.set_dash_pattern()
    pdf.set_draw_color(*BLACK)
    pdf.set_text_color(*GREY)
    pdf.size(8.5)
    pdf.set_xy(cx - r, cy - r + 4)
    pdf.cell(2 * r, 4, view.word("doc.pdf.stamp"), align=Align.C)
    pdf.set_text_color(*BLACK)
    pdf.size(sign_pt)
    pdf.set_xy(right_x, cy + r - text_h + 2)
    pdf.para(right_w, 6.5, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(y_left_end, pdf.get_y(), cy + r) + 2)
