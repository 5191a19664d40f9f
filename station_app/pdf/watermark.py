"""The verified-copy mark (核验件): “此件经与原件核对无误，仅供办理…使用 [date] [station]” on a scan's copy.

::

    marked, mime = mark_copy(scan_bytes, mark_text("高龄津贴申领", day, "某某社区便民服务站"))

* **JPEG / PNG** (Pillow): the copy gets a white band under the picture with the whole mark in red, and
  the mark repeated diagonally across the picture in translucent red, so cutting the band off still leaves
  the purpose on the copy. The picture is never cropped; one narrower than 800 px is enlarged to that width
  so the mark stays legible. A JPEG stays a JPEG (quality 90), a PNG a PNG.
* **PDF** (pypdf + fpdf2): every page gets the same diagonal marks and a band along its foot, drawn on an
  overlay page of the same size and merged onto the page; the page's own content is untouched underneath.

The result depends only on the scan and the text (no dates from the clock, fixed PDF metadata), so making
the copy twice gives the same bytes. A scan that cannot be read (damaged, encrypted PDF) raises
:class:`MarkError`; the caller keeps the original and makes no copy.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

from casework.errors import DomainError

from .fonts import CJK_FONT_PATH, LATIN_FONT_PATH, cjk_subset_font, latin_codepoints

__all__ = ["MARK_RED", "MarkError", "copy_as_pdf", "mark_copy", "mark_image", "mark_pdf"]

MARK_RED = (200, 16, 16)
_DIAGONAL_ALPHA = 72  # of 255: the picture stays readable under the repeated mark
_ANGLE = 30  # degrees, counter-clockwise
_JPEG_QUALITY = 90
_MIN_WIDTH = 800  # pixels: narrower pictures are enlarged for their copy
_MAX_PIXELS = 60_000_000  # a scan larger than this is not a scan (Pillow's own bomb guard is near it)


class MarkError(DomainError):
    """The scan could not be read to make its marked copy (``station.copy.*``)."""

    code = "station.copy.unreadable"


def mark_copy(data: bytes, text: str) -> tuple[bytes, str]:
    """The marked copy of a JPEG, PNG or PDF scan, and its MIME type."""
    if data.startswith(b"%PDF-"):
        return mark_pdf(data, text), "application/pdf"
    return mark_image(data, text)


# --------------------------------------------------------------------------------------------- images


@functools.lru_cache(maxsize=16)
def _fonts(size: int) -> tuple[Any, Any]:
    from PIL import ImageFont

    return ImageFont.truetype(str(CJK_FONT_PATH), size), ImageFont.truetype(str(LATIN_FONT_PATH), size)


def _runs(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into runs of one font: (run, is_latin). The CJK font has no Latin glyphs."""
    latin = latin_codepoints()
    out: list[tuple[str, bool]] = []
    for ch in text:
        is_latin = ord(ch) in latin
        if out and out[-1][1] == is_latin:
            out[-1] = (out[-1][0] + ch, is_latin)
        else:
            out.append((ch, is_latin))
    return out


def _length(text: str, size: int) -> float:
    cjk, lat = _fonts(size)
    return float(sum((lat if is_latin else cjk).getlength(run) for run, is_latin in _runs(text)))


def _draw(draw: Any, xy: tuple[float, float], text: str, size: int, fill: tuple[int, ...]) -> None:
    cjk, lat = _fonts(size)
    x, y = xy
    for run, is_latin in _runs(text):
        font = lat if is_latin else cjk
        draw.text((x, y), run, font=font, fill=fill)
        x += font.getlength(run)


