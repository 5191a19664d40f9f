"""Which scans are accepted: JPEG, PNG and PDF, checked by magic bytes and a sanity check of structure.

Used incrementally while a scan streams in (:class:`TypeSniffer`): the head decides the type, the tail must
close the structure (JPEG EOI marker, PNG IEND chunk, PDF ``%%EOF``). The file name and any declared MIME type
are ignored.
"""

from __future__ import annotations

import struct

from storage.errors import AttachmentRejected

MAX_ATTACHMENT = 50 << 20
MIME_CODES = {"image/jpeg": 1, "image/png": 2, "application/pdf": 3}
MIME_BY_CODE = {v: k for k, v in MIME_CODES.items()}
_HEAD = 64
_TAIL = 1024
_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def sniff_head(head: bytes) -> str:
    """MIME type from the first bytes, or :class:`AttachmentRejected`."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(_PNG_SIG):
        if len(head) < 16 or struct.unpack(">I", head[8:12])[0] != 13 or head[12:16] != b"IHDR":
            raise AttachmentRejected("storage.attachment_png_header", detail="png without IHDR")
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    raise AttachmentRejected("storage.attachment_type", detail="unknown magic bytes")


def check_tail(mime: str, tail: bytes) -> None:
    """The end of the file must close the structure the head opened (detects truncated scans)."""
    ok = {
        "image/jpeg": b"\xff\xd9" in tail[-32:],
        "image/png": tail.endswith(_PNG_IEND),
        "application/pdf": b"%%EOF" in tail[-_TAIL:],
    }[mime]
    if not ok:
        raise AttachmentRejected("storage.attachment_truncated", detail=f"{mime} without end marker")


class TypeSniffer:
    """Feed chunks with :meth:`update`; :meth:`finish` returns the MIME type or raises."""

    def __init__(self, limit: int = MAX_ATTACHMENT) -> None:
        self.limit = limit
        self.size = 0
        self.mime: str | None = None
        self._head = b""
        self._tail = b""

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise AttachmentRejected(
                "storage.attachment_too_large", limit_mb=self.limit >> 20, detail="attachment too large"
            )
        if self.mime is None:
            self._head += chunk[: _HEAD - len(self._head)]
            if len(self._head) >= _HEAD:
                self.mime = sniff_head(self._head)
        self._tail = (self._tail + chunk[-_TAIL:])[-_TAIL:]  # never copy the whole chunk

    def finish(self) -> str:
        if self.size == 0:
            raise AttachmentRejected("storage.attachment_empty", detail="empty attachment")
        mime = self.mime or sniff_head(self._head)
        check_tail(mime, self._tail)
        return mime
