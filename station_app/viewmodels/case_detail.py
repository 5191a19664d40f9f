"""One case (办件): its timeline and what the window can do next — supplements (补齐补正), hand-over (已送达),
rating (好差评), withdrawal (撤回). Each action changes the :class:`Case` through ``casework`` rules and is
saved with a new outbox version in one commit (:meth:`CaseService.save`). Blocking: call from a thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from casework import clock
from casework.cases import (
    AlreadyRated,
    Case,
    CaseError,
    CaseStatus,
    Rating,
    RatingLevel,
    Side,
    Transition,
)
from casework.errors import DomainError
from casework.handover import HandoverRefused, handover_record, match_collector
from casework.messages import term
from station_app.i18n import t
from station_app.services.cases import CaseService
from station_app.viewmodels.printing import PrinterKind, print_document, station_printer

RATING_REASONS = (
    "rating.reason_fast",
    "rating.reason_attitude",
    "rating.reason_clear",
    "rating.reason_slow",
    "rating.reason_runs",
    "rating.reason_unclear",
)
HANDOVER_METHODS = ("handover.self", "handover.agent", "handover.post", "handover.locker")
#: Methods where the collector stands at the window with an ID card (checked against the case).
IN_PERSON = frozenset({"handover.self", "handover.agent"})


class ActionError(DomainError):
    """A case action the worker cannot take now. Coded (``station.case.*``) where the words are the error
    catalog's; some raises still pass a sentence worded with :func:`station_app.i18n.t` as the code, which
    ``str()`` shows as it is."""

    code = "station.case.action_refused"


@dataclass(frozen=True)
class ResultLine:
    """One result document (结果文书) on the case screen: printable when it is a PDF."""

    sha256: str
    name: str
    size: str  # "120.5 KB"
    printable: bool


@dataclass(frozen=True)
class CopyLine:
    """One marked copy (核验件) of a verified scan, to print or download."""

    sha256: str
    code: str  # the material's
    label: str  # "居民身份证 · 核验件 1"
    filename: str


@dataclass(frozen=True)
class TimelineEntry:
    at: str  # China local time, minutes
    label: str
    side: str
    actor: str
    reason: str


# what the back office does to one item of a 一件事 (front-desk steps are the parent's, cascaded to each item)
ITEM_STEPS = frozenset(
    {CaseStatus.IN_REVIEW, CaseStatus.SUPPLEMENT_REQUESTED, CaseStatus.APPROVED, CaseStatus.REJECTED}
)


def timeline(case: Case, item_names: Mapping[str, str] | None = None) -> list[TimelineEntry]:
    """The case's history; for a 一件事 also each item's back-office steps (审查, 补正, 决定 with the
    department's reason), labelled with the item's name — the parent's own entries only summarise them."""
    steps = [(h, "") for h in case.history]
    for sub in case.sub_cases:
        name = (item_names or {}).get(sub.item_code, sub.item_code)
        steps += [(h, name) for h in sub.history if h.side is Side.CENTER and h.to_status in ITEM_STEPS]
    steps.sort(key=lambda s: (s[0].at, not s[1]))  # an item's step before the parent's summary of it
    out = []
    for h, item in steps:
        out.append(
            TimelineEntry(
                clock.format_datetime(h.at),
                t("common.labelled", label=item, text=term(h.to_status)) if item else term(h.to_status),
                t("case.side_center") if h.side is Side.CENTER else t("case.side_station"),
                h.actor,
                _with_notice_link(case, h, item),
            )
        )
    return out


def _with_notice_link(case: Case, h: Transition, item: str) -> str:
    """A step's reason, with the 一次性告知 link where it belongs: the 受理 of a case accepted after a notice
    names the notice; the notice names the case accepted when the resident came back."""
    link = ""
    if not item and case.prior_notice and h.to_status in (CaseStatus.ACCEPTED, CaseStatus.COLLECTED):
        link = t("case.from_notice", number=case.prior_notice)
    if not item and case.resumed_as and h.to_status is CaseStatus.NOTICE_ISSUED:
        link = t("case.resumed_as", number=case.resumed_as)
    return t("common.list_sep").join(p for p in (h.reason, link) if p)


class CaseActions:
    def __init__(self, cases: CaseService, case: Case, worker_id: str) -> None:
        self.cases = cases
        self.case = case
        self.actor = f"worker:{worker_id}"

    def can_hand_over(self) -> bool:
        return self.case.status is CaseStatus.RESULT_READY

    def can_rate(self) -> bool:
        return self.case.rating is None and self.case.status is not CaseStatus.DRAFT

    def can_revisit(self) -> bool:
        """回访评价 is due: the first rating was 基本满意 or below (a 差评 the district follows up) and the
        second one is not recorded yet."""
        c = self.case
        return c.rating is not None and c.rating.level.needs_follow_up and c.revisit_rating is None

    def followup(self) -> dict[str, object] | None:
        """The district's open follow-up (整改) of this case from the feed (``followup_opened``): its due day
        and the rating; None before it arrived."""
        return self.cases.followup(self.case.id)

    def revisit(self, level: RatingLevel, reasons: list[str], comment: str) -> Case:
        """回访评价: the resident's second rating after the 整改, once; the first rating stays as it was."""
        try:
            self.case.rate_revisit(Rating(level, clock.now(), tuple(reasons), comment.strip()))
        except CaseError as exc:
            raise ActionError(str(exc)) from None
        self.cases.save(self.case, actor="resident", action="case.revisit")
        return self.case

    def can_withdraw(self) -> bool:
        return CaseStatus.WITHDRAWN in self.case.allowed_transitions(Side.STATION)

    def open_supplement_items(self) -> list[tuple[str, str, str]]:
        """(code, name, why) of the materials the back office asked for, while the request is open."""
        req = self.case.open_supplement()
        if req is None or self.case.status is not CaseStatus.SUPPLEMENT_REQUESTED:
            return []
        return [(m.code, m.name, m.reason) for m in req.items]

    def hand_over(
        self, collector: str, method_key: str, note: str = "", *, collector_id: str = "", letter: bool = False
    ) -> Case:
        """已送达: who collected the result and how; then it is the resident's turn to rate. At the window
        (本人 / 代理人) the collector's ID number must be the applicant's, the registered agent's, or come
        with a 授权委托书 (``letter``); the outcome is recorded on the case (``case.handover``)."""
        if not collector.strip():
            raise ActionError(t("handover.need_collector"))
        if method_key not in HANDOVER_METHODS:
            raise ActionError(t("handover.need_method"))
        match = None
        if method_key in IN_PERSON:
            if not collector_id.strip():
                raise ActionError(t("handover.need_id"))
            try:
                match = match_collector(self.case, collector_id, letter=letter)
            except HandoverRefused as exc:
                raise ActionError(str(exc)) from None
        reason = t("handover.reason", who=collector.strip(), how=t(method_key)) + (
            f"；{t('handover.match_' + match.value)}" if match is not None else ""
        )
        reason += f"；{note.strip()}" if note.strip() else ""
        self.case.handover = handover_record(
            match, collector=collector.strip(), id_number=collector_id, method=method_key, by=self.actor
        )
        self._transition(CaseStatus.HANDED_OVER, reason)
        self.cases.save(self.case, actor=self.actor, action="case.hand_over")
        return self.case

    def rate(self, level: RatingLevel, reasons: list[str], comment: str) -> Case:
        """好差评, once per case; it travels to the district with the next sync."""
        try:
            self.case.rate(Rating(level, clock.now(), tuple(reasons), comment.strip()))
        except AlreadyRated as exc:
            raise ActionError(str(exc)) from None
        except CaseError as exc:
            raise ActionError(str(exc)) from None
        self.cases.save(self.case, actor="resident", action="case.rate")
        return self.case

    def withdraw(self, reason: str) -> Case:
        if not reason.strip():
            raise ActionError(t("case.withdraw_reason_needed"))
        self._transition(CaseStatus.WITHDRAWN, reason.strip())
        self.cases.save(self.case, actor=self.actor, action="case.withdraw")
        return self.case

    def supply(self, code: str, filename: str, data: bytes) -> None:
        """Attach a new scan for a requested supplement (encrypted at once) and save the case with it, so the
        scan survives the screen reloading the case (and reaches the department with the next sync); resend
        with :meth:`resend`. A scan already on the case does not count: 补正 needs new material
        (``case.supplement_nothing_new``)."""
        name = next((n for c, n, _w in self.open_supplement_items() if c == code), None)
        if name is None:
            raise ActionError(t("case.not_requested"))
        req = self.case.open_supplement()
        sha = self.cases.put_scan(data)
        try:
            self.case.supply(
                code,
                by=self.actor.split(":", 1)[1],
                at=clock.now(),
                attachments=(sha,),
                item_code=req.item_code if req is not None and self.case.is_bundle else None,
            )
        except CaseError as exc:
            raise ActionError(str(exc)) from None
        self.cases.save(self.case, actor=self.actor, action="case.supplement_scan")

    def supplied_count(self, code: str) -> int:
        """New scans handed in for ``code`` on the open 补正 request (scans taken at 受理 do not count)."""
        req = self.case.open_supplement()
        return 0 if req is None else sum(len(x.attachments) for x in req.supplied_items if x.code == code)

    def owed_deferred(self) -> list[tuple[str, str, dt.date | None]]:
        """(code, name, due date) of the 容缺 materials still owed, while a late one can still be recorded."""
        if self.case.is_final or self.case.status is CaseStatus.HANDED_OVER:
            return []
        return [(m.code, m.name, m.due_date) for m in self.case.outstanding_deferred()]

    def received_deferred(self) -> list[tuple[str, str, str]]:
        """(code, name, Beijing time) of the 容缺 materials handed in after 受理."""
        return [
            (m.code, m.name, clock.format_datetime(m.supplied_at))
            for m in self.case.materials
            if m.supplied_at is not None
        ]

    def receive_deferred(self, code: str, filename: str, data: bytes) -> Case:
        """容缺 follow-through: the resident brought the late material; the worker scanned it and checked the
        original (原件核验). Saved and queued for the district at once, so the department sees it arrive."""
        sha = self.cases.put_scan(data)
        try:
            self.case.receive_deferred(
                code, attachments=(sha,), verified_by=self.actor.split(":", 1)[1], at=clock.now()
            )
        except CaseError as exc:
            raise ActionError(str(exc)) from None
        self.cases.save(self.case, actor=self.actor, action="case.deferred_received")
        return self.case

    def unsupplied_names(self) -> list[str]:
        """The requested materials with no new scan yet (the 补正 cannot go back to review before)."""
        req = self.case.open_supplement()
        if req is None or self.case.status is not CaseStatus.SUPPLEMENT_REQUESTED:
            return []
        return [m.name for m in req.unsupplied()]

    def resend(self) -> Case:
        """补齐补正 handed in at this window: back to review, and a new version to the center. Every requested
        material needs a new scan first (:meth:`supply`)."""
        req = self.case.open_supplement()
        missing = self.unsupplied_names()
        if missing:
            raise ActionError("station.case.still_missing", names=missing)
        try:
            if self.case.is_bundle and req is not None and req.item_code:
                self.case.transition_sub(
                    req.item_code,
                    CaseStatus.IN_REVIEW,
                    actor=self.actor,
                    at=clock.now(),
                    side=Side.STATION,
                    reason=t("case.supplied"),
                )
            else:
                self.case.transition(
                    CaseStatus.IN_REVIEW,
                    actor=self.actor,
                    at=clock.now(),
                    reason=t("case.supplied"),
                    side=Side.STATION,
                )
        except CaseError as exc:
            raise ActionError(str(exc)) from None
        self.cases.save(self.case, actor=self.actor, action="case.supplement")
        return self.case

    # -- result documents (结果文书) and verified copies (核验件) -----------------------------------------
    def result_lines(self) -> list[ResultLine]:
        """The result documents that came back from the department, downloaded and verified."""
        return [
            ResultLine(f.sha256, f.name or f"{f.sha256[:8]}.pdf", f"{f.size / 1024:.1f} KB", f.is_pdf)
            for f in self.cases.result_files(self.case.id)
        ]

    def pending_result_notes(self) -> list[str]:
        """What did not arrive yet: each file the center listed whose download failed, retried next sync."""
        return [
            t("cases.result_pending", name=p.name or "-", n=p.attempts)
            for p in self.cases.pending_results(self.case.id)
        ]

    def download_result(self, sha256: str) -> tuple[bytes, str]:
        """The bytes and file name of one result document (audited as downloaded)."""
        line = self._result(sha256)
        return self.cases.read_result(self.case.id, sha256, actor=self.actor, purpose="download"), line.name

    def print_result(self, sha256: str) -> None:
        """Print one result document on the station's system printer (a PDF; ``print.*`` errors)."""
        line = self._result(sha256)
        if not line.printable:
            raise ActionError("station.result.not_pdf")
        printer = station_printer(self.cases.station.settings())
        if printer.kind is not PrinterKind.SYSTEM:
            raise ActionError("station.result.no_printer")
        print_document(
            printer, self.cases.read_result(self.case.id, sha256, actor=self.actor, purpose="print")
        )

    def _result(self, sha256: str) -> ResultLine:
        line = next((r for r in self.result_lines() if r.sha256 == sha256), None)
        if line is None:
            raise ActionError("station.case.action_refused")
        return line

    def copy_lines(self) -> list[CopyLine]:
        """The marked copies of the case's verified scans, material by material."""
        out = []
        for m in self.case.materials:
            for i, c in enumerate(m.copies, 1):
                ext = (
                    "pdf"
                    if c.blob.mime == "application/pdf"
                    else "png"
                    if c.blob.mime == "image/png"
                    else "jpg"
                )
                label = t("cases.copy_label", name=m.name, n=i)
                out.append(CopyLine(c.sha256, m.code, label, f"{self.case.number}-{m.code}-{i}.{ext}"))
        return out

    def copy_pdf(self, sha256: str) -> bytes:
        """A marked copy as a PDF to print (a scanned picture is put on an A4 page)."""
        from station_app.pdf.watermark import copy_as_pdf

        data, mime = self.cases.read_copy(self.case, sha256)
        return copy_as_pdf(data, mime)

    def download_copy(self, sha256: str) -> tuple[bytes, str]:
        line = next((c for c in self.copy_lines() if c.sha256 == sha256), None)
        if line is None:
            raise ActionError("station.case.action_refused")
        data, _mime = self.cases.read_copy(self.case, sha256)
        self.cases.store.audit("document.copy_download", actor=self.actor, case=self.case.id)
        return data, line.filename

    def print_copy(self, sha256: str) -> None:
        printer = station_printer(self.cases.station.settings())
        if printer.kind is not PrinterKind.SYSTEM:
            raise ActionError("station.result.no_printer")
        print_document(printer, self.copy_pdf(sha256))
        self.cases.store.audit("document.copy_print", actor=self.actor, case=self.case.id)

    def _transition(self, to: CaseStatus, reason: str) -> None:
        try:
            self.case.transition(to, actor=self.actor, at=clock.now(), reason=reason, side=Side.STATION)
        except CaseError as exc:
            raise ActionError(str(exc)) from None
