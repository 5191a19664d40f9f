"""Turn ``casework.documents`` data into :class:`PrintDocument`."""

from __future__ import annotations

from .model import PrintDocument


def to_print_document(document: object) -> PrintDocument:
    if isinstance(document, PrintDocument):
        return document
    raise TypeError(f"cannot render {type(document).__name__}")
