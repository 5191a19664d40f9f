"""Verified copies (核验件) and result documents (结果文书) in the station store.

* :func:`derive_copies`: when a case is committed, every scan of a material marked 原件核验 that has no
  marked copy yet gets one (:mod:`station_app.pdf.watermark`), stored encrypted as its own blob; the
  material record names it (:meth:`casework.cases.Case.add_copies`), so sync uploads it with the case and
  the center shows it to the department. The original scan is not touched: same bytes, same sha256.
* :func:`result_files` / :func:`pending_results`: the result documents sync downloaded for a case (verified
  by sha256, encrypted in the blob store) and the ones still queued after a failed download.

Blocking (decryption, rendering): call from a thread. Logs name case ids and counts only.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from casework import clock
from casework.blobref import BlobRef
from casework.caseparts import Satisfaction
from casework.cases import Case
from casework.copies import VerifiedCopy, mark_text
from storage.errors import StorageError

__all__ = ["HeldResult", "PendingResult", "derive_copies", "pending_results", "result_files"]

log = logging.getLogger("station.copies")
_MARK_THREADS = 2


def derive_copies(case: Case, blobs: Any, *, item_name: str, station_name: str) -> int:
    """Make the marked copy of every verified scan of ``case`` that lacks one; returns how many were made.
    The mark names ``item_name``, today's China date (the copy is made in the commit that records the
    check) and ``station_name``. A scan that cannot be read keeps no copy (the worker still has the
    original; nothing is refused for it)."""
    from station_app.pdf.watermark import MarkError, mark_copy

    text = mark_text(item_name, clock.china_today(), station_name)
    wanted: list[tuple[str, str, BlobRef]] = []  # (material, scan sha256, original)
    for m in case.materials:
        if m.satisfaction is not Satisfaction.ORIGINAL_VERIFIED:
            continue
        for sha in m.attachments:
            if m.copy_of(sha) is not None:
                continue
            try:
                wanted.append((m.code, sha, blobs.ref(sha)))
            except StorageError as exc:
                log.warning("case %s: no marked copy of one scan (%s)", case.id, exc.code)
    if not wanted:
        return 0

    def mark(sha: str) -> bytes | None:
        """The marked copy of one scan (read on this thread: its own file handle), or None."""
        try:
            return mark_copy(blobs.read_bytes(sha), text)[0]
        except (MarkError, StorageError) as exc:
            log.warning("case %s: no marked copy of one scan (%s)", case.id, exc.code)
        except Exception as exc:  # a malformed PDF can break pypdf in any way; the copy is not essential
            log.warning("case %s: no marked copy of one scan (%s)", case.id, type(exc).__name__)
        return None

    # Pillow and zlib release the GIL while they decode, draw and encode: two scans at a time halve the
    # wait at 受理 on a two-core station laptop (a phone photo takes a few hundred ms). The copies are
    # stored here, in order, as they come.
    copies: dict[str, list[VerifiedCopy]] = {}
    with ThreadPoolExecutor(max_workers=min(_MARK_THREADS, len(wanted)), thread_name_prefix="mark") as pool:
        for (code, _sha, original), out in zip(
            wanted, pool.map(mark, [sha for _c, sha, _o in wanted]), strict=True
        ):
            if out is None:
                continue
            try:
                copies.setdefault(code, []).append(VerifiedCopy(blobs.put_bytes(out), original))
            except StorageError as exc:
                log.warning("case %s: no marked copy of one scan (%s)", case.id, exc.code)
    return sum(case.add_copies(code, made) for code, made in copies.items())


@dataclass(frozen=True)
class HeldResult:
    """A result document the station holds: encrypted in its blob store, sha256 verified on download."""

    sha256: str
    name: str
    size: int
    mime: str
    item_code: str | None

    @property
    def is_pdf(self) -> bool:
        return self.mime == "application/pdf"


@dataclass(frozen=True)
class PendingResult:
    """A result document the center listed that did not arrive whole yet (retried at every sync)."""

    name: str
    attempts: int
    last_error: str


def result_files(store: Any, case_id: str) -> list[HeldResult]:
    doc = store.get("cases", case_id) or {}
    out = []
    for f in doc.get("_result_files", []):
        if isinstance(f, dict) and isinstance(f.get("sha256"), str):
            item = f.get("item_code")
            out.append(
                HeldResult(
                    f["sha256"],
                    str(f.get("name") or ""),
                    int(f.get("size") or 0),
                    str(f.get("mime") or ""),
                    item if isinstance(item, str) else None,
                )
            )
    return out


def pending_results(store: Any, case_id: str) -> list[PendingResult]:
    from sync.local import RESULT_DOWNLOADS  # the sync engine's modules load when sync runs, not at start-up

    out = []
    for key in store.keys_of(RESULT_DOWNLOADS):
        if not key.startswith(f"{case_id}:"):
            continue
        doc = store.get(RESULT_DOWNLOADS, key) or {}
        out.append(
            PendingResult(
                str(doc.get("name") or ""), int(doc.get("attempts") or 0), str(doc.get("last_error") or "")
            )
        )
    return out
