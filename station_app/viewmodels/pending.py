"""待补齐 for the screens: the intakes that ended with a 一次性告知书, found by the notice's number, and
resumed as an intake draft (``station_app.services.notices``). Blocking: call from a thread."""

from __future__ import annotations

from station_app.services.cases import CaseService
from station_app.services.notices import NoticeService, PendingRow

__all__ = ["PendingRow", "PendingViewModel"]


class PendingViewModel:
    def __init__(self, cases: CaseService) -> None:
        self.notices = NoticeService(cases)

    def count(self) -> int:
        return self.notices.count()

    def rows(self, query: str = "") -> list[PendingRow]:
        """Every 待补齐 record, newest notice first; with ``query`` (a notice number typed or scanned from the
        QR on the resident's notice) only the one it names, or none."""
        if not query.strip():
            return self.notices.pending()
        found = self.notices.find(query)
        return [found] if found is not None else []

    def resume(self, notice_id: str, *, worker_id: str) -> str:
        """The intake draft that completes this notice (opened on the materials step)."""
        return self.notices.resume(notice_id, actor=f"worker:{worker_id}")
