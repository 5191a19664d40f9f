"""Serving generated documents (受理凭证 PDFs, offline sync bundles) to the browser from memory.

A receipt holds personal data (name, masked ID, phone, items), and the project's rule is that no plaintext
personal data reaches the disk. So a document is never written anywhere: :meth:`DocumentOutbox.publish` keeps
the bytes in process memory under a 128-bit random token and returns the URL path ``/d/<token>/<name>`` on the
station's own origin, which :func:`document_route` (mounted next to the Flet app, see ``station_app.app``)
answers from that memory. A document lives for ``ttl`` seconds at most (the UI also calls :meth:`expire` after
120 s); the store is bounded in total bytes and in count, dropping the oldest documents first. A power cut
loses the documents, which is the point: a worker reprints from the case.
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from fastapi import APIRouter

DEFAULT_TTL_SECONDS = 120.0
DEFAULT_MAX_BYTES = 256 * 1024 * 1024  # offline sync bundles carry encrypted scans: room for a few
DEFAULT_MAX_DOCUMENTS = 64
URL_PREFIX = "/d"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16): 128 bits


def ascii_filename(filename: str) -> str:
    """A filename safe as a URL path segment and in a quoted header value: ``[A-Za-z0-9._-]``, not hidden,
    never empty (``受理凭证-2611220001.pdf`` → ``2611220001.pdf``, ``受理凭证.pdf`` → ``document.pdf``)."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    stem = _UNSAFE.sub("_", stem).strip("._-")[:100] or "document"
    ext = _UNSAFE.sub("", ext).strip(".")[:10]
    return f"{stem}.{ext}" if ext else stem


def content_disposition(filename: str, *, inline: bool = True) -> str:
    """``inline; filename="<ascii>"; filename*=UTF-8''<percent-encoded original>`` (RFC 6266 / RFC 5987)."""
    kind = "inline" if inline else "attachment"
    original = filename.replace("\r", "").replace("\n", "") or "document.pdf"
    return f"{kind}; filename=\"{ascii_filename(original)}\"; filename*=UTF-8''{quote(original, safe='')}"


@dataclass(frozen=True)
class Document:
    data: bytes
    filename: str  # as the caller named it (may be Chinese)
    url_name: str  # ascii_filename(filename), the last URL segment
    media_type: str
    expires_at: float

    @property
    def inline(self) -> bool:
        return self.media_type == "application/pdf"

    def headers(self) -> dict[str, str]:
        return {
            "Content-Disposition": content_disposition(self.filename, inline=self.inline),
            "Cache-Control": "no-store",
            "Pragma": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            # same-origin only: no other site may embed or read a resident's document
            "Cross-Origin-Resource-Policy": "same-origin",
            "Cross-Origin-Opener-Policy": "same-origin",
        }


class DocumentTooLarge(ValueError):
    pass


class DocumentOutbox:
    """In-memory, size-bounded, TTL-bounded documents addressed by unguessable tokens. Thread-safe:
    ``publish`` is called from worker threads (``asyncio.to_thread``), ``get`` from the web server's loop."""

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_documents: int = DEFAULT_MAX_DOCUMENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_bytes = max_bytes
        self.max_documents = max_documents
        self._clock = clock
        self._docs: OrderedDict[str, Document] = OrderedDict()  # oldest first
        self._bytes = 0
        self._lock = threading.Lock()
        # "" in web mode (the browser resolves the path against the station's origin); the loopback documents
        # server's origin in desktop mode, where the window has no origin of its own.
        self.base_url = ""

    def publish(self, data: bytes, filename: str) -> str:
        """Keep ``data`` in memory and return its URL path on the station's origin (``/d/<token>/<name>``)."""
        data = bytes(data)
        if len(data) > self.max_bytes:
            raise DocumentTooLarge(f"document of {len(data)} bytes exceeds the {self.max_bytes}-byte store")
        media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        token = secrets.token_urlsafe(16)
        doc = Document(data, filename, ascii_filename(filename), media_type, self._clock() + self.ttl)
        with self._lock:
            self._expire_locked()
            while self._docs and (
                self._bytes + len(data) > self.max_bytes or len(self._docs) >= self.max_documents
            ):
                self._drop_locked(next(iter(self._docs)))
            self._docs[token] = doc
            self._bytes += len(data)
        return f"{self.base_url}{URL_PREFIX}/{token}/{doc.url_name}"

    def get(self, token: str, name: str) -> Document | None:
        if not _TOKEN.fullmatch(token):
            return None
        with self._lock:
            self._expire_locked()
            doc = self._docs.get(token)
        if doc is None or not secrets.compare_digest(doc.url_name, name):
            return None
        return doc

    def expire(self, url: str) -> None:
        """Forget the document behind ``url`` (as returned by :meth:`publish`) now."""
        if self.base_url and url.startswith(self.base_url):
            url = url[len(self.base_url) :]
        parts = url.strip("/").split("/")
        if len(parts) == 3 and "/" + parts[0] == URL_PREFIX:
            with self._lock:
                self._drop_locked(parts[1])

    def clear(self) -> None:
        with self._lock:
            self._docs.clear()
            self._bytes = 0

    def __len__(self) -> int:
        with self._lock:
            self._expire_locked()
            return len(self._docs)

    @property
    def bytes_held(self) -> int:
        with self._lock:
            return self._bytes

    def _expire_locked(self) -> None:
        now = self._clock()
        for token in [t for t, d in self._docs.items() if d.expires_at <= now]:
            self._drop_locked(token)

    def _drop_locked(self, token: str) -> None:
        doc = self._docs.pop(token, None)
        if doc is not None:
            self._bytes -= len(doc.data)


def document_route(outbox: DocumentOutbox) -> APIRouter:
    """The FastAPI router answering ``GET /d/{token}/{name}`` from ``outbox``."""
    from fastapi import APIRouter
    from fastapi.responses import Response

    router = APIRouter()
    not_found = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

    @router.get(URL_PREFIX + "/{token}/{name}", include_in_schema=False)
    async def document(token: str, name: str) -> Response:  # dict lookups only: fine on the loop
        doc = outbox.get(token, name)
        if doc is None:
            return Response(b"not found", status_code=404, media_type="text/plain", headers=not_found)
        return Response(doc.data, media_type=doc.media_type, headers=doc.headers())

    return router
