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
)
from casework.errors import DomainError
from casework.handover import HandoverRefused, handover_record, match_collector
from casework.messages import term
from station_app.i18n import t
from station_app.services.cases import CaseService

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
                h.reason,
            )
        )
    return out


class CaseActions:
    def __init__(self, cases: CaseService, case: Case, worker_id: str) -> None:
        self.cases = cases
        self.case = case
        self.actor = f"worker:{worker_id}"

    def can_hand_over(self) -> bool:
        return self.case.status is CaseStatus.RESULT_READY

    def can_rate(self) -> bool:
        return self.case.rating is None and self.case.status is not CaseStatus.DRAFT

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
        """Attach a new scan for a requested supplement (encrypted at once); resend with :meth:`resend`. A
        scan already on the case does not count: 补正 needs new material (``case.supplement_nothing_new``)."""
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

    def _transition(self, to: CaseStatus, reason: str) -> None:
        try:
            self.case.transition(to, actor=self.actor, at=clock.now(), reason=reason, side=Side.STATION)
        except CaseError as exc:
            raise ActionError(str(exc)) from None
