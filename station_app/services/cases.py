"""Cases (办件) and intake drafts in the station store: the durable commits behind 受理 and later steps.

Every method blocks (encryption, fsync) and is called from the UI with ``asyncio.to_thread``.

The commit that accepts a case writes the case, its outbox entry (:func:`sync.outbox.enqueue`), the case
counter and the removal of its draft in **one** store transaction; the UI shows the receipt only after it
returned. Free disk space is checked first (:meth:`StationStore.check_free_space`).

Working days are counted with :attr:`CaseService.calendar`: the district's newest verified calendar in the
store, else the built-in tables (:mod:`station_app.services.calendar`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from casework import clock, messages
from casework.acceptance import acceptance_day, overdue_status, pending_deferred
from casework.casenumber import CaseCounter
from casework.cases import Case, CaseStatus, Side
from casework.deadlines import Recomputed
from casework.documents import (
    CaseDocument,
    StationInfo,
    acceptance_receipt,
    collection_notice,
    correction_receipt,
    on_the_spot_result,
    one_time_notice,
    refusal_notice,
)
from casework.errors import DomainError
from casework.notices import report_of
from casework.workdays import WorkCalendar
from station_app.services.calendar import CalendarProvider
from station_app.services.copies import (
    HeldResult,
    PendingResult,
    derive_copies,
    pending_results,
    result_files,
)
from station_app.services.station import StationService
from storage.retention import is_tombstone
from storage.store import StationStore
from sync.notices import enqueue as enqueue_notice
from sync.outbox import OUTBOX, RECEIPTS, REJECTED, enqueue

if TYPE_CHECKING:
    from station_app.pdf import Layout
    from station_app.services.case_index import CaseIndex

COUNTER_KEY = "case_counter"
MIN_FREE_FOR_CASE = 1 << 20  # the case document, its outbox copy and the audit entry, with room to spare


class NotEnrolled(DomainError):
    """Case numbers need the station number the district assigns at enrollment."""

    code = "station.not_enrolled_for_numbers"


class NoDocument(DomainError, ValueError):
    """A window document asked of a case that has none to issue (a ``ValueError``, as before)."""

    code = "station.document.none"


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list, precomputed so the list renders without touching the store."""

    id: str
    number: str
    name: str
    applicant: str
    status: CaseStatus
    created_at: dt.datetime
    promised_date: dt.date | None
    overdue: str  # OverdueState value
    sync: str  # "pending", "rejected", "synced", "local"
    deferred_overdue: bool
    accepted_on: dt.date | None = None  # China day of 受理 / 代收 (None: notice, refusal, draft)
    due: dt.date | None = None  # 限时办结 due day: the promised date pushed back by 补正 pauses
    provisional: bool = False  # the promised date is 暂定
    corrected: bool = False  # a newer calendar moved its promised date: a 更正 receipt can be printed
    supplement_due: dt.date | None = (
        None  # 待补正: the open 补齐补正 request's due day (None: none or no date)
    )


def _supplement_due(case: Case) -> dt.date | None:
    request = case.open_supplement() if case.status is CaseStatus.SUPPLEMENT_REQUESTED else None
    return request.due_date if request is not None else None


