"""Render the 受理 documents (受理凭证, 代收件通知书, 一次性告知书, 不予受理通知书) to PDF.

``render(document, "a4")`` gives A4 pages for the window printer, ``render(document, "receipt80")`` an
80 mm roll for a receipt printer, for any :class:`casework.documents.CaseDocument`. Both embed a subset of
the bundled CJK font (plus DejaVu Sans for Latin characters) and a QR code of the case number. Output is a
pure function of the document: the PDF creation date is the document date.
"""

from __future__ import annotations

from typing import Literal

from casework.documents import CaseDocument

from .a4 import render_a4 as _render_a4
from .base import qr_png
from .model import DocumentView
from .receipt import render_receipt80 as _render_receipt80

Layout = Literal["a4", "receipt80"]
LAYOUTS: tuple[Layout, ...] = ("a4", "receipt80")

__all__ = ["LAYOUTS", "Layout", "qr_png", "render", "render_a4", "render_receipt80"]


def render(document: CaseDocument, layout: Layout = "a4") -> bytes:
    """PDF bytes of ``document`` in ``layout`` ("a4" or "receipt80")."""
    if layout == "a4":
        return render_a4(document)
    if layout == "receipt80":
        return render_receipt80(document)
    raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")


def render_a4(document: CaseDocument) -> bytes:
    """A4 pages: centered title, ruled tables, stamp area, 第 x 页 共 y 页."""
    return _render_a4(DocumentView.of(document))


def render_receipt80(document: CaseDocument) -> bytes:
    """One 80 mm wide page as long as the content (QR at the bottom)."""
    return _render_receipt80(DocumentView.of(document))
