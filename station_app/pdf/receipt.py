"""80 mm receipt-printer roll: one narrow column, page as long as the content, QR code at the bottom.

The page height is found by laying the document out once on a very tall page and then again on a page
cut to the height used. A document longer than ``MAX_H`` continues on further pages of that height.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpdf.enums import Align, XPos, YPos

from .base import BLACK, GREY, DocumentPDF, document_font, output_bytes, wrap
from .model import DocumentView, format_date

PAGE_W = 80.0
MARGIN = 4.0
CONTENT_W = PAGE_W - 2 * MARGIN
MAX_H = 3000.0  # mm; PDF viewers handle pages up to 5080 mm
QR_W = 34.0
BODY_PT = 8.5
LINE_H = 4.1


def render_receipt80(view: DocumentView) -> bytes:
    with document_font(view) as font_path:
        used = _layout(view, font_path, MAX_H)[1]
        pdf, _ = _layout(view, font_path, min(MAX_H, max(used + MARGIN + 0.5, 60.0)))
        return output_bytes(pdf)


class ReceiptPDF(DocumentPDF):
    reach: float = 0.0  # lowest point a keep-together block asked for on the last page


def _layout(view: DocumentView, font_path: str, height: float) -> tuple[ReceiptPDF, float]:
    """Lay out on pages of ``height``; returns the PDF and the height the last page needs."""
    pdf = ReceiptPDF(view, font_path=font_path, orientation="P", unit="mm", format=(PAGE_W, height))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.add_page()
    _content(pdf, view)
    return pdf, max(pdf.get_y(), pdf.reach)


def _keep(pdf: DocumentPDF, need: float) -> None:
    """Start a new page unless ``need`` mm fit on this one (keeps stamp box and QR whole)."""
    if pdf.will_page_break(need):
        pdf.add_page()
    if isinstance(pdf, ReceiptPDF):
        pdf.reach = pdf.get_y() + need


def _text(
    pdf: DocumentPDF,
    text: str,
    *,
    pt: float = BODY_PT,
    align: Align = Align.L,
    h: float = LINE_H,
    indent: float = 0.0,
    hang: float = 0.0,
) -> None:
    """Wrapped text; every line ``indent`` mm in, lines after the first ``hang`` mm further."""
    pdf.size(pt)
    width = CONTENT_W - indent
    inner = width - 0.3 - 2 * pdf.c_margin
    for i, line in enumerate(wrap(pdf, text, inner - hang, first_indent=-hang)):
        shift = indent + (hang if i else 0.0)
        pdf.set_x(MARGIN + shift)
        pdf.cell(CONTENT_W - shift, h, line, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _rule(pdf: DocumentPDF, dashed: bool = True) -> None:
    y = pdf.get_y() + 1.2
    pdf.set_line_width(0.2)
    if dashed:
        pdf.set_dash_pattern(dash=0.8, gap=0.6)
    pdf.line(MARGIN, y, PAGE_W - MARGIN, y)
    pdf.set_dash_pattern()
    pdf.set_y(y + 1.6)


def _field(pdf: DocumentPDF, view: DocumentView, label: str, value: str) -> None:
    _text(pdf, view.labelled(label, value))


def _heading(pdf: DocumentPDF, text: str) -> None:
    pdf.ln(0.8)
    pdf.size(9.5)
    with pdf.bold(0.15):
        pdf.para(CONTENT_W, 5, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _content(pdf: DocumentPDF, view: DocumentView) -> None:
    doc = view.doc
    station_pt = 9.5
    pdf.size(station_pt)
    while pdf.get_string_width(doc.station) > CONTENT_W - 2 * pdf.c_margin - 0.5 and station_pt > 7.5:
        station_pt -= 0.5
        pdf.size(station_pt)
    _text(pdf, doc.station, pt=station_pt, align=Align.C, h=4.6)
    pdf.ln(1)
    pdf.set_char_spacing(1 if view.language == "zh_CN" else 0)
    pdf.size(15 if view.language == "zh_CN" else 13)
    with pdf.bold(0.3):
        pdf.para(CONTENT_W, 7.5, doc.title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_char_spacing(0)
    _text(pdf, view.labelled(view.word("doc.label.document_number"), doc.number), pt=8, align=Align.C, h=3.8)
    _rule(pdf, dashed=False)
    pdf.size(10)
    with pdf.bold(0.12):
        pdf.para(
            CONTENT_W,
            5,
            view.labelled(view.word("doc.label.case_number"), doc.case_number),
            align=Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    for section in view.body:
        _rule(pdf)
        _heading(pdf, f"【{section.title}】" if view.language == "zh_CN" else section.title)
        for label, value in section.fields:
            _field(pdf, view, label, value)
        if section.table:
            _table(pdf, section.table, view)
        for paragraph in section.paragraphs:
            _text(pdf, paragraph)
        if view.provisional_note and view.carries_promise(section):
            with pdf.bold(0.1):
                _text(pdf, view.provisional_note, pt=8, h=3.9)

    if view.missing_note:
        _rule(pdf)
        _text(pdf, view.missing_note, pt=7.5, h=3.7)
    _rule(pdf, dashed=False)
    _field(pdf, view, view.worker_label, doc.worker)
    _field(pdf, view, view.word("doc.pdf.date"), format_date(doc.issued_on, view.language))
    for label, value in view.contact:
        _field(pdf, view, view.contact_label(label), value)
    pdf.ln(2)
    _stamp_box(pdf, view)
    _qr(pdf, view)


def _table(pdf: DocumentPDF, rows: Sequence[Sequence[str]], view: DocumentView) -> None:
    """A table as a numbered list: the first real column after 序号 is the entry, the others follow
    as ``header：value`` lines in small print."""
    ncols = max(len(r) for r in rows)  # a ragged row keeps every cell
    header = tuple(rows[0]) + ("",) * (ncols - len(rows[0]))
    numbered = bool(header) and header[0] in ("序号", view.word("doc.table.no"))
    first = 1 if numbered else 0
    for n, values in enumerate(rows[1:], 1):
        cells = [values[c] if c < len(values) else "" for c in range(len(header))]
        lead = cells[first] if first < len(cells) else ""
        prefix = f"{cells[0] if numbered else n}. "
        pdf.size(BODY_PT)
        _text(pdf, prefix + lead, hang=pdf.get_string_width(prefix))
        for c in range(first + 1, len(header)):
            if cells[c]:
                pdf.size(BODY_PT)
                _text(
                    pdf,
                    view.labelled(header[c], cells[c]) if header[c] else cells[c],
                    pt=7.5,
                    h=3.7,
                    indent=pdf.get_string_width(prefix),
                )


def _stamp_box(pdf: DocumentPDF, view: DocumentView) -> None:
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
    pdf.cell(34, 4, view.word("doc.pdf.stamp_short"), align=Align.C)
    pdf.set_text_color(*BLACK)
    pdf.set_xy(MARGIN, y + h - 5)
    pdf.cell(CONTENT_W - 36, 4, view.word("doc.pdf.signed_by_applicant") + "________", align=Align.L)
    pdf.set_y(y + h + 2)


def _qr(pdf: DocumentPDF, view: DocumentView) -> None:
    need = QR_W + 14
    _keep(pdf, need)
    _rule(pdf)
    y = pdf.get_y() + 1
    pdf.qr((PAGE_W - QR_W) / 2, y, QR_W)
    pdf.set_y(y + QR_W)
    _text(pdf, view.doc.case_number, pt=9, align=Align.C, h=4.4)
    _text(pdf, view.word("doc.pdf.scan_to_follow"), pt=7, align=Align.C, h=3.6)