def _wrap(text: str, size: int, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width``: broken at its spaces (the date and the station stay whole)
    where they fit, else between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if _length(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:
            if _length(line + ch, size) > width and line:
                lines.append(line)
                line = ch
            else:
                line += ch
    if line:
        lines.append(line)
    return lines


def mark_image(data: bytes, text: str) -> tuple[bytes, str]:
    """The marked copy of a JPEG or PNG scan (same format), and its MIME type."""
    from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as opened:
            fmt = opened.format
            if fmt not in ("JPEG", "PNG"):
                raise MarkError("station.copy.not_a_scan", kind=str(fmt))
            if opened.width * opened.height > _MAX_PIXELS:
                raise MarkError("station.copy.too_large", width=opened.width, height=opened.height)
            picture = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise MarkError("station.copy.unreadable", detail=type(exc).__name__) from None
    if picture.width < _MIN_WIDTH:  # a small picture (a phone crop, a QR) is enlarged so the mark reads
        scale = _MIN_WIDTH / picture.width
        picture = picture.resize(
            (_MIN_WIDTH, max(1, round(picture.height * scale))), Image.Resampling.LANCZOS
        )
    w, h = picture.size
    size = max(14, round(w / 36))
    margin = max(8, size // 2)
    lines = _wrap(text, size, w - 2 * margin)
    line_h = round(size * 1.4)
    band = 2 * margin + line_h * len(lines)

    _diagonal(picture, text, size)  # on the converted copy, not on the decoder's image
    out = Image.new("RGB", (w, h + band), "white")
    out.paste(picture, (0, 0))
    draw = ImageDraw.Draw(out)
    draw.line([(0, h), (w, h)], fill=MARK_RED, width=max(2, size // 8))
    for i, line in enumerate(lines):
        _draw(draw, (margin, h + margin + i * line_h), line, size, MARK_RED)

    buf = BytesIO()
    if fmt == "JPEG":
        out.save(buf, "JPEG", quality=_JPEG_QUALITY, optimize=False)
        return buf.getvalue(), "image/jpeg"
    out.save(buf, "PNG")
    return buf.getvalue(), "image/png"


_PIECE = 3  # characters per stamp of the diagonal mark


def _diagonal(image: Any, text: str, size: int) -> None:
    """The mark repeated in translucent rows across ``image`` (the picture, RGB, changed in place), at
    :data:`_ANGLE`.

    The run of text is cut into pieces of :data:`_PIECE` characters; each piece is drawn once as a small
    mask, turned once, and stamped in red through that mask wherever it falls on the picture along the
    rotated rows. Turning one layer the size of the picture's diagonal instead cost about 0.1 s for an
    800 px scan and seconds for a 12-megapixel photo, in the 受理 commit that makes the copy; small pieces
    keep the turned masks' bounding boxes (which the stamping walks) close to the glyphs themselves."""
    from PIL import Image, ImageDraw

    w, h = image.size
    big = max(16, round(size * 1.3))
    step_y = big * 5
    run = text + "    "
    run_w = max(1.0, _length(run, big))
    pad = big // 2
    height = round(big * 1.5) + 2 * pad
    alpha = [v * _DIAGONAL_ALPHA // 255 for v in range(256)]
    pieces: list[tuple[float, float, Any]] = []  # (its centre along the row, across it, its turned mask)
    for i in range(0, len(run), _PIECE):
        piece = run[i : i + _PIECE]
        if not piece.strip():
            continue
        stamp = Image.new("L", (math.ceil(_length(piece, big)) + 2 * pad, height), 0)
        _draw(ImageDraw.Draw(stamp), (pad, pad), piece, big, (255,))
        turned = stamp.rotate(_ANGLE, resample=Image.Resampling.BICUBIC, expand=True).point(alpha)
        offset = _length(run[:i], big) if i else 0.0
        pieces.append((offset - pad + stamp.width / 2, stamp.height / 2 - pad, turned))
    # the rows live in a square frame as wide as the picture's diagonal, centred on the picture and turned
    # counter-clockwise about that centre (y down); rows step_y apart, each shifted a third of a run
    side = math.ceil(math.hypot(w, h))
    cos, sin = math.cos(math.radians(_ANGLE)), math.sin(math.radians(_ANGLE))
    half = side / 2
    for row, y in enumerate(range(0, side, step_y)):
        x = -((row * run_w / 3) % run_w)
        while x < side:
            for along, across, mask in pieces:
                dx, dy = x + along - half, y + across - half
                cx, cy = w / 2 + dx * cos + dy * sin, h / 2 - dx * sin + dy * cos
                mw, mh = mask.size
                left, top = round(cx - mw / 2), round(cy - mh / 2)
                if left < w and top < h and left + mw > 0 and top + mh > 0:
                    image.paste(MARK_RED, (left, top), mask)
            x += run_w


# ----------------------------------------------------------------------------------------------- PDFs


@contextmanager
def _font_file(text: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="station-mark-") as d:
        path = Path(d) / "cjk.ttf"
        path.write_bytes(cjk_subset_font([text]))
        yield str(path)


def _pdf_width(pdf: Any, text: str, size: float) -> float:
    width = 0.0
    for run, is_latin in _runs(text):
        pdf.set_font("latin" if is_latin else "cjk", size=size)
        width += pdf.get_string_width(run)
    return width


def _pdf_text(pdf: Any, x: float, y: float, text: str, size: float) -> None:
    """``text`` at (x, y), each run in its font (``FPDF.text`` does not use the fallback fonts)."""
    for run, is_latin in _runs(text):
        pdf.set_font("latin" if is_latin else "cjk", size=size)
        pdf.text(x, y, run)
        x += pdf.get_string_width(run)


def _overlay(text: str, pages: list[tuple[float, float]]) -> bytes:
    """A PDF with one overlay page (the marks only) per ``(width, height)`` in points."""
    from fpdf import FPDF

    with _font_file(text) as cjk:
        pdf = FPDF(unit="pt")
        pdf.set_auto_page_break(False)
        pdf.add_font("cjk", fname=cjk)
        pdf.add_font("latin", fname=str(LATIN_FONT_PATH))
        pdf.set_fallback_fonts(["latin"], exact_match=False)
        pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        pdf.set_producer("station")
        for w, h in pages:
            pdf.add_page(format=(w, h))
            size = max(9.0, w / 40)
            pdf.set_text_color(*MARK_RED)
            big = size * 1.3
            run = text + "    "
            run_w = max(1.0, _pdf_width(pdf, run, big))
            side = math.hypot(w, h)
            with (
                pdf.local_context(fill_opacity=0.28, text_color=MARK_RED),
                pdf.rotation(_ANGLE, x=w / 2, y=h / 2),
            ):
                y = h / 2 - side / 2
                row = 0
                while y < h / 2 + side / 2:
                    x = w / 2 - side / 2 - ((row * run_w / 3) % run_w)
                    while x < w / 2 + side / 2:
                        _pdf_text(pdf, x, y, run, big)
                        x += run_w
                    y += size * 6.5
                    row += 1
            pdf.set_font("cjk", size=size)
            margin = size
            lines: list[str] = pdf.multi_cell(  # type: ignore[assignment]  # output="LINES" gives the lines
                w - 2 * margin, size * 1.4, text, dry_run=True, output="LINES"
            )
            band = len(lines) * size * 1.4 + margin
            with pdf.local_context(fill_opacity=0.88):
                pdf.set_fill_color(255, 255, 255)
                pdf.rect(0, h - band - margin / 2, w, band + margin / 2, style="F")
            pdf.set_draw_color(*MARK_RED)
            pdf.set_line_width(max(1.0, size / 8))
            pdf.line(0, h - band - margin / 2, w, h - band - margin / 2)
            pdf.set_xy(margin, h - band)
            pdf.multi_cell(w - 2 * margin, size * 1.4, text, align="L")
        return bytes(pdf.output())


def mark_pdf(data: bytes, text: str) -> bytes:
    """The marked copy of a PDF scan: every page with the marks merged over it."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted:
            raise MarkError("station.copy.encrypted_pdf")
        writer = PdfWriter(clone_from=reader)
        for page in writer.pages:
            page.transfer_rotation_to_content()
        sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in writer.pages]
        if not sizes:
            raise MarkError("station.copy.unreadable", detail="no pages")
        overlay = PdfReader(BytesIO(_overlay(text, sizes)))
        for page, mark in zip(writer.pages, overlay.pages, strict=True):
            left, bottom = float(page.mediabox.left), float(page.mediabox.bottom)
            if left or bottom:
                from pypdf import Transformation

                page.merge_transformed_page(mark, Transformation().translate(left, bottom))
            else:
                page.merge_page(mark)
        writer.add_metadata({"/Producer": "station", "/Title": "verified copy"})
        buf = BytesIO()
        writer.write(buf)
        return buf.getvalue()
    except MarkError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as exc:
        raise MarkError("station.copy.unreadable", detail=type(exc).__name__) from None


def copy_as_pdf(data: bytes, mime: str) -> bytes:
    """A marked copy ready for the system printer: a PDF as it is, a picture fitted on an A4 page
    (10 mm margins, never enlarged past 200 dpi)."""
    if mime == "application/pdf":
        return data
    from fpdf import FPDF
    from PIL import Image

    with Image.open(BytesIO(data)) as im:
        px_w, px_h = im.size
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    pdf.set_producer("station")
    pdf.add_page()
    box_w, box_h = 190.0, 277.0
    scale = min(box_w / px_w, box_h / px_h, 25.4 / 200)
    w, h = px_w * scale, px_h * scale
    pdf.image(BytesIO(data), x=(210 - w) / 2, y=10, w=w, h=h)
    return bytes(pdf.output())
