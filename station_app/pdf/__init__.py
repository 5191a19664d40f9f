"""Render the 受理 documents (受理凭证, 代收件通知书, 一次性告知书, 不予受理通知书) to PDF.

``render(document, "a4")`` gives an A4 page for the window printer, ``render(document, "receipt80")`` an
80 mm roll for a receipt printer. Both embed a subset of the bundled CJK font and a QR code of the case
number. Output is a pure function of the document: the PDF creation date is the document date.
"""

from __future__ import annotations

from typing import Literal

from .a4 import render_a4
from .adapt import to_print_document
from .model import (
    ApplicantInfo,
    CollectionRouting,
    DocumentKind,
    MissingMaterial,
    PrintDocument,
    ReceivedMaterial,
    Section,
    StationInfo,
)
from .receipt import render_receipt80

Layout = Literal["a4", "receipt80"]
LAYOUTS: tuple[Layout, ...] = ("a4", "receipt80")

__all__ = [
    "LAYOUTS",
    "ApplicantInfo",
    "CollectionRouting",
    "DocumentKind",
    "Layout",
    "MissingMaterial",
    "PrintDocument",
    "ReceivedMaterial",
    "Section",
    "StationInfo",
    "render",
    "render_a4",
    "render_receipt80",
    "to_print_document",
]


def render(document: object, layout: Layout = "a4") -> bytes:
    """PDF bytes of ``document`` (a ``casework.documents`` document or a :class:`PrintDocument`)."""
    doc = to_print_document(document)
    if layout == "a4":
        return render_a4(doc)
    if layout == "receipt80":
        return render_receipt80(doc)
    raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