class CaseService:
    def __init__(self, station: StationService, calendar: WorkCalendar | None = None) -> None:
        self.station = station
        self.calendars = CalendarProvider(station)
        self._fixed_calendar = calendar  # tests may pin one; the station uses the provider
        # Two browsers (desk and kiosk hand-off) may accept at once: issuing a number and committing the
        # case that uses it must not interleave, or two cases could share a number.
        self.numbering = threading.Lock()
        self._index: CaseIndex | None = None

    @property
    def store(self) -> StationStore:
        return self.station.unlocked_store

    # -- identity of this station -------------------------------------------------------------------------
    def station_identity(self) -> tuple[str, int]:
        """(station_id, station_no) from enrollment; raises :class:`NotEnrolled` before it."""
        ident = self.station.identity()
        if not ident or int(ident.get("station_no") or 0) < 1:
            raise NotEnrolled()
        return str(ident["station_id"]), int(ident["station_no"])

    def station_info(self) -> StationInfo:
        s, ident = self.station.settings(), self.station.identity() or {}
        return StationInfo(
            name=str(s.get("station_name", "")),
            district=str(ident.get("district_name") or s.get("area", "")),
            address=str(s.get("address", "")),
            phone=str(s.get("phone", "")),
        )

    @property
    def calendar(self) -> WorkCalendar:
        """The calendar the station counts with (the district's newest, else the built-in tables)."""
        return self._fixed_calendar or self.calendars.current()

    def work_calendar(self) -> WorkCalendar:
        """:attr:`calendar`, as a call (screens fetch it on a thread)."""
        return self.calendar

    # -- drafts --------------------------------------------------------------------------------------------
    def save_draft(self, draft_id: str, draft: dict[str, Any], *, actor: str) -> None:
        """Keep an intake draft (the same free-space check as a case: a draft leads to one)."""
        self.store.check_free_space(MIN_FREE_FOR_CASE)
        with self.store.transaction(actor=actor, action="draft.save") as tx:
            tx.put("drafts", draft_id, draft)

    def drafts(self) -> list[dict[str, Any]]:
        return [d for _k, d in self.store.items("drafts")]

    def draft(self, draft_id: str) -> dict[str, Any] | None:
        return self.store.get("drafts", draft_id)

    def delete_draft(self, draft_id: str, *, actor: str) -> None:
        with self.store.transaction(actor=actor, action="draft.delete") as tx:
            tx.delete("drafts", draft_id)

    # -- scans ---------------------------------------------------------------------------------------------
    def put_scan(self, data: bytes) -> str:
        """Encrypt and store one scan; returns its sha256 (durable before return)."""
        self.store.check_free_space(len(data) + MIN_FREE_FOR_CASE)
        return self.store.blobs.put_bytes(data).sha256

    def read_scan(self, sha256: str) -> bytes:
        return self.store.blobs.read_bytes(sha256)

    # -- numbers -------------------------------------------------------------------------------------------
    def issue_number(self, today: dt.date) -> tuple[CaseCounter, str]:
        """The next case number and the counter state to store with the case in the same commit."""
        _station_id, station_no = self.station_identity()
        doc = self.store.get("settings", COUNTER_KEY)
        counter = (
            CaseCounter.from_dict(doc)
            if doc and doc.get("station_no") == station_no
            else CaseCounter(station_no)
        )
        return counter.issue(today)

    # -- the durable commits -------------------------------------------------------------------------------
    def commit_new(
        self,
        case: Case,
        counter: CaseCounter,
        *,
        actor: str,
        action: str,
        draft_id: str | None = None,
        pending: dict[str, Any] | None = None,
        from_notice: str | None = None,
    ) -> None:
        """Write a new case with the counter and the draft removal in one transaction. An accepted or
        collected case is moved to ``queued`` (待上报) and enqueued for the center in that same commit; a
        notice or refusal is queued as a :class:`~casework.notices.NoticeReport` (:mod:`sync.notices`).

        ``pending`` (a notice): the draft, kept as the 待补齐 record (预受理) under the notice's case id
        instead of being removed. ``from_notice`` (a case accepted after a notice): that notice's case id;
        the notice records the new case's number (and is queued again) and its 待补齐 record is removed,
        in the same commit."""
        from station_app.services.notices import PENDING

        self.store.check_free_space(MIN_FREE_FOR_CASE)
        self.derive_copies(case)
        # 当场办结: decided here, it goes to the district as it is (结果待领取), never to the review queue
        done_here = case.status is CaseStatus.RESULT_READY and case.decided_on_the_spot
        send = done_here or case.status in (CaseStatus.ACCEPTED, CaseStatus.COLLECTED)
        if send and not done_here:
            case.transition(CaseStatus.QUEUED, actor=actor, at=clock.now(), side=Side.STATION)
        doc = case.to_dict()
        with self.store.transaction(actor=actor, action=action) as tx:
            tx.put("cases", case.id, doc)
            tx.put("settings", COUNTER_KEY, counter.to_dict())
            if send:
                enqueue(tx, doc)
            if case.status in (CaseStatus.NOTICE_ISSUED, CaseStatus.REFUSED):
                enqueue_notice(tx, report_of(case))
            if pending is not None:
                tx.put(PENDING, case.id, pending)
            if draft_id:
                tx.delete("drafts", draft_id)
            if from_notice:
                self._link_notice(tx, from_notice, case, actor=actor)
            tx.audit(action, case=case.id, detail={"number": case.number, "status": case.status.value})

    def _link_notice(self, tx: Any, notice_id: str, case: Case, *, actor: str) -> None:
        from station_app.services.notices import PENDING

        old = tx.get("cases", notice_id)
        if old is None or is_tombstone(old):
            # retention removed the notice meanwhile: the case still names it (prior_notice) and is accepted
            tx.delete(PENDING, notice_id)
            tx.audit("notice.resumed_after_purge", case=notice_id, detail={"case": case.number})
            return
        notice = Case.from_dict(old)
        notice.mark_resumed(case.number, at=clock.now())
        tx.put(
            "cases", notice.id, {**{k: v for k, v in old.items() if k.startswith("_")}, **notice.to_dict()}
        )
        enqueue_notice(tx, report_of(notice))
        tx.delete(PENDING, notice_id)
        tx.audit("notice.resumed", case=notice_id, detail={"number": notice.number, "case": case.number})

    def save(self, case: Case, *, actor: str, action: str) -> None:
        """Persist a changed case and queue its new version for the center, in one transaction. Fields the
        sync layer keeps on the stored document (``_feed_seq`` …) are carried over."""
        self.store.check_free_space(MIN_FREE_FOR_CASE)
        self.derive_copies(case)
        doc = case.to_dict()
        with self.store.transaction(actor=actor, action=action) as tx:
            old = tx.get("cases", case.id) or {}
            doc = {**{k: v for k, v in old.items() if k.startswith("_")}, **doc}
            tx.put("cases", case.id, doc)
            enqueue(tx, case.to_dict())
            tx.audit(action, case=case.id, detail={"status": case.status.value})

    # -- verified copies and result documents ----------------------------------------------------------
    def derive_copies(self, case: Case) -> int:
        """The marked copies (核验件) of the case's verified scans that have none yet, stored encrypted
        before the commit that names them (:mod:`station_app.services.copies`)."""
        catalog = self.station.catalog()
        code = case.item_code or case.bundle_code or ""
        name = code
        if catalog is not None:
            with contextlib.suppress(KeyError):
                name = (catalog.item(case.item_code) if case.item_code else catalog.bundle(code)).name
        station = str(self.station.settings().get("station_name", ""))
        return derive_copies(case, self.store.blobs, item_name=name, station_name=station)

    def read_copy(self, case: Case, sha256: str) -> tuple[bytes, str]:
        """The marked copy ``sha256`` of one of the case's verified scans, and its MIME type."""
        copy = next((c for m in case.materials for c in m.copies if c.sha256 == sha256), None)
        if copy is None:
            raise KeyError(sha256)
        return self.store.blobs.read_bytes(sha256), copy.blob.mime

    def result_files(self, case_id: str) -> list[HeldResult]:
        """The result documents (结果文书) sync downloaded for the case, verified and encrypted."""
        return result_files(self.store, case_id)

    def pending_results(self, case_id: str) -> list[PendingResult]:
        """Result documents the center listed that did not arrive whole yet (sync retries them)."""
        return pending_results(self.store, case_id)

    def read_result(self, case_id: str, sha256: str, *, actor: str, purpose: str) -> bytes:
        """One result document of the case (only a file the case lists), with an audit entry saying who
        printed or downloaded it."""
        if all(f.sha256 != sha256 for f in self.result_files(case_id)):
            raise KeyError(sha256)
        data = self.store.blobs.read_bytes(sha256)
        self.store.audit(f"document.result_{purpose}", actor=actor, case=case_id, detail={"sha256": sha256})
        return data

    # -- reading -------------------------------------------------------------------------------------------
    def audit_export(self, what: str, *, actor: str, rows: int, filters: dict[str, str]) -> None:
        """An export of personal data leaving the encrypted store (e.g. the 帮办代办 register as xlsx): who,
        what, with which filter and how many rows, in the audit chain."""
        self.store.audit(f"export.{what}", actor=actor, detail={"rows": rows, **filters})

    def get(self, case_id: str) -> Case:
        doc = self.store.get("cases", case_id)
        if doc is None:
            raise KeyError(case_id)
        return Case.from_dict(doc)

    @property
    def index(self) -> CaseIndex:
        """The cases as the lists see them (:mod:`station_app.services.case_index`): summaries only."""
        from station_app.services.case_index import CaseIndex

        summaries = self.station.case_summaries()
        if self._index is None or self._index.index is not summaries:
            self._index = CaseIndex(summaries, lambda: self.store, self.station.catalog)
        return self._index

    def find_by_number(self, number: str) -> Case | None:
        """The live case with this 办件编号 (found in the summary index; one case decrypted)."""
        key = self.index.find_number(number)
        doc = self.store.get("cases", key) if key is not None else None
        if doc is None or is_tombstone(doc):
            return None
        return Case.from_dict(doc)

    def followup(self, case_id: str) -> dict[str, Any] | None:
        """The newest ``followup_opened`` notice of the case in the sync inbox (差评整改: ``due``,
        ``rating``), or None."""
        found: dict[str, Any] | None = None
        for _, doc in sorted(self.store.items("sync_inbox")):
            if doc.get("type") == "followup_opened" and doc.get("case_id") == case_id:
                payload = doc.get("payload")
                found = dict(payload) if isinstance(payload, dict) else {}
        return found

    def sync_states(self) -> dict[str, str]:
        states: dict[str, str] = {}
        for key in self.store.keys_of(RECEIPTS):  # the center's receipt: it holds this case
            states[key] = "synced"
        for key in self.store.keys_of(OUTBOX):
            states[key] = "pending"
        for key in self.store.keys_of(REJECTED):
            states[key] = "rejected"
        return states

    def rows(self, today: dt.date | None = None) -> list[CaseRow]:
        """Every live case (tombstones left out) as a list line, newest first — from the summary index, no
        case decrypted. The screens page instead (:mod:`station_app.viewmodels.case_query`)."""
        from station_app.services.case_index import LIVE, sort_pairs

        today = today or clock.china_today()
        pairs = self.index.select(LIVE)
        sort_pairs(pairs)
        return self.index.rows(pairs, today, self.work_calendar())

    def row(
        self,
        case: Case,
        today: dt.date,
        catalog: Any,
        sync: str,
        calendar: WorkCalendar | None = None,
        *,
        corrected: bool = False,
    ) -> CaseRow:
        name = case.item_code or case.bundle_code or ""
        if catalog is not None:
            with contextlib.suppress(KeyError):  # an item since removed from the catalog keeps its code
                name = (
                    catalog.item(case.item_code) if case.item_code else catalog.bundle(case.bundle_code)
                ).name
        try:
            status = overdue_status(case, calendar or self.calendar, today)
            state, due = status.state.value, status.due
        except ValueError:  # a date no calendar can count from: the row still shows, without a state
            state, due = "", None
        # a 容缺 material still owed past its date; once the case is over nothing is owed any more
        owed = pending_deferred(case) if not case.is_final else []
        deferred = any(due is not None and due < today for _code, due in owed)
        taken = case.entered_at(CaseStatus.ACCEPTED) or case.entered_at(CaseStatus.COLLECTED)
        return CaseRow(
            case.id,
            case.number,
            name,
            case.applicant.name,
            case.status,
            case.created_at,
            case.promised_date,
            state,
            sync,
            deferred,
            acceptance_day(case) if taken else None,
            due,
            case.promised_date_provisional,
            corrected,
            _supplement_due(case),
        )

    def corrections(self, case_id: str) -> list[Recomputed]:
        """Every change of the case's promised dates a newer calendar made (oldest first): what a 更正
        receipt prints."""
        doc = self.store.get("cases", case_id) or {}
        from sync.apply import CORRECTIONS  # the sync engine's modules load when sync runs, not at start-up

        return [Recomputed.from_dict(c) for c in doc.get(CORRECTIONS, []) if isinstance(c, dict)]

    # -- documents -----------------------------------------------------------------------------------------
    def document(
        self, case: Case, kind: str, *, worker: str, missing: Any = None, reason: str = ""
    ) -> CaseDocument:
        catalog = self.station.catalog()
        assert catalog is not None
        info, now = self.station_info(), clock.now()
        lang = messages.current_language()  # the station's UI language: the document's own words
        if kind == "correction":  # 受理凭证（更正）: the latest change of its promised dates
            changes = [c for c in self.corrections(case.id) if c.dates]
            if not changes:
                raise NoDocument("station.document.no_correction", number=case.number)
            return correction_receipt(
                case,
                catalog,
                station=info,
                worker=worker,
                issued_at=now,
                correction=changes[-1],
                sequence=len(changes),
                language=lang,
            )
        build = {
            "receipt": acceptance_receipt,
            "result": on_the_spot_result,  # 当场办结: the 证明 / 回执 / 办结通知书 the station issues itself
            "collection": collection_notice,
            "notice": one_time_notice,
        }.get(kind, refusal_notice)
        return build(case, catalog, station=info, worker=worker, issued_at=now, language=lang)

    def result_pdf(self, case: Case) -> bytes | None:
        """The result document a 当场办结 stored (the PDF printed at the window), or None."""
        if not case.decided_on_the_spot or case.result is None or not case.result.documents:
            return None
        return self.read_scan(case.result.documents[0])

    def render_pdf(self, document: CaseDocument, layout: Layout = "a4") -> bytes:
        from station_app.pdf import render

        return render(document, layout)


def _sent(case: Case) -> bool:
    return case.status not in (CaseStatus.DRAFT,) and any(h.side == Side.CENTER for h in case.history)
