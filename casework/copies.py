"""Verified copies (核验件): the marked copy of a scan whose original the worker checked (原件核验).

国办函〔2016〕108号 practice: a copy checked against its original carries
“此件经与原件核对无误，仅供办理…使用” with the date and the office, so the copy cannot be reused for another
purpose. The station stamps that mark on a *derived* copy when it commits the verification; the original
scan stays as it was, encrypted and addressed by its own sha256. The material record lists the copies
(:attr:`casework.caseparts.MaterialRecord.copies`), each naming the scan it was made from::

    text = mark_text("高龄津贴申领", clock.china_today(), "某某社区便民服务站")
    copy = VerifiedCopy(BlobRef(marked_sha, n, "image/jpeg"), original=BlobRef(scan_sha, m, "image/jpeg"))

In a document a copy is ``{"sha256", "size", "mime", "original": {"sha256", "size", "mime"}}``: both are
blob references by :mod:`casework.blobref`'s rule (found by their shape), so the copy is uploaded, linked
at the center and kept by retention with its case like any scan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from casework import clock
from casework.blobref import BlobRef

__all__ = ["MARK_TEMPLATE", "VerifiedCopy", "mark_text"]

#: The words of the mark (the item, the China date of the check, the station that checked).
MARK_TEMPLATE = "此件经与原件核对无误，仅供办理{item}使用 {date} {station}"


def mark_text(item: str, day: dt.date, station: str) -> str:
    """The mark of a copy verified on China day ``day`` at ``station`` for ``item`` (an item or 一件事)."""
    return MARK_TEMPLATE.format(item=item.strip(), date=clock.format_date(day), station=station.strip())


@dataclass(frozen=True, slots=True)
class VerifiedCopy:
    """One marked copy: its own blob and the scan (``original``) it was made from."""

    blob: BlobRef
    original: BlobRef

    @property
    def sha256(self) -> str:
        return self.blob.sha256

    @property
    def original_sha256(self) -> str:
        return self.original.sha256

    def to_dict(self) -> dict[str, Any]:
        return {**self.blob.to_dict(), "original": self.original.to_dict()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> VerifiedCopy:
        original = d.get("original")
        if not isinstance(original, Mapping):
            raise ValueError("a verified copy names the scan it was made from")
        return cls(BlobRef.from_dict(d), BlobRef.from_dict(original))
