"""Shared pieces of both layouts: the FPDF set-up with the two fonts, faux bold, QR image, metadata."""

from __future__ import annotations

import datetime as dt
import functools
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.fonts import TTFFont

from casework import clock

from .fonts import LATIN_FONT_PATH, cjk_subset_font
from .model import DocumentView

CJK = "cjk"
LATIN = "latin"
BLACK = (0, 0, 0)
GREY = (110, 110, 110)
LIGHT = (235, 235, 235)
MIN_COL = 18.0
NARROW_COL = 14.0


LAYOUT_MODULES = ("base", "model", "a4", "receipt")  # the modules holding printed labels


@functools.lru_cache(maxsize=1)
def _static_chars() -> str:
    """Every non-ASCII character written in the layout modules: the labels they print."""
    chars: set[str] = set()
    here = Path(__file__).resolve().parent
    for path in (here / f"{name}.py" for name in LAYOUT_MODULES):
        chars.update(ch for ch in path.read_text(encoding="utf-8") if ord(ch) > 0x7F)
    return "".join(sorted(chars))


def qr_png(payload: str, *, scale: int = 8) -> bytes:
    """PNG of a QR code of ``payload``: error correction at least M (segno raises it while the symbol
    size allows), 4-module quiet zone, black on white."""
    qr = segno.make(payload, error="m", micro=False)
    out = BytesIO()
    qr.save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def creation_datetime(day: dt.date) -> dt.datetime:
    """The PDF creation date: the document date at 00:00 China Standard Time (UTC+8)."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=clock.CHINA)


class DocumentPDF(FPDF):
    """FPDF with the per-document CJK subset as main font and DejaVu Sans for Latin characters."""

    def __init__(self, view: DocumentView, *, font_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view = view
        self._widths: dict[tuple[str, str, float], dict[str, float]] = {}
        doc = view.doc
        self.add_font(CJK, fname=font_path)
        self.add_font(LATIN, fname=str(LATIN_FONT_PATH))
        for font in self.fonts.values():
            # Glyph bounds in both fonts are already right: without this, embedding re-encodes every glyph.
            if isinstance(font, TTFFont):
                font.ttfont.recalcBBoxes = False
        self.set_fallback_fonts([LATIN], exact_match=False)
        self.set_font(CJK, size=10.5)
        self.set_text_color(*BLACK)
        self.set_draw_color(*BLACK)
        self.set_creation_date(creation_datetime(doc.issued_on))
        self.set_title(f"{doc.title} {doc.number}")
        self.set_author(doc.station)
        self.set_subject(f"{doc.word('doc.label.case_number')} {doc.case_number}")
        self.set_creator("bianmin-station station_app.pdf")
        self.set_lang("zh-CN")

    @contextmanager
    def bold(self, stroke: float = 0.25) -> Iterator[None]:
        """Faux bold (fill + stroke): the CJK font has no bold face.

        ``local_context`` brackets the text in ``q … Q`` so the stroke mode cannot leak into later text
        (fpdf2 does not re-emit ``Tr`` after a plain attribute change).
        """
        with self.local_context(text_mode=TextMode.FILL_STROKE, line_width=stroke):
            yield

    def get_string_width(self, s: str, normalized: bool = False, markdown: bool = False) -> float:
        """Sum of memoized per-character widths (no kerning is applied, so this equals fpdf2's figure);
        line breaking measures every token, and fpdf2's own measure is slow with fallback fonts."""
        if markdown or self.char_spacing or self.font_stretching != 100:
            return super().get_string_width(s, normalized, markdown)
        table = self._widths.setdefault((self.font_family, self.font_style, self.font_size_pt), {})
        total = 0.0
        for ch in s:
            w = table.get(ch)
            if w is None:
                w = table[ch] = super().get_string_width(ch, normalized, markdown)
            total += w
        return total

    def para(self, w: float, h: float, text: str, **kwargs: Any) -> None:
        """``multi_cell`` with the text pre-broken by :func:`wrap` (Chinese line-breaking rules)."""
        padding = kwargs.get("padding", 0)
        pad_x = padding[1] if isinstance(padding, tuple) and len(padding) > 1 else padding
        inner = w - 2 * max(self.c_margin, float(pad_x or 0))
        self.multi_cell(w, h, "\n".join(wrap(self, text, inner - 0.3)), **kwargs)

    def size(self, pt: float) -> None:
        self.set_font(CJK, size=pt)

    def qr(self, x: float, y: float, w: float) -> None:
        self.image(BytesIO(qr_png(self.view.doc.qr_payload)), x=x, y=y, w=w, h=w)

    def column_widths(self, table: Sequence[Sequence[str]], total: float, pad: float) -> list[float]:
        """Widths (mm) for ``table``'s columns at the current font: short columns get their natural
        width, long ones share the rest in proportion to their text (never below ``MIN_COL``)."""
        ncols = max(len(r) for r in table)
        natural = [
            max(self.get_string_width(r[c]) if c < len(r) else 0.0 for r in table) + 2 * pad + 1
            for c in range(ncols)
        ]
        short = [c for c in range(ncols) if natural[c] <= total * 0.16]
        if sum(natural) <= total:  # everything fits: widen all but the narrowest (序号-like) columns
            grow = [c for c in range(ncols) if natural[c] > NARROW_COL] or list(range(ncols))
            extra = (total - sum(natural)) / sum(natural[c] for c in grow)
            return [w * (1 + extra) if c in grow else w for c, w in enumerate(natural)]
        fixed = sum(natural[c] for c in short)
        rest = [c for c in range(ncols) if c not in short]
        room = total - fixed
        weights = [min(natural[c], total) for c in rest]
        widths = list(natural)
        for c, w in zip(rest, weights, strict=True):
            widths[c] = max(MIN_COL, room * w / sum(weights))
        scale = total / sum(widths)
        return [w * scale for w in widths]


@contextmanager
def document_font(view: DocumentView) -> Iterator[str]:
    """Path of the document's own CJK subset font, in a private directory removed afterwards.

    fpdf2 loads fonts from paths only. The subset holds the characters of the layouts' labels and of the
    document's text.
    """
    with tempfile.TemporaryDirectory(prefix="station-pdf-") as d:
        path = Path(d) / "cjk.ttf"
        path.write_bytes(cjk_subset_font([_static_chars(), *view.all_text()]))
        yield str(path)


def output_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


# Chinese line-breaking rules (避头尾): these never start a line / never end one.
NO_LINE_START = frozenset("，。、；：？！）」』】》〉”’…—·%,.;:?!)]}")
NO_LINE_END = frozenset("（「『【《〈“‘([{")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-./:@*_#]*|\s+|.", re.DOTALL)


def wrap(pdf: FPDF, text: str, width: float, first_indent: float = 0.0) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` mm at the current font.

    CJK characters break anywhere except before closing / after opening punctuation (the character is
    carried to the next line with it); runs of Latin letters and digits (case numbers, dates, phones)
    stay whole unless longer than a line. Explicit newlines are kept. The first line is ``first_indent``
    narrower.
    """
    lines: list[str] = []
    for para in text.split("\n"):
        avail = width - (first_indent if not lines else 0.0)
        cur: list[str] = []
        cur_w = 0.0
        for token in _TOKEN.findall(para):
            if not cur and token.isspace():
                continue
            w = pdf.get_string_width(token)
            if cur_w + w <= avail:
                cur.append(token)
                cur_w += w
                continue
            if token.isspace():
                lines.append("".join(cur).rstrip())
                cur, cur_w, avail = [], 0.0, width
                continue
            carry: list[str] = []
            if token[0] in NO_LINE_START:  # carry the character before it (and any closing run) down
                while len(cur) > 1 and (not carry or carry[0][0] in NO_LINE_START):
                    carry.insert(0, cur.pop())
            while len(cur) > 1 and cur[-1] and cur[-1][-1] in NO_LINE_END:
                carry.insert(0, cur.pop())
            if cur:
                lines.append("".join(cur).rstrip())
                avail = width  # only the first line is indented
            cur = [*carry]
            cur_w = sum(pdf.get_string_width(t) for t in cur)
            if cur_w + w <= avail:
                cur.append(token)
                cur_w += w
                continue
            for ch in token:  # a token wider than a whole line: break it by character
                cw = pdf.get_string_width(ch)
                if cur and cur_w + cw > avail:
                    lines.append("".join(cur))
                    cur, cur_w, avail = [], 0.0, width
                cur.append(ch)
                cur_w += cw
        lines.append("".join(cur).rstrip())
    return lines


def fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` pre-broken with :func:`wrap` for a cell whose text area is ``width`` mm wide."""
    return "\n".join(wrap(pdf, text, width - 0.3))
