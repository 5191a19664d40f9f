"""待补齐: intakes that ended with a 一次性告知书, kept so the resident's return picks up where it stopped.

When a worker ends an intake with a 一次性告知书, :meth:`CaseService.commit_new` keeps the draft — everything
entered and every scan — as a 待补齐 record (预受理) in collection ``pending_intake`` (key: the notice's case
id), in the commit that records the notice. Like every collection it lives in the encrypted store; its
scans stay referenced (``casework.blobref``) until the record goes. It goes when

- the resident comes back and the case is accepted (:meth:`CaseService.commit_new` with ``from_notice``:
  the notice then names the new case, the new case names the notice), or
- retention expires it (``storage.retention``: :data:`storage.retention.PENDING_DAYS` after the notice, once
  the district holds the notice record), with the notice's personal data.

    rows = notices.pending()                    # the 待补齐 list, newest notice first
    row = notices.find("GZ261122-007-00421")    # what the paper (or its QR) says; the bare number works too
    draft_id = notices.resume(row.notice_id, actor="worker:01")   # a draft on the materials step

Blocking (encryption, fsync): call from a thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from casework import clock
from casework.cases import CaseStatus, uuid7
from casework.documents import DocumentKind, document_number
from casework.notices import notice_case_number
from station_app.services.cases import CaseService
from storage.retention import PENDING_INTAKE

__all__ = ["PENDING", "NoticeService", "PendingRow", "pending_record"]

PENDING = PENDING_INTAKE


@dataclass(frozen=True)
class PendingRow:
    """One line of the 待补齐 list."""

    notice_id: str
    notice_number: str  # GZ…: printed on the resident's 一次性告知书 and in its QR
    case_number: str
    name: str  # the item or 一件事
    applicant: str
    noticed_on: dt.date  # China date of the notice
    missing: tuple[str, ...]
    resumed_draft: str  # a draft already opened from it, or ""


def pending_record(
    draft: dict[str, Any], *, notice_id: str, case_number: str, missing: list[str], at: str
) -> dict[str, Any]:
    """The 待补齐 record kept for a notice: the draft as it stood, and what the notice listed."""
    return {
        "notice_id": notice_id,
        "notice_number": document_number(DocumentKind.ONE_TIME_NOTICE, case_number),
        "case_number": case_number,
        "name": str(draft.get("name", "")),
        "missing": list(missing),
        "issued_at": at,
        "draft": draft,
        "resumed_draft": "",
    }


def _row(doc: dict[str, Any]) -> PendingRow:
    draft = doc.get("draft") or {}
    try:
        day = clock.china_date(clock.parse_instant(str(doc.get("issued_at", ""))))
    except ValueError:
        day = clock.china_today()
    return PendingRow(
        str(doc["notice_id"]),
        str(doc.get("notice_number", "")),
        str(doc.get("case_number", "")),
        str(doc.get("name", "")),
        str((draft.get("applicant") or {}).get("name", "")),
        day,
        tuple(str(m) for m in doc.get("missing", [])),
        str(doc.get("resumed_draft", "")),
    )


class NoticeService:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def count(self) -> int:
        return self.cases.store.count(PENDING)

    def pending(self) -> list[PendingRow]:
        rows = [_row(doc) for _key, doc in self.cases.store.items(PENDING)]
        return sorted(rows, key=lambda r: (r.noticed_on, r.case_number), reverse=True)

    def get(self, notice_id: str) -> PendingRow | None:
        doc = self.cases.store.get(PENDING, notice_id)
        return _row(doc) if doc else None

    def find(self, text: str) -> PendingRow | None:
        """The 待补齐 record of the notice whose number (``GZ…``, from the paper or its QR) or case number
        is ``text``; None when there is none (never issued here, or already accepted)."""
        number = notice_case_number(text)
        if not number:
            return None
        case = self.cases.find_by_number(number)
        if case is None or case.status is not CaseStatus.NOTICE_ISSUED:
            return None
        return self.get(case.id)

    def resume(self, notice_id: str, *, actor: str) -> str:
        """Open the 待补齐 record as an intake draft on the materials step (the same draft again if one was
        already opened and still exists); returns the draft id."""
        store = self.cases.store
        doc = store.get(PENDING, notice_id)
        if doc is None:
            raise KeyError(notice_id)
        opened = str(doc.get("resumed_draft") or "")
        if opened and store.get("drafts", opened) is not None:
            return opened
        now = clock.now().isoformat()
        draft = {
            **doc["draft"],
            "id": uuid7(),
            "step": "materials",
            "updated_at": now,
            "from_notice": {
                "id": notice_id,
                "number": doc.get("notice_number", ""),
                "missing": list(doc.get("missing", [])),
                "issued_at": doc.get("issued_at", ""),
            },
        }
        self.cases.store.check_free_space(1 << 20)
        with store.transaction(actor=actor, action="notice.resume") as tx:
            tx.put("drafts", draft["id"], draft)
            tx.put(PENDING, notice_id, {**doc, "resumed_draft": draft["id"]})
        return str(draft["id"])
